"""The read side: catalogue and readings as DataFrames, for the engine, the pages and the exports."""

from collections.abc import Sequence
from pathlib import Path

import connectorx
import pandas as pd
import pyarrow as pa
from sqlalchemy import Engine, func, select

from kpi.store.models import ImportBatch, Indicator, Locality, Plan, PlanTarget, Reading, ReadingRevision
from kpi.vocabulary import FIGURES, KEY

READING_COLUMNS = [*KEY, *FIGURES]
NULLABLE_INTEGERS = {"numerator": "Int64", "denominator": "Int64", "value": "Int64"}


def _frame(engine: Engine, statement) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql(statement, connection)


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
        statement = statement.where(Reading.year <= up_to)
    if full:
        return _frame(engine, statement).astype(NULLABLE_INTEGERS)
    # connectorx reads the rows into Arrow columns outside Python, in one query on its own connection
    # (SQLite file or PostgreSQL): creating a Python object for every figure of 600,000 readings was
    # most of the time of every page's first render after a write. Codes in the query come from the
    # catalogue and are quoted by SQLAlchemy.
    query = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    return _readings_frame(connectorx.read_sql(_connectorx_url(engine), query, return_type="arrow"))


def _connectorx_url(engine: Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql")
    else:
        # connectorx reads sqlite:///data/x.sqlite3 as the absolute path /data/x.sqlite3.
        url = url.set(database=str(Path(url.database).resolve()))
    return url.render_as_string(hide_password=False)


def _readings_frame(table: pa.Table) -> pd.DataFrame:
    return pd.DataFrame({
        "locality_code": pd.array(table["locality_code"].cast(pa.large_string()), dtype="str"),
        "indicator_code": pd.array(table["indicator_code"].cast(pa.large_string()), dtype="str"),
        "year": table["year"].cast(pa.int64()).to_numpy(),
        **{name: _nullable_integers(table[name]) for name in NULLABLE_INTEGERS},
    })


def _nullable_integers(column: pa.ChunkedArray) -> pd.arrays.IntegerArray:
    column = column.cast(pa.int64())
    return pd.arrays.IntegerArray(column.fill_null(0).to_numpy(), column.is_null().to_numpy())


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


def demo_reading_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Reading).where(Reading.is_demo)).scalar_one()


def latest_year(engine: Engine) -> int | None:
    with engine.connect() as connection:
        return connection.execute(select(func.max(Reading.year))).scalar_one()


def reported_years(engine: Engine) -> pd.DataFrame:
    """(locality_code, year) for every locality and year with at least one reading: which year a
    scope reports is counted from these, never from every reading."""
    statement = select(Reading.locality_code, Reading.year).distinct()
    return _frame(engine, statement).astype({"year": "int64"})
