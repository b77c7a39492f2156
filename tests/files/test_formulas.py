"""No formula leaves the product (issue 19): every CSV and XLSX it writes neutralises text that a
spreadsheet would run, and what it exports imports back unchanged."""

import csv
import io

import openpyxl
import pytest
from sqlalchemy import update

from kpi.files.export import readings_export, table_bytes
from kpi.files.formulas import TRIGGERS, neutralise, unneutralise
from kpi.files.importer import import_file
from kpi.files.sheets import read_table
from kpi.files.templates import template_bytes
from kpi.report.xlsx import report_xlsx
from kpi.store import queries
from kpi.store.db import write_session
from kpi.store.models import Locality
from kpi.store.readings import apply_readings, input_frame
from kpi.vocabulary import Kind, Source

HOSTILE = [
    '=HYPERLINK("http://x","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "'=quoted already",
    "'plain quote",
    "ghi chú; =1+1 sau dấu chấm phẩy",
    "dòng một\n=dòng hai",
    "bình thường",
]
YEAR = 2025


def hostile_data(engine) -> None:
    """Real readings of every indicator of Lạc Phượng's plan, each with a hostile note, and hostile
    locality names."""
    targets = queries.plan_targets(engine)
    kinds = queries.indicators(engine).set_index("code")["kind"]
    rows = []
    codes = targets.loc[targets["plan_code"] == "KH_LAC_PHUONG_2026", "indicator_code"].tolist()
    for index, code in enumerate(codes):
        figures = {Kind.RATIO: {"numerator": 1, "denominator": 2}, Kind.COUNT: {"value": 1234},
                   Kind.BOOLEAN: {"value": 1}}[kinds[code]]
        rows.append({"locality_code": "LAC_PHUONG", "indicator_code": code, "year": YEAR,
                     "note": HOSTILE[index % len(HOSTILE)], **figures})
    apply_readings(engine, input_frame(rows), source=Source.FORM, user_name="cán bộ")
    with write_session(engine) as session:
        session.execute(update(Locality).where(Locality.code == "LAC_PHUONG").values(name='=HYPERLINK("http://evil")'))
        session.execute(update(Locality).where(Locality.code == "NHI_CHIEU").values(name="-2+3"))


@pytest.mark.parametrize("text", HOSTILE + ["", "=", "'", "''="])
def test_neutralise_is_undone_by_unneutralise(text):
    assert unneutralise(neutralise(text)) == text
    assert not neutralise(text).startswith(TRIGGERS)


def formula_cells(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [f"{sheet.title}!{cell.coordinate}" for sheet in book.worksheets for row in sheet.iter_rows()
            for cell in row if cell.data_type == "f"]


def text_cells(data: bytes, file_format: str) -> list[str]:
    if file_format == "csv":
        return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str)]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_export_holds_no_formula_and_imports_back_unchanged(engine, file_format):
    hostile_data(engine)
    data = table_bytes(readings_export(engine), file_format)
    if file_format == "xlsx":
        assert formula_cells(data) == []
    cells = text_cells(data, file_format)
    assert not [cell for cell in cells if cell.startswith(TRIGGERS)]
    assert "'=HYPERLINK(\"http://evil\")" in cells and "'-1+1" in cells
    if file_format == "csv":
        # Every field quoted: Excel splitting at ";" cannot start a cell inside a note.
        assert '"ghi chú; =1+1 sau dấu chấm phẩy"' in data.decode("utf-8-sig")

    stored = queries.readings(engine, full=True)
    result = import_file(engine, data, f"xuat.{file_format}", user_name="cán bộ")
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(stored))
    assert sorted(queries.readings(engine, full=True)["note"].dropna()) == sorted(stored["note"].dropna())
    read = read_table(data, f"xuat.{file_format}")
    assert set(read["locality_name"]) == {'=HYPERLINK("http://evil")'}
    assert set(read["note"]) >= {text.strip() for text in HOSTILE}


def test_the_exported_workbook_types_its_cells_and_writes_local_times(engine):
    hostile_data(engine)
    stored = queries.readings(engine, full=True)
    sheet = openpyxl.load_workbook(io.BytesIO(table_bytes(readings_export(engine), "xlsx")))["Số liệu"]
    header = [cell.value for cell in sheet[1]]
    first = {name: cell for name, cell in zip(header, sheet[2])}
    assert first["year"].data_type == "n" and first["locality_code"].data_type == "s"
    local = stored["entered_at"].iloc[0].tz_convert("Asia/Ho_Chi_Minh").strftime("%Y-%m-%d %H:%M:%S")
    assert first["entered_at"].value == local
    assert sheet.freeze_panes == "A2" and sheet.max_row == len(stored) + 1


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_template_holds_no_formula(engine, file_format):
    hostile_data(engine)
    data = template_bytes(engine, "LAC_PHUONG", YEAR, file_format)
    if file_format == "xlsx":
        assert formula_cells(data) == []
    cells = text_cells(data, file_format)
    assert not [cell for cell in cells if cell.startswith(TRIGGERS)]
    result = import_file(engine, data, f"mau.{file_format}", user_name="cán bộ")
    assert result.created == 0 and result.updated == 0


def test_the_report_workbook_holds_no_formula(engine):
    hostile_data(engine)
    data = report_xlsx(engine, YEAR, None)
    assert formula_cells(data) == []
    cells = text_cells(data, "xlsx")
    assert not [cell for cell in cells if cell.startswith(TRIGGERS)]
    assert "'=HYPERLINK(\"http://evil\")" in cells and "'@SUM(A1:A2)" in cells
