"""`python -m bench.load`: N sessions at once against the real server, on one process and on two
behind nginx (docs/operations.md), and how long an interaction on the overview takes.

Each session is a tab driven over Streamlit's own protocol (bench/streamlit_client.py): it opens the
app, logs in with the login form, lands on the overview, then changes the year. For every N, fresh
server processes are started; all N sessions log in, make one unmeasured round (so that the caches
hold both years, as they do on a server in use), then make --interactions rounds: in each round every
session changes the year at the same moment, and the next round starts when all have their page. An
interaction is timed from sending the change to receiving the end of the run (script_finished); it
counts only if the run ended without error, showed the overview's title and the year asked for.

Run by hand, not in CI.
"""

import argparse
import asyncio
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from bench import data, deployment
from bench.streamlit_client import Run, Tab

OVERVIEW_TITLE = "Tổng quan tiến độ đến năm 2030"
YEAR_KEY = "overview_year"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DATABASES = {114: "city", 3300: "national"}


class InteractionFailed(RuntimeError):
    """A run that did not show the overview it was asked for: the bench stops rather than time it."""


@dataclass
class Measurement:
    deployment: str
    sessions: int
    seconds: list[float] = field(default_factory=list)
    headings: list[list[str]] = field(default_factory=list)  # of each measured interaction's page
    # Process id -> sessions it held (through nginx, each tab's `kpi_backend` cookie decides).
    split: dict[str, int] = field(default_factory=dict)
    server_cpu: float = 0.0  # CPU seconds of the server processes during the measured rounds
    server_rss_mb: list[float] = field(default_factory=list)
    client_cpu: float = 0.0  # CPU seconds of this process (the sessions) during the measured rounds
    wall: float = 0.0  # seconds of the measured rounds


async def log_in(tab: Tab, name: str, password: str) -> Run:
    """The login form, filled and submitted as a person does it: both fields, then the button."""
    page = await tab.open()
    submit = next(e.button for e in page.elements
                  if e.WhichOneof("type") == "button" and e.button.is_form_submitter and e.button.form_id == "login_form")
    tab.set_value(page.widget("text_input", "login_name").id, string_value=name)
    tab.set_value(page.widget("text_input", "login_password").id, string_value=password)
    tab.set_value(submit.id, trigger_value=True)
    overview = await tab.rerun()
    _check(overview, None)
    return overview


async def choose_year(tab: Tab, year_id: str, year: str) -> Run:
    """One interaction on the overview: another year in the year picker."""
    tab.set_value(year_id, string_value=year)
    run = await tab.rerun()
    _check(run, year)
    return run


def _check(run: Run, year: str | None) -> None:
    shown_year = year is None or any(f"năm {year}:" in heading for heading in run.headings)
    if not (run.succeeded and OVERVIEW_TITLE in run.headings and shown_year):
        raise InteractionFailed(f"trang không như mong đợi (năm {year}): trạng thái {run.status}, "
                                f"tiêu đề {run.headings[:3]}, lỗi {run.exceptions}")


async def measure(base: str, sessions: int, interactions: int, name: str = data.BENCH_ADMIN,
                  password: str = data.BENCH_PASSWORD, servers: Sequence[int] = (), upstreams: Sequence[str] = (),
                  label: str = "") -> Measurement:
    """`sessions` tabs log in at `base`, make one unmeasured round, then `interactions` measured rounds
    of changing the year, all tabs at once. `servers` are the process ids whose CPU and memory count;
    `upstreams` the addresses nginx names them by."""
    result = Measurement(label, sessions, split=dict.fromkeys(upstreams, 0))
    tabs = [Tab(base) for _ in range(sessions)]
    try:
        pages = await asyncio.gather(*(log_in(tab, name, password) for tab in tabs))
        for tab in tabs:
            result.split[tab.upstream or base] = result.split.get(tab.upstream or base, 0) + 1
        picker = pages[0].widget("selectbox", YEAR_KEY)
        shown, other = picker.raw_value, next(option for option in picker.options if option != picker.raw_value)
        year_ids = [page.widget("selectbox", YEAR_KEY).id for page in pages]
        await asyncio.gather(*(choose_year(tab, i, other) for tab, i in zip(tabs, year_ids)))
        cpu, client_cpu, started = _cpu_seconds(servers), time.process_time(), time.perf_counter()
        for number in range(interactions):
            year = shown if number % 2 == 0 else other
            runs = await asyncio.gather(*(choose_year(tab, i, year) for tab, i in zip(tabs, year_ids)))
            result.seconds += [run.seconds for run in runs]
            result.headings += [run.headings for run in runs]
        result.wall = time.perf_counter() - started
        result.client_cpu = time.process_time() - client_cpu
        result.server_cpu = _cpu_seconds(servers) - cpu
        result.server_rss_mb = [_rss_mb(pid) for pid in servers]
    finally:
        await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)
    return result


def _cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU of the processes so far (/proc/PID/stat, fields 14 and 15)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description="Giữ N phiên cùng lúc trên máy chủ thật (một tiến trình; hai tiến trình sau nginx) và đo thời "
                    "gian một lần đổi năm trên trang Tổng quan: trung vị và phân vị 95.")
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20], metavar="N",
                        help="số phiên cùng lúc (mặc định: 1 5 10 20; 1 là mốc so sánh)")
    parser.add_argument("--interactions", type=int, default=10, metavar="K",
                        help="số vòng đo; mỗi vòng mọi phiên cùng đổi năm một lần (mặc định 10)")
    parser.add_argument("--processes", type=int, nargs="+", choices=[1, 2], default=[1, 2],
                        help="1: một tiến trình; 2: hai tiến trình sau nginx (mặc định cả hai)")
    parser.add_argument("--localities", type=int, choices=sorted(DATABASES), default=114,
                        help="số địa phương của cơ sở dữ liệu (mặc định 114 đơn vị của Hải Phòng)")
    parser.add_argument("--keep", type=Path, metavar="THƯ_MỤC",
                        help="giữ (và lần sau dùng lại) dữ liệu sinh ra trong thư mục này")
    args = parser.parse_args(argv)
    directory = args.keep or Path(tempfile.mkdtemp(prefix="kpi-load-"))
    directory.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    try:
        results = run_all(directory, args)
    except InteractionFailed as failed:
        print(f"Dừng: một lần tương tác không cho trang Tổng quan: {failed}", file=sys.stderr)
        return 1
    finally:
        if args.keep is None:
            shutil.rmtree(directory, ignore_errors=True)
    print()
    print(machine(load_before))
    print()
    print(table(results, args.interactions))
    return 0


def run_all(directory: Path, args: argparse.Namespace) -> list[Measurement]:
    print(f"Sinh dữ liệu trong {directory} ...", flush=True)
    source = data.database(directory, DATABASES[args.localities], args.localities)
    print(f"  {_n(source.localities)} địa phương, {_n(source.readings)} số liệu", flush=True)
    processes = list(args.processes)
    missing = [name for name, ok in (("PostgreSQL", deployment.postgres_bindir() is not None),
                                     ("nginx", deployment.nginx_available())) if not ok]
    with ExitStack() as stack:
        if deployment.postgres_bindir() is None:
            url, backend = source.url, "SQLite"
        else:
            url, backend = stack.enter_context(deployment.postgres()), "PostgreSQL"
            print("Nạp cùng dữ liệu vào PostgreSQL ...", flush=True)
            load_postgres(url, source, directory)
        if missing and 2 in processes:
            print(f"Chưa cài {' và '.join(missing)}: chỉ đo một tiến trình.", flush=True)
            processes.remove(2)
        results = []
        for count in processes:
            for sessions in args.sessions:
                label = (f"1 tiến trình ({backend})" if count == 1
                         else f"2 tiến trình sau nginx ({backend})")
                print(f"{label}, {sessions} phiên ...", flush=True)
                result = run_deployment(url, count, sessions, args.interactions, label)
                print(f"  trung vị {_s(statistics.median(result.seconds))}, "
                      f"p95 {_s(float(np.percentile(result.seconds, 95)))}", flush=True)
                results.append(result)
    return results


def run_deployment(url: str, count: int, sessions: int, interactions: int, label: str) -> Measurement:
    """Fresh server processes (and nginx for two), the sessions, then everything stopped."""
    with ExitStack() as stack:
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kpi-load-run-")))
        ports = [deployment.free_port() for _ in range(count)]
        servers = [stack.enter_context(deployment.app_process(url, port, logs / f"app-{port}.log")) for port in ports]
        base = (stack.enter_context(deployment.nginx(ports, logs / "nginx")) if count > 1
                else f"http://127.0.0.1:{ports[0]}")
        return asyncio.run(measure(base, sessions, interactions, servers=[s.pid for s in servers],
                                   upstreams=[f"127.0.0.1:{port}" for port in ports] if count > 1 else (),
                                   label=label))


def load_postgres(url: str, source: data.Database, directory: Path) -> None:
    """The same plans, localities, account and readings as the SQLite source, through the product's
    own commands (`init`, `localities`, `user add`, `import`) and the bench's plan (bench/data.py)."""
    name = source.path.stem
    data.run_kpi(url, "init")
    data.add_full_plan(url, directory / "catalog")
    data.run_kpi(url, "localities", str(directory / f"{name}_localities.csv"))
    data.run_kpi(url, "user", "add", data.BENCH_ADMIN, "--role", "admin",
                 stdin=f"{data.BENCH_PASSWORD}\n{data.BENCH_PASSWORD}\n")
    # One file a year: the import refuses files over 10 MB, as the upload page does.
    files = sorted(directory.glob(f"{name}_readings_*.csv"))
    if not files:
        with sqlite3.connect(source.path) as connection:
            frame = pd.read_sql("SELECT locality_code, indicator_code, year, numerator, denominator, value, note "
                                "FROM reading ORDER BY year, locality_code, indicator_code", connection)
        frame = frame.astype({c: "Int64" for c in ("numerator", "denominator", "value")})
        for year, rows in frame.groupby("year"):
            files.append(directory / f"{name}_readings_{year}.csv")
            data.write_import_file(rows, files[-1])
    for file in files:
        data.run_kpi(url, "import", str(file))


def machine(load_before: tuple[float, float, float]) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=deployment.PROJECT_DIR,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=deployment.PROJECT_DIR,
                           capture_output=True, text=True).stdout.strip()
    return "\n".join([
        f"Ngày: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} (UTC); commit {commit}"
        + (" (có thay đổi chưa commit)" if dirty else ""),
        f"nproc: {os.cpu_count()}; Python {platform.python_version()}; tải hệ thống (1/5/15 phút) lúc bắt đầu "
        f"{_loads(load_before)}, lúc xong {_loads(os.getloadavg())}",
    ])


def table(results: list[Measurement], interactions: int) -> str:
    header = ["Triển khai", "Phiên", "Tương tác", "Trung vị", "p95", "Lâu nhất", "Phiên mỗi tiến trình",
              "Tương tác / giây", "CPU máy chủ / tương tác", "RSS máy chủ", "CPU bộ đo / tương tác"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for result in results:
        count = len(result.seconds)
        lines.append("| " + " | ".join([
            result.deployment, str(result.sessions), f"{count} ({result.sessions} × {interactions})",
            _s(statistics.median(result.seconds)), _s(float(np.percentile(result.seconds, 95))),
            _s(max(result.seconds)), " + ".join(str(n) for n in result.split.values()),
            _decimal(count / result.wall, 1),
            _s(result.server_cpu / count), " + ".join(f"{mb:.0f} MB" for mb in result.server_rss_mb),
            _s(result.client_cpu / count),
        ]) + " |")
    return "\n".join(lines)


def _loads(loads: tuple[float, float, float]) -> str:
    return " / ".join(_decimal(load, 1) for load in loads)


def _decimal(number: float, places: int) -> str:
    return f"{number:.{places}f}".replace(".", ",")


def _s(seconds: float) -> str:
    return f"{_decimal(seconds, 2)} s"


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


if __name__ == "__main__":
    sys.exit(main())
