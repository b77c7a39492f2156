from kpi.engine.assess import assess
from kpi.engine.describe import STATUS_TABLE_COLUMNS, describe_statuses, status_table


def described(engine, year=2025):
    frame = describe_statuses(assess(engine, year))
    return frame.set_index(["locality_code", "indicator_code"])


def test_texts_users_read(demo_engine):
    frame = described(demo_engine)
    mediation = frame.loc[("LAC_PHUONG", "HOA_GIAI_THANH")]
    assert (mediation["value_text"], mediation["counts_text"], mediation["target_text"]) == ("90,0%", "45/50 vụ việc", "≥ 80%")
    assert mediation["status_label"] == "Đạt" and mediation["completeness_text"] == "Đã báo cáo"
    civil = frame.loc[("LAC_PHUONG", "HO_TICH_DUNG_HAN")]
    assert civil["value_text"] == "99,9%" and civil["counts_text"] == "1.999/2.000 sự kiện"
    legal_aid = frame.loc[("LAC_PHUONG", "TGPL_DUOC_TRO_GIUP")]
    assert (legal_aid["value_text"], legal_aid["status_label"]) == ("Không phát sinh", "Chưa có số liệu")
    plan = frame.loc[("HAI_PHONG", "KH_THEO_DOI_THPL")]
    assert (plan["counts_text"], plan["target_text"]) == ("2/2 địa phương", "Có (100% địa phương)")
    assert frame.loc[("HAI_PHONG", "HO_TICH_DUNG_HAN"), "completeness_text"] == "2/2 địa phương"
    assert frame.loc[("LAC_PHUONG", "CHUAN_TIEP_CAN_PL"), "value_text"] == "Không"
    assert frame.loc[("LAC_PHUONG", "VU_VIEC_VPPL"), "target_text"] == "Giảm dần so với năm trước"
    assert frame.loc[("NHI_CHIEU", "TGPL_DUOC_TRO_GIUP"), "completeness_text"] == "Chưa báo cáo năm 2025"


def test_aggregates_come_first_and_the_table_has_vietnamese_headers(demo_engine):
    table = status_table(describe_statuses(assess(demo_engine, 2025)))
    assert list(table.columns) == list(STATUS_TABLE_COLUMNS.values())
    assert table.iloc[0]["Địa phương"] == "thành phố Hải Phòng"


def test_a_year_before_any_reading_shows_no_values(demo_engine):
    frame = described(demo_engine, 2015)
    assert set(frame["value_text"]) == {"Chưa báo cáo năm 2015"}
    assert set(frame["status_label"]) == {"Chưa có số liệu"}
