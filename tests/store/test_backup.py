"""Backups taken while staff keep writing, restored into an empty database, on both backends."""

import time

import pandas as pd
import pytest
from sqlalchemy import func, inspect, select
from sqlmodel import SQLModel
from test_concurrency import Writers

from kpi.store.backup import BackupError, backup, restore
from kpi.store.db import make_engine, read_session
from kpi.store.models import ImportBatch, ReadingRevision
from kpi.store.readings import apply_readings, input_frame

ONE_READING = {"locality_code": "NHI_CHIEU", "indicator_code": "HO_TICH_DUNG_HAN", "year": 2023,
               "numerator": 5, "denominator": 9}


def contents(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, the schema version included, in primary key order."""
    engine = make_engine(url)
    with engine.connect() as connection:
        tables = {name: [tuple(row) for row in connection.execute(table.select().order_by(*table.primary_key))]
                  for name, table in SQLModel.metadata.tables.items()}
        tables["alembic_version"] = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    engine.dispose()
    return tables


def batches_in_history(url: str) -> pd.DataFrame:
    """Per batch: the counts it recorded and the revisions the history holds for it."""
    engine = make_engine(url)
    with read_session(engine) as session:
        batches = pd.DataFrame(session.execute(select(ImportBatch.id, ImportBatch.created + ImportBatch.updated)).all(),
                               columns=["batch_id", "written"])
        revisions = pd.DataFrame(session.execute(select(ReadingRevision.batch_id, func.count())
                                                 .group_by(ReadingRevision.batch_id)).all(),
                                 columns=["batch_id", "revisions"])
    engine.dispose()
    return batches.merge(revisions, on="batch_id", how="left").fillna({"revisions": 0})


def test_a_backup_taken_while_staff_write_restores_whole(engine, database_url, new_database_url, run_cli, tmp_path):
    writers = Writers(database_url, tmp_path, ["form", "form", "import", "import"], seconds=5)
    with read_session(engine) as session:
        deadline = time.monotonic() + 60
        while session.scalar(select(func.count()).select_from(ImportBatch)) < 3 and time.monotonic() < deadline:
            session.rollback()
            time.sleep(0.05)
    backup(engine, tmp_path / "while-writing.bak")
    writes = writers.writes()

    while_writing = new_database_url()
    restored = run_cli("restore", tmp_path / "while-writing.bak", url=while_writing)
    assert restored.returncode == 0, restored.stderr
    assert "Đã khôi phục" in restored.stdout
    # A snapshot: every write in it is whole, and it holds the first writes but not all of them.
    snapshot = batches_in_history(while_writing)
    assert (snapshot["revisions"] == snapshot["written"]).all()
    assert 3 <= len(snapshot) < len(writes)
    live, copy = contents(database_url), contents(while_writing)
    assert set(copy["importbatch"]) <= set(live["importbatch"])
    assert set(copy["readingrevision"]) <= set(live["readingrevision"])

    # Once the writers are done, backup and restore give back exactly what is stored.
    assert run_cli("backup", tmp_path / "quiet.bak").returncode == 0
    quiet = new_database_url()
    assert run_cli("restore", tmp_path / "quiet.bak", url=quiet).returncode == 0
    assert contents(quiet) == contents(database_url)

    # The restored database takes new writes (its id sequences came back too).
    restored_engine = make_engine(quiet)
    result = apply_readings(restored_engine, input_frame([ONE_READING]), user_name="cán bộ", source="form")
    assert result.batch_id == max(batch_id for batch_id, *_ in live["importbatch"]) + 1
    restored_engine.dispose()


def test_restore_goes_only_into_an_empty_database(demo_engine, database_url, run_cli, tmp_path):
    assert run_cli("backup", tmp_path / "kpi.bak").returncode == 0
    before = contents(database_url)
    refused = run_cli("restore", tmp_path / "kpi.bak")
    assert refused.returncode == 1
    assert "Chỉ khôi phục vào một cơ sở dữ liệu trống" in refused.stderr
    assert contents(database_url) == before


def test_restore_refuses_files_it_cannot_restore(backend, new_database_url, run_cli, tmp_path):
    other = "PostgreSQL" if backend == "sqlite" else "SQLite"
    (tmp_path / "other.bak").write_bytes(b"PGDMP\x01\x0e" if backend == "sqlite" else b"SQLite format 3\x00")
    (tmp_path / "notes.txt").write_text("không phải bản sao lưu", encoding="utf-8")
    target = make_engine(new_database_url())
    with pytest.raises(BackupError, match=f"là bản sao lưu {other}"):
        restore(target, tmp_path / "other.bak")
    with pytest.raises(BackupError, match="không phải bản sao lưu của ứng dụng"):
        restore(target, tmp_path / "notes.txt")
    assert inspect(target).get_table_names() == []
    target.dispose()
    missing = run_cli("restore", tmp_path / "missing.bak")
    assert missing.returncode == 2 and "Không tìm thấy tệp" in missing.stderr
