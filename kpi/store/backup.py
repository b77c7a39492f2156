"""Consistent copies of the database while others keep writing, and restoring one into an empty database.

SQLite: the online backup API copies a snapshot page by page beside live writers; the copy is itself an
SQLite file. PostgreSQL: pg_dump in its custom format (one snapshot of the whole database), restored by
pg_restore in a single transaction. Either way a restore goes into an empty database only, so that it can
never mix with or overwrite live data, and the schema is then brought up to this version of the code.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select

from kpi.store.db import upgrade_schema
from kpi.store.models import Reading

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
PG_TOOL_TIMEOUT_S = 6 * 3600


class BackupError(Exception):
    """A backup or restore that could not be done; the message is for the administrator, in Vietnamese."""


def backup(engine: Engine, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed at the end, so that a failed backup never looks like a good one.
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_backup(engine, partial)
        else:
            _run_pg_tool(engine, "pg_dump", ["--format=custom", f"--file={partial}"])
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def restore(engine: Engine, source: Path) -> int:
    """Fill an empty database from a file made by backup() and upgrade its schema; returns the readings count."""
    if not source.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu: {source}")
    with source.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    backend = engine.dialect.name
    expected = SQLITE_HEADER if backend == "sqlite" else PG_DUMP_HEADER
    if not header.startswith(expected):
        made_by = {SQLITE_HEADER: "SQLite", PG_DUMP_HEADER: "PostgreSQL"}
        found = next((name for prefix, name in made_by.items() if header.startswith(prefix)), None)
        what = f"là bản sao lưu {found}" if found else "không phải bản sao lưu của ứng dụng"
        raise BackupError(f"Tệp {source.name} {what}; cơ sở dữ liệu đích là {_BACKEND_NAMES[backend]}. "
                          "Chỉ khôi phục được bản sao lưu cùng loại cơ sở dữ liệu.")
    tables = inspect(engine).get_table_names()
    if tables:
        raise BackupError(f"Cơ sở dữ liệu đích đã có {len(tables)} bảng. Chỉ khôi phục vào một cơ sở dữ liệu trống "
                          "(tạo mới rồi trỏ KPI_DATABASE_URL tới đó), để không lẫn hay ghi đè số liệu đang có.")
    if backend == "sqlite":
        _sqlite_restore(engine, source)
    else:
        _run_pg_tool(engine, "pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error",
                                            "--single-transaction", str(source)])
    if "alembic_version" not in inspect(engine).get_table_names():
        raise BackupError(f"Tệp {source.name} không chứa cơ sở dữ liệu của ứng dụng này.")
    upgrade_schema(engine)
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Reading)).scalar_one()


_BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _sqlite_backup(engine: Engine, target: Path) -> None:
    source = engine.raw_connection()
    try:
        destination = sqlite3.connect(target)
        try:
            # One step (pages=-1): the whole copy is read in one snapshot, whatever writers do meanwhile.
            source.driver_connection.backup(destination)
            # The copy inherits WAL mode; a rollback journal makes it one self-contained file.
            destination.execute("PRAGMA journal_mode=DELETE")
        finally:
            destination.close()
    finally:
        source.close()


def _sqlite_restore(engine: Engine, source: Path) -> None:
    backup_file = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    destination = engine.raw_connection()
    try:
        backup_file.backup(destination.driver_connection)
    finally:
        destination.close()
        backup_file.close()


def _run_pg_tool(engine: Engine, tool: str, arguments: list[str]) -> None:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"Không tìm thấy lệnh {tool}. Cài gói postgresql-client (Debian: apt-get install "
                          "postgresql-client), cùng phiên bản với máy chủ PostgreSQL hoặc mới hơn.")
    url = engine.url
    # The password goes through the environment, never the command line that `ps` shows to everyone.
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    finished = subprocess.run([executable, f"--dbname={conninfo}", *arguments], env=environment,
                              capture_output=True, text=True, timeout=PG_TOOL_TIMEOUT_S)
    if finished.returncode != 0:
        raise BackupError(f"{tool} không thành công (mã {finished.returncode}): {finished.stderr.strip()}")
