"""Tables the pages show besides statuses: problems, import batches, a figure's history, the
readings list and its filter. Vietnamese headers, figures formatted by kpi.formatting.
"""

import pandas as pd

from kpi import formatting as fmt
from kpi.problems import Problem
from kpi.vocabulary import COLUMN_LABELS, FIGURES, YES_NO_TEXT


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """Every problem by row and column, as the official fixing the file reads it."""
    return pd.DataFrame({
        "Dòng": [fmt.NO_VALUE if p.row is None else str(p.row) for p in problems],
        "Cột": [p.column or fmt.NO_VALUE for p in problems],
        "Giá trị": [p.value for p in problems],
        "Lỗi": [p.message for p in problems],
    })


# At 1366 px the reason of a problem (the last column) is the text to read: the other columns only as wide
# as they need, the reason the rest of the width.
PROBLEM_WIDTHS = {"Dòng": 60, "Cột": 150, "Giá trị": 170, "Lỗi": 800}
# A data grid wraps a cell's text only in rows taller than 4rem: a reason of 800 px holds about this many
# characters a line at 1366×768; rows are made as tall as the longest reason needs, up to REASON_MOST_LINES
# (a longer one is read whole in the cell's pop-up).
REASON_CHARS_PER_LINE = 100
REASON_MOST_LINES = 4
LINE_PX, ROW_PADDING_PX = 20, 16


def problem_row_height(problems: pd.DataFrame, wrapping_above_px: int) -> int | None:
    """The height of the problems table's rows in pixels, taller than wrapping_above_px (4rem) where a
    reason needs more than one line; None (the grid's own) otherwise."""
    longest = int(problems["Lỗi"].str.len().max()) if len(problems) else 0
    lines = min(-(-longest // REASON_CHARS_PER_LINE), REASON_MOST_LINES)
    return None if lines <= 1 else max(ROW_PADDING_PX + LINE_PX * lines, wrapping_above_px + 1)


def batches_table(batches: pd.DataFrame, people: dict[str, str] | None = None) -> pd.DataFrame:
    """Import batches; people named as kpi.store.accounts.people gives."""
    people = people or {}
    return pd.DataFrame({
        "Lần nhập": batches["id"].astype(int).astype(str).tolist(),
        "Thời điểm": [fmt.format_timestamp(t) for t in batches["created_at"]],
        "Người nhập": [people.get(name, name) for name in batches["user_name"]],
        "Cách nhập": batches["source"].map(lambda s: fmt.SOURCE_LABELS.get(s, s)).tolist(),
        "Tệp": batches["file_name"].fillna(fmt.NO_VALUE).tolist(),
        "Tạo mới": batches["created"].map(fmt.format_integer).tolist(),
        "Cập nhật": batches["updated"].map(fmt.format_integer).tolist(),
        "Không đổi": batches["unchanged"].map(fmt.format_integer).tolist(),
    })


def history_table(history: pd.DataFrame, kind: str, *, with_year: bool = False,
                  people: dict[str, str] | None = None) -> pd.DataFrame:
    """Figures as written (a reading's revisions, or one reading per year): what, who (named as
    kpi.store.accounts.people gives), when, how."""
    people = people or {}
    table = pd.DataFrame({
        "Thời điểm": [fmt.format_timestamp(t) for t in history["entered_at"]],
        "Số liệu": [fmt.format_value(kind, r.numerator, r.denominator, r.value) for r in history.itertuples()],
        "Tử số/Mẫu số": [fmt.format_counts(r.numerator, r.denominator) for r in history.itertuples()],
        "Người nhập": [people.get(name, name) for name in history["entered_by"]],
        "Cách nhập": history["source"].map(lambda s: fmt.SOURCE_LABELS.get(s, s)).tolist(),
        "Ghi chú": history["note"].fillna("").tolist(),
        "Dữ liệu minh họa": history["is_demo"].map(YES_NO_TEXT).tolist(),
    })
    if with_year:
        table.insert(0, "Năm", history["year"].astype(int).astype(str).tolist())
    return table


READINGS_HEADERS = {
    "locality_name": "Địa phương", "indicator_name": "Chỉ tiêu", "year": "Năm", "figure": "Số liệu",
    "numerator": COLUMN_LABELS["numerator"], "denominator": COLUMN_LABELS["denominator"],
    "value": COLUMN_LABELS["value"], "note": COLUMN_LABELS["note"], "entered_by": "Người nhập",
    "entered_text": "Thời điểm", "source_text": "Cách nhập", "is_demo": "Dữ liệu minh họa",
}


def readings_table(readings: pd.DataFrame, kinds: pd.Series) -> pd.DataFrame:
    """The readings list as users read it; kinds maps indicator_code -> kind."""
    table = readings.copy()
    kind = table["indicator_code"].map(kinds)
    table["figure"] = [fmt.format_value(k, r.numerator, r.denominator, r.value) for k, r in zip(kind, table.itertuples())]
    table["year"] = table["year"].astype(str)
    table["entered_text"] = [fmt.format_timestamp(t) for t in table["entered_at"]]
    table["source_text"] = table["source"].map(lambda s: fmt.SOURCE_LABELS.get(s, s))
    for column in FIGURES:
        table[column] = table[column].map(lambda n: "" if pd.isna(n) else fmt.format_integer(n))
    table["note"] = table["note"].fillna("")
    return table[list(READINGS_HEADERS)].rename(columns=READINGS_HEADERS)
