"""The reporting cycle: approval locks a locality's figures for a year on every write path until an admin
reopens them; a submitted year is read-only for editors; submit, return, approve (one or many) and reopen
keep who, when and why."""

import pytest
from sqlalchemy import func, select

from kpi.formatting import format_timestamp
from kpi.problems import Rejected
from kpi.store import cycle
from kpi.store.accounts import create_user, disable_user, get_account
from kpi.store.db import read_session
from kpi.store.models import ImportBatch, Reading, ReadingRevision
from kpi.store.readings import apply_readings, input_frame
from kpi.vocabulary import Source
from kpi.years import current_year

PASSWORD = "mật khẩu đủ dài 1"
LOCKED_2024 = {"locality_code": "LAC_PHUONG", "indicator_code": "DIEM_NONG_VPPL", "year": 2024, "value": 0}
SAME_LOCALITY_2023 = {**LOCKED_2024, "year": 2023, "value": 3}
OTHER_LOCALITY_2024 = {"locality_code": "NHI_CHIEU", "indicator_code": "KH_THEO_DOI_THPL", "year": 2024, "value": 1}


@pytest.fixture
def approved(demo_engine):
    """Demo figures, an editor and two admins; LAC_PHUONG 2024 approved by «quantri»."""
    engine = demo_engine
    create_user(engine, "quantri", PASSWORD, "admin")
    create_user(engine, "quantri2", PASSWORD, "admin")
    accounts = {"editor": create_user(engine, "bientap", PASSWORD, "editor", ["LAC_PHUONG", "NHI_CHIEU"]),
                "viewer": create_user(engine, "xem", PASSWORD, "viewer")}
    state = cycle.approve(engine, "LAC_PHUONG", 2024, "quantri", "Số liệu đã rà soát")
    return engine, accounts, state


def store(engine) -> tuple:
    with read_session(engine) as session:
        readings = session.execute(select(Reading.locality_code, Reading.indicator_code, Reading.year,
                                          Reading.numerator, Reading.denominator, Reading.value,
                                          Reading.note, Reading.entered_by)).all()
        counts = [session.execute(select(func.count()).select_from(model)).scalar_one()
                  for model in (ReadingRevision, ImportBatch)]
    return sorted(readings, key=str), counts


def locked_text(state) -> str:
    return (f"Số liệu năm 2024 của xã Lạc Phượng (LAC_PHUONG) đã được «quantri» phê duyệt lúc "
            f"{format_timestamp(state.approved_at)} nên không sửa được; cần quản trị viên mở lại phê duyệt trước.")


def test_approving_locks_that_locality_and_year_only(approved):
    engine, _, state = approved
    assert (state.locality_code, state.year, state.approved_by) == ("LAC_PHUONG", 2024, "quantri")
    assert cycle.is_locked(engine, "LAC_PHUONG", 2024)
    assert not cycle.is_locked(engine, "LAC_PHUONG", 2023)
    assert not cycle.is_locked(engine, "NHI_CHIEU", 2024)
    current = cycle.approvals(engine, 2024)
    assert current[["locality_code", "locality_name", "year", "approved_by"]].values.tolist() == [
        ["LAC_PHUONG", "xã Lạc Phượng", 2024, "quantri"]]
    assert cycle.approvals(engine, 2023).empty


@pytest.mark.parametrize("source, first_row", [(Source.FORM, 1), (Source.IMPORT, 2)])
def test_an_editor_cannot_change_a_locked_year_and_the_whole_batch_is_refused(approved, source, first_row):
    engine, accounts, state = approved
    before = store(engine)
    frame = input_frame([SAME_LOCALITY_2023, OTHER_LOCALITY_2024, LOCKED_2024])
    frame["excel_row"] = range(first_row, first_row + 3)
    with pytest.raises(Rejected) as rejected:
        apply_readings(engine, frame, user=accounts["editor"], source=source)
    assert [str(p) for p in rejected.value.problems] == [
        f"Dòng {first_row + 2}, cột «Năm» (giá trị «2024»): {locked_text(state)}"]
    assert store(engine) == before


@pytest.mark.parametrize("who", [{"user_name": "cli"}, {"user_name": "demo"}, "admin"])
def test_locks_hold_for_admins_and_system_actors_too(approved, who):
    engine, _, _ = approved
    actor = {"user": get_account(engine, "quantri")} if who == "admin" else who
    before = store(engine)
    with pytest.raises(Rejected):
        apply_readings(engine, input_frame([LOCKED_2024]), source=Source.CLI, **actor)
    assert store(engine) == before


def test_a_changed_note_counts_as_a_change_but_figures_sent_again_unchanged_pass(approved):
    engine, accounts, _ = approved
    stored = next(r for r in store(engine)[0] if r[:3] == ("LAC_PHUONG", "DIEM_NONG_VPPL", 2024))
    same = {**LOCKED_2024, "value": stored[5], "note": stored[6]}
    # The demo loader wrote these figures; sending them again as demo changes nothing.
    result = apply_readings(engine, input_frame([same]), user_name="demo", source=Source.DEMO, is_demo=True)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    with pytest.raises(Rejected):
        apply_readings(engine, input_frame([{**same, "note": "sửa ghi chú"}]), user=accounts["editor"], source=Source.FORM)


def test_a_dry_run_reports_the_lock(approved):
    engine, accounts, state = approved
    with pytest.raises(Rejected) as rejected:
        apply_readings(engine, input_frame([LOCKED_2024]), user=accounts["editor"], source=Source.IMPORT, dry_run=True)
    assert locked_text(state) in str(rejected.value)


def test_reopening_unlocks_and_both_go_into_the_history(approved):
    engine, accounts, _ = approved
    cycle.reopen(engine, "LAC_PHUONG", 2024, "quantri2", "Sửa số điểm nóng")
    assert not cycle.is_locked(engine, "LAC_PHUONG", 2024)
    result = apply_readings(engine, input_frame([{**LOCKED_2024, "value": 1}]), user=accounts["editor"], source=Source.FORM)
    assert result.updated == 1
    cycle.approve(engine, "LAC_PHUONG", 2024, "quantri")
    assert cycle.is_locked(engine, "LAC_PHUONG", 2024)
    history = cycle.history(engine, "LAC_PHUONG", 2024)
    assert history[["action", "action_label", "user_name", "note"]].astype(object).where(history.notna(), None).values.tolist() == [
        ["approve", "Phê duyệt", "quantri", None],
        ["reopen", "Mở lại", "quantri2", "Sửa số điểm nóng"],
        ["approve", "Phê duyệt", "quantri", "Số liệu đã rà soát"],
    ]
    assert cycle.history(engine, "NHI_CHIEU").empty


@pytest.mark.parametrize("admin_name, expected", [
    ("bientap", "Chỉ quản trị viên đang hoạt động"),
    ("xem", "Chỉ quản trị viên đang hoạt động"),
    ("khong_co", "Chỉ quản trị viên đang hoạt động"),
])
def test_only_an_active_admin_approves_or_reopens(approved, admin_name, expected):
    engine, _, _ = approved
    for action, year in ((cycle.approve, 2023), (cycle.reopen, 2024)):
        with pytest.raises(Rejected) as rejected:
            action(engine, "LAC_PHUONG", year, admin_name, "Lý do")
        assert expected in str(rejected.value)
    assert cycle.is_locked(engine, "LAC_PHUONG", 2024) and not cycle.is_locked(engine, "LAC_PHUONG", 2023)


def test_a_disabled_admin_can_no_longer_approve(approved):
    engine, _, _ = approved
    disable_user(engine, "quantri2")
    with pytest.raises(Rejected):
        cycle.approve(engine, "LAC_PHUONG", 2023, "quantri2")


@pytest.mark.parametrize("locality, year, expected", [
    ("LAC_PHUONG", 2024, "đã được «quantri» phê duyệt lúc"),
    ("HA_NOI", 2024, "Không có địa phương với mã «HA_NOI»"),
    ("HAI_PHONG", 2024, "thành phố Hải Phòng không có kế hoạch"),
    ("LAC_PHUONG", 2014, "Năm 2014 không hợp lệ"),
    ("LAC_PHUONG", current_year() + 1, "không hợp lệ"),
])
def test_what_cannot_be_approved(approved, locality, year, expected):
    engine, _, _ = approved
    with pytest.raises(Rejected) as rejected:
        cycle.approve(engine, locality, year, "quantri")
    assert expected in str(rejected.value)
    assert len(cycle.history(engine)) == 1


def test_what_is_not_approved_cannot_be_reopened(approved):
    engine, _, _ = approved
    with pytest.raises(Rejected) as rejected:
        cycle.reopen(engine, "NHI_CHIEU", 2024, "quantri", "Lý do")
    assert "chưa được phê duyệt" in str(rejected.value)


def test_cli_approve_lock_reopen_and_history(approved, run_cli):
    engine, accounts, _ = approved
    refused = run_cli("approve", "--locality", "NHI_CHIEU", "--year", "2024", "--user", "bientap")
    assert refused.returncode == 1 and "Chỉ quản trị viên" in refused.stderr

    done = run_cli("approve", "--locality", "NHI_CHIEU", "--year", "2024", "--user", "quantri2", "--note", "Đủ số liệu")
    assert done.returncode == 0, done.stderr
    assert "Đã phê duyệt số liệu năm 2024 của NHI_CHIEU" in done.stdout
    with pytest.raises(Rejected):
        apply_readings(engine, input_frame([OTHER_LOCALITY_2024 | {"value": 0}]), user=accounts["editor"], source=Source.FORM)

    without_reason = run_cli("reopen", "--locality", "NHI_CHIEU", "--year", "2024", "--user", "quantri")
    assert without_reason.returncode == 1 and "Phải ghi lý do mở lại" in without_reason.stderr
    assert cycle.is_locked(engine, "NHI_CHIEU", 2024)
    reopened = run_cli("reopen", "--locality", "NHI_CHIEU", "--year", "2024", "--user", "quantri", "--reason", "Sửa")
    assert reopened.returncode == 0, reopened.stderr
    assert not cycle.is_locked(engine, "NHI_CHIEU", 2024)

    history = run_cli("approvals", "--locality", "NHI_CHIEU")
    lines = history.stdout.splitlines()
    assert len(lines) == 2
    assert "Mở lại: năm 2024, phường Nhị Chiểu (NHI_CHIEU), bởi «quantri» — Sửa" in lines[0]
    assert "Phê duyệt: năm 2024, phường Nhị Chiểu (NHI_CHIEU), bởi «quantri2» — Đủ số liệu" in lines[1]


def test_cli_import_cannot_change_a_locked_year_with_or_without_user(approved, run_cli, tmp_path):
    engine, _, state = approved
    before = store(engine)
    path = tmp_path / "so_lieu.csv"
    path.write_text("Mã địa phương,Mã chỉ tiêu,Năm,Giá trị\nLAC_PHUONG,DIEM_NONG_VPPL,2023,5\n"
                    "LAC_PHUONG,DIEM_NONG_VPPL,2024,3\n", encoding="utf-8")
    for user in (["--user", "bientap"], []):
        refused = run_cli("import", path, *user)
        assert refused.returncode == 1
        assert f"Dòng 3, cột «Năm» (giá trị «2024»): {locked_text(state)}" in refused.stderr
    assert store(engine) == before


# --- Submit, return, approve many, reopen, and what an editor may write meanwhile ------------------------------

NC_2025 = {"locality_code": "NHI_CHIEU", "indicator_code": "TGPL_DUOC_TRO_GIUP", "year": 2025, "numerator": 0,
           "denominator": 0}


@pytest.fixture
def cycle_accounts(demo_engine):
    """Demo figures (NHI_CHIEU 2025 lacks TGPL_DUOC_TRO_GIUP; LAC_PHUONG 2025 is complete), an admin, an
    editor of each locality, a viewer."""
    engine = demo_engine
    return engine, {
        "admin": create_user(engine, "quantri", PASSWORD, "admin"),
        "lp": create_user(engine, "canbo_lp", PASSWORD, "editor", ["LAC_PHUONG"]),
        "nc": create_user(engine, "canbo_nc", PASSWORD, "editor", ["NHI_CHIEU"]),
        "viewer": create_user(engine, "xem", PASSWORD, "viewer"),
    }


def refused(action, *args, **kwargs) -> str:
    with pytest.raises(Rejected) as rejected:
        action(*args, **kwargs)
    return " ".join(problem.message for problem in rejected.value.problems)


def test_submit_is_refused_with_the_missing_indicators_named_then_accepted_once_complete(cycle_accounts):
    engine, accounts = cycle_accounts
    message = refused(cycle.submit, engine, "NHI_CHIEU", 2025, "canbo_nc")
    assert "còn 1 chỉ tiêu chưa có số liệu: «Người thuộc diện trợ giúp pháp lý được trợ giúp khi có yêu cầu»" in message
    assert cycle.state_of(engine, "NHI_CHIEU", 2025).state == "draft"
    # "Không phát sinh" (denominator 0) counts as a reading.
    apply_readings(engine, input_frame([NC_2025]), user=accounts["nc"], source=Source.FORM)
    state = cycle.submit(engine, "NHI_CHIEU", 2025, "canbo_nc")
    assert (state.state, state.submitted_by) == ("submitted", "canbo_nc")
    assert "không nộp lại được" in refused(cycle.submit, engine, "NHI_CHIEU", 2025, "quantri")


@pytest.mark.parametrize("user, expected", [
    ("canbo_lp", "không phụ trách địa phương «NHI_CHIEU»"),
    ("xem", "chỉ có quyền xem, không được nộp báo cáo"),
    ("khong_co", "Không có tài khoản «khong_co»"),
])
def test_only_the_localitys_editors_and_admins_submit(cycle_accounts, user, expected):
    engine, accounts = cycle_accounts
    apply_readings(engine, input_frame([NC_2025]), user=accounts["admin"], source=Source.FORM)
    assert expected in refused(cycle.submit, engine, "NHI_CHIEU", 2025, user)
    assert cycle.history(engine).empty


def test_a_submitted_year_is_read_only_for_editors_by_form_and_file_but_an_admin_corrects_it(cycle_accounts):
    engine, accounts = cycle_accounts
    cycle.submit(engine, "LAC_PHUONG", 2025, "canbo_lp")
    before = store(engine)
    change = {"locality_code": "LAC_PHUONG", "indicator_code": "DIEM_NONG_VPPL", "year": 2025, "value": 7}
    for source in (Source.FORM, Source.IMPORT):
        message = refused(apply_readings, engine, input_frame([change]), user=accounts["lp"], source=source)
        assert "đã được «canbo_lp» nộp lúc" in message and "trả lại" in message
    assert store(engine) == before
    # Another year of the same locality stays open to its editor.
    apply_readings(engine, input_frame([{**change, "year": 2024}]), user=accounts["lp"], source=Source.FORM)
    # An admin may still correct the submitted year; the correction is recorded as the admin's.
    result = apply_readings(engine, input_frame([change]), user=accounts["admin"], source=Source.FORM)
    assert result.updated == 1
    assert ("LAC_PHUONG", "DIEM_NONG_VPPL", 2025, None, None, 7, None, "quantri") in store(engine)[0]


def test_write_refusals_is_the_one_answer_for_rights_and_the_cycle(cycle_accounts):
    engine, accounts = cycle_accounts
    cycle.submit(engine, "LAC_PHUONG", 2025, "canbo_lp")
    cycle.approve(engine, "LAC_PHUONG", 2024, "quantri")
    keys = [("LAC_PHUONG", 2025), ("LAC_PHUONG", 2024), ("LAC_PHUONG", 2023), ("NHI_CHIEU", 2025)]
    with read_session(engine) as session:
        answers = {user: {key: refusal.about for key, refusal in cycle.write_refusals(session, user, keys).items()}
                   for user in ("canbo_lp", "quantri", None, "xem")}
    assert answers["canbo_lp"] == {("LAC_PHUONG", 2025): "year", ("LAC_PHUONG", 2024): "year",
                                   ("NHI_CHIEU", 2025): "locality"}
    assert answers["quantri"] == answers[None] == {("LAC_PHUONG", 2024): "year"}
    assert set(answers["xem"].values()) == {"account"} and len(answers["xem"]) == 4


def test_return_needs_a_submitted_year_an_admin_and_a_reason_and_reopens_it_to_its_editors(cycle_accounts):
    engine, accounts = cycle_accounts
    assert "chưa được nộp, không có gì để trả lại" in refused(cycle.return_year, engine, "LAC_PHUONG", 2025,
                                                              "quantri", "Sai")
    cycle.submit(engine, "LAC_PHUONG", 2025, "canbo_lp")
    assert "Chỉ quản trị viên" in refused(cycle.return_year, engine, "LAC_PHUONG", 2025, "canbo_lp", "Sai")
    assert "Phải ghi lý do trả lại" in refused(cycle.return_year, engine, "LAC_PHUONG", 2025, "quantri", "   ")
    state = cycle.return_year(engine, "LAC_PHUONG", 2025, "quantri", "Số vụ việc VPPL chưa khớp với Công an xã")
    assert (state.state, state.reason, state.submitted_at) == ("returned", "Số vụ việc VPPL chưa khớp với Công an xã", None)
    assert "đang chờ địa phương nộp lại" in refused(cycle.return_year, engine, "LAC_PHUONG", 2025, "quantri", "Sai")
    # Editable like a draft, and submitted again.
    change = {"locality_code": "LAC_PHUONG", "indicator_code": "VU_VIEC_VPPL", "year": 2025, "value": 21}
    assert apply_readings(engine, input_frame([change]), user=accounts["lp"], source=Source.FORM).updated == 1
    assert cycle.submit(engine, "LAC_PHUONG", 2025, "canbo_lp").reason is None
    history = cycle.history(engine, "LAC_PHUONG", 2025)
    assert history[["action", "from_state", "user_name"]].values.tolist() == [
        ["submit", "returned", "canbo_lp"], ["return", "submitted", "quantri"], ["submit", "draft", "canbo_lp"]]


def test_bulk_approval_approves_only_the_selected_and_all_or_nothing(cycle_accounts, new_database_url):
    engine, accounts = cycle_accounts
    apply_readings(engine, input_frame([NC_2025]), user=accounts["admin"], source=Source.FORM)
    cycle.submit(engine, "LAC_PHUONG", 2025, "canbo_lp")
    cycle.submit(engine, "NHI_CHIEU", 2025, "canbo_nc")
    approved = cycle.approve_many(engine, 2025, ["NHI_CHIEU"], "quantri", "Đợt 1")
    assert [s.locality_code for s in approved] == ["NHI_CHIEU"]
    assert cycle.is_locked(engine, "NHI_CHIEU", 2025) and cycle.state_of(engine, "LAC_PHUONG", 2025).state == "submitted"
    # One already approved in the selection: nothing is approved, and the reason names it.
    message = refused(cycle.approve_many, engine, 2025, ["LAC_PHUONG", "NHI_CHIEU"], "quantri", None)
    assert "phường Nhị Chiểu đã được «quantri» phê duyệt" in message
    assert cycle.state_of(engine, "LAC_PHUONG", 2025).state == "submitted"
    assert "Chưa chọn địa phương nào" in refused(cycle.approve_many, engine, 2025, [], "quantri", None)


def test_approving_a_draft_is_recorded_as_such_and_reopen_needs_a_reason(cycle_accounts):
    engine, _ = cycle_accounts
    state = cycle.approve(engine, "LAC_PHUONG", 2023, "quantri")
    assert (state.state, state.submitted_at) == ("approved", None)
    assert cycle.history(engine, "LAC_PHUONG", 2023)["from_state"].tolist() == ["draft"]
    assert "không nộp lại được" in refused(cycle.submit, engine, "LAC_PHUONG", 2023, "canbo_lp")
    assert "mở lại phê duyệt" in refused(cycle.return_year, engine, "LAC_PHUONG", 2023, "quantri", "Sai")
    assert "Phải ghi lý do mở lại" in refused(cycle.reopen, engine, "LAC_PHUONG", 2023, "quantri", "")
    reopened = cycle.reopen(engine, "LAC_PHUONG", 2023, "quantri", "Bổ sung số liệu hộ tịch")
    assert (reopened.state, reopened.reason, reopened.approved_at) == ("draft", "Bổ sung số liệu hộ tịch", None)


def test_cli_submit_and_return_exit_codes_and_vietnamese_refusals(cycle_accounts, run_cli):
    engine, _ = cycle_accounts
    incomplete = run_cli("submit", "--locality", "NHI_CHIEU", "--year", "2025", "--user", "canbo_nc")
    assert incomplete.returncode == 1 and "còn 1 chỉ tiêu chưa có số liệu" in incomplete.stderr
    draft = run_cli("return", "--locality", "LAC_PHUONG", "--year", "2025", "--user", "quantri", "--reason", "Sai")
    assert draft.returncode == 1 and "chưa được nộp, không có gì để trả lại" in draft.stderr
    done = run_cli("submit", "--locality", "LAC_PHUONG", "--year", "2025", "--user", "canbo_lp")
    assert done.returncode == 0, done.stderr
    assert "Đã nộp báo cáo năm 2025 của LAC_PHUONG («canbo_lp»" in done.stdout and "hạn nộp 15/01/2026" in done.stdout
    twice = run_cli("submit", "--locality", "LAC_PHUONG", "--year", "2025", "--user", "canbo_lp")
    assert twice.returncode == 1 and "không nộp lại được" in twice.stderr
    as_editor = run_cli("return", "--locality", "LAC_PHUONG", "--year", "2025", "--user", "canbo_lp", "--reason", "x")
    assert as_editor.returncode == 1 and "Chỉ quản trị viên" in as_editor.stderr
    approve_as_editor = run_cli("approve", "--locality", "LAC_PHUONG", "--year", "2025", "--user", "canbo_lp")
    assert approve_as_editor.returncode == 1 and "Chỉ quản trị viên" in approve_as_editor.stderr
    no_reason = run_cli("return", "--locality", "LAC_PHUONG", "--year", "2025", "--user", "quantri")
    assert no_reason.returncode == 2 and "thiếu tham số bắt buộc" in no_reason.stderr
    returned = run_cli("return", "--locality", "LAC_PHUONG", "--year", "2025", "--user", "quantri",
                       "--reason", "Thiếu ghi chú")
    assert returned.returncode == 0, returned.stderr
    assert cycle.state_of(engine, "LAC_PHUONG", 2025).reason == "Thiếu ghi chú"


def test_cli_import_of_a_submitted_year_is_refused_to_its_editor(cycle_accounts, run_cli, tmp_path):
    engine, _ = cycle_accounts
    cycle.submit(engine, "LAC_PHUONG", 2025, "canbo_lp")
    before = store(engine)
    path = tmp_path / "so_lieu.csv"
    path.write_text("Mã địa phương,Mã chỉ tiêu,Năm,Giá trị\nLAC_PHUONG,DIEM_NONG_VPPL,2025,9\n", encoding="utf-8")
    editor = run_cli("import", path, "--user", "canbo_lp")
    assert editor.returncode == 1 and "Dòng 2, cột «Năm» (giá trị «2025»)" in editor.stderr
    assert "đã được «canbo_lp» nộp lúc" in editor.stderr
    assert store(engine) == before
    assert run_cli("import", path, "--user", "quantri").returncode == 0
