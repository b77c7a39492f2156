"""Tables the pages show: problems, batches, history, the readings list and its filter."""

from kpi.app import tables as views
from kpi.files.export import readings_export
from kpi.problems import Problem
from kpi.store import queries
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
    readings = readings_export(demo_engine)
    everything = views.filter_readings(readings, locality_codes=[], indicator_codes=[], years=(2015, 2026), demo="all")
    assert len(everything) == 114
    real = views.filter_readings(readings, locality_codes=[], indicator_codes=[], years=(2015, 2026), demo="real")
    assert real["indicator_code"].tolist() == ["TGPL_DUOC_TRO_GIUP"]
    demo = views.filter_readings(readings, locality_codes=["NHI_CHIEU"], indicator_codes=["PBGDPL_CBCC"],
                                 years=(2024, 2025), demo="demo")
    assert demo["year"].tolist() == [2024, 2025]
    table = views.readings_table(real, queries.indicators(demo_engine).set_index("code")["kind"])
    assert table.iloc[0][["Địa phương", "Số liệu", "Mẫu số", "Dữ liệu minh họa", "Cách nhập"]].tolist() == [
        "phường Nhị Chiểu", "Không phát sinh", "0", "không", "Biểu mẫu"]
