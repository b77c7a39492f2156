"""Bytes of a CSV or XLSX file -> a table of text cells, as office software in Vietnam writes them."""

import csv
import io
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from kpi.problems import Problem, Rejected

ROW_COLUMN = "excel_row"
SEPARATORS = [",", ";", "\t"]
SEPARATOR_NAMES = {",": "dấu phẩy", ";": "dấu chấm phẩy", "\t": "dấu tab"}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def read_table(data: bytes, file_name: str) -> pd.DataFrame:
    """Every cell as NFC text with surrounding spaces removed; blank rows dropped.

    The column ROW_COLUMN holds each row's number as the user sees it in Excel (header = row 1).
    """
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(data)
    elif suffix in (".csv", ".txt", ".tsv", ""):
        rows = _csv_rows(_decode(data))
    else:
        raise Rejected([Problem(None, None, file_name, "Chỉ nhận tệp .csv hoặc .xlsx.")])
    return _to_frame(rows)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="strict")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1258", errors="replace")
    return nfc(text)


def _csv_rows(text: str) -> list[list[str]]:
    if "\x00" in text:
        raise Rejected([Problem(None, None, "", "Tệp không phải là bảng CSV đọc được (có ký tự nhị phân).")])
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), "")
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    used = [sep for sep, n in counts.items() if n > 0]
    if not used:
        return [next(csv.reader([line])) for line in lines] if header else []
    if len(used) > 1 and sorted(counts.values())[-1] == sorted(counts.values())[-2]:
        names = " và ".join(SEPARATOR_NAMES[s] for s in used)
        raise Rejected([Problem(1, None, "", f"Không xác định được ký tự phân cách cột: dòng tiêu đề có cả {names} với số lượng bằng nhau. Hãy lưu lại tệp với một loại phân cách.")])
    separator = max(counts, key=counts.get)
    return list(csv.reader(io.StringIO(text), delimiter=separator))


def _xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise Rejected([Problem(None, None, "", f"Tệp không phải là bảng tính Excel (.xlsx) đọc được: {error}.")])
    sheet = book.worksheets[0]
    rows = [[_xlsx_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def _xlsx_cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return nfc(str(value))


def _to_frame(rows: list[list[str]]) -> pd.DataFrame:
    numbered = [(i + 1, [c.strip() for c in row]) for i, row in enumerate(rows)]
    numbered = [(n, row) for n, row in numbered if any(row)]
    if not numbered:
        raise Rejected([Problem(None, None, "", "Tệp trống: không có dòng tiêu đề và dữ liệu.")])
    (_, header), body = numbered[0], numbered[1:]
    width = max(len(header), *(len(row) for _, row in body)) if body else len(header)
    header = header + [""] * (width - len(header))
    frame = pd.DataFrame([row + [""] * (width - len(row)) for _, row in body], columns=range(width), dtype=str)
    frame.columns = header
    frame[ROW_COLUMN] = [n for n, _ in body]
    return frame
