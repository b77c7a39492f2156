import pytest

from kpi import formatting as fmt


@pytest.mark.parametrize(("number", "text"), [(0, "0"), (999, "999"), (1234, "1.234"), (1234567, "1.234.567")])
def test_integers_use_dots_for_thousands(number, text):
    assert fmt.format_integer(number) == text


@pytest.mark.parametrize(
    ("numerator", "denominator", "text"),
    [(171, 200, "85,5%"), (9999, 10000, "99,9%"), (19999, 20000, "99,9%"), (10000, 10000, "100,0%"),
     (19, 110, "17,3%"), (1, 3, "33,3%"), (2, 3, "66,7%"), (1, 8, "12,5%"), (0, 5, "0,0%"), (0, 0, "Không phát sinh")],
)
def test_ratios_round_half_up_but_never_to_100_when_short_of_it(numerator, denominator, text):
    assert fmt.format_ratio(numerator, denominator) == text


def test_decimals_and_percentages():
    assert fmt.format_decimal(1234.56) == "1.234,6"
    # −0.0 == 0.0, and describe_statuses writes each distinct figure once: both must read the same.
    assert fmt.format_decimal(-0.0) == fmt.format_decimal(0.0) == "0,0"
    assert fmt.format_percent(-0.0) == "0,0%"
    assert fmt.format_percent(85.5) == "85,5%"
    assert fmt.format_percent(float("nan")) == fmt.NO_VALUE


def test_values_by_kind():
    assert fmt.format_value("ratio", 45, 50) == "90,0%"
    assert fmt.format_value("count", value=1234) == "1.234"
    assert fmt.format_value("boolean", value=1) == "Có"
    assert fmt.format_value("boolean", value=0) == "Không"
    assert fmt.format_value("count") == fmt.NO_VALUE
    assert fmt.format_counts(45, 50, "vụ việc") == "45/50 vụ việc"
    assert fmt.format_counts(1234, 2000) == "1.234/2.000"


def test_targets_and_completeness():
    assert fmt.format_target("ratio", ">=", 80.0) == "≥ 80%"
    assert fmt.format_target("count", "<=", 0.0) == "≤ 0"
    assert fmt.format_target("count", "decrease", None) == "Giảm dần so với năm trước"
    assert fmt.format_target("boolean", "=", 1.0) == "Có (hằng năm)"
    assert fmt.format_completeness(1, 2) == "1/2 địa phương"


def test_every_status_has_a_label_and_a_distinct_colour():
    assert set(fmt.STATUS_LABELS) == set(fmt.STATUS_COLOURS)
    assert len(set(fmt.STATUS_COLOURS.values())) == len(fmt.STATUS_COLOURS)
    assert fmt.STATUS_LABELS["off_track"] == "Cần tăng tốc"


def test_names_sort_in_vietnamese_order():
    names = ["Chu Văn An", "Chí Linh", "Đông Hải", "Dương Kinh", "xã Ân Thi", "xã An Lão", "Ba", "Bạ", "Bà", "Hải An",
             "Hà Nam"]
    assert sorted(names, key=fmt.name_sort_key) == [
        "Ba", "Bà", "Bạ", "Chí Linh", "Chu Văn An", "Dương Kinh", "Đông Hải", "Hà Nam", "Hải An", "xã An Lão",
        "xã Ân Thi"]


def test_by_name_sorts_name_columns_in_vietnamese_order_and_others_as_they_are():
    import pandas as pd

    frame = pd.DataFrame({"group": [2, 1, 1], "name": ["Chí Linh", "Chu Văn An", "Chí Linh"]})
    ordered = frame.sort_values(["group", "name"], key=fmt.by_name("name"))
    assert ordered["name"].tolist() == ["Chí Linh", "Chu Văn An", "Chí Linh"]
    assert ordered["group"].tolist() == [1, 1, 2]


@pytest.mark.parametrize("kind, projected, text", [("count", 0.04, "0"), ("count", 2.5, "3"), ("count", 1234.4, "1.234"),
                                                   ("ratio", 85.55, "85,5%"), ("count", float("nan"), "—")])
def test_forecasts_of_counts_are_whole_numbers(kind, projected, text):
    assert fmt.format_projection(kind, projected) == text


def test_by_name_sorts_an_index_in_vietnamese_order():
    import pandas as pd

    counts = pd.Series([1, 2, 3], index=pd.Index(["Chu Văn An", "Đông Hải", "Chí Linh"], name="name"))
    assert counts.sort_index(key=fmt.by_name("name")).index.tolist() == ["Chí Linh", "Chu Văn An", "Đông Hải"]


def test_by_name_gives_repeated_and_missing_names_the_key_of_each():
    import pandas as pd

    names = pd.Series(["Đông Hải", None, "Chu Văn An", "Đông Hải", "Chí Linh", None], name="name", dtype="str")
    assert fmt.by_name("name")(names).tolist() == [fmt.name_sort_key(name) for name in names]


def test_displayed_percents_of_arrays_are_those_of_each_figure():
    import numpy as np

    denominators = np.array([10_000, 10_000, 1, 3, 7, 48, 110, 999_999, 50], dtype=np.int64)
    numerators = np.array([9_999, 10_000, 0, 2, 7, 40, 19, 1, 45], dtype=np.int64)
    expected = [fmt.displayed_percent(int(n), int(d)) for n, d in zip(numerators, denominators)]
    assert fmt.displayed_percents(numerators, denominators).tolist() == expected


def test_an_exact_number_keeps_every_digit_the_vietnamese_way():
    assert [fmt.format_exact(n) for n in (12.5, 1.234, 1234.25, -0.125, 2025.0, 1e20)] == [
        "12,5", "1,234", "1.234,25", "-0,125", "2.025", "1e+20"]
