"""The store on both backends: migrations, upserts, the write lock, retries and readers beside a writer."""

import multiprocessing
import threading
import time
import traceback

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from kpi.files.catalogue import load_catalog
from kpi.store import queries
from kpi.store.db import BUSY_MESSAGE, DatabaseBusy, make_engine, read_session, upsert, write_session
from kpi.store.models import Plan, Reading, ReadingRevision, User
from kpi.store.readings import apply_readings, input_frame

ONE_READING = {"locality_code": "LAC_PHUONG", "indicator_code": "HOA_GIAI_THANH", "year": 2024,
               "numerator": 8, "denominator": 10}


def test_the_user_table_works_despite_its_reserved_name(engine):
    with write_session(engine) as session:
        session.add(User(name="cán bộ 1", password_hash="x", role="editor"))
    with read_session(engine) as session:
        assert session.scalars(select(User.name)).all() == ["cán bộ 1"]


def test_upsert_inserts_then_updates_in_place(engine):
    with write_session(engine) as session:
        upsert(session, Plan, [{"code": "KH_MOI", "title": "Kế hoạch mới"}], ["code"])
    with write_session(engine) as session:
        upsert(session, Plan, [{"code": "KH_MOI", "title": "Kế hoạch mới, sửa đổi"},
                               {"code": "KH_KHAC", "title": "Kế hoạch khác"}], ["code"])
    plans = queries.plans(engine).set_index("code")["title"]
    assert plans["KH_MOI"] == "Kế hoạch mới, sửa đổi" and plans["KH_KHAC"] == "Kế hoạch khác"


def test_a_failed_write_leaves_nothing_behind(engine):
    with pytest.raises(RuntimeError):
        with write_session(engine) as session:
            upsert(session, Plan, [{"code": "KH_DO_DANG", "title": "dở dang"}], ["code"])
            raise RuntimeError("mid-transaction failure")
    assert "KH_DO_DANG" not in set(queries.plans(engine)["code"])


def first_use(database_url: str, barrier, outcomes) -> None:
    """What every app process does on first use (kpi.cache.ensure_database), started at the same instant."""
    try:
        engine = make_engine(database_url)
        barrier.wait(timeout=60)
        load_catalog(engine)
        engine.dispose()
        outcomes.put("ok")
    except BaseException:
        outcomes.put(traceback.format_exc())


def test_app_processes_starting_together_migrate_one_after_another(database_url):
    context = multiprocessing.get_context("fork")
    barrier, outcomes = context.Barrier(4), context.Queue()
    processes = [context.Process(target=first_use, args=(database_url, barrier, outcomes)) for _ in range(4)]
    for process in processes:
        process.start()
    results = [outcomes.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert results == ["ok"] * 4
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    assert len(queries.localities(engine)) == 3
    engine.dispose()


def test_a_writer_waits_its_turn_and_readers_never_wait(engine, database_url):
    released = threading.Event()

    def hold_the_write_lock():
        with write_session(engine) as session:
            upsert(session, Plan, [{"code": "KH_GIU_KHOA", "title": "giữ khóa"}], ["code"])
            released.wait(timeout=10)
            time.sleep(0.8)

    waiting_engine = make_engine(database_url)
    with waiting_engine.connect():
        pass  # connected before the clock starts: a busy machine may take a while to open a connection
    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    time.sleep(0.3)
    started = time.monotonic()
    with read_session(waiting_engine) as session:
        assert session.scalar(select(func.count()).select_from(Reading)) == 0
    # The writer holds its lock for 10 s unless released below: a reader that waited would take that long.
    assert time.monotonic() - started < 5, "a reader waited for the writer"
    released.set()
    result = apply_readings(waiting_engine, input_frame([ONE_READING]), user_name="cb", source="form")
    waited = time.monotonic() - started
    holder.join()
    assert (result.created, result.updated) == (1, 0)
    assert waited >= 0.6, "the writer did not wait for the lock"
    assert "KH_GIU_KHOA" in set(queries.plans(waiting_engine)["code"])
    waiting_engine.dispose()


def test_a_database_busy_for_too_long_is_a_clear_message_and_writes_nothing(engine, database_url):
    impatient = make_engine(database_url, lock_timeout_s=0.1)
    with write_session(engine):
        started = time.monotonic()
        with pytest.raises(DatabaseBusy) as refused:
            apply_readings(impatient, input_frame([ONE_READING]), user_name="cb", source="form")
        elapsed = time.monotonic() - started
    assert str(refused.value) == BUSY_MESSAGE and "chưa ghi gì" in BUSY_MESSAGE
    assert 0.4 < elapsed < 10, "gave up without retrying, or retried without bound"
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ReadingRevision)) == 0
    assert apply_readings(impatient, input_frame([ONE_READING]), user_name="cb", source="form").created == 1
    impatient.dispose()


@pytest.mark.postgresql_only
def test_postgresql_ends_a_write_left_idle_so_others_can_write(engine, database_url):
    """An app machine that dies mid-write sends no reset; the server must not keep its lock for hours.
    (SQLite's locks die with the process that holds them: see test_crash.)"""
    stalled = make_engine(database_url, idle_in_transaction_timeout_s=1)
    with pytest.raises(DBAPIError, match="idle-in-transaction timeout"):
        with write_session(stalled) as session:
            time.sleep(2.5)
            session.execute(select(func.count()).select_from(Reading))
    started = time.monotonic()
    assert apply_readings(engine, input_frame([ONE_READING]), user_name="cb", source="form").created == 1
    assert time.monotonic() - started < 5
    stalled.dispose()


@pytest.mark.sqlite_only
def test_a_plain_postgresql_url_uses_psycopg_and_other_urls_are_refused():
    assert make_engine("postgresql://kpi@127.0.0.1:5432/kpi").dialect.driver == "psycopg"
    with pytest.raises(ValueError, match="KPI_DATABASE_URL phải là"):
        make_engine("mysql://kpi@localhost/kpi")
