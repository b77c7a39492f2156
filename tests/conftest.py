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
