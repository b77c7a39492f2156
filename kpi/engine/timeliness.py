"""Timeliness of the reporting cycle: each locality's deadline for a year, whether it submitted on
time, late or not yet, and the counts for a scope (submitted, on time, late, overdue, approved).

A year submitted on or before its deadline is "Đúng hạn", after it "Trễ hạn N ngày"; a year not
submitted (a draft, or returned) when the deadline has passed is "Quá hạn N ngày", before it "Chưa
đến hạn". N counts calendar days in Asia/Ho_Chi_Minh. A year approved without being submitted is
judged on the day it was approved. The state is the one stored now; the judging day only decides
between overdue and not yet due.
"""

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.store import cycle, queries
from kpi.store.models import CycleState
from kpi.years import LOCAL_TIME, report_due_date, today

ON_TIME, LATE, OVERDUE, NOT_DUE = "on_time", "late", "overdue", "not_due"
TIMELINESS_LABELS = {ON_TIME: "Đúng hạn", LATE: "Trễ hạn", OVERDUE: "Quá hạn", NOT_DUE: "Chưa đến hạn"}
DELIVERED = (CycleState.SUBMITTED, CycleState.APPROVED)
# The reporting page's order: the overdue first (most days first), then the states still to act on.
STATE_ORDER = {CycleState.RETURNED: 0, CycleState.DRAFT: 1, CycleState.SUBMITTED: 2, CycleState.APPROVED: 3}

REPORTING_COLUMNS = ["locality_code", "locality_name", "year", "state", "state_label", "due", "submitted_at",
                     "submitted_by", "approved_at", "approved_by", "reason", "timeliness", "timeliness_text",
                     "days_late", "readings", "expected", "editors"]


def judge(state: str, due: date, submitted_at: datetime | None, approved_at: datetime | None,
          on: date) -> tuple[str, int]:
    """(timeliness code, days late or overdue, 0 when none) of one locality's year, judged on `on`."""
    delivered_at = submitted_at if submitted_at is not None else approved_at
    if state in DELIVERED and delivered_at is not None:
        day = delivered_at.astimezone(LOCAL_TIME).date()
        return (ON_TIME, 0) if day <= due else (LATE, (day - due).days)
    if on > due:
        return OVERDUE, (on - due).days
    return NOT_DUE, 0


def judge_state(state: cycle.YearState, due: date, on: date) -> tuple[str, int]:
    """judge() of a locality's year as kpi.store.cycle reads it."""
    return judge(state.state, due, _moment(state.submitted_at), _moment(state.approved_at), on)


def timeliness_text(timeliness: str, days: int) -> str:
    """"Đúng hạn", "Trễ hạn 3 ngày", "Quá hạn 12 ngày", "Chưa đến hạn"."""
    label = TIMELINESS_LABELS[timeliness]
    return f"{label} {fmt.format_integer(days)} ngày" if timeliness in (LATE, OVERDUE) else label


def scope_codes(localities: pd.DataFrame, locality_code: str) -> set[str]:
    """A locality and every locality under it, at any depth."""
    children: dict[str, list[str]] = {}
    for code, parent in zip(localities["code"], localities["parent_code"]):
        if isinstance(parent, str) and parent:
            children.setdefault(parent, []).append(code)
    inside, waiting = {locality_code}, [locality_code]
    while waiting:
        for child in children.get(waiting.pop(), []):
            if child not in inside:
                inside.add(child)
                waiting.append(child)
    return inside


def reporting(engine: Engine, year: int, locality_code: str | None = None, on: date | None = None,
) -> pd.DataFrame:
    """One row per locality with a plan in scope (the locality and every locality under it; all without
    one): its state for the year, deadline, submission, timeliness judged on `on` (today in Vietnam by
    default), readings/expected and the editors answering for it. The overdue first, most days first."""
    on = on or today()
    frame = cycle.reporting_rows(engine, year)
    if locality_code is not None:
        frame = frame[frame["locality_code"].isin(scope_codes(queries.localities(engine), locality_code))]
    frame = frame.reset_index(drop=True)
    due = [report_due_date(text if isinstance(text, str) else None, year) for text in frame["report_due"]]
    judged = [judge(state, day, _moment(submitted), _moment(approved), on)
              for state, day, submitted, approved in zip(frame["state"], due, frame["submitted_at"], frame["approved_at"])]
    editors = dict(cycle.responsible_editors(engine).itertuples(index=False, name=None))
    table = pd.DataFrame({
        "locality_code": frame["locality_code"],
        "locality_name": frame["locality_name"],
        "year": year,
        "state": frame["state"],
        "state_label": frame["state"].map(cycle.STATE_LABELS),
        "due": due,
        "submitted_at": frame["submitted_at"],
        "submitted_by": frame["submitted_by"],
        "approved_at": frame["approved_at"],
        "approved_by": frame["approved_by"],
        "reason": frame["reason"],
        "timeliness": [code for code, _ in judged],
        "timeliness_text": [timeliness_text(code, days) for code, days in judged],
        "days_late": [days for _, days in judged],
        "readings": frame["readings"],
        "expected": frame["expected"],
        "editors": [editors.get(code, "") for code in frame["locality_code"]],
    }, columns=REPORTING_COLUMNS)
    order = pd.DataFrame({
        "overdue": table["timeliness"] != OVERDUE,
        "days": -table["days_late"].where(table["timeliness"] == OVERDUE, 0),
        "state": table["state"].map(STATE_ORDER),
        "name": table["locality_name"],
    })
    return table.loc[order.sort_values(["overdue", "days", "state", "name"], key=fmt.by_name("name")).index].reset_index(drop=True)


def reporting_json(table: pd.DataFrame) -> list[dict]:
    """`reporting --json`: one object per locality, the fields of the domain contract."""
    return [{
        "locality_code": row.locality_code,
        "year": int(row.year),
        "state": row.state,
        "due": row.due.isoformat(),
        "submitted_at": None if pd.isna(row.submitted_at) else row.submitted_at.isoformat(),
        "timeliness": row.timeliness,
        "days_late": int(row.days_late),
        "readings": int(row.readings),
        "expected": int(row.expected),
    } for row in table.itertuples()]


def _moment(value) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


@dataclass(frozen=True)
class CycleCounts:
    """How many localities of a scope are expected to report a year, and where they are in the cycle."""

    expected: int
    submitted: int
    on_time: int
    late: int
    overdue: int
    approved: int
    returned: int


def counts(table: pd.DataFrame) -> CycleCounts:
    """The counts of a `reporting` table: submitted = submitted or approved after a submission or not."""
    delivered = table["state"].isin(list(DELIVERED))
    return CycleCounts(
        expected=len(table),
        submitted=int(delivered.sum()),
        on_time=int((table["timeliness"] == ON_TIME).sum()),
        late=int((table["timeliness"] == LATE).sum()),
        overdue=int((table["timeliness"] == OVERDUE).sum()),
        approved=int((table["state"] == CycleState.APPROVED).sum()),
        returned=int((table["state"] == CycleState.RETURNED).sum()),
    )


def counts_text(year: int, cycle_counts: CycleCounts) -> str:
    """One sentence for the overview and the reports."""
    n = fmt.format_integer
    text = (f"Báo cáo năm {year}: {n(cycle_counts.submitted)}/{n(cycle_counts.expected)} địa phương đã nộp "
            f"({n(cycle_counts.on_time)} đúng hạn, {n(cycle_counts.late)} trễ hạn), {n(cycle_counts.overdue)} quá hạn "
            f"chưa nộp, {n(cycle_counts.approved)} đã phê duyệt")
    if cycle_counts.returned:
        text += f", {n(cycle_counts.returned)} bị trả lại"
    return text + "."
