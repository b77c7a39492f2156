"""The plan tasks of a scope in a year, judged on a day: what is due, done, in progress and overdue,
and the roll-ups a meeting reads (localities with the most overdue tasks first, tasks by lead agency).

One row per (locality, task, period) due in the year, for the scope's localities that have a plan:
a locality alone, or a parent's descendants. Overdue: the period's due date has passed on the
judging day and the status is not `done` (domain.md, "Plan tasks").
"""

import json
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine

from kpi.engine.progress import ancestor_links
from kpi.formatting import by_name
from kpi.periods import OVERDUE_LABEL, TASK_STATUS_LABELS, TaskStatus, period_label, periods
from kpi.store import queries
from kpi.store.tasks import plan_tasks, task_reports

ITEM_COLUMNS = ["locality_code", "locality_name", "plan_code", "task_code", "group", "title", "lead", "output",
                "timing", "position", "period", "period_label", "due", "status", "status_label", "evidence", "note",
                "entered_by", "entered_at", "overdue"]
JSON_FIELDS = ["locality_code", "task_code", "title", "lead", "output", "period", "due", "status", "evidence", "overdue"]
COUNT_COLUMNS = ["due", "done", "in_progress", "not_started", "overdue"]


@dataclass(frozen=True)
class TaskCounts:
    due: int
    done: int
    in_progress: int
    overdue: int
    # Of the periods whose due date has come by the judging day: the overview's "đến hạn".
    fallen_due: int
    fallen_due_done: int

    @property
    def not_started(self) -> int:
        """Neither done nor in progress: with those two, every task due in the year."""
        return self.due - self.done - self.in_progress


def scope_localities(localities: pd.DataFrame, scope: str | None) -> pd.DataFrame:
    """The localities with a plan that a scope's tasks are about: the locality itself when it has a
    plan, else (a parent) its descendants with a plan; every locality with a plan without a scope."""
    with_plan = localities[localities["plan_code"].notna()]
    if scope is None:
        return with_plan
    own = with_plan[with_plan["code"] == scope]
    if not own.empty:
        return own
    links = ancestor_links(localities)
    below = set(links.loc[links["ancestor_code"] == scope, "descendant_code"])
    return with_plan[with_plan["code"].isin(below)]


def due_items(tasks: pd.DataFrame, reports: pd.DataFrame, localities: pd.DataFrame, year: int, on: date,
              scope: str | None = None) -> pd.DataFrame:
    """Every (locality, task, period) due in `year` in the scope, with its reported status, judged on `on`."""
    calendar = pd.DataFrame(
        [(task.plan_code, task.code, period, due)
         for task in tasks.itertuples() for period, due in periods(task.schedule, task.due, year)],
        columns=["plan_code", "task_code", "period", "due"])
    places = scope_localities(localities, scope)[["code", "name", "plan_code"]]
    places = places.rename(columns={"code": "locality_code", "name": "locality_name"})
    items = (places.merge(calendar, on="plan_code")
             .merge(tasks.rename(columns={"code": "task_code"})[["plan_code", "task_code", "group", "title", "lead",
                                                                  "output", "timing", "position"]],
                    on=["plan_code", "task_code"]))
    stored = reports[["locality_code", "plan_code", "task_code", "period", "status", "evidence", "note",
                      "entered_by", "entered_at"]]
    items = items.merge(stored, on=["locality_code", "plan_code", "task_code", "period"], how="left")
    items["status"] = items["status"].fillna(TaskStatus.NOT_STARTED).astype(str)
    items["status_label"] = items["status"].map(TASK_STATUS_LABELS)
    items["period_label"] = items["period"].map(period_label)
    items["overdue"] = (items["due"] < on) & (items["status"] != TaskStatus.DONE)
    items = items.sort_values(["locality_name", "locality_code", "position", "period"], kind="stable",
                               key=by_name("locality_name"))
    return items.reindex(columns=ITEM_COLUMNS).reset_index(drop=True)


def scope_items(engine: Engine, year: int, scope: str | None, on: date) -> pd.DataFrame:
    """due_items read from the store: the one way pages, reports and the CLI get a scope's tasks."""
    localities = queries.localities(engine)
    codes = scope_localities(localities, scope)["code"].tolist()
    return due_items(plan_tasks(engine), task_reports(engine, year, codes), localities, year, on, scope)


def counts(items: pd.DataFrame, on: date) -> TaskCounts:
    fallen = items[items["due"] <= on]
    return TaskCounts(due=len(items), done=int((items["status"] == TaskStatus.DONE).sum()),
                      in_progress=int((items["status"] == TaskStatus.IN_PROGRESS).sum()),
                      overdue=int(items["overdue"].sum()), fallen_due=len(fallen),
                      fallen_due_done=int((fallen["status"] == TaskStatus.DONE).sum()))


def _tally(items: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    tallied = items.assign(due=1, done=items["status"] == TaskStatus.DONE,
                           in_progress=items["status"] == TaskStatus.IN_PROGRESS,
                           not_started=items["status"] == TaskStatus.NOT_STARTED, overdue=items["overdue"])
    return tallied.groupby(by, sort=False)[COUNT_COLUMNS].sum().astype(int).reset_index()


def by_locality(items: pd.DataFrame) -> pd.DataFrame:
    """Per locality: tasks due, done, in progress, not started, overdue; the most overdue first."""
    table = _tally(items, ["locality_code", "locality_name"])
    return table.sort_values(["overdue", "locality_name"], ascending=[False, True], kind="stable",
                             key=by_name("locality_name")).reset_index(drop=True)


def by_lead(items: pd.DataFrame) -> pd.DataFrame:
    """Per lead agency (as the plans word it): tasks due, done, in progress, not started, overdue; the most
    overdue first."""
    table = _tally(items, ["lead"])
    return table.sort_values(["overdue", "due", "lead"], ascending=[False, False, True], kind="stable",
                             key=by_name("lead")).reset_index(drop=True)


def overdue_items(items: pd.DataFrame) -> pd.DataFrame:
    return items[items["overdue"]]


def state_label(status: str, overdue: bool) -> str:
    """What a row's state reads as: its status, and «Quá hạn» beside it when overdue."""
    label = TASK_STATUS_LABELS[TaskStatus(status)]
    return f"{OVERDUE_LABEL} — {label}" if overdue else label


def tasks_json(items: pd.DataFrame) -> str:
    """`tasks --json`: one object per (locality, task, period), exactly the contract's fields."""
    records = []
    for item in items.itertuples():
        records.append({
            "locality_code": item.locality_code, "task_code": item.task_code, "title": item.title, "lead": item.lead,
            "output": item.output if isinstance(item.output, str) else None, "period": item.period,
            "due": item.due.isoformat(), "status": item.status,
            "evidence": item.evidence if isinstance(item.evidence, str) else None, "overdue": bool(item.overdue),
        })
    return json.dumps(records, ensure_ascii=False)
