"""Which year a screen shows: the reporting year of a scope, the marks of figures of other years,
and the warning on an aggregate built from fewer than half of the localities."""

import pandas as pd
import pytest
from shared_data import add_year_example

from kpi.engine.assess import assess
from kpi.engine.describe import describe_statuses
from kpi.engine.reporting_year import (
    expected_localities,
    is_partial,
    partial_warning,
    reporting_year,
    reporting_year_of,
)
from kpi.files.catalogue import add_localities
from kpi.report.content import build_content, completeness_sentence
from kpi.store import queries
from kpi.years import current_year


def pairs(*rows: tuple[str, int]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["locality_code", "year"])


def test_the_latest_year_where_at_least_half_reported():
    reported = pairs(("A", 2024), ("B", 2024), ("A", 2025), ("B", 2025), ("C", 2026))
    assert reporting_year(reported, {"A", "B", "C", "D"}, 2026) == 2025
    # Exactly half is enough.
    assert reporting_year(pairs(("A", 2025), ("B", 2025)), {"A", "B", "C", "D"}, 2026) == 2025


def test_without_a_year_reaching_half_the_latest_year_with_any_reading():
    assert reporting_year(pairs(("A", 2023), ("B", 2024)), {"A", "B", "C", "D", "E"}, 2026) == 2024


def test_without_any_reading_the_previous_calendar_year():
    assert reporting_year(pairs(), {"A", "B"}, 2026) == 2025
    # Readings of localities outside the scope do not count.
    assert reporting_year(pairs(("Z", 2024)), {"A", "B"}, 2026) == 2025


def test_a_single_locality_opens_on_its_latest_year_with_a_reading():
    reported = pairs(("A", 2022), ("A", 2023), ("B", 2025))
    assert reporting_year(reported, {"A"}, 2026) == 2023


def test_the_specs_example_opens_on_2025_not_on_the_year_of_one_commune(demo_engine):
    add_year_example(demo_engine)
    assert reporting_year_of(demo_engine, "HAI_PHONG") == 2025
    assert reporting_year_of(demo_engine) == 2025
    assert reporting_year_of(demo_engine, "XA_0101") == 2026
    assert reporting_year_of(demo_engine, "XA_0100") == 2024
    # Without the 100 communes of 2025 no year reaches half: the latest year with any reading.
    assert reporting_year_of(demo_engine, "NHI_CHIEU") == 2025


def test_expected_localities_are_the_scope_and_descendants_with_a_plan(demo_engine):
    add_localities(demo_engine, b"code,name,kind,parent_code,ma_dvhc,plan_code\n"
                                b"XA_KHONG,x\xc3\xa3 Kh\xc3\xb4ng,x\xc3\xa3,HAI_PHONG,,\n", "localities.csv")
    localities, targets = queries.localities(demo_engine), queries.plan_targets(demo_engine)
    assert expected_localities(localities, targets, "HAI_PHONG") == {"LAC_PHUONG", "NHI_CHIEU"}
    assert expected_localities(localities, targets, "LAC_PHUONG") == {"LAC_PHUONG"}
    assert expected_localities(localities, targets, None) == {"LAC_PHUONG", "NHI_CHIEU"}


def test_a_scope_without_readings_opens_on_the_previous_calendar_year(engine):
    assert reporting_year_of(engine, "HAI_PHONG") == current_year() - 1


@pytest.mark.parametrize("reported, expected, partial", [(1, 114, True), (56, 114, True), (57, 114, False),
                                                         (0, 0, False), (2, 2, False)])
def test_fewer_than_half_is_partial(reported, expected, partial):
    assert is_partial(reported, expected) is partial
    assert (partial_warning(reported, expected) is not None) is partial


def test_partial_warning_names_how_many_reported():
    assert partial_warning(1, 114).startswith("chỉ 1/114 địa phương đã báo cáo")


def test_figures_of_other_years_carry_their_mark(demo_engine):
    add_year_example(demo_engine)
    frame = describe_statuses(assess(demo_engine, 2025, "HAI_PHONG")).set_index(["locality_code", "indicator_code"])
    assert frame.loc[("XA_0000", "HO_TICH_DUNG_HAN"), "value_text"] == "95,0%"
    assert frame.loc[("XA_0100", "HO_TICH_DUNG_HAN"), "value_text"] == "95,0% (2024)"
    assert frame.loc[("XA_0100", "HO_TICH_DUNG_HAN"), "completeness_text"] == "Chưa báo cáo năm 2025"
    # No reading up to 2025 at all (XA_0101 reported 2026 only).
    assert frame.loc[("XA_0101", "HO_TICH_DUNG_HAN"), "value_text"] == "Chưa báo cáo năm 2025"
    assert frame.loc[("XA_0000", "QPPL_TRINH_TU"), "value_text"] == "Chưa báo cáo năm 2025"


def test_an_aggregate_of_fewer_than_half_is_marked_in_the_app_and_the_report(demo_engine):
    add_year_example(demo_engine)
    frame = describe_statuses(assess(demo_engine, 2026, "HAI_PHONG")).set_index(["locality_code", "indicator_code"])
    assert frame.loc[("HAI_PHONG", "HO_TICH_DUNG_HAN"), "completeness_text"] == "chỉ 1/114 địa phương"
    partial = completeness_sentence(build_content(demo_engine, 2026, "HAI_PHONG"))
    assert "chỉ 1/114 địa phương đã báo cáo" in partial
    # The counts said once.
    assert partial.count("1/114") == 1
    assert "chỉ" not in completeness_sentence(build_content(demo_engine, 2025, "HAI_PHONG"))
