"""An import (`python -m kpi import`) killed with SIGKILL in the middle of its transaction leaves all of it
or none of it."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from conftest import PROJECT_DIR
from sqlalchemy import func, make_url, select, text

from kpi.files.catalogue import add_localities
from kpi.store.db import read_session
from kpi.store.models import ImportBatch, Reading, ReadingRevision
from kpi.store.readings import apply_readings, input_frame
from kpi.years import FIRST_YEAR, current_year

PLAN = "KH_LAC_PHUONG_2026"
GENERATED_LOCALITIES = 300
APPLICATION_NAME = "kpi-crash-test"


def large_file(engine, path: Path) -> int:
    """Hundreds of generated communes, every indicator of their plan, every year: a city-sized file."""
    codes = [f"XA_THU_{n:04d}" for n in range(GENERATED_LOCALITIES)]
    localities = "code,name,kind,parent_code,ma_dvhc,plan_code\n" + "".join(
        f"{code},xã Thử {n},xã,HAI_PHONG,,{PLAN}\n" for n, code in enumerate(codes))
    add_localities(engine, localities.encode(), "xa_thu.csv")
    with read_session(engine) as session:
        kinds = session.execute(text(
            "SELECT t.indicator_code, i.kind FROM plantarget t JOIN indicator i ON i.code = t.indicator_code "
            "WHERE t.plan_code = :plan"), {"plan": PLAN}).all()
    rows = []
    for n, code in enumerate(codes):
        for indicator, kind in kinds:
            for year in range(FIRST_YEAR, current_year() + 1):
                figures = ({"numerator": n % 7, "denominator": 7 + year % 5} if kind == "ratio"
                           else {"value": year % 2 if kind == "boolean" else n % 9})
                rows.append({"locality_code": code, "indicator_code": indicator, "year": year, **figures,
                             "note": f"dòng {len(rows) + 1}"})
    figures = {"numerator": "Int64", "denominator": "Int64", "value": "Int64"}
    pd.DataFrame(rows).astype(figures).to_csv(path, index=False)
    return len(rows)


def stored_counts(engine) -> tuple[int, int, int]:
    with read_session(engine) as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (Reading, ReadingRevision, ImportBatch))


def wait_until(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)


def inside_sqlite_transaction(database_url: str):
    """True once the importer's uncommitted pages spill into the WAL: it is writing, far from done."""
    wal = Path(make_url(database_url).database + "-wal")
    return lambda: wal.exists() and wal.stat().st_size > 2_000_000


def inside_postgres_transaction(engine):
    """True while the importer's backend is executing its INSERTs into the readings."""
    def check() -> bool:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name AND state = 'active' "
                "AND query ILIKE 'INSERT INTO reading %'"), {"name": APPLICATION_NAME}).scalar_one() > 0
    return check


def importer_gone(engine):
    def check() -> bool:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                                      {"name": APPLICATION_NAME}).scalar_one() == 0
    return check


def test_an_import_killed_mid_transaction_leaves_nothing_half_written(engine, backend, database_url, tmp_path):
    before = apply_readings(engine, input_frame([{"locality_code": "LAC_PHUONG", "indicator_code": "HOA_GIAI_THANH",
                                                   "year": 2024, "numerator": 8, "denominator": 10}]),
                            user_name="cán bộ", source="form")
    file = tmp_path / "lon.csv"
    rows = large_file(engine, file)
    assert rows >= 50_000
    counts_before = stored_counts(engine)

    child_url = make_url(database_url)
    if backend == "postgresql":
        child_url = child_url.update_query_dict({"application_name": APPLICATION_NAME})
    importer = subprocess.Popen(
        [sys.executable, "-m", "kpi", "import", str(file)], cwd=PROJECT_DIR, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        env={**os.environ, "KPI_DATABASE_URL": child_url.render_as_string(hide_password=False)})
    inside = inside_sqlite_transaction(database_url) if backend == "sqlite" else inside_postgres_transaction(engine)
    wait_until(lambda: inside() or importer.poll() is not None, "the importer is inside its transaction")
    importer.send_signal(signal.SIGKILL)
    stdout, stderr = importer.communicate(timeout=30)
    assert importer.returncode == -signal.SIGKILL, f"the importer ended on its own first: {stdout} {stderr}"
    assert "Đã nhập" not in stdout

    if backend == "postgresql":
        wait_until(importer_gone(engine), "the server has rolled back the killed importer's transaction")
    else:
        checked = sqlite3.connect(make_url(database_url).database)
        assert checked.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert checked.execute("PRAGMA foreign_key_check").fetchall() == []
        checked.close()
    # Killed before its commit: none of it. (All of it would mean the kill came too late to test anything.)
    assert stored_counts(engine) == counts_before
    assert before.created == 1

    # The lock died with the importer: the next writer goes straight through.
    after = apply_readings(engine, input_frame([{"locality_code": "XA_THU_0000", "indicator_code": "HOA_GIAI_THANH",
                                                  "year": 2024, "numerator": 1, "denominator": 2}]),
                           user_name="cán bộ", source="form")
    assert (after.created, stored_counts(engine)) == (1, (counts_before[0] + 1, counts_before[1] + 1,
                                                          counts_before[2] + 1))
