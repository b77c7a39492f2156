"""The only kpi module that knows Streamlit: cached engine and loaders, invalidation after writes,
the demo banner, status badges and who is entering figures.
"""

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi import queries, report
from kpi.assess import Assessment, assess
from kpi.catalog import load_catalog
from kpi.db import database_url, make_engine
from kpi.exporting import readings_export
from kpi.overview import narrow
from kpi.presentation import describe_statuses
from kpi.templates import template_bytes

CACHE_TTL_SECONDS = 600
USER_NAME_LABEL = "Họ tên người nhập (bắt buộc)"
# Streamlit's named colours, set to kpi.formatting.STATUS_COLOURS in .streamlit/config.toml, so a
# badge has the same colour as the status in every chart.
STATUS_BADGE_COLOURS = {
    "achieved": "green",
    "on_track": "blue",
    "off_track": "orange",
    "regressing": "red",
    "insufficient_data": "violet",
    "no_data": "gray",
}


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
    return assess(engine(), as_of, locality_code)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64)
def described(as_of: int, scope: str | None = None, locality_codes: tuple[str, ...] | None = None,
              indicator_code: str | None = None) -> pd.DataFrame:
    """Statuses in words (kpi.presentation.describe_statuses), only for the localities or the
    indicator asked for: describing thousands of localities at once takes seconds."""
    narrowed = narrow(assessment(as_of, scope), None if locality_codes is None else list(locality_codes), indicator_code)
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


def invalidate() -> None:
    """After every write, so that a saved figure shows at once on every page."""
    st.cache_data.clear()


def page_header(title: str) -> None:
    """Every page starts the same way: its title, then the demo-data warning when there is any."""
    st.title(title)
    count = demo_reading_count()
    if count:
        st.warning(f"Đang hiển thị **dữ liệu minh họa** ({fmt.format_integer(count)} số liệu demo, "
                   "không phải số liệu thật).", icon=":material/science:")


def status_badge(status: str) -> None:
    st.badge(fmt.STATUS_LABELS[status], color=STATUS_BADGE_COLOURS[status])


def status_markdown(status: str) -> str:
    """A status as a coloured badge inside Markdown (labels are ours, never user text)."""
    return f":{STATUS_BADGE_COLOURS[status]}-badge[{fmt.STATUS_LABELS[status]}]"


def current_user_name() -> str | None:
    """Who is entering figures. Until login exists, nobody is known and the forms ask."""
    return st.session_state.get("user_name")


def user_name_field(key: str) -> str | None:
    """The signed-in user, or a required "Họ tên người nhập" field; None while it is empty."""
    known = current_user_name()
    if known:
        st.text(f"Người nhập: {known}")
        return known
    typed = st.text_input(USER_NAME_LABEL, key=key, max_chars=100)
    return typed.strip() or None


def entered_by(key: str) -> str | None:
    """The name given by user_name_field, read from a callback (a form's values live in session state)."""
    return current_user_name() or (st.session_state.get(key) or "").strip() or None


# --- Meeting reports (pages/report.py) ---


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def report_scopes() -> dict[str, str]:
    return report.scope_choices(queries.localities(engine()))


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32)
def report_preview(year: int, locality_code: str) -> list[str]:
    """What the report will say first: its title, summary and reporting completeness."""
    content = report.build_content(engine(), year, locality_code)
    return [report.report_title(content), report.summary_paragraph(content), report.completeness_sentence(content)]
