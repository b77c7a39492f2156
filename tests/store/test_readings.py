"""The one write path: validation, create/update/unchanged, history, batches, all or nothing."""

import pandas as pd
import pytest
from sqlalchemy import select
from sqlmodel import Session

from kpi.problems import Rejected
from kpi.store import queries
from kpi.store.models import ImportBatch, Reading, ReadingRevision
from kpi.store.readings import apply_readings, input_frame
from kpi.years import current_year


def write(engine, rows, user="cán bộ A", source="form", **options):
    return apply_readings(engine, input_frame(rows), user_name=user, source=source, **options)


def row(indicator="HOA_GIAI_THANH", year=2025, locality="LAC_PHUONG", **figures):
    return {"locality_code": locality, "indicator_code": indicator, "year": year, **figures}


def test_create_then_update_then_unchanged_keeps_the_history(engine):
    first = write(engine, [row(numerator=40, denominator=50)])
    assert (first.created, first.updated, first.unchanged) == (1, 0, 0)
    second = write(engine, [row(numerator=45, denominator=50, note="đã rà soát")], user="cán bộ B", source="cli")
    assert (second.created, second.updated, second.unchanged) == (0, 1, 0)
    third = write(engine, [row(numerator=45, denominator=50, note="đã rà soát")])
    assert (third.created, third.updated, third.unchanged) == (0, 0, 1)

    stored = queries.readings(engine, full=True).iloc[0]
    assert (stored["numerator"], stored["denominator"], stored["note"]) == (45, 50, "đã rà soát")
    assert (stored["entered_by"], stored["source"]) == ("cán bộ B", "cli")
    history = queries.history(engine, "LAC_PHUONG", "HOA_GIAI_THANH", 2025)
    assert history["numerator"].tolist() == [45, 40]
    assert history["entered_by"].tolist() == ["cán bộ B", "cán bộ A"]
    with Session(engine) as session:
        batches = session.exec(select(ImportBatch).order_by(ImportBatch.id)).scalars().all()
    assert [(b.created, b.updated, b.unchanged) for b in batches] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]


def test_dry_run_counts_but_writes_nothing(engine):
    result = write(engine, [row(numerator=1, denominator=2), row("DIEM_NONG_VPPL", value=0)], dry_run=True)
    assert (result.created, result.batch_id) == (2, None)
    assert queries.readings(engine).empty
    assert queries.import_batches(engine).empty


def test_every_kind_is_stored(engine):
    write(engine, [row(numerator=0, denominator=0, indicator="TGPL_DUOC_TRO_GIUP"),
                   row("DIEM_NONG_VPPL", value=3), row("CHUAN_TIEP_CAN_PL", value=1)])
    stored = queries.readings(engine).set_index("indicator_code")
    assert stored.loc["TGPL_DUOC_TRO_GIUP", "denominator"] == 0
    assert stored.loc["DIEM_NONG_VPPL", "value"] == 3
    assert stored.loc["CHUAN_TIEP_CAN_PL", "value"] == 1


BAD_ROWS = [
    (row(locality="NOWHERE", numerator=1, denominator=2), "Mã địa phương", "Không có địa phương"),
    (row(indicator="NO_SUCH", numerator=1, denominator=2), "Mã chỉ tiêu", "Không có chỉ tiêu"),
    (row(locality="NHI_CHIEU", numerator=1, denominator=2), "Mã chỉ tiêu", "không có trong kế hoạch"),
    (row(year=2014, numerator=1, denominator=2), "Năm", "Năm phải từ 2015"),
    (row(year=current_year() + 1, numerator=1, denominator=2), "Năm", "Năm phải từ 2015"),
    (row(value=85), "Giá trị", "không nhập tỷ lệ phần trăm"),
    (row(numerator=5), "Mẫu số", "Thiếu mẫu số"),
    (row(denominator=5), "Tử số", "Thiếu tử số"),
    (row(numerator=6, denominator=5), "Tử số", "không được lớn hơn mẫu số"),
    (row(numerator=-1, denominator=5), "Tử số", "không âm"),
    (row("DIEM_NONG_VPPL"), "Giá trị", "Thiếu giá trị"),
    (row("DIEM_NONG_VPPL", value=-2), "Giá trị", "không âm"),
    (row("DIEM_NONG_VPPL", numerator=1, denominator=2), "Tử số", "không phải tỷ lệ"),
    (row("CHUAN_TIEP_CAN_PL", value=2), "Giá trị", "«có» hoặc «không»"),
]


@pytest.mark.parametrize(("bad", "column", "message"), BAD_ROWS)
def test_a_bad_row_rejects_the_whole_batch(engine, bad, column, message):
    good = row("KH_THEO_DOI_THPL", value=1)
    with pytest.raises(Rejected) as rejected:
        write(engine, [good, bad])
    problems = rejected.value.problems
    assert any(p.row == 2 and p.column == column and message in p.message for p in problems), problems
    assert all(p.row == 2 for p in problems)
    assert queries.readings(engine).empty
    assert queries.import_batches(engine).empty


def test_all_problems_are_listed_in_row_order(engine):
    rows = [row(numerator=6, denominator=5), row("DIEM_NONG_VPPL", value=1), row(locality="NOWHERE", year=2000)]
    with pytest.raises(Rejected) as rejected:
        write(engine, rows)
    assert [p.row for p in rejected.value.problems] == [1, 3, 3, 3, 3]


def test_the_same_reading_twice_in_one_batch_is_refused(engine):
    with pytest.raises(Rejected) as rejected:
        write(engine, [row(numerator=1, denominator=2), row(numerator=2, denominator=2)])
    assert {p.row for p in rejected.value.problems} == {1, 2}
    assert "nhiều lần" in str(rejected.value)


def test_an_empty_batch_is_refused(engine):
    with pytest.raises(Rejected):
        apply_readings(engine, input_frame([]), user_name="x", source="form")


def test_history_has_one_revision_per_change(engine):
    for numerator in (1, 2, 2, 3):
        write(engine, [row(numerator=numerator, denominator=5)])
    with Session(engine) as session:
        revisions = session.exec(select(ReadingRevision.numerator).order_by(ReadingRevision.id)).scalars().all()
        readings = session.exec(select(Reading)).scalars().all()
    assert revisions == [1, 2, 3]
    assert len(readings) == 1


def test_input_frame_accepts_whole_floats_from_forms(engine):
    frame = input_frame([row(numerator=4.0, denominator=5.0)])
    assert frame["numerator"].dtype == pd.Int64Dtype()
    assert write(engine, frame.to_dict("records")).created == 1
