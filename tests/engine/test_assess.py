"""assess() reads only the readings a scope needs: its results must be exactly those of the pure
engine run over every reading."""

import pandas as pd
import pytest

from kpi.engine import progress
from kpi.engine.assess import assess, evaluate_scope, read_catalog, scope_codes
from kpi.engine.reporting_year import evaluated_reporting_year, reporting_year_of
from kpi.files.catalogue import add_localities
from kpi.store import queries
from kpi.store.readings import apply_readings, input_frame

LOCALITIES = """code,name,kind,parent_code,ma_dvhc,plan_code
HUYEN_A,huyện A,thành phố,HAI_PHONG,,KH_171_NHI_CHIEU
XA_A1,xã A1,xã,HUYEN_A,,KH_LAC_PHUONG_2026
XA_A2,xã A2,xã,HUYEN_A,,KH_171_NHI_CHIEU
XA_B1,xã B1,xã,HAI_PHONG,,
"""


def _rows() -> list[dict]:
    rows = []
    figures = {  # year -> (numerator, denominator); denominator 0 is "không phát sinh"
        "XA_A1": {2019: (5, 10), 2020: (0, 0), 2021: (7, 10), 2023: (0, 0), 2024: (9, 10)},
        "XA_A2": {2020: (3, 4), 2022: (4, 4), 2024: (0, 0), 2025: (1, 2)},
        "HUYEN_A": {2021: (1, 3), 2024: (0, 0)},
        "NHI_CHIEU": {2024: (2, 5), 2025: (3, 5)},
    }
    for locality, years in figures.items():
        for year, (numerator, denominator) in years.items():
            rows.append({"locality_code": locality, "indicator_code": "QPPL_TRINH_TU", "year": year,
                         "numerator": numerator, "denominator": denominator})
    for locality, values in {"XA_A1": [1, 1, 0], "XA_A2": [0, 1, 1], "HUYEN_A": [1, 0, 0]}.items():
        for year, value in zip((2022, 2023, 2025), values):
            rows.append({"locality_code": locality, "indicator_code": "KH_THEO_DOI_THPL", "year": year, "value": value})
    for year, value in zip(range(2019, 2026), (9, 8, 8, 10, 7, 7, 6)):
        rows.append({"locality_code": "XA_A1", "indicator_code": "VU_VIEC_VPPL", "year": year, "value": value})
    return rows


@pytest.fixture
def hierarchy(demo_engine):
    add_localities(demo_engine, LOCALITIES.encode(), "localities.csv")
    apply_readings(demo_engine, input_frame(_rows()), user_name="kiểm thử", source="cli")
    return demo_engine


def _reference(engine, as_of: int, locality_code: str | None):
    catalog = read_catalog(engine)
    series = progress.yearly_series(queries.readings(engine), catalog)
    statuses = progress.statuses(series, progress.judged_pairs(catalog), as_of)
    if locality_code is not None:
        scope = scope_codes(catalog.localities, locality_code)
        statuses, series = statuses[statuses["locality_code"].isin(scope)], series[series["locality_code"].isin(scope)]
    return series.reset_index(drop=True), statuses.reset_index(drop=True)


@pytest.mark.parametrize("as_of", [2018, 2020, 2023, 2024, 2025])
@pytest.mark.parametrize("locality_code", [None, "HAI_PHONG", "HUYEN_A", "XA_A1"])
def test_assess_equals_the_engine_over_every_reading(hierarchy, as_of, locality_code):
    series, statuses = _reference(hierarchy, as_of, locality_code)
    full = assess(hierarchy, as_of, locality_code)
    lean = assess(hierarchy, as_of, locality_code, with_series=False)
    pd.testing.assert_frame_equal(full.series, series)
    pd.testing.assert_frame_equal(full.statuses, statuses)
    pd.testing.assert_frame_equal(lean.statuses, statuses)
    assert lean.series is None


def test_the_hierarchy_exercises_parents_with_own_readings(hierarchy):
    statuses = assess(hierarchy, 2025, with_series=False).statuses.set_index(["locality_code", "indicator_code"])
    # HUYEN_A has its own plan, readings and children: its own reading of a year wins over its
    # aggregate, and a year it did not report (2025) falls back to its children's sum (XA_A2's 1/2).
    district = statuses.loc[("HUYEN_A", "QPPL_TRINH_TU")]
    assert (district["latest_year"], district["numerator"], district["denominator"]) == (2025, 1, 2)
    # The city sums its descendants, HUYEN_A's children included (weighted, from counts).
    city = statuses.loc[("HAI_PHONG", "QPPL_TRINH_TU")]
    assert (city["numerator"], city["denominator"]) == (1 + 3 + 8, 2 + 5 + 8)  # XA_A2, NHI_CHIEU, demo LAC_PHUONG


@pytest.mark.parametrize("locality_code", [None, "HAI_PHONG", "HUYEN_A", "XA_A1"])
def test_one_evaluation_serves_every_year_exactly(hierarchy, locality_code):
    """The app reads and evaluates a scope once per data version and judges this year and the year
    before from it: exactly what a separate assess() of each year gives."""
    evaluated = evaluate_scope(hierarchy, locality_code)
    for as_of in (2018, 2020, 2023, 2024, 2025):
        series, statuses = _reference(hierarchy, as_of, locality_code)
        pd.testing.assert_frame_equal(evaluated.assessment(as_of).statuses, statuses)
        pd.testing.assert_frame_equal(evaluated.assessment(as_of, with_series=True).series, series)
        # Some years of the series, and one locality's statuses judged alone (a parent's aggregate
        # included), are exactly those rows of the whole.
        some_years = evaluated.assessment(as_of, with_series=True, years=[2019, as_of]).series
        pd.testing.assert_frame_equal(some_years, series[series["year"].isin([2019, as_of])].reset_index(drop=True))
        for code in ("HAI_PHONG", "HUYEN_A", "XA_A1", "KHONG_CO"):
            alone = evaluated.evaluation.statuses(as_of, [code]).reset_index(drop=True)
            whole = evaluated.evaluation.statuses(as_of)
            pd.testing.assert_frame_equal(alone, whole[whole["locality_code"] == code].reset_index(drop=True))
    assert evaluated.years() == sorted(set(series["year"]))
    assert evaluated_reporting_year(evaluated, locality_code) == reporting_year_of(hierarchy, locality_code)
