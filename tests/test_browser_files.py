"""The upload page in a real headless Chromium at 1366×768 (issue 14): an .xlsx laid out as Excel saves
it (shared strings, styles, a hidden list sheet) and a .txt saved as Excel's "Unicode Text" (UTF-16,
tabs) are previewed by locality and indicator name with old → new, then applied; a file with cell,
rights and lock problems gets all of them in one list. Screenshots go to KPI_SCREENSHOTS_DIR
(docs/screenshots for the user guide) or a temporary folder. Server and browser from tests/browser.py."""

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from browser import chromium, go, log_in, needs_chromium, new_tab, settle, streamlit_server, viewport_screenshot
from conftest import PROJECT_DIR
from playwright.sync_api import Page, expect

from kpi.store import cycle, queries
from kpi.store.accounts import create_user
from kpi.store.db import make_engine

WIDTH, HEIGHT = 1366, 768
ADMIN, PASSWORD = "quantri", "Mật khẩu quản trị 2026"
EDITOR = "canbo_lac_phuong"
HEADERS = ["Mã địa phương", "Mã chỉ tiêu", "Năm", "Tử số", "Mẫu số", "Giá trị", "Ghi chú"]

pytestmark = needs_chromium


def excel_saved_xlsx(rows: list[list]) -> bytes:
    """A workbook laid out as Excel saves one: text in sharedStrings, a style on every cell, a
    <dimension>, row spans, and a hidden list sheet after the data sheet."""
    strings: list[str] = []

    def cell(ref: str, value) -> str:
        if value is None:
            return f'<c r="{ref}" s="1"/>'
        if isinstance(value, int):
            return f'<c r="{ref}" s="1"><v>{value}</v></c>'
        if value not in strings:
            strings.append(value)
        return f'<c r="{ref}" s="1" t="s"><v>{strings.index(value)}</v></c>'

    def sheet(table: list[list]) -> str:
        body = "".join(f'<row r="{r}" spans="1:{len(row)}" x14ac:dyDescent="0.25">'
                       + "".join(cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row)) + "</row>"
                       for r, row in enumerate(table, start=1))
        last = f"{chr(64 + max(map(len, table)))}{len(table)}"
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
                'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
                'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
                f'<dimension ref="A1:{last}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/><sheetData>{body}</sheetData>'
                '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')

    data_sheet, list_sheet = sheet(rows), sheet([["Danh mục"], ["có"], ["không"]])
    shared = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<sst xmlns="http://schemas.openxmlformats.org/'
              f'spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
              + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sharedStrings+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Relationships xmlns="http://schemas.openxmlformats.'
            f'org/package/2006/relationships"><Relationship Id="rId1" Type="{relations}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<workbook xmlns="{main}" xmlns:r="{relations}">'
            '<fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27425"/><bookViews><workbookView '
            'xWindow="-120" yWindow="-120" windowWidth="29040" windowHeight="15840"/></bookViews><sheets>'
            '<sheet name="Số liệu" sheetId="1" r:id="rId1"/><sheet name="DanhMuc" sheetId="2" state="hidden" '
            'r:id="rId2"/></sheets><calcPr calcId="191029"/></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Relationships xmlns="http://schemas.openxmlformats.'
            f'org/package/2006/relationships"><Relationship Id="rId1" Type="{relations}/worksheet" '
            f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{relations}/worksheet" '
            f'Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="{relations}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId4" Type="{relations}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<styleSheet xmlns="{main}"><fonts count="1"><font>'
            '<sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/>'
            '</fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/>'
            '<top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
            'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0" xfId="0"/><xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            '</cellStyles></styleSheet>'),
        "xl/sharedStrings.xml": shared,
        "xl/worksheets/sheet1.xml": data_sheet,
        "xl/worksheets/sheet2.xml": list_sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content.encode("utf-8"))
    return buffer.getvalue()


def unicode_text(rows: list[list]) -> bytes:
    """Excel's "Unicode Text": UTF-16 little-endian with a BOM, tabs, CR LF."""
    lines = ["\t".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-16")


@pytest.fixture
def server(tmp_path):
    """A real Streamlit server on a database with the demo figures, an admin and an editor."""
    database_url = f"sqlite:///{tmp_path / 'kpi.sqlite3'}"
    env = {**os.environ, "KPI_DATABASE_URL": database_url}
    for command in (["init"], ["demo"]):
        subprocess.run([sys.executable, "-m", "kpi", *command], cwd=PROJECT_DIR, env=env, check=True, capture_output=True)
    engine = make_engine(database_url)
    create_user(engine, ADMIN, PASSWORD, "admin")
    create_user(engine, EDITOR, PASSWORD, "editor", ["LAC_PHUONG"])
    with streamlit_server(tmp_path, database_url) as base:
        yield base, engine
    engine.dispose()


@pytest.fixture
def page(server):
    with chromium() as browser:
        yield new_tab(browser, WIDTH, HEIGHT)


def open_upload(page: Page, base: str, name: str) -> None:
    page.goto(base)
    settle(page)
    log_in(page, name, PASSWORD)
    go(page, "Tải tệp lên")


def upload(page: Page, path: Path) -> None:
    page.locator(".st-key-upload_file input[type='file']").set_input_files(str(path))
    settle(page)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_excel_files_are_previewed_by_name_then_applied_and_problems_come_in_one_list(server, page, tmp_path):
    base, engine = server
    cycle.approve(engine, "LAC_PHUONG", 2024, ADMIN)
    open_upload(page, base, EDITOR)

    xlsx = tmp_path / "so_lieu_excel.xlsx"
    xlsx.write_bytes(excel_saved_xlsx([HEADERS, ["LAC_PHUONG", "HOA_GIAI_THANH", 2025, 47, 50, None, "=Tăng 2 vụ"],
                                       ["xã Lạc Phượng", "VU_VIEC_VPPL", 2025, None, None, 1234, None]]))
    upload(page, xlsx)
    expect(page.get_by_text(f"Xem trước tệp «{xlsx.name}»: 2 dòng hợp lệ.")).to_be_visible()
    # The chosen file's chip: its remove button an icon alone (our «Chọn tệp» once showed over it), no size
    # written the English way (5.1KB); the button to choose another file reads «Chọn tệp» on one line.
    chip = page.get_by_test_id("stFileChip")
    assert chip.get_by_role("button").evaluate("b => getComputedStyle(b, '::after').content") == "none"
    expect(chip.get_by_text(re.compile(r"^\d+(\.\d+)?[KMG]?B$"))).to_be_hidden()
    add = page.locator("[data-testid='stFileUploaderDropzone'] button[data-testid='stBaseButton-borderlessIcon']")
    assert add.evaluate("b => getComputedStyle(b, '::after').content") == '"Chọn tệp"'
    assert add.bounding_box()["height"] < 40
    expect(page.get_by_text("đã đọc trang «Số liệu», bỏ qua «DanhMuc»")).to_be_visible()
    table = page.locator("[data-testid='stDataFrame']").first
    expect(table).to_contain_text("Tỷ lệ hòa giải thành")
    table.scroll_into_view_if_needed()
    viewport_screenshot(page, "upload-preview")
    page.get_by_role("button", name="Áp dụng tệp này").click()
    settle(page)
    expect(page.get_by_text(f"Đã áp dụng tệp «{xlsx.name}»: 0 tạo mới, 2 cập nhật")).to_be_visible()
    stored = queries.readings(engine, full=True).set_index(["locality_code", "indicator_code", "year"])
    assert stored.loc[("LAC_PHUONG", "HOA_GIAI_THANH", 2025), ["numerator", "denominator", "note"]].tolist() == [
        47, 50, "=Tăng 2 vụ"]
    assert stored.loc[("LAC_PHUONG", "VU_VIEC_VPPL", 2025), "value"] == 1234

    txt = tmp_path / "so_lieu_unicode.txt"
    txt.write_bytes(unicode_text([HEADERS, ["LAC_PHUONG", "HOA_GIAI_THANH", 2025, "1.180", "1.234", None, "ghi chú"]]))
    upload(page, txt)
    expect(page.get_by_text(f"Xem trước tệp «{txt.name}»: 1 dòng hợp lệ.")).to_be_visible()
    expect(page.locator("[data-testid='stDataFrame']").first).to_contain_text("1.180")
    page.get_by_role("button", name="Áp dụng tệp này").click()
    settle(page)
    expect(page.get_by_text(f"Đã áp dụng tệp «{txt.name}»: 0 tạo mới, 1 cập nhật")).to_be_visible()
    stored = queries.readings(engine, full=True).set_index(["locality_code", "indicator_code", "year"])
    assert stored.loc[("LAC_PHUONG", "HOA_GIAI_THANH", 2025), ["numerator", "denominator"]].tolist() == [1180, 1234]

    bad = tmp_path / "ba_loi.txt"
    bad.write_bytes(unicode_text([HEADERS, ["LAC_PHUONG", "HOA_GIAI_THANH", 2025, "12,5", "50", None, None],
                                  ["NHI_CHIEU", "QPPL_TRINH_TU", 2025, 1, 2, None, None],
                                  ["LAC_PHUONG", "HOA_GIAI_THANH", 2024, 1, 2, None, None]]))
    before = queries.readings(engine, full=True)
    upload(page, bad)
    expect(page.get_by_text(f"Tệp «{bad.name}» có 3 lỗi")).to_be_visible()
    problems = page.locator("[data-testid='stDataFrame']").first
    problems.scroll_into_view_if_needed()
    viewport_screenshot(page, "upload-problems")
    assert queries.readings(engine, full=True).equals(before)
