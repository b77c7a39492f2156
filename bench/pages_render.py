"""Render the app's default page (the overview) with Streamlit's AppTest: a first render with empty
caches; a rerun of the same session (what a click costs: the page script runs again on warm caches);
a new session served from the caches; then one reading written through the store (a new data
version, as after any save) and the same session's next render, which computes everything again.
KPI_DATABASE_URL names the database.

A new AppTest scans the installed packages for components on its first run, which a server does
once at start; the rerun does not pay it, the new session does.

python bench/pages_render.py            the product's dashboard.py
python bench/pages_render.py --plain    baseline: a page that draws a small ready-made table
"""

import sys
import time

import streamlit.testing.v1.app_test as app_test
from measure import PROJECT_DIR, report
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

TIMEOUT = 300


class NavigationPagesManager(PagesManager):
    """AppTest forgets before every run that the app calls st.navigation and, seeing pages/ beside
    dashboard.py, runs the page's file alone from the second run on; a server runs dashboard.py
    (its login gate and data version read included) on every rerun. Measure what a server runs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


app_test.PagesManager = NavigationPagesManager


def plain_page() -> None:
    import pandas as pd
    import streamlit as st

    st.title("Tổng quan")
    st.dataframe(pd.DataFrame({"a": range(20), "b": range(20)}), hide_index=True)


def main(plain: bool) -> None:
    if not plain:
        # A server has its modules loaded before the first visitor; import time is not render time.
        # alembic is imported by the app's schema check on the first run (kpi.db imports it lazily).
        import alembic.command  # noqa: F401

        from bench.data import BENCH_ADMIN, change_one_reading
        from kpi.app import session
        from kpi.store import sessions
        from kpi.store.accounts import get_account
        from kpi.store.db import make_engine

        engine = make_engine()
        account = get_account(engine, BENCH_ADMIN)

    def new_session() -> AppTest:
        if plain:
            return AppTest.from_function(plain_page)
        app = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=TIMEOUT)
        # Logged in, as tests/test_pages.py does.
        app.session_state[session.SESSION_KEY] = sessions.start(engine, account.id).session_id
        return app

    def render(app: AppTest) -> float:
        started = time.perf_counter()
        app.run(timeout=TIMEOUT)
        return time.perf_counter() - started

    app = new_session()
    first = render(app)
    cells = sum(frame.value.size for frame in app.dataframe)
    titles = [title.value for title in app.title]
    exceptions = [str(e.value)[:300] for e in app.exception]
    rerun = render(app)
    fresh = render(new_session())
    after_write = None
    if not plain:
        change_one_reading(engine)
        after_write = render(app)
        exceptions += [str(e.value)[:300] for e in app.exception]
    report({"first": first, "cached": rerun, "new_session": fresh, "after_write": after_write, "cells": int(cells),
            "titles": titles, "exceptions": exceptions})


if __name__ == "__main__":
    main("--plain" in sys.argv[1:])
