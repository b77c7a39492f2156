"""Who is behind, named (kpi.engine.scope): localities that have not reported, the indicators
furthest from their targets with the change against the year before, and sorting every page."""

import pandas as pd

from kpi.app import overview as overview_page
from kpi.engine import scope
from kpi.engine.assess import assess
from kpi.engine.describe import describe_statuses
from kpi.files.catalogue import add_localities
from kpi.store import queries
from kpi.store.readings import apply_readings, input_frame

HEADER = "code,name,kind,parent_code,ma_dvhc,plan_code"


def add(engine, lines: list[str]) -> None:
    add_localities(engine, "\n".join([HEADER, *lines]).encode(), "localities.csv")


def write(engine, rows: list[dict]) -> None:
    apply_readings(engine, input_frame(rows), user_name="kiểm thử", source="cli")


def test_not_reported_names_the_localities_without_a_figure_for_the_year(demo_engine):
    add(demo_engine, ["XA_B,xã Bình Minh,xã,HAI_PHONG,,KH_171_NHI_CHIEU",
                      "XA_A,xã Ánh Dương,xã,HAI_PHONG,,KH_LAC_PHUONG_2026"])
    write(demo_engine, [{"locality_code": "XA_B", "indicator_code": "QPPL_TRINH_TU", "year": 2024,
                         "numerator": 1, "denominator": 1}])
    statuses = assess(demo_engine, 2025, "HAI_PHONG").statuses
    missing = scope.not_reported(statuses, queries.localities(demo_engine), "HAI_PHONG")
    # A figure of an earlier year does not count; names in order ignoring diacritics (Á before B).
    assert missing.values.tolist() == [["XA_A", "xã Ánh Dương", 14], ["XA_B", "xã Bình Minh", 7]]
    line = overview_page.not_reported_line(missing, 4, 2025, str)
    assert line == "**Chưa báo cáo năm 2025 (2/4 địa phương):** xã Ánh Dương, xã Bình Minh."
    assert scope.not_reported(assess(demo_engine, 2025, "HAI_PHONG").statuses.iloc[0:0],
                              queries.localities(demo_engine), "HAI_PHONG").empty


def test_long_lists_of_names_end_with_how_many_more():
    names = [f"xã {i}" for i in range(30)]
    assert overview_page.name_list(names, str, listed=3) == "xã 0, xã 1, xã 2 và 27 địa phương khác"


def test_behind_indicators_furthest_first_with_the_change_against_the_year_before(demo_engine):
    described = describe_statuses(assess(demo_engine, 2025, "LAC_PHUONG"))
    previous = assess(demo_engine, 2024, "LAC_PHUONG").statuses
    behind = scope.behind_indicators(described, previous, "LAC_PHUONG", limit=None)
    engine_statuses = dict(zip(described["indicator_code"], described["status"]))
    # Every indicator not achieved that has a value, and only those.
    expected = {code for code, status in engine_statuses.items()
                if status not in ("achieved", "no_data")
                and described.set_index("indicator_code").at[code, "value"] == described.set_index(
                    "indicator_code").at[code, "value"]}
    assert set(behind["indicator_code"]) == expected
    assert behind["status"].tolist() == [engine_statuses[c] for c in behind["indicator_code"]]
    order = [scope.BEHIND_ORDER.index(s) for s in behind["status"]]
    assert order == sorted(order)
    rows = behind.set_index("indicator_code")
    # 46/60 in 2024, 47/61 in 2025.
    assert rows.at["PBGDPL_CBCC", "change"] == "up"
    assert rows.at["PBGDPL_CBCC", "change_text"] == "▲ tăng 0,4 điểm % (2024: 76,7%)"
    assert rows.at["PBGDPL_CBCC", "gap_text"] == "23,0 điểm %"
    # 25 cases in 2024 and in 2025: a "decrease" target not met, no change.
    assert rows.at["VU_VIEC_VPPL", "change_text"] == "= không đổi (2024: 25)"
    assert scope.behind_indicators(described, previous, "LAC_PHUONG", limit=2).equals(behind.head(2))


def test_change_is_only_given_for_a_figure_of_the_year(engine):
    write(engine, [{"locality_code": "LAC_PHUONG", "indicator_code": "QPPL_TRINH_TU", "year": 2023,
                    "numerator": 5, "denominator": 10},
                   {"locality_code": "LAC_PHUONG", "indicator_code": "QPPL_KIEM_TRA", "year": 2025,
                    "numerator": 5, "denominator": 10},
                   {"locality_code": "LAC_PHUONG", "indicator_code": "DIEM_NONG_VPPL", "year": 2024, "value": 4},
                   {"locality_code": "LAC_PHUONG", "indicator_code": "DIEM_NONG_VPPL", "year": 2025, "value": 2}])
    described = describe_statuses(assess(engine, 2025, "LAC_PHUONG"))
    changes = scope.changes(described, assess(engine, 2024, "LAC_PHUONG").statuses, "LAC_PHUONG")
    assert changes.at["QPPL_TRINH_TU", "change_text"] == "Chưa báo cáo năm 2025"
    assert changes.at["QPPL_KIEM_TRA", "change_text"] == "Chưa có số liệu năm trước để so sánh"
    assert changes.at["DIEM_NONG_VPPL", "change"] == "down"
    assert changes.at["DIEM_NONG_VPPL", "change_text"] == "▼ giảm 2 (2024: 4)"
    assert pd.isna(changes.at["HO_TICH_DUNG_HAN", "change"])
    assert changes.at["HO_TICH_DUNG_HAN", "change_text"] == "—"


def test_an_aggregate_compared_with_a_year_of_other_localities_says_so(demo_engine):
    """The city's 2025 figure is the sum of both communes; with only Lạc Phượng in 2026, 90,0% against
    92,2% is no fall of anybody's work."""
    write(demo_engine, [{"locality_code": "LAC_PHUONG", "indicator_code": "QPPL_TRINH_TU", "year": 2026,
                         "numerator": 45, "denominator": 50}])
    described = describe_statuses(assess(demo_engine, 2026, "HAI_PHONG"))
    previous = assess(demo_engine, 2025, "HAI_PHONG").statuses
    city = scope.changes(described, previous, "HAI_PHONG")
    was = previous.set_index(["locality_code", "indicator_code"]).loc[("HAI_PHONG", "QPPL_TRINH_TU")]
    assert (was["reported"], was["expected"]) == (2, 2)
    assert city.at["QPPL_TRINH_TU", "change_text"].endswith(
        "; không cùng các địa phương: năm 2025 có 2/2, năm 2026 có 1/2 địa phương báo cáo")
    # A commune is itself every year: nothing to add.
    own = scope.changes(describe_statuses(assess(demo_engine, 2026, "LAC_PHUONG")),
                        assess(demo_engine, 2025, "LAC_PHUONG").statuses, "LAC_PHUONG")
    assert "địa phương" not in own.at["QPPL_TRINH_TU", "change_text"]


def test_a_locality_without_a_figure_is_not_named_as_doing_worst(demo_engine):
    add(demo_engine, ["XA_TRONG,xã Chưa Nhập,xã,HAI_PHONG,,KH_171_NHI_CHIEU"])
    statuses = assess(demo_engine, 2025, "HAI_PHONG").statuses
    ranking = scope.ranking(statuses, queries.localities(demo_engine), "HAI_PHONG")
    last = ranking.iloc[-1]
    assert (last["locality_code"], last["share_text"]) == ("XA_TRONG", "Chưa có số liệu")
    line = overview_page.lowest_line(ranking, str)
    assert "xã Chưa Nhập" not in line and line.startswith("**Tỷ lệ chỉ tiêu đạt thấp nhất:** phường Nhị Chiểu (28,6%)")
    assert overview_page.lowest_line(ranking.tail(1), str) == (
        "**Tỷ lệ chỉ tiêu đạt thấp nhất:** chưa có địa phương nào có số liệu.")


def test_sorting_by_an_indicator_covers_every_page(engine):
    add(engine, [f"XA_{i:02d},xã Thử {i:02d},xã,HAI_PHONG,,KH_171_NHI_CHIEU" for i in range(25)])
    # Every commune achieves QPPL_TRINH_TU but XA_24 (ranked last), which falls back.
    rows = []
    for i in range(25):
        for year, numerator in ((2024, 10), (2025, 10 if i < 24 else 6)):
            rows.append({"locality_code": f"XA_{i:02d}", "indicator_code": "QPPL_TRINH_TU", "year": year,
                         "numerator": numerator, "denominator": 10})
    write(engine, rows)
    statuses = assess(engine, 2025, "HAI_PHONG").statuses
    ranking = scope.ranking(statuses, queries.localities(engine), "HAI_PHONG")
    # Ranked last (0 of 7 achieved, its name last among the ties): on the last page of the ranking.
    assert ranking["locality_code"].iloc[-1] == "XA_24" and len(ranking) == 27
    ordered = scope.order_localities(ranking, statuses, "QPPL_TRINH_TU")
    first_page = overview_page.page(ordered, 1, 10)
    assert first_page["locality_code"].iloc[0] == "XA_24"
    assert statuses.set_index(["locality_code", "indicator_code"]).at[("XA_24", "QPPL_TRINH_TU"), "status"] == "regressing"
    # Localities whose plan lacks the indicator come last: only Lạc Phượng's plan has this one.
    assert scope.order_localities(ranking, statuses, "HOA_GIAI_THANH")["locality_code"].iloc[0] == "LAC_PHUONG"
    by_name = scope.order_localities(ranking, statuses, "name")
    assert by_name["label"].tolist()[:2] == ["phường Nhị Chiểu", "xã Lạc Phượng"]
    assert scope.order_localities(ranking, statuses, "name", descending=True)["label"].tolist() == \
        by_name["label"].tolist()[::-1]
    assert sorted(ordered["locality_code"]) == sorted(ranking["locality_code"])


def test_sort_and_group_choices(engine):
    indicators = queries.indicators(engine)
    groups = overview_page.group_options(indicators)
    assert groups[0] == overview_page.ALL_GROUPS and "Hòa giải ở cơ sở" in groups
    options = overview_page.sort_options(indicators, "Hòa giải ở cơ sở")
    assert list(options) == ["rank", "name", "HOA_GIAI_KIEN_TOAN", "HOA_GIAI_THANH"]
    assert options["HOA_GIAI_THANH"] == "Chỉ tiêu: Hòa giải thành (xa mục tiêu nhất trước)"
