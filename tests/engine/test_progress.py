"""The progress engine against the spec's status table, projection, aggregation and completeness."""

import math

import pandas as pd
import pytest

from kpi.engine import progress
from kpi.engine.progress import Catalog, ancestor_links

INDICATORS = pd.DataFrame(
    [
        ("R_MIN", "ratio", ">=", 100.0),
        ("R_80", "ratio", ">=", 80.0),
        ("R_MAX", "ratio", "<=", 10.0),
        ("C_MIN", "count", ">=", 5.0),
        ("C_MAX", "count", "<=", 0.0),
        ("C_DEC", "count", "decrease", None),
        ("B", "boolean", "=", 1.0),
    ],
    columns=["code", "kind", "comparator", "target"],
)
ALL_CODES = INDICATORS["code"].tolist()


def catalog(children=("A", "B_LOC"), plan_codes=ALL_CODES) -> Catalog:
    localities = pd.DataFrame(
        [("CITY", None, None)] + [(c, "CITY", "P") for c in children],
        columns=["code", "parent_code", "plan_code"],
    )
    targets = INDICATORS[INDICATORS["code"].isin(plan_codes)].rename(columns={"code": "indicator_code"})
    targets = targets.assign(plan_code="P")[["plan_code", "indicator_code", "comparator", "target"]]
    return Catalog(indicators=INDICATORS, localities=localities, plan_targets=targets)


def readings(rows) -> pd.DataFrame:
    """rows: (locality, indicator, year, numerator, denominator, value)."""
    frame = pd.DataFrame(rows, columns=["locality_code", "indicator_code", "year", "numerator", "denominator", "value"])
    return frame.astype({"numerator": "Int64", "denominator": "Int64", "value": "Int64"})


def judge(rows, as_of=2025, cat=None) -> pd.DataFrame:
    cat = cat or catalog()
    series = progress.yearly_series(readings(rows), cat)
    return progress.statuses(series, progress.judged_pairs(cat), as_of).set_index(["locality_code", "indicator_code"])


def ratio(loc, ind, *points):
    return [(loc, ind, year, num, den, None) for year, num, den in points]


def value(loc, ind, *points):
    return [(loc, ind, year, None, None, v) for year, v in points]


def status_of(rows, indicator, locality="A", as_of=2025):
    return judge(rows, as_of).loc[(locality, indicator), "status"]


@pytest.mark.parametrize(
    ("rows", "indicator", "expected"),
    [
        # >= ratio
        ([], "R_MIN", "no_data"),
        (ratio("A", "R_MIN", (2025, 10, 10)), "R_MIN", "achieved"),
        (ratio("A", "R_MIN", (2025, 9, 10)), "R_MIN", "insufficient_data"),
        (ratio("A", "R_MIN", (2023, 80, 100), (2025, 90, 100)), "R_MIN", "on_track"),
        (ratio("A", "R_MIN", (2020, 80, 100), (2025, 85, 100)), "R_MIN", "off_track"),
        (ratio("A", "R_MIN", (2020, 85, 100), (2025, 85, 100)), "R_MIN", "off_track"),
        (ratio("A", "R_MIN", (2020, 95, 100), (2025, 90, 100)), "R_MIN", "regressing"),
        # <= ratio
        (ratio("A", "R_MAX", (2025, 1, 10)), "R_MAX", "achieved"),
        (ratio("A", "R_MAX", (2025, 5, 10)), "R_MAX", "insufficient_data"),
        (ratio("A", "R_MAX", (2023, 30, 100), (2025, 20, 100)), "R_MAX", "on_track"),
        (ratio("A", "R_MAX", (2020, 30, 100), (2025, 29, 100)), "R_MAX", "off_track"),
        (ratio("A", "R_MAX", (2020, 20, 100), (2025, 30, 100)), "R_MAX", "regressing"),
        # >= count
        (value("A", "C_MIN", (2025, 5)), "C_MIN", "achieved"),
        (value("A", "C_MIN", (2025, 4)), "C_MIN", "insufficient_data"),
        (value("A", "C_MIN", (2024, 2), (2025, 3)), "C_MIN", "on_track"),
        (value("A", "C_MIN", (2015, 0), (2025, 1)), "C_MIN", "off_track"),
        (value("A", "C_MIN", (2024, 4), (2025, 3)), "C_MIN", "regressing"),
        # <= count
        (value("A", "C_MAX", (2025, 0)), "C_MAX", "achieved"),
        (value("A", "C_MAX", (2025, 2)), "C_MAX", "insufficient_data"),
        (value("A", "C_MAX", (2024, 3), (2025, 2)), "C_MAX", "on_track"),
        (value("A", "C_MAX", (2015, 20), (2025, 19)), "C_MAX", "off_track"),
        (value("A", "C_MAX", (2024, 1), (2025, 2)), "C_MAX", "regressing"),
        # decrease
        (value("A", "C_DEC", (2025, 7)), "C_DEC", "insufficient_data"),
        (value("A", "C_DEC", (2024, 9), (2025, 7)), "C_DEC", "achieved"),
        (value("A", "C_DEC", (2024, 7), (2025, 7)), "C_DEC", "off_track"),
        (value("A", "C_DEC", (2024, 6), (2025, 7)), "C_DEC", "regressing"),
        # boolean
        (value("A", "B", (2025, 1)), "B", "achieved"),
        (value("A", "B", (2025, 0)), "B", "insufficient_data"),
        (value("A", "B", (2024, 0), (2025, 0)), "B", "off_track"),
        (value("A", "B", (2024, 1), (2025, 0)), "B", "regressing"),
    ],
)
def test_status_table(rows, indicator, expected):
    assert status_of(rows, indicator) == expected


def test_decrease_compares_with_the_previous_reading_not_the_earliest():
    rows = value("A", "C_DEC", (2020, 5), (2024, 9), (2025, 8))
    assert status_of(rows, "C_DEC") == "achieved"


def test_projection_is_linear_from_first_to_latest_value():
    row = judge(ratio("A", "R_MIN", (2021, 60, 100), (2025, 80, 100))).loc[("A", "R_MIN")]
    # b = (80 - 60) / 4 = 5 per year; 80 + 5 × 5 = 105, clipped to 100.
    assert row["projected_2030"] == 100
    assert row["status"] == "on_track"
    row = judge(ratio("A", "R_MIN", (2015, 50, 100), (2025, 60, 100))).loc[("A", "R_MIN")]
    assert row["projected_2030"] == pytest.approx(65.0)
    assert row["status"] == "off_track"


def test_projection_is_clipped_at_zero():
    ratio_row = judge(ratio("A", "R_MAX", (2024, 30, 100), (2025, 10, 100))).loc[("A", "R_MAX")]
    assert ratio_row["projected_2030"] == 0
    count_row = judge(value("A", "C_MAX", (2024, 30), (2025, 10))).loc[("A", "C_MAX")]
    assert count_row["projected_2030"] == 0


def test_booleans_decrease_and_single_readings_have_no_projection():
    frame = judge(value("A", "B", (2024, 1), (2025, 0)) + value("A", "C_DEC", (2024, 9), (2025, 7))
                  + ratio("A", "R_MIN", (2025, 5, 10)))
    for indicator in ("B", "C_DEC", "R_MIN"):
        assert math.isnan(frame.loc[("A", indicator), "projected_2030"])


def test_ratio_is_judged_exactly_from_counts():
    # 9.999/10.000 is 99,99%: not 100%, whatever rounding would say.
    assert status_of(ratio("A", "R_MIN", (2025, 9999, 10000)), "R_MIN") == "insufficient_data"
    assert status_of(ratio("A", "R_80", (2025, 4, 5)), "R_80") == "achieved"
    assert status_of(ratio("A", "R_80", (2025, 79999, 100000)), "R_80") == "insufficient_data"


def test_nothing_happened_is_left_out_of_trends():
    # 2025 has denominator 0: the latest value is 2024's, and the trend ignores 2025.
    rows = ratio("A", "R_MIN", (2023, 80, 100), (2024, 90, 100), (2025, 0, 0))
    row = judge(rows).loc[("A", "R_MIN")]
    assert row["latest_year"] == 2024
    assert row["value"] == pytest.approx(90.0)
    assert row["status"] == "on_track"
    assert row["reported"] == 1


def test_only_nothing_happened_is_no_data():
    row = judge(ratio("A", "R_MIN", (2024, 0, 0), (2025, 0, 0))).loc[("A", "R_MIN")]
    assert row["status"] == "no_data"
    assert row["reported"] == 1


def test_readings_after_the_year_asked_are_ignored():
    rows = ratio("A", "R_MIN", (2020, 80, 100), (2023, 90, 100), (2025, 100, 100))
    row = judge(rows, as_of=2023).loc[("A", "R_MIN")]
    assert row["latest_year"] == 2023
    assert row["status"] == "on_track"


def test_city_ratio_is_weighted_not_a_mean_of_percentages():
    rows = ratio("A", "R_MIN", (2025, 9, 10)) + ratio("B_LOC", "R_MIN", (2025, 10, 100))
    row = judge(rows).loc[("CITY", "R_MIN")]
    assert (row["numerator"], row["denominator"]) == (19, 110)
    assert row["value"] == pytest.approx(100 * 19 / 110)
    assert round(row["value"], 1) == 17.3


def test_city_leaves_out_children_with_nothing_to_count_but_counts_them_as_reported():
    rows = ratio("A", "R_MIN", (2025, 9, 10)) + ratio("B_LOC", "R_MIN", (2025, 0, 0))
    row = judge(rows).loc[("CITY", "R_MIN")]
    assert (row["numerator"], row["denominator"]) == (9, 10)
    assert (row["reported"], row["expected"]) == (2, 2)


def test_city_count_is_the_sum_and_boolean_is_a_share_of_localities():
    rows = value("A", "C_MIN", (2025, 3)) + value("B_LOC", "C_MIN", (2025, 4)) \
        + value("A", "B", (2025, 1)) + value("B_LOC", "B", (2025, 0))
    frame = judge(rows)
    assert frame.loc[("CITY", "C_MIN"), "value"] == 7
    assert frame.loc[("CITY", "C_MIN"), "status"] == "achieved"
    boolean = frame.loc[("CITY", "B")]
    assert (boolean["numerator"], boolean["denominator"]) == (1, 2)
    assert boolean["value"] == pytest.approx(50.0)
    assert boolean["comparator"] == ">=" and boolean["target"] == 100


def test_completeness_counts_children_whose_plan_has_the_indicator():
    cat = catalog(children=("A", "B_LOC", "C_LOC"))
    cat.localities.loc[cat.localities["code"] == "C_LOC", "plan_code"] = None
    frame = judge(ratio("A", "R_MIN", (2025, 1, 2)), cat=cat)
    assert (frame.loc[("CITY", "R_MIN"), "reported"], frame.loc[("CITY", "R_MIN"), "expected"]) == (1, 2)
    assert (frame.loc[("A", "R_MIN"), "reported"], frame.loc[("A", "R_MIN"), "expected"]) == (1, 1)
    assert (frame.loc[("B_LOC", "R_MIN"), "reported"], frame.loc[("B_LOC", "R_MIN"), "expected"]) == (0, 1)
    assert ("C_LOC", "R_MIN") not in frame.index


def test_city_is_judged_on_every_indicator_of_any_childs_plan_with_the_default_target():
    cat = catalog(plan_codes=["R_MIN"])
    cat = Catalog(cat.indicators, cat.localities, pd.concat([
        cat.plan_targets,
        pd.DataFrame([("Q", "R_80", ">=", 90.0)], columns=cat.plan_targets.columns),
    ]))
    cat.localities.loc[cat.localities["code"] == "B_LOC", "plan_code"] = "Q"
    frame = judge(ratio("B_LOC", "R_80", (2025, 85, 100)), cat=cat)
    assert frame.loc[("B_LOC", "R_80"), "status"] == "insufficient_data"  # own plan: 90%
    assert frame.loc[("CITY", "R_80"), "status"] == "achieved"  # default target: 80%
    assert set(frame.loc["CITY"].index) == {"R_MIN", "R_80"}


def test_aggregate_trend_uses_yearly_weighted_ratios():
    rows = ratio("A", "R_MIN", (2024, 8, 10), (2025, 9, 10)) + ratio("B_LOC", "R_MIN", (2024, 40, 100), (2025, 50, 100))
    row = judge(rows).loc[("CITY", "R_MIN")]
    first, last = 100 * 48 / 110, 100 * 59 / 110
    assert row["projected_2030"] == pytest.approx(min(100, last + (last - first) * 5))


def test_statuses_have_the_json_fields():
    frame = judge(ratio("A", "R_MIN", (2025, 9, 10))).reset_index()
    assert list(frame.columns[: len(progress.STATUS_COLUMNS)]) == progress.STATUS_COLUMNS
    assert set(frame["as_of"]) == {2025}


@pytest.mark.parametrize(("parents", "links"), [
    # A district between the city and its communes: every commune has both, nearest first.
    ({"HP": None, "Q1": "HP", "X1": "Q1", "X2": "Q1", "X3": "HP"},
     [("HP", "Q1"), ("Q1", "X1"), ("HP", "X1"), ("Q1", "X2"), ("HP", "X2"), ("HP", "X3")]),
    # No parent, an empty one, and one that is not in the list.
    ({"A": None, "B": "", "C": "KHONG_CO"}, [("KHONG_CO", "C")]),
    # Loops end where they repeat: through the locality itself, into a loop above it, onto itself.
    ({"A": "B", "B": "A", "D": "A", "S": "S"}, [("B", "A"), ("A", "B"), ("A", "D"), ("B", "D")]),
    ({}, []),
])
def test_ancestor_links(parents, links):
    localities = pd.DataFrame({"code": list(parents), "parent_code": list(parents.values())}, dtype=object)
    found = ancestor_links(localities)
    assert list(found.columns) == ["ancestor_code", "descendant_code"]
    assert list(map(tuple, found.to_numpy().tolist())) == links
