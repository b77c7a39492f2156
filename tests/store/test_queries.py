"""The engine's read of readings (straight from the driver's cursor) gives exactly the stored readings."""

import sqlite3

import pandas as pd
import pytest
from sqlalchemy import event

from kpi.store import queries
from kpi.store.db import make_engine
from kpi.store.readings import apply_readings, input_frame

KEY = ["locality_code", "indicator_code", "year"]
COLUMNS = [*KEY, "numerator", "denominator", "value"]


@pytest.fixture
def stored(demo_engine):
    # A figure left empty, a "không phát sinh" (0 of 0) and a big count beside the demo's readings.
    apply_readings(demo_engine, input_frame([
        {"locality_code": "LAC_PHUONG", "indicator_code": "VU_VIEC_VPPL", "year": 2019, "value": 9_876_543_210},
        {"locality_code": "NHI_CHIEU", "indicator_code": "QPPL_TRINH_TU", "year": 2019, "numerator": 0, "denominator": 0},
    ]), user_name="kiểm thử", source="cli")
    return demo_engine


def test_the_engines_read_equals_the_full_read(stored):
    full = queries.readings(stored, full=True)[COLUMNS].astype({"year": "int64"})
    lean = queries.readings(stored)
    pd.testing.assert_frame_equal(lean, full.reset_index(drop=True), check_dtype=False)
    assert str(lean["locality_code"].dtype) == "str" and str(lean["numerator"].dtype) == "Int64"
    assert lean["year"].dtype == "int64"
    unordered = queries.readings(stored, ordered=False).sort_values(KEY, ignore_index=True)
    pd.testing.assert_frame_equal(unordered, lean)


def test_filters_of_the_engines_read(stored):
    every = queries.readings(stored)
    some = queries.readings(stored, localities=["LAC_PHUONG", "mã 'có' nháy"], indicators=["VU_VIEC_VPPL"], up_to=2024)
    expected = every[(every["locality_code"] == "LAC_PHUONG") & (every["indicator_code"] == "VU_VIEC_VPPL")
                     & (every["year"] <= 2024)].reset_index(drop=True)
    pd.testing.assert_frame_equal(some, expected)
    assert 9_876_543_210 in some["value"].tolist()
    assert queries.readings(stored, localities=[]).empty


def test_a_sqlite_file_under_a_relative_path_with_spaces_and_diacritics(stored, tmp_path, monkeypatch, backend):
    if backend != "sqlite":
        pytest.skip("a path of a SQLite file")
    folder = tmp_path / "Tài liệu chung"
    folder.mkdir()
    with sqlite3.connect(stored.url.database) as source, sqlite3.connect(folder / "kpi 2026.sqlite3") as copy:
        source.backup(copy)  # the readings may still be in the write-ahead log
    monkeypatch.chdir(tmp_path)
    relative = make_engine("sqlite:///Tài liệu chung/kpi 2026.sqlite3")
    pd.testing.assert_frame_equal(queries.readings(relative), queries.readings(stored))
    relative.dispose()


def test_a_write_after_a_read_is_seen_by_the_next_read(stored):
    """A reader that opened the SQLite file with a second copy of SQLite in the process (connectorx,
    tried and dropped) broke the process's file locks: the next write was lost to other connections."""
    before = len(queries.readings(stored))
    apply_readings(stored, input_frame([{"locality_code": "LAC_PHUONG", "indicator_code": "VU_VIEC_VPPL", "year": 2016,
                                         "value": 4}]), user_name="kiểm thử", source="cli")
    assert len(queries.readings(stored)) == before + 1


@pytest.mark.sqlite_only
def test_the_engines_read_up_to_a_year_passes_over_the_table_once(stored):
    """With the statistics of a big store SQLite answered `year <= ?` through the (indicator, year)
    index, one page read per reading found: at 582,065 readings, a second of system time for
    `progress`."""
    with stored.begin() as connection:
        # The statistics `ANALYZE` (or `PRAGMA optimize`) gathers at 3,300 localities.
        connection.exec_driver_sql("ANALYZE")
        connection.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'reading'")
        connection.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES ('reading', 'ix_reading_indicator_year', "
                                   "'582065 38805 3234'), ('reading', 'sqlite_autoindex_reading_1', '582065 177 12 1')")
    stored.dispose()  # connections read the statistics when they open
    statements = []

    def remember(connection, cursor, statement, parameters, context, executemany):
        if "FROM reading" in statement:
            statements.append((statement, parameters))

    event.listen(stored, "before_cursor_execute", remember)
    try:
        read = queries.readings(stored, up_to=2024, ordered=False)
    finally:
        event.remove(stored, "before_cursor_execute", remember)
    assert read["year"].max() == 2024
    [(statement, parameters)] = statements
    with stored.connect() as connection:
        plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    assert plan == ["SCAN reading"]
