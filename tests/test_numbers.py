"""The one rule for typed numbers (domain.md, "Numbers people type"): stored exactly or refused."""

import pandas as pd
import pytest

from kpi.numbers import NumberRefused, Refusal, parse_whole, parse_whole_column


@pytest.mark.parametrize(("typed", "number"), [
    ("1234", 1234), ("1.234", 1234), ("1.180", 1180), ("1.234.567", 1234567), ("1 234", 1234),
    ("1\u00a0234", 1234), (" 12 ", 12), ("0", 0), ("1000000000000", 10**12),
])
def test_whole_numbers_are_read_exactly(typed, number):
    assert parse_whole(typed) == number


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_field_is_no_figure(typed):
    assert parse_whole(typed) is None


@pytest.mark.parametrize(("typed", "refusal"), [
    ("12,5", Refusal.DECIMAL_COMMA), ("1.234,5", Refusal.DECIMAL_COMMA), ("1.23", Refusal.NOT_WHOLE), ("12.5", Refusal.NOT_WHOLE),
    ("1,234", Refusal.AMBIGUOUS), ("-3", Refusal.NEGATIVE), ("\u22123", Refusal.NEGATIVE),
    ("85%", Refusal.PERCENT), ("85 %", Refusal.PERCENT), ("abc", Refusal.NOT_NUMBER),
    ("1.234 567", Refusal.NOT_NUMBER), ("١٢٣", Refusal.NOT_NUMBER), ("１２３", Refusal.NOT_NUMBER),
    ("1000000000001", Refusal.TOO_LARGE), ("-", Refusal.NOT_NUMBER),
])
def test_anything_else_is_refused_with_its_reason(typed, refusal):
    with pytest.raises(NumberRefused) as refused:
        parse_whole(typed)
    assert refused.value.refusal is refusal
    assert str(refused.value) == refusal.value


def test_a_column_follows_the_same_rule_cell_by_cell():
    cells = pd.Series(["12", "1.180", "", "12,5", "9999999999999"])
    numbers, refusals = parse_whole_column(cells)
    assert numbers.tolist()[:2] == [12.0, 1180.0]
    assert numbers[2:].isna().all()
    assert refusals.isna().tolist() == [True, True, True, False, False]
    assert refusals.tolist()[3:] == [Refusal.DECIMAL_COMMA, Refusal.TOO_LARGE]
