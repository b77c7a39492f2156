"""The configuration in data/: indicators, plans and localities. Parsing, checking, one upsert each."""

import re
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select
from sqlmodel import Session

from kpi.files.sheets import read_table
from kpi.problems import Problem, Rejected
from kpi.store.db import PROJECT_DIR, upgrade_schema, upsert, write_session
from kpi.store.models import Indicator, Locality, Plan, PlanTarget
from kpi.vocabulary import ROW_COLUMN, Comparator, Kind
from kpi.years import report_due_day

DATA_DIR = PROJECT_DIR / "data"
LOCALITY_COLUMNS = ["code", "name", "kind", "parent_code", "ma_dvhc", "plan_code"]
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
        upsert(session, Plan, _plan_rows(plans), ["code"])
        upsert(session, PlanTarget, _plan_target_rows(plans), ["plan_code", "indicator_code"])
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
