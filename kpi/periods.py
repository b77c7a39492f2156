"""The calendar of a plan's tasks: schedules, periods and due dates (domain.md, "Plan tasks").

A period is a year (`2026`) or, for a quarterly task, a quarter (`2026-Q2`). Periods run from the
plans' first year to 2030; a `once` task has one period, the one containing its due date.

Imports nothing of kpi but kpi.years: the store checks periods with it, the engine judges them.
"""

import re
from datetime import date
from enum import StrEnum

PLAN_FIRST_YEAR, PLAN_LAST_YEAR = 2026, 2030
QUARTER_ENDS = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
QUARTER_NAMES = {"1": "I", "2": "II", "3": "III", "4": "IV"}
PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


class Schedule(StrEnum):
    ONCE = "once"
    YEARLY = "yearly"
    QUARTERLY = "quarterly"
    CONTINUOUS = "continuous"


SCHEDULE_LABELS = {Schedule.ONCE: "Một lần", Schedule.YEARLY: "Hằng năm", Schedule.QUARTERLY: "Hằng quý",
                   Schedule.CONTINUOUS: "Thường xuyên"}


class TaskStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"


TASK_STATUS_LABELS = {TaskStatus.NOT_STARTED: "Chưa thực hiện", TaskStatus.IN_PROGRESS: "Đang thực hiện",
                      TaskStatus.DONE: "Hoàn thành"}
OVERDUE_LABEL = "Quá hạn"


def due_problem(schedule: str, due: str) -> str | None:
    """Why a task's `due` does not fit its schedule (in Vietnamese), or None."""
    if schedule not in set(Schedule):
        return f"Lịch thực hiện phải là một trong: {', '.join(Schedule)}."
    try:
        if schedule == Schedule.ONCE:
            moment = _day(due, with_year=True)
            if not PLAN_FIRST_YEAR <= moment.year <= PLAN_LAST_YEAR:
                return f"Hạn của nhiệm vụ một lần phải trong các năm {PLAN_FIRST_YEAR}–{PLAN_LAST_YEAR}."
        elif schedule == Schedule.QUARTERLY:
            if due:
                return "Nhiệm vụ hằng quý đến hạn vào cuối mỗi quý: để trống cột hạn."
        else:
            _day(due, with_year=False)
    except ValueError:
        shape = "DD/MM/YYYY" if schedule == Schedule.ONCE else "DD/MM"
        return f"Hạn phải có dạng {shape}, ví dụ {'31/12/2028' if schedule == Schedule.ONCE else '31/03'}."
    return None


def _day(text: str, *, with_year: bool) -> date:
    parts = text.split("/")
    if len(parts) != (3 if with_year else 2) or not all(part.isdigit() for part in parts):
        raise ValueError(text)
    # A leap year, so that 29/02 is a day of the year.
    return date(int(parts[2]) if with_year else 2028, int(parts[1]), int(parts[0]))


def periods(schedule: str, due: str | None, year: int) -> list[tuple[str, date]]:
    """The periods of a task in a year, each with its due date; none outside the plans' years."""
    if not PLAN_FIRST_YEAR <= year <= PLAN_LAST_YEAR:
        return []
    if schedule == Schedule.QUARTERLY:
        return [(f"{year}-Q{quarter}", date(year, *QUARTER_ENDS[quarter])) for quarter in QUARTER_ENDS]
    if schedule == Schedule.ONCE:
        moment = _day(due or "", with_year=True)
        return [(str(year), moment)] if moment.year == year else []
    day = _day(due or "31/12", with_year=False)
    return [(str(year), _in_year(day, year))]


def _in_year(day: date, year: int) -> date:
    # 29/02 in a year without it is the last day of February.
    return date(year, 2, 28) if (day.month, day.day) == (2, 29) and year % 4 else date(year, day.month, day.day)


def all_periods(schedule: str, due: str | None) -> list[str]:
    return [period for year in range(PLAN_FIRST_YEAR, PLAN_LAST_YEAR + 1) for period, _ in periods(schedule, due, year)]


def normalize_period(text: str) -> str | None:
    """`2026`, `2026-Q2` (any case, `Q2/2026` and `Quý 2/2026` too) as stored, or None."""
    cleaned = re.sub(r"\s+", "", str(text)).upper().replace("QUÝ", "Q")
    matched = re.match(r"^Q([1-4])[/-](\d{4})$", cleaned)
    if matched:
        cleaned = f"{matched.group(2)}-Q{matched.group(1)}"
    return cleaned if PERIOD_PATTERN.match(cleaned) else None


def period_year(period: str) -> int:
    return int(period[:4])


def period_label(period: str) -> str:
    """`2026` or `Quý II/2026`, as users read it."""
    matched = PERIOD_PATTERN.match(period)
    if matched and matched.group(2):
        return f"Quý {QUARTER_NAMES[matched.group(2)]}/{matched.group(1)}"
    return period
