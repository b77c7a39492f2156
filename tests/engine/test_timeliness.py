"""Deadlines, timeliness in calendar days in Vietnam, and the cycle's counts for a scope."""

import shutil
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from conftest import PROJECT_DIR
from shared_data import HAI_PHONG_UNITS

from kpi.engine import timeliness
from kpi.engine.scope import reporting_cycle
from kpi.files.catalogue import add_localities, assign_plan, load_catalog
from kpi.formatting import name_sort_key
from kpi.store import cycle, queries
from kpi.store.accounts import create_user
from kpi.years import report_due_date, report_due_day

DUE = date(2026, 1, 15)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("state, submitted, approved, on, expected", [
    ("submitted", "2026-01-10 03:00", None, date(2026, 3, 1), ("on_time", 0)),
    # 23:59 on the deadline in Vietnam is 16:59 UTC; a minute later is the next day there.
    ("submitted", "2026-01-15 16:59", None, date(2026, 3, 1), ("on_time", 0)),
    ("submitted", "2026-01-15 17:00", None, date(2026, 3, 1), ("late", 1)),
    ("approved", "2026-01-20 02:00", "2026-02-01 02:00", date(2026, 3, 1), ("late", 5)),
    # Approved without being submitted: judged on the day of the approval.
    ("approved", None, "2026-01-14 02:00", date(2026, 3, 1), ("on_time", 0)),
    ("draft", None, None, date(2026, 1, 15), ("not_due", 0)),
    ("draft", None, None, date(2026, 1, 16), ("overdue", 1)),
    ("returned", None, None, date(2026, 2, 14), ("overdue", 30)),
    ("draft", None, None, date(2025, 6, 1), ("not_due", 0)),
])
def test_judge_counts_calendar_days_in_vietnam(state, submitted, approved, on, expected):
    assert timeliness.judge(state, DUE, submitted and utc(submitted), approved and utc(approved), on) == expected


def test_timeliness_texts():
    assert [timeliness.timeliness_text(code, days) for code, days in
            (("on_time", 0), ("late", 3), ("overdue", 1234), ("not_due", 0))] == [
        "Đúng hạn", "Trễ hạn 3 ngày", "Quá hạn 1.234 ngày", "Chưa đến hạn"]


@pytest.mark.parametrize("text, expected", [(None, date(2026, 1, 15)), ("31/03", date(2026, 3, 31)),
                                            ("1/2", date(2026, 2, 1)), (" 28/02 ", date(2026, 2, 28))])
def test_deadline_of_a_year_is_the_plans_day_of_the_next_year(text, expected):
    assert report_due_date(text, 2025) == expected


@pytest.mark.parametrize("text", ["29/02", "31/04", "15-01", "15/13", "ngày 15", ""])
def test_a_deadline_that_is_not_a_day_of_every_year_is_refused(text):
    with pytest.raises(ValueError, match="Hạn nộp báo cáo"):
        report_due_day(text)


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(PROJECT_DIR / "data", folder)
    return folder


def with_report_due(data_dir, due_by_plan: dict[str, list[str]]) -> None:
    plans = pd.read_csv(data_dir / "plans.csv", dtype=str, keep_default_na=False)
    for plan, values in due_by_plan.items():
        rows = plans.index[plans["plan_code"] == plan]
        plans.loc[rows, "report_due"] = (values * len(rows))[: len(rows)]
    plans.to_csv(data_dir / "plans.csv", index=False)


def test_init_loads_a_plans_deadline_and_reporting_uses_it(engine, data_dir):
    with_report_due(data_dir, {"KH_LAC_PHUONG_2026": ["31/03", ""]})
    load_catalog(engine, data_dir)
    table = timeliness.reporting(engine, 2025, on=date(2026, 2, 1)).set_index("locality_code")
    assert table.loc["LAC_PHUONG", "due"] == date(2026, 3, 31)
    assert table.loc["LAC_PHUONG", "timeliness"] == "not_due"
    assert table.loc["NHI_CHIEU", "due"] == date(2026, 1, 15)
    assert (table.loc["NHI_CHIEU", "timeliness"], table.loc["NHI_CHIEU", "days_late"]) == ("overdue", 17)


@pytest.mark.parametrize("values, message", [(["31/03", "30/04"], "nhiều hạn nộp báo cáo"), (["29/02"], "Hạn nộp")])
def test_a_plan_with_a_bad_or_two_deadlines_is_refused(engine, data_dir, values, message):
    with_report_due(data_dir, {"KH_LAC_PHUONG_2026": values})
    with pytest.raises(ValueError, match=message):
        load_catalog(engine, data_dir)


def test_counts_of_a_scope_and_the_overdue_first(demo_engine):
    engine = demo_engine
    create_user(engine, "quantri", "mật khẩu đủ dài 1", "admin")
    create_user(engine, "canbo", "mật khẩu đủ dài 1", "editor", ["LAC_PHUONG", "NHI_CHIEU"])
    cycle.submit(engine, "LAC_PHUONG", 2025, "canbo")
    on = date(2027, 1, 1)
    table = timeliness.reporting(engine, 2025, "HAI_PHONG", on)
    assert table["locality_code"].tolist() == ["NHI_CHIEU", "LAC_PHUONG"]
    assert table["editors"].tolist() == ["canbo", "canbo"]
    counts = reporting_cycle(engine, 2025, "HAI_PHONG", on)
    assert counts == timeliness.CycleCounts(expected=2, submitted=1, on_time=0, late=1, overdue=1, approved=0,
                                            returned=0)
    cycle.approve(engine, "LAC_PHUONG", 2025, "quantri")
    assert reporting_cycle(engine, 2025, "HAI_PHONG", on).approved == 1
    assert reporting_cycle(engine, 2025, "LAC_PHUONG", on).expected == 1
    assert timeliness.counts_text(2025, reporting_cycle(engine, 2025, None, on)) == (
        "Báo cáo năm 2025: 1/2 địa phương đã nộp (0 đúng hạn, 1 trễ hạn), 1 quá hạn chưa nộp, 1 đã phê duyệt.")


def test_localities_in_the_same_state_come_in_vietnamese_order(engine):
    add_localities(engine, HAI_PHONG_UNITS.read_bytes(), HAI_PHONG_UNITS.name)
    communes = queries.localities(engine).query("parent_code == 'HAI_PHONG'")["code"].tolist()
    assign_plan(engine, communes, "KH_LAC_PHUONG_2026")
    # Nobody submitted 2025: every one overdue by as many days, so the order is the names'.
    table = timeliness.reporting(engine, 2025, "HAI_PHONG", date(2026, 3, 1))
    assert table["days_late"].nunique() == 1
    names = table["locality_name"].tolist()
    assert names == sorted(names, key=name_sort_key)
    assert names.index("phường Chí Linh") < names.index("phường Chu Văn An") < names.index("phường Đông Hải")
