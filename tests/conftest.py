"""Fixtures: every test gets its own real database, SQLite and PostgreSQL alike.

Tests that use `database_url` (or `engine`, `demo_engine`, `run_cli`) run twice, as `[sqlite]` (a file
in a temporary directory) and `[postgresql]` (a throwaway database on the server named by
KPI_TEST_POSTGRES_URL, dropped afterwards). Mark a test or module `sqlite_only` or `postgresql_only`
to run it on one backend.

Without a reachable server the PostgreSQL runs are skipped on a workstation, but fail in CI (CI=true),
so that a broken CI setup cannot pass unnoticed. `.ci/run` starts a server and sets the variable.
"""

import itertools
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from kpi.files.catalogue import load_catalog
from kpi.store.db import make_engine
from kpi.store.demo import load_demo

# Playwright's expect() waits 5 s by default, whatever the page's own timeout: a CI machine busy with
# other work (seen: load 10 on 2 cores) takes longer than that to render a page after a click.
expect.set_options(timeout=30_000)

PROJECT_DIR = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite", "postgresql"]
POSTGRES_URL_VARIABLE = "KPI_TEST_POSTGRES_URL"


def pytest_configure(config):
    for backend in BACKENDS:
        config.addinivalue_line("markers", f"{backend}_only: run only against {backend}, not against both backends")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        only = [b for b in BACKENDS if metafunc.definition.get_closest_marker(f"{b}_only")]
        metafunc.parametrize("backend", only or BACKENDS)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


class PostgresServer:
    """Creates and drops databases on the test server through an autocommit admin connection."""

    def __init__(self, url: str):
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool,
                                   connect_args={"connect_timeout": 5})

    def database_url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str = "template0") -> str:
        # As the README tells administrators to create it: C.UTF-8 sorts codes as SQLite does.
        settings = " ENCODING 'UTF8' LOCALE 'C.UTF-8'" if template == "template0" else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{settings}'))
        return self.database_url(name)

    def drop(self, name: str) -> None:
        # FORCE: a subprocess killed by a test may still hold a connection for a moment.
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_server():
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    server, problem = None, f"{POSTGRES_URL_VARIABLE} is not set (.ci/run starts a server and sets it)"
    if url:
        server = PostgresServer(url)
        try:
            with server.admin.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:
            server, problem = None, f"no PostgreSQL server reachable at {POSTGRES_URL_VARIABLE}: {error}"
    if server is None:
        if in_ci():
            pytest.fail(f"CI must test PostgreSQL, but {problem}")
        pytest.skip(problem)
    yield server
    server.admin.dispose()


@pytest.fixture(scope="session")
def postgres_template(postgres_server):
    """A database with the schema and catalogue, made once per test process and copied per test."""
    name = f"kpi_test_template_{uuid.uuid4().hex[:12]}"
    url = postgres_server.create(name)
    engine = make_engine(url)
    load_catalog(engine)
    engine.dispose()
    yield name
    postgres_server.drop(name)


@pytest.fixture
def postgres_database(postgres_server):
    """Makes throwaway databases for this test (from a template) and drops them all afterwards."""
    names = []

    def make(template: str = "template0") -> str:
        names.append(f"kpi_test_{uuid.uuid4().hex[:16]}")
        return postgres_server.create(names[-1], template)

    yield make
    for name in names:
        postgres_server.drop(name)


@pytest.fixture
def new_database_url(request, backend, tmp_path):
    """Makes the URL of another empty database (no schema yet) on this test's backend."""
    numbers = itertools.count(1)

    def make() -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'kpi-{next(numbers)}.sqlite3'}"
        return request.getfixturevalue("postgres_database")()

    return make


@pytest.fixture
def database_url(new_database_url) -> str:
    """The URL of an empty database (no schema yet) for this test."""
    return new_database_url()


@pytest.fixture
def engine(request, backend, database_url):
    """A fresh database with the schema and the catalogue of data/ loaded."""
    if backend == "postgresql":
        # Same content as load_catalog on the empty database, in a tenth of the time.
        server = request.getfixturevalue("postgres_server")
        name = make_url(database_url).database
        server.drop(name)
        server.create(name, request.getfixturevalue("postgres_template"))
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
    """Run `python -m kpi ...` in a real process against the test database (or the one given)."""

    def run(*args: str, stdin: str | None = None, url: str | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "KPI_DATABASE_URL": url or database_url}
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


@pytest.fixture
def fresh_streamlit_caches():
    """AppTest keeps Streamlit's caches across instances in one process: every page test starts clean."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
