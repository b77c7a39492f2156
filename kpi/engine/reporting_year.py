"""Which year a screen shows (shared/spec/domain.md, "Which year a screen shows"): the reporting
year of a scope, and whether a figure of a year is built from too few localities to be read alone.

The reporting year of a scope is the latest year in which at least half of the localities expected
to report (the scope and its descendants whose plan has at least one indicator) have at least one
reading; where no year reaches half, the latest year with any reading; where there is none, the
previous calendar year. A single locality is its own scope, so its reporting year is its latest year
with a reading.
"""

import pandas as pd
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.engine.assess import Evaluated
from kpi.engine.progress import ancestor_links
from kpi.store import queries
from kpi.years import current_year


def reporting_year_of(engine: Engine, scope_code: str | None = None) -> int:
    """The year every page, report and command opens on for this scope (None: every locality)."""
    expected = expected_localities(queries.localities(engine), queries.plan_targets(engine), scope_code)
    return reporting_year(queries.reported_years(engine), expected, current_year())


def evaluated_reporting_year(evaluated: Evaluated, scope_code: str | None = None) -> int:
    """reporting_year_of, from readings already read for the scope (kpi.engine.assess.evaluate_scope)."""
    catalog = evaluated.catalog
    expected = expected_localities(catalog.localities, catalog.plan_targets, scope_code)
    return reporting_year(evaluated.evaluation.reported_years(), expected, current_year())


def expected_localities(localities: pd.DataFrame, plan_targets: pd.DataFrame, scope_code: str | None) -> set[str]:
    """The localities of a scope that are expected to report: it and its descendants, those whose
    plan has at least one indicator."""
    planned = localities["plan_code"].isin(set(plan_targets["plan_code"]))
    with_plan = set(localities.loc[planned, "code"])
    if scope_code is None:
        return with_plan
    links = ancestor_links(localities)
    scope = {scope_code} | set(links.loc[links["ancestor_code"] == scope_code, "descendant_code"])
    return scope & with_plan


def reporting_year(reported_years: pd.DataFrame, expected: set[str], this_year: int) -> int:
    """The rule of the module docstring, on (locality_code, year) pairs with at least one reading."""
    own = reported_years[reported_years["locality_code"].isin(expected)]
    if own.empty:
        return this_year - 1
    per_year = own.drop_duplicates().groupby("year").size()
    enough = per_year[per_year * 2 >= len(expected)]
    return int((enough if not enough.empty else per_year).index.max())


def is_partial(reported: int, expected: int) -> bool:
    """A figure built from fewer than half of the localities expected is not the scope's figure."""
    return reported * 2 < expected


def partial_warning(reported: int, expected: int) -> str | None:
    """The mark an aggregate carries wherever it is shown, in the app and the reports."""
    if not is_partial(reported, expected):
        return None
    return (f"chỉ {fmt.format_integer(reported)}/{fmt.format_integer(expected)} địa phương đã báo cáo: "
            "số liệu tổng hợp chưa đại diện cho cả địa bàn")
