"""Bytes of a CSV or XLSX file -> a table of text cells, as office software in Vietnam writes them.

Nothing here knows which columns a caller wants; `expected` header keys only help to find the header
row and the separator. What cannot be read without guessing is reported as a Problem.
"""

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

from kpi.files.formulas import unneutralise_column
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

# Bounds on the work any file can cause, checked while reading, before anything is as large as the
# file says it is (docs/file-formats.md, "Giới hạn"). A file of the city's 114 units over a decade
# has about 20,000 rows of 7 cells; 3,300 communes over a decade about 500,000 readings, which is
# why the row limit is what a file of one year of the whole country needs, with room.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 1_000
MAX_SHEETS = 50
MAX_ROWS = 200_000
MAX_CELLS_PER_ROW = 200
# Excel's own limit on the text of one cell.
MAX_CELL_CHARS = 32_767


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
    notice: str | None = None
    """What the reader decided that a person should know (which sheet of several was read)."""


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


def read_path(path: Path) -> bytes:
    """The bytes of a file to read, refused before reading when larger than any file may be."""
    size = path.stat().st_size
    _refuse_above(size, MAX_FILE_BYTES, f"Tệp nặng {_megabytes(size)}, quá giới hạn {_megabytes(MAX_FILE_BYTES)} "
                                        "của một tệp. Hãy chia thành nhiều tệp.")
    return path.read_bytes()


def read_sheet(data: bytes, file_name: str, expected: frozenset[str] = frozenset()) -> Sheet:
    """Raises Rejected when the file cannot be read as a table at all; other problems are returned."""
    _refuse_above(len(data), MAX_FILE_BYTES, f"Tệp nặng {_megabytes(len(data))}, quá giới hạn "
                                               f"{_megabytes(MAX_FILE_BYTES)} của một tệp tải lên.")
    kind = _file_kind(data, file_name)
    if kind == "xlsx":
        workbook = _xlsx_rows(data)
        rows = [[_cell_text(v) for v in record] for record in workbook.values]
        for (r, c), formula in workbook.formulas.items():
            rows[r][c] = formula
        invisible = any(INVISIBLE_SEARCH.search(cell) for row in rows for cell in row)
        sheet = _sheet(_frame(rows, max(map(len, rows), default=0), ""), _header_of(enumerate(rows), expected), None,
                       invisible, workbook.values, workbook.formulas)
        return replace(sheet, notice=workbook.notice)
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
    raise Rejected([Problem(None, None, file_name, "Chỉ nhận tệp .csv hoặc .xlsx (và .txt: tệp Excel lưu dạng "
                                                   "«Unicode Text»). Hãy mở tệp bằng Excel và lưu lại dạng .xlsx.")])


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
            _refuse_mixed_encodings(data)
            # Vietnamese Windows writes cp1258, which spells tones as combining marks: NFC below fixes that.
            text = _strict(data, "cp1258")
    if "\x00" in text:
        raise Rejected([Problem(None, None, "", "Tệp không phải là bảng CSV đọc được (có ký tự nhị phân).")])
    return nfc(text)


def _refuse_mixed_encodings(data: bytes) -> None:
    """A file that is not UTF-8 but has lines that are (with letters beyond ASCII) was pasted
    together from two programs: read whole as Windows-1258, its UTF-8 lines would be stored garbled."""
    utf8 = other = None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other = other or number
        else:
            utf8 = utf8 or number
        if utf8 and other:
            raise Rejected([Problem(None, None, "", f"Tệp trộn hai bảng mã: dòng {utf8} được ghi bằng UTF-8 nhưng dòng "
                                                    f"{other} thì không (có thể là Windows-1258). Hãy mở tệp bằng một "
                                                    "chương trình, lưu lại cả tệp dạng CSV UTF-8 hoặc .xlsx.")])


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
    lines = text.count("\n") + 1
    _refuse_above(lines, MAX_ROWS + 1, f"Tệp có {format_integer(lines)} dòng, quá giới hạn "
                                       f"{format_integer(MAX_ROWS)} dòng của một tệp. Hãy chia thành nhiều tệp.")
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
    records = _bounded_records(text, separator)
    lengths = np.fromiter(map(len, records), dtype=int, count=len(records))
    header_index = _header_of(enumerate(records), expected)
    width = 0 if header_index is None else int(lengths[header_index])
    # Rows are cut to the header's width; the longer ones (errors to report) are kept whole aside,
    # so that one row of thousands of cells does not make every row that wide.
    long_rows = {int(i): records[i] for i in np.flatnonzero(lengths > width)}
    _refuse_swallowed_rows(records, header_index, width, separator)
    return CsvRecords(_frame(records, width, ""), header_index, lengths, long_rows)


def _bounded_records(text: str, separator: str) -> list[list[str]]:
    """Every record, refused at the first one past the limits or not CSV at all (a quote left open)."""
    records = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return records
        except csv.Error as error:
            row = len(records) + 1
            if "field larger than field limit" in str(error):
                raise Rejected([Problem(row, None, "", f"Có ô dài hơn {format_integer(csv.field_size_limit())} ký tự, "
                                                       f"quá giới hạn {format_integer(MAX_CELL_CHARS)} ký tự một ô.")]) from None
            raise Rejected([Problem(row, None, "", "Dấu ngoặc kép (\") không cân đối: một ô mở ngoặc kép mà không đóng, "
                                                   "hoặc có chữ ngay sau dấu đóng ngoặc kép. Hãy sửa ô này (hoặc lưu "
                                                   "lại tệp bằng Excel) rồi tải lên lại.")]) from None
        row = len(records) + 1
        _refuse_above(len(record), MAX_CELLS_PER_ROW, f"Dòng {row}: có {format_integer(len(record))} ô, quá giới hạn "
                                                      f"{MAX_CELLS_PER_ROW} ô một dòng.")
        for cell in record:
            if len(cell) > MAX_CELL_CHARS:
                _refuse_long(len(cell), f"Dòng {row}")
        records.append(record)


def _refuse_swallowed_rows(records: list[list[str]], header_index: int | None, width: int, separator: str) -> None:
    """A quote opened in one cell and closed rows later makes one cell of several rows: legitimate
    line breaks inside a note do not look like rows of the table, swallowed rows do."""
    if header_index is None or width < 3:
        return
    for index in range(header_index + 1, len(records)):
        for cell in records[index]:
            if "\n" in cell and any(line.count(separator) >= width - 2 for line in cell.split("\n")[1:]):
                raise Rejected([Problem(index + 1, None, cell.split("\n")[0][:60],
                                        "Dấu ngoặc kép mở ở dòng này không được đóng trên cùng dòng nên các dòng "
                                        "sau bị đọc vào một ô. Hãy kiểm tra dấu ngoặc kép (\") ở dòng này.")])


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
    widest = int(lengths.argmax()) if len(lengths) else 0
    if len(lengths):
        _refuse_above(int(lengths[widest]), MAX_CELLS_PER_ROW, f"Dòng {widest + 1}: có "
                      f"{format_integer(int(lengths[widest]))} ô, quá giới hạn {MAX_CELLS_PER_ROW} ô một dòng.")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_CELL_CHARS:
            _refuse_long(max(map(len, line.split(separator))), f"Dòng {number}")
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
        try:
            records = [r for r in csv.reader(sample, delimiter=separator) if any(c.strip() for c in r)]
        except csv.Error:
            # A field over the csv module's limit: reading the file says where.
            continue
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


@dataclass(frozen=True)
class Workbook:
    """The sheet read from a workbook: each row up to its last cell (rows before the first and
    between are empty lists), the formulas no program ever calculated, and which sheet was read."""

    values: list[list]
    formulas: dict[tuple[int, int], str]
    notice: str | None


def _xlsx_rows(data: bytes) -> Workbook:
    """The one visible sheet holding data, cell by cell as stored: never padded to a <dimension>,
    which may be missing or stale, nor to a far cell; refused past the limits as soon as they are
    met."""
    _check_archive(data)
    # Imported here: openpyxl takes a fifth of a second to import, which a CSV file does not need.
    from openpyxl import load_workbook

    # A damaged or foreign archive fails inside openpyxl in many ways (zip, XML, missing parts):
    # to the user they all mean the same thing.
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise Rejected([Problem(None, None, "", "Tệp không phải là bảng tính Excel (.xlsx) đọc được.")]) from None
    try:
        return _read_workbook(book, data)
    except Rejected:
        raise
    except Exception:
        raise Rejected([Problem(None, None, "", "Tệp không phải là bảng tính Excel (.xlsx) đọc được.")]) from None
    finally:
        book.close()


def _check_archive(data: bytes) -> None:
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception:
        raise Rejected([Problem(None, None, "", "Tệp không phải là bảng tính Excel (.xlsx) đọc được.")]) from None
    _refuse_above(len(members), MAX_ARCHIVE_MEMBERS, f"Tệp .xlsx gồm {format_integer(len(members))} phần, quá giới "
                                                     f"hạn {format_integer(MAX_ARCHIVE_MEMBERS)} phần.")
    # zipfile stops each member at the size its directory declares (and then fails its checksum),
    # so the declared sizes bound what is decompressed.
    size = sum(member.file_size for member in members)
    _refuse_above(size, MAX_UNCOMPRESSED_BYTES, f"Tệp .xlsx khi giải nén nặng {_megabytes(size)}, quá giới hạn "
                                                f"{_megabytes(MAX_UNCOMPRESSED_BYTES)}. Hãy xóa các trang, hình, ô "
                                                "không cần thiết hoặc chia thành nhiều tệp.")


SHEET_RULE = ("Quy tắc: chỉ đọc trang tính đang hiện duy nhất có dữ liệu; trang ẩn và trang trống không được đọc.")


def _read_workbook(book, data: bytes) -> Workbook:
    sheets = book.worksheets
    _refuse_above(len(book.sheetnames), MAX_SHEETS, f"Tệp có {format_integer(len(book.sheetnames))} trang tính, "
                                                    f"quá giới hạn {format_integer(MAX_SHEETS)} trang.")
    visible = [sheet for sheet in sheets if sheet.sheet_state == "visible"]
    with_data = [sheet for sheet in visible if _sheet_rows(book, sheet, data_only=True, first_only=True)]
    if not with_data:
        raise Rejected([Problem(None, None, "", "Tệp Excel không có trang tính đang hiện nào có dữ liệu.")])
    if len(with_data) > 1:
        names = ", ".join(f"«{sheet.title}»" for sheet in with_data)
        raise Rejected([Problem(None, None, "", f"Tệp có {len(with_data)} trang tính đang hiện có dữ liệu ({names}): "
                                                "không biết đọc trang nào. Hãy để số liệu trong một trang, xóa hoặc "
                                                f"chuyển các trang còn lại sang tệp khác. {SHEET_RULE}")])
    sheet = with_data[0]
    values = _sheet_rows(book, sheet, data_only=True)
    formulas = {}
    if _has_formulas(data, sheet._worksheet_path):
        # data_only gives None both for an empty cell and for a formula never calculated: ask again.
        for r, row in enumerate(_sheet_rows(book, sheet, data_only=False)):
            for c, cell in enumerate(row):
                calculated = r < len(values) and c < len(values[r]) and values[r][c] is not None
                if isinstance(cell, str) and cell.startswith("=") and not calculated:
                    values.extend([] for _ in range(r + 1 - len(values)))
                    values[r].extend([None] * (c + 1 - len(values[r])))
                    formulas[(r, c)] = cell
    notice = None
    if len(book.sheetnames) > 1:
        others = [name for name in book.sheetnames if name != sheet.title]
        notice = (f"Tệp có {len(book.sheetnames)} trang tính; đã đọc trang «{sheet.title}», bỏ qua "
                  f"{', '.join(f'«{name}»' for name in others)}. {SHEET_RULE}")
    return Workbook(values, formulas, notice)


def _sheet_rows(book, sheet, *, data_only: bool, first_only: bool = False) -> list[list]:
    """The cells of `sheet` that hold a value, streamed row by row. openpyxl's own row iterator pads
    every row to the sheet's widest (a cell at column XFD made 16,384 cells of every row) and stops
    at a stale <dimension>; its parser, used here, yields only the cells that are there."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._reader import WorkSheetParser

    rows: list[list] = []
    with sheet._get_source() as source:
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=data_only, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for row_number, cells in parser.parse():
            present = [(cell["column"], cell["value"]) for cell in cells if cell["value"] not in (None, "")]
            if not present:
                continue
            if first_only:
                return [[value for _, value in present]]
            where = f"Trang «{sheet.title}», dòng {format_integer(row_number)}"
            _refuse_above(row_number, MAX_ROWS, f"{where}: tệp có quá {format_integer(MAX_ROWS)} dòng, giới hạn "
                                                "của một tệp. Hãy chia thành nhiều tệp.")
            last = max(column for column, _ in present)
            _refuse_above(last, MAX_CELLS_PER_ROW, f"{where}, cột {get_column_letter(last)}: có dữ liệu ở cột thứ "
                                                   f"{format_integer(last)}, quá giới hạn {MAX_CELLS_PER_ROW} ô một "
                                                   "dòng. Hãy xóa các ô thừa bên phải bảng.")
            row = [None] * last
            for column, value in present:
                if isinstance(value, str):
                    _refuse_long(len(value), f"{where}, cột {get_column_letter(column)}")
                row[column - 1] = value
            rows.extend([] for _ in range(row_number - 1 - len(rows)))
            rows.append(row)
    return rows


def _refuse_above(amount: int, limit: int, message: str) -> None:
    if amount > limit:
        raise Rejected([Problem(None, None, "", message)])


def _refuse_long(length: int, where: str) -> None:
    _refuse_above(length, MAX_CELL_CHARS, f"{where}: ô dài {format_integer(length)} ký tự, quá giới hạn "
                                          f"{format_integer(MAX_CELL_CHARS)} ký tự một ô.")


def _megabytes(size: int) -> str:
    return f"{format_integer(max(1, round(size / 1024 / 1024)))} MB"


def _has_formulas(data: bytes, path: str) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        with archive.open(path.lstrip("/")) as member:
            # Read in pieces: one sheet may be most of the uncompressed limit.
            tail = b""
            while chunk := member.read(1 << 20):
                if FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-16:]
    return False


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
        text[column] = unneutralise_column(text[column].str.strip())
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
