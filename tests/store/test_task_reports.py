"""Task reports: one write path with its checks, rights, approval locks and history."""

import pytest

from kpi.problems import Rejected
from kpi.store import cycle
from kpi.store.accounts import create_user
from kpi.store.tasks import apply_task_reports, plan_tasks, task_report_history, task_reports
from kpi.vocabulary import Source

PASSWORD = "mật khẩu đủ dài 1"
DONE_PLAN = {"locality_code": "LAC_PHUONG", "task_code": "2.4.a", "period": "2026", "status": "done",
             "evidence": "Kế hoạch số 12/KH-UBND ngày 20/3/2026", "note": None}


@pytest.fixture
def accounts(engine):
    return {"admin": create_user(engine, "quantri", PASSWORD, "admin"),
            "editor": create_user(engine, "bientap", PASSWORD, "editor", ["LAC_PHUONG"]),
            "viewer": create_user(engine, "xem", PASSWORD, "viewer")}


def messages(rejected) -> list[str]:
    return [str(problem) for problem in rejected.value.problems]


def test_the_catalogue_loads_every_task_of_both_plans(engine):
    tasks = plan_tasks(engine)
    assert tasks.groupby("plan_code").size().to_dict() == {"KH_171_NHI_CHIEU": 32, "KH_LAC_PHUONG_2026": 34}


def test_a_report_is_stored_with_who_how_and_its_history(engine, accounts):
    first = apply_task_reports(engine, [{**DONE_PLAN, "status": "in_progress", "evidence": ""}],
                               user=accounts["editor"], source=Source.FORM)
    assert (first.created, first.updated) == (1, 0)
    second = apply_task_reports(engine, [DONE_PLAN], user=accounts["editor"], source=Source.IMPORT, file_name="bc.xlsx")
    assert (second.created, second.updated, second.unchanged) == (0, 1, 0)
    again = apply_task_reports(engine, [DONE_PLAN], user=accounts["editor"], source=Source.FORM)
    assert again.unchanged == 1
    stored = task_reports(engine, 2026)
    assert stored[["locality_code", "task_code", "period", "year", "status", "evidence", "entered_by", "source"]] \
        .values.tolist() == [["LAC_PHUONG", "2.4.a", "2026", 2026, "done", DONE_PLAN["evidence"], "bientap", "import"]]
    history = task_report_history(engine, "LAC_PHUONG", "2.4.a", "2026")
    assert history["status"].tolist() == ["done", "in_progress"]
    assert history["file_name"].tolist()[0] == "bc.xlsx"


def test_done_without_evidence_is_refused_and_nothing_is_written(engine, accounts):
    other = {**DONE_PLAN, "task_code": "2.1", "status": "in_progress", "evidence": ""}
    with pytest.raises(Rejected) as rejected:
        apply_task_reports(engine, [other, {**DONE_PLAN, "evidence": "  "}], user=accounts["admin"], source=Source.FORM)
    assert messages(rejected) == ["Dòng 2, cột «Sản phẩm»: Nhiệm vụ «Hoàn thành» phải ghi sản phẩm (số và ngày "
                                  "của văn bản, sự kiện, sản phẩm); chưa có sản phẩm thì chọn «Đang thực hiện»."]
    assert task_reports(engine).empty


@pytest.mark.parametrize(("change", "column", "message"), [
    ({"locality_code": "KHONG_CO"}, "Mã địa phương", "Không có địa phương với mã này."),
    ({"locality_code": "HAI_PHONG"}, "Mã địa phương", "chưa có kế hoạch"),
    ({"task_code": "2.1.1"}, "Mã nhiệm vụ", "không có trong kế hoạch của địa phương"),
    ({"period": "2026-Q2"}, "Kỳ", "các kỳ của nhiệm vụ: 2026, 2027"),
    ({"task_code": "2.10.b", "period": "2027"}, "Kỳ", "các kỳ của nhiệm vụ: 2028."),
    ({"period": "năm nay"}, "Kỳ", "Kỳ phải là một năm"),
    ({"status": "xong"}, "Tình trạng", "not_started (Chưa thực hiện)"),
    ({"note": "x" * 2001}, "Ghi chú", "2000 ký tự"),
])
def test_rows_that_do_not_fit_the_plan_are_refused_at_their_column(engine, change, column, message):
    with pytest.raises(Rejected) as rejected:
        apply_task_reports(engine, [{**DONE_PLAN, **change}], user_name="dòng lệnh", source=Source.CLI)
    [problem] = rejected.value.problems
    assert problem.column == column and message in problem.message
    assert task_reports(engine).empty


def test_quarterly_tasks_take_quarters(engine):
    result = apply_task_reports(engine, [{**DONE_PLAN, "task_code": "2.2.a", "period": "2026-q3",
                                          "evidence": "Quyết định 5/QĐ-UBND"}], user_name="dòng lệnh", source=Source.CLI)
    assert result.created == 1
    assert task_reports(engine)["period"].tolist() == ["2026-Q3"]


def test_an_editor_may_report_only_for_its_localities_and_a_viewer_not_at_all(engine, accounts):
    elsewhere = {**DONE_PLAN, "locality_code": "NHI_CHIEU", "task_code": "2.1.1"}
    with pytest.raises(Rejected) as rejected:
        apply_task_reports(engine, [DONE_PLAN, elsewhere], user=accounts["editor"], source=Source.FORM)
    assert [p.row for p in rejected.value.problems] == [2]
    assert "không được ghi số liệu của địa phương này" in rejected.value.problems[0].message
    with pytest.raises(Rejected) as rejected:
        apply_task_reports(engine, [DONE_PLAN], user=accounts["viewer"], source=Source.FORM)
    assert "chỉ có quyền xem" in messages(rejected)[0]
    assert task_reports(engine).empty


def test_an_approved_year_is_locked_until_reopened(engine, accounts):
    apply_task_reports(engine, [DONE_PLAN], user=accounts["editor"], source=Source.FORM)
    cycle.approve(engine, "LAC_PHUONG", 2026, "quantri")
    changed = {**DONE_PLAN, "evidence": "Kế hoạch số 13/KH-UBND"}
    for user in (accounts["editor"], accounts["admin"]):
        with pytest.raises(Rejected) as rejected:
            apply_task_reports(engine, [changed], user=user, source=Source.FORM)
        assert "đã được «quantri» phê duyệt" in messages(rejected)[0]
    # Sent again unchanged, it passes (a file covering a locked year can still be applied for others).
    assert apply_task_reports(engine, [DONE_PLAN], user=accounts["editor"], source=Source.FORM).unchanged == 1
    cycle.reopen(engine, "LAC_PHUONG", 2026, "quantri", "Sửa báo cáo nhiệm vụ")
    assert apply_task_reports(engine, [changed], user=accounts["editor"], source=Source.FORM).updated == 1


def test_a_dry_run_writes_nothing(engine):
    result = apply_task_reports(engine, [DONE_PLAN], user_name="dòng lệnh", source=Source.CLI, dry_run=True)
    assert result.created == 1 and task_reports(engine).empty
