"""Who is using the app: the login gate, the first admin's creation, the login session looked up on
every run (kpi.store.sessions: by the row this tab holds, else by the browser's cookie), the page
asked for before logging in, the account menu, logging out, and the header every page starts with.

Part of kpi.app, the only Streamlit-aware code.
"""

import re
from urllib.parse import quote, urljoin, urlsplit

import streamlit as st

from kpi import formatting as fmt
from kpi.app.cache import demo_reading_count, engine
from kpi.app.cookies import COOKIE_NAME, TICKET_PATH
from kpi.app.widgets import plain
from kpi.problems import Rejected
from kpi.store import sessions
from kpi.store.accounts import (
    MAX_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    ROLE_LABELS,
    Account,
    LoginRefused,
    account_by_id,
    account_for_single_sign_on,
    authenticate,
    change_own_password,
    create_first_admin,
    has_users,
)
from kpi.store.models import utc_now
from kpi.store.rights import rights_of

# The LoginSession row this tab shares with the browser's other tabs, and, until the browser has
# traded it for the cookie, its one-time ticket.
SESSION_KEY = "login_session"
TICKET_KEY = "login_ticket"
# How recent a provider's sign-in must be to start a login session (_just_signed_in_by_provider).
SINGLE_SIGN_ON_FRESH_SECONDS = 300


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
        st.warning(f"Đang hiển thị **dữ liệu minh họa** ({fmt.format_integer(count)} số liệu minh họa, "
                   "không phải số liệu thật).", icon=":material/science:")
    return current


def account() -> Account | None:
    """The logged-in account as stored now, looked up on every run (two indexed reads): a logout in
    another tab, an idle or expired session, a disabled account or a changed password end the session
    at the next click, and a changed role or locality applies at once."""
    state = st.session_state
    held = state.get(SESSION_KEY)
    current = sessions.by_id(engine(), held) if held is not None else None
    if current is None and held is None:
        # A new tab, a reload or a bookmark: the browser's cookie (read when the page was opened).
        token = st.context.cookies.get(COOKIE_NAME)
        # (AppTest's context has no cookies, only a stand-in object.)
        current = sessions.by_token(engine(), token) if isinstance(token, str) and token else None
    signed_in = account_by_id(engine(), current.user_id) if current is not None else None
    if signed_in is None and held is None and _just_signed_in_by_provider():
        signed_in = _single_sign_on()
        current = sessions.by_id(engine(), state[SESSION_KEY]) if signed_in is not None else None
    if signed_in is None:
        if held is not None:
            state.clear()
            state[NOTICE_KEY] = ("Phiên đăng nhập đã kết thúc (đã đăng xuất, quá lâu không dùng, hoặc tài khoản đã "
                                 "thay đổi). Hãy đăng nhập lại.")
        return None
    state[SESSION_KEY] = current.session_id
    if current.has_cookie:
        state.pop(TICKET_KEY, None)
    return signed_in


def single_sign_on_configured() -> bool:
    """An [auth] section in Streamlit's secrets: people may sign in by the city's OpenID Connect provider."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def _signed_in_by_provider() -> bool:
    return single_sign_on_configured() and bool(st.user.is_logged_in)


def _just_signed_in_by_provider() -> bool:
    """Signed in by the provider moments ago. Streamlit remembers a provider's sign-in in its own cookie
    for long after; only a fresh one (its ID token's issue time) starts a login session, so that a
    session ended by a timeout or an admin is not silently started again."""
    if not _signed_in_by_provider():
        return False
    issued = st.user.get("iat")
    return isinstance(issued, int | float) and 0 <= utc_now().timestamp() - issued < SINGLE_SIGN_ON_FRESH_SECONDS


def _single_sign_on() -> Account | None:
    """The account of the person the provider signed in, with a login session of its own (so that
    logging out, timeouts and account changes apply as to any login); None if no account matches."""
    email, login = st.user.get("email"), st.user.get("preferred_username")
    matched = account_for_single_sign_on(engine(), email, login)
    if matched is None:
        st.session_state[NOTICE_KEY] = (f"Tài khoản «{email or login}» của hệ thống đăng nhập một lần chưa được cấp "
                                        "trong ứng dụng này. Hãy liên hệ quản trị viên.")
        return None
    _start_session(matched)
    return matched


def _set_cookie() -> None:
    """Until the browser has the cookie, a transparent one-pixel image asks the server to set it
    (kpi.app.cookies explains why a script run cannot)."""
    ticket, page_url = st.session_state.get(TICKET_KEY), st.context.url
    # (Without the page's address, as in AppTest, there is no browser to give a cookie to.)
    if ticket and page_url:
        st.image(urljoin(page_url, f"{TICKET_PATH}?ticket={quote(ticket)}"), width=1)


def _client_address() -> str | None:
    address = st.context.ip_address
    # (AppTest's context has no address, only a stand-in object.)
    return address if isinstance(address, str) else None


def login_gate() -> Account:
    """The logged-in account; otherwise the login form (or, on a database without any account, the
    creation of the first admin) is the app's only page, and the run ends."""
    current = account()
    if current is not None:
        return current
    # A run that calls no st.navigation falls back to the pages/ directory, which would list (and open)
    # every page: logged out, the app has exactly one page, the login form. It also answers at the
    # address that was opened (a bookmark, a link): a page's identity is its URL path, so once logged in,
    # the next run lands on the page that address names.
    login = [st.Page(_login_page, title="Đăng nhập", icon=":material/login:", default=True)]
    requested = _requested_path()
    if requested:
        login.append(st.Page(_login_page, title="Đăng nhập", icon=":material/login:", url_path=requested))
    st.navigation(login, position="hidden").run()
    st.stop()


def _requested_path() -> str:
    """The page address the browser opened ("locality" for …/locality), if it can name a page."""
    path = urlsplit(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    return path if _PAGE_PATH.fullmatch(path) else ""


_PAGE_PATH = re.compile(r"[a-z][a-z0-9_-]{0,40}")


def _login_page() -> None:
    if has_users(engine()):
        _login_form()
    else:
        _first_admin_form()


def _login_form() -> None:
    st.title("Đăng nhập")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(plain(notice), icon=":material/info:")
    if single_sign_on_configured():
        if st.button("Đăng nhập một lần (SSO)", type="primary", icon=":material/badge:", key="single_sign_on"):
            st.login()
        st.caption("Hoặc đăng nhập bằng tài khoản riêng của ứng dụng:")
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
        signed_in = authenticate(engine(), name, password, address=_client_address())
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
    """From a callback: a new login session, and the run that follows draws the app for it."""
    state = st.session_state
    started = sessions.start(engine(), signed_in.id)
    state.clear()
    state[SESSION_KEY], state[TICKET_KEY] = started.session_id, started.ticket


def log_out() -> None:
    """A button callback: the session ends for every tab of this browser; this tab forgets everything."""
    held = st.session_state.get(SESSION_KEY)
    if held is not None:
        sessions.end(engine(), held)
    st.session_state.clear()
    st.session_state[NOTICE_KEY] = "Đã đăng xuất."
    # Otherwise the provider's sign-in, still remembered by Streamlit, would sign the browser in again.
    if _signed_in_by_provider():
        st.logout()


def account_menu(current: Account) -> None:
    """The account at the top right, beside the navigation: who is logged in, changing one's own
    password, logging out. The sidebar stays empty, hence hidden."""
    with st.container(horizontal=True, horizontal_alignment="right"):
        _set_cookie()
        with st.popover(current.full_name or current.name, icon=":material/account_circle:"):
            st.markdown(f"**{plain(current.label)}**")
            st.caption(f"{ROLE_LABELS[current.role]}" + (f" · {plain(current.contact)}" if current.contact else ""))
            st.button("Đăng xuất", on_click=log_out, icon=":material/logout:", key="logout")
            with st.expander("Đổi mật khẩu", icon=":material/key:"):
                with st.form("own_password", border=False):
                    st.text_input("Mật khẩu hiện tại", type="password", max_chars=MAX_PASSWORD_LENGTH,
                                  key="own_password_old")
                    st.text_input("Mật khẩu mới", type="password", max_chars=MAX_PASSWORD_LENGTH,
                                  key="own_password_new", help=f"Ít nhất {MIN_PASSWORD_LENGTH} ký tự, không chứa "
                                  "tên đăng nhập, không phải mật khẩu phổ biến.")
                    st.text_input("Nhập lại mật khẩu mới", type="password", max_chars=MAX_PASSWORD_LENGTH,
                                  key="own_password_confirm")
                    st.form_submit_button("Đổi mật khẩu", on_click=_change_own_password, args=(current,))
                outcome = st.session_state.pop(OWN_PASSWORD_KEY, None)
                if outcome:
                    succeeded, messages = outcome
                    for message in messages:
                        (st.success if succeeded else st.error)(plain(message))


OWN_PASSWORD_KEY = "own_password_outcome"


def _change_own_password(current: Account) -> None:
    state = st.session_state
    old, new, confirm = state["own_password_old"], state["own_password_new"], state["own_password_confirm"]
    state["own_password_old"] = state["own_password_new"] = state["own_password_confirm"] = ""
    if new != confirm:
        state[OWN_PASSWORD_KEY] = (False, ["Hai lần nhập mật khẩu mới không khớp."])
        return
    try:
        change_own_password(engine(), current.id, old, new)
    except Rejected as rejected:
        state[OWN_PASSWORD_KEY] = (False, [problem.message for problem in rejected.problems])
        return
    # Every session of the account ended, this one too: this tab goes on in a new one.
    _start_session(current)
    state[OWN_PASSWORD_KEY] = (True, ["Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản này đã kết thúc."])
