"""Render the app's default page (the overview) with Streamlit's AppTest: a first render with empty
caches, then a second session served from the caches. KPI_DATABASE_URL names the database.

python bench/pages_render.py            the product's dashboard.py
python bench/pages_render.py --plain    baseline: a page that draws a small ready-made table
"""

import sys
import time

from streamlit.testing.v1 import AppTest

from measure import PROJECT_DIR, report

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
        from bench.data import BENCH_ADMIN
        from kpi import ui
        from kpi.auth import get_account
        from kpi.db import make_engine

        account = get_account(make_engine(), BENCH_ADMIN)
    renders = []
    tests = []
    for _ in range(2):
        if plain:
            app = AppTest.from_function(plain_page)
        else:
            app = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=TIMEOUT)
            app.session_state[ui.ACCOUNT_KEY] = account  # logged in, as test_pages.py does
        started = time.perf_counter()
        app.run(timeout=TIMEOUT)
        renders.append(time.perf_counter() - started)
        tests.append(app)
    app = tests[0]
    cells = sum(frame.value.size for frame in app.dataframe)
    titles = [title.value for title in app.title]
    report({"first": renders[0], "cached": renders[1], "cells": int(cells), "titles": titles,
            "exceptions": [str(e.value)[:300] for e in app.exception]})


if __name__ == "__main__":
    main("--plain" in sys.argv[1:])
