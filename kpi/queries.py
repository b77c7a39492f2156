"""The read side: catalogue and readings as DataFrames, for the engine, the pages and the exports."""

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Engine, bindparam, func, select, text

from kpi.models import ImportBatch, Indicator, Locality, Plan, PlanTarget, Reading, ReadingRevision
from kpi.progress import PARTIAL_KEYS, Catalog

READING_COLUMNS = ["locality_code", "indicator_code", "year", "numerator", "denominator", "value"]
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


def catalog(engine: Engine) -> Catalog:
    return Catalog(indicators=indicators(engine), localities=localities(engine), plan_targets=plan_targets(engine))


def readings(engine: Engine, *, full: bool = False, localities: Sequence[str] | None = None,
             years: Sequence[int] | None = None) -> pd.DataFrame:
    """All readings, or those of some localities or years; the engine's columns only unless full
    (who, when, how, note, demo flag)."""
    columns = [Reading] if full else [getattr(Reading, c) for c in READING_COLUMNS]
    statement = select(*columns).order_by(Reading.locality_code, Reading.indicator_code, Reading.year)
    if localities is not None:
        statement = statement.where(Reading.locality_code.in_(list(localities)))
    if years is not None:
        statement = statement.where(Reading.year.in_([int(y) for y in years]))
    return _frame(engine, statement).astype(NULLABLE_INTEGERS)


# "Has a value" as kpi.progress defines it: a ratio with counts and denominator > 0, otherwise a value.
_HAS_VALUE = """CASE WHEN indicator_code IN (SELECT code FROM indicator WHERE kind = 'ratio')
    THEN denominator > 0 AND numerator IS NOT NULL ELSE value IS NOT NULL END"""
_PARENTS = "(SELECT parent_code FROM locality WHERE parent_code IS NOT NULL)"
_STATUS_READINGS = f"""
SELECT locality_code, indicator_code, year, numerator, denominator, value FROM (
  SELECT locality_code, indicator_code, year, numerator, denominator, value,
         ROW_NUMBER() OVER pair AS position, COUNT(*) OVER pair AS valued
  FROM reading
  WHERE year <= :as_of AND {_HAS_VALUE} AND locality_code NOT IN {_PARENTS} {{scope}}
  WINDOW pair AS (PARTITION BY locality_code, indicator_code ORDER BY year
                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
) ranked
WHERE position = 1 OR position >= valued - 1 OR year = :as_of
UNION ALL
SELECT locality_code, indicator_code, year, numerator, denominator, value FROM reading
WHERE year = :as_of AND NOT ({_HAS_VALUE}) AND locality_code NOT IN {_PARENTS} {{scope}}
UNION ALL
SELECT locality_code, indicator_code, year, numerator, denominator, value FROM reading
WHERE locality_code IN {_PARENTS} {{scope}}
"""


def status_readings(engine: Engine, as_of: int, localities: Sequence[str] | None = None) -> pd.DataFrame:
    """The readings kpi.progress.statuses reads as of a year, chosen by the database: of each
    locality and indicator the earliest, the previous and the latest reading with a value, and the
    reading of that year. A locality with children keeps every reading, because its own reading of
    a year replaces its aggregate of that year."""
    scope = "" if localities is None else "AND locality_code IN :scope"
    statement = text(_STATUS_READINGS.format(scope=scope))
    parameters = {"as_of": as_of}
    if localities is not None:
        statement = statement.bindparams(bindparam("scope", expanding=True))
        parameters["scope"] = list(localities)
    with engine.connect() as connection:
        rows = connection.execute(statement, parameters).all()
    return pd.DataFrame(rows, columns=READING_COLUMNS).astype(NULLABLE_INTEGERS)


_PARTIAL_SUMS = text("""
SELECT l.parent_code, l.plan_code, r.indicator_code, r.year,
  SUM(CASE WHEN r.indicator_code IN (SELECT code FROM indicator WHERE kind = 'ratio')
           THEN CASE WHEN r.denominator > 0 THEN r.numerator ELSE 0 END
           WHEN r.indicator_code IN (SELECT code FROM indicator WHERE kind = 'boolean') THEN r.value END) AS numerator,
  SUM(CASE WHEN r.indicator_code IN (SELECT code FROM indicator WHERE kind = 'ratio')
           THEN CASE WHEN r.denominator > 0 THEN r.denominator ELSE 0 END
           WHEN r.indicator_code IN (SELECT code FROM indicator WHERE kind = 'boolean') THEN 1 END) AS denominator,
  SUM(CASE WHEN r.indicator_code IN (SELECT code FROM indicator WHERE kind IN ('ratio', 'boolean')) THEN NULL
           ELSE r.value END) AS value,
  COUNT(*) AS reported
FROM locality l JOIN reading r ON r.locality_code = l.code
WHERE l.parent_code IS NOT NULL AND l.parent_code <> ''
GROUP BY l.parent_code, l.plan_code, r.indicator_code, r.year
""")


def partial_sums(engine: Engine) -> pd.DataFrame:
    """kpi.progress.partial_sums computed by the database: what every aggregate is summed from."""
    with engine.connect() as connection:
        rows = connection.execute(_PARTIAL_SUMS).all()
    frame = pd.DataFrame(rows, columns=[*PARTIAL_KEYS, "numerator", "denominator", "value", "reported"])
    return frame.astype({"numerator": "Float64", "denominator": "Float64", "value": "Float64", "reported": "int64"})


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
