"""One indicator across localities: order, the aggregate by year, the definition in words."""

import pandas as pd

from kpi.app import indicator as comparison
from kpi.engine.assess import assess
from kpi.engine.describe import describe_statuses
from kpi.engine.scope import narrow
from kpi.files.catalogue import add_localities
from kpi.store import queries
from kpi.store.readings import apply_readings, input_frame


def compared(engine, indicator_code, query=""):
    assessment = assess(engine, 2025, "HAI_PHONG")
    described = describe_statuses(narrow(assessment, indicator_code=indicator_code))
    return comparison.localities_compared(described, assessment.catalog.localities, indicator_code, "HAI_PHONG", query)


def test_best_value_first_and_localities_without_a_value_last(demo_engine):
    rows = compared(demo_engine, "HO_TICH_DUNG_HAN")
    assert rows["locality_code"].tolist() == ["LAC_PHUONG", "NHI_CHIEU"]
    assert rows["value_text"].tolist() == ["99,9%", "90,0%"]
    rows = compared(demo_engine, "TGPL_DUOC_TRO_GIUP")
    assert rows[["label", "value_text"]].values.tolist() == [["phường Nhị Chiểu", "Chưa báo cáo năm 2025"], ["xã Lạc Phượng", "Không phát sinh"]]
    table = comparison.comparison_table(rows)
    assert list(table.columns) == ["Địa phương", "Giá trị", "Số liệu", "Năm số liệu", "Mục tiêu 2030", "Đánh giá"]


def test_lower_is_better_when_the_target_is_at_most(engine):
    rows = [{"locality_code": "LAC_PHUONG", "indicator_code": "DIEM_NONG_VPPL", "year": 2025, "value": 3}]
    apply_readings(engine, input_frame(rows), user_name="test", source="cli")
    ordered = compared(engine, "DIEM_NONG_VPPL")
    assert ordered["locality_code"].tolist() == ["LAC_PHUONG"]
    assert ordered["status_label"].tolist() == ["Chưa đủ dữ liệu"]


def test_search_narrows_the_comparison(demo_engine):
    assert compared(demo_engine, "HO_TICH_DUNG_HAN", "nhi")["locality_code"].tolist() == ["NHI_CHIEU"]


def test_aggregate_years_carry_their_completeness(demo_engine):
    series = assess(demo_engine, 2025, "HAI_PHONG").series
    table = comparison.aggregate_years(series, "HAI_PHONG", "HO_TICH_DUNG_HAN")
    assert table.iloc[0].tolist() == ["2025", "96,6%", "2.899/3.000", "2/2 địa phương"]
    assert table.iloc[-1].tolist() == ["2019", "95,0%", "1.900/2.000", "1/2 địa phương"]


# A ratio, a ratio often "không phát sinh", an "at most" count, a "decrease" count, a boolean.
ONE_OF_EACH_KIND = ["HO_TICH_DUNG_HAN", "TGPL_DUOC_TRO_GIUP", "DIEM_NONG_VPPL", "VU_VIEC_VPPL", "CHUAN_TIEP_CAN_PL"]


def readings_of_their_plans(engine, locality_codes: list[str], years: range) -> list[dict]:
    """Readings of every indicator in these localities' plans, varied by locality and year (a zero
    denominator now and then: "không phát sinh")."""
    kinds = queries.indicators(engine).set_index("code")["kind"]
    plans = queries.localities(engine).set_index("code")["plan_code"]
    targets = queries.plan_targets(engine)
    rows = []
    for n, locality in enumerate(locality_codes):
        in_plan = targets.loc[targets["plan_code"] == plans[locality], "indicator_code"]
        for year in years:
            for i, (code, kind) in enumerate(kinds[in_plan].items()):
                seed = n * 7 + year * 3 + i
                if kind == "ratio":
                    denominator = 0 if seed % 11 == 0 else 10 + seed % 9
                    rows.append({"locality_code": locality, "indicator_code": code, "year": year,
                                 "numerator": min(denominator, 5 + seed % 7), "denominator": denominator})
                else:
                    rows.append({"locality_code": locality, "indicator_code": code, "year": year,
                                 "value": seed % 2 if kind == "boolean" else seed % 5})
    return rows


def test_a_localitys_series_equals_its_rows_of_the_whole_scope_series(demo_engine):
    lines = ["code,name,kind,parent_code,ma_dvhc,plan_code", "CUM_THU,cụm Thử Nghiệm,đặc khu,HAI_PHONG,,",
             "XA_T1,xã Thử Một,xã,CUM_THU,,KH_171_NHI_CHIEU", "XA_T2,xã Thử Hai,xã,CUM_THU,,KH_LAC_PHUONG_2026"]
    add_localities(demo_engine, "\n".join(lines).encode(), "localities.csv")
    apply_readings(demo_engine, input_frame(readings_of_their_plans(demo_engine, ["XA_T1", "XA_T2"], range(2021, 2027))),
                   user_name="test", source="cli")
    compared_pairs = 0
    for parent in ("HAI_PHONG", "CUM_THU"):
        whole = assess(demo_engine, 2025, parent).series
        for code in ONE_OF_EACH_KIND:
            expected = whole[(whole["locality_code"] == parent) & (whole["indicator_code"] == code)]
            pd.testing.assert_frame_equal(comparison.locality_series(demo_engine, parent, code),
                                          expected.reset_index(drop=True))
            compared_pairs += not expected.empty
    assert compared_pairs == 2 * len(ONE_OF_EACH_KIND)
    for locality in ("HAI_PHONG", "XA_T1"):
        whole = assess(demo_engine, 2025, locality).series
        expected = whole[whole["locality_code"] == locality].reset_index(drop=True)
        assert expected["indicator_code"].nunique() > 5
        pd.testing.assert_frame_equal(comparison.locality_series(demo_engine, locality), expected)


def test_definition_names_numerator_denominator_and_source_plans(engine):
    indicators = queries.indicators(engine).set_index("code", drop=False)
    definition = comparison.definition(indicators.loc["HOA_GIAI_THANH"], queries.plan_targets(engine), queries.plans(engine))
    assert definition["parts"]["Tử số"] == "Số vụ việc hòa giải thành"
    assert definition["parts"]["Mẫu số"] == "Số vụ việc đưa ra hòa giải"
    assert definition["parts"]["Mục tiêu 2030 (tổng hợp)"] == "≥ 80%"
    assert definition["sources"]["Mục tiêu 2030"].tolist() == ["≥ 80%"]
    assert definition["sources"]["Kế hoạch"].iloc[0].startswith("Kế hoạch của UBND xã Lạc Phượng")
    boolean = comparison.definition(indicators.loc["KH_THEO_DOI_THPL"], queries.plan_targets(engine), queries.plans(engine))
    assert len(boolean["sources"]) == 2 and boolean["parts"]["Giá trị"] == "Có hoặc Không"
