"""Benchmark: the period report's files and the public results page, at 300,000 responses.

On a fresh scratch database (SQLite by default):
  - `flask db upgrade`, then `flask demo seed --responses N` over the last closed half-year
    (so the public page, which shows the last closed quarter and half-year, has its figures),
    then `flask maintenance analyze`;
  - a gunicorn server (2 sync workers, as the other benchmarks), signed in as the reform office;
  - the DOCX report and the XLSX annex of that half-year for the district (GET
    /reports/summary.docx|.xlsx?period=…&unit=009): a few warm-up requests, then the measured
    ones, one at a time ("warm": the server has drawn the charts and made the summary once);
  - the same on a second server with REPORTS_CACHE_SECONDS=0, where every request makes the
    summary and draws the five charts again (the first download after the figures changed);
  - the public page /results/009 and its trend chart, anonymous, warm;
  - each file opened with python-docx / openpyxl once, as a check that it is what it claims.
Goals (issue 13): DOCX and XLSX under 2 s each, warm; the public page under 50 ms warm (median).

Usage:
  .venv/bin/python bench/reports_exports.py                     # SQLite, 300,000 responses
  .venv/bin/python bench/reports_exports.py --responses 30000   # a quick look
  .venv/bin/python bench/reports_exports.py --postgres
"""

import argparse
import io
import re
import statistics
import sys
import time
from datetime import date
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
from feedback_app.reports.periods import last_closed  # noqa: E402

BENCH_DB = "feedback_exports_bench"
WORKERS = 2
UNIT = "009"
FILE_GOAL_MS = 2000.0
PUBLIC_GOAL_MS = 50.0
LOGIN_RE = re.compile(r"^\s+reform: (\S+)$", re.MULTILINE)


def _files(base: str, password: str, period: str, args) -> dict[str, list[float]]:
    browser = Browser(base)
    browser.login("reform", password)
    found = {}
    for fmt in ("docx", "xlsx"):
        path = f"/reports/summary.{fmt}?period={period}&unit={UNIT}"
        status, body = browser.fetch(path)
        if status != 200:
            raise SystemExit(f"{path}: {status}")
        _check(fmt, body)
        for _ in range(args.warmup):
            browser.fetch(path)
        found[fmt] = timed(lambda path=path: browser.fetch(path), args.repeat)
    return found


def _check(fmt: str, body: bytes) -> None:
    """The file opens with the library that reads it, and says what it should."""
    if fmt == "docx":
        from docx import Document

        document = Document(io.BytesIO(body))
        text = "\n".join(p.text for p in document.paragraphs)
        if "BÁO CÁO" not in text or len(document.inline_shapes) < 4:
            raise SystemExit("the DOCX is not the report")
    else:
        from openpyxl import load_workbook

        if "Tổng hợp" not in load_workbook(io.BytesIO(body)).sheetnames:
            raise SystemExit("the XLSX is not the annex")


def _public(base: str, args) -> dict[str, list[float]]:
    browser = Browser(base)  # anonymous
    found = {}
    for path in (f"/results/{UNIT}", f"/results/{UNIT}/trend.png"):
        status, _body = browser.fetch(path)
        if status != 200:
            raise SystemExit(f"{path}: {status}")
        for _ in range(args.warmup):
            browser.fetch(path)
        found[path] = timed(lambda path=path: browser.fetch(path), args.public_repeat)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="a scratch PostgreSQL database")
    parser.add_argument("--responses", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=10, help="measured downloads per file")
    parser.add_argument("--public-repeat", type=int, default=200, help="measured public pages")
    parser.add_argument("--warmup", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database for inspection")
    args = parser.parse_args()

    half = last_closed("half", date.today())
    url = make_database(BENCH_DB, args.postgres)
    try:
        env = bench_env(url)
        flask(env, "db", "upgrade")
        began = time.perf_counter()
        output = flask(
            env,
            "demo",
            "seed",
            "--responses",
            str(args.responses),
            "--from",
            half.start.isoformat(),
            "--to",
            half.end.isoformat(),
            "--seed",
            str(args.seed),
        )
        seed_s = time.perf_counter() - began
        flask(env, "maintenance", "analyze")
        password = LOGIN_RE.search(output).group(1)
        with gunicorn(env, workers=WORKERS) as base:
            warm = _files(base, password, half.label, args)
            public = _public(base, args)
        cold_env = bench_env(url, FEEDBACK_REPORTS_CACHE_SECONDS="0")
        with gunicorn(cold_env, workers=WORKERS) as base:
            cold = _files(base, password, half.label, argparse.Namespace(warmup=1, repeat=5))
    finally:
        if not args.keep:
            remove_database(BENCH_DB, args.postgres)

    engine = "PostgreSQL" if args.postgres else "SQLite (WAL)"
    print(
        f"Report files and public page on {engine}: {args.responses:,} demo responses over "
        f"{half.label} (seeded in {seed_s:.1f} s), district {UNIT}, gunicorn -w {WORKERS}"
    )
    for fmt in ("docx", "xlsx"):
        times = warm[fmt]
        median = statistics.median(times)
        verdict = "met" if median < FILE_GOAL_MS else "MISSED"
        p90 = percentile(times, 90)
        print(
            f"  {fmt.upper()} warm      median {median:7.1f} ms, p90 {p90:7.1f} ms"
            f"  (target < {FILE_GOAL_MS:.0f} ms: {verdict})"
        )
        times = cold[fmt]
        print(
            f"  {fmt.upper()} uncached  median {statistics.median(times):7.1f} ms "
            "(summary made and charts drawn on every request)"
        )
    for path, times in public.items():
        median = statistics.median(times)
        goal = ""
        if not path.endswith(".png"):
            verdict = "met" if median < PUBLIC_GOAL_MS else "MISSED"
            goal = f"  (target < {PUBLIC_GOAL_MS:.0f} ms: {verdict})"
        print(f"  {path:24s} median {median:6.1f} ms, p90 {percentile(times, 90):6.1f} ms{goal}")


if __name__ == "__main__":
    main()
