"""Statuses as the JSON of `progress --json`: a list of objects, numbers as numbers, null where
there is no figure."""

import numpy as np
import orjson
import pandas as pd

# Field -> the JSON type of its values.
FIELDS = {
    "locality_code": str, "indicator_code": str, "as_of": int, "latest_year": int, "value": float,
    "numerator": int, "denominator": int, "target": float, "comparator": str, "status": str,
    "projected_2030": float, "reported": int, "expected": int,
}


def statuses_json(statuses: pd.DataFrame) -> str:
    # orjson, not json.dumps: the standard encoder took half a second for 3,300 localities.
    columns = [_values(statuses[field], kind) for field, kind in FIELDS.items()]
    return orjson.dumps([dict(zip(FIELDS, row)) for row in zip(*columns)]).decode()


def _values(column: pd.Series, kind: type) -> list:
    """Python values of a column, column by column rather than cell by cell."""
    if kind is str:
        values = column.to_numpy(dtype=object).tolist()
    else:
        numbers = column.to_numpy(dtype=np.float64, na_value=0.0)
        values = (numbers.astype(np.int64) if kind is int else numbers).tolist()
    for position in np.flatnonzero(column.isna().to_numpy()):
        values[position] = None
    return values
