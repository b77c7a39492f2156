"""What the tests in a real browser share: a real Streamlit server on a free loopback port, Debian's
Chromium driven by Playwright, and the moves of a person on our pages (log in, open a page from the
navigation bar, pick an option, take a screenshot).

Screenshots go to docs/screenshots/ (shown in the README) when KPI_SCREENSHOTS_DIR=docs/screenshots,
else to a temporary folder, so that a test run leaves the working tree clean.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.deployment import PROJECT_DIR, app_process, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("KPI_SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="kpi-screenshots-"))
WIDTH, HEIGHT = 1440, 900
TIMEOUT_MS = 60_000

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="Debian's chromium is not installed (.ci/run installs it)")


@contextmanager
def streamlit_server(folder: Path, database_url: str, env: dict | None = None, args: tuple[str, ...] = (),
                     port: int | None = None, code: Path = PROJECT_DIR) -> Iterator[str]:
    """`streamlit run serve.py` on the database, as in production (with the route that sets the login
    cookie), answering on 127.0.0.1; yields its base URL. Its log is folder/streamlit-<port>.log, shown
    if it fails to start. The app's code is this project's, or a copy of it in `code`."""
    port = port or free_port()
    with app_process(database_url, port, folder / f"streamlit-{port}.log", env, args, code):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_tab(browser: Browser, width: int = WIDTH, height: int = HEIGHT) -> Page:
    """A tab in a context of its own (its own cookies, so its own session), in Vietnamese."""
    tab = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN").new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    return tab


def settle(page: Page) -> None:
    """Until the page's run has finished and no new run started right after it."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")


def open_page(page: Page, base: str, path: str) -> None:
    page.goto(f"{base}/{path}")
    settle(page)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def go(page: Page, title: str, menu: str | None = None) -> None:
    """Another page through the navigation bar, a top-level link or one inside a menu (the first
    menu holding it, unless `menu` is given): loading a URL would start a new session."""
    top = page.get_by_test_id("stTopNavLink").filter(has_text=title)
    if menu is None and top.count():
        top.first.click()
    else:
        sections = [menu] if menu else page.get_by_test_id("stTopNavSection").all_inner_texts()
        for section in sections:
            page.get_by_test_id("stTopNavSection").filter(has_text=section.strip()).first.click()
            link = page.get_by_test_id("stTopNavDropdownLink").filter(has_text=title)
            if link.count():
                link.first.click()
                break
            page.keyboard.press("Escape")
        else:
            raise AssertionError(f"no page «{title}» in the navigation")
    settle(page)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def screenshot(page: Page, name: str, max_height: int = 4000) -> None:
    """The whole page (up to max_height) at the tab's width: the viewport is grown to the content,
    since Streamlit scrolls inside it, then put back."""
    settle(page)
    page.wait_for_timeout(1200)
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height + 40, max_height))})
    page.wait_for_timeout(800)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    page.set_viewport_size(size)


def viewport_screenshot(page: Page, name: str, key: str | None = None) -> None:
    """What the person sees in the window as it is (or centred on the widget `key`), not the whole page."""
    settle(page)
    if key is not None:
        widget(page, key).evaluate("field => field.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(1500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def widget(page: Page, key: str):
    # Streamlit gives each keyed widget's container the class st-key-<key>.
    return page.locator(f".st-key-{key}")


def field(page: Page, label: str):
    """A text or password input by its label (a help icon next to it carries the label too)."""
    return page.locator(f"input[aria-label='{label}']")


def choose(page: Page, key: str, text: str) -> None:
    """Pick an option of a selectbox or multiselect by typing it, as a user does."""
    widget(page, key).click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    settle(page)


def log_in(page: Page, name: str, password: str) -> None:
    field(page, "Tên đăng nhập").fill(name)
    field(page, "Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    settle(page)


def log_out(page: Page) -> None:
    """Through the account menu at the top right."""
    page.get_by_test_id("stPopover").locator("button").first.click()
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("button", name="Đăng nhập", exact=True)).to_be_visible()
