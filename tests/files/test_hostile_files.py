"""Crafted files (issue 19): each is read in its own process under a memory limit, and refused with a
Vietnamese message naming the limit, or read correctly; never padded, never guessed.

The peak memory of each read is printed (`-s` shows it); docs/file-formats.md states the bound.
"""

import io
import json
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from conftest import PROJECT_DIR

from kpi.files import sheets
from kpi.files.sheets import read_sheet
from kpi.problems import Rejected

# The address space each read may use: the interpreter with pandas and openpyxl loaded takes about
# 390 MB of it (and 100 MB of memory) before reading anything.
ADDRESS_SPACE = 1024 * 1024 * 1024
# The peak resident memory of a whole process reading any file of the corpus (docs/file-formats.md).
PEAK_RSS_MB = 300

READER = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from kpi.files.sheets import read_sheet
from kpi.problems import Rejected
path, name = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
try:
    sheet = read_sheet(data, name)
    outcome = {{"rows": len(sheet.text), "headers": sheet.headers, "notice": sheet.notice,
               "problems": [str(p) for p in sheet.problems]}}
except Rejected as rejected:
    outcome = {{"refused": [str(p) for p in rejected.problems]}}
# VmHWM, not ru_maxrss: the latter keeps the parent's peak across exec.
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
outcome["peak_mb"] = int(status["VmHWM"].split()[0]) / 1024
print(json.dumps(outcome))
"""

SHEET_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}'
             '<sheetData>{rows}</sheetData></worksheet>')


def workbook(rows: list[list], *, sheets_rows: dict[str, list[list]] | None = None, hidden: set[str] = frozenset()) -> bytes:
    book = openpyxl.Workbook()
    named = sheets_rows or {"Số liệu": rows}
    for index, (title, content) in enumerate(named.items()):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        for row in content:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet_xml(data: bytes, xml: bytes | str) -> bytes:
    """`data` with its first sheet's XML replaced (what other programs write and openpyxl does not)."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = xml.encode() if isinstance(xml, str) else xml
            out.writestr(item.filename, content)
    return target.getvalue()


def inline_row(number: int, cells: dict[str, str]) -> str:
    return f'<row r="{number}">' + "".join(f'<c r="{ref}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
                                            for ref, text in cells.items()) + "</row>"


def far_cells_xlsx(count: int) -> bytes:
    """A header, then `count` rows each with one cell at column XFD, and no <dimension>."""
    rows = [inline_row(1, {"A": "a", "B": "b"})] + [inline_row(n, {"XFD": "x"}) for n in range(2, count + 2)]
    return with_sheet_xml(workbook([["a"]]), SHEET_XML.format(dimension="", rows="".join(rows)))


def spaces_xlsx(size: int) -> bytes:
    """A workbook whose one cell holds `size` spaces: about a thousandth of that once compressed."""
    base = workbook([["a"], ["x"]])
    source, target = zipfile.ZipFile(io.BytesIO(base)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item.filename, source.read(item.filename))
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                         b'2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
            chunk = b" " * (1 << 24)
            for _ in range(size // len(chunk)):
                member.write(chunk)
            member.write(b"</t></is></c></row></sheetData></worksheet>")
    return target.getvalue()


def read_in_process(tmp_path, data: bytes, name: str) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    code = READER.format(limit=ADDRESS_SPACE)
    done = subprocess.run([sys.executable, "-c", code, str(path), name], capture_output=True, text=True,
                          cwd=PROJECT_DIR, env={"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1",
                                                "PYTHONPATH": str(PROJECT_DIR)})
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout)
    print(f"\n{name}: {len(data) / 1024:,.0f} KB, peak {outcome['peak_mb']:.0f} MB")
    assert outcome["peak_mb"] < PEAK_RSS_MB
    return outcome


CORPUS = {
    # name: (bytes builder, words the refusal must contain, or None when the file is read)
    "xfd_2000.xlsx": (lambda: far_cells_xlsx(2_000), "quá giới hạn 200 ô một dòng"),
    "xfd_20000.xlsx": (lambda: far_cells_xlsx(20_000), "quá giới hạn 200 ô một dòng"),
    "spaces_1gib.xlsx": (lambda: spaces_xlsx(1 << 30), "quá giới hạn 100 MB"),
    "long_field.csv": (lambda: b"a,b\n1," + b"x" * 200_000 + b"\n", "quá giới hạn 32.767 ký tự một ô"),
    "long_quoted_field.csv": (lambda: b'a,b\n1,"' + b"x," * 100_000 + b'"\n', "quá giới hạn 32.767 ký tự một ô"),
    "wide_line.csv": (lambda: b"a,b\n" + b",".join([b"1"] * 100_000) + b"\n", "quá giới hạn 200 ô một dòng"),
    "wide_quoted_line.csv": (lambda: b'a,b\n"1",' + b",".join([b"1"] * 100_000) + b"\n", "quá giới hạn 200 ô một dòng"),
    "many_lines.csv": (lambda: b"a,b\n" + b"\n" * 300_000, "quá giới hạn 200.000 dòng"),
    "too_big.csv": (lambda: b"a,b\n" + b"1,2\n" * 3_000_000, "quá giới hạn 10 MB"),
    "deep_row.xlsx": (lambda: with_sheet_xml(workbook([["a"]]), SHEET_XML.format(
        dimension="", rows=inline_row(1, {"A": "a"}) + inline_row(1_000_000, {"A": "x"}))), "quá 200.000 dòng"),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_a_crafted_file_is_refused_naming_the_limit_in_bounded_memory(tmp_path, name):
    build, words = CORPUS[name]
    outcome = read_in_process(tmp_path, build(), name)
    assert "refused" in outcome, outcome
    assert any(words in message for message in outcome["refused"]), outcome["refused"]


def test_a_sheet_without_dimension_is_read_cell_by_cell_in_bounded_memory(tmp_path):
    rows = [inline_row(1, {"A": "a", "B": "b"})] + [inline_row(n, {"A": str(n), "B": "x"}) for n in range(2, 20_002)]
    data = with_sheet_xml(workbook([["a"]]), SHEET_XML.format(dimension="", rows="".join(rows)))
    outcome = read_in_process(tmp_path, data, "no_dimension.xlsx")
    assert outcome["rows"] == 20_000 and outcome["headers"] == ["a", "b"]


def test_a_hundred_thousand_rows_are_read_in_bounded_memory(tmp_path):
    lines = ["locality_code;indicator_code;year;numerator;denominator;value;note"]
    lines += [f"X{n % 700};HO_TICH_DUNG_HAN;{2015 + n % 10};{n % 90};100;;ghi chú {n}" for n in range(100_000)]
    outcome = read_in_process(tmp_path, ("\n".join(lines) + "\n").encode(), "rows_100000.csv")
    assert outcome["rows"] == 100_000


def test_rows_beyond_a_stale_dimension_are_read():
    rows = [inline_row(1, {"A": "a", "B": "b"})] + [inline_row(n, {"A": str(n), "B": "x"}) for n in range(2, 7)]
    data = with_sheet_xml(workbook([["a"]]), SHEET_XML.format(dimension='<dimension ref="A1:B2"/>', rows="".join(rows)))
    sheet = read_sheet(data, "stale.xlsx")
    assert sheet.text[0].tolist() == ["2", "3", "4", "5", "6"]


def test_a_hidden_first_sheet_is_not_read_and_the_notice_says_which_sheet_was():
    data = workbook([], sheets_rows={"Cũ": [["a", "b"], ["old", "1"]], "Số liệu": [["a", "b"], ["new", "2"]]},
                    hidden={"Cũ"})
    sheet = read_sheet(data, "hidden.xlsx")
    assert sheet.text[0].tolist() == ["new"]
    assert "đã đọc trang «Số liệu», bỏ qua «Cũ»" in sheet.notice
    assert "chỉ đọc trang tính đang hiện duy nhất có dữ liệu" in sheet.notice


def test_two_visible_sheets_with_data_are_refused_naming_both_and_the_rule():
    data = workbook([], sheets_rows={"2024": [["a"], ["1"]], "2025": [["a"], ["2"]]})
    with pytest.raises(Rejected) as rejected:
        read_sheet(data, "two.xlsx")
    message = str(rejected.value)
    assert "2 trang tính đang hiện có dữ liệu («2024», «2025»)" in message
    assert sheets.SHEET_RULE in message


def test_empty_extra_sheets_are_fine():
    data = workbook([], sheets_rows={"Số liệu": [["a"], ["1"]], "Sheet2": [], "Sheet3": []})
    sheet = read_sheet(data, "extra.xlsx")
    assert sheet.text[0].tolist() == ["1"] and "bỏ qua «Sheet2», «Sheet3»" in sheet.notice


def test_a_file_mixing_utf8_and_windows_1258_rows_is_refused():
    data = "a,note\n1,xã Lạc Phượng\n".encode() + "2,Lê Chân\n".encode("cp1258")
    with pytest.raises(Rejected) as rejected:
        read_sheet(data, "mixed.csv")
    assert "Tệp trộn hai bảng mã: dòng 2 được ghi bằng UTF-8 nhưng dòng 3 thì không" in str(rejected.value)


@pytest.mark.parametrize("text, row", [
    # The quote of row 2 closes in row 3: row 3 would become part of a note.
    ('a,b,c,d\n1,2,3,"ghi chú\n4,5,6,x"\n7,8,9,y\n', 2),
    # Never closed: everything after it would be one cell.
    ('a,b,c,d\n1,2,3,"ghi chú\n4,5,6,x\n', 2),
    # Text after a closing quote.
    ('a,b,c,d\n1,2,3,"ghi" chú\n', 2),
])
def test_an_unbalanced_quote_is_refused_at_its_row(text, row):
    with pytest.raises(Rejected) as rejected:
        read_sheet(text.encode(), "quote.csv")
    [problem] = rejected.value.problems
    assert problem.row == row and "ngoặc kép" in problem.message


def test_a_note_with_line_breaks_in_quotes_is_still_read():
    sheet = read_sheet('a,b,c,d\n1,2,3,"dòng một\ndòng hai"\n'.encode(), "ok.csv")
    assert sheet.text[3].tolist() == ["dòng một\ndòng hai"]


def test_zlib_bomb_sizes_are_what_the_test_claims():
    # The spaces workbook must really be small compressed and large unzipped for the test above to mean anything.
    data = spaces_xlsx(1 << 26)
    assert len(data) < 200_000
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) > 1 << 26
