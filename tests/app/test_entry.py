"""The entry form's logic: fields of a plan, prefilled values, rows for the write path, problems
mapped back to their field, and the soft warning when a figure moves far from last year's."""

import pytest

from kpi.app import entry
from kpi.numbers import Refusal
from kpi.problems import Rejected
from kpi.store import queries
from kpi.store.accounts import create_user
from kpi.store.cycle import approve
from kpi.store.readings import apply_readings


def nhi_chieu_fields(engine):
    return entry.plan_fields(queries.indicators(engine), queries.plan_targets(engine), "KH_171_NHI_CHIEU")


def key(indicator, name, locality="NHI_CHIEU", year=2025):
    return entry.widget_key(locality, year, indicator, name)


def test_plan_fields_follow_the_plan_in_catalogue_order(engine):
    fields = nhi_chieu_fields(engine)
    assert fields["code"].tolist() == ["QPPL_TRINH_TU", "KH_THEO_DOI_THPL", "THPL_THAM_MUU", "PBGDPL_CBCC",
                                       "CONG_TTDT_TIN_BAI", "HO_TICH_DUNG_HAN", "TGPL_DUOC_TRO_GIUP"]


def test_stored_figures_prefill_the_form(demo_engine):
    stored = entry.stored_figures(queries.readings(demo_engine, full=True), "NHI_CHIEU", 2025)
    assert stored["PBGDPL_CBCC"] == {"numerator": 92, "denominator": 100, "value": None, "note": "Dữ liệu minh họa"}
    assert entry.widget_default("boolean", "value", stored["KH_THEO_DOI_THPL"]) == "Có"
    assert entry.widget_default("ratio", "numerator", stored["PBGDPL_CBCC"]) == "92"
    assert entry.widget_default("ratio", "numerator", {"numerator": 1234}) == "1.234"
    assert entry.widget_default("ratio", "numerator", None) == ""
    assert entry.widget_default("boolean", "value", None) is None
    assert "TGPL_DUOC_TRO_GIUP" not in stored


def test_form_values_become_rows_for_the_write_path_and_untouched_indicators_are_skipped(engine):
    fields = nhi_chieu_fields(engine)
    values = {
        key("QPPL_TRINH_TU", "numerator"): "4", key("QPPL_TRINH_TU", "denominator"): "5",
        key("KH_THEO_DOI_THPL", "value"): "Không", key("KH_THEO_DOI_THPL", "note"): "  ban hành muộn ",
        key("TGPL_DUOC_TRO_GIUP", "numerator"): "0", key("TGPL_DUOC_TRO_GIUP", "denominator"): "0",
    }
    figures = entry.read_form(fields, values, "NHI_CHIEU", 2025).figures
    submission = entry.submission(fields, figures, "NHI_CHIEU", 2025)
    frame = submission.frame
    assert frame["indicator_code"].tolist() == ["QPPL_TRINH_TU", "KH_THEO_DOI_THPL", "TGPL_DUOC_TRO_GIUP"]
    assert frame["excel_row"].tolist() == [1, 2, 7]
    assert submission.indicator_of_row == {1: "QPPL_TRINH_TU", 2: "KH_THEO_DOI_THPL", 7: "TGPL_DUOC_TRO_GIUP"}
    assert frame.loc[1, "value"] == 0 and frame.loc[1, "note"] == "ban hành muộn"
    result = apply_readings(engine, frame, user_name="Nguyễn Văn A", source="form")
    assert (result.created, result.updated) == (3, 0)


def test_problems_from_the_write_path_land_on_their_field(engine):
    fields = nhi_chieu_fields(engine)
    values = {
        key("QPPL_TRINH_TU", "numerator"): "6", key("QPPL_TRINH_TU", "denominator"): "5",
        key("PBGDPL_CBCC", "denominator"): "100",
    }
    submission = entry.submission(fields, entry.read_form(fields, values, "NHI_CHIEU", 2025).figures, "NHI_CHIEU", 2025)
    with pytest.raises(Rejected) as rejected:
        apply_readings(engine, submission.frame, user_name="Nguyễn Văn A", source="form")
    by_field, general = entry.problems_by_field(rejected.value.problems, submission.indicator_of_row)
    assert by_field == {
        ("QPPL_TRINH_TU", "numerator"): ["Tử số không được lớn hơn mẫu số."],
        ("PBGDPL_CBCC", "numerator"): ["Thiếu tử số."],
    }
    assert general == []
    assert queries.readings(engine).empty


def test_an_empty_form_is_a_general_problem(engine):
    fields = nhi_chieu_fields(engine)
    submission = entry.submission(fields, entry.read_form(fields, {}, "NHI_CHIEU", 2025).figures, "NHI_CHIEU", 2025)
    with pytest.raises(Rejected) as rejected:
        apply_readings(engine, submission.frame, user_name="Nguyễn Văn A", source="form")
    assert entry.problems_by_field(rejected.value.problems, submission.indicator_of_row) == (
        {}, ["Không có dòng số liệu nào để ghi."])


def figures(numerator=None, denominator=None, value=None):
    return {"numerator": numerator, "denominator": denominator, "value": value, "note": None}


@pytest.mark.parametrize("kind, now, before, warned", [
    ("ratio", figures(45, 50), figures(46, 50), None),
    ("ratio", figures(20, 50), figures(46, 50), "Tỷ lệ khác nhiều so với năm 2024 (92,0% → 40,0%)"),
    ("ratio", figures(460, 500), figures(46, 50), "Mẫu số khác nhiều so với năm 2024 (50 → 500)"),
    ("ratio", figures(0, 0), figures(46, 50), None),
    ("ratio", figures(60, 50), figures(46, 50), None),
    ("count", figures(value=25), figures(value=27), None),
    ("count", figures(value=60), figures(value=27), "Số liệu khác nhiều so với năm 2024 (27 → 60)"),
    ("count", figures(value=3), figures(value=0), None),
    ("count", figures(value=12), figures(value=0), "Số liệu khác nhiều so với năm 2024 (0 → 12)"),
    ("count", figures(value=60), None, None),
    ("boolean", figures(value=0), figures(value=1), None),
])
def test_far_from_last_year_is_a_soft_warning(kind, now, before, warned):
    message = entry.far_from_last_year(kind, now, before, 2025)
    if warned is None:
        assert message is None
    else:
        assert message.startswith(warned) and "kiểm tra lại" in message


def test_only_changed_indicators_are_sent(demo_engine):
    fields = nhi_chieu_fields(demo_engine)
    stored = entry.stored_figures(queries.readings(demo_engine, full=True), "NHI_CHIEU", 2025)
    values = {key(f.code, name): entry.widget_default(f.kind, name, stored.get(f.code))
              for f in fields.itertuples() for name in entry.FIELDS}
    unchanged = entry.submission(fields, entry.read_form(fields, values, "NHI_CHIEU", 2025).figures, "NHI_CHIEU", 2025, stored)
    assert unchanged.frame.empty
    values[key("PBGDPL_CBCC", "numerator")] = "95"
    changed = entry.submission(fields, entry.read_form(fields, values, "NHI_CHIEU", 2025).figures, "NHI_CHIEU", 2025, stored)
    assert changed.frame["indicator_code"].tolist() == ["PBGDPL_CBCC"]
    assert changed.indicator_of_row == {4: "PBGDPL_CBCC"}


def test_a_locked_year_is_said_once_for_the_whole_form(demo_engine):
    create_user(demo_engine, "quantri", "mật khẩu đủ dài", "admin")
    approve(demo_engine, "NHI_CHIEU", 2025, "quantri")
    fields = nhi_chieu_fields(demo_engine)
    values = {key("QPPL_TRINH_TU", "numerator"): "5", key("QPPL_TRINH_TU", "denominator"): "6",
              key("PBGDPL_CBCC", "numerator"): "91", key("PBGDPL_CBCC", "denominator"): "100"}
    submission = entry.submission(fields, entry.read_form(fields, values, "NHI_CHIEU", 2025).figures, "NHI_CHIEU", 2025)
    with pytest.raises(Rejected) as rejected:
        apply_readings(demo_engine, submission.frame, user_name="Nguyễn Văn A", source="form")
    assert len(rejected.value.problems) == 2
    by_field, general = entry.problems_by_field(rejected.value.problems, submission.indicator_of_row)
    assert by_field == {}
    assert len(general) == 1 and "phường Nhị Chiểu" in general[0] and "phê duyệt" in general[0]


def test_typed_figures_are_read_the_vietnamese_way_or_refused_at_their_field(engine):
    fields = nhi_chieu_fields(engine)
    values = {
        key("HO_TICH_DUNG_HAN", "numerator"): "1.180", key("HO_TICH_DUNG_HAN", "denominator"): " 1 234 ",
        key("QPPL_TRINH_TU", "numerator"): "12,5", key("QPPL_TRINH_TU", "denominator"): "-3",
        key("PBGDPL_CBCC", "numerator"): "95%", key("PBGDPL_CBCC", "denominator"): "",
        key("CONG_TTDT_TIN_BAI", "numerator"): "1,234", key("CONG_TTDT_TIN_BAI", "denominator"): "mười",
    }
    form = entry.read_form(fields, values, "NHI_CHIEU", 2025)
    assert form.figures["HO_TICH_DUNG_HAN"] == {"numerator": 1180, "denominator": 1234, "value": None, "note": None}
    assert form.refused == {
        ("QPPL_TRINH_TU", "numerator"): Refusal.DECIMAL_COMMA.value,
        ("QPPL_TRINH_TU", "denominator"): Refusal.NEGATIVE.value,
        ("PBGDPL_CBCC", "numerator"): Refusal.PERCENT.value,
        ("CONG_TTDT_TIN_BAI", "numerator"): Refusal.AMBIGUOUS.value,
        ("CONG_TTDT_TIN_BAI", "denominator"): Refusal.NOT_NUMBER.value,
    }
    # A refused figure is never passed on as a number.
    assert form.figures["QPPL_TRINH_TU"]["numerator"] is None and form.figures["PBGDPL_CBCC"]["numerator"] is None
