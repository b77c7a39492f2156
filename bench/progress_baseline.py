"""Baseline for `progress --json`: a plain pandas groupby, the latest value of every locality and
indicator up to a year, read from the same database and printed as JSON.

python bench/progress_baseline.py DATABASE YEAR
"""

import json
import sqlite3
import sys

import pandas as pd


def main(database: str, year: str) -> None:
    connection = sqlite3.connect(database)
    frame = pd.read_sql(
        "SELECT r.locality_code, r.indicator_code, r.year, r.numerator, r.denominator, r.value, i.kind "
        "FROM reading r JOIN indicator i ON i.code = r.indicator_code WHERE r.year <= ?",
        connection, params=(int(year),))
    ratio = frame["kind"] == "ratio"
    percent = 100 * frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)
    frame["value"] = percent.where(ratio, frame["value"])
    frame = frame[frame["value"].notna()].sort_values("year")
    latest = frame.groupby(["locality_code", "indicator_code"]).tail(1)
    columns = ["locality_code", "indicator_code", "year", "value"]
    print(json.dumps(latest[columns].to_dict("records"), ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
