"""Alembic environment: runs against the engine handed over by kpi.store.db.upgrade_schema."""

from alembic import context
from sqlmodel import SQLModel

import kpi.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from kpi.store.db import lock_writes

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        # Every migration in the one transaction begun (as a writer) before the database's revision is
        # read. Alembic's SQLite default commits after each migration: a second process that had waited
        # for the lock then read the revision in between and ran the next migration too ("table
        # loginattempt already exists" with four processes starting at once on a busy machine).
        transactional_ddl=True,
    )
    with context.begin_transaction():
        lock_writes(connection)
        context.run_migrations()
    connection.commit()
