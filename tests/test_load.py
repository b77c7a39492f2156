"""The load bench's driver (bench/load.py, bench/streamlit_client.py) against a real `streamlit run
serve.py`: two sessions log in through the login form and change the overview's year, and every
interaction timed showed the overview for that year; a refused login is not timed as an interaction."""

import asyncio

import pytest

from bench.deployment import app_process, free_port
from bench.load import OVERVIEW_TITLE, InteractionFailed, measure
from kpi.store.accounts import create_user

ADMIN, PASSWORD = "quantri", "Mật khẩu quản trị 2026"


@pytest.mark.sqlite_only
def test_the_load_driver_times_year_changes_on_the_overview(demo_engine, database_url, tmp_path):
    create_user(demo_engine, ADMIN, PASSWORD, "admin")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with app_process(database_url, port, tmp_path / "app.log") as server:
        result = asyncio.run(measure(base, 2, 1, ADMIN, PASSWORD, servers=[server.pid]))
        with pytest.raises(InteractionFailed):
            asyncio.run(measure(base, 1, 1, ADMIN, "không phải mật khẩu"))

    assert len(result.seconds) == 2 and all(seconds > 0 for seconds in result.seconds)
    assert result.split == {base: 2}
    for headings in result.headings:
        assert OVERVIEW_TITLE in headings
        assert any(" năm " in heading and "địa phương đã báo cáo" in heading for heading in headings), headings
    assert result.server_cpu > 0 and result.server_rss_mb[0] > 100
