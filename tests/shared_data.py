"""The team's shared data sits beside the checkout (../shared); worktrees may sit deeper."""

from pathlib import Path

HAI_PHONG_UNITS = next(
    folder / "shared" / "data" / "hai_phong_units.csv"
    for folder in Path(__file__).resolve().parents
    if (folder / "shared" / "data" / "hai_phong_units.csv").is_file()
)
