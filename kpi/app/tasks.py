"""The «Nhiệm vụ» page's model: which scopes and years it offers, the tasks of a scope judged today
(cached), the tables with the headers users read, and the form's rows for the write path.
The judging itself is kpi.engine.tasks."""

from datetime import date, datetime

import pandas as pd

from kpi.app import cache
from kpi.engine import tasks as engine_tasks
from kpi.formatting import SOURCE_LABELS, by_name, format_integer, format_timestamp
from kpi.periods import PLAN_FIRST_YEAR, PLAN_LAST_YEAR, TASK_STATUS_LABELS, TaskStatus
from kpi.store.tasks import task_report_history
from kpi.years import LOCAL_TIME

STATUS_CHOICES = list(TaskStatus)
# The state first and the long plan wording last, so that a laptop screen shows what is overdue.
TASK_HEADERS = {"task_code": "Mã", "period_label": "Kỳ", "due_text": "Hạn", "state": "Tình trạng",
                "evidence": "Sản phẩm", "title": "Nhiệm vụ", "lead": "Cơ quan chủ trì", "note": "Ghi chú",
                "group": "Nhóm nhiệm vụ"}
COUNT_HEADERS = {"due": "Đến hạn trong năm", "done": "Hoàn thành", "in_progress": "Đang thực hiện",
                 "not_started": "Chưa thực hiện", "overdue": "Quá hạn"}


def today() -> date:
    return datetime.now(LOCAL_TIME).date()


def years() -> list[int]:
    return list(range(PLAN_LAST_YEAR, PLAN_FIRST_YEAR - 1, -1))


def default_year() -> int:
    return min(max(today().year, PLAN_FIRST_YEAR), PLAN_LAST_YEAR)


def scope_options(localities: pd.DataFrame) -> list[str]:
    """Parents first (the city), then every locality with a plan, by name."""
    parents = set(localities["parent_code"].dropna())
    ordered = localities.sort_values("name", key=by_name("name"))
    tops = ordered[ordered["code"].isin(parents)]["code"].tolist()
    return tops + ordered[ordered["plan_code"].notna() & ~ordered["code"].isin(parents)]["code"].tolist()


def default_scope(options: list[str], own_localities) -> int:
    """An editor starts on the first locality it answers for; everyone else on the city."""
    mine = [index for index, code in enumerate(options) if code in own_localities]
    return mine[0] if mine else 0


@cache.cached_data(32)
def items(year: int, scope: str | None, on: date) -> pd.DataFrame:
    """kpi.engine.tasks.scope_items, once per year, scope and day, at the data version."""
    return engine_tasks.scope_items(cache.engine(), year, scope, on)


def summary_text(year: int, scope: str | None) -> str | None:
    """The overview's line: of the tasks fallen due by today in the year, how many done, how many overdue."""
    on = today()
    scoped = items(year, scope, on)
    if scoped.empty:
        return None
    counts = engine_tasks.counts(scoped, on)
    return (f"Nhiệm vụ đến hạn: {format_integer(counts.fallen_due_done)} hoàn thành / "
            f"{format_integer(counts.overdue)} quá hạn (trong {format_integer(counts.fallen_due)} lượt nhiệm vụ "
            f"đã đến hạn của năm {year}).")


def task_table(scoped: pd.DataFrame) -> pd.DataFrame:
    shown = scoped.assign(
        due_text=scoped["due"].map(lambda day: day.strftime("%d/%m/%Y")),
        state=[engine_tasks.state_label(status, overdue) for status, overdue in zip(scoped["status"], scoped["overdue"])],
        evidence=scoped["evidence"].fillna(""), note=scoped["note"].fillna(""),
    )
    return shown[list(TASK_HEADERS)].rename(columns=TASK_HEADERS)


def overdue_table(scoped: pd.DataFrame) -> pd.DataFrame:
    """The overdue tasks of a parent's localities, each row naming its locality first."""
    late = scoped[scoped["overdue"]]
    table = task_table(late)
    table.insert(0, "Địa phương", late["locality_name"].to_numpy())
    return table


def locality_table(scoped: pd.DataFrame) -> pd.DataFrame:
    table = _counts_as_text(engine_tasks.by_locality(scoped))
    return table[["locality_name", *COUNT_HEADERS]].rename(columns={"locality_name": "Địa phương", **COUNT_HEADERS})


def lead_table(scoped: pd.DataFrame) -> pd.DataFrame:
    # The agency last: its long names would push the counts off a laptop screen.
    table = _counts_as_text(engine_tasks.by_lead(scoped))
    return table[["overdue", "due", "done", "in_progress", "not_started", "lead"]].rename(columns={"lead": "Cơ quan chủ trì", **COUNT_HEADERS})


def _counts_as_text(table: pd.DataFrame) -> pd.DataFrame:
    # As Vietnamese write them (1.072): the grid shows a number column in the browser's own format.
    return table.assign(**{column: table[column].map(format_integer) for column in COUNT_HEADERS})


def widget_key(locality_code: str, task_code: str, period: str, field: str) -> str:
    return f"tasks_form_{locality_code}_{task_code}_{period}_{field}"


def status_label(status: str) -> str:
    return TASK_STATUS_LABELS[TaskStatus(status)]


def form_rows(scoped: pd.DataFrame, state) -> list[dict]:
    """The rows the form would write: every task and period whose fields differ from what is stored
    (an untouched «Chưa thực hiện» with nothing typed is not a report)."""
    rows = []
    for item in scoped.itertuples():
        values = {field: state.get(widget_key(item.locality_code, item.task_code, item.period, field))
                  for field in ("status", "evidence", "note")}
        typed = {"status": values["status"] or item.status,
                 "evidence": (values["evidence"] or "").strip(), "note": (values["note"] or "").strip()}
        stored = {"status": item.status, "evidence": _text(item.evidence), "note": _text(item.note)}
        if typed == stored:
            continue
        rows.append({"locality_code": item.locality_code, "task_code": item.task_code, "period": item.period,
                     **typed, "excel_row": item.Index + 1})
    return rows


def _text(value) -> str:
    return value if isinstance(value, str) else ""


HISTORY_HEADERS = {"status": "Tình trạng", "evidence": "Sản phẩm", "note": "Ghi chú", "entered_by": "Người nhập",
                   "entered_at": "Lúc", "source": "Cách nhập", "file_name": "Tệp"}


def history_table(locality_code: str, task_code: str, period: str) -> pd.DataFrame:
    """Every report written for one task and period, newest first, as users read it (not cached: it
    is asked for one task at a time)."""
    history = task_report_history(cache.engine(), locality_code, task_code, period)
    history = history.assign(status=history["status"].map(status_label),
                             entered_at=history["entered_at"].map(format_timestamp),
                             source=history["source"].map(lambda source: SOURCE_LABELS.get(source, source)))
    return history[list(HISTORY_HEADERS)].fillna("").rename(columns=HISTORY_HEADERS)
