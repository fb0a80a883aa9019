"""Shared helpers for the benchmarks: a database, a server, a signed-in HTTP client."""

import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(database_url: str, **extra) -> dict:
    """Environment for the app under test."""
    env = dict(os.environ)
    env.update(
        {
            "FEEDBACK_SECRET_KEY": "bench-only",
            "FEEDBACK_ENV": "development",
            "DATABASE_URL": database_url,
            # Keep the benchmark's demo passwords out of the developer's instance folder.
            "FEEDBACK_DEMO_LOGINS_FILE": str(OUT / "demo-logins.txt"),
            **extra,
        }
    )
    return env


def flask(env: dict, *args: str, stdin: str | None = None) -> str:
    """Run a `flask --app wsgi` command and return its output."""
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@contextmanager
def gunicorn(env: dict, workers: int = 2, app: str = "wsgi:app"):
    """A gunicorn server on a free loopback port, stopped afterwards."""
    port = free_port()
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class Browser:
    """A cookie-keeping HTTP client that signs in through the real login form."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str]:
        status, body = self.fetch(path)
        return status, body.decode("utf-8")

    def fetch(self, path: str) -> tuple[int, bytes]:
        """The status and the raw body (a file, an image)."""
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.status, response.read()

    def login(self, username: str, password: str) -> None:
        _, html = self.get("/auth/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrf_token": token}
        ).encode()
        self.opener.open(self.base + "/auth/login", data=body, timeout=30).read()


def timed(fn, repeat: int) -> list[float]:
    """Milliseconds for each call of fn."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    """Median and p95 in milliseconds."""
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered):6.1f} ms · p95 {p95:6.1f} ms · n={len(ordered)}"


PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def make_database(name: str, postgres: bool) -> str:
    """A fresh, empty scratch database called `name` (PostgreSQL, or SQLite in bench/out)."""
    if postgres:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}"


def drop_database(name: str, postgres: bool) -> None:
    """Drop a scratch PostgreSQL database (SQLite files stay in bench/out for inspection)."""
    if postgres:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def remove_database(name: str, postgres: bool) -> None:
    """Drop a scratch database: the PostgreSQL one, or the SQLite file (and its WAL) in
    bench/out, for benchmarks whose databases are too large to leave behind."""
    if postgres:
        drop_database(name, postgres)
        return
    path = OUT / f"{name}.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def percentile(times: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of some timings."""
    ordered = sorted(times)
    rank = max(1, min(len(ordered), int(-(-len(ordered) * p // 100))))  # ceil(n · p / 100)
    return ordered[rank - 1]
