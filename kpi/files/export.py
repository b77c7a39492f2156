"""Tables out to CSV (UTF-8 with BOM, which Excel opens with diacritics intact) or XLSX."""

import io
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine

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
    if file_format == "csv":
        return frame.to_csv(index=False).encode("utf-8-sig")
    if file_format == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            _without_timezones(frame).to_excel(writer, index=False, sheet_name=sheet_name)
            sheet = writer.sheets[sheet_name]
            for index, column in enumerate(frame.columns, start=1):
                width = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
                sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
            sheet.freeze_panes = "A2"
        return buffer.getvalue()
    raise ValueError(f"Định dạng không hỗ trợ: {file_format}")


def write_table(frame: pd.DataFrame, path: Path) -> None:
    path.write_bytes(table_bytes(frame, path.suffix.lower().lstrip(".")))


def _without_timezones(frame: pd.DataFrame) -> pd.DataFrame:
    # Excel has no time zones: write local wall-clock time.
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert("Asia/Ho_Chi_Minh").dt.tz_localize(None)
    return frame
