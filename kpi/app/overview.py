"""The overview page's model: which scopes a meeting can pick, paging through thousands of
localities, the ranking with the headers users read. The figures come from kpi.engine.scope."""

import math

import pandas as pd

from kpi import formatting as fmt


def parent_options(localities: pd.DataFrame) -> pd.DataFrame:
    """Localities that have children (the scopes a meeting looks at), top of the hierarchy first."""
    parents = set(localities["parent_code"].dropna())
    options = localities[localities["code"].isin(parents)].copy()
    options["_root"] = options["parent_code"].isna()
    return options.sort_values(["_root", "name"], ascending=[False, True], key=fmt.by_name("name")).drop(columns="_root")


def page_count(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


def page(frame: pd.DataFrame, number: int, size: int) -> pd.DataFrame:
    """Rows of page `number` (from 1), clamped to the pages that exist."""
    number = min(max(1, number), page_count(len(frame), size))
    return frame.iloc[(number - 1) * size: number * size]


def reporting_text(reported: int, expected: int) -> str:
    return f"{fmt.format_integer(reported)}/{fmt.format_integer(expected)} địa phương đã báo cáo"


RANKING_HEADERS = {
    "rank": "Hạng", "label": "Địa phương", "achieved_text": "Chỉ tiêu đạt", "share_text": "Tỷ lệ đạt",
    "reported_text": "Chỉ tiêu đã báo cáo năm nay", **fmt.STATUS_LABELS,
}


def ranking_table(ranking_frame: pd.DataFrame) -> pd.DataFrame:
    """The ranking with the headers users read."""
    return ranking_frame[list(RANKING_HEADERS)].rename(columns=RANKING_HEADERS)
