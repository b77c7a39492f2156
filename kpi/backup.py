"""A consistent copy of the database while other processes keep writing."""

import sqlite3
from pathlib import Path

from sqlalchemy import Engine


def backup(engine: Engine, target: Path) -> None:
    if engine.dialect.name != "sqlite":
        raise NotImplementedError("Sao lưu hiện chỉ hỗ trợ SQLite.")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = engine.raw_connection()
    try:
        destination = sqlite3.connect(target)
        with destination:
            # SQLite's online backup copies a consistent snapshot, page by page, beside live writers.
            source.driver_connection.backup(destination)
        destination.close()
    finally:
        source.close()
