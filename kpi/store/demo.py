"""Illustrative readings for the two seeded localities, marked as demo data in the store.

The series are made up so that every status appears: achieved, on track, off track, regressing,
not enough data, no data, and years where nothing happened ("không phát sinh").
"""

from sqlalchemy import Engine, select

from kpi.store.models import Reading
from kpi.store.readings import WriteResult, apply_readings, input_frame
from kpi.vocabulary import Source

DEMO_USER = "demo"
YEARS = list(range(2019, 2026))

# indicator -> counts per year from 2019 (None: no reading that year); ratios as (numerator, denominator).
LAC_PHUONG = {
    "QPPL_TRINH_TU": [(4, 4), (5, 5), (6, 6), (5, 5), (7, 7), (6, 6), (8, 8)],
    "QPPL_KIEM_TRA": [(16, 20), (17, 20), (18, 20), (18, 20), (19, 20), (19, 20), (39, 40)],
    "KH_THEO_DOI_THPL": [1, 1, 1, 1, 1, 1, 1],
    "THPL_THAM_MUU": [None, None, (20, 20), (19, 20), (18, 20), (35, 40), (34, 40)],
    "PBGDPL_CBCC": [(42, 60), (43, 60), (44, 60), (44, 60), (45, 60), (46, 60), (47, 61)],
    "PBGDPL_QUYEN_NGHIA_VU": [None, None, None, None, (9, 10), (19, 20), (0, 0)],
    "CONG_TTDT_VAN_BAN": [None, None, None, None, None, None, (9, 10)],
    "HO_TICH_DUNG_HAN": [(1900, 2000), (1920, 2000), (1950, 2000), (1970, 2000), (1980, 2000), (1990, 2000), (1999, 2000)],
    "TGPL_DUOC_TRO_GIUP": [(0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
    "HOA_GIAI_KIEN_TOAN": [(10, 12), (12, 12), (12, 12), (12, 12), (12, 12), (12, 12), (12, 12)],
    "HOA_GIAI_THANH": [(30, 40), (33, 42), (35, 44), (36, 45), (40, 48), (41, 50), (45, 50)],
    "DIEM_NONG_VPPL": [2, 2, 1, 1, 1, 0, 0],
    "VU_VIEC_VPPL": [31, 29, 28, 26, 27, 25, 25],
    "CHUAN_TIEP_CAN_PL": [None, None, None, None, 1, 1, 0],
}
NHI_CHIEU = {
    "QPPL_TRINH_TU": [(3, 3), (4, 4), (3, 3), (5, 5), (4, 4), (6, 6), (5, 5)],
    "KH_THEO_DOI_THPL": [None, None, None, 0, 1, 1, 1],
    "THPL_THAM_MUU": [None, None, (45, 50), (46, 50), (47, 50), (48, 50), (49, 50)],
    "PBGDPL_CBCC": [(80, 100), (82, 100), (85, 100), (86, 100), (88, 100), (90, 100), (92, 100)],
    "CONG_TTDT_TIN_BAI": [None, None, (40, 52), (42, 52), (45, 52), (48, 52), (50, 52)],
    "HO_TICH_DUNG_HAN": [None, None, None, None, (950, 1000), (930, 1000), (900, 1000)],
    "TGPL_DUOC_TRO_GIUP": [None] * 7,
}
DEMO_SERIES = {"LAC_PHUONG": LAC_PHUONG, "NHI_CHIEU": NHI_CHIEU}


def demo_rows() -> list[dict]:
    rows = []
    for locality, series in DEMO_SERIES.items():
        for indicator, figures in series.items():
            for year, figure in zip(YEARS, figures):
                if figure is None:
                    continue
                row = {"locality_code": locality, "indicator_code": indicator, "year": year,
                       "note": "Dữ liệu minh họa"}
                if isinstance(figure, tuple):
                    row["numerator"], row["denominator"] = figure
                else:
                    row["value"] = figure
                rows.append(row)
    return rows


def load_demo(engine: Engine) -> WriteResult:
    """Safe to repeat: a second run leaves every reading unchanged, and a figure entered by a
    person is never replaced by a demo figure."""
    with engine.connect() as connection:
        real = set(connection.execute(
            select(Reading.locality_code, Reading.indicator_code, Reading.year).where(~Reading.is_demo)
        ).all())
    rows = [r for r in demo_rows() if (r["locality_code"], r["indicator_code"], r["year"]) not in real]
    return apply_readings(engine, input_frame(rows), user_name=DEMO_USER, source=Source.DEMO, is_demo=True)
