"""The deployment of docs/operations.md, for real: PostgreSQL, two app processes (`streamlit run serve.py`)
and Debian's nginx configured with the guide's own nginx block (only the listening address and the
upstream ports changed). In headless Chromium through nginx: one browser logs in and uploads a file on
one process; a second browser, kept by its cookie on the other process, sees the figures at its next
rerun."""

import secrets
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, choose, log_in, needs_chromium, settle, widget
from playwright.sync_api import Page, expect, sync_playwright

from bench.deployment import NGINX, UPSTREAM_HEADER, app_process, free_port, nginx
from kpi.app.entry import widget_key
from kpi.files.catalogue import load_catalog
from kpi.store.accounts import create_user
from kpi.store.db import make_engine
from kpi.years import current_year

ADMIN, ADMIN_PASSWORD = "quantri", "Mật khẩu quản trị 2026"
EDITOR, EDITOR_PASSWORD = "canbo_lp", "Mật khẩu cán bộ 2026"
THIS_YEAR = current_year()

pytestmark = [
    needs_chromium,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="Debian's nginx is not installed (.ci/run installs it)"),
    pytest.mark.postgresql_only,
]


def upstream_of(base: str, backend_cookie: str) -> str:
    request = urllib.request.Request(f"{base}/_stcore/health", headers={"Cookie": f"kpi_backend={backend_cookie}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.headers[UPSTREAM_HEADER]


@pytest.fixture
def deployment(database_url, tmp_path):
    """The guide's deployment (bench/deployment.py: its nginx block, only the listening address and the
    upstream ports changed, plus a header naming the process that answered)."""
    engine = make_engine(database_url)
    load_catalog(engine)
    create_user(engine, ADMIN, ADMIN_PASSWORD, "admin")
    create_user(engine, EDITOR, EDITOR_PASSWORD, "editor", ["LAC_PHUONG"])
    engine.dispose()
    with ExitStack() as stack:
        ports = [free_port(), free_port()]
        for number, port in enumerate(ports):
            stack.enter_context(app_process(database_url, port, tmp_path / f"app-{number}.log"))
        base = stack.enter_context(nginx(ports, tmp_path / "nginx"))
        yield base, [f"127.0.0.1:{p}" for p in ports]


def browser_on(playwright, base: str, backend_cookie: str) -> Page:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    context.add_cookies([{"name": "kpi_backend", "value": backend_cookie, "url": base}])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def numerator_field(page: Page):
    return widget(page, widget_key("LAC_PHUONG", THIS_YEAR, "HOA_GIAI_THANH", "numerator")).locator("input")


def test_two_processes_behind_nginx_share_logins_uploads_and_figures(deployment, tmp_path):
    base, upstreams = deployment
    # Two browsers whose nginx cookies hash to different processes, as two offices' browsers would.
    cookies: dict[str, str] = {}
    while len(cookies) < 2:
        value = secrets.token_hex(8)
        cookies.setdefault(upstream_of(base, value), value)
    assert set(cookies) == set(upstreams)
    first, second = (cookies[upstream] for upstream in upstreams)

    with sync_playwright() as playwright:
        editor = browser_on(playwright, base, first)
        answer = editor.goto(base)
        assert answer.headers[UPSTREAM_HEADER.lower()] == upstreams[0]
        settle(editor)
        log_in(editor, EDITOR, EDITOR_PASSWORD)
        expect(editor.get_by_role("button", name="Đăng nhập", exact=True)).to_have_count(0)

        admin = browser_on(playwright, base, second)
        answer = admin.goto(f"{base}/entry")
        assert answer.headers[UPSTREAM_HEADER.lower()] == upstreams[1]
        settle(admin)
        log_in(admin, ADMIN, ADMIN_PASSWORD)
        admin.reload()  # the login lasts through nginx: the session cookie was set through it
        settle(admin)
        expect(admin.get_by_role("button", name="Đăng nhập", exact=True)).to_have_count(0)
        choose(admin, "entry_locality", "phường Nhị Chiểu")

        # The editor uploads on the first process.
        path = tmp_path / "lac_phuong.csv"
        path.write_text("Mã địa phương;Mã chỉ tiêu;Năm;Tử số;Mẫu số;Giá trị;Ghi chú\n"
                        f"LAC_PHUONG;HOA_GIAI_THANH;{THIS_YEAR};47;50;;qua nginx\n", encoding="utf-8")
        editor.goto(f"{base}/upload")
        settle(editor)
        editor.locator(".st-key-upload_file input[type='file']").set_input_files(str(path))
        settle(editor)
        editor.get_by_role("button", name="Áp dụng tệp này").click()
        settle(editor)
        expect(editor.get_by_text("Đã áp dụng tệp").first).to_be_visible()

        # The admin, on the second process, sees the figure at the next rerun it makes.
        choose(admin, "entry_locality", "xã Lạc Phượng")
        expect(numerator_field(admin)).to_have_value("47")
