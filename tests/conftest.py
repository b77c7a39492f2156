"""Fixtures: every test gets its own real SQLite file in a temporary directory."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kpi.catalog import load_catalog
from kpi.db import make_engine
from kpi.demo import load_demo

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'kpi.sqlite3'}"


@pytest.fixture
def engine(database_url):
    """A fresh database with the schema and the catalogue of data/ loaded."""
    engine = make_engine(database_url)
    load_catalog(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_engine(engine):
    load_demo(engine)
    return engine


@pytest.fixture
def run_cli(database_url):
    """Run `python -m kpi ...` in a real process against the test database."""

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "KPI_DATABASE_URL": database_url}
        return subprocess.run([sys.executable, "-m", "kpi", *map(str, args)], cwd=PROJECT_DIR, env=env,
                              input=stdin, capture_output=True, text=True, timeout=120)

    return run


@pytest.fixture
def served_navigation(monkeypatch):
    """Make AppTest run the app as the server does: dashboard.py (login gate, navigation) on every run.

    An app with a pages/ folder starts in Streamlit's old "pages directory" mode, where a page other
    than the default runs without the main script. The server leaves that mode for good at its first
    st.navigation call, but AppTest resets it before every run, so without this a rerun of any page but
    the overview would skip dashboard.py's login gate and navigation.
    """
    from streamlit.runtime.scriptrunner import script_runner

    class Served(script_runner.PagesManager):
        uses_pages_directory = False

    monkeypatch.setattr(script_runner, "PagesManager", Served)
