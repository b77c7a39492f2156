"""The only kpi module that knows Streamlit: cached engine and loaders, invalidation after writes."""

import streamlit as st
from sqlalchemy import Engine

from kpi import queries, report
from kpi.assess import Assessment, assess
from kpi.catalog import load_catalog
from kpi.db import database_url, make_engine
from kpi.formatting import format_integer

CACHE_TTL_SECONDS = 600


@st.cache_resource
def engine() -> Engine:
    return make_engine(database_url())


@st.cache_resource
def ensure_database() -> None:
    """Create the schema and load the catalogue on first use (a fresh install needs no command)."""
    load_catalog(engine())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32)
def assessment(as_of: int, locality_code: str | None = None) -> Assessment:
    return assess(engine(), as_of, locality_code)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def latest_year() -> int | None:
    return queries.latest_year(engine())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def demo_reading_count() -> int:
    return queries.demo_reading_count(engine())


def invalidate() -> None:
    """After every write, so that a saved figure shows at once on every page."""
    st.cache_data.clear()


def demo_banner() -> None:
    count = demo_reading_count()
    if count:
        st.warning(f"Đang hiển thị **dữ liệu minh họa** ({format_integer(count)} số liệu demo, không phải số liệu thật).",
                   icon="🧪")


# --- Meeting reports (pages/report.py) ---


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def report_scopes() -> dict[str, str]:
    return report.scope_choices(queries.localities(engine()))


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32)
def report_preview(year: int, locality_code: str) -> list[str]:
    """What the report will say first: its title, summary and reporting completeness."""
    content = report.build_content(engine(), year, locality_code)
    return [report.report_title(content), report.summary_paragraph(content), report.completeness_sentence(content)]
