"""kpi.files.importer: real files in, readings out through the one write path, all or nothing."""

import csv
import io
import os
import time
import unicodedata

import pandas as pd
import pytest
from sqlalchemy import event, select
from sqlmodel import SQLModel

from kpi.files.catalogue import add_localities, load_catalog
from kpi.files.importer import ParsedFile, import_file, parse_file
from kpi.problems import Rejected
from kpi.store import queries
from kpi.store.db import make_engine
from kpi.store.demo import load_demo
from kpi.store.readings import checksum
from kpi.vocabulary import COLUMN_LABELS, INPUT_COLUMNS
from kpi.years import current_year
from tests.files.test_sheets import encode, xlsx
from tests.shared_data import HAI_PHONG_UNITS

ENGLISH = INPUT_COLUMNS
VIETNAMESE = [COLUMN_LABELS[c] for c in INPUT_COLUMNS]
UNITS = HAI_PHONG_UNITS
LAC_PHUONG = "xã Lạc Phượng"
YEAR = 2024

GOOD_ROWS = [
    [LAC_PHUONG, "QPPL_TRINH_TU", "2024", "1.234", "2.000", "", "đã kiểm tra"],
    ["LAC_PHUONG", "DIEM_NONG_VPPL", "2024", "", "", "3", ""],
    ["nhi_chieu", "KH_THEO_DOI_THPL", "2024", "", "", "Có", ""],
    ["phường Nhị Chiểu", "TGPL_DUOC_TRO_GIUP", "2023", "0", "0", "", "không phát sinh"],
    ["LAC_PHUONG", "VU_VIEC_VPPL", "2024", "", "", "12", ""],
]
GOOD_READINGS = {
    ("LAC_PHUONG", "QPPL_TRINH_TU", 2024): (1234, 2000, None, "đã kiểm tra"),
    ("LAC_PHUONG", "DIEM_NONG_VPPL", 2024): (None, None, 3, None),
    ("NHI_CHIEU", "KH_THEO_DOI_THPL", 2024): (None, None, 1, None),
    ("NHI_CHIEU", "TGPL_DUOC_TRO_GIUP", 2023): (0, 0, None, "không phát sinh"),
    ("LAC_PHUONG", "VU_VIEC_VPPL", 2024): (None, None, 12, None),
}


def csv_bytes(rows, header=ENGLISH, separator=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return encode(buffer.getvalue(), encoding)


def readings_of(frame: pd.DataFrame) -> dict:
    def plain(value):
        return None if pd.isna(value) else value

    return {(r.locality_code, r.indicator_code, int(r.year)): tuple(plain(v) for v in (r.numerator, r.denominator, r.value, r.note))
            for r in frame.itertuples()}


def stored(engine) -> dict:
    return readings_of(queries.readings(engine, full=True))


def dump(engine) -> dict:
    """Every row of every table: what "the database is unchanged" means."""
    with engine.connect() as connection:
        return {table.name: connection.execute(select(table).order_by(*table.primary_key.columns)).all()
                for table in SQLModel.metadata.sorted_tables}


def city_localities(engine) -> None:
    """The other units of Hải Phòng, all on Lạc Phượng's plan, through the localities file layout."""
    units = pd.read_csv(UNITS, dtype=str, keep_default_na=False).rename(columns={"ma_dvhc_unverified": "ma_dvhc"})
    units = units[~units["code"].isin(["LAC_PHUONG", "NHI_CHIEU"])]
    units = units.assign(ma_dvhc="", plan_code="KH_LAC_PHUONG_2026")
    add_localities(engine, units.to_csv(index=False).encode(), "units.csv")


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory):
    """For files that must be refused: nothing may be written, so one database serves them all."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'kpi.sqlite3'}")
    load_catalog(engine)
    city_localities(engine)
    load_demo(engine)
    yield engine
    engine.dispose()


# --- files that import ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_every_encoding_and_separator_gives_the_same_readings(shared_engine, tmp_path, encoding, separator):
    header = VIETNAMESE if separator == ";" else [f"  {h.upper()} " for h in ENGLISH] if separator == "\t" else ENGLISH
    path = tmp_path / "so_lieu.csv"
    path.write_bytes(csv_bytes([*GOOD_ROWS, [], ["", "", "", "", "", "", ""]], header, separator, encoding))
    parsed = parse_file(shared_engine, path.read_bytes(), path.name)
    assert readings_of(parsed.frame) == GOOD_READINGS
    assert parsed.frame["excel_row"].tolist() == [2, 3, 4, 5, 6]
    assert parsed.column_labels["year"] == header[2].strip()
    assert parsed.checksum == checksum(path.read_bytes()) and parsed.file_name == "so_lieu.csv"


def test_a_valid_file_is_applied_as_one_batch_and_reimporting_changes_nothing(engine, tmp_path):
    path = tmp_path / "so_lieu.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS, VIETNAMESE, ";", "utf-8-sig"))
    result = import_file(engine, path.read_bytes(), path.name, user_name="cán bộ tư pháp")
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    assert stored(engine) == GOOD_READINGS
    batch = queries.import_batches(engine).iloc[0]
    assert (batch.source, batch.file_name, batch.checksum, batch.user_name) == ("import", "so_lieu.csv", checksum(path.read_bytes()), "cán bộ tư pháp")
    assert (batch.created, batch.updated, batch.unchanged) == (5, 0, 0)
    readings = queries.readings(engine, full=True)
    assert set(readings["batch_id"]) == {result.batch_id} and set(readings["source"]) == {"import"}
    assert set(readings["entered_by"]) == {"cán bộ tư pháp"}

    before = dump(engine)
    again = import_file(engine, path.read_bytes(), path.name, user_name="cán bộ tư pháp")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    after = dump(engine)
    assert after["reading"] == before["reading"] and after["readingrevision"] == before["readingrevision"]


def test_a_changed_figure_is_updated_and_the_old_one_stays_in_the_history(engine):
    import_file(engine, csv_bytes(GOOD_ROWS), "a.csv", user_name="a")
    changed = [[*GOOD_ROWS[0][:3], "1.500", "2.000", "", "đã sửa"], *GOOD_ROWS[1:]]
    result = import_file(engine, csv_bytes(changed), "b.csv", user_name="b")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    history = queries.history(engine, "LAC_PHUONG", "QPPL_TRINH_TU", 2024)
    assert history["numerator"].tolist() == [1500, 1234]
    assert history["entered_by"].tolist() == ["b", "a"]


def test_dry_run_reports_the_same_counts_and_writes_nothing(engine):
    import_file(engine, csv_bytes(GOOD_ROWS[:2]), "a.csv", user_name="a")
    before = dump(engine)
    dry = import_file(engine, csv_bytes(GOOD_ROWS), "b.csv", user_name="b", dry_run=True)
    assert dump(engine) == before
    real = import_file(engine, csv_bytes(GOOD_ROWS), "b.csv", user_name="b")
    assert (dry.created, dry.updated, dry.unchanged) == (real.created, real.updated, real.unchanged) == (3, 0, 2)
    assert dry.batch_id is None


def test_rows_without_figures_are_skipped_and_extra_columns_ignored(shared_engine):
    rows = [[*row, "tên chỉ tiêu"] for row in GOOD_ROWS] + [["LAC_PHUONG", "QPPL_KIEM_TRA", "2024", "", "", "", "", "x"]]
    parsed = parse_file(shared_engine, csv_bytes(rows, [*ENGLISH, "Tên chỉ tiêu"]), "a.csv")
    assert readings_of(parsed.frame) == GOOD_READINGS
    assert parsed.skipped_rows == (7,)


def test_xlsx_made_with_openpyxl_with_float_cells_and_names(engine, tmp_path):
    rows = [[LAC_PHUONG, "QPPL_TRINH_TU", 2024, 1234, 2000.0, None, "đã kiểm tra"],
            ["LAC_PHUONG", "DIEM_NONG_VPPL", 2024, None, None, 3.0, None],
            ["NHI_CHIEU", "KH_THEO_DOI_THPL", "2024", None, None, True, None],
            ["phường Nhị Chiểu", "TGPL_DUOC_TRO_GIUP", 2023, 0, 0, None, "không phát sinh"],
            ["LAC_PHUONG", "VU_VIEC_VPPL", 2024, None, None, "12", None]]
    # openpyxl writes 2000.0 as 2000; Excel writes such cells as floats, so do the same.
    data = xlsx([VIETNAMESE, *rows], patch=lambda xml: xml.replace(b"<v>2000</v>", b"<v>2000.0</v>")
                .replace(b"<v>3</v>", b"<v>3.0</v>"))
    assert b"<v>2000.0</v>" in _sheet_xml(data) and b"<v>3.0</v>" in _sheet_xml(data)
    path = tmp_path / "so_lieu.xlsx"
    path.write_bytes(data)
    result = import_file(engine, path.read_bytes(), path.name, user_name="a")
    assert result.created == 5
    assert stored(engine) == GOOD_READINGS


def _sheet_xml(data: bytes) -> bytes:
    import zipfile

    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def test_xlsx_formula_calculated_by_excel_is_read_from_its_cached_value(engine):
    rows = [["LAC_PHUONG", "QPPL_TRINH_TU", 2024, 4, "=D2*2", None, None]]
    data = xlsx([ENGLISH, *rows], patch=lambda xml: xml.replace(b"<v></v>", b"<v>8</v>").replace(b"<v />", b"<v>8</v>"))
    import_file(engine, data, "a.xlsx", user_name="a")
    assert stored(engine) == {("LAC_PHUONG", "QPPL_TRINH_TU", 2024): (4, 8, None, None)}


@pytest.mark.parametrize("form", ["NFC", "NFD", "upper", "cp1258"])
def test_cam_giang_and_cam_giang_with_a_grave_accent_stay_apart(shared_engine, form):
    names = ["xã Cẩm Giang", "xã Cẩm Giàng"]
    if form == "upper":
        names = [n.upper() for n in names]
    rows = [[names[0], "DIEM_NONG_VPPL", "2024", "", "", "1", ""], [names[1], "DIEM_NONG_VPPL", "2024", "", "", "2", ""]]
    text = csv_bytes(rows).decode()
    data = encode(text, "cp1258") if form == "cp1258" else unicodedata.normalize("NFD" if form == "NFD" else "NFC", text).encode()
    parsed = parse_file(shared_engine, data, "a.csv")
    assert readings_of(parsed.frame) == {("CAM_GIANG", "DIEM_NONG_VPPL", 2024): (None, None, 1, None),
                                         ("CAM_GIANG_2", "DIEM_NONG_VPPL", 2024): (None, None, 2, None)}


@pytest.mark.parametrize("text, expected", [
    ("1234", 1234), ("1.234", 1234), ("1.234.567", 1234567), ("1 234", 1234), ("1\u00a0234", 1234),
    ("0", 0), (" 7 ", 7),
])
def test_whole_numbers_as_people_write_them(shared_engine, text, expected):
    parsed = parse_file(shared_engine, csv_bytes([["LAC_PHUONG", "VU_VIEC_VPPL", "2024", "", "", text, ""]]), "a.csv")
    assert parsed.frame["value"].tolist() == [expected]


@pytest.mark.parametrize("text, reason", [
    ("12,5", "phải là số nguyên"), ("12.0", "phải là số nguyên"), ("1,234", "Không rõ dấu phẩy"),
    ("1,234,567", "Không rõ dấu phẩy"), ("12%", "Không nhập phần trăm"), ("-3", "số âm"), ("١٢", "Không phải là số"),
])
def test_numbers_the_rule_refuses_are_refused_at_their_cell(shared_engine, text, reason):
    data = csv_bytes([["LAC_PHUONG", "VU_VIEC_VPPL", "2024", "", "", text, ""]])
    with pytest.raises(Rejected) as rejected:
        parse_file(shared_engine, data, "a.csv")
    [problem] = rejected.value.problems
    assert (problem.row, problem.value) == (2, text)
    assert reason in problem.message


@pytest.mark.parametrize("text", ["có", "CÓ", "x", "X", "1", "yes", "Yes", "true", "TRUE"])
def test_boolean_words_for_yes(shared_engine, text):
    parsed = parse_file(shared_engine, csv_bytes([["LAC_PHUONG", "CHUAN_TIEP_CAN_PL", "2024", "", "", text, ""]]), "a.csv")
    assert parsed.frame["value"].tolist() == [1]


@pytest.mark.parametrize("text", ["không", "KHÔNG", "0", "no", "NO", "false", "False"])
def test_boolean_words_for_no(shared_engine, text):
    parsed = parse_file(shared_engine, csv_bytes([["LAC_PHUONG", "CHUAN_TIEP_CAN_PL", "2024", "", "", text, ""]]), "a.csv")
    assert parsed.frame["value"].tolist() == [0]


def test_parsed_file_has_the_canonical_columns(shared_engine):
    parsed = parse_file(shared_engine, csv_bytes(GOOD_ROWS), "a.csv")
    assert isinstance(parsed, ParsedFile)
    assert list(parsed.frame.columns) == [*INPUT_COLUMNS, "excel_row"]
    assert all(str(parsed.frame[c].dtype) == "Int64" for c in ("year", "numerator", "denominator", "value"))
    assert parsed.column_labels == dict(zip(INPUT_COLUMNS, ENGLISH))


# --- files that are refused -------------------------------------------------------------------------------


def row(locality="LAC_PHUONG", indicator="QPPL_TRINH_TU", year="2024", numerator="", denominator="", value="", note=""):
    return [locality, indicator, year, numerator, denominator, value, note]


OK_RATIO = row(numerator="4", denominator="5")
OK_COUNT = row(indicator="DIEM_NONG_VPPL", value="1")


def bad_xlsx(rows, header=ENGLISH, patch=None):
    return xlsx([header, *rows], patch=patch)


# name, file name, content, every (row, column) that must be named, a few words of the message
BAD_FILES = [
    ("missing_year_column", "a.csv", lambda: csv_bytes([["LAC_PHUONG", "QPPL_TRINH_TU", "4", "5"]],
                                                       ["Mã địa phương", "Mã chỉ tiêu", "Tử số", "Mẫu số"]),
     [(1, None)], "Thiếu cột bắt buộc: «Năm» (year)"),
    ("prose_not_a_table", "a.csv", lambda: "Kính gửi UBND xã,\nxin gửi số liệu như sau.\n".encode(),
     [(None, None)], "không phải là bảng số liệu"),
    ("empty_file", "a.csv", lambda: b"", [(None, None)], "Tệp trống"),
    ("header_only", "a.csv", lambda: csv_bytes([]), [(None, None)], "không có dòng số liệu"),
    ("png_named_csv", "a.csv", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", [(None, None)], "nhị phân"),
    ("xls_97", "a.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), [(None, None)], ".xls"),
    ("duplicated_year_column", "a.csv",
     lambda: csv_bytes([[*OK_RATIO, "2024"]], [*ENGLISH, "Năm"]), [(1, "Năm")], "chỉ được có một cột"),
    ("no_figure_columns", "a.csv", lambda: csv_bytes([["LAC_PHUONG", "QPPL_TRINH_TU", "2024"]], ENGLISH[:3]),
     [(1, None)], "Thiếu cột số liệu"),
    ("ambiguous_separator", "a.csv", lambda: b"locality_code;indicator_code,year\nLAC_PHUONG;X,2024\n",
     [(None, None)], "phân cách"),
    ("row_wider_than_header", "a.csv", lambda: (",".join(ENGLISH) + "\nLAC_PHUONG,DIEM_NONG_VPPL,2024,,,12,5,\n").encode(),
     [(2, None)], "ngoặc kép"),
    ("no_row_has_figures", "a.csv", lambda: csv_bytes([row(), row(indicator="DIEM_NONG_VPPL")]),
     [(None, None)], "không có dòng nào có số liệu"),
    ("missing_denominator_column", "a.csv",
     lambda: csv_bytes([["LAC_PHUONG", "QPPL_TRINH_TU", "2024", "4"], ["LAC_PHUONG", "HO_TICH_DUNG_HAN", "2024", "9"]],
                       ["locality_code", "indicator_code", "year", "numerator"]),
     [(1, None)], "không có cột «Mẫu số» (denominator) nhưng 2 dòng"),
    ("unknown_locality", "a.csv", lambda: csv_bytes([OK_RATIO, row(locality="LAC_PHUONGG", numerator="1", denominator="1")]),
     [(3, "locality_code")], "Không có địa phương"),
    ("name_without_tone_marks", "a.csv", lambda: csv_bytes([row(locality="xa Lac Phuong", numerator="1", denominator="1")],
                                                         VIETNAMESE), [(2, "Mã địa phương")], "Không có địa phương"),
    ("unknown_indicator", "a.csv", lambda: csv_bytes([row(indicator="QPPL_TRINH", numerator="1", denominator="1")]),
     [(2, "indicator_code")], "Không có chỉ tiêu"),
    ("indicator_not_in_plan", "a.csv", lambda: csv_bytes([row(indicator="CONG_TTDT_TIN_BAI", numerator="1", denominator="1")]),
     [(2, "indicator_code")], "không có trong kế hoạch"),
    ("year_too_early", "a.csv", lambda: csv_bytes([row(year="2014", numerator="1", denominator="1")]),
     [(2, "year")], "Năm phải từ 2015"),
    ("year_in_the_future", "a.csv", lambda: csv_bytes([row(year=str(current_year() + 1), numerator="1", denominator="1")]),
     [(2, "year")], "Năm phải từ 2015"),
    ("year_not_a_number", "a.csv", lambda: csv_bytes([row(year="năm 2024", numerator="1", denominator="1")]),
     [(2, "year")], "Không phải là số"),
    ("year_missing", "a.csv", lambda: csv_bytes([row(year="", numerator="1", denominator="1")]), [(2, "year")], "Thiếu năm"),
    ("numerator_above_denominator", "a.csv", lambda: csv_bytes([row(numerator="6", denominator="5")]),
     [(2, "numerator")], "không được lớn hơn mẫu số"),
    ("count_with_decimal_comma", "a.csv", lambda: csv_bytes([row(indicator="VU_VIEC_VPPL", value="12,5")]),
     [(2, "value")], "phải là số nguyên"),
    ("numerator_with_decimal_point", "a.csv", lambda: csv_bytes([row(numerator="12.5", denominator="20")]),
     [(2, "numerator")], "phải là số nguyên"),
    ("negative_count", "a.csv", lambda: csv_bytes([row(indicator="VU_VIEC_VPPL", value="-3")]),
     [(2, "value")], "không âm"),
    ("negative_denominator", "a.csv", lambda: csv_bytes([row(numerator="0", denominator="-1")]),
     [(2, "denominator")], "không âm"),
    ("ratio_as_bare_percentage", "a.csv", lambda: csv_bytes([row(value="85%")]), [(2, "value")], "phải nhập tử số và mẫu số"),
    ("ratio_as_decimal_percentage", "a.csv", lambda: csv_bytes([row(value="85,5%")]), [(2, "value")], "phải nhập tử số và mẫu số"),
    ("ratio_with_counts_and_value", "a.csv", lambda: csv_bytes([row(numerator="4", denominator="5", value="80")]),
     [(2, "value")], "để trống cột giá trị"),
    ("ratio_without_denominator", "a.csv", lambda: csv_bytes([row(numerator="4")]), [(2, "denominator")], "Thiếu mẫu số"),
    ("bad_boolean", "a.csv", lambda: csv_bytes([row(indicator="CHUAN_TIEP_CAN_PL", value="có lẽ")]),
     [(2, "value")], "«có» hoặc «không»"),
    ("boolean_given_two", "a.csv", lambda: csv_bytes([row(indicator="CHUAN_TIEP_CAN_PL", value="2")]),
     [(2, "value")], "«có» hoặc «không»"),
    ("same_reading_twice_by_code_and_name", "a.csv", lambda: csv_bytes([OK_RATIO, row(locality=LAC_PHUONG, numerator="1", denominator="2")]),
     [(2, "locality_code"), (3, "locality_code")], "nhiều lần"),
    ("ambiguous_thousands", "a.csv", lambda: csv_bytes([row(indicator="VU_VIEC_VPPL", value="1,234")]),
     [(2, "value")], "Không rõ"),
    ("count_not_a_number", "a.csv", lambda: csv_bytes([row(indicator="VU_VIEC_VPPL", value="ba")]), [(2, "value")],
     "Không phải là số"),
    ("count_too_large", "a.csv", lambda: csv_bytes([row(indicator="VU_VIEC_VPPL", value="12345678901234567")]),
     [(2, "value")], "quá lớn"),
    ("counts_on_a_count_indicator", "a.csv", lambda: csv_bytes([row(indicator="VU_VIEC_VPPL", numerator="3", denominator="4")]),
     [(2, "numerator"), (2, "value")], "không phải tỷ lệ"),
    ("count_with_only_a_note", "a.csv", lambda: csv_bytes([row(indicator="VU_VIEC_VPPL", note="chưa có số")]),
     [(2, "value")], "Thiếu giá trị"),
    ("ambiguous_locality_name", "a.csv", lambda: csv_bytes([row(locality="xã Trùng Tên", numerator="1", denominator="1")]),
     [(2, "locality_code")], "trùng với nhiều địa phương"),
    ("xlsx_uncalculated_formula", "a.xlsx",
     lambda: bad_xlsx([["LAC_PHUONG", "QPPL_TRINH_TU", 2024, 4, "=D2+1", None, None]]),
     [(2, "denominator")], "công thức chưa từng được tính"),
    ("xlsx_float_count", "a.xlsx", lambda: bad_xlsx([["LAC_PHUONG", "VU_VIEC_VPPL", 2024, None, None, 12.5, None]]),
     [(2, "value")], "(giá trị «12,5»): Ô số có phần thập phân: số đếm phải là số nguyên."),
    ("xlsx_decimal_number_is_not_a_thousand", "a.xlsx",
     lambda: bad_xlsx([["LAC_PHUONG", "VU_VIEC_VPPL", 2024, None, None, 1.234, None]]), [(2, "value")],
     "(giá trị «1,234»): Ô số có phần thập phân"),
    ("xlsx_year_formatted_as_date", "a.xlsx",
     lambda: bad_xlsx([["LAC_PHUONG", "VU_VIEC_VPPL", pd.Timestamp("1905-07-16").to_pydatetime(), None, None, 3, None]]),
     [(2, "year")], "Không phải là số"),
    ("xlsx_vietnamese_headers_any_case", "a.xlsx",
     lambda: bad_xlsx([["LAC_PHUONG", "VU_VIEC_VPPL", 2024, None, None, -1, None]], [h.upper() for h in VIETNAMESE]),
     [(2, "GIÁ TRỊ")], "không âm"),
    ("not_a_spreadsheet", "a.xlsx", lambda: b"PK\x03\x04 not really", [(None, None)], "không phải là bảng tính"),
]


@pytest.mark.parametrize("name, file_name, content, named, words", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_names_row_and_column_and_writes_nothing(shared_engine, tmp_path, name, file_name, content, named, words):
    path = tmp_path / file_name
    path.write_bytes(content())
    before = dump(shared_engine)
    with pytest.raises(Rejected) as rejected:
        import_file(shared_engine, path.read_bytes(), path.name, user_name="a")
    problems = rejected.value.problems
    places = {(p.row, p.column) for p in problems}
    assert set(named) <= places, [str(p) for p in problems]
    assert any(words in str(p) for p in problems), [str(p) for p in problems]
    assert all(p.message for p in problems)
    assert dump(shared_engine) == before


def test_there_are_at_least_25_bad_files():
    assert len({b[0] for b in BAD_FILES}) == len(BAD_FILES) >= 25


@pytest.fixture(scope="module", autouse=True)
def _a_name_shared_by_two_localities(shared_engine):
    add_localities(shared_engine, (
        "code,name,kind,parent_code,ma_dvhc,plan_code\n"
        "TRUNG_TEN_1,xã Trùng Tên,xã,HAI_PHONG,,KH_LAC_PHUONG_2026\n"
        "TRUNG_TEN_2,xã Trùng Tên,xã,LAC_PHUONG,,KH_LAC_PHUONG_2026\n").encode(), "a.csv")


def test_every_problem_of_a_file_in_one_pass_with_excel_row_numbers(shared_engine):
    rows = [OK_RATIO, [], row(locality="XX", numerator="1", denominator="1"), [], [],
            row(indicator="VU_VIEC_VPPL", value="12,5"), row(year="1999", numerator="9", denominator="3"),
            row(indicator="CHUAN_TIEP_CAN_PL", value="chưa")]
    with pytest.raises(Rejected) as rejected:
        parse_file(shared_engine, csv_bytes(rows, VIETNAMESE, ";"), "a.csv")
    found = [(p.row, p.column, p.value) for p in rejected.value.problems]
    assert found == [(4, "Mã địa phương", "XX"), (7, "Giá trị", "12,5"), (8, "Năm", "1999"), (8, "Tử số", "9"),
                     (9, "Giá trị", "chưa")]
    assert str(rejected.value.problems[0]) == ("Dòng 4, cột «Mã địa phương» (giá trị «XX»): "
                                               "Không có địa phương với mã hoặc tên này.")


def test_a_title_above_the_header_is_skipped_and_rows_keep_excel_numbers(shared_engine):
    data = ("BÁO CÁO SỐ LIỆU NĂM 2024;;;;;;\n;;;;;;\n".encode() + csv_bytes([OK_RATIO, row(indicator="HO_TICH_DUNG_HAN", numerator="x", denominator="1")],
                                                                          VIETNAMESE, ";"))
    with pytest.raises(Rejected) as rejected:
        parse_file(shared_engine, data, "a.csv")
    assert [(p.row, p.column) for p in rejected.value.problems] == [(5, "Tử số")]


# --- scale ------------------------------------------------------------------------------------------------


def many_localities(engine, count: int) -> list[str]:
    codes = [f"XA_{i:04d}" for i in range(count)]
    table = pd.DataFrame({"code": codes, "name": [f"xã Số {i}" for i in range(count)], "kind": "xã",
                          "parent_code": "HAI_PHONG", "ma_dvhc": "", "plan_code": "KH_LAC_PHUONG_2026"})
    add_localities(engine, table.to_csv(index=False).encode(), "many.csv")
    return codes


def generated_rows(engine, codes: list[str], count: int) -> list[list[str]]:
    targets = queries.plan_targets(engine)
    indicators = queries.indicators(engine).set_index("code")["kind"]
    plan = targets[targets["plan_code"] == "KH_LAC_PHUONG_2026"]["indicator_code"].tolist()
    rows = []
    for code in codes:
        for year in range(2015, current_year()):
            for indicator in plan:
                kind = indicators[indicator]
                if kind == "ratio":
                    rows.append(row(code, indicator, str(year), str(year - 2000), "1.000"))
                else:
                    rows.append(row(code, indicator, str(year), value="có" if kind == "boolean" else str(year % 7)))
                if len(rows) == count:
                    return rows
    return rows


def test_applying_a_file_is_a_fixed_number_of_statements_whatever_its_length(engine):
    codes = many_localities(engine, 40)

    def statements(count: int) -> int:
        executed = []
        listener = lambda *args: executed.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            result = import_file(engine, csv_bytes(generated_rows(engine, codes, count)), "a.csv", user_name="a")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert result.created == count
        return len(executed)

    small = statements(50)
    engine_rows = queries.readings(engine)
    assert len(engine_rows) == 50
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM reading")
        connection.exec_driver_sql("DELETE FROM readingrevision")
    assert statements(5000) == small


@pytest.mark.skipif(not os.environ.get("KPI_BIG_TESTS"), reason="about half a minute: run with KPI_BIG_TESTS=1")
def test_a_hundred_thousand_rows_import_in_one_go(engine, capsys):
    codes = many_localities(engine, 700)
    data = csv_bytes(generated_rows(engine, codes, 100_000), VIETNAMESE, ";", "utf-8-sig")
    started = time.perf_counter()
    result = import_file(engine, data, "lon.csv", user_name="a")
    elapsed = time.perf_counter() - started
    assert result.created == 100_000
    assert len(queries.readings(engine)) == 100_000
    again = import_file(engine, data, "lon.csv", user_name="a")
    assert again.unchanged == 100_000
    with capsys.disabled():
        print(f"\n100.000 dòng ({len(data) / 1e6:.1f} MB): nhập trong {elapsed:.1f} s, "
              f"nhập lại (không đổi) trong {time.perf_counter() - started - elapsed:.1f} s")


# --- command line -----------------------------------------------------------------------------------------


def test_cli_import_applies_a_file_and_prints_the_counts(engine, run_cli, tmp_path):
    path = tmp_path / "so_lieu.csv"
    path.write_bytes(csv_bytes([*GOOD_ROWS, row(indicator="QPPL_KIEM_TRA")], VIETNAMESE, ";", "utf-8-sig"))
    dry = run_cli("import", path, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Chạy thử, chưa ghi gì" in dry.stdout and "5 tạo mới, 0 cập nhật, 0 không đổi" in dry.stdout
    assert "Bỏ qua 1 dòng chưa có số liệu (dòng để trống của tệp mẫu): dòng số 7 trong tệp" in dry.stdout
    assert run_cli("user", "add", "chi_lan", "--role", "editor", "--locality", "LAC_PHUONG", "NHI_CHIEU",
                   stdin="mat-khau-du-dai-123\n").returncode == 0
    done = run_cli("import", path, "--user", "chi_lan")
    assert done.returncode == 0, done.stderr
    assert "Đã nhập tệp so_lieu.csv" in done.stdout and "5 tạo mới, 0 cập nhật, 0 không đổi" in done.stdout
    again = run_cli("import", path)
    assert "0 tạo mới, 0 cập nhật, 5 không đổi" in again.stdout


def test_cli_import_rejects_a_bad_file_with_every_problem_on_stderr(engine, run_cli, tmp_path):
    path = tmp_path / "sai.csv"
    path.write_bytes(csv_bytes([row(locality="XX", numerator="1", denominator="1"), row(numerator="9", denominator="3")]))
    before = dump(engine)
    result = run_cli("import", path)
    assert result.returncode == 1
    assert "có 2 lỗi; chưa ghi gì" in result.stderr
    assert "Dòng 2, cột «locality_code» (giá trị «XX»)" in result.stderr
    assert "Dòng 3, cột «numerator» (giá trị «9»): Tử số không được lớn hơn mẫu số." in result.stderr
    assert result.stdout == ""
    assert dump(engine) == before


def test_cli_import_usage_errors(engine, run_cli, tmp_path):
    missing = run_cli("import", tmp_path / "khong_co.csv")
    assert missing.returncode == 2 and "Không tìm thấy tệp" in missing.stderr
    assert run_cli("import").returncode == 2
