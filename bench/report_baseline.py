"""Baselines for the city's meeting reports, each a whole process like `python -m kpi report`:

python bench/report_baseline.py xlsx DATABASE YEAR OUT.csv
    the rows of the Excel report's «Số liệu» sheet (every reading of the five years shown, with the
    names of its locality and indicator), read with pandas from SQLite and written as plain CSV.
python bench/report_baseline.py docx ROWS OUT.docx
    a bare python-docx document with one table of ROWS rows of 5 cells (the size of the report's
    ranking of every locality), each cell's text set through python-docx.
"""

import sqlite3
import sys

from measure import report

YEARS_SHOWN = 5
COLUMNS = 5


def spreadsheet(database: str, year: str, out: str) -> None:
    import pandas as pd

    last = int(year)
    with sqlite3.connect(database) as connection:
        frame = pd.read_sql(
            "SELECT r.locality_code, l.name AS locality_name, i.\"group\", r.indicator_code, i.name AS indicator_name,"
            " r.year, r.numerator, r.denominator, r.value, r.is_demo, r.note FROM reading r"
            " JOIN locality l ON l.code = r.locality_code JOIN indicator i ON i.code = r.indicator_code"
            " WHERE r.year BETWEEN ? AND ? ORDER BY r.locality_code, i.position, r.year",
            connection, params=(last - YEARS_SHOWN + 1, last))
    frame.to_csv(out, index=False)
    report({"rows": len(frame)})


def document(rows: str, out: str) -> None:
    from docx import Document

    word = Document()
    table = word.add_table(rows=1, cols=COLUMNS)
    for number in range(int(rows)):
        for column, cell in enumerate(table.add_row().cells):
            cell.text = f"{number}.{column}"
    word.save(out)
    report({"rows": int(rows)})


if __name__ == "__main__":
    kind, *arguments = sys.argv[1:]
    {"xlsx": spreadsheet, "docx": document}[kind](*arguments)
