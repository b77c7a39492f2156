"""Code changed on disk under a running app (an upgrade copied in before the restart) is not imported
again beside the code already running: every visitor after it got a traceback ("Table 'plan' is
already defined for this MetaData instance") until the process was restarted."""

import shutil
import time

import pytest
from browser import chromium, needs_chromium, new_tab, settle, streamlit_server
from playwright.sync_api import expect

from bench.deployment import PROJECT_DIR
from kpi.files.catalogue import load_catalog
from kpi.store.db import make_engine

pytestmark = [needs_chromium, pytest.mark.sqlite_only]

# What the app runs from: its entry points, its package, its settings and its catalogue.
APP_FILES = ["serve.py", "dashboard.py", "kpi", "pages", "data", ".streamlit"]


def test_a_module_changed_under_a_running_app_is_not_imported_again(tmp_path):
    code = tmp_path / "app"
    code.mkdir()
    for name in APP_FILES:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, code / name, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3*"))
        else:
            shutil.copy2(source, code / name)
    database_url = f"sqlite:///{tmp_path / 'kpi.sqlite3'}"
    engine = make_engine(database_url)
    load_catalog(engine)
    engine.dispose()

    with streamlit_server(tmp_path, database_url, code=code) as base, chromium() as browser:
        first = new_tab(browser, 1366, 768)
        first.goto(base)
        settle(first)
        models = code / "kpi" / "store" / "models.py"
        models.write_text(models.read_text(encoding="utf-8") + "\n# a later version\n", encoding="utf-8")
        # A watcher polls; then the open session runs again (R reruns the page), where Streamlit
        # would drop the changed module so that it is imported again.
        time.sleep(3)
        first.mouse.click(5, 400)
        first.keyboard.press("r")
        settle(first)

        later = new_tab(browser, 1366, 768)
        later.goto(base)
        settle(later)
        expect(later.locator("input[aria-label='Tên đăng nhập']")).to_be_visible()
        expect(later.locator("[data-testid='stException']")).to_have_count(0)
    assert "already defined" not in (tmp_path / f"streamlit-{base.rsplit(':', 1)[1]}.log").read_text()
