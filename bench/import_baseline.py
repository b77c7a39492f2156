"""Baseline for the import: the same rows into the same table with bare sqlite3, one transaction.

python bench/import_baseline.py DATABASE FILE.csv
"""

import csv
import sqlite3
import sys
import time

from measure import report

COLUMNS = "locality_code, indicator_code, year, numerator, denominator, value, note, entered_by, entered_at, source, is_demo"


def main(database: str, file_name: str) -> None:
    with open(file_name, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = [(code, indicator, int(year), _int(numerator), _int(denominator), _int(value), note or None,
                 "bench", "2026-01-15 08:00:00.000000", "import", 0)
                for code, indicator, year, numerator, denominator, value, note in reader]
    connection = sqlite3.connect(database)
    started = time.perf_counter()
    with connection:
        connection.executemany(f"INSERT INTO reading ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    report({"seconds": time.perf_counter() - started, "rows": len(rows)})


def _int(text: str) -> int | None:
    return int(text) if text else None


if __name__ == "__main__":
    main(*sys.argv[1:])
