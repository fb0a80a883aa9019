"""Benchmark: the staff case list with 100,000 cases (issue "Cases and the paper channels").

Measures, on a warm gunicorn server (2 workers), the median latency of
  - the first page of the list filtered to one ward, overdue only;
  - the diacritic-insensitive text search (a common and a rare phrase, typed without accents).

Usage:
  .venv/bin/python bench/cases_list.py                       # SQLite in bench/out/
  .venv/bin/python bench/cases_list.py --postgres            # a scratch PostgreSQL database
  .venv/bin/python bench/cases_list.py --cases 20000 --repeat 30
"""

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    Browser,
    bench_env,
    drop_database,
    flask,
    gunicorn,
    make_database,
    summary,
    timed,
)

PG_BENCH_DB = "feedback_bench"

FRAGMENTS = [
    "Cán bộ hướng dẫn nhiệt tình, chu đáo",
    "Thời gian chờ đợi quá lâu",
    "Thái độ của công chức chưa niềm nở",
    "Đề nghị bố trí thêm ghế ngồi chờ",
    "Thủ tục cấp giấy phép xây dựng còn rườm rà",
    "Phòng chờ nóng, cần thêm quạt",
    "Hồ sơ bị yêu cầu bổ sung nhiều lần",
    "Máy lấy số thứ tự bị hỏng",
    "Xin cảm ơn bộ phận một cửa phường",
    "Niêm yết thủ tục chưa đầy đủ",
]
RARE = "Chứng thực bản sao hợp đồng chuyển nhượng quyền sử dụng đất"  # ~0.2% of cases


def fill(url: str, n: int, seed: int = 7) -> int:
    """Insert n cases spread over the demo wards; returns the id of the ward to filter on."""
    from sqlalchemy import insert, select, text

    from feedback_app import create_app
    from feedback_app.cases.service import new_code
    from feedback_app.extensions import db
    from feedback_app.models import AdminUnit, Case, CaseChannel, CaseKind, CaseStatus
    from feedback_app.models.cases import OPEN_STATUSES
    from feedback_app.privacy import normalise_for_search

    rng = random.Random(seed)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "ENV": "testing"})
    with app.app_context():
        units = db.session.execute(
            select(AdminUnit.id, AdminUnit.code).where(AdminUnit.path.like("/1/2/%"))
        ).all()
        ward_id = next(uid for uid, code in units if code == "00343")
        now = datetime.now(UTC)
        statuses = list(CaseStatus)
        rows, codes = [], set()
        for i in range(n):
            received = now - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
            body = ". ".join(rng.sample(FRAGMENTS, 2))
            if rng.random() < 0.002:
                body += ". " + RARE
            code = new_code()
            while code in codes:
                code = new_code()
            codes.add(code)
            day = received.date()
            status = rng.choice(statuses)
            due = day + timedelta(days=7 if status == CaseStatus.RECEIVED else 14)
            rows.append(
                {
                    "code": code,
                    "channel": rng.choice(list(CaseChannel)),
                    "kind": rng.choice(list(CaseKind)[:5]),
                    "status": status,
                    "received_at": received,
                    "unit_id": rng.choice(units)[0],
                    "subject": "",
                    "content": body,
                    "search_text": normalise_for_search(f"{code} {body}"),
                    "classify_due": day + timedelta(days=7),
                    "answer_due": day + timedelta(days=14),
                    "due_on": due if status in OPEN_STATUSES else None,
                    "published": False,
                    "created_at": received,
                    "updated_at": received,
                }
            )
            if len(rows) == 5000 or i == n - 1:
                db.session.execute(insert(Case), rows)
                rows = []
        db.session.commit()
        # A live database has planner statistics; a bulk load has none until analysed.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return ward_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database for inspection")
    args = parser.parse_args()

    url = make_database(PG_BENCH_DB, args.postgres)
    try:
        env = bench_env(url)
        flask(env, "db", "upgrade")
        flask(env, "demo", "seed")
        flask(
            env,
            "users",
            "create",
            "bench",
            "--role",
            "admin",
            "--unit",
            "01",
            "--password-stdin",
            stdin="bench-password-123\n",
        )
        ward_id = fill(url, args.cases)
        database = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"{args.cases:,} cases on {database}; gunicorn, 2 workers; {args.repeat} requests each"
        )
        with gunicorn(env) as base:
            browser = Browser(base)
            browser.login("bench", "bench-password-123")
            pages = {
                "list, one ward, overdue only": f"/cases/?unit={ward_id}&overdue=y",
                "search 'thai do' (common)": "/cases/?q=thai+do",
                "search 'chuyen nhuong quyen' (rare)": "/cases/?q=chuyen+nhuong+quyen",
                "list, first page, no filter": "/cases/",
            }
            for label, path in pages.items():
                status, html = browser.get(path)
                if status != 200 or "<table" not in html:
                    raise SystemExit(f"{label}: unexpected answer {status}")
                for _ in range(5):
                    browser.get(path)
                times = timed(lambda p=path: browser.get(p), args.repeat)
                print(f"  {label:40s} {summary(times)}")
    finally:
        if not args.keep:
            drop_database(PG_BENCH_DB, args.postgres)


if __name__ == "__main__":
    main()
