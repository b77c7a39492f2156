"""Bytes of a CSV or XLSX file -> a table of text cells, as office software in Vietnam writes them.

Nothing here knows which columns a caller wants; `expected` header keys only help to find the header
row and the separator. What cannot be read without guessing is reported as a Problem.
"""

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

from kpi.formatting import format_integer
from kpi.problems import Problem, Rejected
from kpi.vocabulary import ROW_COLUMN

SEPARATORS = [",", ";", "\t"]
SEPARATOR_NAMES = {",": "dấu phẩy", ";": "dấu chấm phẩy", "\t": "dấu tab"}
# A title or a note above the header is common in office files; the header is looked for this far down.
HEADER_SEARCH_ROWS = 30
INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d"), None)
INVISIBLE_SEARCH = re.compile("[\ufeff\u200b\u200c\u200d]")
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
SEP_HINT = re.compile(r"sep=(.)")


@dataclass(frozen=True)
class Sheet:
    """The cells of a file: one text column per position, the header as written, what could not be read.

    `text` has columns 0..n-1 (NFC, stripped, "" when blank) plus ROW_COLUMN, the row number as Excel
    shows it (header = row 1 when it is the first line; blank lines keep their numbers). Blank rows
    are dropped. `numbers` holds, for a spreadsheet, the number a cell held (NaN for text cells), so
    that 1.234 typed as a number is never confused with "1.234" typed as text. `uncalculated` marks
    formula cells that no spreadsheet program ever calculated: their text is the formula.
    """

    headers: list[str]
    header_row: int
    text: pd.DataFrame
    numbers: pd.DataFrame | None
    uncalculated: pd.DataFrame | None
    problems: list[Problem]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def header_key(text: str) -> str:
    """How headers are compared: NFC, any case, `_` as a space, runs of spaces as one."""
    return " ".join(nfc(text).translate(INVISIBLE).replace("_", " ").casefold().split())


def read_table(data: bytes, file_name: str) -> pd.DataFrame:
    """Every cell as NFC text, columns named by the header, ROW_COLUMN added; raises Rejected."""
    sheet = read_sheet(data, file_name)
    problems = list(sheet.problems)
    if sheet.uncalculated is not None:
        problems += uncalculated_problems(sheet, range(len(sheet.headers)))
    if problems:
        raise Rejected(problems)
    frame = sheet.text.copy()
    frame.columns = [*sheet.headers, ROW_COLUMN]
    return frame


def read_sheet(data: bytes, file_name: str, expected: frozenset[str] = frozenset()) -> Sheet:
    """Raises Rejected when the file cannot be read as a table at all; other problems are returned."""
    kind = _file_kind(data, file_name)
    if kind == "xlsx":
        values, formulas = _xlsx_values(data)
        rows = [[_cell_text(v) for v in record] for record in values]
        for (r, c), formula in formulas.items():
            rows[r][c] = formula
        invisible = any(INVISIBLE_SEARCH.search(cell) for row in rows for cell in row)
        return _sheet(_frame(rows, max(map(len, rows), default=0), ""), _header_of(enumerate(rows), expected), None,
                      invisible, values, formulas)
    text = _decode(data)
    records = _csv_records(text, expected)
    return _sheet(records.frame, records.header_index, records, bool(INVISIBLE_SEARCH.search(text)), None, {})


def uncalculated_problems(sheet: Sheet, positions) -> list[Problem]:
    problems = []
    for position in positions:
        marked = sheet.uncalculated[position]
        for row, formula in zip(sheet.text.loc[marked, ROW_COLUMN], sheet.text.loc[marked, position]):
            problems.append(Problem(int(row), sheet.headers[position], formula, UNCALCULATED_MESSAGE))
    return problems


UNCALCULATED_MESSAGE = ("Ô chứa công thức chưa từng được tính nên không có giá trị (tệp được tạo bằng chương trình "
                        "khác, chưa mở và lưu bằng Excel). Hãy mở tệp bằng Excel rồi lưu lại, hoặc nhập số trực tiếp.")


def _file_kind(data: bytes, file_name: str) -> str:
    suffix = Path(file_name).suffix.lower()
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Rejected([Problem(None, None, file_name, "Tệp Excel 97-2003 (.xls) không được hỗ trợ. Hãy mở tệp bằng "
                                                       "Excel và lưu lại dạng .xlsx hoặc CSV UTF-8.")])
    if suffix in (".xlsx", ".xlsm"):
        raise Rejected([Problem(None, None, file_name, "Tệp có đuôi .xlsx nhưng không phải là bảng tính Excel đọc được.")])
    if suffix in (".csv", ".txt", ".tsv", ""):
        return "csv"
    raise Rejected([Problem(None, None, file_name, "Chỉ nhận tệp .csv hoặc .xlsx.")])


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        text = _strict(data[3:], "utf-8")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _strict(data, "utf-16")
    elif b"\x00" in data[:4096]:
        raise Rejected([Problem(None, None, "", "Tệp không phải là bảng CSV đọc được (có ký tự nhị phân, hoặc là "
                                                "UTF-16 không có dấu BOM). Hãy lưu lại dạng CSV UTF-8 hoặc .xlsx.")])
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Vietnamese Windows writes cp1258, which spells tones as combining marks: NFC below fixes that.
            text = _strict(data, "cp1258")
    if "\x00" in text:
        raise Rejected([Problem(None, None, "", "Tệp không phải là bảng CSV đọc được (có ký tự nhị phân).")])
    return nfc(text)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise Rejected([Problem(None, None, "", f"Không đọc được bảng mã của tệp (byte thứ {error.start + 1}). Hãy lưu "
                                                "lại tệp dạng CSV UTF-8 hoặc .xlsx.")]) from None


@dataclass(frozen=True)
class CsvRecords:
    """A CSV file's records as wide as its header row (padded with ""), where that header is (None
    when no row has text), how many cells each record really has, and every cell of the longer ones."""

    frame: pd.DataFrame
    header_index: int | None
    lengths: np.ndarray
    long_rows: dict[int, list[str]]

    def cells(self, index: int) -> list[str]:
        row = self.long_rows.get(index)
        return row if row is not None else self.frame.iloc[index].tolist()[:self.lengths[index]]


def _csv_records(text: str, expected: frozenset[str]) -> CsvRecords:
    first_line, _, rest = text.partition("\n")
    hint = SEP_HINT.fullmatch(first_line.strip())
    if hint:
        # Excel's own "sep=;" line: it hides it, so the header is row 1 there and here.
        separator, text = hint.group(1), rest
    else:
        separator = _separator(text, expected)
    if '"' not in text and text.count("\r") == text.count("\r\n"):
        plain = _unquoted_records(text, separator, expected)
        if plain is not None:
            return plain
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    lengths = np.fromiter(map(len, records), dtype=int, count=len(records))
    header_index = _header_of(enumerate(records), expected)
    width = 0 if header_index is None else int(lengths[header_index])
    # Rows are cut to the header's width; the longer ones (errors to report) are kept whole aside,
    # so that one row of thousands of cells does not make every row that wide.
    long_rows = {int(i): records[i] for i in np.flatnonzero(lengths > width)}
    return CsvRecords(_frame(records, width, ""), header_index, lengths, long_rows)


def _unquoted_records(text: str, separator: str, expected: frozenset[str]) -> CsvRecords | None:
    """Without quotes, a record is a line and its cells are split at the separator, which pandas' C
    reader does five times faster than the csv module (100,000 rows). None if the two would disagree,
    or if a row is wider than the header: pandas' reader sizes every row like the widest (a row of
    3,000 cells among 20,000 took 270 MB), the csv module does not."""
    lines = text.split("\n")
    if lines[-1] == "":
        # csv.reader yields no record after the last line break.
        lines.pop()
    lengths = np.array([line.count(separator) + 1 if line not in ("", "\r") else 0 for line in lines], dtype=int)
    header_index = _header_of(((i, line.removesuffix("\r").split(separator)) for i, line in enumerate(lines)
                               if line.translate(INVISIBLE).replace(separator, "").strip()), expected)
    if header_index is None or (lengths > lengths[header_index]).any():
        return None
    width = int(lengths[header_index])
    records = pd.read_csv(io.StringIO(text), sep=separator, header=None, names=range(width), dtype=str,
                          na_filter=False, skip_blank_lines=False, quoting=csv.QUOTE_NONE, index_col=False,
                          engine="c")
    return CsvRecords(records, header_index, lengths, {}) if len(records) == len(lines) else None


def _header_of(records, expected: frozenset[str]) -> int | None:
    """Where the header is among (index, cells) records: looked for in the first HEADER_SEARCH_ROWS
    with text; None when no record has text."""
    candidates = []
    for index, cells in records:
        cleaned = [_clean(c) for c in cells]
        if any(cleaned):
            candidates.append((index, cleaned))
            if len(candidates) == HEADER_SEARCH_ROWS:
                break
    if not candidates:
        return None
    return candidates[_header_index([cleaned for _, cleaned in candidates], expected)][0]


def _separator(text: str, expected: frozenset[str]) -> str:
    sample = text.splitlines()[:HEADER_SEARCH_ROWS + 50]
    scores = {}
    for separator in SEPARATORS:
        records = [r for r in csv.reader(sample, delimiter=separator) if any(c.strip() for c in r)]
        if not records:
            continue
        index = _header_index(records, expected)
        header, body = records[index], records[index + 1:]
        if len(header) < 2:
            continue
        recognised = sum(header_key(c) in expected for c in header)
        consistent = all(len(r) <= len(header) or not any(c.strip() for c in r[len(header):]) for r in body)
        scores[separator] = (recognised, consistent, len(header))
    if not scores:
        return ","
    ranked = sorted(scores, key=scores.get, reverse=True)
    if len(ranked) > 1 and scores[ranked[0]] == scores[ranked[1]]:
        tied = [s for s in ranked if scores[s] == scores[ranked[0]]]
        names = " và ".join(SEPARATOR_NAMES[s] for s in tied)
        raise Rejected([Problem(None, None, "", f"Không xác định được ký tự phân cách cột: tách bằng {names} đều cho "
                                                "một bảng hợp lệ. Hãy lưu lại tệp với một loại phân cách, hoặc dùng .xlsx.")])
    return ranked[0]


def _header_index(records: list[list[str]], expected: frozenset[str]) -> int:
    """The first row naming at least two expected columns, else the first row."""
    if expected:
        for index, record in enumerate(records[:HEADER_SEARCH_ROWS]):
            if sum(header_key(c) in expected for c in record) >= 2:
                return index
    return 0


def _xlsx_values(data: bytes) -> tuple[list[list], dict[tuple[int, int], str]]:
    """Cell values as cached by the spreadsheet program, and the formulas it never calculated."""
    # A damaged or foreign archive fails inside openpyxl in many ways (zip, XML, missing parts):
    # to the user they all mean the same thing.
    try:
        values = _first_sheet(data, data_only=True)
        formulas = {}
        if _has_formulas(data):
            # data_only gives None both for an empty cell and for a formula never calculated: ask again.
            for r, row in enumerate(_first_sheet(data, data_only=False)):
                for c, cell in enumerate(row):
                    if isinstance(cell, str) and cell.startswith("=") and r < len(values) and c < len(values[r]) \
                            and values[r][c] is None:
                        formulas[(r, c)] = cell
    except Rejected:
        raise
    except Exception:
        raise Rejected([Problem(None, None, "", "Tệp không phải là bảng tính Excel (.xlsx) đọc được.")]) from None
    return values, formulas


def _first_sheet(data: bytes, *, data_only: bool) -> list[list]:
    # Imported here: openpyxl takes a fifth of a second to import, which a CSV file does not need.
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        if not book.worksheets:
            raise Rejected([Problem(None, None, "", "Tệp Excel không có trang tính nào.")])
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(FORMULA_TAG.search(archive.read(name)) for name in archive.namelist()
                   if name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime) and value.time() == time(0):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


def _cell_number(value) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else float("nan")


def _clean(cell: str) -> str:
    return nfc(cell).translate(INVISIBLE).strip()


def _sheet(records: pd.DataFrame, header_index: int | None, csv_records: CsvRecords | None, invisible: bool,
           values: list[list] | None, formulas: dict[tuple[int, int], str]) -> Sheet:
    """`records`: every row of the file as text; `csv_records`: a CSV file's records, with how many
    cells each really has; `values`: a spreadsheet's cell values as read, for `numbers`."""
    if header_index is None:
        raise Rejected([Problem(None, None, "", "Tệp trống: không có dòng tiêu đề và dữ liệu.")])
    headers = [_clean(c) for c in records.iloc[header_index]]
    body = records.iloc[header_index + 1:]
    # Spreadsheet programs write every CSV row as wide as the header: a longer row has been shifted.
    problems = [] if csv_records is None else _wide_row_problems(csv_records, header_index)
    while headers and not headers[-1]:
        headers.pop()
    width = max(len(headers), 1)
    headers += [""] * (width - len(headers))
    text = body.reindex(columns=range(width), fill_value="").reset_index(drop=True).astype(str)
    for column in range(width):
        if invisible:
            text[column] = text[column].str.translate(INVISIBLE)
        text[column] = text[column].str.strip()
    text[ROW_COLUMN] = np.arange(header_index + 2, header_index + 2 + len(body))
    kept = ~(text[list(range(width))] == "").all(axis=1)
    numbers = uncalculated = None
    if values is not None:
        numbers = _frame([[_cell_number(v) for v in record] for record in values[header_index + 1:]], width, np.nan)
        uncalculated = pd.DataFrame(False, index=text.index, columns=range(width))
        for (r, c), _ in formulas.items():
            if r > header_index and c < width:
                uncalculated.iat[r - header_index - 1, c] = True
        numbers, uncalculated = numbers[kept].astype(float), uncalculated[kept]
    return Sheet(headers, header_index + 1, text[kept], numbers, uncalculated, problems)


def _frame(rows: list[list], width: int, blank) -> pd.DataFrame:
    """Ragged rows cut or padded to `width`."""
    if any(len(row) != width for row in rows):
        rows = [row[:width] + [blank] * (width - len(row)) for row in rows]
    frame = pd.DataFrame(rows, columns=range(width), dtype=object) if rows else pd.DataFrame(columns=range(width), dtype=object)
    return frame.fillna(blank)


def _wide_row_problems(records: CsvRecords, header_index: int) -> list[Problem]:
    problems = []
    width = int(records.lengths[header_index])
    for index in header_index + 1 + np.flatnonzero(records.lengths[header_index + 1:] > width):
        row = records.cells(int(index))
        if any(c.strip() for c in row):
            problems.append(Problem(int(index) + 1, None, "; ".join(c.strip() for c in row[width:] if c.strip()),
                                    f"Dòng này có {format_integer(len(row))} ô nhưng dòng tiêu đề chỉ có {format_integer(width)} cột. Có thể một số "
                                    "viết với dấu phẩy (ví dụ 12,5) chưa được đặt trong ngoặc kép, hoặc thiếu tiêu đề cột."))
    return problems
