"""Every reading's engine columns for evaluating the whole store, without reading every reading again
after each write.

The whole store's evaluation (the city's overview, `progress`, the city's reports) needs the six engine
columns of every reading. Reading 580,000 of them through the driver took about a second, again after
every save of a form. The store keeps them as one Arrow file (models.ReadingSnapshot) together with the
last history id it includes; a reader takes the file and reads only the readings written since: their
triples are in the history rows after that id, a handful after a form's save.

Why the result is exact:
- Every write of a reading writes its history row in the same transaction (kpi.store.readings), and
  history ids grow in the order writes commit, one writer at a time (kpi.store.db).
- A snapshot is always the store as one read transaction saw it, stored with the last history id that
  transaction saw. So the readings of triples without a history row since are as in the snapshot, unless
  they were deleted (kpi.store.readings.delete_demo deletes without history).
- A deletion leaves the patched readings more numerous than the store's, so a patch whose count differs
  from the store's is thrown away and everything is read.
A reading changed around the app (SQL typed by hand, no history row) is not seen by this, not even after
later writes (the app's caches would see it at the next write): deleting the snapshot's row makes the
next reader read everything, as operations.md tells administrators.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from kpi.store.db import is_sqlite
from kpi.store.models import Reading, ReadingRevision, ReadingSnapshot
from kpi.store.queries import READING_COLUMNS, engine_columns
from kpi.vocabulary import KEY

# History rows written since the snapshot beyond which reading everything is cheaper than patching.
PATCH_LIMIT = 20_000
# History rows since the snapshot beyond which a reader stores its patched readings as the new snapshot,
# so that patches stay small.
STORE_AFTER = 500
# How long storing a snapshot waits for another writer: a cache, so it gives up and the next reader stores it.
STORE_WAIT_MS = 250
CODES = ["locality_code", "indicator_code"]

_ENGINE_COLUMNS = [getattr(Reading, column) for column in READING_COLUMNS]


def whole_store(engine: Engine, up_to: int | None = None) -> pd.DataFrame:
    """Every reading's engine columns (up to a year), the rows of queries.readings(engine,
    ordered=False) in no particular order, with the codes as categories."""
    with _read_transaction(engine) as connection:
        latest = connection.execute(select(func.coalesce(func.max(ReadingRevision.id), 0))).scalar_one()
        count = connection.execute(select(func.count()).select_from(Reading)).scalar_one()
        kept = connection.execute(select(ReadingSnapshot.revision_id, ReadingSnapshot.data)).one_or_none()
        readings = _patched(connection, kept, latest, count)
        read_all = readings is None
        if read_all:
            readings = engine_columns(connection, select(*_ENGINE_COLUMNS)).astype({code: "category" for code in CODES})
    if read_all or latest - kept.revision_id > STORE_AFTER:
        store(engine, latest, readings)
    if up_to is not None:
        readings = readings[readings["year"].to_numpy() <= up_to].reset_index(drop=True)
    return readings


def store(engine: Engine, revision_id: int, readings: pd.DataFrame) -> None:
    """Keep readings (the whole store as it was when the history ended at revision_id) as the snapshot,
    unless a newer one is kept already or another writer holds the database beyond a short wait."""
    data = _encoded(readings)
    try:
        with _write_transaction(engine) as connection:
            kept = connection.execute(select(ReadingSnapshot.revision_id)).scalar_one_or_none()
            if kept is not None and kept > revision_id:
                return
            connection.execute(delete(ReadingSnapshot))
            connection.execute(insert(ReadingSnapshot).values(id=1, revision_id=revision_id,
                                                              reading_count=len(readings), data=data))
    except DBAPIError:
        # Busy (an import holds the write lock) or another reader storing at the same moment.
        pass


def _patched(connection: Connection, kept, latest: int, count: int) -> pd.DataFrame | None:
    """The snapshot with the readings written since put in; None when it cannot be made exact cheaply."""
    if kept is None or not 0 <= latest - kept.revision_id <= PATCH_LIMIT:
        return None
    readings = _decoded(kept.data)
    if latest > kept.revision_id:
        # The history rows since, by their primary key; no DISTINCT in SQL, for which SQLite would scan
        # the whole history's triple index instead (a triple written twice is read twice).
        changed = (select(ReadingRevision.locality_code, ReadingRevision.indicator_code, ReadingRevision.year)
                   .where(ReadingRevision.id > kept.revision_id).subquery())
        triples = pd.DataFrame(connection.execute(select(changed)).all(), columns=KEY)
        written = (select(*_ENGINE_COLUMNS).select_from(changed)
                   .join(Reading, and_(*(getattr(Reading, key) == changed.c[key] for key in KEY))))
        current = engine_columns(connection, written).drop_duplicates(KEY)
        readings = _replaced(readings, triples.drop_duplicates(), current)
    return readings if len(readings) == count else None


def _replaced(readings: pd.DataFrame, triples: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """readings without the rows of triples, with the current rows of those triples (none if deleted)."""
    for code in CODES:
        # A code new to the snapshot joins its categories (the positions of the others stay).
        new = pd.Index(current[code].unique()).difference(readings[code].cat.categories)
        if len(new):
            readings = readings.assign(**{code: readings[code].cat.add_categories(new)})
    stale = np.isin(_triple_keys(readings, readings), _triple_keys(readings, triples))
    current = current.astype({code: readings[code].dtype for code in CODES})
    return pd.concat([readings[~stale], current], ignore_index=True)


def _triple_keys(readings: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """One integer per (locality, indicator, year) of rows, from positions in readings' categories; -1
    for a code readings lack, so that such a row matches none of readings'."""
    locality, indicator = (readings[code].cat.categories.get_indexer(rows[code]).astype(np.int64) for code in CODES)
    keys = (locality << 32) + (indicator << 16) + rows["year"].to_numpy(dtype=np.int64)
    return np.where((locality < 0) | (indicator < 0), -1, keys)


def _encoded(readings: pd.DataFrame) -> bytes:
    table = pa.Table.from_pandas(readings[READING_COLUMNS], preserve_index=False)
    sink = pa.BufferOutputStream()
    # zstd: a tenth of the size for a quarter of the time of writing it plain.
    with ipc.new_file(sink, table.schema, options=ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _decoded(data: bytes) -> pd.DataFrame:
    table = ipc.open_file(pa.BufferReader(data)).read_all()
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return frame.astype({"year": np.int64})


@contextmanager
def _read_transaction(engine: Engine) -> Iterator[Connection]:
    """One view of the store for every statement (SQLite: one read transaction in WAL; PostgreSQL:
    REPEATABLE READ), so that the history's last id, the count and the readings agree."""
    options = {} if is_sqlite(engine) else {"isolation_level": "REPEATABLE READ"}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield connection


@contextmanager
def _write_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect().execution_options(write=True) as connection:
        if is_sqlite(engine):
            # On the driver's connection, outside any transaction; a pooled connection, so its usual
            # wait is put back before it goes back to the pool.
            driver = connection.connection.driver_connection
            usual = driver.execute("PRAGMA busy_timeout").fetchone()[0]
            driver.execute(f"PRAGMA busy_timeout={STORE_WAIT_MS}")
            try:
                with connection.begin():
                    yield connection
            finally:
                driver.execute(f"PRAGMA busy_timeout={usual}")
        else:
            with connection.begin():
                connection.execute(text(f"SET LOCAL lock_timeout = {STORE_WAIT_MS}"))
                yield connection
