"""The read side: catalogue and readings as DataFrames, for the engine, the pages and the exports."""

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from kpi.models import ImportBatch, Indicator, Locality, Plan, PlanTarget, Reading, ReadingRevision
from kpi.progress import Catalog

READING_COLUMNS = ["locality_code", "indicator_code", "year", "numerator", "denominator", "value"]
NULLABLE_INTEGERS = {"numerator": "Int64", "denominator": "Int64", "value": "Int64"}
FETCH_ROWS = 50_000


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


def catalog(engine: Engine) -> Catalog:
    return Catalog(indicators=indicators(engine), localities=localities(engine), plan_targets=plan_targets(engine))


def readings(engine: Engine, *, full: bool = False, localities: Sequence[str] | None = None,
             indicators: Sequence[str] | None = None, up_to: int | None = None) -> pd.DataFrame:
    """All readings, or those of some localities, some indicators or up to a year; the engine's
    columns only unless full (who, when, how, note, demo flag)."""
    columns = [Reading] if full else [getattr(Reading, c) for c in READING_COLUMNS]
    statement = select(*columns).order_by(Reading.locality_code, Reading.indicator_code, Reading.year)
    if localities is not None:
        statement = statement.where(Reading.locality_code.in_(list(localities)))
    if indicators is not None:
        statement = statement.where(Reading.indicator_code.in_(list(indicators)))
    if up_to is not None:
        statement = statement.where(Reading.year <= up_to)
    if full:
        return _frame(engine, statement).astype(NULLABLE_INTEGERS)
    # Straight from the driver's cursor (a Row object per reading took most of the time at 600,000
    # readings), a chunk at a time: the Python objects of every row at once peaked at 400 MB.
    with engine.connect() as connection:
        result = connection.execute(statement)
        chunks = []
        while rows := result.cursor.fetchmany(FETCH_ROWS):
            chunks.append(_readings_frame(rows))
        result.close()
    return pd.concat(chunks, ignore_index=True) if chunks else _readings_frame([])


def _readings_frame(rows: list[tuple]) -> pd.DataFrame:
    table = np.array(rows, dtype=object).reshape(len(rows), len(READING_COLUMNS))
    frame = pd.DataFrame({name: table[:, i] for i, name in enumerate(READING_COLUMNS)})
    return frame.astype({"year": "int64", **NULLABLE_INTEGERS})


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
