"""THE write path for readings: validation, upsert, history and batch, in one transaction.

The form, the file importer, the demo loader and the CLI all call apply_readings(); nothing else
writes readings, so account rights and the reporting cycle's locks (kpi.store.cycle.write_refusals) are
enforced here, inside the transaction. Input is a DataFrame with the canonical columns, already parsed
into numbers.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Column, Engine, Integer, MetaData, Table, bindparam, select, type_coerce
from sqlmodel import Session

from kpi.problems import Problem, Rejected
from kpi.store.accounts import Account
from kpi.store.cycle import WriteRefusal, write_refusals
from kpi.store.db import (
    among,
    execute_many,
    is_sqlite,
    read_session,
    run_write,
    upsert_select,
    without_index,
    write_session,
)
from kpi.store.models import ImportBatch, Indicator, Locality, PlanTarget, Reading, ReadingRevision, utc_now
from kpi.store.version import bump
from kpi.vocabulary import COLUMN_LABELS, FIGURES, INPUT_COLUMNS, KEY, NOTE_MAX_LENGTH, NOTE_TOO_LONG, ROW_COLUMN, Kind
from kpi.years import FIRST_YEAR, current_year


@dataclass(frozen=True)
class WriteResult:
    created: int
    updated: int
    unchanged: int
    batch_id: int | None = None
    changes: pd.DataFrame | None = None
    """Of a dry run: each row that would create or change a reading, with `change` and the stored
    figures and note beside the new ones (`numerator_old`, …, `note_old`), for a preview."""

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def input_frame(rows: list[dict]) -> pd.DataFrame:
    """Canonical input from plain dicts (the form, the demo loader, tests)."""
    frame = pd.DataFrame(rows).reindex(columns=INPUT_COLUMNS)
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in ("year", *FIGURES):
        # The importer hands over Int64 already; converting through Python objects took a second per million cells.
        if frame[column].dtype != "Int64":
            frame[column] = pd.array(frame[column].astype("object").where(frame[column].notna(), None), dtype="Int64")
    note = frame["note"].astype("object").where(frame["note"].notna(), None)
    if pd.api.types.infer_dtype(note, skipna=True) in ("string", "empty"):
        stripped = note.str.strip()
        # As map() below would type it (text, or objects when there is none).
        frame["note"] = stripped.where(note.notna() & (stripped != ""), None).infer_objects()
    else:
        frame["note"] = note.map(lambda text: str(text).strip() or None if text is not None else None)
    if ROW_COLUMN not in frame.columns:
        frame[ROW_COLUMN] = range(1, len(frame) + 1)
    return frame


def apply_readings(
    engine: Engine,
    frame: pd.DataFrame,
    *,
    source: str,
    user: Account | None = None,
    user_name: str | None = None,
    file_name: str | None = None,
    file_checksum: str | None = None,
    dry_run: bool = False,
    is_demo: bool = False,
    column_labels: dict[str, str] | None = None,
    explain: Callable[[list[Problem]], list[Problem]] | None = None,
) -> WriteResult:
    """Validate every row and apply all of them, or none: raises Rejected listing every problem.

    With `user`, that account's rights apply, as stored at the moment of writing, and the readings
    are recorded as its. Without, `user_name` names a system actor (the demo loader, the CLI without
    --user) that is held to no account's rights. What may be written is kpi.store.cycle.write_refusals'
    answer: approved (locked) years are refused to both, submitted years to editors.

    With `explain` (the importer's), problems of the rows themselves are put in its terms and raised
    alone, before the account's rights are looked at.
    """
    if user is not None and user_name not in (None, user.name):
        raise ValueError("apply_readings: user and user_name disagree")
    actor = user.name if user is not None else user_name
    if not actor:
        raise ValueError("apply_readings needs a user or the name of a system actor")
    labels = column_labels or COLUMN_LABELS
    frame = _typed(frame)
    if frame.empty:
        raise Rejected([Problem(None, None, "", "Không có dòng số liệu nào để ghi.")])

    def apply(session: Session) -> WriteResult:
        problems = validate(session, frame, labels)
        if problems and explain is not None:
            problems = explain(problems)
        if not dry_run:
            _hold_localities(session, frame)
        refusals = write_refusals(session, user.name if user is not None else None, _keys(session, frame))
        refused = _refused_rows(frame, refusals, ("account", "locality"), labels)
        if problems or refused:
            # One list: a person fixing a file sees its cell problems, rights and locks at once.
            _reject(problems + refused + _year_refusals(session, frame, refusals, labels))
        changes = _classify(session, frame, is_demo)
        # Figures sent again unchanged write nothing, so a file covering approved or submitted years
        # can still be applied for the others.
        _reject(_refused_rows(changes[changes["change"] != "unchanged"], refusals, ("year",), labels))
        result = _counts(changes)
        if dry_run:
            changed = changes[changes["change"] != "unchanged"]
            return WriteResult(result.created, result.updated, result.unchanged,
                               changes=changed[[*INPUT_COLUMNS, ROW_COLUMN, "change", *CHANGE_OLD]].reset_index(drop=True))
        batch = ImportBatch(source=source, file_name=file_name, checksum=file_checksum, user_name=actor,
                            created=result.created, updated=result.updated, unchanged=result.unchanged)
        session.add(batch)
        session.flush()
        _write(session, changes[changes["change"] != "unchanged"], actor, source, batch.id, is_demo)
        bump(session)
        return WriteResult(result.created, result.updated, result.unchanged, batch.id)

    if dry_run:
        with read_session(engine) as session:
            return apply(session)
    # Run again from the start if the database asks (busy, deadlock): nothing of a failed attempt stays.
    return run_write(engine, apply)


CHANGE_OLD = [f"{column}_old" for column in (*FIGURES, "note")]


def access_problems(session: Session, frame: pd.DataFrame, labels: dict[str, str], user: Account | None) -> list[Problem]:
    """Rows the account may not write and rows that would change a locked year, asked of a file that
    has problems of its own too, so that all come in one list."""
    refusals = write_refusals(session, user.name if user is not None else None, _keys(session, frame))
    return (_refused_rows(frame, refusals, ("account", "locality"), labels)
            + _year_refusals(session, frame, refusals, labels))


def _year_refusals(session: Session, frame: pd.DataFrame, refusals: dict[tuple[str, int], WriteRefusal],
                   labels: dict[str, str]) -> list[Problem]:
    """Year refusals (approved, or submitted for an editor) of the rows that name a reading and would
    change it, rows with problems of their own included."""
    keyed = _typed(frame)
    keyed = keyed[keyed["year"].notna() & keyed["locality_code"].notna() & keyed["indicator_code"].notna()]
    if keyed.empty:
        return []
    changes = _classify(session, keyed, False)
    return _refused_rows(changes[changes["change"] != "unchanged"], refusals, ("year",), labels)


def _hold_localities(session: Session, frame: pd.DataFrame) -> None:
    # SQLite's BEGIN IMMEDIATE already serialises writers. Elsewhere, a shared lock on the localities
    # written makes an approval of one of them (which takes an exclusive lock) wait for this batch,
    # so figures cannot slip into a year approved between the check below and the commit.
    if not is_sqlite(session.get_bind()):
        codes = frame["locality_code"].dropna().unique().tolist()
        session.execute(select(Locality.code).where(Locality.code.in_(codes)).with_for_update(read=True))


def _keys(session: Session, frame: pd.DataFrame) -> list[tuple[str, int]]:
    """The (locality, year) pairs of the rows that name a known locality and a year."""
    known = pd.Index(session.execute(select(Locality.code)).scalars())
    rows = frame[frame["year"].notna() & (known.get_indexer(frame["locality_code"]) >= 0)]
    return list(rows[["locality_code", "year"]].drop_duplicates().itertuples(index=False, name=None))


def _refused_rows(rows: pd.DataFrame, refusals: dict[tuple[str, int], WriteRefusal], about: tuple[str, ...],
                  labels: dict[str, str]) -> list[Problem]:
    """One problem per row refused for one of these reasons; a refusal of the whole account, once."""
    refusals = {key: refusal for key, refusal in refusals.items() if refusal.about in about}
    if not refusals:
        return []  # the usual case: nothing locked, so 100,000 rows need no look
    rows = rows[rows["locality_code"].isin({code for code, _ in refusals}) & rows["year"].notna()]
    problems = []
    for row, code, year in zip(rows[ROW_COLUMN], rows["locality_code"], rows["year"]):
        refusal = refusals.get((code, int(year)))
        if refusal is None:
            continue
        if refusal.about == "account":
            return [Problem(None, None, "", refusal.message)]
        column = "year" if refusal.about == "year" else "locality_code"
        shown = str(year) if column == "year" else str(code)
        problems.append(Problem(int(row), labels.get(column, column), shown, refusal.message))
    return problems


def _reject(problems: list[Problem]) -> None:
    if problems:
        raise Rejected(sorted(problems, key=lambda problem: problem.row or 0))


def validate(session: Session, frame: pd.DataFrame, labels: dict[str, str]) -> list[Problem]:
    """Every problem of every row, in row order."""
    plans = dict(session.execute(select(Locality.code, Locality.plan_code)).all())
    kinds = dict(session.execute(select(Indicator.code, Indicator.kind)).all())
    targets = {f"{plan}\x1f{indicator}" for plan, indicator in
               session.execute(select(PlanTarget.plan_code, PlanTarget.indicator_code)).all()}
    # Lookups by map, not merges: a merge cost a third of a second the first time in a process.
    rows = frame.reset_index(drop=True)
    known_locality = rows["locality_code"].isin(list(plans))
    kind = rows["indicator_code"].map(kinds)
    known_indicator = kind.notna()
    pair = rows["locality_code"].map(plans).fillna("").astype(str) + "\x1f" + rows["indicator_code"].astype(str)
    in_plan = pair.isin(targets)
    ratio, count, boolean = (kind == k for k in (Kind.RATIO, Kind.COUNT, Kind.BOOLEAN))
    has = {c: rows[c].notna() for c in FIGURES}
    this_year = current_year()

    checks = [
        (~known_locality, "locality_code", "Không có địa phương với mã hoặc tên này."),
        (~known_indicator, "indicator_code", "Không có chỉ tiêu với mã này."),
        (known_locality & known_indicator & ~in_plan, "indicator_code",
         "Chỉ tiêu này không có trong kế hoạch của địa phương."),
        (rows["year"].isna(), "year", "Thiếu năm."),
        (rows["year"].notna() & ((rows["year"] < FIRST_YEAR) | (rows["year"] > this_year)), "year",
         f"Năm phải từ {FIRST_YEAR} đến {this_year}."),
        (ratio & has["value"] & ~has["numerator"] & ~has["denominator"], "value",
         "Chỉ tiêu tỷ lệ phải nhập tử số và mẫu số, không nhập tỷ lệ phần trăm."),
        (ratio & ~has["numerator"] & (has["denominator"] | ~has["value"]), "numerator", "Thiếu tử số."),
        (ratio & ~has["denominator"] & (has["numerator"] | ~has["value"]), "denominator", "Thiếu mẫu số."),
        (has["numerator"] & (rows["numerator"] < 0), "numerator", "Tử số phải là số nguyên không âm."),
        (has["denominator"] & (rows["denominator"] < 0), "denominator", "Mẫu số phải là số nguyên không âm."),
        (ratio & has["numerator"] & has["denominator"] & (rows["numerator"] > rows["denominator"]), "numerator",
         "Tử số không được lớn hơn mẫu số."),
        (ratio & has["value"] & has["numerator"] & has["denominator"], "value",
         "Chỉ tiêu tỷ lệ chỉ nhập tử số và mẫu số, để trống cột giá trị."),
        ((count | boolean) & (has["numerator"] | has["denominator"]), "numerator",
         "Chỉ tiêu này không phải tỷ lệ: nhập vào cột giá trị, để trống tử số và mẫu số."),
        (count & ~has["value"], "value", "Thiếu giá trị (số nguyên không âm)."),
        (count & has["value"] & (rows["value"] < 0), "value", "Giá trị phải là số nguyên không âm."),
        (boolean & ~has["value"], "value", "Thiếu giá trị: nhập «có» hoặc «không»."),
        (boolean & has["value"] & ~rows["value"].isin([0, 1]), "value", "Giá trị phải là «có» hoặc «không»."),
        (frame.duplicated(KEY, keep=False).to_numpy() & rows["year"].notna(), "locality_code",
         "Cùng địa phương, chỉ tiêu và năm xuất hiện nhiều lần trong dữ liệu."),
        (rows["note"].astype(object).str.len() > NOTE_MAX_LENGTH, "note", NOTE_TOO_LONG),
    ]
    found = []
    for mask, column, message in checks:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            continue
        for row, value in zip(rows.loc[mask, ROW_COLUMN], rows.loc[mask, column]):
            found.append((row, Problem(int(row), labels.get(column, column), _shown(value), message)))
    found.sort(key=lambda pair: pair[0])
    return [problem for _, problem in found]


SHOWN_CHARS = 80


def _shown(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    # A note of 120,000 characters is named by its start, not printed whole.
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _classify(session: Session, frame: pd.DataFrame, is_demo: bool) -> pd.DataFrame:
    """Each input row with change = created / updated / unchanged against what is stored."""
    existing = _existing(session, frame)
    merged = frame.merge(existing, on=KEY, how="left", suffixes=("", "_old"), indicator="_stored")
    same = merged["_stored"] == "both"
    for column in (*FIGURES, "note"):
        old, new = merged[f"{column}_old"], merged[column]
        same &= (old.isna() & new.isna()) | (old.astype("object") == new.astype("object")).fillna(False)
    same &= merged["stored_is_demo"].astype("boolean").fillna(not is_demo) == is_demo
    merged["change"] = "updated"
    merged.loc[merged["_stored"] == "left_only", "change"] = "created"
    merged.loc[same, "change"] = "unchanged"
    return merged


def _existing(session: Session, frame: pd.DataFrame) -> pd.DataFrame:
    years = sorted(int(y) for y in frame["year"].unique())
    statement = select(Reading.locality_code, Reading.indicator_code, Reading.year, Reading.numerator,
                       Reading.denominator, Reading.value, Reading.note, Reading.is_demo
                       ).where(without_index(Reading.year).in_(years))
    # The merge in _classify keeps the rows of the file's keys.
    statement = among(statement, Reading.locality_code, frame["locality_code"].unique())
    existing = pd.DataFrame(session.execute(statement).all(),
                            columns=[*KEY, *FIGURES, "note", "stored_is_demo"])
    return existing.astype({"year": "Int64", "numerator": "Int64", "denominator": "Int64", "value": "Int64"})


def _counts(changes: pd.DataFrame) -> WriteResult:
    counts = changes["change"].value_counts()
    return WriteResult(int(counts.get("created", 0)), int(counts.get("updated", 0)), int(counts.get("unchanged", 0)))


def _write(session: Session, changes: pd.DataFrame, user_name: str, source: str, batch_id: int, is_demo: bool) -> None:
    if changes.empty:
        return
    shared = {"entered_by": user_name, "entered_at": utc_now(), "source": source, "batch_id": batch_id, "is_demo": is_demo}
    # Column by column: building a dict per row (or DataFrame.to_dict) boxed every cell one at a time.
    values = {c: changes[c].astype("object").where(changes[c].notna(), None).tolist() for c in WRITTEN}
    # The rows cross to the database once, into a temporary table, and go from there into the
    # readings and into their history: handing them to the driver once per table took twice as long.
    connection = session.connection()
    _INCOMING.create(connection)
    execute_many(session, _INCOMING.insert(), {"position": list(range(len(changes))), **values})
    rows = select(*(_INCOMING.c[c] for c in WRITTEN),
                  *(type_coerce(bindparam(None, value), Reading.__table__.c[key].type).label(key)
                    for key, value in shared.items())).order_by(_INCOMING.c.position)
    upsert_select(session, Reading, rows, KEY)
    connection.execute(ReadingRevision.__table__.insert().from_select([*WRITTEN, *shared], rows))
    _INCOMING.drop(connection)


WRITTEN = [*KEY, *FIGURES, "note"]
# In file order (position), so that readings and history rows get their ids as the rows came.
_INCOMING = Table("reading_incoming", MetaData(), Column("position", Integer, primary_key=True),
                  *(Column(name, Reading.__table__.c[name].type) for name in WRITTEN), prefixes=["TEMPORARY"])


def delete_demo(engine: Engine) -> int:
    """Remove every demo reading (their history stays, marked as demo). Returns how many."""
    with write_session(engine) as session:
        removed = session.execute(Reading.__table__.delete().where(Reading.is_demo)).rowcount
        bump(session)
        return removed
