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


_TEXT = pd.StringDtype("pyarrow", na_value=float("nan"))  # pandas' "str"
# Integers come as int32 from a PostgreSQL INTEGER column (a database not yet at migration 0007).
_ENGINE_TYPES = {pa.string(): _TEXT, pa.large_string(): _TEXT, pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype()}


def _readings_frame(table: pa.Table) -> pd.DataFrame:
    # self_destruct frees each Arrow column as it is converted: 40 MB less at the peak for 600,000 readings.
    frame = table.to_pandas(types_mapper=_ENGINE_TYPES.get, self_destruct=True, split_blocks=True)
    frame["year"] = frame["year"].to_numpy(dtype="int64")
    return frame


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
