"""Two `streamlit run` processes on one SQLite database, in a real headless Chromium: a write through
one of them, or through the command line, shows in the other at its next rerun (the data version in
the database keys every cache). Along the way, the admin page of localities at 1366×768 with the 114
Hải Phòng units loaded (docs/screenshots/localities.png when KPI_SCREENSHOTS_DIR=docs/screenshots)."""

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest
from conftest import PROJECT_DIR
from playwright.sync_api import Page, expect, sync_playwright
from test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, TIMEOUT_MS, free_port, go, log_in, settle

from kpi.files.catalogue import add_localities, load_catalog
from kpi.store import queries
from kpi.store.accounts import create_user
from kpi.store.db import make_engine
from kpi.store.demo import load_demo
from tests.shared_data import HAI_PHONG_UNITS

WIDTH, HEIGHT = 1366, 768
ADMIN, ADMIN_PASSWORD = "quantri", "Mật khẩu quản trị 2026"
PAGE_TITLE = "Địa phương và kế hoạch"

pytestmark = [pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
              # Two processes on one SQLite file; PostgreSQL shares the data version the same way (tests/store).
              pytest.mark.sqlite_only]


def start_server(database_url: str, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=PROJECT_DIR, env={**os.environ, "KPI_DATABASE_URL": database_url}, stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    return process, f"http://127.0.0.1:{port}"


def wait_until_healthy(process: subprocess.Popen, base: str, log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            pass
        assert process.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, "Streamlit did not answer /_stcore/health"
        time.sleep(0.3)


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
    with ExitStack() as stack:
        started = []
        for name in ("a", "b"):
            process, base = start_server(database_url, tmp_path / f"streamlit-{name}.log")
            stack.callback(lambda p=process: (p.terminate(), p.wait(timeout=30)))
            started.append((process, base, tmp_path / f"streamlit-{name}.log"))
        for process, base, log_path in started:
            wait_until_healthy(process, base, log_path)
        yield database_url, [base for _, base, _ in started]


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_logged_in(browser, base: str) -> Page:
    """A tab of its own (its own session) on one process, logged in as the admin, on the localities page."""
    tab = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="vi-VN").new_page()
    tab.set_default_timeout(TIMEOUT_MS)
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


def screenshot(tab: Page, name: str) -> None:
    """The whole page at 1366 wide: the viewport grown to the content, since Streamlit scrolls inside it."""
    settle(tab)
    tab.wait_for_timeout(1000)
    height = tab.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    tab.set_viewport_size({"width": WIDTH, "height": max(HEIGHT, min(height + 40, 4000))})
    tab.wait_for_timeout(800)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    tab.set_viewport_size({"width": WIDTH, "height": HEIGHT})


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
    writer.get_by_role("button", name="Gán kế hoạch").click()
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
