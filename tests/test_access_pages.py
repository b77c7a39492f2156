"""Login, navigation by role, rights and locks in the pages, and the admin pages, through AppTest
against a real SQLite file. The rules themselves are enforced (and tested) in kpi/; these tests show
that the pages ask for them and say what happened."""

import re

import pytest
from conftest import PROJECT_DIR
from streamlit.testing.v1 import AppTest

from kpi.app import cache, entry, session, widgets
from kpi.store import accounts as auth
from kpi.store import cycle, queries, sessions
from kpi.store.accounts import LOGIN_REFUSED, create_user, get_account
from kpi.store.demo import load_demo

DASHBOARD = str(PROJECT_DIR / "dashboard.py")
PASSWORD = "mật khẩu thử nghiệm"
WRITING_PAGES = ["pages/entry.py", "pages/upload.py"]
ADMIN_PAGES = ["pages/approvals.py", "pages/users.py"]


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


@pytest.fixture
def app_db(engine, database_url, monkeypatch, served_navigation):
    monkeypatch.setenv("KPI_DATABASE_URL", database_url)
    return engine


@pytest.fixture
def accounts(app_db):
    """An admin, an editor of xã Lạc Phượng, a viewer, over the demo data."""
    load_demo(app_db)
    return {
        "admin": create_user(app_db, "quantri", PASSWORD, "admin"),
        "editor": create_user(app_db, "canbo_lp", PASSWORD, "editor", ["LAC_PHUONG"]),
        "viewer": create_user(app_db, "lanhdao", PASSWORD, "viewer"),
    }


def texts(elements) -> list[str]:
    """As the user reads them: without the backslashes that keep user text from being Markdown."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def run_app(account=None, page: str | None = None) -> AppTest:
    """The app in a new browser session, logged in as `account` (a login tested separately)."""
    app = AppTest.from_file(DASHBOARD, default_timeout=60)
    if account is not None:
        app.session_state[session.SESSION_KEY] = sessions.start(cache.engine(), account.id).session_id
    app.run()
    if page is not None:
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def in_navigation(app: AppTest, page: str) -> bool:
    """AppTest can switch only to a page the last run registered with st.navigation."""
    try:
        app.switch_page(page)
    except ValueError as error:
        assert "Could not find a navigation page" in str(error)
        return False
    return True


def log_in(app: AppTest, name: str, password: str) -> AppTest:
    app.text_input(key="login_name").set_value(name)
    app.text_input(key="login_password").set_value(password)
    return button(app, "Đăng nhập").click().run()


def test_a_fresh_database_offers_the_first_admin_and_only_then(app_db):
    app = run_app()
    assert texts(app.title) == ["Tạo tài khoản quản trị viên đầu tiên"]
    assert not [b for b in app.button if b.label == "Đăng nhập"]

    app.text_input(key="first_admin_name").set_value("QuanTri")
    app.text_input(key="first_admin_password").set_value(PASSWORD)
    app.text_input(key="first_admin_confirm").set_value(PASSWORD + "x")
    button(app, "Tạo tài khoản quản trị viên").click().run()
    assert "Hai lần nhập mật khẩu không khớp." in texts(app.error)
    assert not auth.has_users(app_db)

    app.text_input(key="first_admin_password").set_value("ngắn")
    app.text_input(key="first_admin_confirm").set_value("ngắn")
    button(app, "Tạo tài khoản quản trị viên").click().run()
    assert f"Mật khẩu phải có ít nhất {auth.MIN_PASSWORD_LENGTH} ký tự." in texts(app.error)
    assert not auth.has_users(app_db)

    app.text_input(key="first_admin_password").set_value(PASSWORD)
    app.text_input(key="first_admin_confirm").set_value(PASSWORD)
    button(app, "Tạo tài khoản quản trị viên").click().run()
    assert not app.exception
    created = get_account(app_db, "quantri")
    assert (created.role, created.active) == ("admin", True)
    # Logged in at once, as an admin.
    assert texts(app.title) == ["Tổng quan tiến độ đến năm 2030"]
    assert all(in_navigation(app, page) for page in WRITING_PAGES + ADMIN_PAGES)

    # Another browser now gets a login form: the first-run screen is gone for good.
    other = run_app()
    assert texts(other.title) == ["Đăng nhập"]
    assert not [t for t in other.text_input if t.key == "first_admin_name"]


def test_login_refuses_a_wrong_password_or_name_alike_then_logs_in_and_out(accounts):
    app = run_app()
    assert texts(app.title) == ["Đăng nhập"]
    log_in(app, "quantri", "sai mật khẩu rồi")
    assert texts(app.error) == [LOGIN_REFUSED]
    # The form is cleared: a typed password does not stay in the session.
    assert app.text_input(key="login_password").value == ""
    log_in(app, "khong_co_ai", PASSWORD)
    assert texts(app.error) == [LOGIN_REFUSED]
    assert texts(app.title) == ["Đăng nhập"]

    log_in(app, "QuanTri", PASSWORD)
    assert not app.exception
    assert texts(app.title) == ["Tổng quan tiến độ đến năm 2030"]
    assert "**quantri**" in [m.value for m in app.markdown], "the account menu names who is logged in"
    assert not app.sidebar.children, "nothing in the sidebar: it stays hidden"

    button(app, "Đăng xuất").click().run()
    assert texts(app.title) == ["Đăng nhập"]
    assert texts(app.info) == ["Đã đăng xuất."]
    assert session.SESSION_KEY not in app.session_state


def test_repeated_failures_make_the_login_wait_and_say_how_long(accounts):
    app = run_app()
    for _ in range(auth.FREE_FAILURES):
        log_in(app, "canbo_lp", "sai mật khẩu rồi")
        assert texts(app.error) == [LOGIN_REFUSED]
    log_in(app, "canbo_lp", PASSWORD)
    assert texts(app.title) == ["Đăng nhập"]
    [message] = texts(app.error)
    assert "thử lại sau 30 giây" in message


def test_a_disabled_account_cannot_log_in_and_its_open_session_ends(accounts, app_db):
    app = run_app(accounts["editor"])
    assert texts(app.title) == ["Tổng quan tiến độ đến năm 2030"]

    auth.disable_user(app_db, "canbo_lp")
    app.run()
    assert texts(app.title) == ["Đăng nhập"]
    assert any("Phiên đăng nhập đã kết thúc" in i for i in texts(app.info))
    assert session.SESSION_KEY not in app.session_state

    log_in(app, "canbo_lp", PASSWORD)
    assert texts(app.error) == [LOGIN_REFUSED]
    assert texts(app.title) == ["Đăng nhập"]


def test_a_page_opened_without_a_login_shows_nothing(accounts):
    app = AppTest.from_file(str(PROJECT_DIR / "pages" / "data.py"), default_timeout=60).run()
    assert texts(app.error) == ["Hãy đăng nhập để xem trang này."]
    assert not app.title and not app.dataframe


def refusal(account, page: str) -> str | None:
    """What the page says when `account` opens it through the app's navigation (by its address)."""
    app = run_app(account, page)
    refused = [e.value for e in app.error if "chỉ có quyền xem" in e.value or "chỉ dành cho quản trị viên" in e.value]
    return refused[0] if refused else None


def test_every_page_answers_its_address_and_refuses_an_account_that_may_not_use_it(accounts):
    """Every page is in the navigation, the ones an account may not use hidden from its menus (checked in
    a browser: tests/test_browser.py), so that opened by address they refuse in Vietnamese rather than
    Streamlit saying an English «Page not found»."""
    for page in WRITING_PAGES:
        assert "chỉ có quyền xem" in (refusal(accounts["viewer"], page) or "")
    for page in WRITING_PAGES + ADMIN_PAGES:
        assert refusal(accounts["admin"], page) is None
    for page in WRITING_PAGES:
        assert refusal(accounts["editor"], page) is None
    for page in ADMIN_PAGES:
        assert refusal(accounts["editor"], page) == refusal(accounts["viewer"], page) == (
            "Trang này chỉ dành cho quản trị viên.")
    assert in_navigation(run_app(accounts["viewer"]), "pages/data.py")


@pytest.mark.parametrize("page", WRITING_PAGES + ADMIN_PAGES)
def test_a_viewer_opening_a_page_directly_is_refused(accounts, page):
    app = AppTest.from_file(str(PROJECT_DIR / page), default_timeout=60)
    app.session_state[session.SESSION_KEY] = sessions.start(cache.engine(), accounts["viewer"].id).session_id
    app.run()
    assert not app.exception
    assert len(app.error) == 1
    assert ("chỉ có quyền xem" if page in WRITING_PAGES else "chỉ dành cho quản trị viên") in app.error[0].value
    assert not app.get("form") and not app.button and not app.get("file_uploader")


def test_an_editor_opening_an_admin_page_directly_is_refused(accounts):
    app = AppTest.from_file(str(PROJECT_DIR / "pages" / "users.py"), default_timeout=60)
    app.session_state[session.SESSION_KEY] = sessions.start(cache.engine(), accounts["editor"].id).session_id
    app.run()
    assert texts(app.error) == ["Trang này chỉ dành cho quản trị viên."]
    assert not app.dataframe and not app.get("form")


def entry_key(indicator, name, year, locality="LAC_PHUONG"):
    return entry.widget_key(locality, year, indicator, name)


def test_an_editor_sees_only_its_localities_and_saves_as_itself(accounts, app_db):
    app = run_app(accounts["editor"], "pages/entry.py")
    assert app.selectbox(key="entry_locality").options == ["xã Lạc Phượng"]
    app.selectbox(key="entry_year").set_value(2025).run()
    app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator", 2025)).set_value("46")
    button(app, "Lưu số liệu").click().run()
    assert not app.exception and not app.error
    assert any("1 cập nhật" in s for s in texts(app.success))
    stored = queries.readings(app_db, full=True).set_index(["locality_code", "indicator_code", "year"])
    assert stored.loc[("LAC_PHUONG", "HOA_GIAI_THANH", 2025), ["numerator", "entered_by", "source"]].tolist() == [
        46, "canbo_lp", "form"]

    app.switch_page("pages/upload.py").run()
    assert app.selectbox(key="upload_template_locality").options == ["xã Lạc Phượng"]


def test_an_editor_uploading_another_localitys_row_is_refused_at_preview(accounts, app_db):
    before = queries.readings(app_db, full=True)
    rows = ("Mã địa phương;Mã chỉ tiêu;Năm;Tử số;Mẫu số;Giá trị;Ghi chú\n"
            "LAC_PHUONG;HOA_GIAI_THANH;2025;47;50;;\n"
            "NHI_CHIEU;TGPL_DUOC_TRO_GIUP;2025;1;2;;\n")
    app = run_app(accounts["editor"], "pages/upload.py")
    app.file_uploader(key="upload_file").set_value(("hai_noi.csv", rows.encode(), "text/csv")).run()
    assert not app.exception
    assert any("Tệp «hai_noi.csv» có 1 lỗi" in e for e in texts(app.error))
    problems = next(d.value for d in app.dataframe if "Lỗi" in d.value.columns)
    assert problems["Dòng"].tolist() == ["3"]
    assert "không được ghi số liệu của địa phương này" in problems["Lỗi"].iloc[0]
    assert not [b for b in app.button if b.label == "Áp dụng tệp này"]
    assert queries.readings(app_db, full=True).equals(before)


def test_an_approved_year_shows_locked_in_the_form(accounts, app_db):
    cycle.approve(app_db, "LAC_PHUONG", 2025, "quantri", "Đã rà soát")
    app = run_app(accounts["editor"], "pages/entry.py")
    app.selectbox(key="entry_year").set_value(2025).run()
    [notice] = [i for i in texts(app.info) if "phê duyệt" in i]
    assert "«quantri» phê duyệt lúc" in notice
    assert app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator", 2025)).disabled
    assert button(app, "Lưu số liệu").disabled
    # Another year of the same locality is open.
    app.selectbox(key="entry_year").set_value(2024).run()
    assert not app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator", 2024)).disabled
    assert not [i for i in texts(app.info) if "phê duyệt" in i]


def test_a_save_after_the_year_was_approved_is_refused_naming_the_approval(accounts, app_db):
    before = queries.readings(app_db, full=True)
    app = run_app(accounts["editor"], "pages/entry.py")
    app.selectbox(key="entry_year").set_value(2025).run()
    app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator", 2025)).set_value("46")
    cycle.approve(app_db, "LAC_PHUONG", 2025, "quantri")   # meanwhile, in another session
    button(app, "Lưu số liệu").click().run()
    assert not app.exception and not app.success
    errors = [e for e in texts(app.error)]
    assert any("Chưa lưu" in e for e in errors)
    assert any("đã được «quantri» phê duyệt lúc" in e and "mở lại" in e for e in errors)
    assert queries.readings(app_db, full=True).equals(before)


def test_an_admin_creates_changes_and_disables_accounts_on_the_page(accounts, app_db):
    app = run_app(accounts["admin"], "pages/users.py")
    table = next(d.value for d in app.dataframe if "Tên đăng nhập" in d.value.columns)
    assert sorted(table["Tên đăng nhập"]) == ["canbo_lp", "lanhdao", "quantri"]
    assert table.set_index("Tên đăng nhập").loc["canbo_lp", "Địa phương được giao"] == "xã Lạc Phượng"

    app.text_input(key="users_new_name").set_value("canbo_nc")
    app.selectbox(key="users_new_role").set_value("editor")
    app.multiselect(key="users_new_localities").set_value(["NHI_CHIEU"])
    app.text_input(key="users_new_password").set_value(PASSWORD)
    app.text_input(key="users_new_confirm").set_value(PASSWORD)
    button(app, "Tạo tài khoản").click().run()
    assert not app.exception
    assert "Đã tạo tài khoản «canbo_nc» (Cán bộ nhập liệu)." in texts(app.success)
    assert auth.authenticate(app_db, "canbo_nc", PASSWORD).localities == ("NHI_CHIEU",)
    table = next(d.value for d in app.dataframe if "Tên đăng nhập" in d.value.columns)
    assert "canbo_nc" in table["Tên đăng nhập"].tolist()
    assert app.text_input(key="users_new_name").value == "" and app.text_input(key="users_new_password").value == ""

    # A refused creation says why and creates nothing.
    app.text_input(key="users_new_name").set_value("canbo_nc")
    app.selectbox(key="users_new_role").set_value("viewer")
    app.text_input(key="users_new_password").set_value(PASSWORD)
    app.text_input(key="users_new_confirm").set_value(PASSWORD)
    button(app, "Tạo tài khoản").click().run()
    assert "Tên đăng nhập «canbo_nc» đã có." in texts(app.error)
    assert len(auth.list_users(app_db)) == 4

    # Change the editor's localities, reset its password, disable it.
    target = get_account(app_db, "canbo_lp")
    app.selectbox(key="users_chosen").set_value("canbo_lp").run()
    app.multiselect(key=f"users_role_{target.id}_localities").set_value(["LAC_PHUONG", "NHI_CHIEU"])
    button(app, "Lưu vai trò").click().run()
    assert not app.error
    assert get_account(app_db, "canbo_lp").localities == ("LAC_PHUONG", "NHI_CHIEU")

    app.text_input(key=f"users_password_{target.id}_new").set_value("mật khẩu mới đủ dài")
    app.text_input(key=f"users_password_{target.id}_confirm").set_value("mật khẩu mới đủ dài")
    button(app, "Đặt mật khẩu").click().run()
    assert "Đã đặt mật khẩu mới cho «canbo_lp»." in texts(app.success)
    assert auth.authenticate(app_db, "canbo_lp", "mật khẩu mới đủ dài").name == "canbo_lp"

    button(app, "Vô hiệu hóa tài khoản này").click().run()
    assert not get_account(app_db, "canbo_lp").active
    button(app, "Kích hoạt lại tài khoản này").click().run()
    assert get_account(app_db, "canbo_lp").active

    # The admin cannot disable the account it is logged in with.
    app.selectbox(key="users_chosen").set_value("quantri").run()
    assert button(app, "Vô hiệu hóa tài khoản này").disabled


def test_an_admin_approves_and_reopens_and_the_overview_shows_it(accounts, app_db):
    app = run_app(accounts["admin"], "pages/approvals.py")
    app.selectbox(key="approvals_locality").set_value("LAC_PHUONG")
    app.selectbox(key="approvals_year").set_value(2025).run()
    assert any("Chưa phê duyệt" in i for i in texts(app.info))
    app.text_input(key="approvals_note_LAC_PHUONG_2025").set_value("Đã rà soát đủ 14 chỉ tiêu")
    button(app, "Phê duyệt và khóa số liệu").click().run()
    assert not app.exception
    assert cycle.is_locked(app_db, "LAC_PHUONG", 2025)
    assert any("Đã phê duyệt bởi «quantri»" in s for s in texts(app.success))
    state = next(d.value for d in app.dataframe if "Tình trạng" in d.value.columns).set_index("Mã")
    assert state.loc["LAC_PHUONG", ["Tình trạng", "Người phê duyệt"]].tolist() == ["Đã phê duyệt", "quantri"]
    assert state.loc["NHI_CHIEU", "Tình trạng"] == "Chưa phê duyệt"

    app.switch_page("pages/overview.py").run()
    app.selectbox(key="overview_year").set_value(2025).run()
    assert any("Số liệu đã được phê duyệt (khóa): 1/2 địa phương" in c for c in texts(app.caption))
    ranking = next(d.value for d in app.dataframe if "Hạng" in d.value.columns).set_index("Địa phương")
    assert ranking["Phê duyệt năm 2025"].to_dict() == {"xã Lạc Phượng": "Đã phê duyệt", "phường Nhị Chiểu": "Chưa phê duyệt"}

    app.switch_page("pages/approvals.py").run()
    app.selectbox(key="approvals_locality").set_value("LAC_PHUONG").run()
    app.text_input(key="approvals_note_LAC_PHUONG_2025").set_value("Sửa số liệu hộ tịch")
    button(app, "Mở lại để sửa").click().run()
    assert not cycle.is_locked(app_db, "LAC_PHUONG", 2025)
    history = next(d.value for d in app.dataframe if "Thao tác" in d.value.columns)
    assert history[["Thao tác", "Người thực hiện", "Ghi chú"]].values.tolist() == [
        ["Mở lại", "quantri", "Sửa số liệu hộ tịch"], ["Phê duyệt (khi chưa nộp)", "quantri", "Đã rà soát đủ 14 chỉ tiêu"]]


def test_user_text_is_inert_in_markdown():
    assert widgets.plain("[bấm](https://x.example) *đậm* :red[đỏ] $x$ a_b_c 1.234") == (
        "\\[bấm\\]\\(https\\:\u2060\\/\\/x\\.example\\) \\*đậm\\* \\:red\\[đỏ\\] \\$x\\$ a\\_b\\_c 1\\.234")


def test_no_page_renders_html():
    sources = [PROJECT_DIR / "dashboard.py", *sorted((PROJECT_DIR / "kpi" / "app").glob("*.py")), *sorted((PROJECT_DIR / "pages").glob("*.py"))]
    for source in sources:
        # The exceptions, all in kpi/app/widgets.py: our own stylesheets, never user text, and the tables
        # printed in place of charts, whose texts kpi.app.overview HTML-escapes (the hostile-names test of
        # tests/test_pages.py fails if one is not).
        text = source.read_text(encoding="utf-8")
        for allowed in ("st.html(CHROME_STYLESHEET)", "st.html(PRINT_CSS)", "st.html(MEETING_CSS)",
                        """st.html(f'<div class="kpi-print-only">{table_html}</div>')"""):
            text = text.replace(allowed, "")
        assert "unsafe_allow_html" not in text and "st.html(" not in text and "components.html" not in text, source


def test_a_viewer_on_an_empty_database_is_not_offered_to_write(app_db):
    viewer = create_user(app_db, "lanhdao", PASSWORD, "viewer")
    create_user(app_db, "quantri", PASSWORD, "admin")
    app = run_app(viewer)
    assert any("Chưa có số liệu nào" in i for i in texts(app.info))
    assert not app.get("page_link")
    assert [b.label for b in app.button] == ["Đăng xuất", "Đổi mật khẩu"], "only the account menu"
    assert queries.demo_reading_count(app_db) == 0
