"""Tables the pages show: problems, batches, history, the readings list and its filter."""

import pandas as pd

from kpi.app import tables as views
from kpi.files.export import readings_export
from kpi.problems import Problem
from kpi.store import queries
from kpi.store.queries import ReadingFilter
from kpi.store.readings import apply_readings, input_frame


def test_problems_table_lists_row_column_value_and_message():
    table = views.problems_table([Problem(3, "Tử số", "60", "Tử số không được lớn hơn mẫu số."),
                                  Problem(None, None, "", "Tệp trống.")])
    assert table.values.tolist() == [["3", "Tử số", "60", "Tử số không được lớn hơn mẫu số."], ["—", "—", "", "Tệp trống."]]


def test_history_lists_every_figure_written_newest_first(engine):
    for numerator, user in ((40, "Nguyễn Văn A"), (45, "Trần Thị B")):
        rows = [{"locality_code": "LAC_PHUONG", "indicator_code": "HOA_GIAI_THANH", "year": 2025,
                 "numerator": numerator, "denominator": 50}]
        apply_readings(engine, input_frame(rows), user_name=user, source="form")
    table = views.history_table(queries.history(engine, "LAC_PHUONG", "HOA_GIAI_THANH", 2025), "ratio")
    assert table[["Số liệu", "Tử số/Mẫu số", "Người nhập", "Cách nhập"]].values.tolist() == [
        ["90,0%", "45/50", "Trần Thị B", "Biểu mẫu"], ["80,0%", "40/50", "Nguyễn Văn A", "Biểu mẫu"]]
    batches = views.batches_table(queries.import_batches(engine))
    assert batches["Người nhập"].tolist() == ["Trần Thị B", "Nguyễn Văn A"]
    assert batches["Tạo mới"].tolist() == ["0", "1"] and batches["Cập nhật"].tolist() == ["1", "0"]


def test_filter_and_show_readings_with_the_demo_flag(demo_engine):
    rows = [{"locality_code": "NHI_CHIEU", "indicator_code": "TGPL_DUOC_TRO_GIUP", "year": 2025, "numerator": 0, "denominator": 0}]
    apply_readings(demo_engine, input_frame(rows), user_name="Nguyễn Văn A", source="form")
    everything = readings_export(demo_engine, ReadingFilter(years=(2015, 2026)))
    assert len(everything) == 114
    pd.testing.assert_frame_equal(everything, readings_export(demo_engine))
    real = readings_export(demo_engine, ReadingFilter(demo="real"))
    assert real["indicator_code"].tolist() == ["TGPL_DUOC_TRO_GIUP"]
    demo = readings_export(demo_engine, ReadingFilter(("NHI_CHIEU",), ("PBGDPL_CBCC",), (2024, 2025), "demo"))
    assert demo["year"].tolist() == [2024, 2025] and set(demo["is_demo"]) == {"có"}
    assert readings_export(demo_engine, ReadingFilter(("NHI_CHIEU",), years=(2026, 2026))).empty
    table = views.readings_table(real, queries.indicators(demo_engine).set_index("code")["kind"])
    assert table.iloc[0][["Địa phương", "Số liệu", "Mẫu số", "Dữ liệu minh họa", "Cách nhập"]].tolist() == [
        "phường Nhị Chiểu", "Không phát sinh", "0", "không", "Biểu mẫu"]


def test_a_list_of_readings_is_the_first_ones_of_the_filter_and_its_count_is_the_whole(demo_engine):
    chosen = ReadingFilter(("LAC_PHUONG", "NHI_CHIEU"), years=(2020, 2025))
    whole = readings_export(demo_engine, chosen)
    assert queries.reading_count(demo_engine, chosen) == len(whole) > 10
    pd.testing.assert_frame_equal(readings_export(demo_engine, chosen, limit=10), whole.head(10))
    assert whole[["locality_code", "indicator_code", "year"]].apply(tuple, axis=1).is_monotonic_increasing
    stored = queries.stored_readings(demo_engine)
    assert (stored.count, stored.demo_count) == (113, 113)
    assert set(stored.locality_codes) == {"LAC_PHUONG", "NHI_CHIEU"}
    every = queries.readings(demo_engine)
    assert (stored.first_year, stored.last_year) == (every["year"].min(), every["year"].max())


def test_the_problems_rows_are_as_tall_as_the_longest_reason_needs():
    short = views.problems_table([Problem(2, "value", "x", "Không phải là số.")])
    assert views.problem_row_height(short, 68) is None
    reason = "Số đếm phải là số nguyên: không có phần thập phân sau dấu phẩy. Cần một số nguyên không âm, ví dụ 12 hoặc 1.234."
    two_lines = views.problems_table([Problem(4, "numerator", "12,5", reason), Problem(5, "value", "", "Thiếu.")])
    # Two lines' height would not be taller than 4rem: the grid would not wrap them.
    assert views.problem_row_height(two_lines, 68) == 69
    assert views.problem_row_height(two_lines, 40) == views.ROW_PADDING_PX + 2 * views.LINE_PX
    very_long = views.problems_table([Problem(None, None, "", "rất dài " * 200)])
    assert views.problem_row_height(very_long, 68) == views.ROW_PADDING_PX + views.REASON_MOST_LINES * views.LINE_PX
