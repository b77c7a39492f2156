"""Running one measured process: wall time, CPU time and peak RSS of that process alone."""

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Run:
    wall: float  # seconds, start to exit, as the user waits for it
    cpu: float  # user + system seconds of the process: less sensitive to other load on the machine
    peak_mb: float  # peak resident set size of the process
    stdout: str
    stderr: str
    returncode: int

    def report(self) -> dict:
        """The JSON object a bench script printed as its last line of output."""
        return json.loads(self.stdout.strip().splitlines()[-1])


def run(args: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a command to completion under GNU time, which reports that command's own CPU time and
    peak RSS. (Measured from this process instead, a child's peak RSS would start at this process's
    own RSS: Linux carries the high-water mark across fork and exec.)"""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r", suffix=".time") as usage:
        started = time.perf_counter()
        done = subprocess.run([TIME, "-f", "%U %S %M", "-o", usage.name, *args], cwd=PROJECT_DIR,
                              env={**os.environ, **(env or {})}, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        user, system, peak_kb = usage.read().strip().splitlines()[-1].split()
        return Run(wall, float(user) + float(system), int(peak_kb) / 1024, out.read(), err.read(), done.returncode)


def python(*args: str, env: dict[str, str] | None = None) -> Run:
    result = run([sys.executable, *args], {"PYTHONPATH": str(PROJECT_DIR), **(env or {})})
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def peak_rss_mb(pid: int) -> float:
    """Peak RSS so far of a running process (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def report(payload: dict) -> None:
    """The last line a bench script prints: its figures as JSON."""
    print(json.dumps(payload), flush=True)
