"""The upload page's soft check: every figure a file would write against the same figure a year
earlier, from the file itself or from the store."""

import pandas as pd

from kpi.app import upload
from kpi.files.catalogue import add_localities
from kpi.store import queries
from kpi.store.db import IN_LIST_LIMIT
from kpi.store.readings import apply_readings, input_frame
from kpi.vocabulary import ROW_COLUMN


def test_a_file_naming_more_localities_than_an_in_list_is_checked_against_the_whole_store(engine):
    codes = [f"XA_{number:03d}" for number in range(IN_LIST_LIMIT + 1)]
    lines = ["code,name,kind,parent_code,ma_dvhc,plan_code", "TINH,tỉnh Thử,tỉnh,,,",
             *(f"{code},xã {code},xã,TINH,,KH_LAC_PHUONG_2026" for code in codes)]
    add_localities(engine, "\n".join(lines).encode(), "xa.csv")
    apply_readings(engine, input_frame([{"locality_code": code, "indicator_code": "VU_VIEC_VPPL", "year": 2024,
                                         "value": 12} for code in codes]), user_name="test", source="import")
    # The file's figures of 2025: every locality near last year's 12, but the last one.
    changes = pd.DataFrame({"locality_code": codes, "indicator_code": "VU_VIEC_VPPL", "year": 2025,
                            "numerator": None, "denominator": None, "value": [14] * IN_LIST_LIMIT + [1200],
                            ROW_COLUMN: range(2, len(codes) + 2)})

    stored = upload.stored_years_before(engine, changes)

    assert set(stored.loc[stored["indicator_code"] == "VU_VIEC_VPPL", "locality_code"]) == set(codes)
    assert (stored["year"] == 2024).all()
    assert upload.unlike_last_year(changes, changes, stored, queries.indicators(engine)) == [
        (len(codes) + 1, "Số liệu khác nhiều so với năm 2024 (12 → 1.200). Hãy kiểm tra lại số liệu.")]
