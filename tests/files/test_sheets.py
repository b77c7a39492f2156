"""kpi.files.sheets: real bytes as office software writes them -> text cells with Excel row numbers."""

import datetime
import io
import re
import unicodedata
import zipfile

import openpyxl
import pytest

from kpi.files.sheets import UNCALCULATED_MESSAGE, _csv_records, header_key, read_sheet, read_table
from kpi.problems import Rejected
from kpi.vocabulary import ROW_COLUMN

TONES = "\u0300\u0301\u0303\u0309\u0323"
NAME = "xã Lạc Phượng"


def cp1258(text: str) -> bytes:
    """How Vietnamese Windows writes text: letters with a horn/breve/hat precomposed, tones combining."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out.append((base + "".join(c for c in parts if c in TONES)).encode("cp1258"))
    return b"".join(out)


def encode(text: str, encoding: str) -> bytes:
    return cp1258(text) if encoding == "cp1258" else text.encode(encoding)


def xlsx(rows: list[list], patch=None) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return patch_sheet(buffer.getvalue(), patch) if patch else buffer.getvalue()


def patch_sheet(data: bytes, patch) -> bytes:
    """Rewrite the sheet XML, to write what Excel writes and openpyxl does not (cached results, 12.0)."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = patch(content)
            out.writestr(item, content)
    return target.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_every_encoding_and_separator_reads_the_same_cells(tmp_path, encoding, separator):
    text = separator.join(["code", "name", "note"]) + "\r\n" + separator.join(["LAC_PHUONG", NAME, "ghi chú"]) + "\r\n"
    path = tmp_path / "file.csv"
    path.write_bytes(encode(text, encoding))
    frame = read_table(path.read_bytes(), path.name)
    assert list(frame.columns) == ["code", "name", "note", ROW_COLUMN]
    assert frame.iloc[0].tolist() == ["LAC_PHUONG", NAME, "ghi chú", 2]


def test_cp1258_tones_are_combining_marks_and_come_out_composed():
    raw = cp1258(f"name\n{NAME}\n")
    assert "\u0323".encode("cp1258") in raw  # the dot below of ợ travels as a separate mark
    assert read_table(raw, "a.csv")["name"].tolist() == [NAME]
    assert unicodedata.is_normalized("NFC", read_table(raw, "a.csv")["name"][0])


def test_decomposed_unicode_is_composed():
    frame = read_table(unicodedata.normalize("NFD", f"Tên,Ghi chú\n{NAME},x\n").encode(), "a.csv")
    assert list(frame.columns[:2]) == ["Tên", "Ghi chú"]
    assert frame["Tên"].tolist() == [NAME]


def test_blank_lines_keep_their_excel_row_numbers_and_spaces_are_stripped():
    frame = read_table(b"\n a , b \n\n1,2\n,\n  3 ,4\n", "a.csv")
    assert list(frame.columns) == ["a", "b", ROW_COLUMN]
    assert frame.values.tolist() == [["1", "2", 4], ["3", "4", 6]]


def test_a_quoted_cell_spanning_lines_is_one_excel_row():
    frame = read_table(b'a,b\n1,"two\nlines"\n3,4\n', "a.csv")
    assert frame[ROW_COLUMN].tolist() == [2, 3]
    assert frame["b"].tolist() == ["two\nlines", "4"]


def test_excel_sep_line_sets_the_separator_and_is_not_a_row():
    frame = read_table(b"sep=;\na;b\n1,5;2\n", "a.csv")
    assert frame.values.tolist() == [["1,5", "2", 2]]


def test_semicolon_file_with_decimal_commas_is_not_split_on_commas():
    frame = read_table(b"a;b;c\n12,5;1.234;x, y\n", "a.csv")
    assert frame.iloc[0].tolist() == ["12,5", "1.234", "x, y", 2]


def test_expected_headers_pick_the_separator_and_skip_a_title_above_the_header():
    text = "BÁO CÁO SỐ LIỆU NĂM 2024\n\nyear;value;Ghi chú, nhận xét\n2024;3;a, b\n"
    sheet = read_sheet(text.encode(), "a.csv", frozenset({"year", "value"}))
    assert sheet.headers == ["year", "value", "Ghi chú, nhận xét"]
    assert sheet.header_row == 3
    assert sheet.text.iloc[0].tolist() == ["2024", "3", "a, b", 4]


def test_a_separator_that_cannot_be_told_apart_is_reported():
    with pytest.raises(Rejected) as rejected:
        read_table(b"a;b,c\n1;2,3\n", "a.csv")
    assert "dấu phẩy" in str(rejected.value) and "dấu chấm phẩy" in str(rejected.value)


def test_a_row_wider_than_the_header_is_reported_with_its_row():
    with pytest.raises(Rejected) as rejected:
        read_table(b"a,b\n1,2\n12,5,3\n12,5,\n", "a.csv")
    assert [(p.row, p.value) for p in rejected.value.problems] == [(3, "3"), (4, "")]


@pytest.mark.parametrize("quote", ["", '"'])
def test_one_very_wide_row_is_reported_without_widening_every_row(quote):
    header = "a,b,c"
    lines = [header, "1,2,3", f"{quote}4{quote}," + "x," * 150 + "tail", "5,6,7"]
    text = "\n".join(lines) + "\n"
    # Rows are kept no wider than the rows the header is looked for in: one row of thousands of
    # cells in a long file made every row that wide (gigabytes at 100,000 rows).
    assert _csv_records(text, frozenset()).frame.shape == (4, 3)
    with pytest.raises(Rejected) as rejected:
        read_table(text.encode(), "a.csv")
    [problem] = rejected.value.problems
    assert problem.row == 3 and problem.value.endswith("x; x; tail")
    assert "Dòng này có 152 ô nhưng dòng tiêu đề chỉ có 3 cột" in problem.message


def test_trailing_separators_as_wide_as_the_header_are_fine():
    frame = read_table(b"a,b,,\n1,2,,\n3,4,x,\n", "a.csv")
    assert list(frame.columns) == ["a", "b", ROW_COLUMN]
    assert frame.values.tolist() == [["1", "2", 2], ["3", "4", 3]]


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("data, name, words", [
    (b"", "a.csv", "Tệp trống"),
    (b"\n \n", "a.csv", "Tệp trống"),
    (b"\x00\x01\x02binary", "a.csv", "nhị phân"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "97-2003"),
    (b"not a zip", "a.xlsx", "không phải là bảng tính"),
    (b"PK\x03\x04broken zip", "a.xlsx", "không phải là bảng tính"),
    (b"a,b\n1,2\n", "a.pdf", ".csv hoặc .xlsx"),
    (zip_of({"word/document.xml": "<w/>"}), "a.xlsx", "không phải là bảng tính"),
    (b"\x81\x8a\x8d\x8e", "a.csv", "bảng mã"),
])
def test_files_that_are_not_tables_are_refused(data, name, words):
    with pytest.raises(Rejected) as rejected:
        read_table(data, name)
    assert words in str(rejected.value)


def test_xlsx_cells_become_text_with_numbers_kept_exactly():
    data = xlsx([["name", "n", "flag", "day"], [NAME, 12, True, datetime.datetime(1905, 7, 16)], [None, 1.234, False, None],
                 [], ["x", 12.5, None, None]])
    sheet = read_sheet(data, "a.xlsx")
    assert sheet.headers == ["name", "n", "flag", "day"]
    assert sheet.text.values.tolist() == [[NAME, "12", "TRUE", "16/07/1905", 2], ["", "1.234", "FALSE", "", 3],
                                          ["x", "12.5", "", "", 5]]
    assert sheet.numbers[1].tolist() == [12.0, 1.234, 12.5]
    assert sheet.numbers[0].isna().all() and sheet.numbers[2].isna().all()


def test_xlsx_float_cells_as_excel_stores_them():
    data = xlsx([["n"], [12]], patch=lambda xml: xml.replace(b"<v>12</v>", b"<v>12.0</v>"))
    sheet = read_sheet(data, "a.xlsx")
    assert sheet.text[0].tolist() == ["12"]
    assert sheet.numbers[0].tolist() == [12.0]


def test_xlsx_rows_keep_their_numbers_when_the_table_starts_lower():
    book = openpyxl.Workbook()
    book.active["B3"], book.active["C3"], book.active["B5"], book.active["C5"] = "a", "b", "1", 2
    buffer = io.BytesIO()
    book.save(buffer)
    frame = read_table(buffer.getvalue(), "a.xlsx")
    assert list(frame.columns) == ["", "a", "b", ROW_COLUMN]
    assert frame.values.tolist() == [["", "1", "2", 5]]


def test_an_uncalculated_formula_is_reported_not_read_as_blank():
    data = xlsx([["a", "b"], [2, "=A2*2"]])
    sheet = read_sheet(data, "a.xlsx")
    assert sheet.text[1].tolist() == ["=A2*2"]
    assert sheet.uncalculated[1].tolist() == [True]
    with pytest.raises(Rejected) as rejected:
        read_table(data, "a.xlsx")
    [problem] = rejected.value.problems
    assert (problem.row, problem.column, problem.value, problem.message) == (2, "b", "=A2*2", UNCALCULATED_MESSAGE)


def test_a_formula_calculated_by_excel_gives_its_cached_value():
    data = xlsx([["a", "b"], [2, "=A2*2"]], patch=lambda xml: re.sub(rb"<v\s*/>|<v></v>", b"<v>4</v>", xml))
    sheet = read_sheet(data, "a.xlsx")
    assert sheet.text[1].tolist() == ["4"] and not sheet.uncalculated[1].any()


def test_an_xlsx_file_named_csv_is_read_as_xlsx():
    assert read_table(xlsx([["a"], ["x"]]), "a.csv")["a"].tolist() == ["x"]


def test_header_keys_ignore_case_spaces_underscores_and_normal_form():
    assert header_key("  Mã   ĐỊA phương ") == header_key(unicodedata.normalize("NFD", "mã địa phương"))
    assert header_key("Locality_Code") == header_key("locality code")
    assert header_key("\ufeffyear") == "year"
