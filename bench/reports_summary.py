"""Benchmark: the period summary API, a district's half-year, at 30,000 and 300,000 responses.

For each size, on a fresh scratch database:
  - `flask db upgrade`, then `flask demo seed --responses N --from 2025-01-01 --to 2025-06-30
    --seed 1`, timed (the seed prints how long it took to write and how long the rollups took to
    catch up, which it does before it returns), then `flask maintenance analyze` (a live
    database has planner statistics; a bulk load has none until analysed);
  - a gunicorn server (2 sync workers, as the other benchmarks), signed in as the reform office
    (the demo's `reform` account) through the real sign-in form;
  - GET /api/v1/reports/summary?period=2025-H1&unit=009 (the district and its 11 wards, the
    half-year the data covers, beside the one before it): a few warm-up requests, then the
    measured ones, one at a time; median and p90 latency.
Then the growth from the smallest to the largest size, and the goals: at most 300 ms at 300,000
responses on SQLite, growth 30,000 → 300,000 at most 1.5×, at most 500 ms at 3,000,000 on
PostgreSQL (a province's year).

Only loopback addresses; each server is stopped and each scratch database dropped (SQLite
files removed) when its size is done, unless --keep.

Usage:
  .venv/bin/python bench/reports_summary.py                            # SQLite, 30k and 300k
  .venv/bin/python bench/reports_summary.py --sizes 30000              # a quick look
  .venv/bin/python bench/reports_summary.py --postgres                 # PostgreSQL, 3,000,000
  .venv/bin/python bench/reports_summary.py --postgres --responses 1000000 --sizes 30000,1000000
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    Browser,
    bench_env,
    flask,
    gunicorn,
    make_database,
    percentile,
    remove_database,
    timed,
)

BENCH_DB = "feedback_summary_bench"
WORKERS = 2
PERIOD = "2025-H1"
FIRST_DAY, LAST_DAY = "2025-01-01", "2025-06-30"
UNIT = "009"
SQLITE_SIZES = (30_000, 300_000)
PG_SIZE = 3_000_000
SQLITE_TARGET = (300_000, 300.0)  # responses, median ms
PG_TARGET = (3_000_000, 500.0)
GROWTH = (30_000, 300_000, 1.5)  # from, to, at most

LOGIN_RE = re.compile(r"^\s+reform: (\S+)$", re.MULTILINE)
SEEDED_RE = re.compile(r"Responses created: (\d+) .* in ([0-9.]+) s")
FOLDED_RE = re.compile(r"Rollups brought up to date: (\d+) responses in ([0-9.]+) s")


def measure(size: int, args) -> dict:
    """Seed a fresh database with `size` responses, serve it, time the summary."""
    name = f"{args.name}_{size}"
    url = make_database(name, args.postgres)
    try:
        env = bench_env(url)
        flask(env, "db", "upgrade")
        began = time.perf_counter()
        output = flask(
            env,
            "demo",
            "seed",
            "--responses",
            str(size),
            "--from",
            FIRST_DAY,
            "--to",
            LAST_DAY,
            "--seed",
            str(args.seed),
        )
        seed_seconds = time.perf_counter() - began
        began = time.perf_counter()
        flask(env, "maintenance", "analyze")
        analyze_seconds = time.perf_counter() - began
        password = LOGIN_RE.search(output).group(1)
        seeded, folded = SEEDED_RE.search(output), FOLDED_RE.search(output)
        path = f"/api/v1/reports/summary?period={PERIOD}&unit={UNIT}"
        with gunicorn(env, workers=WORKERS) as base:
            browser = Browser(base)
            browser.login("reform", password)
            status, body = browser.get(path)
            data = json.loads(body)
            if status != 200 or data["unit"]["code"] != UNIT:
                raise SystemExit(f"{path}: unexpected answer {status}")
            for _ in range(args.warmup):
                browser.get(path)
            times = timed(lambda: browser.get(path), args.repeat)
        return {
            "size": size,
            "responses": data["responses"] + data["suspicious"],
            "cases": data["cases"]["received"],
            "seed_s": seed_seconds,
            "write_s": float(seeded.group(2)) if seeded else None,
            "fold_s": float(folded.group(2)) if folded else None,
            "analyze_s": analyze_seconds,
            "median": statistics.median(times),
            "p90": percentile(times, 90),
            "bytes": len(body.encode()),
        }
    finally:
        if not args.keep:
            remove_database(name, args.postgres)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="a scratch PostgreSQL database")
    parser.add_argument(
        "--responses", type=int, help=f"the largest size (PostgreSQL default {PG_SIZE:,})"
    )
    parser.add_argument(
        "--sizes",
        help="comma-separated sizes (default: 30000,300000 on SQLite; --responses on PostgreSQL)",
    )
    parser.add_argument("--repeat", type=int, default=30, help="measured requests per size")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the databases for inspection")
    parser.add_argument("--name", default=BENCH_DB, help="scratch database name prefix")
    args = parser.parse_args()
    if args.sizes:
        sizes = sorted({int(size) for size in args.sizes.split(",")})
    elif args.responses:
        sizes = [args.responses]
    else:
        sizes = [PG_SIZE] if args.postgres else list(SQLITE_SIZES)
    if args.responses and args.responses not in sizes:
        sizes = sorted({*sizes, args.responses})

    database = "PostgreSQL" if args.postgres else "SQLite (WAL)"
    print(
        f"Summary API on {database}: GET /api/v1/reports/summary?period={PERIOD}&unit={UNIT} "
        f"as the reform office, gunicorn -w {WORKERS}, {args.warmup} warm-up then "
        f"{args.repeat} measured requests per size; demo seed {FIRST_DAY}..{LAST_DAY} "
        f"(seed {args.seed}); {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results = []
    for size in sizes:
        result = measure(size, args)
        results.append(result)

        def seconds(value):
            return f"{value:6.1f} s" if value is not None else "     ?  "

        print(
            f"  {result['responses']:>9,} responses ({result['cases']:,} cases): "
            f"seed {seconds(result['seed_s'])} (writing {seconds(result['write_s'])}, "
            f"rollups {seconds(result['fold_s'])}), analyze {result['analyze_s']:.1f} s; "
            f"summary median {result['median']:6.1f} ms, p90 {result['p90']:6.1f} ms "
            f"({result['bytes']:,} bytes)",
            flush=True,
        )

    by_size = {r["size"]: r for r in results}
    checks = []
    if len(results) > 1:
        low, high = results[0], results[-1]
        ratio = high["median"] / low["median"]
        print(f"  growth {low['size']:,} → {high['size']:,}: {ratio:.2f}× (median)")
        first, last, limit = GROWTH
        if first in by_size and last in by_size and not args.postgres:
            checks.append((f"growth {first:,} → {last:,}", f"{ratio:.2f}×", ratio <= limit))
    size, limit = PG_TARGET if args.postgres else SQLITE_TARGET
    if size in by_size:
        median = by_size[size]["median"]
        checks.append((f"median at {size:,}", f"{median:.1f} ms", median <= limit))
    else:
        print(f"  (the goal at {size:,} responses was not measured: largest size {sizes[-1]:,})")
    missed = []
    goals = {
        "growth": f"<= {GROWTH[2]}×",
        "median": f"<= {limit:.0f} ms",
    }
    for label, value, ok in checks:
        target = goals[label.split()[0]]
        print(f"  {label:32s} {value}  (target {target}: {'met' if ok else 'MISSED'})")
        if not ok:
            missed.append(label)
    if missed:
        print("Targets missed: " + ", ".join(missed), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
