"""The whole city's meeting reports (issue #20: "the Word and the Excel report of the whole city: at
most 5 s each"), each beside a plain baseline in the same run.

Product: `python -m kpi report --year 2025 FILE` as a whole process, as an administrator runs it
(start-up and imports included). Baselines, also whole processes (bench/report_baseline.py): for
Excel, pandas reading the same readings from SQLite and writing them as plain CSV; for Word, a bare
python-docx table of as many rows as the report's ranking of every locality, cell by cell.

bench_reports(national, repeat) returns rows for bench/run.py's table.
"""

import shutil
import statistics
import tempfile
from pathlib import Path

from bench import data
from bench.measure import PROJECT_DIR, Run, python

AS_OF = 2025
GOAL_SECONDS = 5.0
ENV = {"PYTHONPATH": str(PROJECT_DIR)}


def bench_reports(national: data.Database, repeat: int) -> list[list[str]]:
    print("5. Báo cáo Word và Excel toàn thành phố ...", flush=True)
    env = {**ENV, "KPI_DATABASE_URL": national.url}
    directory = Path(tempfile.mkdtemp(prefix="kpi-bench-reports-"))
    try:
        runs: dict[str, list[Run]] = {"docx": [], "xlsx": [], "docx_baseline": [], "xlsx_baseline": []}
        for _ in range(repeat):
            for suffix in ("xlsx", "docx"):
                runs[suffix].append(python("-m", "kpi", "report", "--year", str(AS_OF),
                                           str(directory / f"city.{suffix}"), env=env))
            runs["xlsx_baseline"].append(python("bench/report_baseline.py", "xlsx", str(national.path),
                                                str(AS_OF), str(directory / "city.csv"), env=env))
            runs["docx_baseline"].append(python("bench/report_baseline.py", "docx", str(national.localities),
                                                str(directory / "table.docx"), env=env))
        csv_rows = runs["xlsx_baseline"][0].report()["rows"]
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    scale = f"{_n(national.localities)} địa phương, {_n(national.readings)} số liệu"
    return [
        *_rows(f"5. Báo cáo Excel toàn thành phố (`kpi report --year {AS_OF} TỆP.xlsx`), {scale}",
               runs["xlsx"], runs["xlsx_baseline"], f"pandas đọc SQLite, ghi CSV {_n(csv_rows)} dòng"),
        *_rows(f"5. Báo cáo Word toàn thành phố (`kpi report --year {AS_OF} TỆP.docx`), {scale}",
               runs["docx"], runs["docx_baseline"],
               f"python-docx: bảng {_n(national.localities)} dòng × 5 ô"),
    ]


def _rows(label: str, product: list[Run], baseline: list[Run], baseline_label: str) -> list[list[str]]:
    wall, bare = _median([r.wall for r in product]), _median([r.wall for r in baseline])
    cpu, bare_cpu = _median([r.cpu for r in product]), _median([r.cpu for r in baseline])
    return [
        [label, _s(wall), f"{_s(bare)} ({baseline_label})", _ratio(wall, bare), "≤ 5 s", _met(wall <= GOAL_SECONDS)],
        ["   thời gian CPU (user+sys) của cùng các lần chạy", _s(cpu), _s(bare_cpu), _ratio(cpu, bare_cpu), "≤ 5 s",
         _met(cpu <= GOAL_SECONDS)],
        ["   bộ nhớ đỉnh", _mb(product), _mb(baseline), "", "báo cáo", ""],
    ]


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s".replace(".", ",")


def _mb(runs: list[Run]) -> str:
    return f"{max(r.peak_mb for r in runs):.0f} MB"


def _ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.1f}×".replace(".", ",") if baseline else ""


def _met(ok: bool) -> str:
    return "đạt" if ok else "**chưa đạt**"
