"""Peak RSS of a `streamlit run` process serving one page to a headless browser.

python bench/app_memory.py SCRIPT PORT [--login]   (KPI_DATABASE_URL names the database)

Starts Streamlit headless on 127.0.0.1:PORT, waits for /_stcore/health, opens the page in Debian's
Chromium through Playwright (with --login, logs in as the bench admin and waits for the overview)
and waits until the script has finished running, then reads the server's peak RSS (VmHWM) and
stops it.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request

from measure import PROJECT_DIR, peak_rss_mb, report

from bench.data import BENCH_ADMIN, BENCH_PASSWORD

CHROMIUM = "/usr/bin/chromium"
TIMEOUT = 300


def main(script: str, port: str, *options: str) -> None:
    login = "--login" in options
    from playwright.sync_api import sync_playwright

    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", port,
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url)
        idle_mb = peak_rss_mb(server.pid)
        started = time.perf_counter()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            page = browser.new_page()
            page.goto(url, timeout=TIMEOUT * 1000)
            _wait_idle(page)
            if login:
                page.locator("input[aria-label='Tên đăng nhập']").fill(BENCH_ADMIN)
                page.locator("input[aria-label='Mật khẩu']").fill(BENCH_PASSWORD)
                page.get_by_role("button", name="Đăng nhập", exact=True).click()
                page.wait_for_selector("h1:has-text('Tổng quan tiến độ')", timeout=TIMEOUT * 1000)
                _wait_idle(page)
            loaded = time.perf_counter() - started
            errors = page.locator("[data-testid='stException']").count()
            browser.close()
        report({"idle_mb": idle_mb, "peak_mb": peak_rss_mb(server.pid), "page_seconds": loaded, "errors": errors})
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)


def _wait_idle(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=TIMEOUT * 1000)
    page.wait_for_timeout(500)


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("Streamlit did not answer /_stcore/health")


if __name__ == "__main__":
    main(*sys.argv[1:])
