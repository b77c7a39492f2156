"""The app's reads of the store, cached per process: the engine, the catalogue, readings,
assessments and the figures built from them, and invalidation after a write.

Part of kpi.app, the only Streamlit-aware code; imports every layer below it.
"""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from kpi.app import charts
from kpi.app import indicator as comparison
from kpi.app.overview import in_group, page
from kpi.engine import scope as scope_overview
from kpi.engine.assess import Assessment, assess
from kpi.engine.describe import describe_statuses
from kpi.files.catalogue import load_catalog
from kpi.files.export import readings_export
from kpi.files.templates import template_bytes
from kpi.report import content as report
from kpi.store import approvals as approval_store
from kpi.store import queries
from kpi.store.db import database_url, make_engine

CACHE_TTL_SECONDS = 600


@st.cache_resource
def _engine(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    return _engine(database_url())


@st.cache_resource
def _ensure_database(url: str) -> None:
    load_catalog(_engine(url))


def ensure_database() -> None:
    """Create the schema and load the catalogue on first use (a fresh install needs no command)."""
    _ensure_database(database_url())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32)
def assessment(as_of: int, locality_code: str | None = None) -> Assessment:
    """Statuses only: a city's yearly series is 600,000 rows at national scale, and every cache hit
    would copy it; trends are read per locality (locality_series)."""
    return assess(engine(), as_of, locality_code, with_series=False)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64)
def described(as_of: int, scope: str | None = None, locality_codes: tuple[str, ...] | None = None,
              indicator_code: str | None = None) -> pd.DataFrame:
    """Statuses in words (kpi.presentation.describe_statuses), only for the localities or the
    indicator asked for: describing thousands of localities at once takes seconds."""
    narrowed = scope_overview.narrow(assessment(as_of, scope), None if locality_codes is None else list(locality_codes), indicator_code)
    return describe_statuses(narrowed)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def indicators() -> pd.DataFrame:
    return queries.indicators(engine())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def localities() -> pd.DataFrame:
    return queries.localities(engine())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def plans() -> pd.DataFrame:
    return queries.plans(engine())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def plan_targets() -> pd.DataFrame:
    return queries.plan_targets(engine())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=2)
def readings() -> pd.DataFrame:
    """Every reading with who, when, how, note and the demo flag."""
    return queries.readings(engine(), full=True)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=2)
def readings_for_export() -> pd.DataFrame:
    return readings_export(engine())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64)
def history(locality_code: str, indicator_code: str, year: int) -> pd.DataFrame:
    return queries.history(engine(), locality_code, indicator_code, year)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def import_batches() -> pd.DataFrame:
    return queries.import_batches(engine())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def latest_year() -> int | None:
    return queries.latest_year(engine())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def demo_reading_count() -> int:
    return queries.demo_reading_count(engine())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=16)
def template(locality_code: str | None, year: int, file_format: str) -> bytes:
    return template_bytes(engine(), locality_code, year, file_format)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32)
def overview_summary(as_of: int, scope: str | None) -> scope_overview.Summary:
    """kpi.engine.scope.summary of the scope: a few numbers instead of every status on each rerun."""
    return scope_overview.summary(assessment(as_of, scope).statuses, localities(), scope)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32)
def ranking(as_of: int, scope: str | None, query: str = "") -> pd.DataFrame:
    """kpi.engine.scope.ranking of the scope, worked out once per year, scope and search."""
    return scope_overview.ranking(assessment(as_of, scope).statuses, localities(), scope, query)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32)
def ordered_ranking(as_of: int, scope: str | None, query: str, by: str, descending: bool) -> pd.DataFrame:
    """The ranking in the order asked for, before it is cut into pages (kpi.engine.scope.order_localities)."""
    return scope_overview.order_localities(ranking(as_of, scope, query), assessment(as_of, scope).statuses, by, descending)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32)
def not_reported(as_of: int, scope: str | None) -> pd.DataFrame:
    """kpi.engine.scope.not_reported: the localities of the scope with no figure for the year."""
    return scope_overview.not_reported(assessment(as_of, scope).statuses, localities(), scope)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32)
def behind(as_of: int, locality_code: str) -> pd.DataFrame:
    """kpi.engine.scope.behind_indicators of one locality or aggregate, against the year before."""
    previous = assessment(as_of - 1, locality_code).statuses
    return scope_overview.behind_indicators(described(as_of, locality_code, (locality_code,)), previous, locality_code,
                                            limit=None)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64)
def locality_series(locality_code: str, indicator_code: str | None = None) -> pd.DataFrame:
    """kpi.app.indicator.locality_series: one locality's yearly series (one indicator's, if given), not
    the whole scope's (600,000 rows for the city at national scale, copied on every cache hit)."""
    return comparison.locality_series(engine(), locality_code, indicator_code)


# Figures are built once and shared by every session without a copy (st.cache_data would unpickle,
# and so re-validate, a plotly figure on every rerun). Callers only draw them: st.plotly_chart reads
# a copy of the figure and never changes it.
@st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=64)
def matrix_chart(as_of: int, scope: str | None, locality_codes: tuple[str, ...], group: str) -> go.Figure:
    """kpi.app.charts.matrix_figure of these localities (an aggregate first if given) and the
    indicators of a group (kpi.app.overview.in_group). Do not modify it."""
    grid = matrix_grid(as_of, scope, locality_codes, group)
    return charts.matrix_figure(grid.status, grid.value, grid.hover, grid.short)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64)
def matrix_grid(as_of: int, scope: str | None, locality_codes: tuple[str, ...], group: str) -> scope_overview.Matrix:
    """kpi.engine.scope.matrix of these localities and the indicators of a group (the printed page's table)."""
    return scope_overview.matrix(in_group(described(as_of, scope, locality_codes), group), list(locality_codes))


@st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=64)
def ranking_chart(as_of: int, scope: str | None, query: str, page_number: int, page_size: int, by: str = "rank",
                  descending: bool = False) -> go.Figure:
    """kpi.app.charts.ranking_figure of one page of the ranking, in the order asked for. Do not modify it."""
    return charts.ranking_figure(page(ordered_ranking(as_of, scope, query, by, descending), page_number, page_size))


def invalidate() -> None:
    """After every write, so that a saved figure shows at once on every page."""
    st.cache_data.clear()
    matrix_chart.clear()
    ranking_chart.clear()


def approval(locality_code: str, year: int) -> approval_store.ApprovalState | None:
    """Not cached: a lock set by an admin in another process must show at once in the form."""
    return approval_store.approval_of(engine(), locality_code, year)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=16)
def approvals(year: int) -> pd.DataFrame:
    return approval_store.approvals(engine(), year)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def report_scopes() -> dict[str, str]:
    return report.scope_choices(localities())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32)
def report_preview(year: int, locality_code: str) -> list[str]:
    """What the report will say first: its title, summary and reporting completeness."""
    content = report.build_content(engine(), year, locality_code)
    return [report.report_title(content), report.summary_paragraph(content), report.completeness_sentence(content)]
