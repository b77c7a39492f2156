"""The app's reads of the store, cached per process: the engine, the catalogue, readings,
assessments and the figures built from them.

Every cached read is keyed by the data version (kpi.store.version), read from the database once
per run of a page (refresh_data_version, called by dashboard.py): any write, from this process,
another one or the command line, raises it, so the next rerun of every session reads afresh.
Entries of older versions are never hit again: the first run of a process to see a newer version
empties every versioned cache (forget_older_versions).

Part of kpi.app, the only Streamlit-aware code; imports every layer below it.
"""

import functools
import inspect
import threading
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from kpi.app import charts
from kpi.app import indicator as comparison
from kpi.app.overview import in_group, page
from kpi.engine import scope as scope_overview
from kpi.engine import timeliness
from kpi.engine.assess import Assessment, Evaluated, evaluate_scope
from kpi.engine.describe import describe_statuses
from kpi.engine.reporting_year import evaluated_reporting_year
from kpi.files.catalogue import LocalityChanges, add_localities, load_catalog
from kpi.files.export import readings_export
from kpi.files.templates import template_bytes
from kpi.problems import Problem, Rejected
from kpi.report import content as report
from kpi.store import cycle, queries, version
from kpi.store.db import database_url, make_engine
from kpi.years import today

VERSION_KEY = "data_version"
T = TypeVar("T")


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


def refresh_data_version() -> int:
    """Read the data version (one primary-key read): at the start of every run, and after a write
    made by this session, so that the rest of the run shows it."""
    st.session_state[VERSION_KEY] = version.current(engine())
    forget_older_versions(st.session_state[VERSION_KEY])
    return st.session_state[VERSION_KEY]


# Every cache keyed by the data version, and the newest version this process has seen.
_VERSIONED: list = []
_newest = {"version": 0}
_newest_lock = threading.Lock()


def forget_older_versions(seen: int) -> None:
    """Empty every versioned cache once a newer version is seen: the version only grows, so their
    entries would never be read again, and at national scale each holds megabytes (an assessment of
    3,300 localities) until max_entries would push it out, dozens of writes later."""
    with _newest_lock:
        if seen <= _newest["version"]:
            return
        _newest["version"] = seen
    for cached in _VERSIONED:
        cached.clear()


def data_version() -> int:
    held = st.session_state.get(VERSION_KEY)
    return refresh_data_version() if held is None else held


def _versioned(cache: Callable, max_entries: int) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """cache (st.cache_data or st.cache_resource) of a read, with the data version in its key."""
    def decorate(read: Callable[..., T]) -> Callable[..., T]:
        def keyed(data_version: int, *args, **kwargs) -> T:
            return read(*args, **kwargs)

        # Streamlit tells cached functions apart by module and qualified name: the read's.
        keyed.__module__, keyed.__qualname__ = read.__module__, read.__qualname__
        cached = cache(max_entries=max_entries)(keyed)
        _VERSIONED.append(cached)

        signature = inspect.signature(read)

        @functools.wraps(read)
        def current(*args, **kwargs) -> T:
            # One key per call whatever its spelling: ranking(year, scope) and ranking(year, scope, "")
            # are one entry, computed once.
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return cached(data_version(), *bound.args, **bound.kwargs)

        current.clear = cached.clear
        return current

    return decorate


def cached_data(max_entries: int):
    return _versioned(st.cache_data, max_entries)


def cached_resource(max_entries: int):
    return _versioned(st.cache_resource, max_entries)


# Shared without a copy and never modified; two entries: the scope a page shows and one more.
@cached_resource(2)
def evaluated(locality_code: str | None = None) -> Evaluated:
    """The scope's readings read and evaluated once per data version: this year's assessment, the
    year before's and the reporting year all come from it."""
    return evaluate_scope(engine(), locality_code)


@cached_data(32)
def assessment(as_of: int, locality_code: str | None = None) -> Assessment:
    """Statuses only: a city's yearly series is 600,000 rows at national scale, and every cache hit
    would copy it; trends are read per locality (locality_series)."""
    return evaluated(locality_code).assessment(as_of)


@cached_data(64)
def described(as_of: int, scope: str | None = None, locality_codes: tuple[str, ...] | None = None,
              indicator_code: str | None = None) -> pd.DataFrame:
    """Statuses in words (kpi.presentation.describe_statuses), only for the localities or the
    indicator asked for: describing thousands of localities at once takes seconds."""
    narrowed = scope_overview.narrow(assessment(as_of, scope), None if locality_codes is None else list(locality_codes), indicator_code)
    return describe_statuses(narrowed)


@cached_data(4)
def indicators() -> pd.DataFrame:
    return queries.indicators(engine())


@cached_data(4)
def localities() -> pd.DataFrame:
    return queries.localities(engine())


@cached_data(4)
def plans() -> pd.DataFrame:
    return queries.plans(engine())


@cached_data(4)
def plan_targets() -> pd.DataFrame:
    return queries.plan_targets(engine())


@cached_data(16)
def locality_readings(locality_code: str) -> pd.DataFrame:
    """One locality's readings with who, when, how, note and the demo flag: what its form and its
    approval show. (Every reading of the store, read for one form, took 5 s and 800 MB at 3,300
    localities, after every save.)"""
    return queries.readings(engine(), full=True, localities=[locality_code])


@cached_data(4)
def stored_readings() -> queries.StoredReadings:
    return queries.stored_readings(engine())


@cached_data(16)
def reading_count(chosen: queries.ReadingFilter) -> int:
    return queries.reading_count(engine(), chosen)


@cached_data(16)
def readings_listed(chosen: queries.ReadingFilter, limit: int) -> pd.DataFrame:
    """The first readings a filter covers, in the export's layout: the Dữ liệu page lists a few thousand
    (every reading of 3,300 localities, read for the page, took 6 s and 830 MB)."""
    return readings_export(engine(), chosen, limit)


@cached_data(64)
def history(locality_code: str, indicator_code: str, year: int) -> pd.DataFrame:
    return queries.history(engine(), locality_code, indicator_code, year)


@cached_data(4)
def import_batches() -> pd.DataFrame:
    return queries.import_batches(engine())


@cached_data(4)
def latest_year() -> int | None:
    return queries.latest_year(engine())


@cached_data(64)
def reporting_year(scope: str | None) -> int:
    """kpi.engine.reporting_year.reporting_year_of: the year a page of this scope opens on."""
    return evaluated_reporting_year(evaluated(scope), scope)


@cached_data(4)
def demo_reading_count() -> int:
    return queries.demo_reading_count(engine())


@cached_data(16)
def template(locality_code: str | None, year: int, file_format: str) -> bytes:
    return template_bytes(engine(), locality_code, year, file_format)


@cached_data(32)
def overview_summary(as_of: int, scope: str | None) -> scope_overview.Summary:
    """kpi.engine.scope.summary of the scope: a few numbers instead of every status on each rerun."""
    return scope_overview.summary(assessment(as_of, scope).statuses, localities(), scope)


@cached_data(32)
def ranking(as_of: int, scope: str | None, query: str = "") -> pd.DataFrame:
    """kpi.engine.scope.ranking of the scope, worked out once per year, scope and search."""
    return scope_overview.ranking(assessment(as_of, scope).statuses, localities(), scope, query)


@cached_data(32)
def ordered_ranking(as_of: int, scope: str | None, query: str, by: str, descending: bool) -> pd.DataFrame:
    """The ranking in the order asked for, before it is cut into pages (kpi.engine.scope.order_localities)."""
    return scope_overview.order_localities(ranking(as_of, scope, query), assessment(as_of, scope).statuses, by, descending)


@cached_data(32)
def not_reported(as_of: int, scope: str | None) -> pd.DataFrame:
    """kpi.engine.scope.not_reported: the localities of the scope with no figure for the year."""
    return scope_overview.not_reported(assessment(as_of, scope).statuses, localities(), scope)


@cached_data(32)
def behind(as_of: int, locality_code: str) -> pd.DataFrame:
    """kpi.engine.scope.behind_indicators of one locality or aggregate, against the year before (judged
    for that locality alone: not the 49,002 statuses of 3,300 localities again after every write)."""
    previous = evaluated(locality_code).evaluation.statuses(as_of - 1, [locality_code])
    return scope_overview.behind_indicators(described(as_of, locality_code, (locality_code,)), previous, locality_code,
                                            limit=None)


@cached_data(64)
def locality_series(locality_code: str, indicator_code: str | None = None) -> pd.DataFrame:
    """kpi.app.indicator.locality_series: one locality's yearly series (one indicator's, if given), not
    the whole scope's (600,000 rows for the city at national scale, copied on every cache hit)."""
    return comparison.locality_series(engine(), locality_code, indicator_code)


# Figures are built once and shared by every session without a copy (st.cache_data would unpickle,
# and so re-validate, a plotly figure on every rerun). Callers only draw them: st.plotly_chart reads
# a copy of the figure and never changes it.
@cached_resource(64)
def matrix_chart(as_of: int, scope: str | None, locality_codes: tuple[str, ...], group: str) -> go.Figure:
    """kpi.app.charts.matrix_figure of these localities (an aggregate first if given) and the
    indicators of a group (kpi.app.overview.in_group). Do not modify it."""
    grid = matrix_grid(as_of, scope, locality_codes, group)
    return charts.matrix_figure(grid.status, grid.value, grid.hover, grid.short)


@cached_data(64)
def matrix_grid(as_of: int, scope: str | None, locality_codes: tuple[str, ...], group: str) -> scope_overview.Matrix:
    """kpi.engine.scope.matrix of these localities and the indicators of a group (the printed page's table)."""
    return scope_overview.matrix(in_group(described(as_of, scope, locality_codes), group), list(locality_codes))


@cached_resource(64)
def ranking_chart(as_of: int, scope: str | None, query: str, page_number: int, page_size: int, by: str = "rank",
                  descending: bool = False) -> go.Figure:
    """kpi.app.charts.ranking_figure of one page of the ranking, in the order asked for. Do not modify it."""
    return charts.ranking_figure(page(ordered_ranking(as_of, scope, query, by, descending), page_number, page_size))


def invalidate() -> None:
    """After a write by this session: the rest of this run reads at the new data version."""
    refresh_data_version()


def year_state(locality_code: str, year: int) -> cycle.YearState:
    """Not cached: a submission, return or lock made in another process must show at once in the form."""
    return cycle.state_of(engine(), locality_code, year)


@cached_data(64)
def missing_indicators(locality_code: str, year: int) -> list[str]:
    return cycle.missing_indicators(engine(), locality_code, year)


@cached_data(16)
def approvals(year: int) -> pd.DataFrame:
    return cycle.approvals(engine(), year)


@cached_data(16)
def _reporting(year: int, scope: str | None, on) -> pd.DataFrame:
    return timeliness.reporting(engine(), year, scope, on)


def reporting(year: int, scope: str | None) -> pd.DataFrame:
    """kpi.engine.timeliness.reporting of the scope, judged today (part of the key: it changes at midnight)."""
    return _reporting(year, scope, today())


@cached_data(16)
def _reporting_cycle(year: int, scope: str | None, on) -> timeliness.CycleCounts:
    return scope_overview.reporting_cycle(engine(), year, scope, on)


def reporting_cycle(year: int, scope: str | None) -> timeliness.CycleCounts:
    """kpi.engine.scope.reporting_cycle of the scope, judged today."""
    return _reporting_cycle(year, scope, today())


@cached_data(4)
def report_scopes() -> dict[str, str]:
    return report.scope_choices(localities())


@cached_data(32)
def report_preview(year: int, locality_code: str) -> list[str]:
    """What the report will say first: its title, summary and reporting completeness."""
    content = report.build_content(engine(), year, locality_code)
    return [report.report_title(content), report.summary_paragraph(content), report.completeness_sentence(content)]


@cached_data(8)
def localities_preview(data: bytes, file_name: str) -> LocalityChanges | list[Problem]:
    """What a localities file would change (a dry run), or its problems: once per file and data version."""
    try:
        return add_localities(engine(), data, file_name, dry_run=True)
    except Rejected as rejected:
        return rejected.problems
