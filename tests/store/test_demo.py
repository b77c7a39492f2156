from kpi.engine.assess import assess
from kpi.store import queries
from kpi.store.demo import demo_rows, load_demo
from kpi.store.readings import apply_readings, delete_demo, input_frame


def test_demo_exercises_every_status_and_nothing_happened(demo_engine):
    statuses = assess(demo_engine, 2025).statuses
    assert set(statuses["status"]) == {"achieved", "on_track", "off_track", "regressing", "insufficient_data", "no_data"}
    assert statuses["not_applicable"].any()


def test_demo_is_marked_and_can_be_removed(demo_engine):
    stored = queries.readings(demo_engine, full=True)
    assert stored["is_demo"].all() and set(stored["source"]) == {"demo"}
    assert queries.demo_reading_count(demo_engine) == len(demo_rows())
    assert delete_demo(demo_engine) == len(demo_rows())
    assert queries.demo_reading_count(demo_engine) == 0


def test_demo_never_replaces_a_real_figure(engine):
    real = {"locality_code": "LAC_PHUONG", "indicator_code": "HOA_GIAI_THANH", "year": 2025, "numerator": 1, "denominator": 50}
    apply_readings(engine, input_frame([real]), user_name="cán bộ", source="form")
    load_demo(engine)
    load_demo(engine)
    stored = queries.readings(engine, full=True).set_index(["locality_code", "indicator_code", "year"])
    kept = stored.loc[("LAC_PHUONG", "HOA_GIAI_THANH", 2025)]
    assert (kept["numerator"], bool(kept["is_demo"])) == (1, False)
    assert queries.demo_reading_count(engine) == len(demo_rows()) - 1


def test_a_real_figure_equal_to_the_demo_one_is_no_longer_demo(demo_engine):
    same = [r for r in demo_rows() if r["indicator_code"] == "DIEM_NONG_VPPL" and r["year"] == 2025]
    result = apply_readings(demo_engine, input_frame(same), user_name="cán bộ", source="form")
    assert result.updated == 1
    assert queries.demo_reading_count(demo_engine) == len(demo_rows()) - 1
