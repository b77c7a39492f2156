"""The locality page's model: one indicator's yearly figures out of the locality's series, and which
reading's history goes with the figure shown."""

import pandas as pd


def indicator_series(series: pd.DataFrame, indicator_code: str) -> pd.DataFrame:
    return series[series["indicator_code"] == indicator_code]


def history_year(status: dict) -> int | None:
    """The year of the stored reading behind a figure of the page (a described status), whose history
    (who, when, how, each figure in turn) anyone who sees the figure may read; None for an aggregate,
    computed and never stored, or where there is no figure."""
    if status["is_aggregate"] or status["latest_year"] is None or pd.isna(status["latest_year"]):
        return None
    return int(status["latest_year"])
