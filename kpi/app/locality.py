"""The locality page's model: one indicator's yearly figures out of the locality's series."""

import pandas as pd


def indicator_series(series: pd.DataFrame, indicator_code: str) -> pd.DataFrame:
    return series[series["indicator_code"] == indicator_code]
