"""The upload page's model: a file is checked once per upload (keyed by its bytes' SHA-256), not on
every rerun; its preview names localities and indicators and shows old → new for every figure it
would change."""

from dataclasses import dataclass

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.app import cache
from kpi.app.entry import far_from_last_year
from kpi.files import importer
from kpi.files.importer import ParsedFile
from kpi.problems import Problem, Rejected
from kpi.store import queries, snapshot
from kpi.store.accounts import Account
from kpi.store.db import IN_LIST_LIMIT
from kpi.store.readings import WriteResult, checksum
from kpi.vocabulary import FIGURES, KEY, ROW_COLUMN, Kind

CHECK_KEY = "upload_check"
# What st.file_uploader accepts: every file, so that a wrong one is refused by the reader in Vietnamese
# (Streamlit's own refusal of a file type is in English). `.txt` is Excel's "Unicode Text".
ACCEPTED_HINT = "CSV, TXT (Unicode Text của Excel) hoặc XLSX"
CHANGE_LABELS = {"created": "Tạo mới", "updated": "Cập nhật"}


@dataclass(frozen=True)
class UploadCheck:
    """One uploaded file as checked for one account: its readings and what applying would change, or
    every problem in one list."""

    digest: str
    file_name: str
    account_name: str
    parsed: ParsedFile | None
    preview: WriteResult | None
    problems: list[Problem]
    unlike_last_year: tuple[tuple[int, str], ...] = ()
    """(row in the file, warning) for each figure it would write that is far from the year before's."""


def check_upload(data: bytes, file_name: str, account: Account) -> UploadCheck:
    """The check of this file, made at its first run and kept in the session until it is applied or
    another file is chosen."""
    digest = checksum(data)
    held = st.session_state.get(CHECK_KEY)
    if held is not None and (held.digest, held.file_name, held.account_name) == (digest, file_name, account.name):
        return held
    try:
        parsed = importer.parse_file(cache.engine(), data, file_name, account)
        preview = importer.apply_parsed(cache.engine(), parsed, user=account, dry_run=True)
        stored = stored_years_before(cache.engine(), preview.changes)
        warnings = tuple(unlike_last_year(preview.changes, parsed.frame, stored, cache.indicators()))
        check = UploadCheck(digest, file_name, account.name, parsed, preview, [], warnings)
    except Rejected as rejected:
        check = UploadCheck(digest, file_name, account.name, None, None, rejected.problems)
    st.session_state[CHECK_KEY] = check
    return check


def forget_check() -> None:
    """After applying: the next run checks again against what is now stored."""
    st.session_state.pop(CHECK_KEY, None)


def unlike_last_year(changes: pd.DataFrame, file_frame: pd.DataFrame, stored: pd.DataFrame,
                     indicators: pd.DataFrame) -> list[tuple[int, str]]:
    """The form's soft check (kpi.app.entry.far_from_last_year) of every figure a file would write,
    against the same figure a year earlier: the file's own when it has that year, else the stored one.
    A jump from 12 tổ to 1.200 was warned of when typed, not when uploaded."""
    earlier = {(r.locality_code, r.indicator_code, int(r.year)): _figures(r) for r in stored.itertuples()}
    earlier |= {(r.locality_code, r.indicator_code, int(r.year)): _figures(r) for r in file_frame.itertuples()}
    kinds = dict(zip(indicators["code"], indicators["kind"]))
    found = []
    for row in changes.itertuples():
        year = int(row.year)
        previous = earlier.get((row.locality_code, row.indicator_code, year - 1))
        warning = far_from_last_year(kinds.get(row.indicator_code), _figures(row), previous, year)
        if warning:
            found.append((int(getattr(row, ROW_COLUMN)), warning))
    return found


def _figures(row) -> dict[str, int | None]:
    return {name: _whole(getattr(row, name)) for name in FIGURES}


def stored_years_before(engine: Engine, changes: pd.DataFrame) -> pd.DataFrame:
    """The stored readings of the years before those a file writes, of its localities."""
    if changes.empty:
        return pd.DataFrame(columns=[*KEY, *FIGURES])
    codes = changes["locality_code"].unique().tolist()
    before = set(changes["year"].astype(int) - 1)
    # A file naming most localities reads the whole store's kept copy, not every reading again.
    stored = (queries.readings(engine, localities=codes, up_to=max(before), ordered=False)
              if len(codes) <= IN_LIST_LIMIT else snapshot.whole_store(engine, max(before)))
    return stored[stored["year"].isin(before)]


def unlike_last_year_table(warnings: list[tuple[int, str]], changes: pd.DataFrame, localities: pd.DataFrame,
                           indicators: pd.DataFrame) -> pd.DataFrame:
    """The warnings beside the rows they are about, as the preview names them."""
    rows = changes.set_index(ROW_COLUMN)
    locality_names = dict(zip(localities["code"], localities["name"]))
    indicator_names = dict(zip(indicators["code"], indicators["name"]))
    return pd.DataFrame({
        "Dòng trong tệp": [str(row) for row, _ in warnings],
        "Địa phương": [locality_names.get(rows.at[row, "locality_code"]) for row, _ in warnings],
        "Chỉ tiêu": [indicator_names.get(rows.at[row, "indicator_code"]) for row, _ in warnings],
        "Cảnh báo": [text for _, text in warnings],
    })


def changes_table(changes: pd.DataFrame, localities: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Each row that would create or change a figure: where it is in the file, the locality and the
    indicator by name, and the figure and note before → after."""
    locality_names = dict(zip(localities["code"], localities["name"]))
    indicator_names = dict(zip(indicators["code"], indicators["name"]))
    kinds = dict(zip(indicators["code"], indicators["kind"]))
    kind = changes["indicator_code"].map(kinds)
    return pd.DataFrame({
        "Dòng trong tệp": changes[ROW_COLUMN].astype(int).astype(str).tolist(),
        "Địa phương": changes["locality_code"].map(locality_names).tolist(),
        "Chỉ tiêu": changes["indicator_code"].map(indicator_names).tolist(),
        "Năm": changes["year"].astype(int).astype(str).tolist(),
        "Thay đổi": changes["change"].map(CHANGE_LABELS).tolist(),
        "Số liệu cũ": [_figure(k, r.numerator_old, r.denominator_old, r.value_old) if r.change == "updated" else fmt.NO_VALUE
                       for k, r in zip(kind, changes.itertuples())],
        "Số liệu mới": [_figure(k, r.numerator, r.denominator, r.value) for k, r in zip(kind, changes.itertuples())],
        "Ghi chú cũ": [_text(r.note_old) if r.change == "updated" else "" for r in changes.itertuples()],
        "Ghi chú mới": [_text(r.note) for r in changes.itertuples()],
    })


def _figure(kind: str, numerator, denominator, value) -> str:
    shown = fmt.format_value(kind, _whole(numerator), _whole(denominator), _whole(value))
    if kind == Kind.RATIO and _whole(numerator) is not None and _whole(denominator) is not None:
        # Both counts: a ratio can stay at 90% while its counts change.
        return f"{shown} ({fmt.format_integer(int(numerator))}/{fmt.format_integer(int(denominator))})"
    return shown


def _whole(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else value
