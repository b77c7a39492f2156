"""Years: the first year a figure can be about, the current year in Vietnam, the year pickers.

Imports nothing of kpi.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_YEAR = 2015


def current_year() -> int:
    return datetime.now(LOCAL_TIME).year


def year_choices(newest: int) -> list[int]:
    """The years a figure can be about, newest first: the year pickers of every page."""
    return list(range(newest, FIRST_YEAR - 1, -1))
