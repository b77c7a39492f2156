"""Plan tasks and THE write path for task reports: validation, rights, approval locks, upsert and
history, in one transaction.

The form, the task-report file reader and the CLI all call apply_task_reports(); nothing else writes
task reports. A report is (locality, task, period) -> status, evidence, note; its year's approval
lock and the account's rights apply as they do to readings of that year.
"""

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select
from sqlmodel import Session

from kpi.periods import TASK_STATUS_LABELS, TaskStatus, all_periods, normalize_period, period_label, period_year
from kpi.problems import Problem, Rejected
from kpi.store.accounts import Account
from kpi.store.cycle import write_refusals
from kpi.store.db import read_session, run_write, upsert
from kpi.store.models import Locality, PlanTask, TaskReport, TaskReportRevision, utc_now
from kpi.store.readings import WriteResult
from kpi.store.version import bump
from kpi.vocabulary import ROW_COLUMN

TASK_REPORT_COLUMNS = ["locality_code", "task_code", "period", "status", "evidence", "note"]
TASK_REPORT_LABELS = {"locality_code": "Mã địa phương", "task_code": "Mã nhiệm vụ", "period": "Kỳ",
                      "status": "Tình trạng", "evidence": "Sản phẩm", "note": "Ghi chú"}
KEY = ["locality_code", "plan_code", "task_code", "period"]
MAX_TEXT_LENGTH = 2000
EVIDENCE_REQUIRED = ("Nhiệm vụ «Hoàn thành» phải ghi sản phẩm (số và ngày của văn bản, sự kiện, sản phẩm); "
                     "chưa có sản phẩm thì chọn «Đang thực hiện».")
TASK_COLUMNS = ["plan_code", "code", "group", "title", "lead", "partners", "output", "schedule", "due", "timing", "position"]
REPORT_COLUMNS = [*KEY, "year", "status", "evidence", "note", "entered_by", "entered_at", "source", "file_name"]


@dataclass(frozen=True)
class _Row:
    row: int
    locality_code: str
    plan_code: str | None
    task_code: str
    period: str
    status: str
    evidence: str | None
    note: str | None


def plan_tasks(engine: Engine) -> pd.DataFrame:
    """Every task of every plan, in the plans' order."""
    with read_session(engine) as session:
        rows = session.execute(select(*(getattr(PlanTask, c) for c in TASK_COLUMNS))
                               .order_by(PlanTask.plan_code, PlanTask.position)).all()
    return pd.DataFrame(rows, columns=TASK_COLUMNS)


def task_reports(engine: Engine, year: int | None = None, locality_codes: list[str] | None = None) -> pd.DataFrame:
    """The reports stored now (of a year's periods, of some localities)."""
    statement = select(*(getattr(TaskReport, c) for c in REPORT_COLUMNS))
    if year is not None:
        statement = statement.where(TaskReport.year == year)
    if locality_codes is not None:
        statement = statement.where(TaskReport.locality_code.in_(locality_codes))
    with read_session(engine) as session:
        rows = session.execute(statement).all()
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def task_report_history(engine: Engine, locality_code: str, task_code: str, period: str) -> pd.DataFrame:
    """Every report ever written for one task and period of a locality, newest first."""
    columns = ["status", "evidence", "note", "entered_by", "entered_at", "source", "file_name"]
    statement = (select(*(getattr(TaskReportRevision, c) for c in columns))
                 .where(TaskReportRevision.locality_code == locality_code, TaskReportRevision.task_code == task_code,
                        TaskReportRevision.period == period)
                 .order_by(TaskReportRevision.id.desc()))
    with read_session(engine) as session:
        return pd.DataFrame(session.execute(statement).all(), columns=columns)


def apply_task_reports(engine: Engine, rows: list[dict], *, source: str, user: Account | None = None,
                       user_name: str | None = None, file_name: str | None = None, dry_run: bool = False,
                       labels: dict[str, str] | None = None) -> WriteResult:
    """Check every row and apply all of them, or none: raises Rejected listing every problem.

    `rows` hold TASK_REPORT_COLUMNS (status as a code) and, from a file, ROW_COLUMN. With `user`,
    that account's rights apply and the reports are recorded as its; without, `user_name` names a
    system actor. Approved (locked) years are refused to both.
    """
    actor = user.name if user is not None else user_name
    if not actor:
        raise ValueError("apply_task_reports needs a user or the name of a system actor")
    labels = labels or TASK_REPORT_LABELS
    if not rows:
        raise Rejected([Problem(None, None, "", "Không có báo cáo nhiệm vụ nào để ghi.")])
    cleaned = [_cleaned(row, index) for index, row in enumerate(rows, start=1)]

    def apply(session: Session) -> WriteResult:
        checked, problems = _checked(session, cleaned, labels)
        refusals = write_refusals(session, user.name if user is not None else None,
                                  {(row.locality_code, period_year(row.period)) for row in checked})
        problems += _refused(checked, refusals, ("account", "locality"), labels)
        if problems:
            raise Rejected(sorted(problems, key=lambda problem: problem.row or 0))
        changes = _changes(session, checked)
        # Reports sent again unchanged write nothing, so they pass in a locked or submitted year.
        _reject_years(changes, refusals, labels)
        counts = [change for _, change in changes]
        result = WriteResult(counts.count("created"), counts.count("updated"), counts.count("unchanged"))
        if not dry_run:
            _write(session, [row for row, change in changes if change != "unchanged"], actor, source, file_name)
        return result

    if dry_run:
        with read_session(engine) as session:
            return apply(session)
    return run_write(engine, apply)


def _cleaned(row: dict, index: int) -> dict:
    def text(column: str) -> str:
        value = row.get(column)
        return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()

    return {**{column: text(column) for column in TASK_REPORT_COLUMNS}, ROW_COLUMN: int(row.get(ROW_COLUMN) or index)}


def _checked(session: Session, rows: list[dict], labels: dict[str, str]) -> tuple[list[_Row], list[Problem]]:
    plans = dict(session.execute(select(Locality.code, Locality.plan_code)).all())
    tasks = {(plan, code): (schedule, due) for plan, code, schedule, due in
             session.execute(select(PlanTask.plan_code, PlanTask.code, PlanTask.schedule, PlanTask.due)).all()}
    problems: list[Problem] = []
    checked: list[_Row] = []
    seen: dict[tuple, int] = {}

    def problem(row: dict, column: str, message: str) -> None:
        problems.append(Problem(row[ROW_COLUMN], labels.get(column, column), row[column], message))

    for row in rows:
        before = len(problems)
        code, plan = row["locality_code"], plans.get(row["locality_code"])
        if code not in plans:
            problem(row, "locality_code", "Không có địa phương với mã này.")
        elif plan is None:
            problem(row, "locality_code", "Địa phương này chưa có kế hoạch nên không có nhiệm vụ.")
        task = tasks.get((plan, row["task_code"]))
        if plan is not None and task is None:
            problem(row, "task_code", "Nhiệm vụ này không có trong kế hoạch của địa phương."
                    if row["task_code"] else "Thiếu mã nhiệm vụ.")
        period = normalize_period(row["period"])
        if period is None:
            problem(row, "period", "Kỳ phải là một năm (ví dụ 2026) hoặc một quý (ví dụ 2026-Q2).")
        elif task is not None and period not in (valid := all_periods(*task)):
            shown = ", ".join(valid[:5]) + (", …" if len(valid) > 5 else "")
            problem(row, "period", f"Nhiệm vụ này không có kỳ này; các kỳ của nhiệm vụ: {shown}.")
        if row["status"] not in set(TaskStatus):
            problem(row, "status", "Tình trạng phải là một trong: "
                    + ", ".join(f"{code} ({label})" for code, label in TASK_STATUS_LABELS.items()) + ".")
        elif row["status"] == TaskStatus.DONE and not row["evidence"]:
            problem(row, "evidence", EVIDENCE_REQUIRED)
        for column in ("evidence", "note"):
            if len(row[column]) > MAX_TEXT_LENGTH:
                problems.append(Problem(row[ROW_COLUMN], labels.get(column, column), row[column][:40] + "…",
                                        f"Không được dài quá {MAX_TEXT_LENGTH} ký tự."))
        key = (code, row["task_code"], period)
        if period is not None and key in seen:
            problem(row, "task_code", f"Nhiệm vụ và kỳ này đã có ở dòng {seen[key]}: mỗi nhiệm vụ một dòng cho mỗi kỳ.")
        seen.setdefault(key, row[ROW_COLUMN])
        if len(problems) == before:
            checked.append(_Row(row[ROW_COLUMN], code, plan, row["task_code"], period, row["status"],
                                row["evidence"] or None, row["note"] or None))
    return checked, problems


def _refused(rows: list[_Row], refusals: dict, about: tuple[str, ...], labels: dict[str, str]) -> list[Problem]:
    """The rows kpi.store.cycle.write_refusals (the one rule for writing a locality's year) refuses for
    these reasons; a refusal of the whole account, once."""
    problems = []
    for row in rows:
        refusal = refusals.get((row.locality_code, period_year(row.period)))
        if refusal is None or refusal.about not in about:
            continue
        if refusal.about == "account":
            return [Problem(None, None, "", refusal.message)]
        column = "period" if refusal.about == "year" else "locality_code"
        shown = period_label(row.period) if column == "period" else row.locality_code
        problems.append(Problem(row.row, labels.get(column, column), shown, refusal.message))
    return problems


def _changes(session: Session, rows: list[_Row]) -> list[tuple[_Row, str]]:
    """Each row with created / updated / unchanged against what is stored."""
    localities = sorted({row.locality_code for row in rows})
    stored = {
        (r.locality_code, r.plan_code, r.task_code, r.period): (r.status, r.evidence, r.note)
        for r in session.execute(select(TaskReport).where(TaskReport.locality_code.in_(localities))).scalars()
    }
    changes = []
    for row in rows:
        before = stored.get((row.locality_code, row.plan_code, row.task_code, row.period))
        if before is None:
            changes.append((row, "created"))
        else:
            changes.append((row, "unchanged" if before == (row.status, row.evidence, row.note) else "updated"))
    return changes


def _reject_years(changes: list[tuple[_Row, str]], refusals: dict, labels: dict[str, str]) -> None:
    problems = _refused([row for row, change in changes if change != "unchanged"], refusals, ("year",), labels)
    if problems:
        raise Rejected(problems)


def _write(session: Session, rows: list[_Row], actor: str, source: str, file_name: str | None) -> None:
    """Every change of task reports goes through here: the reports and their history, together."""
    if not rows:
        return
    now = utc_now()
    values = [{"locality_code": row.locality_code, "plan_code": row.plan_code, "task_code": row.task_code,
               "period": row.period, "year": period_year(row.period), "status": row.status,
               "evidence": row.evidence, "note": row.note, "entered_by": actor, "entered_at": now,
               "source": str(source), "file_name": file_name} for row in rows]
    upsert(session, TaskReport, values, KEY)
    session.execute(TaskReportRevision.__table__.insert(), values)
    bump(session)
