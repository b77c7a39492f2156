"""The production deployment of docs/operations.md on this machine: `streamlit run serve.py` processes,
a throwaway PostgreSQL server and Debian's nginx configured with the guide's own nginx block.

Shared by the load bench (bench/load.py) and tests/test_deployment.py, so that both run the guide's
configuration as printed (only the listening address and the upstream ports changed); every test in a
real browser starts its server with app_process (tests/browser.py).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
POSTGRES_BIN = Path("/usr/lib/postgresql")
# A header naming the process that answered, added for the bench and the tests only.
UPSTREAM_HEADER = "X-Kpi-Upstream"
START_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def guide_nginx_block() -> str:
    text = (PROJECT_DIR / "docs" / "operations.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```nginx\n(.*?)```", text, flags=re.S)
    return block


def nginx_config(block: str, port: int, upstreams: list[int], prefix: Path) -> str:
    """The guide's block on a loopback port over plain HTTP, in front of our processes; plus a header
    naming the process that answered."""
    servers = "".join(f"    server 127.0.0.1:{p};\n" for p in upstreams)
    block = re.sub(r"(upstream kpi \{\n    hash \$kpi_backend consistent;\n)(    server [^\n]+\n)+",
                   lambda m: m.group(1) + servers, block)
    if servers not in block:
        raise RuntimeError("the guide's upstream block changed shape")
    block = block.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
    block = block.replace("location / {\n", f"location / {{\n        add_header {UPSTREAM_HEADER} $upstream_addr always;\n")
    temp = {name: prefix / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    # As root, nginx's workers would run as nobody, who may not enter private temporary folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (f"{user}pid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'};\nevents {{}}\nhttp {{\n"
            f"    access_log off;\n    client_body_temp_path {temp['body']};\n    proxy_temp_path {temp['proxy']};\n"
            f"    fastcgi_temp_path {temp['fastcgi']};\n    uwsgi_temp_path {temp['uwsgi']};\n"
            f"    scgi_temp_path {temp['scgi']};\n{block}}}\n")


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    """Until `url` answers 200; fails with the process's log if it exits or takes too long."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer")
        time.sleep(0.3)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def app_process(database_url: str, port: int, log: Path, env: dict | None = None,
                args: tuple[str, ...] = (), code: Path = PROJECT_DIR) -> Iterator[subprocess.Popen]:
    """`python3 -m streamlit run serve.py` on 127.0.0.1:port, as the guide's systemd unit runs it; more
    settings in `env`, Streamlit options in `args` (the tests'), the app's code from another folder
    than this project's if given."""
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             *args],
            cwd=code, env={**os.environ, "KPI_DATABASE_URL": database_url, **(env or {})},
            stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/_stcore/health", process, log)
        yield process
    finally:
        _stop(process)


def nginx_available() -> bool:
    return Path(NGINX).exists()


@contextmanager
def nginx(upstreams: list[int], prefix: Path) -> Iterator[str]:
    """Debian's nginx with the guide's block in front of the processes on `upstreams`; yields its base URL."""
    prefix.mkdir()
    port = free_port()
    config = prefix / "nginx.conf"
    config.write_text(nginx_config(guide_nginx_block(), port, upstreams, prefix))
    log = prefix / "stderr.log"
    with log.open("w") as errors:
        process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(config), "-g", "daemon off;"],
                                   stdout=subprocess.DEVNULL, stderr=errors)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/_stcore/health", process, log)
        yield base
    finally:
        _stop(process)


def postgres_bindir() -> Path | None:
    """The newest PostgreSQL of Debian's packages, if installed."""
    found = sorted(POSTGRES_BIN.glob("*/bin/initdb"), key=lambda path: int(path.parent.parent.name))
    return found[-1].parent if found else None


@contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1, as .ci/run starts one (a temporary directory, a free
    port, removed afterwards); yields the URL of an empty database `kpi` with the guide's locale."""
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed")
    directory = Path(tempfile.mkdtemp(prefix="kpi-load-postgres-"))
    # PostgreSQL refuses to run as root: as root, it runs as the postgres user of the Debian package.
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if run_as:
        shutil.chown(directory, "postgres")
    port = free_port()
    data = directory / "data"

    def run(*args: str) -> None:
        # cwd: the postgres user may not be allowed into the project directory.
        subprocess.run([*run_as, *args], cwd=directory, check=True, capture_output=True)

    try:
        run(str(bindir / "initdb"), f"--pgdata={data}", "--username=kpi", "--auth=trust", "--encoding=UTF8",
            "--locale=C.UTF-8")
        run(str(bindir / "pg_ctl"), f"--pgdata={data}", f"--log={directory / 'server.log'}", "--wait",
            f"--options=-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c max_connections=200", "start")
        try:
            subprocess.run([str(bindir / "createdb"), "--host=127.0.0.1", f"--port={port}", "--username=kpi",
                            "--encoding=UTF8", "--locale=C.UTF-8", "--template=template0", "kpi"],
                           check=True, capture_output=True)
            yield f"postgresql+psycopg://kpi@127.0.0.1:{port}/kpi"
        finally:
            run(str(bindir / "pg_ctl"), f"--pgdata={data}", "--mode=fast", "stop")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
