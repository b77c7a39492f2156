"""Rights held by the write path itself: whatever calls apply_readings (the form, a file upload, the
CLI) is refused the same way, the whole batch at once, with nothing written."""

import pandas as pd
import pytest
from sqlalchemy import func, select

from kpi.files.importer import import_file
from kpi.problems import Rejected
from kpi.store import accounts as auth
from kpi.store.accounts import create_user
from kpi.store.db import read_session
from kpi.store.models import ImportBatch, Reading, ReadingRevision
from kpi.store.readings import apply_readings, input_frame
from kpi.store.rights import Rights, rights_of
from kpi.vocabulary import Source

PASSWORD = "mật khẩu đủ dài 1"
OWN = {"locality_code": "LAC_PHUONG", "indicator_code": "HOA_GIAI_THANH", "year": 2024, "numerator": 40, "denominator": 50}
OTHER = {"locality_code": "NHI_CHIEU", "indicator_code": "QPPL_TRINH_TU", "year": 2024, "numerator": 5, "denominator": 5}


@pytest.fixture
def accounts(engine):
    return {
        "viewer": create_user(engine, "xem", PASSWORD, "viewer"),
        "editor": create_user(engine, "bientap", PASSWORD, "editor", ["LAC_PHUONG"]),
        "admin": create_user(engine, "quantri", PASSWORD, "admin"),
    }


def store(engine) -> tuple:
    """Everything a write could have touched."""
    with read_session(engine) as session:
        readings = session.execute(select(Reading.locality_code, Reading.indicator_code, Reading.year,
                                          Reading.numerator, Reading.denominator, Reading.value,
                                          Reading.entered_by)).all()
        counts = [session.execute(select(func.count()).select_from(model)).scalar_one()
                  for model in (ReadingRevision, ImportBatch)]
    return sorted(readings), counts


def uploaded(rows: list[dict]) -> pd.DataFrame:
    """Rows as the file importer hands them over: numbered as in the spreadsheet, header on row 1."""
    frame = input_frame(rows)
    frame["excel_row"] = range(2, len(rows) + 2)
    return frame


PATHS = [
    pytest.param(lambda rows: input_frame(rows), Source.FORM, id="form"),
    pytest.param(uploaded, Source.IMPORT, id="upload"),
]


def test_rights_by_role():
    viewer = Rights("xem", "viewer", True, frozenset())
    editor = Rights("bientap", "editor", True, frozenset({"LAC_PHUONG"}))
    admin = Rights("quantri", "admin", True, frozenset())
    retired = Rights("cu", "admin", False, frozenset())
    assert not viewer.may_write and not viewer.may_administer and viewer.writable(["LAC_PHUONG"]) == []
    assert editor.may_write and not editor.may_administer
    assert editor.writable(["HAI_PHONG", "LAC_PHUONG", "NHI_CHIEU"]) == ["LAC_PHUONG"]
    assert admin.may_administer and admin.writable(["LAC_PHUONG", "NHI_CHIEU"]) == ["LAC_PHUONG", "NHI_CHIEU"]
    assert not retired.may_write and not retired.may_administer and not retired.may_write_locality("LAC_PHUONG")


def test_rights_of_a_logged_in_account(engine, accounts):
    rights = rights_of(auth.authenticate(engine, "bientap", PASSWORD))
    assert rights.may_write_locality("LAC_PHUONG") and not rights.may_write_locality("NHI_CHIEU")


@pytest.mark.parametrize("frame_of, source", PATHS)
def test_a_viewer_cannot_write(engine, accounts, frame_of, source):
    before = store(engine)
    with pytest.raises(Rejected) as rejected:
        apply_readings(engine, frame_of([OWN]), user=accounts["viewer"], source=source)
    assert [str(p) for p in rejected.value.problems] == [
        "Tài khoản «xem» chỉ có quyền xem, không được nhập, sửa hay nhập tệp số liệu."]
    assert store(engine) == before


@pytest.mark.parametrize("frame_of, source", PATHS)
def test_an_editor_cannot_touch_another_locality_and_the_whole_batch_is_refused(engine, accounts, frame_of, source):
    before = store(engine)
    frame = frame_of([OWN, OTHER])
    with pytest.raises(Rejected) as rejected:
        apply_readings(engine, frame, user=accounts["editor"], source=source)
    row = int(frame["excel_row"].iloc[1])
    assert [str(p) for p in rejected.value.problems] == [
        f"Dòng {row}, cột «Mã địa phương» (giá trị «NHI_CHIEU»): Tài khoản «bientap» không được ghi số liệu "
        "của địa phương này; chỉ được ghi cho: LAC_PHUONG."]
    assert store(engine) == before


@pytest.mark.parametrize("frame_of, source", PATHS)
def test_an_editor_writes_its_own_locality_recorded_as_its_own(engine, accounts, frame_of, source):
    result = apply_readings(engine, frame_of([OWN]), user=accounts["editor"], source=source)
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    readings, _ = store(engine)
    assert readings == [("LAC_PHUONG", "HOA_GIAI_THANH", 2024, 40, 50, None, "bientap")]
    with read_session(engine) as session:
        batch = session.get(ImportBatch, result.batch_id)
    assert (batch.user_name, batch.source) == ("bientap", source)


def test_an_admin_writes_any_locality(engine, accounts):
    result = apply_readings(engine, input_frame([OWN, OTHER]), user=accounts["admin"], source=Source.FORM)
    assert result.created == 2
    assert {entered_by for *_, entered_by in store(engine)[0]} == {"quantri"}


def test_rights_problems_come_with_the_other_problems_of_the_file(engine, accounts):
    bad = {**OWN, "numerator": 60}
    with pytest.raises(Rejected) as rejected:
        apply_readings(engine, uploaded([bad, OTHER]), user=accounts["editor"], source=Source.IMPORT)
    assert [(p.row, p.message.split(";")[0]) for p in rejected.value.problems] == [
        (2, "Tử số không được lớn hơn mẫu số."),
        (3, "Tài khoản «bientap» không được ghi số liệu của địa phương này"),
    ]


def test_a_dry_run_is_held_to_the_same_rights(engine, accounts):
    with pytest.raises(Rejected):
        apply_readings(engine, uploaded([OTHER]), user=accounts["editor"], source=Source.IMPORT, dry_run=True)
    assert apply_readings(engine, uploaded([OWN]), user=accounts["editor"], source=Source.IMPORT, dry_run=True).created == 1
    assert store(engine)[0] == []


def test_rights_are_read_when_writing_not_when_logging_in(engine, accounts):
    """A page holding the account from the login is still refused once an admin changed it."""
    editor = accounts["editor"]
    auth.set_role(engine, "bientap", "editor", ["NHI_CHIEU"])
    with pytest.raises(Rejected) as moved:
        apply_readings(engine, input_frame([OWN]), user=editor, source=Source.FORM)
    assert "chỉ được ghi cho: NHI_CHIEU" in str(moved.value)
    auth.disable_user(engine, "bientap")
    with pytest.raises(Rejected) as disabled:
        apply_readings(engine, input_frame([OTHER]), user=editor, source=Source.FORM)
    assert "đã bị vô hiệu hóa" in str(disabled.value)
    assert store(engine)[0] == []


def test_the_system_actor_is_held_to_no_account(engine):
    result = apply_readings(engine, input_frame([OWN, OTHER]), user_name="cli", source=Source.CLI)
    assert result.created == 2
    with pytest.raises(ValueError):
        apply_readings(engine, input_frame([OWN]), source=Source.CLI)


def csv_file(tmp_path, rows: list[dict]):
    path = tmp_path / "so_lieu.csv"
    path.write_text(pd.DataFrame(rows).to_csv(index=False), encoding="utf-8")
    return path


def test_the_importer_is_held_to_the_editors_rights(engine, accounts, tmp_path):
    path = csv_file(tmp_path, [OWN, OTHER])
    with pytest.raises(Rejected) as rejected:
        import_file(engine, path.read_bytes(), path.name, user=accounts["editor"])
    assert [(p.row, p.column, p.value) for p in rejected.value.problems] == [(3, "locality_code", "NHI_CHIEU")]
    assert store(engine)[0] == []


def test_cli_import_with_user_applies_that_users_rights(engine, accounts, tmp_path, run_cli):
    both = csv_file(tmp_path, [OWN, OTHER])
    viewer = run_cli("import", both, "--user", "xem")
    assert viewer.returncode == 1 and "Tài khoản «xem» chỉ có quyền xem" in viewer.stderr
    editor = run_cli("import", both, "--user", "BienTap")
    assert editor.returncode == 1
    assert "Dòng 3, cột «locality_code» (giá trị «NHI_CHIEU»): Tài khoản «bientap» không được ghi" in editor.stderr
    unknown = run_cli("import", both, "--user", "khong_co")
    assert unknown.returncode == 1 and "Không có tài khoản «khong_co»" in unknown.stderr
    assert store(engine)[0] == []

    own = run_cli("import", csv_file(tmp_path, [OWN]), "--user", "bientap")
    assert own.returncode == 0, own.stderr
    assert store(engine)[0] == [("LAC_PHUONG", "HOA_GIAI_THANH", 2024, 40, 50, None, "bientap")]
