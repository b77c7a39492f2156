"""Statistics files (CSV or XLSX) -> checked readings, applied whole or not at all.

Every cell is parsed and checked column by column; the figures then go through the one write path,
kpi.readings.apply_readings, as one import batch. Each problem names the row as Excel shows it, the
column header as written in the file, and the value found.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from kpi.files.sheets import Sheet, header_key, read_sheet, uncalculated_problems
from kpi.formatting import format_exact, format_integer
from kpi.numbers import LARGEST, Refusal, parse_whole_column
from kpi.problems import Problem, Rejected
from kpi.store.accounts import Account
from kpi.store.db import read_session
from kpi.store.models import Indicator, Locality
from kpi.store.readings import SHOWN_CHARS, WriteResult, access_problems, apply_readings, checksum, validate
from kpi.vocabulary import BOOLEAN_WORDS, COLUMN_LABELS, FIGURES, INPUT_COLUMNS, KEY, ROW_COLUMN, Kind, Source
from kpi.years import FIRST_YEAR, current_year

HEADER_NAMES = {column: (column, label) for column, label in COLUMN_LABELS.items()}
HEADER_COLUMNS = {header_key(name): column for column, names in HEADER_NAMES.items() for name in names}
@dataclass(frozen=True)
class ParsedFile:
    frame: pd.DataFrame
    column_labels: dict[str, str]
    file_name: str
    checksum: str
    skipped_rows: tuple[int, ...] = ()
    """Rows naming a reading but holding no figure at all (a template row left empty): not imported."""
    in_file_terms: Callable[[list[Problem]], list[Problem]] | None = field(default=None, repr=False, compare=False)
    """The write path's problems as the file shows them (its text, its columns, in file order)."""
    notice: str | None = None
    """What the reader decided that the person should know (which sheet of several was read)."""


def skipped_rows_text(rows: tuple[int, ...], shown: int = 20) -> str:
    """"Bỏ qua 1 dòng chưa có số liệu: dòng số 15 trong tệp", worded so that nobody reads "15 rows"."""
    numbers = ", ".join(str(row) for row in rows[:shown]) + (", …" if len(rows) > shown else "")
    return (f"Bỏ qua {format_integer(len(rows))} dòng chưa có số liệu (dòng để trống của tệp mẫu): "
            f"dòng số {numbers} trong tệp")


def import_file(engine: Engine, data: bytes, file_name: str, *, user: Account | None = None,
                user_name: str | None = None, dry_run: bool = False) -> WriteResult:
    """Check the whole file and apply it as one batch, or raise Rejected listing every problem.
    With `user`, that account's rights apply; without, `user_name` names a system actor."""
    return apply_parsed(engine, parse_file(engine, data, file_name, user), user=user, user_name=user_name, dry_run=dry_run)


def apply_parsed(engine: Engine, parsed: ParsedFile, *, user: Account | None = None, user_name: str | None = None,
                 dry_run: bool = False) -> WriteResult:
    return apply_readings(engine, parsed.frame, user=user, user_name=user_name, source=Source.IMPORT,
                          file_name=parsed.file_name, file_checksum=parsed.checksum, dry_run=dry_run,
                          column_labels=parsed.column_labels, explain=parsed.in_file_terms)


def parse_file(engine: Engine, data: bytes, file_name: str, user: Account | None = None) -> ParsedFile:
    """The file's readings in the canonical columns, or Rejected with every problem found.

    A file whose cells all read well is checked against the database once, by the write path when it
    is applied (apply_parsed), which reports in the file's terms; a file with problems of its own is
    checked here as well, with `user`'s rights and the approval locks, so that every problem comes in
    one list."""
    sheet = read_sheet(data, file_name, frozenset(HEADER_COLUMNS))
    positions, problems = _columns(sheet)
    if any(column not in positions for column in KEY) or problems:
        raise Rejected(sheet.problems + problems)
    labels = {column: sheet.headers[positions[column]] if column in positions else COLUMN_LABELS[column]
              for column in INPUT_COLUMNS}
    problems = list(sheet.problems)
    if sheet.uncalculated is not None:
        problems += uncalculated_problems(sheet, positions.values())
    cells = _cells(sheet, positions)
    if cells.empty:
        raise Rejected(problems + [Problem(None, None, "", "Tệp không có dòng số liệu nào (chỉ có dòng tiêu đề).")])

    empty = cells[[*FIGURES, "note"]].eq("").all(axis=1) & ~cells["_formula"]
    skipped = tuple(int(r) for r in cells.loc[empty, ROW_COLUMN])
    cells = cells[~empty]
    with read_session(engine) as session:
        frame, parse_problems = _parse(session, sheet, positions, cells, labels)
        problems += parse_problems
        if frame.empty:
            problems.append(Problem(None, None, "", "Tệp không có dòng nào có số liệu: hãy nhập tử số và mẫu số "
                                                    "(chỉ tiêu tỷ lệ) hoặc giá trị (chỉ tiêu số lượng, có/không)."))
        elif problems:
            problems += _write_path_problems(validate(session, frame, labels), labels, problems, sheet, positions)
            problems += access_problems(session, frame, labels, user)
    if problems:
        raise Rejected(_in_file_order(problems, sheet.headers))
    explain = partial(_file_problems, labels=labels, sheet=sheet, positions=positions)
    return ParsedFile(frame, labels, file_name, checksum(data), skipped, explain, sheet.notice)


def _columns(sheet: Sheet) -> tuple[dict[str, int], list[Problem]]:
    """Where each canonical column sits in the file; problems with the header row itself."""
    found: dict[str, list[int]] = {}
    for position, header in enumerate(sheet.headers):
        column = HEADER_COLUMNS.get(header_key(header))
        if column:
            found.setdefault(column, []).append(position)
    problems = []
    row = sheet.header_row
    if not found:
        problems.append(Problem(None, None, "", "Tệp không phải là bảng số liệu theo mẫu: không tìm thấy dòng tiêu đề "
                                                f"có các cột {_names(INPUT_COLUMNS)}."))
        return {}, problems
    for column, places in found.items():
        if len(places) > 1:
            shown = ", ".join(f"«{sheet.headers[p]}»" for p in places)
            problems.append(Problem(row, sheet.headers[places[1]], "",
                                    f"Các cột {shown} đều là cột {_names([column])}: tệp chỉ được có một cột như vậy."))
    missing = [column for column in KEY if column not in found]
    if missing:
        problems.append(Problem(row, None, "", f"Thiếu cột bắt buộc: {_names(missing)}. Dòng tiêu đề đọc được: "
                                               f"{', '.join(f'«{h}»' for h in sheet.headers if h)}."))
    if not any(column in found for column in FIGURES):
        problems.append(Problem(row, None, "", f"Thiếu cột số liệu: cần cột {_names(['numerator', 'denominator'])} "
                                               f"(chỉ tiêu tỷ lệ) hoặc cột {_names(['value'])}."))
    return {column: places[0] for column, places in found.items()}, problems


def _names(columns) -> str:
    return ", ".join(f"«{COLUMN_LABELS[c]}» ({c})" for c in columns)


def _cells(sheet: Sheet, positions: dict[str, int]) -> pd.DataFrame:
    """The canonical columns as text; an uncalculated formula counts as blank here (it is reported)."""
    text = sheet.text
    cells = pd.DataFrame({ROW_COLUMN: text[ROW_COLUMN]})
    formula = pd.Series(False, index=text.index)
    for column in INPUT_COLUMNS:
        if column not in positions:
            cells[column] = ""
            continue
        values = text[positions[column]]
        if sheet.uncalculated is not None:
            marked = sheet.uncalculated[positions[column]]
            values = values.mask(marked, "")
            formula |= marked
        cells[column] = values
    cells["_formula"] = formula
    return cells


def _parse(session, sheet: Sheet, positions: dict[str, int], cells: pd.DataFrame,
           labels: dict[str, str]) -> tuple[pd.DataFrame, list[Problem]]:
    localities = pd.DataFrame(session.execute(select(Locality.code, Locality.name)).all(), columns=["code", "name"])
    indicators = pd.DataFrame(session.execute(select(Indicator.code, Indicator.kind)).all(), columns=["code", "kind"])
    problems: list[Problem] = []

    def numbers(column: str) -> pd.Series | None:
        if sheet.numbers is None or column not in positions:
            return None
        return sheet.numbers.loc[cells.index, positions[column]]

    locality, ambiguous = _resolve_localities(cells["locality_code"], localities)
    indicator = _lookup(cells["indicator_code"], dict(zip(indicators["code"].str.casefold(), indicators["code"])))
    kind = indicator.map(dict(zip(indicators["code"], indicators["kind"])))
    problems += _problems(cells, ambiguous, "locality_code", labels,
                          "Tên này trùng với nhiều địa phương: hãy ghi mã địa phương thay cho tên.")

    frame = pd.DataFrame({
        "locality_code": locality.fillna(cells["locality_code"]),
        "indicator_code": indicator.fillna(cells["indicator_code"]),
    })
    this_year = current_year()
    expected = {"year": f"một năm từ {FIRST_YEAR} đến {this_year}, ví dụ {this_year - 1}",
                "numerator": "một số nguyên không âm, ví dụ 12 hoặc 1.234"}
    for column in ("year", "numerator", "denominator"):
        values, refusal, shown = _whole_numbers(cells[column], numbers(column))
        frame[column] = values.astype("Int64")
        problems += _refusal_problems(cells.assign(**{column: shown}), refusal, column, labels,
                                      expected.get(column, expected["numerator"]))

    values, refusal, shown = _whole_numbers(cells["value"], numbers("value"))
    given = cells["value"] != ""
    boolean, ratio = (kind == Kind.BOOLEAN), (kind == Kind.RATIO)
    words = pd.Series(np.nan, index=cells.index)
    words[boolean] = _fold(cells.loc[boolean, "value"]).map(BOOLEAN_WORDS)
    values = values.mask(boolean, words.fillna(values.where(values.isin([0.0, 1.0]))))
    not_boolean = boolean & given & values.isna()
    # A ratio given as a figure reaches the write path, which explains that it needs its two counts.
    values = values.mask(ratio & given & values.isna(), 0)
    refusal = refusal.mask(boolean | ratio | kind.isna(), None)
    frame["value"] = values.astype("Int64")
    problems += _refusal_problems(cells.assign(value=shown), refusal, "value", labels, expected["numerator"])
    problems += _problems(cells, not_boolean, "value", labels, BOOLEAN_MESSAGE)

    frame["note"] = cells["note"].astype(object).where(cells["note"] != "", None)
    frame[ROW_COLUMN] = cells[ROW_COLUMN].to_numpy()
    return frame[[*INPUT_COLUMNS, ROW_COLUMN]].reset_index(drop=True), problems


def _fold(text: pd.Series) -> pd.Series:
    return text.str.replace(r"\s+", " ", regex=True).str.strip().str.casefold()


def _lookup(text: pd.Series, by_folded: dict[str, str]) -> pd.Series:
    """Exact spellings first; only the rest are folded, which matters for 100,000 rows."""
    found = text.map({value: value for value in by_folded.values()})
    missing = found.isna() & (text != "")
    if missing.any():
        found[missing] = _fold(text[missing]).map(by_folded)
    return found


def _resolve_localities(text: pd.Series, localities: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Codes for codes or exact names (any case; tone marks count: Cẩm Giang is not Cẩm Giàng)."""
    names = _fold(localities["name"])
    shared = set(names[names.duplicated(keep=False)])
    by_name = {name: code for name, code in zip(names, localities["code"]) if name not in shared}
    # A code is looked for before a name, so a name that folds to a code cannot hide it.
    code = _lookup(text, {**by_name, **dict(zip(localities["code"].str.casefold(), localities["code"]))})
    ambiguous = pd.Series(False, index=text.index)
    unknown = code.isna() & (text != "")
    if shared and unknown.any():
        ambiguous[unknown] = _fold(text[unknown]).isin(shared)
    return code, ambiguous


def _whole_numbers(text: pd.Series, numbers: pd.Series | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Whole numbers (as floats, NaN when blank or refused) by the one rule for typed numbers, per
    cell the Refusal or None, and the cells as a problem shows them (a spreadsheet's number cell as
    a Vietnamese Excel shows it, 12,5)."""
    number, refusal = parse_whole_column(text)
    shown = text
    if numbers is not None:
        # A spreadsheet number is exact: 1.234 typed into a number cell is not one thousand.
        typed = numbers.notna()
        number = number.mask(typed, numbers)
        refusal = refusal.mask(typed, None)
        refusal[typed & (number % 1 != 0)] = Refusal.FRACTION
        refusal[typed & (number < 0)] = Refusal.NEGATIVE
        refusal[typed & (number > LARGEST)] = Refusal.TOO_LARGE
        refused = typed & refusal.notna()
        shown = text.mask(refused, number[refused].map(format_exact))
    return number.where(refusal.isna()), refusal, shown


BOOLEAN_MESSAGE = "Giá trị phải là «có» hoặc «không» (cũng nhận x, 1, 0, yes, no, true, false, chữ hoa hay thường đều được)."


def _refusal_problems(cells: pd.DataFrame, refusal: pd.Series, column: str, labels: dict[str, str],
                     expected: str) -> list[Problem]:
    problems = []
    for reason in refusal.dropna().unique():
        problems += _problems(cells, refusal == reason, column, labels, f"{reason.value} Cần {expected}.")
    return problems


def _problems(cells: pd.DataFrame, mask: pd.Series, column: str, labels: dict[str, str], message: str) -> list[Problem]:
    if not mask.any():
        return []
    return [Problem(int(row), labels[column], value, message)
            for row, value in zip(cells.loc[mask, ROW_COLUMN], cells.loc[mask, column])]


def _file_problems(problems: list[Problem], *, labels: dict[str, str], sheet: Sheet,
                   positions: dict[str, int]) -> list[Problem]:
    return _in_file_order(_write_path_problems(problems, labels, [], sheet, positions), sheet.headers)


def _write_path_problems(checked: list[Problem], labels: dict[str, str], found: list[Problem],
                         sheet: Sheet, positions: dict[str, int]) -> list[Problem]:
    """The write path's problems (`checked`), shown with the text found in the file; a cell already
    reported (not a number, an uncalculated formula) is not reported twice."""
    reported = {(p.row, p.column) for p in found}
    label_column = {labels[c]: c for c in INPUT_COLUMNS if c in positions}
    raw = sheet.text.set_index(ROW_COLUMN)
    missing = {labels[c]: c for c in INPUT_COLUMNS if c not in positions}
    problems, lacking = [], {}
    for problem in checked:
        if (problem.row, problem.column) in reported:
            continue
        if problem.column in missing:
            lacking.setdefault(problem.column, []).append(problem)
            continue
        if problem.column in label_column:
            shown = raw.at[problem.row, positions[label_column[problem.column]]]
            shown = shown if len(shown) <= SHOWN_CHARS else shown[:SHOWN_CHARS] + "…"
            problem = Problem(problem.row, problem.column, shown, problem.message)
        problems.append(problem)
    for label, group in lacking.items():
        rows = ", ".join(str(p.row) for p in group[:10]) + (", …" if len(group) > 10 else "")
        problems.append(Problem(sheet.header_row, None, "",
                                f"Tệp không có cột «{label}» ({missing[label]}) nhưng {len(group)} dòng cần cột này "
                                f"(dòng {rows}): {group[0].message}"))
    return problems


def _in_file_order(problems: list[Problem], headers: list[str]) -> list[Problem]:
    order = {header: index for index, header in reversed(list(enumerate(headers)))}
    return sorted(problems, key=lambda p: (p.row or 0, order.get(p.column, len(headers))))
