"""Real-world data the tests use, kept in the repository (see tests/data/README.md)."""

from pathlib import Path

HAI_PHONG_UNITS = Path(__file__).resolve().parent / "data" / "hai_phong_units.csv"
