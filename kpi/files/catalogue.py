"""The configuration in data/: indicators, plans, plan tasks and localities. Parsing, checking, one upsert each."""

import re
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select
from sqlmodel import Session

from kpi.files.sheets import read_table
from kpi.periods import due_problem
from kpi.problems import Problem, Rejected
from kpi.store.db import PROJECT_DIR, upgrade_schema, upsert, write_session
from kpi.store.models import Indicator, Locality, Plan, PlanTarget, PlanTask
from kpi.vocabulary import ROW_COLUMN, Comparator, Kind

DATA_DIR = PROJECT_DIR / "data"
LOCALITY_COLUMNS = ["code", "name", "kind", "parent_code", "ma_dvhc", "plan_code"]
TASK_COLUMNS = ["plan_code", "code", "group", "title", "lead", "partners", "output", "schedule", "due", "timing"]
TASK_REQUIRED = ["plan_code", "code", "group", "title", "lead", "schedule"]
LOCALITY_KINDS = {"xã", "phường", "đặc khu", "thành phố", "tỉnh"}
CODE_PATTERN = re.compile(r"^[A-Z0-9_]+$")


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
        plan_titles = plans.drop_duplicates("plan_code")
        upsert(session, Plan, [{"code": r.plan_code, "title": r.plan_title} for r in plan_titles.itertuples()], ["code"])
        upsert(session, PlanTarget, _plan_target_rows(plans), ["plan_code", "indicator_code"])
        if (data_dir / "tasks.csv").is_file():
            upsert(session, PlanTask, _task_rows(_read_csv(data_dir / "tasks.csv"), set(plans["plan_code"])),
                   ["plan_code", "code"])
        missing = localities[~localities["code"].isin(list(session.scalars(select(Locality.code))))]
        if not missing.empty:
            _apply_localities(session, missing)


def add_localities(engine: Engine, data: bytes, file_name: str) -> int:
    """Add or update localities from a file in the data/localities.csv layout; all or nothing."""
    table = read_table(data, file_name)
    with write_session(engine) as session:
        return _apply_localities(session, table)


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


def _apply_localities(session: Session, table: pd.DataFrame) -> int:
    missing = [c for c in ("code", "name", "kind", "parent_code", "plan_code") if c not in table.columns]
    if missing:
        raise Rejected([Problem(1, None, "", f"Thiếu cột bắt buộc: {', '.join(missing)}. Các cột cần có: {', '.join(LOCALITY_COLUMNS)}.")])
    table = table.reindex(columns=[*LOCALITY_COLUMNS, ROW_COLUMN], fill_value="")
    known_localities = set(session.scalars(select(Locality.code)))
    known_plans = set(session.scalars(select(Plan.code)))
    problems = _locality_problems(table, known_localities, known_plans)
    if problems:
        raise Rejected(problems)
    # Parents first, so that every foreign key points at a row that already exists.
    rows = [
        {c: (getattr(r, c) or None) for c in LOCALITY_COLUMNS}
        for r in _parents_first(table).itertuples()
    ]
    upsert(session, Locality, rows, ["code"])
    return len(rows)


def _locality_problems(table: pd.DataFrame, known: set[str], plans: set[str]) -> list[Problem]:
    problems = []
    in_file = set(table["code"])
    seen: set[str] = set()
    parent_of = dict(zip(table["code"], table["parent_code"]))
    for r in table.itertuples():
        row = getattr(r, ROW_COLUMN)
        if not CODE_PATTERN.match(r.code):
            problems.append(Problem(row, "code", r.code, "Mã địa phương chỉ gồm chữ in hoa không dấu, chữ số và dấu gạch dưới, không được để trống."))
        elif r.code in seen:
            problems.append(Problem(row, "code", r.code, "Mã địa phương bị lặp lại trong tệp."))
        seen.add(r.code)
        if not r.name:
            problems.append(Problem(row, "name", "", "Tên địa phương không được để trống."))
        if r.kind not in LOCALITY_KINDS:
            problems.append(Problem(row, "kind", r.kind, f"Loại địa phương phải là một trong: {', '.join(sorted(LOCALITY_KINDS))}."))
        if r.parent_code and r.parent_code not in known and r.parent_code not in in_file:
            problems.append(Problem(row, "parent_code", r.parent_code, "Không có địa phương cấp trên với mã này."))
        elif r.parent_code and _has_cycle(r.code, parent_of):
            problems.append(Problem(row, "parent_code", r.parent_code, "Quan hệ cấp trên tạo thành vòng lặp."))
        if r.plan_code and r.plan_code not in plans:
            problems.append(Problem(row, "plan_code", r.plan_code, "Không có kế hoạch với mã này."))
    return problems


def _has_cycle(code: str, parent_of: dict[str, str]) -> bool:
    seen = {code}
    parent = parent_of.get(code)
    while parent:
        if parent in seen:
            return True
        seen.add(parent)
        parent = parent_of.get(parent)
    return False


def _parents_first(table: pd.DataFrame) -> pd.DataFrame:
    parent_of = dict(zip(table["code"], table["parent_code"]))

    def depth(code: str) -> int:
        level = 0
        while parent_of.get(code):
            code, level = parent_of[code], level + 1
        return level

    return table.assign(_depth=table["code"].map(depth)).sort_values("_depth", kind="stable")
