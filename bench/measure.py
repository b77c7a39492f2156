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


def run(args: list[str], env: dict[str, str] | None = None, stdin: str | None = None) -> Run:
    """Run a command to completion; os.wait4 gives the rusage of that child only."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, cwd=PROJECT_DIR, env={**os.environ, **(env or {})}, stdout=out, stderr=err,
                                   stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL, text=True)
        if stdin is not None:
            process.stdin.write(stdin)
            process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    # ru_maxrss is in kilobytes on Linux.
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout, stderr,
               os.waitstatus_to_exitcode(status))


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
