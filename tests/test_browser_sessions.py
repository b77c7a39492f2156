"""Logins that last, in a real headless Chromium against `streamlit run serve.py` (server and browser
from tests/browser.py): a reload, a bookmark opened logged out, a second tab, a logout seen by the
other tab, an idle session, and the session cookie's flags as the browser keeps them."""

import hashlib
import os
import secrets
import subprocess
import time
from datetime import timedelta

import pytest
from browser import TIMEOUT_MS, chromium, field, log_in, log_out, needs_chromium, settle, streamlit_server
from conftest import PROJECT_DIR
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from bench.deployment import free_port
from kpi.app.cookies import COOKIE_NAME
from kpi.files.catalogue import load_catalog
from kpi.store import sessions
from kpi.store.accounts import create_user
from kpi.store.db import make_engine, read_session, write_session
from kpi.store.models import LoginSession, utc_now

NAME, FULL_NAME, PASSWORD = "lanhdao", "Nguyễn Thị Lãnh Đạo", "Mật khẩu lãnh đạo 2026"

pytestmark = needs_chromium


@pytest.fixture
def served(tmp_path):
    """A server whose sessions end after one idle minute, on a database with one viewer."""
    database_url = f"sqlite:///{tmp_path / 'kpi.sqlite3'}"
    engine = make_engine(database_url)
    load_catalog(engine)
    create_user(engine, NAME, PASSWORD, "viewer", full_name=FULL_NAME)
    with streamlit_server(tmp_path, database_url, env={sessions.IDLE_MINUTES_VARIABLE: "1"}) as base:
        yield base, engine
    engine.dispose()


@pytest.fixture
def browser(served):
    with chromium() as launched:
        yield browser_context(launched)


def browser_context(browser):
    """One browser's cookies, shared by its tabs, at 1366×768."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    return context


def open_tab(browser, url: str) -> Page:
    tab = browser.new_page()
    tab.goto(url)
    settle(tab)
    return tab


def shows_login_form(tab: Page) -> None:
    expect(tab.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    expect(field(tab, "Tên đăng nhập")).to_be_visible()
    # No navigation by file name, no sidebar at all: only the form.
    expect(tab.get_by_test_id("stSidebar")).to_have_count(0)
    expect(tab.get_by_test_id("stTopNavLink")).to_have_count(0)


def shows_locality_page_signed_in(tab: Page) -> None:
    expect(tab.get_by_role("heading", name="Địa phương", exact=True)).to_be_visible()
    expect(tab.get_by_test_id("stPopover")).to_contain_text(FULL_NAME)
    expect(tab.get_by_test_id("stSidebar")).to_have_count(0)


def session_cookie(browser) -> dict:
    """The cookie once the page has traded its ticket for it (the image loads after the run)."""
    deadline = time.monotonic() + 30
    while True:
        found = [cookie for cookie in browser.cookies() if cookie["name"] == COOKIE_NAME]
        if found:
            return found[0]
        assert time.monotonic() < deadline, "the session cookie was never set"
        time.sleep(0.2)


def test_a_bookmark_opened_logged_out_lands_on_its_page_and_the_login_lasts(served, browser):
    base, engine = served
    first = open_tab(browser, f"{base}/locality")
    shows_login_form(first)
    assert first.url.split("?")[0] == f"{base}/locality"  # the year may follow (?nam=)

    log_in(first, NAME, PASSWORD)
    assert first.url.split("?")[0] == f"{base}/locality"
    shows_locality_page_signed_in(first)

    cookie = session_cookie(browser)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert first.evaluate("document.cookie").find(COOKIE_NAME) == -1, "scripts cannot read it"
    with read_session(engine) as session:
        [stored] = session.execute(select(LoginSession.token_hash)).scalars().all()
    assert stored == hashlib.sha256(cookie["value"].encode()).hexdigest() != cookie["value"]

    first.reload()
    settle(first)
    shows_locality_page_signed_in(first)

    second = open_tab(browser, f"{base}/locality")
    shows_locality_page_signed_in(second)

    # Logging out in one tab ends the session of the other at its next click.
    log_out(first)
    shows_login_form(first)
    second.get_by_test_id("stTopNavLink").filter(has_text="Tổng quan").first.click()
    settle(second)
    shows_login_form(second)
    expect(second.get_by_text("Phiên đăng nhập đã kết thúc")).to_be_visible()
    second.reload()
    settle(second)
    shows_login_form(second)


def test_a_session_idle_past_the_timeout_asks_to_log_in_again(served, browser):
    base, engine = served
    tab = open_tab(browser, f"{base}/locality")
    log_in(tab, NAME, PASSWORD)
    shows_locality_page_signed_in(tab)
    session_cookie(browser)
    # The server was started with a one-minute idle timeout; the session was last used two minutes ago.
    with write_session(engine) as session:
        session.execute(update(LoginSession).values(last_seen_at=utc_now() - timedelta(minutes=2)))
    tab.get_by_test_id("stTopNavLink").filter(has_text="Tổng quan").first.click()
    settle(tab)
    shows_login_form(tab)
    expect(tab.get_by_text("Phiên đăng nhập đã kết thúc")).to_be_visible()
    tab.reload()
    settle(tab)
    shows_login_form(tab)


OIDC_DIR = PROJECT_DIR / "tests" / "oidc"


@pytest.mark.skipif(not (OIDC_DIR / "node_modules" / "oidc-provider").exists() and not os.environ.get("CI"),
                    reason="the test OpenID Connect provider is not installed (.ci/run installs it)")
def test_single_sign_on_through_a_real_openid_connect_provider(tmp_path):
    """oidc-provider (npm) on 127.0.0.1 is the city's identity provider; the person it signs in is the
    account whose contact is that e-mail address."""
    database_url = f"sqlite:///{tmp_path / 'kpi.sqlite3'}"
    engine = make_engine(database_url)
    load_catalog(engine)
    create_user(engine, NAME, PASSWORD, "viewer", full_name=FULL_NAME, contact=f"{NAME}@example.test")
    app_port, provider_port = free_port(), free_port()
    client_secret = secrets.token_urlsafe(24)
    redirect_uri = f"http://127.0.0.1:{app_port}/oauth2callback"
    provider_log = (tmp_path / "oidc.log").open("w")
    provider = subprocess.Popen(["node", "provider.mjs", str(provider_port), "kpi", client_secret, redirect_uri],
                                cwd=OIDC_DIR, stdout=provider_log, stderr=subprocess.STDOUT)
    (tmp_path / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{redirect_uri}"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "kpi"\n'
        f'client_secret = "{client_secret}"\n'
        f'server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"\n'
        # Streamlit asks for prompt=select_account unless told otherwise; oidc-provider knows only login
        # and consent.
        'client_kwargs = { scope = "openid email profile", prompt = "login" }\n', encoding="utf-8")
    try:
        with (streamlit_server(tmp_path, database_url, port=app_port,
                               args=("--secrets.files", str(tmp_path / "secrets.toml"))) as base,
              chromium() as launched):
            tab = open_tab(browser_context(launched), base)
            tab.get_by_role("button", name="Đăng nhập một lần (SSO)").click()
            # The provider's own (development) login screen, then its consent screen.
            tab.wait_for_url(f"http://127.0.0.1:{provider_port}/**")
            tab.locator("input[name=login]").fill(NAME)
            tab.locator("input[name=password]").fill("bất kỳ")
            tab.locator("button[type=submit]").click()
            tab.locator("button[type=submit]").click()
            tab.wait_for_url(f"{base}/**")
            settle(tab)
            expect(tab.get_by_test_id("stPopover")).to_contain_text(FULL_NAME)
            tab.reload()
            settle(tab)
            expect(tab.get_by_test_id("stPopover")).to_contain_text(FULL_NAME)
    finally:
        provider.terminate()
        provider.wait(timeout=30)
        provider_log.close()
        engine.dispose()


def test_a_logout_on_one_app_process_ends_the_session_on_another(served, browser, tmp_path):
    """Two server processes on one database, as behind the city's proxy (a browser sends a host's cookies
    to every port of it, as it does to every process behind one address)."""
    base, engine = served
    with streamlit_server(tmp_path, engine.url.render_as_string(False),
                          env={sessions.IDLE_MINUTES_VARIABLE: "1"}) as other_base:
        first = open_tab(browser, f"{base}/locality")
        log_in(first, NAME, PASSWORD)
        shows_locality_page_signed_in(first)
        session_cookie(browser)
        second = open_tab(browser, f"{other_base}/locality")
        shows_locality_page_signed_in(second)
        log_out(second)
        shows_login_form(second)
        first.get_by_test_id("stTopNavLink").filter(has_text="Tổng quan").first.click()
        settle(first)
        shows_login_form(first)
