"""The data version: every write path raises it in its own transaction; a refused write or a read does not."""

import pytest

from kpi.files.catalogue import add_localities, assign_plan, load_catalog
from kpi.problems import Rejected
from kpi.store import accounts, cycle, version
from kpi.store.demo import load_demo
from kpi.store.readings import apply_readings, delete_demo, input_frame
from kpi.vocabulary import Source

PASSWORD = "mật khẩu đủ dài 1"
ROW = {"locality_code": "LAC_PHUONG", "indicator_code": "DIEM_NONG_VPPL", "year": 2023, "value": 7}
LOCKED = {**ROW, "year": 2024}
NEW_UNIT = "code,name,kind,parent_code,ma_dvhc,plan_code\nAN_LAO,xã An Lão,xã,HAI_PHONG,,\n".encode()


def write_reading(engine, **options):
    return apply_readings(engine, input_frame([ROW]), source=Source.CLI, user_name="dòng lệnh", **options)


WRITES = {
    "reading": lambda engine: write_reading(engine),
    "demo": load_demo,
    "demo removed": delete_demo,
    "approval": lambda engine: cycle.approve(engine, "NHI_CHIEU", 2024, "quantri"),
    "reopening": lambda engine: cycle.reopen(engine, "LAC_PHUONG", 2024, "quantri", "Sửa số liệu"),
    "localities file": lambda engine: add_localities(engine, NEW_UNIT, "units.csv"),
    "plan assigned": lambda engine: assign_plan(engine, ["HAI_PHONG"], "KH_171_NHI_CHIEU"),
    "catalogue": load_catalog,
    "account created": lambda engine: accounts.create_user(engine, "canbo", PASSWORD, "viewer"),
    "role": lambda engine: accounts.set_role(engine, "bientap", "viewer"),
    "password": lambda engine: accounts.set_password(engine, "bientap", PASSWORD + "2"),
    "disabled": lambda engine: accounts.disable_user(engine, "bientap"),
    "enabled": lambda engine: accounts.enable_user(engine, "bientap"),
}
REFUSED = {
    "reading outside the plan": lambda engine: apply_readings(
        engine, input_frame([{**ROW, "locality_code": "NHI_CHIEU"}]), source=Source.CLI, user_name="dòng lệnh"),
    "locked reading": lambda engine: apply_readings(engine, input_frame([LOCKED]), source=Source.FORM,
                                                    user=accounts.get_account(engine, "quantri")),
    "approval twice": lambda engine: cycle.approve(engine, "LAC_PHUONG", 2024, "quantri"),
    "cycle": lambda engine: add_localities(
        engine, "code,name,kind,parent_code\nHAI_PHONG,thành phố Hải Phòng,thành phố,LAC_PHUONG\n".encode(), "x.csv"),
    "plan change under readings": lambda engine: assign_plan(engine, ["LAC_PHUONG"], "KH_171_NHI_CHIEU"),
    "short password": lambda engine: accounts.create_user(engine, "canbo", "ngắn", "viewer"),
}


@pytest.fixture
def store(demo_engine):
    accounts.create_user(demo_engine, "quantri", PASSWORD, "admin")
    accounts.create_user(demo_engine, "bientap", PASSWORD, "editor", ["LAC_PHUONG"])
    cycle.approve(demo_engine, "LAC_PHUONG", 2024, "quantri")
    return demo_engine


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_path_raises_the_version(store, write):
    before = version.current(store)
    WRITES[write](store)
    assert version.current(store) > before


@pytest.mark.parametrize("write", list(REFUSED))
def test_a_refused_write_leaves_the_version(store, write):
    before = version.current(store)
    with pytest.raises(Rejected):
        REFUSED[write](store)
    assert version.current(store) == before


def test_dry_runs_and_unchanged_localities_leave_the_version(store):
    before = version.current(store)
    write_reading(store, dry_run=True)
    add_localities(store, NEW_UNIT, "units.csv", dry_run=True)
    assign_plan(store, ["LAC_PHUONG"], "KH_LAC_PHUONG_2026")
    assert version.current(store) == before
