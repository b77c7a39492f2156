"""Localities and plans from files without loss (domain.md, "Localities and plans from files"), and the
store's shape kept: no parent cycles against stored rows, no plan change that would hide readings or
touch an approved year, and an export that imports back after such changes."""

import csv
import shutil

import pandas as pd
import pytest

from kpi.engine.assess import assess
from kpi.files.catalogue import DATA_DIR, add_localities, assign_plan, load_catalog
from kpi.files.export import write_readings
from kpi.files.importer import apply_parsed, parse_file
from kpi.problems import Rejected
from kpi.store import cycle, queries
from kpi.store.accounts import create_user
from kpi.store.db import make_engine
from kpi.store.demo import demo_rows
from kpi.store.readings import apply_readings, input_frame
from kpi.vocabulary import KEY, Source
from tests.shared_data import HAI_PHONG_UNITS

HEADER = "code,name,kind,parent_code,ma_dvhc,plan_code\n"


def units_file(plan: str = "") -> bytes:
    """The 114 units as the README's layout, every plan_code left as given."""
    with HAI_PHONG_UNITS.open(encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    lines = [f"{r['code']},{r['name']},{r['kind']},{r['parent_code']},,{plan}" for r in rows]
    return (HEADER + "\n".join(lines) + "\n").encode()


def plans(engine) -> dict[str, str | None]:
    frame = queries.localities(engine)
    return {code: (plan if isinstance(plan, str) else None) for code, plan in zip(frame["code"], frame["plan_code"])}


def statuses(engine, year=2025) -> pd.DataFrame:
    return assess(engine, year, with_series=False).statuses


def test_the_114_units_with_empty_plan_codes_keep_both_plans_and_every_figure(demo_engine):
    before = statuses(demo_engine)
    changes = add_localities(demo_engine, units_file(), "hai_phong.csv")
    assert plans(demo_engine)["LAC_PHUONG"] == "KH_LAC_PHUONG_2026"
    assert plans(demo_engine)["NHI_CHIEU"] == "KH_171_NHI_CHIEU"
    assert {"LAC_PHUONG", "NHI_CHIEU"} <= set(changes.unchanged)
    assert len(changes.added) == 112 and not changes.updated
    # The new units have no plan and are said to have none; the city, a parent, needs none.
    assert len(changes.without_plan) == 112 and "HAI_PHONG" not in changes.without_plan
    assert "112 địa phương chưa có kế hoạch" in changes.summary()
    after = statuses(demo_engine)
    seeded = after[after["locality_code"].isin(["LAC_PHUONG", "NHI_CHIEU"])]
    assert len(seeded) == len(before[before["locality_code"].isin(["LAC_PHUONG", "NHI_CHIEU"])]) == 14 + 7


def test_a_file_without_the_plan_column_keeps_plans(demo_engine):
    changes = add_localities(demo_engine, "code,name,kind,parent_code\nLAC_PHUONG,xã Lạc Phượng,xã,HAI_PHONG\n".encode(),
                             "x.csv")
    assert changes.unchanged == ("LAC_PHUONG",)
    assert plans(demo_engine)["LAC_PHUONG"] == "KH_LAC_PHUONG_2026"


def test_a_dash_removes_a_plan_and_a_value_sets_one(engine):
    data = (HEADER + "LAC_PHUONG,xã Lạc Phượng,xã,HAI_PHONG,,-\nAN_LAO,xã An Lão,xã,HAI_PHONG,31234,KH_171_NHI_CHIEU\n"
            "AN_HAI,phường An Hải,phường,HAI_PHONG,,\n").encode()
    changes = add_localities(engine, data, "units.csv")
    assert changes.updated == {"LAC_PHUONG": {"plan_code": ("KH_LAC_PHUONG_2026", None)}}
    assert changes.added == ("AN_LAO", "AN_HAI")
    assert set(changes.without_plan) == {"LAC_PHUONG", "AN_HAI"}
    assert plans(engine) == {"HAI_PHONG": None, "LAC_PHUONG": None, "NHI_CHIEU": "KH_171_NHI_CHIEU",
                             "AN_LAO": "KH_171_NHI_CHIEU", "AN_HAI": None}
    assert "LAC_PHUONG (kế hoạch)" in changes.summary()


def test_changes_name_the_fields_and_an_empty_code_keeps_the_administrative_code(engine):
    add_localities(engine, (HEADER + "AN_LAO,xã An Lão,xã,HAI_PHONG,31234,\n").encode(), "a.csv")
    changes = add_localities(engine, (HEADER + "AN_LAO,xã An Lão mới,xã,HAI_PHONG,,\n").encode(), "b.csv")
    assert changes.updated == {"AN_LAO": {"name": ("xã An Lão", "xã An Lão mới")}}
    assert queries.localities(engine).set_index("code").loc["AN_LAO", "ma_dvhc"] == "31234"
    assert "AN_LAO (tên)" in changes.summary()


def test_a_dry_run_reports_the_changes_and_writes_nothing(engine):
    before = queries.localities(engine)
    changes = add_localities(engine, units_file("KH_171_NHI_CHIEU"), "hai_phong.csv", dry_run=True)
    assert len(changes.added) == 112
    assert queries.localities(engine).equals(before)


def test_a_parent_cycle_through_stored_rows_is_refused_and_nothing_written(engine):
    before = queries.localities(engine)
    data = (HEADER + "AN_LAO,xã An Lão,xã,HAI_PHONG,,\nHAI_PHONG,thành phố Hải Phòng,thành phố,LAC_PHUONG,,\n").encode()
    with pytest.raises(Rejected) as rejected:
        add_localities(engine, data, "units.csv")
    [problem] = rejected.value.problems
    assert (problem.row, problem.column) == (3, "parent_code")
    assert "HAI_PHONG → LAC_PHUONG → HAI_PHONG" in problem.message
    assert queries.localities(engine).equals(before)


def test_a_plan_change_that_would_hide_readings_is_refused_naming_the_indicators(demo_engine):
    before = queries.localities(demo_engine)
    data = (HEADER + "AN_LAO,xã An Lão,xã,HAI_PHONG,,\nLAC_PHUONG,xã Lạc Phượng,xã,HAI_PHONG,,KH_171_NHI_CHIEU\n").encode()
    with pytest.raises(Rejected) as rejected:
        add_localities(demo_engine, data, "units.csv")
    [problem] = rejected.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "plan_code", "KH_171_NHI_CHIEU")
    for indicator in ("QPPL_KIEM_TRA", "HOA_GIAI_THANH", "DIEM_NONG_VPPL", "VU_VIEC_VPPL"):
        assert indicator in problem.message
    assert "QPPL_TRINH_TU" not in problem.message
    assert queries.localities(demo_engine).equals(before)
    with pytest.raises(Rejected, match="nằm ngoài kế hoạch"):
        assign_plan(demo_engine, ["NHI_CHIEU"], None)


@pytest.fixture
def wider_plan(engine, tmp_path):
    """The catalogue with one more plan that tracks every indicator: Lạc Phượng's figures all fit it."""
    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir)
    indicators = pd.read_csv(data_dir / "indicators.csv", dtype=str, keep_default_na=False)
    rows = [f'KH_TOAN_DIEN,Kế hoạch toàn diện,{r.code},{r.comparator},{r.target}' for r in indicators.itertuples()]
    with (data_dir / "plans.csv").open("a", encoding="utf-8") as plans_file:
        plans_file.write("\n".join(rows) + "\n")
    load_catalog(engine, data_dir)
    return engine


def test_a_plan_change_is_refused_while_a_year_is_approved(wider_plan, run_cli):
    engine = wider_plan
    assert run_cli("demo").returncode == 0
    create_user(engine, "quantri", "mật khẩu đủ dài 1", "admin")
    cycle.approve(engine, "LAC_PHUONG", 2024, "quantri")
    with pytest.raises(Rejected) as rejected:
        assign_plan(engine, ["LAC_PHUONG", "NHI_CHIEU"], "KH_TOAN_DIEN")
    [problem] = rejected.value.problems
    assert "xã Lạc Phượng" in problem.message and "năm 2024 đã được phê duyệt" in problem.message
    assert plans(engine)["LAC_PHUONG"] == "KH_LAC_PHUONG_2026"
    cycle.reopen(engine, "LAC_PHUONG", 2024, "quantri", "Sửa số liệu")
    changes = assign_plan(engine, ["LAC_PHUONG", "NHI_CHIEU"], "KH_TOAN_DIEN")
    assert set(changes.updated) == {"LAC_PHUONG", "NHI_CHIEU"}
    assert plans(engine)["LAC_PHUONG"] == plans(engine)["NHI_CHIEU"] == "KH_TOAN_DIEN"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_round_trips_after_locality_and_plan_changes(engine, new_database_url, tmp_path, suffix):
    # The demo's figures entered as real ones: a demo figure imported back becomes a real one (updated).
    apply_readings(engine, input_frame(demo_rows()), source=Source.CLI, user_name="dòng lệnh")
    add_localities(engine, units_file(), "hai_phong.csv")
    assign_plan(engine, ["AN_LAO", "AN_HAI"], "KH_171_NHI_CHIEU")
    apply_parsed(engine, parse_file(engine, b"locality_code,indicator_code,year,numerator,denominator,value\n"
                                            b"AN_LAO,QPPL_TRINH_TU,2025,3,4,\n", "an_lao.csv"), user_name="dòng lệnh")
    with pytest.raises(Rejected):
        assign_plan(engine, ["AN_LAO"], None)
    add_localities(engine, (HEADER + "NHI_CHIEU,phường Nhị Chiểu (mới),phường,HAI_PHONG,,\n").encode(), "rename.csv")
    path = tmp_path / f"export{suffix}"
    write_readings(engine, path)

    again = apply_parsed(engine, parse_file(engine, path.read_bytes(), path.name), user_name="dòng lệnh")
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(queries.readings(engine)))

    fresh = make_engine(new_database_url())
    load_catalog(fresh)
    add_localities(fresh, units_file(), "hai_phong.csv")
    assign_plan(fresh, ["AN_LAO", "AN_HAI"], "KH_171_NHI_CHIEU")
    apply_parsed(fresh, parse_file(fresh, path.read_bytes(), path.name), user_name="dòng lệnh")
    columns = [*KEY, "numerator", "denominator", "value", "note"]
    assert queries.readings(fresh, full=True)[columns].equals(queries.readings(engine, full=True)[columns])
    fresh.dispose()
