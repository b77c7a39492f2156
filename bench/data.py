"""National-scale test data: localities under HAI_PHONG, a bench plan, readings and an import file.

Everything is generated from a fixed seed, so two runs measure the same data. Localities go through
`python -m kpi localities FILE` like a province's would; readings for the big database are inserted
in bulk with plain sqlite3 because they are the fixture, not the thing measured.
"""

import csv
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parent.parent
REAL_UNITS = PROJECT_DIR / "tests" / "data" / "hai_phong_units.csv"
SEED = 20261122
YEARS = list(range(2015, 2027))
FULL_PLAN = "KH_BENCH_DAY_DU"
FULL_PLAN_TITLE = "Kế hoạch thử nghiệm hiệu năng (đủ 15 chỉ tiêu)"
REAL_PLANS = ["KH_LAC_PHUONG_2026", "KH_171_NHI_CHIEU"]
BENCH_USER = "bench"
# The app asks for a login once an account exists; the page benchmarks log in as this admin.
BENCH_ADMIN = "bench-admin"
BENCH_PASSWORD = "do-thu-hieu-nang-2026"
ENTERED_AT = "2026-01-15 08:00:00.000000"
READING_INSERT = (
    "INSERT INTO reading (locality_code, indicator_code, year, numerator, denominator, value, note, "
    "entered_by, entered_at, source, batch_id, is_demo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)"
)


@dataclass(frozen=True)
class Database:
    path: Path
    localities: int
    readings: int

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


def run_kpi(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "KPI_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-m", "kpi", *args], cwd=PROJECT_DIR, env=env, input=stdin,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"python -m kpi {' '.join(args)} failed:\n{done.stderr}")
    return done


def localities_frame(count: int) -> pd.DataFrame:
    """The 114 real units of Hải Phòng (real plans, alternating), then synthesized communes on the
    full bench plan, all children of HAI_PHONG."""
    real = pd.read_csv(REAL_UNITS, dtype=str, keep_default_na=False)
    real = real.rename(columns={"ma_dvhc_unverified": "ma_dvhc"}).head(count)
    real["plan_code"] = [REAL_PLANS[i % 2] for i in range(len(real))]
    extra = count - len(real)
    numbers = range(1, extra + 1)
    synthetic = pd.DataFrame({
        "code": [f"BENCH_XA_{n:04d}" for n in numbers],
        "name": [f"xã Thử Nghiệm {n}" for n in numbers],
        "kind": "xã",
        "parent_code": "HAI_PHONG",
        "ma_dvhc": [str(90000 + n) for n in numbers],
        "plan_code": FULL_PLAN,
    })
    return pd.concat([real, synthetic], ignore_index=True)[
        ["code", "name", "kind", "parent_code", "ma_dvhc", "plan_code"]]


def prepare_store(directory: Path, name: str, locality_count: int) -> Path:
    """An initialised store with the bench plan and `locality_count` localities, no readings."""
    path = directory / f"{name}.sqlite3"
    url = f"sqlite:///{path}"
    run_kpi(url, "init")
    add_full_plan(url, directory / "catalog")
    localities_file = directory / f"{name}_localities.csv"
    localities_frame(locality_count).to_csv(localities_file, index=False)
    run_kpi(url, "localities", str(localities_file))
    run_kpi(url, "user", "add", BENCH_ADMIN, "--role", "admin", stdin=f"{BENCH_PASSWORD}\n{BENCH_PASSWORD}\n")
    return path


def add_full_plan(url: str, catalog_dir: Path) -> None:
    """A plan is configuration: the bench adds one with every indicator through load_catalog."""
    from kpi.files.catalogue import DATA_DIR, load_catalog
    from kpi.store.db import make_engine

    catalog_dir.mkdir(exist_ok=True)
    for name in ("indicators.csv", "localities.csv"):
        shutil.copy(DATA_DIR / name, catalog_dir / name)
    plans = pd.read_csv(DATA_DIR / "plans.csv", dtype=str, keep_default_na=False)
    indicators = pd.read_csv(DATA_DIR / "indicators.csv", dtype=str, keep_default_na=False)
    full = pd.DataFrame({"plan_code": FULL_PLAN, "plan_title": FULL_PLAN_TITLE, "indicator_code": indicators["code"],
                         "comparator": indicators["comparator"], "target": indicators["target"]})
    pd.concat([plans, full], ignore_index=True).to_csv(catalog_dir / "plans.csv", index=False)
    engine = make_engine(url)
    try:
        load_catalog(engine, catalog_dir)
    finally:
        engine.dispose()


def planned_pairs(path: Path) -> pd.DataFrame:
    """(locality_code, indicator_code, kind) for every locality and every indicator of its plan."""
    with sqlite3.connect(path) as connection:
        return pd.read_sql(
            "SELECT l.code AS locality_code, t.indicator_code, i.kind FROM locality l "
            "JOIN plantarget t ON t.plan_code = l.plan_code JOIN indicator i ON i.code = t.indicator_code "
            "ORDER BY l.code, i.position", connection)


def readings_frame(pairs: pd.DataFrame, years: list[int], *, gaps: float = 0.0, seed: int = SEED) -> pd.DataFrame:
    """Plausible yearly figures for every pair and year: ratios drift toward or away from 100%,
    about 3% of ratio readings are "không phát sinh" (denominator 0), counts and booleans vary.
    `gaps` is the share of readings left out (localities that did not report)."""
    rng = np.random.default_rng(seed)
    n_pairs, n_years = len(pairs), len(years)
    step = np.arange(n_years)[None, :]
    base_share = rng.uniform(0.55, 1.0, (n_pairs, 1))
    drift = rng.uniform(-0.02, 0.05, (n_pairs, 1))
    share = np.clip(base_share + drift * step + rng.normal(0, 0.02, (n_pairs, n_years)), 0, 1)
    share[rng.random((n_pairs, n_years)) < 0.15] = 1.0
    denominator = np.maximum(rng.integers(5, 400, (n_pairs, 1)) + rng.integers(-4, 5, (n_pairs, n_years)), 0)
    denominator[rng.random((n_pairs, n_years)) < 0.03] = 0
    numerator = np.minimum(np.rint(denominator * share).astype(np.int64), denominator)
    count = np.maximum(rng.integers(0, 40, (n_pairs, 1)) - rng.integers(0, 3, (n_pairs, 1)) * step
                       + rng.integers(-2, 3, (n_pairs, n_years)), 0)
    boolean = (rng.random((n_pairs, n_years)) < 0.8).astype(np.int64)

    frame = pd.DataFrame({
        "locality_code": np.repeat(pairs["locality_code"].to_numpy(), n_years),
        "indicator_code": np.repeat(pairs["indicator_code"].to_numpy(), n_years),
        "year": np.tile(np.array(years), n_pairs),
    })
    kind = np.repeat(pairs["kind"].to_numpy(), n_years)
    is_ratio = kind == "ratio"
    frame["numerator"] = pd.array(np.where(is_ratio, numerator.ravel(), 0), dtype="Int64")
    frame["denominator"] = pd.array(np.where(is_ratio, denominator.ravel(), 0), dtype="Int64")
    frame.loc[~is_ratio, ["numerator", "denominator"]] = pd.NA
    frame["value"] = pd.array(np.where(kind == "count", count.ravel(), boolean.ravel()), dtype="Int64")
    frame.loc[is_ratio, "value"] = pd.NA
    frame["note"] = None
    if gaps:
        frame = frame[rng.random(len(frame)) >= gaps].reset_index(drop=True)
    return frame


def insert_readings(path: Path, frame: pd.DataFrame) -> int:
    """Bulk insert of the fixture's readings, one transaction."""
    records = frame.astype(object).where(frame.notna(), None)
    rows = [(*r, BENCH_USER, ENTERED_AT, "import") for r in records.itertuples(index=False, name=None)]
    with sqlite3.connect(path) as connection:
        connection.executemany(READING_INSERT, rows)
    return len(rows)


def build_database(directory: Path, name: str, locality_count: int) -> Database:
    path = prepare_store(directory, name, locality_count)
    readings = readings_frame(planned_pairs(path), YEARS, gaps=0.01)
    count = insert_readings(path, readings)
    with sqlite3.connect(path) as connection:
        connection.execute("ANALYZE")
    in_use(path)
    return Database(path, locality_count, count)


def database(directory: Path, name: str, locality_count: int) -> Database:
    """The database `name` in `directory`: the one a kept run left there (--keep, brought up to this
    version's schema), else a new one."""
    path = directory / f"{name}.sqlite3"
    if path.exists():
        in_use(path)
        with sqlite3.connect(path) as connection:
            count = connection.execute("SELECT count(*) FROM reading").fetchone()[0]
        return Database(path, locality_count, count)
    return build_database(directory, name, locality_count)


def in_use(path: Path) -> None:
    """The store as one in use has it: this version's schema, and the readings snapshot its readers keep
    (kpi.store.snapshot). The fixture's readings were inserted in bulk, without the history rows a write
    leaves, so the first reader reads them all and keeps the snapshot, here, as ANALYZE keeps statistics."""
    from kpi.store import snapshot
    from kpi.store.db import make_engine, upgrade_schema

    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade_schema(engine)
        snapshot.whole_store(engine)
    finally:
        engine.dispose()


def import_rows(path: Path, count: int, years: list[int]) -> pd.DataFrame:
    """`count` readings for the localities of the store at `path`: whole years, the last one cut."""
    frame = readings_frame(planned_pairs(path), years, seed=SEED + 1)
    frame = frame.sort_values(["year", "locality_code"], kind="stable").head(count)
    return frame.reset_index(drop=True)


def write_import_file(frame: pd.DataFrame, path: Path) -> None:
    """The canonical upload layout, as the product's template has it."""
    columns = ["locality_code", "indicator_code", "year", "numerator", "denominator", "value", "note"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in frame[columns].astype(object).where(frame[columns].notna(), "").itertuples(index=False, name=None):
            writer.writerow(row)


def change_one_reading(engine) -> None:
    """Change one figure through the store's one write path (kpi.store.readings.apply_readings), as a
    save from the form does: the data version moves on, so every cache and snapshot is out of date."""
    from kpi.store import queries
    from kpi.store.readings import apply_readings, input_frame

    readings = queries.readings(engine)
    row = readings[readings["numerator"] > 0].iloc[-1].to_dict()
    row.update(numerator=int(row["numerator"]) - 1, denominator=int(row["denominator"]), value=None, note="")
    apply_readings(engine, input_frame([row]), user_name=BENCH_USER, source="form")
