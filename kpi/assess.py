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
    # The full yearly series of the scope; None when assessed with with_series=False.
    series: pd.DataFrame | None
    statuses: pd.DataFrame


def assess(engine: Engine, as_of: int, locality_code: str | None = None, *, with_series: bool = True) -> Assessment:
    """Statuses for every locality in scope: all of them, or one locality with, when it is a
    parent, its aggregate and its children.

    Aggregates are summed by the database. with_series=False reads only the readings the statuses
    need (a few per locality and indicator instead of every year), for callers that draw no trend.
    """
    catalog = queries.catalog(engine)
    scope = None if locality_code is None else scope_codes(catalog.localities, locality_code)
    aggregates = progress.aggregate_series(queries.partial_sums(engine), catalog)
    if with_series:
        own = queries.readings(engine, localities=scope)
    else:
        own = queries.status_readings(engine, as_of, scope)
    series = progress.combine_series(progress.own_series(own, catalog), aggregates)
    statuses = progress.statuses(series, progress.judged_pairs(catalog), as_of)
    if scope is not None:
        statuses = statuses[statuses["locality_code"].isin(scope)]
        series = series[series["locality_code"].isin(scope)]
    return Assessment(as_of, catalog, series.reset_index(drop=True) if with_series else None,
                      statuses.reset_index(drop=True))


def scope_codes(localities: pd.DataFrame, locality_code: str) -> list[str]:
    children = localities.loc[localities["parent_code"] == locality_code, "code"].tolist()
    return [locality_code, *children]
