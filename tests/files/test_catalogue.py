import csv

import pytest
from sqlalchemy import delete, func, select
from sqlmodel import Session

from kpi.files.catalogue import add_localities, load_catalog
from kpi.problems import Rejected
from kpi.store import queries
from kpi.store.db import write_session
from kpi.store.models import Indicator, Locality, PlanTarget
from tests.shared_data import HAI_PHONG_UNITS

UNITS = HAI_PHONG_UNITS
HEADER = "code,name,kind,parent_code,ma_dvhc,plan_code\n"


def table_counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {model.__name__: session.scalar(select(func.count()).select_from(model))
                for model in (Indicator, Locality, PlanTarget)}


def test_catalogue_matches_the_spec(engine):
    indicators = queries.indicators(engine)
    assert len(indicators) == 15
    assert indicators.set_index("code").loc["HOA_GIAI_THANH", "target"] == 80
    assert indicators.set_index("code").loc["VU_VIEC_VPPL", "comparator"] == "decrease"
    targets = queries.plan_targets(engine)
    assert len(targets[targets["plan_code"] == "KH_LAC_PHUONG_2026"]) == 14
    assert len(targets[targets["plan_code"] == "KH_171_NHI_CHIEU"]) == 7
    plans = queries.plans(engine).set_index("code")
    assert "171/KH-UBND" in plans.loc["KH_171_NHI_CHIEU", "title"]
    localities = queries.localities(engine).set_index("code")
    assert localities.loc["LAC_PHUONG", "name"] == "xã Lạc Phượng"
    assert localities.loc["NHI_CHIEU", "parent_code"] == "HAI_PHONG"


def test_init_is_safe_to_repeat(engine):
    before = table_counts(engine)
    load_catalog(engine)
    load_catalog(engine)
    assert table_counts(engine) == before


def test_loading_the_catalogue_again_keeps_localities_changed_by_a_file(engine):
    data = (HEADER + "LAC_PHUONG,xã Lạc Phượng (mới),xã,HAI_PHONG,,KH_171_NHI_CHIEU\n").encode()
    add_localities(engine, data, "units.csv")
    load_catalog(engine)
    localities = queries.localities(engine).set_index("code")
    assert localities.loc["LAC_PHUONG", "name"] == "xã Lạc Phượng (mới)"
    assert localities.loc["LAC_PHUONG", "plan_code"] == "KH_171_NHI_CHIEU"


def test_loading_the_catalogue_adds_bundled_localities_that_are_missing(engine):
    with write_session(engine) as session:
        session.execute(delete(Locality).where(Locality.code == "LAC_PHUONG"))
    load_catalog(engine)
    assert "LAC_PHUONG" in set(queries.localities(engine)["code"])


def test_localities_file_adds_and_updates(engine):
    data = (HEADER + "HAI_PHONG,thành phố Hải Phòng,thành phố,,,\n"
            "LAC_PHUONG,xã Lạc Phượng (mới),xã,HAI_PHONG,,KH_LAC_PHUONG_2026\n"
            "AN_LAO,xã An Lão,xã,HAI_PHONG,,KH_LAC_PHUONG_2026\n").encode()
    changes = add_localities(engine, data, "units.csv")
    assert (changes.added, list(changes.updated), changes.unchanged) == (("AN_LAO",), ["LAC_PHUONG"], ("HAI_PHONG",))
    localities = queries.localities(engine).set_index("code")
    assert localities.loc["LAC_PHUONG", "name"] == "xã Lạc Phượng (mới)"
    assert localities.loc["AN_LAO", "plan_code"] == "KH_LAC_PHUONG_2026"


@pytest.mark.parametrize(
    ("body", "row", "column"),
    [
        ("bad code,xã A,xã,HAI_PHONG,,\n", 2, "code"),
        ("A,,xã,HAI_PHONG,,\n", 2, "name"),
        ("A,xã A,làng,HAI_PHONG,,\n", 2, "kind"),
        ("A,xã A,xã,NOWHERE,,\n", 2, "parent_code"),
        ("A,xã A,xã,HAI_PHONG,,NO_PLAN\n", 2, "plan_code"),
        ("A,xã A,xã,HAI_PHONG,,\nA,xã A,xã,HAI_PHONG,,\n", 3, "code"),
        ("A,xã A,xã,B,,\nB,xã B,xã,A,,\n", 2, "parent_code"),
    ],
)
def test_a_bad_localities_file_writes_nothing(engine, body, row, column):
    before = queries.localities(engine)
    data = (HEADER + "OK_UNIT,xã Hợp Lệ,xã,HAI_PHONG,,\n" + body).encode()
    with pytest.raises(Rejected) as rejected:
        add_localities(engine, data, "units.csv")
    assert any(p.row == row + 1 and p.column == column for p in rejected.value.problems), rejected.value.problems
    assert queries.localities(engine).equals(before)


def test_a_localities_file_without_the_columns_is_refused(engine):
    with pytest.raises(Rejected) as rejected:
        add_localities(engine, "ma,ten\nA,xã A\n".encode(), "units.csv")
    assert "Thiếu cột" in str(rejected.value)


def test_the_real_114_units_load_with_tone_marks_kept_apart(engine, tmp_path):
    with UNITS.open(encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    lines = [HEADER.strip()] + [f"{r['code']},{r['name']},{r['kind']},{r['parent_code']},,KH_LAC_PHUONG_2026" for r in rows]
    changes = add_localities(engine, "\n".join(lines).encode(), "hai_phong.csv")
    assert len(changes.added) + len(changes.updated) + len(changes.unchanged) == 114
    names = queries.localities(engine).set_index("code")["name"]
    assert names["CAM_GIANG"] != names["CAM_GIANG_2"]
    assert len(names) == 115
