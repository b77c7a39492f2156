"""Engine per backend (SQLite or PostgreSQL), pragmas, migrations and units of work.

Both backends give the same guarantee: one writer at a time, readers never wait. SQLite gets it from
BEGIN IMMEDIATE; PostgreSQL from one transaction-scoped advisory lock taken by every write transaction.
Serialising writers keeps "created / updated / unchanged" exact when two people save the same reading
at once, and a lock per reading would not fit PostgreSQL's lock table for a 100,000-row import.
"""

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection, Engine, Select, create_engine, event, text, true
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from kpi.problems import Problem, Rejected

if TYPE_CHECKING:
    from alembic.config import Config

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_DIR / "data" / "kpi.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# How long a writer waits for its turn (or any statement for a lock) before the attempt counts as busy.
LOCK_TIMEOUT_S = 30.0
# A PostgreSQL transaction left idle this long is ended by the server: an app machine that died mid-write
# (no TCP reset) would otherwise hold the write lock for hours. Longer than the pauses of a large import.
IDLE_IN_TRANSACTION_TIMEOUT_S = 300.0
# The newest migration in MIGRATIONS_DIR (tests/store/test_migrations.py holds the two together).
SCHEMA_HEAD = "0008"
# Any fixed bigint shared by every process of the app; "KPIW" in ASCII.
POSTGRES_WRITE_LOCK_KEY = 0x4B504957
# serialization_failure, deadlock_detected, lock_not_available: PostgreSQL asks to run the transaction again.
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}
WRITE_ATTEMPTS = 4
RETRY_FIRST_PAUSE_S = 0.2
BUSY_MESSAGE = ("Cơ sở dữ liệu đang bận vì nhiều người cùng ghi số liệu, nên chưa ghi gì. "
                "Vui lòng thử lại sau ít phút; nếu vẫn không được, báo cho quản trị hệ thống.")

T = TypeVar("T")


class DatabaseBusy(Rejected):
    """The database stayed busy through every retry; nothing was written."""

    def __init__(self):
        super().__init__([Problem(None, None, "", BUSY_MESSAGE)])


def database_url() -> str:
    return os.environ.get("KPI_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def make_engine(url: str | None = None, *, lock_timeout_s: float = LOCK_TIMEOUT_S,
                idle_in_transaction_timeout_s: float = IDLE_IN_TRANSACTION_TIMEOUT_S) -> Engine:
    url = url or database_url()
    timeout_ms = round(lock_timeout_s * 1000)
    if url.startswith(("postgresql://", "postgres://")):
        # The URL libpq and hosting panels print; psycopg 3 is the driver installed with the app.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("postgresql"):
        # pre_ping: a Streamlit process keeps its pool for days, across server restarts.
        options = (f"-c lock_timeout={timeout_ms} "
                   f"-c idle_in_transaction_session_timeout={round(idle_in_transaction_timeout_s * 1000)}")
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10, "options": options})
    if not url.startswith("sqlite"):
        raise ValueError(f"KPI_DATABASE_URL phải là sqlite:///… hoặc postgresql+psycopg://…, không phải «{url}».")
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": lock_timeout_s})
    event.listen(engine, "connect", lambda connection, _record: _configure_sqlite_connection(connection, timeout_ms))
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection, busy_timeout_ms: int) -> None:
    # Take BEGIN away from the driver so that writers can ask for BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite_transaction(connection) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is locked"
    # when another writer holds the lock, whatever the busy timeout; IMMEDIATE waits for it.
    if connection.get_execution_options().get("write"):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def without_index(column):
    """A column in a WHERE term that the database should check row by row in one pass over the
    table rather than answer through an index. For `year <= ?` or `year IN (…)` over the reading
    table SQLite takes the (indicator, year) index and fetches the rows it finds one by one: nearly
    every row of the table, one page read each (543,000 reads, a second of system time, at 582,065
    readings). `+ 0` keeps a term from an index as the unary `+` SQLite documents for that does
    (SQLAlchemy writes `+ 0`, not a unary `+`); PostgreSQL compares the same values."""
    return column + 0


# Beyond this many values an IN list costs more than one pass over the table it narrows.
IN_LIST_LIMIT = 500


def among(statement: Select, column, values: Sequence) -> Select:
    """The statement narrowed to rows whose `column` is one of `values` when they are few enough for an
    IN list to pay; otherwise unchanged, and the caller picks the rows it wants from every row."""
    values = list(values)
    return statement.where(column.in_(values)) if len(values) <= IN_LIST_LIMIT else statement


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed on success, rolled back whole on any error."""
    with Session(engine.execution_options(write=True)) as session:
        with session.begin():
            lock_writes(session.connection())
            yield session


def lock_writes(connection: Connection) -> None:
    """Wait for this transaction's turn to write (SQLite already waited in BEGIN IMMEDIATE)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_WRITE_LOCK_KEY})


def run_write(engine: Engine, work: Callable[[Session], T]) -> T:
    """work(session) in one write transaction, run again from the start when the database asks for it.

    Raises DatabaseBusy (a Rejected with a Vietnamese message) once the attempts are used up.
    """
    attempt = 1
    while True:
        try:
            with write_session(engine) as session:
                return work(session)
        except DBAPIError as error:
            if not is_retryable(error):
                raise
            if attempt == WRITE_ATTEMPTS:
                raise DatabaseBusy() from error
        # Jitter keeps writers that collided from colliding again on the same beat.
        time.sleep(RETRY_FIRST_PAUSE_S * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
        attempt += 1


def is_retryable(error: DBAPIError) -> bool:
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        message = str(original).lower()
        return "locked" in message or "busy" in message
    return getattr(original, "sqlstate", None) in RETRYABLE_SQLSTATES


def alembic_config(engine: Engine) -> "Config":
    # Imported here: alembic adds a quarter of a second to every command that does not migrate.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def is_initialised(engine: Engine) -> bool:
    """Whether the schema has been created (`python -m kpi init`, or the app's first start)."""
    from sqlalchemy import inspect

    return inspect(engine).has_table("alembic_version")


def schema_revision(engine: Engine) -> str | None:
    """The migration the database is at; None before its schema was created. Compared with SCHEMA_HEAD
    by the command line, which (unlike the app) does not upgrade a database by itself."""
    if not is_initialised(engine):
        return None
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def upgrade_schema(engine: Engine) -> None:
    from alembic import command

    # As a writer, so that several app processes starting at once migrate one after another.
    command.upgrade(alembic_config(engine.execution_options(write=True)), "head")


def upsert(session: Session, model, rows: list[dict], key_columns: list[str]) -> None:
    """Insert rows, or update every other given column where the key already exists."""
    if not rows:
        return
    columns = {key: [row[key] for row in rows] for key in rows[0]}
    statement = _insert(session, model)
    updated = {c: statement.excluded[c] for c in columns if c not in key_columns}
    execute_many(session, statement.on_conflict_do_update(index_elements=key_columns, set_=updated), columns)


def upsert_select(session: Session, model, rows: Select, key_columns: list[str]) -> None:
    """upsert() of the rows a SELECT returns, its columns named as the table's: the rows stay in the database."""
    columns = [column.name for column in rows.selected_columns]
    # WHERE: SQLite would otherwise read the ON of ON CONFLICT as a join constraint of the SELECT.
    statement = _insert(session, model).from_select(columns, rows.where(true()))
    updated = {c: statement.excluded[c] for c in columns if c not in key_columns}
    session.connection().execute(statement.on_conflict_do_update(index_elements=key_columns, set_=updated))


def _insert(session: Session, model):
    # The table, not the ORM class: an ORM bulk insert leaves out None values and so splits the rows
    # into one statement per run of rows with the same non-null columns (thousands for a mixed file).
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model.__table__)


def execute_many(session: Session, statement, columns: dict[str, list]) -> None:
    """One INSERT for every row, its parameters (given column by column) handed to the driver ready-made.

    SQLAlchemy prepares every parameter of every row in Python, which was most of the time of a
    100,000-row import; here a column's bind processor (datetimes, booleans) runs only where its
    type has one.
    """
    count = len(next(iter(columns.values()), []))
    if not count:
        return
    connection = session.connection()
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    ready = {}
    for key, values in columns.items():
        process = statement.table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        ready[key] = [process(v) for v in values] if process else values
    names = compiled.positiontup
    if names is None:
        parameters = [dict(zip(ready, row)) for row in zip(*ready.values())]
    else:
        parameters = list(zip(*(ready[name] for name in names)))
    connection.exec_driver_sql(compiled.string, parameters)
