"""Tables out to CSV (UTF-8 with BOM, which Excel opens with diacritics intact) or XLSX.

Every text cell goes through kpi.files.formulas.neutralise first, so that no name or note becomes a
formula; CSV fields are all quoted, so that Excel set to split at `;` (Vietnamese Windows) cannot
start a cell in the middle of a note either."""

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import pandas as pd
from sqlalchemy import Engine

from kpi.files.formulas import neutralise_frame
from kpi.files.xlsx_tables import Column, Style, Table, fitted_width, workbook, write_workbook
from kpi.store import queries
from kpi.vocabulary import INPUT_COLUMNS, YES_NO_TEXT


def readings_export(engine: Engine, chosen: queries.ReadingFilter = queries.ReadingFilter(),
                    limit: int | None = None) -> pd.DataFrame:
    """The readings (all, or those chosen; the first `limit` of them) in the upload layout, so that an
    export imports back unchanged, with names and who entered them after it."""
    return pd.concat(_export_chunks(engine, chosen, limit), ignore_index=True)


def _export_chunks(engine: Engine, chosen: queries.ReadingFilter, limit: int | None = None) -> Iterator[pd.DataFrame]:
    names = queries.localities(engine)[["code", "name"]].rename(columns={"code": "locality_code", "name": "locality_name"})
    indicators = queries.indicators(engine)[["code", "name"]].rename(columns={"code": "indicator_code", "name": "indicator_name"})
    for frame in queries.chosen_reading_chunks(engine, chosen, limit):
        frame = frame.merge(names, on="locality_code", how="left").merge(indicators, on="indicator_code", how="left")
        frame["is_demo"] = frame["is_demo"].map(YES_NO_TEXT)
        yield frame[[*INPUT_COLUMNS, "locality_name", "indicator_name", "is_demo", "entered_by", "entered_at", "source"]]


def readings_file(engine: Engine, file_format: str, chosen: queries.ReadingFilter = queries.ReadingFilter()) -> bytes:
    """The export file of the readings chosen, as bytes (the Dữ liệu page's download)."""
    buffer = io.BytesIO()
    _write_readings(engine, file_format, chosen, buffer)
    return buffer.getvalue()


def write_readings(engine: Engine, path: Path) -> int:
    """Every reading into the export file at path (.csv or .xlsx); how many were written."""
    with path.open("wb") as stream:
        return _write_readings(engine, path.suffix.lower().lstrip("."), queries.ReadingFilter(), stream)


def _write_readings(engine: Engine, file_format: str, chosen: queries.ReadingFilter, stream: BinaryIO) -> int:
    """The export file into stream; how many readings. Either file is written a chunk of readings at a
    time: every reading of 3,300 localities as one frame peaked at 1 GB for a CSV, 600 MB for a workbook."""
    if file_format == "csv":
        return _write_csv(_export_chunks(engine, chosen), stream)
    return write_workbook([_xlsx_table(_export_chunks(engine, chosen), "Số liệu")], stream)[0]


def _write_csv(frames: Iterable[pd.DataFrame], stream: BinaryIO) -> int:
    """The frames one after another as one CSV file (the header once); how many rows."""
    rows = 0
    for frame in frames:
        stream.write(_csv_bytes(frame, first=rows == 0))
        rows += len(frame)
    return rows


def _csv_bytes(frame: pd.DataFrame, first: bool = True) -> bytes:
    # Times as text (not the whole column's shortest format, which could differ from chunk to chunk).
    text = neutralise_frame(_without_timezones(frame)).to_csv(index=False, header=first, quoting=csv.QUOTE_ALL)
    return text.encode("utf-8-sig" if first else "utf-8")


def table_bytes(frame: pd.DataFrame, file_format: str, sheet_name: str = "Số liệu") -> bytes:
    if file_format not in ("csv", "xlsx"):
        raise ValueError(f"Định dạng không hỗ trợ: {file_format}")
    if file_format == "csv":
        return _csv_bytes(frame)
    return workbook([_xlsx_table(iter([frame]), sheet_name)])


def _xlsx_table(frames: Iterator[pd.DataFrame], sheet_name: str) -> Table:
    """The frames (the same columns, at least one frame) as one sheet, sized and typed by the first.
    A column at a time (kpi.files.xlsx_tables, which neutralises every text): openpyxl took 11 s and
    300 MB for 50,000 readings, so an export of every reading of 3,300 localities would have taken
    minutes and gigabytes of the app's memory."""
    first = _without_timezones(next(frames)).reset_index(drop=True)
    columns = [Column(str(name), values, fitted_width(values, len(str(name))), number=_number_kind(values))
               for name, values in first.items()]
    return Table(sheet_name, columns, Style(bold=True), more_rows=map(_without_timezones, frames))


def _number_kind(values: pd.Series) -> bool | None:
    """Number cells for a column of numbers, text cells for text, each cell as it is for a mix."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return True
    return None if values.dtype == object else False


def _without_timezones(frame: pd.DataFrame) -> pd.DataFrame:
    """Times as the local wall-clock time, written out (Excel has no time zones)."""
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert("Asia/Ho_Chi_Minh").dt.strftime("%Y-%m-%d %H:%M:%S")
        elif pd.api.types.is_datetime64_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d %H:%M:%S")
    return frame
