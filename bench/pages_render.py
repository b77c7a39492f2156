"""Render the app's default page (the overview) with Streamlit's AppTest: a first render with empty
caches; a rerun of the same session (what a click costs: the page script runs again on warm caches);
then a new session served from the caches. KPI_DATABASE_URL names the database.

A new AppTest scans the installed packages for components on its first run, which a server does
once at start; the rerun does not pay it, the new session does.

python bench/pages_render.py            the product's dashboard.py
python bench/pages_render.py --plain    baseline: a page that draws a small ready-made table
"""

import sys
import time

from measure import PROJECT_DIR, report
from streamlit.testing.v1 import AppTest

TIMEOUT = 300


def plain_page() -> None:
    import pandas as pd
    import streamlit as st

    st.title("Tổng quan")
    st.dataframe(pd.DataFrame({"a": range(20), "b": range(20)}), hide_index=True)


def main(plain: bool) -> None:
    account = None
    if not plain:
        # A server has its modules loaded before the first visitor; import time is not render time.
        # alembic is imported by the app's schema check on the first run (kpi.db imports it lazily).
        import alembic.command  # noqa: F401

        from bench.data import BENCH_ADMIN
        from kpi.app import session
        from kpi.store.accounts import get_account
        from kpi.store.db import make_engine

        account = get_account(make_engine(), BENCH_ADMIN)
    def new_session() -> AppTest:
        if plain:
            return AppTest.from_function(plain_page)
        app = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=TIMEOUT)
        app.session_state[session.ACCOUNT_KEY] = account  # logged in, as test_pages.py does
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
    report({"first": first, "cached": rerun, "new_session": render(new_session()), "cells": int(cells),
            "titles": titles, "exceptions": exceptions})


if __name__ == "__main__":
    main("--plain" in sys.argv[1:])
