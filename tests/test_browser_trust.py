"""Two `streamlit run` processes on one SQLite database, in a real headless Chromium: a write through
one of them, or through the command line, shows in the other at its next rerun (the data version in
the database keys every cache). Along the way, the admin page of localities at 1366×768 with the 114
Hải Phòng units loaded (docs/screenshots/localities.png when KPI_SCREENSHOTS_DIR=docs/screenshots)."""

from pathlib import Path

import pytest
from browser import chromium, go, log_in, needs_chromium, new_tab, screenshot, settle, streamlit_server
from playwright.sync_api import Page, expect

from kpi.files.catalogue import add_localities, load_catalog
from kpi.store import queries
from kpi.store.accounts import create_user
from kpi.store.db import make_engine
from kpi.store.demo import load_demo
from tests.shared_data import HAI_PHONG_UNITS

ADMIN, ADMIN_PASSWORD = "quantri", "Mật khẩu quản trị 2026"
PAGE_TITLE = "Địa phương và kế hoạch"

pytestmark = [needs_chromium,
              # Two processes on one SQLite file; PostgreSQL shares the data version the same way (tests/store).
              pytest.mark.sqlite_only]


@pytest.fixture
def two_servers(tmp_path):
    """Two app processes on one database holding the 114 units (no plan yet), the demo data and an admin."""
    database_url = f"sqlite:///{tmp_path / 'kpi.sqlite3'}"
    engine = make_engine(database_url)
    load_catalog(engine)
    add_localities(engine, HAI_PHONG_UNITS.read_bytes(), HAI_PHONG_UNITS.name)
    load_demo(engine)
    create_user(engine, ADMIN, ADMIN_PASSWORD, "admin")
    engine.dispose()
    with streamlit_server(tmp_path, database_url) as first, streamlit_server(tmp_path, database_url) as second:
        yield database_url, [first, second]


@pytest.fixture
def browser():
    with chromium() as launched:
        yield launched


def open_logged_in(browser, base: str) -> Page:
    """A tab of its own (its own session) on one process, logged in as the admin, on the localities page."""
    tab = new_tab(browser, 1366, 768)
    tab.goto(base)
    settle(tab)
    log_in(tab, ADMIN, ADMIN_PASSWORD)
    go(tab, PAGE_TITLE, menu="Quản trị")
    settle(tab)
    expect(tab.get_by_role("heading", name="Quản lý địa phương")).to_be_visible()
    return tab


def without_plan(tab: Page):
    """The count of localities without a plan, as the page shows it."""
    return tab.get_by_test_id("stMetric").filter(has_text="Chưa có kế hoạch").get_by_test_id("stMetricValue")


def test_a_write_through_one_process_or_the_cli_shows_in_the_other_at_its_next_rerun(two_servers, browser, run_cli):
    database_url, (base_a, base_b) = two_servers
    watcher = open_logged_in(browser, base_b)
    expect(without_plan(watcher)).to_have_text("112")

    # Through process A: every unit without a plan is given Nhị Chiểu's plan at once.
    writer = open_logged_in(browser, base_a)
    writer.get_by_text("Chỉ hiện địa phương chưa có kế hoạch").click()
    settle(writer)
    screenshot(writer, "localities")
    writer.get_by_text("Mọi địa phương đang hiện trong danh sách trên").click()
    writer.get_by_role("button", name="Xem trước").click()
    settle(writer)
    writer.get_by_role("button", name="Gán kế hoạch cho 112 địa phương").click()
    settle(writer)
    expect(writer.get_by_text("Đã gán kế hoạch: 0 thêm mới, 112 cập nhật, 0 không đổi.")).to_be_visible()
    assert queries.localities(make_engine(database_url))["plan_code"].notna().sum() == 114

    # Process B shows it at its next rerun (any click), not when a cache expires.
    watcher.get_by_text("Chỉ hiện địa phương chưa có kế hoạch").click()
    settle(watcher)
    expect(without_plan(watcher)).to_have_text("0")
    expect(watcher.get_by_text("Chỉ hiện địa phương chưa có kế hoạch (0)")).to_be_visible()

    # Through the command line: one more unit, without a plan.
    added = run_cli("localities", write_units_file(database_url), url=database_url)
    assert added.returncode == 0, added.stderr
    watcher.get_by_text("Chỉ hiện địa phương chưa có kế hoạch").click()
    settle(watcher)
    expect(without_plan(watcher)).to_have_text("1")
    expect(watcher.get_by_text("Chỉ hiện địa phương chưa có kế hoạch (1)")).to_be_visible()


def write_units_file(database_url: str) -> Path:
    path = Path(database_url.removeprefix("sqlite:///")).with_name("new_unit.csv")
    path.write_text("code,name,kind,parent_code\nTHU_NGHIEM,xã Thử Nghiệm,xã,HAI_PHONG\n", encoding="utf-8")
    return path
