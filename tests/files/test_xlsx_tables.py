"""kpi.files.xlsx_tables: what a workbook written a column at a time holds when openpyxl reads it back."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from kpi.files import xlsx_tables
from kpi.files.xlsx_tables import Column, Lines, Style, Table

HEADER = Style(bold=True, fill="E7EAEE")
TITLE = Style(bold=True, size=14)
WARNING = Style(bold=True, colour="CF222E")


def workbook(*sheets):
    return load_workbook(io.BytesIO(xlsx_tables.workbook(list(sheets))))


def test_text_and_numbers_read_back_as_written():
    texts = pd.Series(["Lạc Phượng", None, "a < b & c > d", " lề ", "dòng 1\r\ndòng 2", "Lạc Phượng"])
    counts = pd.Series([1, None, 3, 12345678901, 0, -2], dtype="Int64")
    shares = pd.Series([96.6, np.nan, 80.0, 0.1, None, 100.0], dtype=object)
    sheet = workbook(Table("Số liệu", [Column("Tên", texts, 20), Column("Số", counts, 8, number=True),
                                       Column("Tỷ lệ", shares, 8, number=True)], HEADER))["Số liệu"]
    rows = list(sheet.iter_rows(values_only=True))

    assert rows[0] == ("Tên", "Số", "Tỷ lệ")
    assert [row[0] for row in rows[1:]] == ["Lạc Phượng", None, "a < b & c > d", " lề ", "dòng 1\r\ndòng 2", "Lạc Phượng"]
    assert [row[1] for row in rows[1:]] == [1, None, 3, 12345678901, 0, -2]
    # As openpyxl wrote them: a percentage with no fraction reads back as a whole number.
    assert [row[2] for row in rows[1:]] == [96.6, None, 80, 0.1, None, 100]
    assert all(isinstance(row[1], int) for row in rows[1:] if row[1] is not None)


def test_a_mixed_column_writes_each_cell_as_its_value_is():
    """A template's value column: counts stay numbers, «có» stays text, a formula-like text is neutralised."""
    mixed = pd.Series([12, "có", None, 1234.5, "=1+1", np.int64(7)], dtype=object)
    sheet = workbook(Table("Mẫu", [Column("Giá trị", mixed, 10, number=None),
                                   Column("Chữ", pd.Series(["1", "2", None, "x", "y", "z"]), 6, number=None)],
                           HEADER))["Mẫu"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in cells] == [(12, "n"), ("có", "s"), (None, "n"), (1234.5, "n"),
                                                       ("'=1+1", "s"), (7, "n")]
    assert [c.value for c in next(sheet.iter_cols(min_col=2, min_row=2))] == ["1", "2", None, "x", "y", "z"]


def test_text_from_data_is_neutralised_and_typed_text_is_kept_but_never_a_formula():
    hostile = pd.Series(["=HYPERLINK(\"http://evil\")", "@SUM(A1:A2)", "'quoted", "plain"])
    data = xlsx_tables.workbook([Table("T", [Column("Dữ liệu", hostile, 10),
                                             Column("Nhập tay", hostile, 10, neutralised=False)], HEADER)])
    sheet = load_workbook(io.BytesIO(data))["T"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))

    assert [row[0] for row in rows] == ["'=HYPERLINK(\"http://evil\")", "'@SUM(A1:A2)", "''quoted", "plain"]
    assert [row[1] for row in rows] == list(hostile)
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_a_table_has_its_widths_a_frozen_styled_header_and_an_autofilter():
    column = pd.Series(["x", "y"])
    sheet = workbook(Table("Bảng", [Column("A", column, 12), Column("B", column, 60)], HEADER))["Bảng"]

    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B3"
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (12, 60)
    header = sheet["A1"]
    assert header.font.b and header.fill.fgColor.rgb == "00E7EAEE" and header.alignment.wrap_text
    assert not sheet["A2"].font.b and sheet["A2"].fill.fill_type is None


def test_an_empty_table_keeps_its_header():
    sheet = workbook(Table("Nhiệm vụ", [Column("Mã", pd.Series([], dtype=object), 8),
                                        Column("Hạn", pd.Series([], dtype="Int64"), 8, number=True)], HEADER))["Nhiệm vụ"]
    assert list(sheet.iter_rows(values_only=True)) == [("Mã", "Hạn")]
    assert sheet.auto_filter.ref == "A1:B1"


def test_lines_keep_their_order_and_styles():
    book = workbook(Lines("Thông tin", 120, [("BÁO CÁO", TITLE), ("LƯU Ý: minh họa", WARNING), ("=1+1", Style())]),
                    Table("Bảng", [Column("A", pd.Series(["BÁO CÁO"]), 10)], HEADER))
    sheet = book["Thông tin"]

    assert book.sheetnames == ["Thông tin", "Bảng"]
    assert [cell.value for cell in sheet["A"]] == ["BÁO CÁO", "LƯU Ý: minh họa", "'=1+1"]
    assert (sheet["A1"].font.b, sheet["A1"].font.sz) == (True, 14)
    assert sheet["A2"].font.color.rgb == "00CF222E"
    assert all(cell.alignment.wrap_text and cell.alignment.vertical == "top" for cell in sheet["A"])
    assert sheet.column_dimensions["A"].width == 120
    assert book["Bảng"]["A2"].value == "BÁO CÁO"


def test_rows_beyond_a_block_follow_on():
    count = xlsx_tables.BLOCK_ROWS + 3
    numbers = pd.Series(np.arange(count), dtype="Int64")
    sheet = workbook(Table("T", [Column("Số", numbers, 8, number=True)], HEADER))["T"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == list(range(count))


def test_text_xml_cannot_carry_is_refused():
    with pytest.raises(IllegalCharacterError):
        xlsx_tables.workbook([Table("T", [Column("A", pd.Series(["bell \x07"]), 8)], HEADER)])
