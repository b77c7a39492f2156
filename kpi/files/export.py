"""Tables out to CSV (UTF-8 with BOM, which Excel opens with diacritics intact) or XLSX.

Every text cell goes through kpi.files.formulas.neutralise first, so that no name or note becomes a
formula; CSV fields are all quoted, so that Excel set to split at `;` (Vietnamese Windows) cannot
start a cell in the middle of a note either."""

import csv
import io
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine

from kpi.files.formulas import neutralise_frame
from kpi.store import queries
from kpi.vocabulary import INPUT_COLUMNS, YES_NO_TEXT


def readings_export(engine: Engine) -> pd.DataFrame:
    """All readings in the upload layout (so an export imports back unchanged), names after it."""
    frame = queries.readings(engine, full=True)
    names = queries.localities(engine)[["code", "name"]].rename(columns={"code": "locality_code", "name": "locality_name"})
    indicators = queries.indicators(engine)[["code", "name"]].rename(columns={"code": "indicator_code", "name": "indicator_name"})
    frame = frame.merge(names, on="locality_code", how="left").merge(indicators, on="indicator_code", how="left")
    frame["is_demo"] = frame["is_demo"].map(YES_NO_TEXT)
    return frame[[*INPUT_COLUMNS, "locality_name", "indicator_name", "is_demo", "entered_by", "entered_at", "source"]]


def table_bytes(frame: pd.DataFrame, file_format: str, sheet_name: str = "Số liệu") -> bytes:
    if file_format not in ("csv", "xlsx"):
        raise ValueError(f"Định dạng không hỗ trợ: {file_format}")
    frame = neutralise_frame(frame)
    if file_format == "csv":
        return frame.to_csv(index=False, quoting=csv.QUOTE_ALL).encode("utf-8-sig")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _without_timezones(frame).to_excel(writer, index=False, sheet_name=sheet_name)
        sheet = writer.sheets[sheet_name]
        for index, column in enumerate(frame.columns, start=1):
            width = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
            sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
        sheet.freeze_panes = "A2"
    return buffer.getvalue()


def write_table(frame: pd.DataFrame, path: Path) -> None:
    path.write_bytes(table_bytes(frame, path.suffix.lower().lstrip(".")))


def _without_timezones(frame: pd.DataFrame) -> pd.DataFrame:
    # Excel has no time zones: write local wall-clock time.
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert("Asia/Ho_Chi_Minh").dt.tz_localize(None)
    return frame
