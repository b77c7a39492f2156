"""Progress of a scope as of a year: the store read once, the engine run once."""

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from kpi.engine import progress
from kpi.engine.progress import Catalog
from kpi.store import queries, snapshot


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
    return evaluate_scope(engine, locality_code, up_to=None if with_series else as_of).assessment(
        as_of, with_series=with_series)


@dataclass(frozen=True)
class Evaluated:
    """A scope's readings read and evaluated once: its assessment as of any year costs only the
    judging (what a page needs for this year and the year before). Never modified once built."""

    catalog: Catalog
    # The scope's locality codes (the locality and its children); None for every locality.
    scope: list[str] | None
    evaluation: progress.Evaluation

    def assessment(self, as_of: int, *, with_series: bool = False, years: Sequence[int] | None = None) -> Assessment:
        """The statuses as of a year, and with_series the yearly series (of some years only, if given)."""
        # Only the scope's pairs are judged (the evaluation also holds the readings of its descendants).
        statuses = self.evaluation.statuses(as_of, self.scope)
        series = self.evaluation.series(years) if with_series else None
        if self.scope is not None and series is not None:
            series = series[series["locality_code"].isin(self.scope)]
        return Assessment(as_of, self.catalog, None if series is None else series.reset_index(drop=True),
                          statuses.reset_index(drop=True))

    def years(self) -> list[int]:
        """The years the scope's series has rows in."""
        return self.evaluation.years(self.scope)


def evaluate_scope(engine: Engine, locality_code: str | None = None, *, up_to: int | None = None) -> Evaluated:
    """The scope's readings (up to a year, if given: its assessments are then exact up to that year)."""
    catalog = read_catalog(engine)
    scope = None if locality_code is None else scope_codes(catalog.localities, locality_code)
    codes = localities_read(catalog, scope)
    if codes is None:
        readings = snapshot.whole_store(engine, up_to)
    else:
        readings = queries.readings(engine, localities=codes, up_to=up_to, ordered=False)
    return Evaluated(catalog, scope, progress.Evaluation.of(readings, catalog))


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
