"""The only kpi module that knows Streamlit: cached engine and loaders, invalidation after writes,
the login gate and the logged-in account, the demo banner and status badges.
"""

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from kpi import approvals as approval_store
from kpi import charts, comparison, overview, queries, report
from kpi import formatting as fmt
from kpi.assess import Assessment, assess
from kpi.auth import (MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ROLE_LABELS, Account, LoginRefused,
                      authenticate, create_first_admin, get_account, has_users)
from kpi.catalog import load_catalog
from kpi.db import database_url, make_engine
from kpi.exporting import readings_export
from kpi.presentation import describe_statuses
from kpi.problems import Rejected
from kpi.rights import rights_of
from kpi.templates import template_bytes

CACHE_TTL_SECONDS = 600
ACCOUNT_KEY = "account"
NOTICE_KEY = "login_notice"
REFUSAL_KEY = "login_refusal"
WRITE = "write"
ADMINISTER = "administer"
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
    """Statuses only: a city's yearly series is 600,000 rows at national scale, and every cache hit
    would copy it; trends are read per locality (locality_series)."""
    return assess(engine(), as_of, locality_code, with_series=False)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64)
def described(as_of: int, scope: str | None = None, locality_codes: tuple[str, ...] | None = None,
              indicator_code: str | None = None) -> pd.DataFrame:
    """Statuses in words (kpi.presentation.describe_statuses), only for the localities or the
    indicator asked for: describing thousands of localities at once takes seconds."""
    narrowed = overview.narrow(assessment(as_of, scope), None if locality_codes is None else list(locality_codes), indicator_code)
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
def overview_summary(as_of: int, scope: str | None) -> overview.Summary:
    """kpi.overview.summary of the scope: a few numbers instead of every status on each rerun."""
    return overview.summary(assessment(as_of, scope).statuses, localities(), scope)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32)
def ranking(as_of: int, scope: str | None, query: str = "") -> pd.DataFrame:
    """kpi.overview.ranking of the scope, worked out once per year, scope and search."""
    return overview.ranking(assessment(as_of, scope).statuses, localities(), scope, query)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64)
def locality_series(locality_code: str, indicator_code: str | None = None) -> pd.DataFrame:
    """kpi.comparison.locality_series: one locality's yearly series (one indicator's, if given), not
    the whole scope's (600,000 rows for the city at national scale, copied on every cache hit)."""
    return comparison.locality_series(engine(), locality_code, indicator_code)


# Figures are built once and shared by every session without a copy (st.cache_data would unpickle,
# and so re-validate, a plotly figure on every rerun). Callers only draw them: st.plotly_chart reads
# a copy of the figure and never changes it.


@st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=64)
def matrix_chart(as_of: int, scope: str | None, locality_codes: tuple[str, ...]) -> go.Figure:
    """kpi.charts.matrix_figure of these localities (an aggregate first if given). Do not modify it."""
    grid = overview.matrix(described(as_of, scope, locality_codes), list(locality_codes))
    return charts.matrix_figure(grid.status, grid.value, grid.detail, grid.hover)


@st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=64)
def ranking_chart(as_of: int, scope: str | None, query: str, page_number: int, page_size: int) -> go.Figure:
    """kpi.charts.ranking_figure of one page of the ranking. Do not modify it."""
    return charts.ranking_figure(overview.page(ranking(as_of, scope, query), page_number, page_size))


def invalidate() -> None:
    """After every write, so that a saved figure shows at once on every page."""
    st.cache_data.clear()
    matrix_chart.clear()
    ranking_chart.clear()


def page_header(title: str, *, requires: str | None = None) -> Account:
    """Every page starts the same way: the logged-in account is checked (pages can be opened without
    dashboard.py's gate, by URL in tests or by a stale session), then its title and the demo-data
    warning when there is any. `requires` (WRITE or ADMINISTER) refuses the page to other accounts."""
    current = account()
    if current is None:
        st.error("Hãy đăng nhập để xem trang này.", icon=":material/lock:")
        st.stop()
    st.title(title)
    rights = rights_of(current)
    if requires == WRITE and not rights.may_write:
        st.error(f"Tài khoản «{plain(current.name)}» chỉ có quyền xem: trang này dành cho cán bộ nhập liệu và quản "
                 "trị viên. Không có số liệu nào được ghi.", icon=":material/block:")
        st.stop()
    if requires == ADMINISTER and not rights.may_administer:
        st.error("Trang này chỉ dành cho quản trị viên.", icon=":material/block:")
        st.stop()
    count = demo_reading_count()
    if count:
        st.warning(f"Đang hiển thị **dữ liệu minh họa** ({fmt.format_integer(count)} số liệu demo, "
                   "không phải số liệu thật).", icon=":material/science:")
    return current


def status_badge(status: str) -> None:
    st.badge(fmt.STATUS_LABELS[status], color=STATUS_BADGE_COLOURS[status])


def status_markdown(status: str) -> str:
    """A status as a coloured badge inside Markdown (labels are ours, never user text)."""
    return f":{STATUS_BADGE_COLOURS[status]}-badge[{fmt.STATUS_LABELS[status]}]"


# Streamlit never renders this text as HTML, but as Markdown `*`, `_`, `[..](..)`, `:red[..]` or `$..$` in
# a name or a note would still become formatting, a link or a formula.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>$~|#])")


def plain(text: str) -> str:
    """User text (names, notes, messages quoting them) made inert inside Markdown elements."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


# --- Accounts: the login gate and the logged-in account ---


def account() -> Account | None:
    """The logged-in account as stored now. Re-read on every run (one indexed read), so that a
    disabled account is logged out and a changed role or locality applies at the next click."""
    held = st.session_state.get(ACCOUNT_KEY)
    if held is None:
        return None
    current = get_account(engine(), held.name)
    if current is None or current.id != held.id or not current.active:
        st.session_state.clear()
        st.session_state[NOTICE_KEY] = "Phiên làm việc đã kết thúc vì tài khoản không còn hoạt động. Hãy đăng nhập lại."
        return None
    st.session_state[ACCOUNT_KEY] = current
    return current


def login_gate() -> Account:
    """The logged-in account; otherwise the login form (or, on a database without any account, the
    creation of the first admin) is the app's only page, and the run ends."""
    current = account()
    if current is not None:
        return current
    # A run that calls no st.navigation falls back to the pages/ directory, which would list (and open)
    # every page: logged out, the app has exactly one page.
    st.navigation([st.Page(_login_page, title="Đăng nhập", icon=":material/login:")], position="hidden").run()
    st.stop()


def _login_page() -> None:
    if has_users(engine()):
        _login_form()
    else:
        _first_admin_form()


def _login_form() -> None:
    st.title("Đăng nhập")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice, icon=":material/info:")
    with st.form("login_form"):
        st.text_input("Tên đăng nhập", max_chars=MAX_NAME_LENGTH, key="login_name")
        st.text_input("Mật khẩu", type="password", max_chars=MAX_PASSWORD_LENGTH, key="login_password")
        st.form_submit_button("Đăng nhập", type="primary", on_click=_log_in)
    refusal = st.session_state.pop(REFUSAL_KEY, None)
    if refusal:
        st.error(refusal, icon=":material/error:")


def _log_in() -> None:
    state = st.session_state
    # Read, then forgotten: a typed password does not stay in the session.
    name, password = state["login_name"], state["login_password"]
    state["login_password"] = ""
    try:
        signed_in = authenticate(engine(), name, password)
    except LoginRefused as refused:
        state[REFUSAL_KEY] = refused.message
    else:
        _start_session(signed_in)


def _first_admin_form() -> None:
    st.title("Tạo tài khoản quản trị viên đầu tiên")
    st.info("Cơ sở dữ liệu chưa có tài khoản nào. Tạo tài khoản **quản trị viên** đầu tiên: tài khoản này quản lý các "
            "tài khoản khác (trang Quản trị) và phê duyệt số liệu. Khi đã có tài khoản, mọi trang đều yêu cầu đăng nhập.",
            icon=":material/admin_panel_settings:")
    with st.form("first_admin_form"):
        st.text_input("Tên đăng nhập", max_chars=MAX_NAME_LENGTH, key="first_admin_name",
                      help="Không dấu cách; không phân biệt chữ hoa, chữ thường.")
        st.text_input("Mật khẩu", type="password", max_chars=MAX_PASSWORD_LENGTH, key="first_admin_password",
                      help=f"Ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
        st.text_input("Nhập lại mật khẩu", type="password", max_chars=MAX_PASSWORD_LENGTH, key="first_admin_confirm")
        st.form_submit_button("Tạo tài khoản quản trị viên", type="primary", on_click=_create_first_admin)
    for message in st.session_state.pop(REFUSAL_KEY, None) or []:
        st.error(plain(message), icon=":material/error:")


def _create_first_admin() -> None:
    state = st.session_state
    name, password, confirm = state["first_admin_name"], state["first_admin_password"], state["first_admin_confirm"]
    state["first_admin_password"] = state["first_admin_confirm"] = ""
    if password != confirm:
        state[REFUSAL_KEY] = ["Hai lần nhập mật khẩu không khớp."]
        return
    try:
        created = create_first_admin(engine(), name, password)
    except Rejected as rejected:
        state[REFUSAL_KEY] = [problem.message for problem in rejected.problems]
    else:
        _start_session(created)


def _start_session(signed_in: Account) -> None:
    """From a callback: the run that follows draws the app for this account."""
    st.session_state.clear()
    st.session_state[ACCOUNT_KEY] = signed_in


def log_out() -> None:
    """A button callback: forget the account and everything the session held."""
    st.session_state.clear()


def account_sidebar(current: Account) -> None:
    with st.sidebar:
        st.text(f"Đăng nhập: {current.name}")
        st.caption(ROLE_LABELS[current.role])
        st.button("Đăng xuất", on_click=log_out, icon=":material/logout:", key="logout")


def approval(locality_code: str, year: int) -> approval_store.ApprovalState | None:
    """Not cached: a lock set by an admin in another process must show at once in the form."""
    return approval_store.approval_of(engine(), locality_code, year)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=16)
def approvals(year: int) -> pd.DataFrame:
    return approval_store.approvals(engine(), year)


# --- Meeting reports (pages/report.py) ---


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4)
def report_scopes() -> dict[str, str]:
    return report.scope_choices(localities())


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32)
def report_preview(year: int, locality_code: str) -> list[str]:
    """What the report will say first: its title, summary and reporting completeness."""
    content = report.build_content(engine(), year, locality_code)
    return [report.report_title(content), report.summary_paragraph(content), report.completeness_sentence(content)]
