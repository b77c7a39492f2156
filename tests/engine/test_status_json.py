"""`progress --json` text: numbers as numbers, null where there is no figure, fields in contract order."""

import json

import numpy as np
import pandas as pd

from kpi.engine.status_json import FIELDS, statuses_json


def _statuses() -> pd.DataFrame:
    return pd.DataFrame({
        "locality_code": ["LAC_PHUONG", "HẢI_PHÒNG"],
        "indicator_code": ["R", "C"],
        "as_of": [2025, 2025],
        "latest_year": pd.array([2024, None], dtype="Int64"),
        "value": pd.array([85.5, None], dtype="Float64"),
        "numerator": pd.array([171, None], dtype="Float64"),
        "denominator": pd.array([200, None], dtype="Float64"),
        "target": [100.0, np.nan],
        "comparator": [">=", "decrease"],
        "status": ["off_track", "no_data"],
        "projected_2030": [100 * 2 / 3, np.nan],
        "reported": [1, 0],
        "expected": [1, 1],
        "kind": ["ratio", "count"],
    })


def test_numbers_stay_numbers_and_missing_figures_are_null():
    text = statuses_json(_statuses())
    first, second = json.loads(text)
    assert list(first) == list(FIELDS)
    assert first["value"] == 85.5 and '"value":85.5,' in text
    assert first["numerator"] == 171 and isinstance(first["numerator"], int)
    assert first["latest_year"] == 2024 and isinstance(first["as_of"], int)
    assert first["projected_2030"] == 100 * 2 / 3 and first["target"] == 100.0
    assert {second[k] for k in ("latest_year", "value", "numerator", "denominator", "target", "projected_2030")} == {None}
    assert "HẢI_PHÒNG" in text


def test_no_statuses_is_an_empty_list():
    assert statuses_json(_statuses().iloc[:0]) == "[]"
