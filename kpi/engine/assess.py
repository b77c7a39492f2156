"""Progress of a scope as of a year: the store read once, the engine run once."""

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from kpi.engine import progress
from kpi.engine.progress import Catalog
from kpi.store import queries


@dataclass(frozen=True)
class Assessment:
    as_of: int
    catalog: Catalog
    # The yearly series of the scope; None when assessed with with_series=False.
    series: pd.DataFrame | None
    statuses: pd.DataFrame


def assess(engine: Engine, as_of: int, locality_code: str | None = None, *, with_series: bool = True) -> Assessment:
    """Statuses for every locality in scope: all of them, or one locality with, when it is a
    parent, its aggregate and its children.

    Only the readings the scope needs are read: its localities and their descendants, and with
    with_series=False (for callers that draw no trend) none after as_of.
    """
    catalog = read_catalog(engine)
    scope = None if locality_code is None else scope_codes(catalog.localities, locality_code)
    readings = queries.readings(engine, localities=localities_read(catalog, scope),
                                up_to=None if with_series else as_of)
    series, statuses = progress.evaluate(readings, catalog, as_of, with_series=with_series)
    if scope is not None:
        statuses = statuses[statuses["locality_code"].isin(scope)]
        series = None if series is None else series[series["locality_code"].isin(scope)]
    return Assessment(as_of, catalog, None if series is None else series.reset_index(drop=True),
                      statuses.reset_index(drop=True))


def earlier_statuses(assessment: Assessment, as_of: int) -> pd.DataFrame:
    """The statuses of the same scope as of an earlier year, judged on the series already read: what
    assess(engine, as_of, locality_code, with_series=False).statuses gives, without reading the store again."""
    statuses = progress.statuses(assessment.series, progress.judged_pairs(assessment.catalog), as_of)
    in_scope = statuses["locality_code"].isin(assessment.statuses["locality_code"].unique())
    return statuses[in_scope].reset_index(drop=True)


def read_catalog(engine: Engine) -> Catalog:
    """The configuration the engine judges by, read from the store."""
    return Catalog(indicators=queries.indicators(engine), localities=queries.localities(engine),
                   plan_targets=queries.plan_targets(engine))


def scope_codes(localities: pd.DataFrame, locality_code: str) -> list[str]:
    children = localities.loc[localities["parent_code"] == locality_code, "code"].tolist()
    return [locality_code, *children]


def localities_read(catalog: Catalog, scope: list[str] | None) -> list[str] | None:
    """The scope and every descendant of it (their readings make its aggregates); None for all."""
    if scope is None:
        return None
    links = progress.ancestor_links(catalog.localities)
    needed = set(scope) | set(links.loc[links["ancestor_code"].isin(scope), "descendant_code"])
    return None if needed >= set(catalog.localities["code"]) else sorted(needed)
