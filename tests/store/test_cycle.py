"""Approval locks a locality's figures for a year on every write path until an admin reopens them."""

import pytest
from sqlalchemy import func, select

from kpi.formatting import format_timestamp
from kpi.problems import Rejected
from kpi.store import approvals
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
    state = approvals.approve(engine, "LAC_PHUONG", 2024, "quantri", "Số liệu đã rà soát")
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
    assert approvals.is_locked(engine, "LAC_PHUONG", 2024)
    assert not approvals.is_locked(engine, "LAC_PHUONG", 2023)
    assert not approvals.is_locked(engine, "NHI_CHIEU", 2024)
    current = approvals.approvals(engine, 2024)
    assert current[["locality_code", "locality_name", "year", "approved_by"]].values.tolist() == [
        ["LAC_PHUONG", "xã Lạc Phượng", 2024, "quantri"]]
    assert approvals.approvals(engine, 2023).empty


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
    approvals.reopen(engine, "LAC_PHUONG", 2024, "quantri2", "Sửa số điểm nóng")
    assert not approvals.is_locked(engine, "LAC_PHUONG", 2024)
    result = apply_readings(engine, input_frame([{**LOCKED_2024, "value": 1}]), user=accounts["editor"], source=Source.FORM)
    assert result.updated == 1
    approvals.approve(engine, "LAC_PHUONG", 2024, "quantri")
    assert approvals.is_locked(engine, "LAC_PHUONG", 2024)
    history = approvals.approval_history(engine, "LAC_PHUONG", 2024)
    assert history[["action", "action_label", "user_name", "note"]].astype(object).where(history.notna(), None).values.tolist() == [
        ["approve", "Phê duyệt", "quantri", None],
        ["reopen", "Mở lại", "quantri2", "Sửa số điểm nóng"],
        ["approve", "Phê duyệt", "quantri", "Số liệu đã rà soát"],
    ]
    assert approvals.approval_history(engine, "NHI_CHIEU").empty


@pytest.mark.parametrize("admin_name, expected", [
    ("bientap", "Chỉ quản trị viên đang hoạt động"),
    ("xem", "Chỉ quản trị viên đang hoạt động"),
    ("khong_co", "Chỉ quản trị viên đang hoạt động"),
])
def test_only_an_active_admin_approves_or_reopens(approved, admin_name, expected):
    engine, _, _ = approved
    for action, year in ((approvals.approve, 2023), (approvals.reopen, 2024)):
        with pytest.raises(Rejected) as rejected:
            action(engine, "LAC_PHUONG", year, admin_name)
        assert expected in str(rejected.value)
    assert approvals.is_locked(engine, "LAC_PHUONG", 2024) and not approvals.is_locked(engine, "LAC_PHUONG", 2023)


def test_a_disabled_admin_can_no_longer_approve(approved):
    engine, _, _ = approved
    disable_user(engine, "quantri2")
    with pytest.raises(Rejected):
        approvals.approve(engine, "LAC_PHUONG", 2023, "quantri2")


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
        approvals.approve(engine, locality, year, "quantri")
    assert expected in str(rejected.value)
    assert len(approvals.approval_history(engine)) == 1


def test_what_is_not_approved_cannot_be_reopened(approved):
    engine, _, _ = approved
    with pytest.raises(Rejected) as rejected:
        approvals.reopen(engine, "NHI_CHIEU", 2024, "quantri")
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

    reopened = run_cli("reopen", "--locality", "NHI_CHIEU", "--year", "2024", "--user", "quantri")
    assert reopened.returncode == 0, reopened.stderr
    assert not approvals.is_locked(engine, "NHI_CHIEU", 2024)

    history = run_cli("approvals", "--locality", "NHI_CHIEU")
    lines = history.stdout.splitlines()
    assert len(lines) == 2
    assert "Mở lại: năm 2024, phường Nhị Chiểu (NHI_CHIEU), bởi «quantri»" in lines[0]
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
