"""Years: the first year a figure can be about, the current year in Vietnam, the year pickers.

Imports nothing of kpi.
"""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_YEAR = 2015
# The figures of year Y are due on this day of year Y+1 unless the plan gives its own (report_due).
DEFAULT_REPORT_DUE = "15/01"
_DAY_MONTH = re.compile(r"^(\d{1,2})/(\d{1,2})$")


def current_year() -> int:
    return datetime.now(LOCAL_TIME).year


def today() -> date:
    """Today's date in Vietnam: deadlines and days late are counted in calendar days there."""
    return datetime.now(LOCAL_TIME).date()


def report_due_day(text: str) -> tuple[int, int]:
    """(day, month) of a plan's `report_due` written DD/MM; ValueError, in Vietnamese, otherwise.
    29/02 is refused: the deadline must fall in every year."""
    found = _DAY_MONTH.match(text.strip())
    if found is None:
        raise ValueError(f"Hạn nộp báo cáo «{text}» phải viết dạng NGÀY/THÁNG, ví dụ 15/01.")
    day, month = int(found[1]), int(found[2])
    try:
        date(2027, month, day)  # not a leap year
    except ValueError:
        raise ValueError(f"Hạn nộp báo cáo «{text}» không phải một ngày có trong mọi năm.") from None
    return day, month


def report_due_date(report_due: str | None, year: int) -> date:
    """The day the figures of `year` are due: the plan's DD/MM (or 15/01) of the next year."""
    day, month = report_due_day(report_due or DEFAULT_REPORT_DUE)
    return date(year + 1, month, day)


def year_choices(newest: int) -> list[int]:
    """The years a figure can be about, newest first: the year pickers of every page."""
    return list(range(newest, FIRST_YEAR - 1, -1))
