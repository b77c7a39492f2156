"""The engine's read of readings (straight from the driver's cursor) gives exactly the stored readings."""

import re
import sqlite3

import pandas as pd
import pytest
from sqlalchemy import event

from kpi.files.catalogue import add_localities
from kpi.files.templates import template_frame
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


def test_every_reading_read_in_chunks_is_the_full_read(stored, monkeypatch):
    monkeypatch.setattr(queries, "FRAME_ROWS", 7)  # 115 readings: seventeen chunks
    chunked = queries.chosen_readings(stored, queries.ReadingFilter())
    pd.testing.assert_frame_equal(chunked, queries.readings(stored, full=True), check_dtype=False)
    assert chunked["value"].eq(9_876_543_210).any() and str(chunked["value"].dtype) == "Int64"


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


@pytest.fixture
def analysed(stored):
    """The store with the statistics `ANALYZE` (or `PRAGMA optimize`) gathers at 3,300 localities:
    with them SQLite answered `year <= ?` or `year IN (…)` through the (indicator, year) index, one page
    read per reading found (at 582,065 readings, a second of system time for `progress`)."""
    with stored.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'reading'")
        connection.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES ('reading', 'ix_reading_indicator_year', "
                                   "'582065 38805 3234'), ('reading', 'sqlite_autoindex_reading_1', '582065 177 12 1')")
    stored.dispose()  # connections read the statistics when they open
    return stored


def plans_of_reads(engine, read) -> list[list[str]]:
    """What SQLite does for each statement `read()` sends to the reading table (EXPLAIN QUERY PLAN)."""
    statements = []

    def remember(connection, cursor, statement, parameters, context, executemany):
        if "FROM reading" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        read()
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    with engine.connect() as connection:
        return [[row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
                for statement, parameters in statements]


# SQLite before 3.36 wrote "SCAN TABLE reading".
ONE_PASS = re.compile(r"SCAN (TABLE )?reading")


@pytest.mark.sqlite_only
def test_the_engines_read_up_to_a_year_passes_over_the_table_once(analysed):
    [plan] = plans_of_reads(analysed, lambda: queries.readings(analysed, up_to=2024, ordered=False))
    assert len(plan) == 1 and ONE_PASS.fullmatch(plan[0]), plan
    assert queries.readings(analysed, up_to=2024, ordered=False)["year"].max() == 2024


@pytest.mark.sqlite_only
def test_the_write_path_reads_the_stored_rows_of_a_file_naming_many_localities_in_one_pass(analysed):
    """A file naming more localities than an IN list should hold is checked against the stored rows of
    its years read in one pass over the table, not through the year index."""
    codes = [f"XA_{n:04d}" for n in range(600)]
    table = pd.DataFrame({"code": codes, "name": [f"xã Số {n}" for n in range(600)], "kind": "xã",
                          "parent_code": "HAI_PHONG", "ma_dvhc": "", "plan_code": "KH_LAC_PHUONG_2026"})
    add_localities(analysed, table.to_csv(index=False).encode(), "600.csv")
    analysed.dispose()  # the statistics stay those of the big store: ANALYZE is not run again
    frame = input_frame([{"locality_code": code, "indicator_code": "VU_VIEC_VPPL", "year": 2024, "value": 1}
                         for code in codes])
    [plan] = plans_of_reads(analysed, lambda: apply_readings(analysed, frame, user_name="kiểm thử", source="cli",
                                                              dry_run=True))
    assert len(plan) == 1 and ONE_PASS.fullmatch(plan[0]), plan


@pytest.mark.sqlite_only
def test_a_communes_template_reads_its_own_stored_rows_by_key(analysed):
    """Not the year of every commune (48,000 rows at 3,300 localities, through the year index)."""
    [plan] = plans_of_reads(analysed, lambda: template_frame(analysed, "LAC_PHUONG", 2024))
    assert len(plan) == 1 and plan[0].startswith("SEARCH reading USING INDEX sqlite_autoindex_reading_1 (locality_code=?"), plan
    [plan] = plans_of_reads(analysed, lambda: template_frame(analysed, None, 2024))
    assert not any("ix_reading_indicator_year" in step for step in plan), plan


def test_the_latest_year_and_the_demo_count(stored):
    every = queries.readings(stored, full=True)
    assert queries.latest_year(stored) == every["year"].max()
    assert queries.demo_reading_count(stored) == every["is_demo"].sum() == len(every) - 2
    apply_readings(stored, input_frame([{"locality_code": "NHI_CHIEU", "indicator_code": "QPPL_TRINH_TU",
                                         "year": every["year"].max() + 1, "numerator": 1, "denominator": 2}]),
                   user_name="kiểm thử", source="cli")
    assert queries.latest_year(stored) == every["year"].max() + 1
    assert queries.demo_reading_count(stored) == len(every) - 2


@pytest.mark.sqlite_only
def test_the_latest_year_and_the_demo_count_read_an_index_not_the_table(analysed):
    """Every page asks both after every write: each was a pass over the whole table (40 and 65 ms at
    582,065 readings)."""
    plans = plans_of_reads(analysed, lambda: (queries.latest_year(analysed), queries.demo_reading_count(analysed)))
    assert len(plans) == 2
    assert not any(ONE_PASS.match(step) for plan in plans for step in plan), plans
