"""Progress of a scope as of a year: the store read once, the engine run once."""

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from kpi import progress, queries
from kpi.progress import Catalog


@dataclass(frozen=True)
class Assessment:
    as_of: int
    catalog: Catalog
    series: pd.DataFrame
    statuses: pd.DataFrame


def assess(engine: Engine, as_of: int, locality_code: str | None = None) -> Assessment:
    """Statuses for every locality in scope: all of them, or one locality with, when it is a
    parent, its aggregate and its children."""
    catalog = queries.catalog(engine)
    series = progress.yearly_series(queries.readings(engine), catalog)
    statuses = progress.statuses(series, progress.judged_pairs(catalog), as_of)
    if locality_code is not None:
        scope = scope_codes(catalog.localities, locality_code)
        statuses = statuses[statuses["locality_code"].isin(scope)]
        series = series[series["locality_code"].isin(scope)]
    return Assessment(as_of, catalog, series.reset_index(drop=True), statuses.reset_index(drop=True))


def scope_codes(localities: pd.DataFrame, locality_code: str) -> list[str]:
    children = localities.loc[localities["parent_code"] == locality_code, "code"].tolist()
    return [locality_code, *children]

