"""The whole store's readings from the snapshot: always what every reading read from the table gives,
through each kind of write, with the snapshot patched after small writes and read again after others."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import pytest
from sqlalchemy import event, func, select

from kpi.engine import assess, progress
from kpi.store import queries, snapshot
from kpi.store.db import LOCK_TIMEOUT_S
from kpi.store.demo import load_demo
from kpi.store.models import ReadingRevision, ReadingSnapshot
from kpi.store.readings import apply_readings, delete_demo, input_frame
from kpi.vocabulary import KEY


def write(engine, rows):
    return apply_readings(engine, input_frame(rows), user_name="cán bộ A", source="form")


def row(locality="LAC_PHUONG", indicator="HOA_GIAI_THANH", year=2025, **figures):
    return {"locality_code": locality, "indicator_code": indicator, "year": year, **figures}


def plain(readings: pd.DataFrame) -> pd.DataFrame:
    """Readings in key order with codes as plain text, to compare however they were read."""
    codes = {"locality_code": object, "indicator_code": object}
    return readings.astype(codes).sort_values(KEY).reset_index(drop=True)


def assert_whole_store(engine) -> None:
    pd.testing.assert_frame_equal(plain(snapshot.whole_store(engine)), plain(queries.readings(engine, ordered=False)))


def kept_revision(engine) -> int | None:
    with engine.connect() as connection:
        return connection.execute(select(ReadingSnapshot.revision_id)).scalar_one_or_none()


def latest_revision(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.max(ReadingRevision.id))).scalar_one()


@contextmanager
def reads_of_every_reading(engine) -> Iterator[list[str]]:
    """The statements that read the figures of the whole reading table (no WHERE, no JOIN) while in the block."""
    sent = []

    def remember(connection, cursor, statement, parameters, context, executemany):
        flat = " ".join(statement.split())
        if "reading.numerator" in flat and re.search(r"\bFROM reading\b", flat) and not re.search(r"\b(WHERE|JOIN)\b", flat):
            sent.append(flat)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def test_the_snapshot_is_patched_after_small_writes_and_always_equals_the_table(engine):
    write(engine, [row(numerator=40, denominator=50), row(indicator="DIEM_NONG_VPPL", value=2)])
    with reads_of_every_reading(engine) as full:
        assert_whole_store(engine)
    assert len(full) == 2  # the snapshot's first read, and the comparison's
    assert kept_revision(engine) == latest_revision(engine)
    stored = kept_revision(engine)

    # An update, a reading of a locality the snapshot has never seen, "không phát sinh", a boolean, an
    # unchanged row: each is read back from the few rows written since, never from the whole table.
    steps = [
        [row(numerator=45, denominator=50)],
        [row(locality="NHI_CHIEU", indicator="TGPL_DUOC_TRO_GIUP", numerator=0, denominator=0)],
        [row(locality="NHI_CHIEU", indicator="KH_THEO_DOI_THPL", year=2024, value=1),
         row(locality="NHI_CHIEU", indicator="KH_THEO_DOI_THPL", year=2025, value=0)],
        [row(numerator=45, denominator=50)],
        [row(numerator=46, denominator=50), row(numerator=46, denominator=50, year=2026)],
    ]
    for rows in steps:
        write(engine, rows)
        with reads_of_every_reading(engine) as full:
            patched = snapshot.whole_store(engine)
        assert full == []
        pd.testing.assert_frame_equal(plain(patched), plain(queries.readings(engine, ordered=False)))
    # Small patches are not stored: the snapshot still ends where it did.
    assert kept_revision(engine) == stored


def test_readings_deleted_without_history_are_seen_and_everything_read_again(engine):
    load_demo(engine)
    write(engine, [row(numerator=40, denominator=50)])
    assert_whole_store(engine)
    removed = delete_demo(engine)
    assert removed > 0
    # Deleted, then written again: the same count as a patch would give with the deleted rows kept.
    write(engine, [row(locality="NHI_CHIEU", indicator="CONG_TTDT_TIN_BAI", year=2020, numerator=3, denominator=4)])
    with reads_of_every_reading(engine) as full:
        readings = snapshot.whole_store(engine)
    assert len(full) == 1
    assert len(readings) == 2
    pd.testing.assert_frame_equal(plain(readings), plain(queries.readings(engine, ordered=False)))
    assert_whole_store(engine)


def test_many_writes_since_the_snapshot_are_stored_as_the_new_one(engine):
    write(engine, [row(numerator=1, denominator=2)])
    assert_whole_store(engine)
    before = latest_revision(engine)
    for round_ in range(8):
        write(engine, [row(locality=locality, indicator=indicator, year=year, numerator=(year + round_) % 7, denominator=10)
                       for locality in ("LAC_PHUONG", "NHI_CHIEU")
                       for indicator in ("QPPL_TRINH_TU", "HO_TICH_DUNG_HAN", "TGPL_DUOC_TRO_GIUP")
                       for year in range(2015, 2027)])
    assert latest_revision(engine) - before > snapshot.STORE_AFTER
    with reads_of_every_reading(engine) as full:
        readings = snapshot.whole_store(engine)
    assert full == []  # patched, then kept
    pd.testing.assert_frame_equal(plain(readings), plain(queries.readings(engine, ordered=False)))
    assert kept_revision(engine) == latest_revision(engine)


def test_an_empty_store_and_a_year_limit(engine):
    empty = snapshot.whole_store(engine)
    assert empty.empty and list(empty.columns) == queries.READING_COLUMNS
    write(engine, [row(year=2024, numerator=1, denominator=2), row(year=2026, numerator=2, denominator=2)])
    assert snapshot.whole_store(engine, up_to=2025)["year"].tolist() == [2024]


def test_the_whole_store_evaluated_from_the_snapshot_is_the_evaluation_of_every_reading(demo_engine):
    write(demo_engine, [row(numerator=47, denominator=50), row(locality="NHI_CHIEU", indicator="CONG_TTDT_TIN_BAI", numerator=1, denominator=3)])
    assert_whole_store(demo_engine)  # the first read stores the snapshot
    write(demo_engine, [row(numerator=48, denominator=50)])
    catalog = assess.read_catalog(demo_engine)
    expected = progress.Evaluation.of(queries.readings(demo_engine, ordered=False), catalog)
    evaluated = assess.evaluate_scope(demo_engine).evaluation
    pd.testing.assert_frame_equal(evaluated.series(), expected.series())
    for year in (2024, 2025):
        pd.testing.assert_frame_equal(evaluated.statuses(year), expected.statuses(year))


@pytest.mark.sqlite_only
def test_a_busy_database_leaves_the_snapshot_unstored_and_the_pool_as_it_was(engine):
    write(engine, [row(numerator=40, denominator=50)])
    with engine.connect().execution_options(write=True) as writer, writer.begin():
        # Another writer holds the database (an import): the reader reads everything and moves on.
        readings = snapshot.whole_store(engine)
        assert kept_revision(engine) is None
    assert len(readings) == 1
    with engine.connect() as first, engine.connect() as second, engine.connect() as third:
        waits = {c.exec_driver_sql("PRAGMA busy_timeout").scalar_one() for c in (first, second, third)}
    assert waits == {round(LOCK_TIMEOUT_S * 1000)}
    assert_whole_store(engine)
    assert kept_revision(engine) == latest_revision(engine)
