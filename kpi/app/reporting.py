"""The reporting page's model: the city office's table of who submitted, who is late and who answers
for each locality, its filters and its XLSX export. The figures come from kpi.engine.timeliness."""

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from kpi import formatting as fmt
from kpi.engine.scope import unique_labels
from kpi.engine.timeliness import OVERDUE
from kpi.store.cycle import STATE_LABELS

OVERDUE_FILTER = "Quá hạn"
# The states to filter by, in the order of the cycle, and the overdue ones whatever their state.
FILTERS = [OVERDUE_FILTER, *STATE_LABELS.values()]

HEADERS = ["Địa phương", "Mã", "Tình trạng", "Hạn nộp", "Ngày nộp", "Thời hạn", "Có số liệu", "Cán bộ phụ trách",
           "Ghi chú"]
# On screen: without the code (names are made unique with it where two localities share one) and with
# narrow columns for short values, so that the editors responsible show on a 1366-pixel screen.
SCREEN_COLUMNS = [header for header in HEADERS if header != "Mã"]
COLUMN_WIDTHS = {"Địa phương": {"width": 160}, "Tình trạng": {"width": 100}, "Hạn nộp": {"width": 90},
                 "Ngày nộp": {"width": 125}, "Thời hạn": {"width": 130}, "Có số liệu": {"width": 85}}


def approval_choices(submitted: pd.DataFrame) -> pd.DataFrame:
    """The submitted localities waiting for approval: when each sent its figures, by whom, how many."""
    return pd.DataFrame({
        "Địa phương": submitted["locality_name"].tolist(),
        "Mã": submitted["locality_code"].tolist(),
        "Ngày nộp": [fmt.format_timestamp(None if pd.isna(t) else t) for t in submitted["submitted_at"]],
        "Người nộp": submitted["submitted_by"].fillna("").tolist(),
        "Thời hạn": submitted["timeliness_text"].tolist(),
        "Chỉ tiêu có số liệu": [f"{fmt.format_integer(r)}/{fmt.format_integer(e)}"
                                for r, e in zip(submitted["readings"], submitted["expected"])],
    })


def submitted_figures(readings: pd.DataFrame, fields: pd.DataFrame, locality_code: str, year: int) -> pd.DataFrame:
    """Each indicator of the plan with the figure the locality has for the year, as the form shows it."""
    rows = readings[(readings["locality_code"] == locality_code) & (readings["year"] == year)].set_index("indicator_code")
    values, notes = [], []
    for field in fields.itertuples():
        if field.code not in rows.index:
            values.append(fmt.NO_VALUE)
            notes.append("")
            continue
        row = rows.loc[field.code]
        values.append(fmt.format_value(field.kind, _int(row["numerator"]), _int(row["denominator"]), _int(row["value"])))
        if field.kind == "ratio" and pd.notna(row["denominator"]) and row["denominator"]:
            values[-1] += f" ({fmt.format_integer(row['numerator'])}/{fmt.format_integer(row['denominator'])})"
        notes.append(row["note"] if isinstance(row["note"], str) else "")
    return pd.DataFrame({"Chỉ tiêu": fields["name"].tolist(), "Số liệu": values, "Ghi chú": notes})


def _int(value) -> int | None:
    return None if pd.isna(value) else int(value)


def filtered(table: pd.DataFrame, chosen: list[str]) -> pd.DataFrame:
    """The rows whose state (or "Quá hạn") is among those chosen; all rows when none is chosen."""
    if not chosen:
        return table
    keep = table["state_label"].isin(chosen)
    if OVERDUE_FILTER in chosen:
        keep |= table["timeliness"] == OVERDUE
    return table[keep]


def table_view(table: pd.DataFrame) -> pd.DataFrame:
    """The reporting table as the office reads it: plain text, dates as dd/mm/yyyy."""
    return pd.DataFrame({
        "Địa phương": unique_labels(table["locality_code"], table["locality_name"]),
        "Mã": table["locality_code"].tolist(),
        "Tình trạng": table["state_label"].tolist(),
        "Hạn nộp": [day.strftime("%d/%m/%Y") for day in table["due"]],
        "Ngày nộp": [fmt.format_timestamp(None if pd.isna(t) else t) for t in table["submitted_at"]],
        "Thời hạn": table["timeliness_text"].tolist(),
        "Có số liệu": [f"{fmt.format_integer(r)}/{fmt.format_integer(e)}"
                       for r, e in zip(table["readings"], table["expected"])],
        "Cán bộ phụ trách": [editors or "Chưa giao" for editors in table["editors"]],
        "Ghi chú": [f"Lý do trả lại: {reason}" if state == "returned" and isinstance(reason, str) else ""
                    for state, reason in zip(table["state"], table["reason"])],
    }, columns=HEADERS)


def xlsx_bytes(view: pd.DataFrame, title: str) -> bytes:
    """The table as a workbook, every cell written as text (a name starting with "=" stays a name)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Tình hình báo cáo")
    widths = [max([len(column), *(len(str(value)) for value in view[column].head(300))]) for column in view.columns]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A3"
    heading = WriteOnlyCell(sheet, value=title)
    heading.font = Font(bold=True)
    sheet.append([heading])
    sheet.append([_text(sheet, column, bold=True) for column in view.columns])
    for row in view.itertuples(index=False):
        sheet.append([_text(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text(sheet, value, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell
