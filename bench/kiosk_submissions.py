"""Benchmark: kiosk submissions per second, against a floor app that only stores the body.

In one run, with the same gunicorn settings (`gunicorn -w 2`, sync workers) and the same database:
  - POST /api/v1/kiosk/<token>/responses on bench/floor_app.py (one INSERT of the raw body) and on
    the real app (validation, idempotency, answers, cases, burst check), from 16 concurrent
    clients (threads with http.client keep-alive connections), distinct valid payloads with fresh
    client_uuids spread over several kiosks, in interleaved rounds (both servers up, loaded in
    turn: a machine that drifts weighs on both alike); requests/second for each, the ratio
    real / floor of each round and their median (target >= 0.5), the real app's p50/p99 latency
    (p99 target < 100 ms), errors (target 0);
  - the first-visit transfer size of the kiosk page: GET /kiosk/<token> plus every same-origin
    stylesheet and script it references (target <= 60 KB).

Only loopback addresses; the servers are stopped and (with --postgres) the scratch database is
dropped at the end.

Usage:
  .venv/bin/python bench/kiosk_submissions.py                 # SQLite (WAL) in bench/out/
  .venv/bin/python bench/kiosk_submissions.py --postgres      # a scratch PostgreSQL database
  .venv/bin/python bench/kiosk_submissions.py --postgres --redis   # as production: Redis throttle
  .venv/bin/python bench/kiosk_submissions.py --requests 5000 --rounds 5 --clients 16 --kiosks 8
  .venv/bin/python bench/kiosk_submissions.py --postgres --name my_bench   # beside another run
"""

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_env, drop_database, flask, gunicorn, make_database  # noqa: E402

PG_BENCH_DB = "feedback_kiosk_bench"
WORKERS = 2
RATIO_TARGET = 0.5
P99_TARGET_MS = 100.0
PAGE_TARGET_BYTES = 60 * 1024

COMMENTS = [
    "Thời gian chờ đợi quá lâu",
    "Cán bộ hướng dẫn nhiệt tình, chu đáo",
    "Phòng chờ nóng, cần thêm quạt",
    "Máy lấy số thứ tự bị hỏng",
    "Hồ sơ bị yêu cầu bổ sung nhiều lần",
]


# --- database ----------------------------------------------------------------------------------


def counter_ids(url: str, n: int) -> list[int]:
    """Counters of n different desks (or as many as there are), to spread kiosks over."""
    from sqlalchemy import func, select

    from bench.floor_app import engine_for
    from feedback_app.models import Counter

    engine = engine_for(url)
    first = func.min(Counter.id)
    with engine.connect() as conn:
        first_per_desk = conn.scalars(
            select(first).group_by(Counter.service_point_id).order_by(first)
        ).all()
        rest = conn.scalars(
            select(Counter.id).where(Counter.id.not_in(first_per_desk)).order_by(Counter.id)
        ).all()
    engine.dispose()
    return [*first_per_desk, *rest][:n]


def row_count(url: str, table: str) -> int:
    """How many rows a table holds."""
    from sqlalchemy import func, select
    from sqlalchemy import table as sql_table

    from bench.floor_app import engine_for

    engine = engine_for(url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(sql_table(table)))
    engine.dispose()
    return count


# --- payloads ----------------------------------------------------------------------------------


REASONS = ["attitude", "wait_time", "procedure", "guidance", "facilities", "other"]


def make_requests(
    n: int, rng: random.Random, instrument: str, tokens: list[str], mix: str = "full"
) -> list:
    """n distinct valid submissions (path, JSON body), round-robin over the kiosks.

    Roughly what a desk sees: mostly satisfied, a few comments, some of which open a case; a
    rating of 1–2 comes with its reasons. `mix` "full": every rating question answered, as a
    full-mode tablet sends (the heavier case, and the one earlier figures were taken with);
    "quick": as a quick-mode tablet sends, mostly the one overall tap, now and then the rest
    after "Tell us more", or part of it (partial).
    """
    answered_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    requests = []
    for i in range(n):
        overall = rng.choices([1, 2, 3, 4, 5], weights=[3, 5, 12, 40, 40])[0]
        answers = {
            "f1_access": rng.choice([3, 4, 4, 5, 5, "no_opinion"]),
            "f2_procedure": rng.choice([3, 4, 5, 5]),
            "f3_officer": rng.choice([2, 3, 4, 5, 5]),
            "f4_result": rng.choice([3, 4, 5, 5, "no_opinion"]),
            "overall": overall,
        }
        if rng.random() < 0.7:
            answers["f5_feedback"] = rng.choice([3, 4, 5])
            answers["tt01_returns"] = rng.choice(["none", "none", "once", "more"])
            answers["tt01_offices"] = rng.choice(["none", "none", "one", "more"])
        partial = False
        if mix == "quick":
            told_more = rng.random()
            if told_more < 0.7:
                answers = {"overall": overall}
            elif told_more < 0.85:
                kept = rng.randint(1, len(answers) - 1)
                answers = dict([("overall", overall), *list(answers.items())[:kept]])
                partial = True
        if overall <= 2:
            answers["reasons"] = rng.sample(REASONS, rng.randint(1, 2))
        body = {
            "client_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "instrument": instrument,
            "answers": answers,
            "language": rng.choice(["vi", "vi", "vi", "en"]),
            "answered_at": answered_at,
            "partial": partial,
        }
        if rng.random() < 0.1:
            body["comment"] = rng.choice(COMMENTS)
            if rng.random() < 0.3:
                answers["want_reply"] = "yes"
                answers["reply_phone"] = f"09{rng.randrange(10**8):08d}"
        token = tokens[i % len(tokens)]
        requests.append((f"/api/v1/kiosk/{token}/responses", json.dumps(body).encode()))
    return requests


# --- load --------------------------------------------------------------------------------------


def _cpu_seconds(matches) -> float | None:
    """CPU time (user + system) used so far by the processes whose command line `matches`
    (Linux /proc); None where /proc cannot be read."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            if not matches(Path(f"/proc/{pid}/cmdline").read_bytes()):
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def server_cpu_seconds(base: str) -> float | None:
    """CPU time used so far by the gunicorn processes listening on base's port.

    Unlike requests/second, this barely moves when other programs share the machine.
    """
    bind = urllib.parse.urlsplit(base).netloc.encode()
    return _cpu_seconds(lambda cmdline: b"gunicorn" in cmdline and bind in cmdline)


def database_cpu_seconds(name: str | None) -> float | None:
    """CPU time used so far by the PostgreSQL backends serving database `name` (None: SQLite,
    whose work is done inside the gunicorn workers and counted there)."""
    if name is None:
        return None
    backend = f" {name} ".encode()
    return _cpu_seconds(lambda cmdline: cmdline.startswith(b"postgres: ") and backend in cmdline)


@dataclass
class Run:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    cpu_seconds: float | None = None
    db_cpu_seconds: float | None = None

    def _per_request_ms(self, seconds: float | None) -> float | None:
        return None if seconds is None else seconds * 1000 / len(self.latencies_ms)

    @property
    def cpu_ms_per_request(self) -> float | None:
        """Server CPU (all workers) per measured request."""
        return self._per_request_ms(self.cpu_seconds)

    @property
    def db_cpu_ms_per_request(self) -> float | None:
        """PostgreSQL's CPU (the backends of the bench database) per measured request."""
        return self._per_request_ms(self.db_cpu_seconds)

    @property
    def rate(self) -> float:
        """Requests per second over the measured run."""
        return len(self.latencies_ms) / self.seconds

    @property
    def errors(self) -> int:
        """Answers other than 201 (every payload is new and valid), and failed connections."""
        return sum(n for status, n in self.statuses.items() if status != 201)

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def drive(base: str, requests: list, clients: int) -> Run:
    """Send the requests from `clients` threads, each on its own keep-alive connection."""
    parts = urllib.parse.urlsplit(base)
    host, port = parts.hostname, parts.port
    if host != "127.0.0.1":
        raise SystemExit("loopback only")
    chunks = [requests[i::clients] for i in range(clients)]
    results: list[list[tuple[float, int | str]]] = [[] for _ in range(clients)]
    start_line = threading.Barrier(clients + 1)

    def client(chunk, out) -> None:
        """One tablet: its requests in turn on one connection (reopened if the server closes)."""
        conn = http.client.HTTPConnection(host, port, timeout=30)
        start_line.wait()
        for path, body in chunk:
            began = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                status: int | str = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
            out.append(((time.perf_counter() - began) * 1000, status))
        conn.close()

    threads = [
        threading.Thread(target=client, args=(chunk, out))
        for chunk, out in zip(chunks, results, strict=True)
    ]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    run = Run(seconds=time.perf_counter() - began)
    for out in results:
        for latency, status in out:
            run.latencies_ms.append(latency)
            run.statuses[status] = run.statuses.get(status, 0) + 1
    return run


def combined(runs: list[Run]) -> Run:
    """Several measured runs of one app as one: their requests, time and CPU added up."""
    total = Run(seconds=sum(r.seconds for r in runs))
    cpu = [r.cpu_seconds for r in runs]
    total.cpu_seconds = None if None in cpu else sum(cpu)
    db_cpu = [r.db_cpu_seconds for r in runs]
    total.db_cpu_seconds = None if None in db_cpu else sum(db_cpu)
    for run in runs:
        total.latencies_ms += run.latencies_ms
        for status, n in run.statuses.items():
            total.statuses[status] = total.statuses.get(status, 0) + n
    return total


def load(base: str, warmup: list, measured: list, clients: int, database: str | None) -> Run:
    """A warm-up, then the measured run with the server's (and PostgreSQL's) CPU time around it.
    Both apps use the same database, but only the one being loaded keeps its backends busy."""
    drive(base, warmup, clients)
    cpu_before, db_before = server_cpu_seconds(base), database_cpu_seconds(database)
    run = drive(base, measured, clients)
    cpu_after, db_after = server_cpu_seconds(base), database_cpu_seconds(database)
    if cpu_before is not None and cpu_after is not None:
        run.cpu_seconds = cpu_after - cpu_before
    if db_before is not None and db_after is not None:
        run.db_cpu_seconds = db_after - db_before
    return run


# --- kiosk page size ---------------------------------------------------------------------------


class _Assets(HTMLParser):
    """Stylesheets (<link rel=stylesheet href>) and scripts (<script src>) of a page."""

    def __init__(self):
        """Start with no references."""
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        """Keep the href of a stylesheet link and the src of a script."""
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def _fetch(url: str) -> tuple[int, int, bytes]:
    """(status, header bytes, body) of a GET, as a first-visit browser would get it."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.request("GET", path, headers={"Accept-Language": "vi", "Accept-Encoding": "gzip, br"})
    response = conn.getresponse()
    body = response.read()
    headers = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + sum(
        len(f"{k}: {v}\r\n") for k, v in response.getheaders()
    )
    conn.close()
    return response.status, headers + 2, body


def kiosk_page_size(base: str, token: str) -> list[str]:
    """Lines describing the first-visit transfer of the kiosk page."""
    page_url = f"{base}/kiosk/{token}"
    status, headers, body = _fetch(page_url)
    if status == 404:
        return ["kiosk page not available yet"]
    if status != 200:
        return [f"kiosk page answered {status}: not measured"]
    parser = _Assets()
    parser.feed(body.decode("utf-8", "replace"))
    origin = urllib.parse.urlsplit(base).netloc
    rows = [("/kiosk/<token>", status, headers, len(body))]
    skipped = []
    for ref in dict.fromkeys(parser.urls):
        url = urllib.parse.urljoin(page_url, ref)
        if urllib.parse.urlsplit(url).netloc != origin:
            skipped.append(ref)
            continue
        a_status, a_headers, a_body = _fetch(url)
        rows.append((urllib.parse.urlsplit(url).path, a_status, a_headers, len(a_body)))
    bodies = sum(r[3] for r in rows)
    total = bodies + sum(r[2] for r in rows)
    verdict = "met" if total <= PAGE_TARGET_BYTES else "MISSED"
    lines = [
        f"kiosk page, first visit: {total:,} bytes ({total / 1024:.1f} KB) with headers, "
        f"{bodies:,} bytes of bodies, {len(rows)} requests (target <= 60 KB: {verdict})"
    ]
    for path, a_status, a_headers, size in rows:
        lines.append(f"    {size:>8,} B body + {a_headers:>4} B headers  {a_status}  {path}")
    if any(r[1] != 200 for r in rows):
        lines.append("    (an asset did not answer 200)")
    for ref in skipped:
        lines.append(f"    other origin, not counted (a CSP breach): {ref}")
    return lines


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    """Prepare both apps on one fresh database, load them in turn, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured, per app")
    parser.add_argument("--warmup", type=int, default=100, help="per app, not measured")
    parser.add_argument(
        "--rounds", type=int, default=3, help="measured rounds per app, interleaved"
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--kiosks", type=int, default=16, help="one per client: a tablet sends in turn"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--mix",
        choices=["full", "quick"],
        default="full",
        help="answer sets as a full-mode tablet sends them (default) or a quick-mode one",
    )
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--redis",
        nargs="?",
        const="redis://127.0.0.1:6379/0",
        help="the throttle's storage in Redis, as production runs (default URL %(const)s); "
        "without it, each worker's memory",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database for inspection")
    parser.add_argument(
        "--name", default=PG_BENCH_DB, help="scratch database name (runs side by side differ)"
    )
    args = parser.parse_args()

    from bench.floor_app import create_table

    rng = random.Random(args.seed)
    url = make_database(args.name, args.postgres)
    missed = []
    try:
        env = bench_env(
            url,
            FEEDBACK_KIOSK_RATELIMIT="100000 per minute",
            FEEDBACK_KIOSK_BURST_COUNT="100000",
            FEEDBACK_RATELIMIT_STORAGE_URI=args.redis or "memory://",
        )
        flask(env, "db", "upgrade")
        flask(env, "demo", "seed")
        tokens = []
        for counter in counter_ids(url, args.kiosks):
            output = flask(env, "kiosks", "create", "--counter", str(counter))
            tokens.append(output.strip().splitlines()[-1].rstrip("/").rsplit("/", 1)[1])
        create_table(url)
        database = "PostgreSQL" if args.postgres else "SQLite (WAL)"
        backends = args.name if args.postgres else None  # whose CPU is PostgreSQL's share
        print(
            f"Kiosk submissions on {database}: gunicorn -w {WORKERS} (sync workers), "
            f"throttle in {args.redis or 'memory'}, "
            f"{args.clients} concurrent clients, {len(tokens)} kiosks, "
            f"{args.rounds} rounds of {args.requests:,} requests per app "
            f"after {args.warmup} warm-up; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before the run"
        )

        with gunicorn(env, workers=WORKERS) as base:
            with urllib.request.urlopen(f"{base}/api/v1/kiosk/{tokens[0]}", timeout=10) as r:
                instrument = json.load(r)["instrument"]
        total = args.warmup + args.requests * args.rounds
        # The same bodies for both apps: the floor stores them, the real app validates them.
        requests = make_requests(total, rng, instrument, tokens, args.mix)
        warmup = requests[: args.warmup]
        rounds = [
            requests[args.warmup + i * args.requests : args.warmup + (i + 1) * args.requests]
            for i in range(args.rounds)
        ]

        # Both servers up at once, loaded in turn, round after round (floor first in one round,
        # the real app first in the next): a machine that drifts during the run then weighs on
        # both alike, and the median ratio of the rounds is the figure.
        floors, reals = [], []
        with (
            gunicorn(env, workers=WORKERS, app="bench.floor_app:app") as floor_base,
            gunicorn(env, workers=WORKERS) as real_base,
        ):
            load(floor_base, warmup, [], args.clients, backends)
            load(real_base, warmup, [], args.clients, backends)
            for i, batch in enumerate(rounds):
                order = [(floor_base, floors), (real_base, reals)]
                for base, runs in order if i % 2 == 0 else reversed(order):
                    runs.append(load(base, [], batch, args.clients, backends))
            page_lines = kiosk_page_size(real_base, tokens[0])

        ratios = [r.rate / f.rate for f, r in zip(floors, reals, strict=True)]
        print("  ratio real / floor per round: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))
        floor, real = combined(floors), combined(reals)
        for label, run in (("floor app (bench/floor_app.py)", floor), ("real app", real)):
            cpu = run.cpu_ms_per_request
            print(
                f"  {label:32s} {run.rate:8.1f} req/s  p50 {run.percentile(50):6.1f} ms  "
                f"p99 {run.percentile(99):6.1f} ms  mean {statistics.fmean(run.latencies_ms):6.1f}"
                f" ms  errors {run.errors}"
                + (f" {run.statuses}" if run.errors else "")
                + (f"  server CPU {cpu:.2f} ms/request" if cpu is not None else "")
                + (
                    f"  database CPU {run.db_cpu_ms_per_request:.2f} ms/request"
                    if run.db_cpu_ms_per_request is not None
                    else ""
                )
            )
        ratio = statistics.median(ratios)
        if real.cpu_ms_per_request and floor.cpu_ms_per_request:
            cpu_ratio = floor.cpu_ms_per_request / real.cpu_ms_per_request
            print(
                f"  {'server CPU ratio floor / real':32s} {cpu_ratio:.2f}  "
                "(what the ratio would be if CPU were the only limit; not a target)"
            )
        p99 = real.percentile(99)
        errors = floor.errors + real.errors
        checks = [
            (
                f"ratio real / floor, median of {len(ratios)}",
                f"{ratio:.2f}",
                ratio >= RATIO_TARGET,
                ">= 0.5",
            ),
            (
                f"real app p99 at {args.clients} clients",
                f"{p99:.1f} ms (p50 {real.percentile(50):.1f} ms)",
                p99 < P99_TARGET_MS,
                "< 100 ms",
            ),
            ("errors (both apps)", str(errors), errors == 0, "0"),
        ]
        for label, value, ok, target in checks:
            print(f"  {label:32s} {value}  (target {target}: {'met' if ok else 'MISSED'})")
            if not ok:
                missed.append(label)
        stored = row_count(url, "responses")
        floor_stored = row_count(url, "floor_rows")
        print(
            f"  stored: {stored:,} responses, {row_count(url, 'cases'):,} cases; "
            f"{floor_stored:,} floor rows (sent {total:,} to each)"
        )
        if stored != total or floor_stored != total:
            missed.append("rows stored")
        for line in page_lines:
            print(f"  {line}")
        if "MISSED" in page_lines[0]:
            missed.append("kiosk page size")
    finally:
        if not args.keep:
            drop_database(args.name, args.postgres)
    if missed:
        print("Targets missed: " + ", ".join(missed), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
