"""The data version: one number in the database, raised by every write, read once per page run.

Every cache of the app is keyed by it (kpi.app.cache), so a write made anywhere, by the form, an
upload, the command line or another app process, shows at the next rerun of every session, and
checking costs one primary-key read.

EVERY WRITE PATH MUST CALL bump(session) inside its own write transaction (kpi.store.db.write_session
or run_write), so that the new number and the data it stands for are committed together: readings
(kpi.store.readings), approvals, localities and the catalogue (kpi.files.catalogue), accounts, the
demo loader (through the readings), restores. A new write path that forgets it leaves every app
process showing the old data until something else is written.
"""

from sqlalchemy import Engine, select, update
from sqlmodel import Session

from kpi.store.models import DataVersion

ROW_ID = 1


def bump(session: Session) -> None:
    """Raise the data version, inside the caller's write transaction."""
    raised = session.execute(update(DataVersion).where(DataVersion.id == ROW_ID)
                             .values(version=DataVersion.version + 1)).rowcount
    if not raised:
        # The migration inserts the row; a database restored from a copy without it gets it here.
        session.add(DataVersion(id=ROW_ID, version=1))
        session.flush()


def current(engine: Engine) -> int:
    """The data version now (0 before the first write)."""
    with engine.connect() as connection:
        return connection.execute(select(DataVersion.version).where(DataVersion.id == ROW_ID)).scalar_one_or_none() or 0
