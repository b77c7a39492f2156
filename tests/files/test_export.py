"""The export file of every reading, written a chunk of readings at a time."""

import csv
import io

import openpyxl
import pandas as pd

from kpi.files.export import readings_export, readings_file, table_bytes, write_readings
from kpi.store import queries
from kpi.store.readings import apply_readings, input_frame


def test_a_csv_written_a_chunk_at_a_time_is_the_csv_of_the_whole(demo_engine, tmp_path, monkeypatch):
    apply_readings(demo_engine, input_frame([
        {"locality_code": "LAC_PHUONG", "indicator_code": "VU_VIEC_VPPL", "year": 2019, "value": 9_876_543_210,
         "note": "=HYPERLINK(\"http://x\")"},
    ]), user_name="kiểm thử", source="cli")
    whole = table_bytes(readings_export(demo_engine), "csv")
    count = len(queries.readings(demo_engine))

    monkeypatch.setattr(queries, "FRAME_ROWS", 7)  # 114 readings: seventeen chunks
    assert readings_file(demo_engine, "csv") == whole
    path = tmp_path / "so_lieu.csv"
    assert write_readings(demo_engine, path) == count
    assert path.read_bytes() == whole

    assert whole.startswith("\ufeff".encode()) and whole.count("\ufeff".encode()) == 1
    rows = list(csv.DictReader(io.StringIO(whole.decode("utf-8-sig"))))
    assert len(rows) == count
    # The time of entry as Vietnam's wall-clock time, to the second, in every chunk (the whole column's
    # own format would have followed what each chunk held).
    assert all(len(row["entered_at"]) == 19 for row in rows)
    stored = queries.readings(demo_engine, full=True).set_index(["locality_code", "indicator_code", "year"])
    big = next(row for row in rows if row["value"] == "9876543210")
    entered = stored.loc[("LAC_PHUONG", "VU_VIEC_VPPL", 2019), "entered_at"]
    assert big["entered_at"] == pd.Timestamp(entered).tz_convert("Asia/Ho_Chi_Minh").strftime("%Y-%m-%d %H:%M:%S")
    assert big["note"] == "'=HYPERLINK(\"http://x\")"


def test_an_export_of_nothing_is_the_header_alone(engine, tmp_path):
    path = tmp_path / "trong.csv"
    assert write_readings(engine, path) == 0
    assert path.read_bytes().decode("utf-8-sig").splitlines() == [",".join(
        f'"{column}"' for column in readings_export(engine).columns)]


def test_a_workbook_written_a_chunk_at_a_time_holds_the_workbook_of_the_whole(demo_engine, tmp_path, monkeypatch):
    apply_readings(demo_engine, input_frame([
        {"locality_code": "LAC_PHUONG", "indicator_code": "VU_VIEC_VPPL", "year": 2019, "value": 9_876_543_210,
         "note": "=HYPERLINK(\"http://x\")"},
    ]), user_name="kiểm thử", source="cli")
    whole = openpyxl.load_workbook(io.BytesIO(table_bytes(readings_export(demo_engine), "xlsx")))["Số liệu"]
    count = len(queries.readings(demo_engine))

    monkeypatch.setattr(queries, "FRAME_ROWS", 7)  # 114 readings: seventeen chunks
    path = tmp_path / "so_lieu.xlsx"
    assert write_readings(demo_engine, path) == count
    for data in (path.read_bytes(), readings_file(demo_engine, "xlsx")):
        book = openpyxl.load_workbook(io.BytesIO(data))
        chunked = book["Số liệu"]
        assert list(chunked.values) == list(whole.values)
        assert chunked.max_row == count + 1
        assert chunked.auto_filter.ref == whole.auto_filter.ref == f"A1:M{count + 1}"
        assert chunked.freeze_panes == "A2"
    rows = list(whole.values)
    big = next(row for row in rows if row[5] == 9_876_543_210)
    assert big[6] == "'=HYPERLINK(\"http://x\")"
    assert all(isinstance(row[11], str) and len(row[11]) == 19 for row in rows[1:])
