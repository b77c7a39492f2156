"""The read side: catalogue and readings as DataFrames, for the engine, the pages and the exports."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Engine, Select, case, func, select

from kpi.store.db import without_index
from kpi.store.models import ImportBatch, Indicator, Locality, Plan, PlanTarget, Reading, ReadingRevision
from kpi.vocabulary import FIGURES, KEY

READING_COLUMNS = [*KEY, *FIGURES]
NULLABLE_INTEGERS = {"numerator": "Int64", "denominator": "Int64", "value": "Int64"}
FETCH_ROWS = 500
FRAME_ROWS = 50_000


def _frame(engine: Engine, statement, chunk_rows: int | None = None) -> pd.DataFrame:
    """The rows as a frame; with chunk_rows, read that many at a time, so that only one chunk's Python
    objects live at once (every reading of 3,300 localities read at once peaked at 830 MB; 320 MB so)."""
    if chunk_rows is None:
        with engine.connect() as connection:
            return pd.read_sql(statement, connection)
    return pd.concat(_chunks(engine, statement, chunk_rows), ignore_index=True)


def _chunks(engine: Engine, statement, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The rows as frames of chunk_rows rows (the last one shorter; one empty frame when there are none)."""
    with engine.connect() as connection:
        yield from pd.read_sql(statement, connection, chunksize=chunk_rows)


def indicators(engine: Engine) -> pd.DataFrame:
    return _frame(engine, select(Indicator).order_by(Indicator.position))


def localities(engine: Engine) -> pd.DataFrame:
    return _frame(engine, select(Locality).order_by(Locality.code))


def plans(engine: Engine) -> pd.DataFrame:
    return _frame(engine, select(Plan).order_by(Plan.code))


def plan_targets(engine: Engine) -> pd.DataFrame:
    return _frame(engine, select(PlanTarget))


def readings(engine: Engine, *, full: bool = False, localities: Sequence[str] | None = None,
             indicators: Sequence[str] | None = None, up_to: int | None = None, ordered: bool = True) -> pd.DataFrame:
    """All readings, or those of some localities, some indicators or up to a year; the engine's
    columns only unless full (who, when, how, note, demo flag). In key order unless the caller does
    not need it (the engine orders by itself; the database then reads the table as it lies)."""
    columns = [Reading] if full else [getattr(Reading, c) for c in READING_COLUMNS]
    statement = select(*columns)
    if ordered:
        statement = statement.order_by(Reading.locality_code, Reading.indicator_code, Reading.year)
    if localities is not None:
        statement = statement.where(Reading.locality_code.in_(list(localities)))
    if indicators is not None:
        statement = statement.where(Reading.indicator_code.in_(list(indicators)))
    if up_to is not None:
        statement = statement.where(without_index(Reading.year) <= up_to)
    if full:
        return _frame(engine, statement).astype(NULLABLE_INTEGERS)
    with engine.connect() as connection:
        return engine_columns(connection, statement)


def engine_columns(connection: Connection, statement: Select) -> pd.DataFrame:
    """The rows of a SELECT of the READING_COLUMNS as a frame, read in the caller's transaction."""
    # Straight from the driver's cursor into columns (a Row object per reading took most of the time
    # at 600,000 readings). Small fetches: the garbage collector walks every row tuple still alive,
    # which cost half a second in fetches of 50,000. Columns become arrays every FRAME_ROWS rows:
    # the Python objects of every row at once peaked at 400 MB.
    result = connection.execute(statement)
    frames, columns = [], _empty_columns()
    while rows := result.cursor.fetchmany(FETCH_ROWS):
        for column, values in zip(columns, zip(*rows)):
            column.extend(values)
        if len(columns[0]) >= FRAME_ROWS:
            frames.append(_readings_frame(columns))
            columns = _empty_columns()
    result.close()
    if columns[0] or not frames:
        frames.append(_readings_frame(columns))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _empty_columns() -> list[list]:
    return [[] for _ in READING_COLUMNS]


def _readings_frame(columns: list[list]) -> pd.DataFrame:
    # Through Arrow: it converts Python lists (None included) in C, twice as fast as numpy's object arrays.
    locality, indicator, year, *figures = columns
    return pd.DataFrame({
        "locality_code": pd.array(pa.array(locality, type=pa.large_string()), dtype="str"),
        "indicator_code": pd.array(pa.array(indicator, type=pa.large_string()), dtype="str"),
        "year": np.fromiter(year, dtype=np.int64, count=len(year)),
        **{name: _nullable_integers(values) for name, values in zip(NULLABLE_INTEGERS, figures)},
    })


def _nullable_integers(values: list) -> pd.arrays.IntegerArray:
    array = pa.array(values, type=pa.int64())
    return pd.arrays.IntegerArray(array.fill_null(0).to_numpy(), array.is_null().to_numpy(zero_copy_only=False))


def reading_marks(engine: Engine, years: Sequence[int], localities: Sequence[str] | None = None) -> pd.DataFrame:
    """The readings of some years (and localities) that carry a note or the demo mark, with both: what
    a report shows beside the figures, without reading every reading's every column."""
    statement = select(Reading.locality_code, Reading.indicator_code, Reading.year, Reading.note, Reading.is_demo)
    statement = statement.where(Reading.is_demo | Reading.note.is_not(None))
    if localities is not None:
        statement = statement.where(Reading.locality_code.in_(list(localities)))
    # The years are picked here, not in SQL: there SQLite takes the (indicator, year) index for them
    # and fetches a quarter of the table row by row, ten times slower than one pass over it.
    # Typed as when there are marks also when there are none, so that a report reads the same either way.
    frame = _frame(engine, statement).astype({"locality_code": "str", "indicator_code": "str", "year": "int64",
                                               "note": "str", "is_demo": bool})
    return frame[frame["year"].isin(list(years))].reset_index(drop=True)


def history(engine: Engine, locality_code: str, indicator_code: str, year: int) -> pd.DataFrame:
    """Every figure written for one reading, newest first."""
    statement = (
        select(ReadingRevision)
        .where(ReadingRevision.locality_code == locality_code, ReadingRevision.indicator_code == indicator_code,
               ReadingRevision.year == year)
        .order_by(ReadingRevision.id.desc())
    )
    return _frame(engine, statement).astype(NULLABLE_INTEGERS)


def import_batches(engine: Engine, limit: int = 50) -> pd.DataFrame:
    return _frame(engine, select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit))


@dataclass(frozen=True)
class ReadingFilter:
    """Which readings a list or an export covers. An empty tuple stands for every locality or indicator;
    years are the first and the last, both included; demo is "all", "real" or "demo" (only those)."""

    locality_codes: tuple[str, ...] = ()
    indicator_codes: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    demo: str = "all"

    def narrow(self, statement: Select) -> Select:
        if self.locality_codes:
            statement = statement.where(Reading.locality_code.in_(self.locality_codes))
        if self.indicator_codes:
            statement = statement.where(Reading.indicator_code.in_(self.indicator_codes))
        if self.years is not None:
            statement = statement.where(without_index(Reading.year).between(*self.years))
        if self.demo != "all":
            statement = statement.where(Reading.is_demo if self.demo == "demo" else ~Reading.is_demo)
        return statement


@dataclass(frozen=True)
class StoredReadings:
    """What the store holds, told without reading it: how many readings, how many of them demo data,
    the first and last year, the localities with any."""

    count: int
    demo_count: int
    first_year: int | None
    last_year: int | None
    locality_codes: list[str]


def stored_readings(engine: Engine) -> StoredReadings:
    with engine.connect() as connection:
        count, demo_count, first, last = connection.execute(
            select(func.count(), func.coalesce(func.sum(case((Reading.is_demo, 1), else_=0)), 0),
                   func.min(Reading.year), func.max(Reading.year))).one()
        codes = connection.execute(select(Reading.locality_code).distinct()).scalars().all()
    return StoredReadings(count, int(demo_count), first, last, list(codes))


def chosen_readings(engine: Engine, chosen: ReadingFilter, limit: int | None = None) -> pd.DataFrame:
    """The readings a filter covers with who, when, how, note and the demo flag, in key order (the
    first `limit` of them): a page lists a few thousand of hundreds of thousands."""
    return pd.concat(chosen_reading_chunks(engine, chosen, limit), ignore_index=True)


def chosen_reading_chunks(engine: Engine, chosen: ReadingFilter, limit: int | None = None) -> Iterator[pd.DataFrame]:
    """chosen_readings() a chunk of FRAME_ROWS at a time, for a file written as it is read."""
    statement = chosen.narrow(select(Reading)).order_by(Reading.locality_code, Reading.indicator_code, Reading.year)
    for chunk in _chunks(engine, statement.limit(limit), FRAME_ROWS):
        yield chunk.astype(NULLABLE_INTEGERS)


def reading_count(engine: Engine, chosen: ReadingFilter) -> int:
    with engine.connect() as connection:
        return connection.execute(chosen.narrow(select(func.count()).select_from(Reading))).scalar_one()


def demo_reading_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Reading).where(Reading.is_demo)).scalar_one()


def latest_year(engine: Engine) -> int | None:
    """The newest year with a reading: the newest of each indicator's, each found at the end of its part
    of the (indicator, year) index, instead of a pass over the whole table (every reading's indicator
    is in the catalogue)."""
    per_indicator = (select(func.max(Reading.year)).where(Reading.indicator_code == Indicator.code)
                     .correlate(Indicator).scalar_subquery())
    with engine.connect() as connection:
        return connection.execute(select(func.max(per_indicator)).select_from(Indicator)).scalar_one()


def reported_years(engine: Engine) -> pd.DataFrame:
    """(locality_code, year) for every locality and year with at least one reading: which year a
    scope reports is counted from these, never from every reading."""
    statement = select(Reading.locality_code, Reading.year).distinct()
    return _frame(engine, statement).astype({"year": "int64"})
