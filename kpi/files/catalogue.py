"""The configuration in data/: indicators, plans, plan tasks and localities. Parsing, checking, one upsert each.

Localities change only through _apply_localities (a localities file, a plan given to many at once):
one set of checks, and a report of what changed (LocalityChanges).
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from kpi.files.sheets import read_table
from kpi.formatting import format_integer
from kpi.periods import due_problem
from kpi.problems import Problem, Rejected
from kpi.store.db import PROJECT_DIR, read_session, upgrade_schema, upsert, write_session
from kpi.store.models import CycleState, Indicator, Locality, Plan, PlanTarget, PlanTask, Reading, YearReport
from kpi.store.version import bump
from kpi.vocabulary import ROW_COLUMN, Comparator, Kind
from kpi.years import report_due_day

DATA_DIR = PROJECT_DIR / "data"
LOCALITY_COLUMNS = ["code", "name", "kind", "parent_code", "ma_dvhc", "plan_code"]
REQUIRED_COLUMNS = ["code", "name", "kind", "parent_code"]
# Left empty (or left out of the file), these keep what the locality has; REMOVE empties them.
KEPT_WHEN_EMPTY = ["ma_dvhc", "plan_code"]
REMOVE = "-"
TASK_COLUMNS = ["plan_code", "code", "group", "title", "lead", "partners", "output", "schedule", "due", "timing"]
TASK_REQUIRED = ["plan_code", "code", "group", "title", "lead", "schedule"]
LOCALITY_KINDS = {"xã", "phường", "đặc khu", "thành phố", "tỉnh"}
CODE_PATTERN = re.compile(r"^[A-Z0-9_]+$")
FIELD_LABELS = {"name": "tên", "kind": "loại", "parent_code": "cấp trên", "ma_dvhc": "mã ĐVHC", "plan_code": "kế hoạch"}
LISTED = 20


@dataclass(frozen=True)
class LocalityChanges:
    """What a localities file or a plan assignment does: codes added, updated (field -> (old, new)),
    unchanged; once it is applied, the localities left without a plan that no other locality reports
    through (a parent is judged from its children and needs none); and every locality's name."""

    added: tuple[str, ...]
    updated: dict[str, dict[str, tuple[str | None, str | None]]]
    unchanged: tuple[str, ...]
    without_plan: tuple[str, ...]
    names: dict[str, str]

    def summary(self) -> str:
        """In a sentence or three, for the command line and the app."""
        text = (f"{format_integer(len(self.added))} thêm mới, {format_integer(len(self.updated))} cập nhật, "
                f"{format_integer(len(self.unchanged))} không đổi.")
        if self.updated:
            listed = [f"{code} ({', '.join(FIELD_LABELS[f] for f in fields)})"
                      for code, fields in list(self.updated.items())[:LISTED]]
            text += f" Cập nhật: {'; '.join(listed)}{' …' if len(self.updated) > LISTED else ''}."
        if self.without_plan:
            listed = ", ".join(self.without_plan[:LISTED]) + (" …" if len(self.without_plan) > LISTED else "")
            text += (f" {format_integer(len(self.without_plan))} địa phương chưa có kế hoạch nên chưa theo dõi chỉ tiêu "
                     f"nào: {listed}.")
        else:
            text += " Mọi địa phương (trừ địa phương cấp trên) đều có kế hoạch."
        return text


def load_catalog(engine: Engine, data_dir: Path = DATA_DIR) -> None:
    """Create or upgrade the schema, load indicators and plans, and add the bundled localities that
    are missing. Safe to repeat.

    Localities already in the store are left as they are: they are changed only by a localities
    file (add_localities), and the app loads the catalogue each time it starts.
    """
    upgrade_schema(engine)
    indicators = _read_csv(data_dir / "indicators.csv")
    plans = _read_csv(data_dir / "plans.csv")
    localities = read_table((data_dir / "localities.csv").read_bytes(), "localities.csv")
    with write_session(engine) as session:
        upsert(session, Indicator, _indicator_rows(indicators), ["code"])
        upsert(session, Plan, _plan_rows(plans), ["code"])
        upsert(session, PlanTarget, _plan_target_rows(plans), ["plan_code", "indicator_code"])
        if (data_dir / "tasks.csv").is_file():
            upsert(session, PlanTask, _task_rows(_read_csv(data_dir / "tasks.csv"), set(plans["plan_code"])),
                   ["plan_code", "code"])
        missing = localities[~localities["code"].isin(list(session.scalars(select(Locality.code))))]
        if not missing.empty:
            _apply_localities(session, missing, write=True)
        bump(session)


def add_localities(engine: Engine, data: bytes, file_name: str, *, dry_run: bool = False) -> LocalityChanges:
    """Add or update localities from a file in the data/localities.csv layout; all or nothing.

    An empty ma_dvhc or plan_code (or a file without that column) keeps what the locality has (a
    new locality gets none); `-` removes it. With dry_run, the changes are worked out and nothing is
    written (the app's preview).
    """
    table = read_table(data, file_name)
    if dry_run:
        with read_session(engine) as session:
            return _apply_localities(session, table, write=False)
    with write_session(engine) as session:
        return _apply_localities(session, table, write=True)


def assign_plan(engine: Engine, codes: list[str], plan_code: str | None, *, dry_run: bool = False) -> LocalityChanges:
    """Give these localities one plan (None removes theirs), under the rules of a localities file."""
    if not codes:
        raise Rejected([Problem(None, None, "", "Chưa chọn địa phương nào.")])

    def apply(session: Session, write: bool) -> LocalityChanges:
        stored = _stored_localities(session).set_index("code")
        unknown = [code for code in codes if code not in stored.index]
        if unknown:
            raise Rejected([Problem(None, None, code, "Không có địa phương với mã này.") for code in unknown])
        table = stored.loc[list(dict.fromkeys(codes))].reset_index().fillna("")
        table["ma_dvhc"] = ""
        table["plan_code"] = plan_code or REMOVE
        # Problems name the locality, not a row of a file.
        table[ROW_COLUMN] = None
        return _apply_localities(session, table, write=write)

    if dry_run:
        with read_session(engine) as session:
            return apply(session, False)
    with write_session(engine) as session:
        return apply(session, True)


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _target(text: str) -> float | None:
    return float(text) if text.strip() else None


def _indicator_rows(frame: pd.DataFrame) -> list[dict]:
    rows = []
    for position, r in enumerate(frame.itertuples()):
        Kind(r.kind), Comparator(r.comparator)
        rows.append({
            "code": r.code, "name": r.name, "group": r.group, "kind": r.kind,
            "numerator_label": r.numerator_label or None, "denominator_label": r.denominator_label or None,
            "unit": r.unit or None, "comparator": r.comparator, "target": _target(r.target),
            "position": position,
        })
    return rows


def _plan_rows(frame: pd.DataFrame) -> list[dict]:
    """One row per plan: its title and its deadline (report_due, DD/MM, optional: given on any of the
    plan's rows, the same wherever it is given)."""
    due = frame["report_due"].str.strip() if "report_due" in frame.columns else pd.Series("", index=frame.index)
    rows = []
    for plan_code, group in frame.assign(report_due=due).groupby("plan_code", sort=False):
        given = sorted(set(group["report_due"]) - {""})
        if len(given) > 1:
            raise ValueError(f"plans.csv: kế hoạch {plan_code} có nhiều hạn nộp báo cáo khác nhau: {', '.join(given)}.")
        if given:
            report_due_day(given[0])
        rows.append({"code": plan_code, "title": group["plan_title"].iloc[0], "report_due": given[0] if given else None})
    return rows


def _plan_target_rows(frame: pd.DataFrame) -> list[dict]:
    return [
        {"plan_code": r.plan_code, "indicator_code": r.indicator_code,
         "comparator": Comparator(r.comparator).value, "target": _target(r.target)}
        for r in frame.itertuples()
    ]


def _task_rows(frame: pd.DataFrame, plans: set[str]) -> list[dict]:
    """The tasks of data/tasks.csv, or Rejected naming every row (as the file shows it) that is wrong."""
    frame = frame.reindex(columns=TASK_COLUMNS, fill_value="")
    problems, seen, rows = [], set(), []
    for position, r in enumerate(frame.itertuples(index=False)):
        row = position + 2
        task = {c: str(getattr(r, c)).strip() for c in TASK_COLUMNS}
        for column in TASK_REQUIRED:
            if not task[column]:
                problems.append(Problem(row, column, "", "Cột này không được để trống."))
        if task["plan_code"] and task["plan_code"] not in plans:
            problems.append(Problem(row, "plan_code", task["plan_code"], "Không có kế hoạch với mã này trong plans.csv."))
        if (task["plan_code"], task["code"]) in seen:
            problems.append(Problem(row, "code", task["code"], "Mã nhiệm vụ bị lặp lại trong cùng kế hoạch."))
        seen.add((task["plan_code"], task["code"]))
        if task["schedule"] and (problem := due_problem(task["schedule"], task["due"])):
            problems.append(Problem(row, "due", task["due"], problem))
        rows.append({**{c: task[c] or None for c in TASK_COLUMNS}, "position": position})
    if problems:
        raise Rejected([Problem(p.row, p.column, p.value, f"tasks.csv: {p.message}") for p in problems])
    return rows


def _apply_localities(session: Session, table: pd.DataFrame, *, write: bool) -> LocalityChanges:
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise Rejected([Problem(1, None, "", f"Thiếu cột bắt buộc: {', '.join(missing)}. Các cột cần có: "
                                              f"{', '.join(REQUIRED_COLUMNS)}; thêm ma_dvhc, plan_code nếu cần.")])
    table = table.reindex(columns=[*LOCALITY_COLUMNS, ROW_COLUMN], fill_value="")
    stored = _stored_localities(session)
    known_plans = set(session.scalars(select(Plan.code)))
    problems = _locality_problems(table, stored, known_plans)
    if problems:
        raise Rejected(problems)
    wanted = _wanted(table, stored.set_index("code"))
    changes = _changes(wanted, stored)
    problems = _plan_change_problems(session, wanted, changes)
    if problems:
        raise Rejected(problems)
    if write and (changes.added or changes.updated):
        changed = wanted[wanted["code"].isin([*changes.added, *changes.updated])]
        # Parents first, so that every foreign key points at a row that already exists.
        upsert(session, Locality, _parents_first(changed, stored).to_dict("records"), ["code"])
        bump(session)
    return changes


def _stored_localities(session: Session) -> pd.DataFrame:
    rows = session.execute(select(*(getattr(Locality, c) for c in LOCALITY_COLUMNS))).all()
    return pd.DataFrame(rows, columns=LOCALITY_COLUMNS, dtype=object)


def _wanted(table: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """Each row of the file as the locality will be: empty keeps, `-` removes, anything else is the value."""
    rows = []
    for r in table.itertuples():
        before = stored.loc[r.code] if r.code in stored.index else None
        row = {"code": r.code, "name": r.name, "kind": r.kind, "parent_code": r.parent_code or None, "row": getattr(r, ROW_COLUMN)}
        for column in KEPT_WHEN_EMPTY:
            typed = getattr(r, column)
            if typed == REMOVE:
                row[column] = None
            elif typed:
                row[column] = typed
            else:
                row[column] = None if before is None or pd.isna(before[column]) else before[column]
        rows.append(row)
    return pd.DataFrame(rows, columns=[*LOCALITY_COLUMNS, "row"], dtype=object)


def _changes(wanted: pd.DataFrame, stored: pd.DataFrame) -> LocalityChanges:
    before = stored.set_index("code")
    added, unchanged, updated = [], [], {}
    for row in wanted.to_dict("records"):
        if row["code"] not in before.index:
            added.append(row["code"])
            continue
        old = before.loc[row["code"]]
        fields = {c: (_text(old[c]), _text(row[c])) for c in LOCALITY_COLUMNS[1:] if _text(old[c]) != _text(row[c])}
        if fields:
            updated[row["code"]] = fields
        else:
            unchanged.append(row["code"])
    # As the localities will be: the stored ones with the file's over them.
    after = {**_by_code(before.index, before["plan_code"]), **_by_code(wanted["code"], wanted["plan_code"])}
    parents = {**_by_code(before.index, before["parent_code"]), **_by_code(wanted["code"], wanted["parent_code"])}
    has_children = set(parents.values())
    without_plan = sorted(code for code, plan in after.items() if plan is None and code not in has_children)
    names = {**before["name"].to_dict(), **dict(zip(wanted["code"], wanted["name"]))}
    return LocalityChanges(tuple(added), updated, tuple(unchanged), tuple(without_plan), names)


def _by_code(codes, values) -> dict[str, str | None]:
    return {code: _text(value) for code, value in zip(codes, values)}


def _text(value) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def _plan_change_problems(session: Session, wanted: pd.DataFrame, changes: LocalityChanges) -> list[Problem]:
    """A plan may not change under readings it does not cover (they would vanish from every page while
    the export kept them), nor for a locality with an approved year (its approved figures would be
    judged against other targets)."""
    moving = {code: fields["plan_code"] for code, fields in changes.updated.items() if "plan_code" in fields}
    if not moving:
        return []
    codes = list(moving)
    recorded = session.execute(
        select(Reading.locality_code, Reading.indicator_code, func.count())
        .where(Reading.locality_code.in_(codes)).group_by(Reading.locality_code, Reading.indicator_code)).all()
    covered = set(session.execute(select(PlanTarget.plan_code, PlanTarget.indicator_code)).all())
    approved = session.execute(select(YearReport.locality_code, YearReport.year)
                               .where(YearReport.locality_code.in_(codes), YearReport.state == CycleState.APPROVED)
                               .order_by(YearReport.year)).all()
    outside: dict[str, list[tuple[str, int]]] = {}
    for code, indicator, count in recorded:
        if (moving[code][1], indicator) not in covered:
            outside.setdefault(code, []).append((indicator, count))
    locked: dict[str, list[int]] = {}
    for code, year in approved:
        locked.setdefault(code, []).append(year)
    rows = wanted.set_index("code")
    problems = []
    for code, (old, new) in moving.items():
        row, name = rows.loc[code, "row"], rows.loc[code, "name"]
        where = None if row is None or row == "" else int(row)
        target = f"kế hoạch «{new}»" if new else "không có kế hoạch"
        if code in outside:
            indicators = sorted(outside[code])
            listed = ", ".join(indicator for indicator, _ in indicators)
            count = sum(count for _, count in indicators)
            problems.append(Problem(where, "plan_code", new or REMOVE, (
                f"Không đổi được kế hoạch của {name} ({code}) từ «{old}» sang {target}: {format_integer(count)} số liệu "
                f"đã nhập của các chỉ tiêu {listed} sẽ nằm ngoài kế hoạch và không còn được tính ở đâu. "
                "Hãy chọn kế hoạch có các chỉ tiêu này.")))
        if code in locked:
            years = ", ".join(str(year) for year in locked[code])
            problems.append(Problem(where, "plan_code", new or REMOVE, (
                f"Không đổi được kế hoạch của {name} ({code}): số liệu năm {years} đã được phê duyệt (khóa) theo kế "
                f"hoạch «{old}». Quản trị viên cần mở lại phê duyệt các năm đó trước.")))
    return problems


def _locality_problems(table: pd.DataFrame, stored: pd.DataFrame, plans: set[str]) -> list[Problem]:
    problems = []
    known = set(stored["code"])
    in_file = set(table["code"])
    seen: set[str] = set()
    # Cycles are looked for in the hierarchy as it would be: the stored rows with the file's over them.
    parent_of = {**dict(zip(stored["code"], stored["parent_code"])), **dict(zip(table["code"], table["parent_code"]))}
    for r in table.itertuples():
        row = getattr(r, ROW_COLUMN)
        if not CODE_PATTERN.match(r.code):
            problems.append(Problem(row, "code", r.code, "Mã địa phương chỉ gồm chữ in hoa không dấu, chữ số và dấu gạch dưới, không được để trống."))
        elif r.code in seen:
            problems.append(Problem(row, "code", r.code, "Mã địa phương bị lặp lại trong tệp."))
        seen.add(r.code)
        if not r.name or r.name == REMOVE:
            problems.append(Problem(row, "name", r.name, "Tên địa phương không được để trống."))
        if r.kind not in LOCALITY_KINDS:
            problems.append(Problem(row, "kind", r.kind, f"Loại địa phương phải là một trong: {', '.join(sorted(LOCALITY_KINDS))}."))
        if r.parent_code and r.parent_code not in known and r.parent_code not in in_file:
            problems.append(Problem(row, "parent_code", r.parent_code, "Không có địa phương cấp trên với mã này."))
        elif r.parent_code and _has_cycle(r.code, parent_of):
            problems.append(Problem(row, "parent_code", r.parent_code,
                                    f"Quan hệ cấp trên tạo thành vòng lặp: {' → '.join(_chain(r.code, parent_of))}."))
        if r.plan_code and r.plan_code != REMOVE and r.plan_code not in plans:
            problems.append(Problem(row, "plan_code", r.plan_code, "Không có kế hoạch với mã này (ghi «-» để bỏ kế hoạch, "
                                                                   "để trống để giữ kế hoạch đang có)."))
    return problems


def _chain(code: str, parent_of: dict[str, str]) -> list[str]:
    chain = [code]
    while (parent := parent_of.get(chain[-1])) and parent not in chain:
        chain.append(parent)
    return [*chain, parent_of.get(chain[-1])]


def _has_cycle(code: str, parent_of: dict[str, str]) -> bool:
    """Whether going up from code comes back to it."""
    seen = set()
    parent = parent_of.get(code)
    while parent and parent not in seen:
        if parent == code:
            return True
        seen.add(parent)
        parent = parent_of.get(parent)
    return False


def _parents_first(table: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    parent_of = {**dict(zip(stored["code"], stored["parent_code"])), **dict(zip(table["code"], table["parent_code"]))}

    def depth(code: str) -> int:
        level = 0
        while parent_of.get(code):
            code, level = parent_of[code], level + 1
        return level

    ordered = table.assign(_depth=table["code"].map(depth)).sort_values("_depth", kind="stable")
    return ordered[LOCALITY_COLUMNS]
