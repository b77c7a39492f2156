"""Tasks due in a year, judged on a fixed day: periods, overdue and roll-ups."""

from datetime import date

import pytest
from shared_data import HAI_PHONG_UNITS

from kpi.engine.tasks import by_lead, by_locality, counts, scope_items
from kpi.files.catalogue import add_localities, assign_plan
from kpi.formatting import name_sort_key
from kpi.periods import due_problem, periods
from kpi.store import queries
from kpi.store.tasks import apply_task_reports
from kpi.vocabulary import Source


@pytest.mark.parametrize(("schedule", "due", "year", "expected"), [
    ("once", "30/06/2026", 2026, [("2026", date(2026, 6, 30))]),
    ("once", "31/12/2028", 2026, []),
    ("yearly", "31/03", 2027, [("2027", date(2027, 3, 31))]),
    ("continuous", "31/12", 2030, [("2030", date(2030, 12, 31))]),
    ("continuous", "31/12", 2031, []),
    ("quarterly", None, 2026, [("2026-Q1", date(2026, 3, 31)), ("2026-Q2", date(2026, 6, 30)),
                               ("2026-Q3", date(2026, 9, 30)), ("2026-Q4", date(2026, 12, 31))]),
])
def test_periods_of_each_schedule(schedule, due, year, expected):
    assert periods(schedule, due, year) == expected


@pytest.mark.parametrize(("schedule", "due", "message"), [
    ("once", "31/12", "DD/MM/YYYY"), ("yearly", "31/02", "DD/MM"), ("quarterly", "31/03", "để trống"),
    ("sometimes", "31/12", "Lịch thực hiện"), ("once", "31/12/2035", "2026–2030"),
])
def test_due_dates_that_do_not_fit_their_schedule(schedule, due, message):
    assert message in due_problem(schedule, due)


def report(engine, task_code, period, status, evidence="Văn bản số 1", locality="LAC_PHUONG"):
    apply_task_reports(engine, [{"locality_code": locality, "task_code": task_code, "period": period,
                                 "status": status, "evidence": evidence}], user_name="dòng lệnh", source=Source.CLI)


def test_overdue_is_judged_exactly_on_the_day(engine):
    report(engine, "2.4.a", "2026", "in_progress", evidence="")
    report(engine, "2.1", "2026", "done")
    on_due_day = scope_items(engine, 2026, "LAC_PHUONG", date(2026, 3, 31)).set_index(["task_code", "period"])
    day_after = scope_items(engine, 2026, "LAC_PHUONG", date(2026, 4, 1)).set_index(["task_code", "period"])
    assert not on_due_day.loc[("2.4.a", "2026"), "overdue"]
    assert day_after.loc[("2.4.a", "2026"), "overdue"]
    assert day_after.loc[("2.2.a", "2026-Q1"), "overdue"] and not day_after.loc[("2.2.a", "2026-Q2"), "overdue"]
    # Done before its due date is never overdue; a task due in 2028 is not due in 2026.
    assert not scope_items(engine, 2026, "LAC_PHUONG", date(2026, 12, 2)).set_index("task_code").loc["2.1", "overdue"]
    assert "2.10.b" not in set(day_after.reset_index()["task_code"])


def test_a_locality_year_counts_and_the_city_sums_its_localities(engine):
    report(engine, "2.1", "2026", "done")
    report(engine, "2.3.a", "2026", "in_progress", evidence="")
    report(engine, "2.1.1", "2026", "done", locality="NHI_CHIEU")
    on = date(2026, 7, 1)
    lac = counts(scope_items(engine, 2026, "LAC_PHUONG", on), on)
    # 34 tasks, less the three once-tasks of other years (2.10.b, 2.10.c), 2.2.a in four quarters.
    assert (lac.due, lac.done, lac.in_progress) == (34 - 2 + 3, 1, 1)
    # Fallen due by 1/7: 2.2.a Q1 and Q2, 2.1 (30/6), 2.4.a (31/3); only 2.1 done.
    assert (lac.overdue, lac.fallen_due, lac.fallen_due_done) == (3, 4, 1)
    city_items = scope_items(engine, 2026, "HAI_PHONG", on)
    city = counts(city_items, on)
    assert (city.due, city.done) == (lac.due + 32, 2)
    localities = by_locality(city_items)
    assert localities["locality_code"].tolist() == ["LAC_PHUONG", "NHI_CHIEU"]
    assert localities.iloc[0][["due", "done", "in_progress", "not_started", "overdue"]].tolist() == [35, 1, 1, 33, 3]
    leads = by_lead(city_items).set_index("lead")
    assert leads.loc["Văn phòng HĐND và UBND", ["due", "done", "overdue"]].tolist() == [5, 1, 2]
    assert leads.loc["Văn phòng HĐND và UBND phường", "done"] == 1


def test_localities_and_agencies_with_as_many_overdue_come_in_vietnamese_order(engine):
    add_localities(engine, HAI_PHONG_UNITS.read_bytes(), HAI_PHONG_UNITS.name)
    communes = queries.localities(engine).query("parent_code == 'HAI_PHONG'")["code"].tolist()
    assign_plan(engine, communes, "KH_LAC_PHUONG_2026")
    on = date(2026, 7, 1)
    city_items = scope_items(engine, 2026, "HAI_PHONG", on)
    localities = by_locality(city_items)
    # Every commune has the same plan and no report: as many overdue, so the order is the names'.
    assert localities["overdue"].nunique() == 1
    names = localities["locality_name"].tolist()
    assert names == sorted(names, key=name_sort_key)
    assert names.index("phường Chí Linh") < names.index("phường Chu Văn An") < names.index("phường Đông Hải")
    assert city_items.drop_duplicates("locality_code")["locality_name"].tolist() == names
    leads = by_lead(city_items)
    for _, same in leads.groupby(["overdue", "due"], sort=False):
        assert same["lead"].tolist() == sorted(same["lead"], key=name_sort_key)
