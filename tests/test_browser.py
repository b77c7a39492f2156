"""End to end in a real headless Chromium: `streamlit run serve.py` on a free loopback port
against a fresh database; create the first admin on the first-run screen, load the demo data,
enter a year's figures through the form, create an editor on the Quản trị page, log in as that
editor (after a refused wrong password) to upload its locality's file, approve the year as the
admin, and see the overview change. Saves a screenshot of every page: to docs/screenshots/ (shown in
the README) when KPI_SCREENSHOTS_DIR=docs/screenshots, else to a temporary folder, so that a test run
leaves the working tree clean."""

import pytest
from browser import (
    HEIGHT,
    TIMEOUT_MS,
    choose,
    chromium,
    field,
    go,
    log_in,
    log_out,
    needs_chromium,
    new_tab,
    open_page,
    screenshot,
    settle,
    streamlit_server,
    widget,
)
from playwright.sync_api import expect

from kpi.app.entry import widget_key
from kpi.store import cycle, queries
from kpi.store.accounts import LOGIN_REFUSED, get_account
from kpi.store.db import make_engine
from kpi.years import current_year

THIS_YEAR = current_year()
ADMIN, ADMIN_PASSWORD = "quantri", "Mật khẩu quản trị 2026"
EDITOR, EDITOR_PASSWORD = "canbo_lp", "Mật khẩu cán bộ 2026"

pytestmark = needs_chromium

# Phường Nhị Chiểu's figures for this year, as typed into the form.
FORM_FIGURES = {
    "QPPL_TRINH_TU": {"numerator": 6, "denominator": 6},
    "KH_THEO_DOI_THPL": {"value": "Có"},
    "THPL_THAM_MUU": {"numerator": 50, "denominator": 50},
    "PBGDPL_CBCC": {"numerator": 95, "denominator": 100},
    "CONG_TTDT_TIN_BAI": {"numerator": 52, "denominator": 52},
    "HO_TICH_DUNG_HAN": {"numerator": 940, "denominator": 1000},
    "TGPL_DUOC_TRO_GIUP": {"numerator": 0, "denominator": 0},
}
# Xã Lạc Phượng's figures for this year, uploaded as a file with Vietnamese headers and ";".
UPLOAD_CSV = "\n".join([
    "Mã địa phương;Mã chỉ tiêu;Năm;Tử số;Mẫu số;Giá trị;Ghi chú",
    *(f"LAC_PHUONG;{code};{THIS_YEAR};{figures}" for code, figures in [
        ("QPPL_TRINH_TU", "9;9;;"), ("QPPL_KIEM_TRA", "40;40;;"), ("KH_THEO_DOI_THPL", ";;có;"),
        ("THPL_THAM_MUU", "38;40;;"), ("PBGDPL_CBCC", "55;62;;"), ("PBGDPL_QUYEN_NGHIA_VU", "12;12;;"),
        ("CONG_TTDT_VAN_BAN", "10;10;;"), ("HO_TICH_DUNG_HAN", "2000;2000;;"), ("TGPL_DUOC_TRO_GIUP", "3;3;;"),
        ("HOA_GIAI_KIEN_TOAN", "12;12;;"), ("HOA_GIAI_THANH", "46;50;;"), ("DIEM_NONG_VPPL", ";;0;"),
        ("VU_VIEC_VPPL", ";;22;Giảm 3 vụ"), ("CHUAN_TIEP_CAN_PL", ";;có;"),
    ]),
]) + "\n"


@pytest.fixture
def server(tmp_path):
    """A real Streamlit server on a fresh database that nobody has initialised."""
    database_url = f"sqlite:///{tmp_path / 'kpi.sqlite3'}"
    with streamlit_server(tmp_path, database_url) as base:
        yield base, database_url


@pytest.fixture
def page(server):
    with chromium() as browser:
        yield new_tab(browser)


def test_accounts_form_upload_and_approval_in_a_real_browser(server, page, tmp_path):
    base, database_url = server
    engine = make_engine(database_url)

    # A fresh install has no account: the first screen creates the first admin, then logs it in.
    open_page(page, base, "")
    expect(page.get_by_role("heading", name="Tạo tài khoản quản trị viên đầu tiên")).to_be_visible()
    expect(page.get_by_role("button", name="Đăng nhập", exact=True)).to_have_count(0)
    screenshot(page, "first-run")
    field(page, "Tên đăng nhập").fill(ADMIN)
    field(page, "Mật khẩu").fill(ADMIN_PASSWORD)
    field(page, "Nhập lại mật khẩu").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Tạo tài khoản quản trị viên").click()

    # The first screen says what to do, and offers the demo data.
    expect(page.get_by_text("Chưa có số liệu nào.")).to_be_visible()
    assert get_account(engine, ADMIN).role == "admin"
    expect(page.get_by_role("link", name="Mở trang Nhập số liệu")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(0)
    screenshot(page, "first-screen")
    page.get_by_role("button", name="Nạp dữ liệu minh họa").click()
    expect(page.get_by_text("năm 2025: 2/2 địa phương đã báo cáo")).to_be_visible()
    expect(page.get_by_text("Đang hiển thị dữ liệu minh họa")).to_be_visible()
    settle(page)
    expect(page.locator(".js-plotly-plot").first).to_be_visible()

    # The admin enters phường Nhị Chiểu's figures for this year through the form.
    go(page, "Nhập số liệu", menu="Nhập số liệu")
    for code, figures in FORM_FIGURES.items():
        for name, value in figures.items():
            box = widget(page, widget_key("NHI_CHIEU", THIS_YEAR, code, name))
            if name == "value":
                box.get_by_text(value, exact=True).click()
            else:
                # A text field takes its figure when it is left (Tab), and shows it as it will be stored.
                box.locator("input").fill(str(value))
                box.locator("input").press("Tab")
            settle(page)
    page.get_by_role("button", name="Lưu số liệu").click()
    # Under the button (a toast says it too, for a few seconds).
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text(f"Đã lưu số liệu năm {THIS_YEAR}: 7 tạo mới")
           ).to_be_visible()
    screenshot(page, "entry")
    stored = queries.readings(engine, full=True)
    this_year = stored[stored["year"] == THIS_YEAR]
    assert sorted(this_year["indicator_code"]) == sorted(FORM_FIGURES)
    assert set(this_year["entered_by"]) == {ADMIN} and set(this_year["source"]) == {"form"}
    go(page, "Tổng quan")
    expect(page.get_by_text(f"năm {THIS_YEAR}: 1/2 địa phương đã báo cáo")).to_be_visible()

    # The admin creates an editor for xã Lạc Phượng on the Quản trị page.
    go(page, "Tài khoản", menu="Quản trị")
    field(page, "Tên đăng nhập").fill(EDITOR)
    choose(page, "users_new_localities", "Lạc Phượng")
    field(page, "Mật khẩu").fill(EDITOR_PASSWORD)
    field(page, "Nhập lại mật khẩu").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_text(f"Đã tạo tài khoản «{EDITOR}» (Cán bộ nhập liệu).")).to_be_visible()
    assert get_account(engine, EDITOR).localities == ("LAC_PHUONG",)
    screenshot(page, "users")
    log_out(page)

    # A wrong password is refused without saying which of name or password was wrong.
    log_in(page, EDITOR, "không phải mật khẩu")
    expect(page.get_by_text(LOGIN_REFUSED)).to_be_visible()
    screenshot(page, "login")
    log_in(page, EDITOR, EDITOR_PASSWORD)
    expect(page.get_by_test_id("stPopover").filter(has_text=EDITOR)).to_be_visible()  # the account menu
    # An editor has the menus to view and to enter figures, not the admin's.
    expect(page.get_by_test_id("stTopNavSection").filter(has_text="Nhập số liệu")).to_be_visible()
    expect(page.get_by_test_id("stTopNavSection").filter(has_text="Quản trị")).to_have_count(0)

    # The editor uploads xã Lạc Phượng's figures as a file: preview first, then apply.
    upload = tmp_path / f"lac_phuong_{THIS_YEAR}.csv"
    upload.write_text(UPLOAD_CSV, encoding="utf-8-sig")
    go(page, "Tải tệp lên", menu="Nhập số liệu")
    widget(page, "upload_file").locator("input[type='file']").set_input_files(str(upload))
    expect(page.get_by_text(f"Xem trước tệp «{upload.name}»: 14 dòng hợp lệ.")).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Sẽ tạo mới")).to_contain_text("14")
    screenshot(page, "upload")
    page.get_by_role("button", name="Áp dụng tệp này").click()
    expect(page.get_by_text(f"Đã áp dụng tệp «{upload.name}»: 14 tạo mới")).to_be_visible()
    stored = queries.readings(engine, full=True)
    assert (stored[(stored["year"] == THIS_YEAR) & (stored["locality_code"] == "LAC_PHUONG")]["entered_by"]
            == EDITOR).sum() == 14
    log_out(page)

    # The admin approves xã Lạc Phượng's figures for this year.
    log_in(page, ADMIN, ADMIN_PASSWORD)
    go(page, "Phê duyệt số liệu", menu="Quản trị")
    choose(page, "approvals_locality", "Lạc Phượng")
    field(page, "Ghi chú hoặc lý do (bắt buộc khi trả lại)").fill("Đã rà soát đủ 14 chỉ tiêu")
    page.get_by_role("button", name="Phê duyệt và khóa số liệu").click()
    expect(page.get_by_text(f"Đã phê duyệt số liệu năm {THIS_YEAR} của xã Lạc Phượng.")).to_be_visible()
    assert cycle.is_locked(engine, "LAC_PHUONG", THIS_YEAR)
    screenshot(page, "approvals")
    engine.dispose()

    # The form shows the approved year as locked before anyone types into it.
    go(page, "Nhập số liệu", menu="Nhập số liệu")
    choose(page, "entry_locality", "Lạc Phượng")
    expect(page.get_by_text("đã được «quantri» phê duyệt lúc")).to_be_visible()
    expect(widget(page, widget_key("LAC_PHUONG", THIS_YEAR, "HOA_GIAI_THANH", "numerator")).locator("input")).to_be_disabled()
    expect(page.get_by_role("button", name="Lưu số liệu")).to_be_disabled()
    screenshot(page, "entry-locked", max_height=HEIGHT)

    # The overview has changed: both localities have reported this year, one is approved.
    go(page, "Tổng quan")
    expect(page.get_by_text(f"năm {THIS_YEAR}: 2/2 địa phương đã báo cáo")).to_be_visible()
    expect(page.get_by_text("Số liệu đã được phê duyệt (khóa): 1/2 địa phương")).to_be_visible()
    screenshot(page, "overview")
    page.get_by_role("tab", name="Xếp hạng").click()
    screenshot(page, "overview-ranking")

    go(page, "Địa phương", menu="Xem số liệu")
    expect(page.get_by_text("số liệu tổng hợp")).to_be_visible()
    screenshot(page, "locality", max_height=2600)
    go(page, "Chỉ tiêu", menu="Xem số liệu")
    widget(page, "indicator_code").click()
    page.keyboard.type("Cán bộ, công chức")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Số CBCCVC được phổ biến")).to_be_visible()
    page.locator("h1").first.click()
    screenshot(page, "indicator")
    go(page, "Dữ liệu", menu="Xem số liệu")
    expect(page.get_by_text("là dữ liệu minh họa")).to_be_visible()
    screenshot(page, "data")


def test_a_task_report_entered_in_the_form_shows_in_a_new_session(server, page):
    """The «Nhiệm vụ» page as an editor uses it: its locality's tasks of the year, one report saved
    with its evidence, still there in a new session (a new tab)."""
    from kpi.app.tasks import widget_key as task_widget_key
    from kpi.files.catalogue import load_catalog
    from kpi.store.accounts import create_user

    base, database_url = server
    engine = make_engine(database_url)
    load_catalog(engine)
    create_user(engine, EDITOR, EDITOR_PASSWORD, "editor", ["LAC_PHUONG"])
    engine.dispose()
    evidence = "Quyết định số 45/QĐ-UBND ngày 25/6/2026"

    open_page(page, base, "")
    log_in(page, EDITOR, EDITOR_PASSWORD)
    go(page, "Nhiệm vụ")
    choose(page, "tasks_year", "2026")
    page.get_by_role("tab", name="Nhập báo cáo").click()
    # Streamlit writes a key's dots as dashes in the container's class.
    choose(page, task_widget_key("LAC_PHUONG", "2.1", "2026", "status").replace(".", "-"), "Hoàn thành")
    widget(page, task_widget_key("LAC_PHUONG", "2.1", "2026", "evidence").replace(".", "-")).locator("input").fill(evidence)
    page.get_by_role("button", name="Lưu báo cáo nhiệm vụ").click()
    settle(page)
    expect(page.get_by_text("Đã lưu báo cáo nhiệm vụ năm 2026: 1 tạo mới")).to_be_visible()

    # A new tab is a new Streamlit session, already signed in by the browser's session cookie: what it
    # shows comes from the database.
    again = page.context.new_page()
    again.set_default_timeout(TIMEOUT_MS)
    open_page(again, base, "")
    go(again, "Nhiệm vụ")
    choose(again, "tasks_year", "2026")
    expect(again.get_by_test_id("stMetric").filter(has_text="Hoàn thành")).to_contain_text("1")
    expect(again.get_by_text(evidence).first).to_be_attached()
    screenshot(again, "tasks-locality")


def test_a_page_opened_by_an_address_it_may_not_use_or_that_names_none_says_so_in_vietnamese(server, page):
    """An editor opening /users got Streamlit's English «Page not found» (the page was not in its
    navigation); now the page itself refuses it. An address naming no page says so in Vietnamese."""
    from kpi.files.catalogue import load_catalog
    from kpi.store.accounts import create_user

    base, database_url = server
    engine = make_engine(database_url)
    load_catalog(engine)
    create_user(engine, EDITOR, EDITOR_PASSWORD, "editor", ["LAC_PHUONG"])
    create_user(engine, "lanhdao", EDITOR_PASSWORD, "viewer")
    engine.dispose()
    open_page(page, base, "")
    log_in(page, "lanhdao", EDITOR_PASSWORD)
    open_page(page, base, "entry")
    expect(page.get_by_text("chỉ có quyền xem: trang này dành cho cán bộ nhập liệu")).to_be_visible()
    for menu in ("Nhập số liệu", "Quản trị"):
        expect(page.get_by_test_id("stTopNavSection").filter(has_text=menu)).to_have_count(0)
    log_out(page)
    log_in(page, EDITOR, EDITOR_PASSWORD)
    for path in ("users", "approvals", "localities"):
        open_page(page, base, path)
        expect(page.get_by_text("Trang này chỉ dành cho quản trị viên.")).to_be_visible()
        expect(page.get_by_role("dialog")).to_have_count(0)
    # Still not in its menus.
    expect(page.get_by_test_id("stTopNavSection").filter(has_text="Quản trị")).to_have_count(0)

    open_page(page, base, "khong-co-trang-nay")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    shown = dialog.evaluate("d => [...d.querySelectorAll('*')].map(e => getComputedStyle(e, '::after').content)"
                            ".filter(c => c !== 'none' && c !== 'normal').join(' ')")
    assert "Không có trang này" in shown and "Đang mở trang Tổng quan" in shown, shown
    # Streamlit's English title and text are still in the page, at size 0: not read.
    english = dialog.evaluate("d => [...d.querySelectorAll('h2, h2 + div > div')].map(e => "
                              "[e.textContent, getComputedStyle(e).fontSize])")
    assert len(english) == 2 and all(size == "0px" for _, size in english), english
    expect(page.get_by_text("Tổng quan tiến độ đến năm 2030")).to_be_visible()
