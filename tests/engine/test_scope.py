"""The overview's tables: counts, completeness, ranking, matrix, and finding localities among many."""

import pandas as pd
import pytest

from kpi import formatting as fmt
from kpi.app import overview as overview_page
from kpi.engine import scope as overview
from kpi.engine.assess import assess
from kpi.engine.describe import describe_statuses
from kpi.files.catalogue import add_localities
from kpi.report.content import build_content
from kpi.store import queries
from kpi.store.readings import apply_readings, input_frame

LOCALITY_HEADER = "code,name,kind,parent_code,ma_dvhc,plan_code"


def add_communes(engine, count: int, *, name: str = "xã Thử Nghiệm {i}", plan: str = "KH_171_NHI_CHIEU") -> list[str]:
    lines = [LOCALITY_HEADER] + [f"XA_{i:04d},{name.format(i=i)},xã,HAI_PHONG,,{plan}" for i in range(count)]
    add_localities(engine, "\n".join(lines).encode(), "localities.csv")
    return [f"XA_{i:04d}" for i in range(count)]


@pytest.mark.parametrize("query, found", [
    ("lac phuong", ["LAC_PHUONG"]), ("LẠC PHƯỢNG", ["LAC_PHUONG"]), ("nhi_chieu", ["NHI_CHIEU"]),
    ("hai phong", ["HAI_PHONG"]), ("  ", ["HAI_PHONG", "LAC_PHUONG", "NHI_CHIEU"]), ("không có", []),
])
def test_search_ignores_case_and_diacritics(engine, query, found):
    assert overview.search(queries.localities(engine), query)["code"].tolist() == found


def test_fold_turns_d_bar_into_d():
    assert fmt.fold("Đồng Đăng") == "dong dang"


def test_status_counts_list_every_status_in_order(demo_engine):
    statuses = assess(demo_engine, 2025, "HAI_PHONG").statuses
    counts = overview.status_counts(statuses, "NHI_CHIEU")
    assert counts["label"].tolist() == ["Đạt", "Đúng lộ trình", "Cần tăng tốc", "Đi lùi", "Chưa đủ dữ liệu", "Chưa có số liệu"]
    expected = statuses[statuses["locality_code"] == "NHI_CHIEU"]["status"].value_counts()
    assert dict(zip(counts["status"], counts["count"])) == {s: int(expected.get(s, 0)) for s in counts["status"]}
    assert counts["count"].sum() == 7


def test_reporting_counts_localities_with_any_figure_that_year(demo_engine):
    localities = queries.localities(demo_engine)
    assert overview.reporting(assess(demo_engine, 2025, "HAI_PHONG").statuses, localities, "HAI_PHONG") == (2, 2)
    assert overview.reporting(assess(demo_engine, 2026, "HAI_PHONG").statuses, localities, "HAI_PHONG") == (0, 2)
    add_communes(demo_engine, 1)
    localities = queries.localities(demo_engine)
    assert overview.reporting(assess(demo_engine, 2025, "HAI_PHONG").statuses, localities, "HAI_PHONG") == (2, 3)
    assert overview_page.reporting_text(2, 3) == "2/3 địa phương đã báo cáo"


def test_ranking_by_share_of_targets_achieved(demo_engine):
    assessment = assess(demo_engine, 2025, "HAI_PHONG")
    ranking = overview.ranking(assessment.statuses, assessment.catalog.localities, "HAI_PHONG")
    assert ranking["locality_code"].tolist() == ["LAC_PHUONG", "NHI_CHIEU"]
    assert ranking["rank"].tolist() == [1, 2]
    # Lạc Phượng: 5 of 14 achieved; Nhị Chiểu: 2 of 7.
    assert ranking["achieved_text"].tolist() == ["5/14", "2/7"]
    assert ranking["share_text"].tolist() == ["35,7%", "28,6%"]
    assert ranking["reported_text"].tolist() == ["14/14", "6/7"]
    table = overview_page.ranking_table(ranking, 2025)
    assert list(table.columns[:5]) == ["Hạng", "Địa phương", "Chỉ tiêu đạt", "Tỷ lệ đạt", "Chỉ tiêu đã báo cáo năm 2025"]


def test_search_filters_the_ranking_but_keeps_each_rank(demo_engine):
    assessment = assess(demo_engine, 2025, "HAI_PHONG")
    ranking = overview.ranking(assessment.statuses, assessment.catalog.localities, "HAI_PHONG", "nhị chiểu")
    assert ranking[["locality_code", "rank"]].values.tolist() == [["NHI_CHIEU", 2]]


def test_equal_shares_share_a_rank(engine):
    codes = add_communes(engine, 3)
    rows = [{"locality_code": c, "indicator_code": "QPPL_TRINH_TU", "year": 2025, "numerator": n, "denominator": 4}
            for c, n in zip(codes, (4, 4, 1))]
    apply_readings(engine, input_frame(rows), user_name="test", source="cli")
    assessment = assess(engine, 2025, "HAI_PHONG")
    ranking = overview.ranking(assessment.statuses, assessment.catalog.localities, "HAI_PHONG")
    ranks = dict(zip(ranking["locality_code"], ranking["rank"]))
    assert ranks["XA_0000"] == ranks["XA_0001"] == 1
    assert ranks["XA_0002"] == 3


def test_many_localities_are_shown_a_page_at_a_time(engine):
    add_communes(engine, 114)
    assessment = assess(engine, 2025, "HAI_PHONG")
    ranking = overview.ranking(assessment.statuses, assessment.catalog.localities, "HAI_PHONG")
    assert len(ranking) == 116
    assert overview_page.page_count(len(ranking), 10) == 12
    assert len(overview_page.page(ranking, 12, 10)) == 6
    assert overview_page.page(ranking, 99, 10).equals(overview_page.page(ranking, 12, 10))
    shown = overview_page.page(ranking, 2, 10)["locality_code"].tolist()
    codes = ["HAI_PHONG", *shown]
    grid = overview.matrix(describe_statuses(overview.narrow(assessment, codes)), codes)
    assert grid.status.shape == (15, 11)


def test_matrix_puts_the_aggregate_first_and_leaves_indicators_outside_a_plan_empty(demo_engine):
    assessment = assess(demo_engine, 2025, "HAI_PHONG")
    described = describe_statuses(assessment)
    grid = overview.matrix(described, ["HAI_PHONG", "NHI_CHIEU", "LAC_PHUONG"])
    assert grid.status.columns.tolist() == ["thành phố Hải Phòng (tổng hợp)", "phường Nhị Chiểu", "xã Lạc Phượng"]
    assert grid.status.index[0] == "Văn bản QPPL ban hành tuân thủ đầy đủ trình tự, thủ tục"
    hoa_giai = "Tỷ lệ hòa giải thành"
    assert pd.isna(grid.status.loc[hoa_giai, "phường Nhị Chiểu"])
    assert grid.value.loc[hoa_giai, "xã Lạc Phượng"] == "90,0%"
    assert grid.detail.loc[hoa_giai, "xã Lạc Phượng"] == "45/50 vụ việc"
    assert grid.detail.loc[hoa_giai, "thành phố Hải Phòng (tổng hợp)"] == "1/1 địa phương"
    engine_status = assessment.statuses.set_index(["locality_code", "indicator_code"])["status"]
    assert grid.status.loc[hoa_giai, "xã Lạc Phượng"] == engine_status[("LAC_PHUONG", "HOA_GIAI_THANH")]


def test_localities_sharing_a_name_are_told_apart(engine):
    add_communes(engine, 2, name="xã Tân Tiến")
    assessment = assess(engine, 2025, "HAI_PHONG")
    grid = overview.matrix(describe_statuses(assessment), ["XA_0000", "XA_0001"])
    assert grid.status.columns.tolist() == ["xã Tân Tiến (XA_0000)", "xã Tân Tiến (XA_0001)"]


def test_parent_options_are_localities_with_children_top_first(engine):
    lines = [LOCALITY_HEADER, "QUAN_1,quận Một,xã,HAI_PHONG,,", "XA_A,xã A,xã,QUAN_1,,KH_171_NHI_CHIEU"]
    add_localities(engine, "\n".join(lines).encode(), "localities.csv")
    assert overview_page.parent_options(queries.localities(engine))["code"].tolist() == ["HAI_PHONG", "QUAN_1"]


def test_narrow_keeps_only_what_is_asked(demo_engine):
    assessment = assess(demo_engine, 2025, "HAI_PHONG")
    narrowed = overview.narrow(assessment, ["NHI_CHIEU"], "PBGDPL_CBCC")
    assert narrowed.statuses[["locality_code", "indicator_code"]].values.tolist() == [["NHI_CHIEU", "PBGDPL_CBCC"]]
    assert narrowed.series is assessment.series


def test_summary_says_what_reporting_own_rows_and_status_counts_say(demo_engine):
    assessment = assess(demo_engine, 2025, "HAI_PHONG")
    localities = assessment.catalog.localities
    for parent in ("HAI_PHONG", None):
        summary = overview.summary(assessment.statuses, localities, parent)
        assert (summary.reported, summary.expected) == overview.reporting(assessment.statuses, localities, parent)
        assert summary.locality_codes.tolist() == ["LAC_PHUONG", "NHI_CHIEU"]
    assert overview.summary(assessment.statuses, localities, None).counts is None
    assert overview.summary(assessment.statuses, localities, "HAI_PHONG").counts.equals(
        overview.status_counts(assessment.statuses, "HAI_PHONG"))


def test_matrix_of_localities_with_nothing_described_is_empty(demo_engine):
    described = describe_statuses(assess(demo_engine, 2024))
    grid = overview.matrix(described.iloc[0:0], ["LAC_PHUONG"])
    assert grid.status.empty and grid.value.empty and grid.detail.empty and grid.hover.empty


def test_overview_and_report_agree_on_a_three_level_hierarchy(demo_engine):
    """A district between the city and its communes: the overview and the report rank the same
    localities (the district judged on its aggregate) and count the same completeness."""
    add_localities(demo_engine, (f"{LOCALITY_HEADER}\nQUAN_X,thành phố X,thành phố,HAI_PHONG,,\n"
                                 "XA_X1,xã X1,xã,QUAN_X,,KH_171_NHI_CHIEU\n").encode(), "localities.csv")
    apply_readings(demo_engine, input_frame([{"locality_code": "XA_X1", "indicator_code": "HO_TICH_DUNG_HAN",
                                              "year": 2025, "numerator": 9, "denominator": 10}]),
                   user_name="kiểm thử", source="cli")
    assessment = assess(demo_engine, 2025, "HAI_PHONG", with_series=False)
    localities = queries.localities(demo_engine)
    page_ranking = overview.ranking(assessment.statuses, localities, "HAI_PHONG")
    page_summary = overview.summary(assessment.statuses, localities, "HAI_PHONG")
    report = build_content(demo_engine, 2025, "HAI_PHONG")

    assert sorted(page_ranking["locality_code"]) == ["LAC_PHUONG", "NHI_CHIEU", "QUAN_X"]
    assert page_ranking[["locality_code", "rank", "share_text", "reported_text"]].equals(
        report.ranking[["locality_code", "rank", "share_text", "reported_text"]])
    assert (page_summary.reported, page_summary.expected) == (3, 3)
    assert (report.reported_localities, report.expected_localities) == (3, 3)
