"""The reporting cycle end to end in a real headless Chromium (`streamlit run serve.py`, tests/browser.py):
an editor submits its year from the entry page, the admin returns it with a
reason, the editor reads the reason and submits again, the admin approves it in bulk, and the reporting
page shows it approved."""

import pytest
from browser import (
    HEIGHT,
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
from kpi.files.catalogue import load_catalog
from kpi.store import cycle
from kpi.store.accounts import create_user
from kpi.store.db import make_engine
from kpi.store.demo import load_demo

ADMIN, ADMIN_PASSWORD = "quantri", "Mật khẩu quản trị 2026"
EDITOR, EDITOR_PASSWORD = "canbo_lp", "Mật khẩu cán bộ 2026"
REASON = "Số vụ việc vi phạm pháp luật chưa khớp với số liệu của Công an xã"

pytestmark = needs_chromium


@pytest.fixture
def cycle_server(tmp_path):
    """A real Streamlit server on a database with the catalogue, the demo figures, an admin and xã Lạc
    Phượng's editor."""
    database_url = f"sqlite:///{tmp_path / 'kpi.sqlite3'}"
    engine = make_engine(database_url)
    load_catalog(engine)
    load_demo(engine)
    create_user(engine, ADMIN, ADMIN_PASSWORD, "admin")
    create_user(engine, EDITOR, EDITOR_PASSWORD, "editor", ["LAC_PHUONG"])
    with streamlit_server(tmp_path, database_url) as base:
        yield base, engine
    engine.dispose()


@pytest.fixture
def page(cycle_server):
    with chromium() as browser:
        yield new_tab(browser)


def entry_of_2025(page) -> None:
    go(page, "Nhập số liệu")
    choose(page, "entry_year", "2025")


def test_submit_return_resubmit_and_bulk_approval_in_a_real_browser(cycle_server, page):
    base, engine = cycle_server

    # The editor submits xã Lạc Phượng's figures of 2025 from the entry page.
    open_page(page, base, "")
    log_in(page, EDITOR, EDITOR_PASSWORD)
    entry_of_2025(page)
    expect(page.get_by_text("Hạn nộp báo cáo năm 2025: 15/01/2026")).to_be_visible()
    page.get_by_role("button", name="Nộp báo cáo năm 2025").click()
    settle(page)
    expect(page.get_by_text("Đã nộp báo cáo năm 2025 lúc")).to_be_visible()
    expect(page.get_by_role("button", name="Lưu số liệu")).to_be_disabled()
    expect(widget(page, widget_key("LAC_PHUONG", 2025, "HOA_GIAI_THANH", "numerator")).locator("input")).to_be_disabled()
    assert cycle.state_of(engine, "LAC_PHUONG", 2025).submitted_by == EDITOR
    log_out(page)

    # The admin returns it with a reason.
    log_in(page, ADMIN, ADMIN_PASSWORD)
    go(page, "Phê duyệt số liệu", menu="Quản trị")
    choose(page, "approvals_year", "2025")
    expect(page.get_by_role("heading", name="Báo cáo đã nộp, chờ phê duyệt — năm 2025")).to_be_visible()
    choose(page, "approvals_locality", "Lạc Phượng")
    field(page, "Ghi chú hoặc lý do (bắt buộc khi trả lại)").fill(REASON)
    page.get_by_role("button", name="Trả lại để địa phương sửa").click()
    settle(page)
    expect(page.get_by_text("Đã trả lại báo cáo năm 2025 của xã Lạc Phượng.")).to_be_visible()
    assert cycle.state_of(engine, "LAC_PHUONG", 2025).reason == REASON
    log_out(page)

    # The editor reads the reason where it enters figures, and submits again.
    log_in(page, EDITOR, EDITOR_PASSWORD)
    entry_of_2025(page)
    expect(page.get_by_text(f"Lý do: {REASON}")).to_be_visible()
    expect(page.get_by_role("button", name="Lưu số liệu")).to_be_enabled()
    screenshot(page, "entry-returned", max_height=HEIGHT)
    page.get_by_role("button", name="Nộp báo cáo năm 2025").click()
    settle(page)
    expect(page.get_by_text("Đã nộp báo cáo năm 2025 lúc")).to_be_visible()
    log_out(page)

    # The admin approves the submitted localities it picks: here xã Lạc Phượng only.
    log_in(page, ADMIN, ADMIN_PASSWORD)
    go(page, "Phê duyệt số liệu", menu="Quản trị")
    choose(page, "approvals_year", "2025")
    choose(page, "approvals_pick_2025", "Lạc Phượng")
    page.keyboard.press("Escape")  # the list stays open over the button after a pick
    settle(page)
    page.get_by_text("Xem số liệu đã nộp của một địa phương").click()
    choose(page, "approvals_preview", "Lạc Phượng")  # the list is in Vietnamese order: Nhị Chiểu may come first
    # In the data grid: its cells are drawn on a canvas, their text kept in an accessible table.
    expect(page.get_by_text("Tỷ lệ hòa giải thành").first).to_be_attached()
    screenshot(page, "approvals-bulk")
    page.get_by_role("button", name="Phê duyệt 1 địa phương đã chọn").click()
    settle(page)
    expect(page.get_by_text("Đã phê duyệt số liệu năm 2025 của 1 địa phương: LAC_PHUONG.")).to_be_visible()
    assert cycle.is_locked(engine, "LAC_PHUONG", 2025)
    assert cycle.state_of(engine, "NHI_CHIEU", 2025).state == "draft"

    # The reporting page: phường Nhị Chiểu overdue first, xã Lạc Phượng approved.
    go(page, "Tình hình báo cáo", menu="Quản trị")
    choose(page, "reporting_year", "2025")
    table = page.get_by_test_id("stDataFrame")
    expect(table).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Đã phê duyệt")).to_contain_text("1")
    expect(page.get_by_test_id("stMetric").filter(has_text="Quá hạn chưa nộp")).to_contain_text("1")
    expect(page.get_by_role("button", name="Tải bảng này (Excel)")).to_be_visible()
