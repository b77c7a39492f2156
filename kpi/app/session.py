"""Who is using the app: the login gate, the first admin's creation, the logged-in account
re-read on every run, logging out, and the header every page starts with.

Part of kpi.app, the only Streamlit-aware code.
"""

import streamlit as st

from kpi import formatting as fmt
from kpi.app.cache import demo_reading_count, engine
from kpi.app.widgets import plain
from kpi.problems import Rejected
from kpi.store.accounts import (
    MAX_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    ROLE_LABELS,
    Account,
    LoginRefused,
    authenticate,
    create_first_admin,
    get_account,
    has_users,
)
from kpi.store.rights import rights_of

ACCOUNT_KEY = "account"


NOTICE_KEY = "login_notice"


REFUSAL_KEY = "login_refusal"


WRITE = "write"


ADMINISTER = "administer"


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
