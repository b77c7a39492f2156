"""Real-world data the tests use, kept in the repository (see tests/data/README.md)."""

from pathlib import Path

HAI_PHONG_UNITS = Path(__file__).resolve().parent / "data" / "hai_phong_units.csv"


def add_year_example(engine) -> None:
    """The example of shared/spec/domain.md, "Which year a screen shows", on top of the demo data: the
    city with 114 communes, 102 of which reported 2025 (the two demo communes and XA_0000..XA_0099),
    XA_0100 only 2024, and XA_0101 alone 2026."""
    from kpi.files.catalogue import add_localities
    from kpi.store.readings import apply_readings, input_frame

    lines = ["code,name,kind,parent_code,ma_dvhc,plan_code"] + [
        f"XA_{i:04d},xã Thử Nghiệm {i},xã,HAI_PHONG,,KH_171_NHI_CHIEU" for i in range(112)]
    add_localities(engine, "\n".join(lines).encode(), "localities.csv")
    years = {**{f"XA_{i:04d}": 2025 for i in range(100)}, "XA_0100": 2024, "XA_0101": 2026}
    rows = [{"locality_code": code, "indicator_code": "HO_TICH_DUNG_HAN", "year": year, "numerator": 95,
             "denominator": 100} for code, year in years.items()]
    apply_readings(engine, input_frame(rows), user_name="kiểm thử", source="cli")
