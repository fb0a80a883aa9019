"""Benchmark: Twilio SMS webhooks on the real app (gunicorn -w 2), fresh and replayed.

In one run, on one fresh database seeded with the demo (`demo seed`):
  (a) load: signed POST /hotline/twilio/sms webhooks, every one a new message (distinct
      MessageSid), from 16 concurrent senders (threads with keep-alive http.client connections),
      after a warm-up; requests/second, p50 and p99 latency (p99 target < 100 ms), errors
      (target 0: anything but 200 with a reply carrying a tracking code), and the server's CPU
      time per request (all workers, from /proc: it barely moves when the machine is shared);
  (b) replays: 100 more messages, each sent 10 times (shuffled, from 16 concurrent senders, so
      copies of one message race each other); afterwards the database must hold exactly 100
      sms_messages rows and 100 cases (channel hotline_sms) for them, and every copy of a
      message must have had the identical reply, carrying that message's case code.

The webhooks are signed exactly as Twilio signs them (RequestValidator.compute_signature over the
public URL and every POST field, including the ones the app never reads).

Only loopback addresses; the server is stopped and (with --postgres) the scratch database is
dropped at the end.

Usage:
  .venv/bin/python bench/hotline_sms.py                 # SQLite (WAL) in bench/out/
  .venv/bin/python bench/hotline_sms.py --postgres      # a scratch PostgreSQL database
  .venv/bin/python bench/hotline_sms.py --messages 5000 --clients 16
"""

import argparse
import http.client
import os
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from twilio.request_validator import RequestValidator  # noqa: E402

from bench._common import bench_env, drop_database, flask, gunicorn, make_database  # noqa: E402
from bench.kiosk_submissions import server_cpu_seconds  # noqa: E402

PG_BENCH_DB = "feedback_hotline_bench"
WORKERS = 2
P99_TARGET_MS = 100.0
PATH = "/hotline/twilio/sms"
# Bench-only credentials: letters in the token so FEEDBACK_* JSON parsing keeps it a string.
TOKEN = "bench0token0f3b2c1d0e9a8b7c6d5e4"  # noqa: S105 - a throw-away loopback server's
ACCOUNT = "AC" + "be7c4" * 6 + "00"
PUBLIC = "https://gopy.thanhxuan.hanoi.gov.vn"
LINE = "+842438581234"  # the district's line in `demo seed` (feedback_app.demo.DEMO_HOTLINE)
MESSAGE_RE = re.compile(rb"<Message>(.*?)</Message>", re.S)

TEXTS = [
    "Cán bộ phường tiếp dân chậm, phải chờ hơn 2 tiếng",
    "Đề nghị niêm yết rõ lệ phí chứng thực",
    "Phòng chờ nóng, cần thêm quạt",
    "Xin hỏi thủ tục đăng ký khai sinh cần giấy tờ gì?",
    "Hồ sơ của tôi bị yêu cầu bổ sung nhiều lần",
    "Cảm ơn chị cán bộ bộ phận một cửa đã hướng dẫn tận tình",
]


# --- requests ----------------------------------------------------------------------------------


def signed_sms(sid: str, sender: str, text: str) -> tuple[str, bytes, dict, str]:
    """(path, body, headers, sid) of an inbound-SMS webhook as Twilio sends and signs it."""
    params = {
        "ToCountry": "VN",
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "HA NOI",
        "Body": text,
        "FromCountry": "VN",
        "To": LINE,
        "ToZip": "",
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": ACCOUNT,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + PATH, params)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        "User-Agent": "TwilioProxy/1.1",
    }
    return PATH, urllib.parse.urlencode(params).encode(), headers, sid


def make_messages(n: int, prefix: str, rng: random.Random) -> list:
    """n distinct messages (MessageSid = prefix + number) from a few thousand citizens."""
    return [
        signed_sms(
            f"{prefix}{i:08d}",
            f"+849{rng.randrange(10**8):08d}",
            f"{rng.choice(TEXTS)} (#{i})",
        )
        for i in range(n)
    ]


# --- load --------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    # MessageSid -> every reply body it got (one per copy sent).
    bodies: dict = field(default_factory=lambda: defaultdict(list))
    cpu_seconds: float | None = None

    @property
    def cpu_ms_per_request(self) -> float | None:
        """Server CPU (all workers) per request: barely moves when the machine is shared."""
        if self.cpu_seconds is None:
            return None
        return self.cpu_seconds * 1000 / len(self.latencies_ms)

    @property
    def rate(self) -> float:
        """Requests per second over the run."""
        return len(self.latencies_ms) / self.seconds

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    @property
    def errors(self) -> int:
        """Answers other than 200 with one <Message>, and failed connections."""
        bad = sum(n for status, n in self.statuses.items() if status != 200)
        no_reply = sum(
            1 for replies in self.bodies.values() for body in replies if not MESSAGE_RE.search(body)
        )
        return bad + no_reply


def measured(base: str, requests: list, clients: int) -> Run:
    """drive(), with the server's CPU time around it."""
    before = server_cpu_seconds(base)
    run = drive(base, requests, clients)
    after = server_cpu_seconds(base)
    if before is not None and after is not None:
        run.cpu_seconds = after - before
    return run


def drive(base: str, requests: list, clients: int) -> Run:
    """Send the requests from `clients` threads, each on its own keep-alive connection."""
    parts = urllib.parse.urlsplit(base)
    host, port = parts.hostname, parts.port
    if host != "127.0.0.1":
        raise SystemExit("loopback only")
    chunks = [requests[i::clients] for i in range(clients)]
    results: list[list] = [[] for _ in range(clients)]
    start_line = threading.Barrier(clients + 1)

    def sender(chunk, out) -> None:
        """One SMS gateway connection: its requests in turn (reopened if the server closes)."""
        conn = http.client.HTTPConnection(host, port, timeout=30)
        start_line.wait()
        for path, body, headers, sid in chunk:
            began = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                reply = response.read()
                status: int | str = response.status
            except (OSError, http.client.HTTPException) as exc:
                status, reply = type(exc).__name__, b""
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
            out.append(((time.perf_counter() - began) * 1000, status, sid, reply))
        conn.close()

    threads = [
        threading.Thread(target=sender, args=(chunk, out))
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
        for latency, status, sid, reply in out:
            run.latencies_ms.append(latency)
            run.statuses[status] += 1
            if status == 200:
                run.bodies[sid].append(reply)
    return run


# --- database ----------------------------------------------------------------------------------


def stored(url: str, prefix: str) -> dict:
    """What the database holds for the messages whose MessageSid starts with prefix."""
    from sqlalchemy import func, select

    from bench.floor_app import engine_for
    from feedback_app.models import Case, CaseChannel, SmsMessage

    engine = engine_for(url)
    mine = SmsMessage.provider_id.like(f"{prefix}%")
    with engine.connect() as conn:
        rows = conn.execute(
            select(SmsMessage.provider_id, SmsMessage.reply, Case.code, Case.channel)
            .outerjoin(Case, Case.id == SmsMessage.case_id)
            .where(mine)
        ).all()
        by_intake_key = conn.scalar(
            select(func.count())
            .select_from(Case)
            .where(
                Case.intake_key.like(f"sms:twilio:{prefix}%"),
                Case.channel == CaseChannel.HOTLINE_SMS.value,
            )
        )
        total_sms = conn.scalar(select(func.count()).select_from(SmsMessage))
    engine.dispose()
    return {
        "rows": {sid: (reply, code, channel) for sid, reply, code, channel in rows},
        "row_count": len(rows),
        "cases": by_intake_key,
        "total_sms": total_sms,
    }


# --- main --------------------------------------------------------------------------------------


def check_replies(run: Run, db: dict) -> tuple[int, int]:
    """(messages whose copies got differing replies, replies not matching the stored case)."""
    differing = mismatched = 0
    for sid, bodies in run.bodies.items():
        if len(set(bodies)) != 1:
            differing += 1
        reply, code, _channel = db["rows"].get(sid, (None, None, None))
        found = MESSAGE_RE.search(bodies[0])
        text = found.group(1).decode() if found else ""
        if not code or code not in text or text != reply:
            mismatched += 1
    return differing, mismatched


def main() -> None:
    """Seed a fresh database, run the load and the replays, check the rows, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="measured distinct messages")
    parser.add_argument("--warmup", type=int, default=100, help="not measured")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--distinct", type=int, default=100, help="messages in the replay run")
    parser.add_argument("--copies", type=int, default=10, help="times each one is sent")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database for inspection")
    parser.add_argument(
        "--name", default=PG_BENCH_DB, help="scratch database name (runs side by side differ)"
    )
    args = parser.parse_args()

    rng = random.Random(args.seed)
    url = make_database(args.name, args.postgres)
    checks = []
    try:
        env = bench_env(
            url,
            FEEDBACK_TWILIO_AUTH_TOKEN=TOKEN,
            FEEDBACK_TWILIO_ACCOUNT_SID=ACCOUNT,
            FEEDBACK_PUBLIC_BASE_URL=PUBLIC,
        )
        flask(env, "db", "upgrade")
        flask(env, "demo", "seed")
        database = "PostgreSQL" if args.postgres else "SQLite (WAL)"
        print(
            f"Twilio SMS webhooks on {database}: gunicorn -w {WORKERS} (sync workers), "
            f"{args.clients} concurrent senders; {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f} before the run"
        )
        warmup = make_messages(args.warmup, "SMwarm", rng)
        fresh = make_messages(args.messages, "SMload", rng)
        distinct = make_messages(args.distinct, "SMrepl", rng)
        replays = [message for message in distinct for _ in range(args.copies)]
        rng.shuffle(replays)

        with gunicorn(env, workers=WORKERS) as base:
            drive(base, warmup, args.clients)
            load = measured(base, fresh, args.clients)
            replay = measured(base, replays, args.clients)

        after_load = stored(url, "SMload")
        after_replay = stored(url, "SMrepl")
        differing, mismatched = check_replies(replay, after_replay)
        _, load_mismatched = check_replies(load, after_load)
        expected_total = args.warmup + args.messages + args.distinct

        print()
        header = ("run", "requests", "req/s", "p50 ms", "p99 ms", "mean ms", "errors", "CPU ms/req")
        print("  {:28s} {:>9s} {:>8s} {:>8s} {:>8s} {:>8s} {:>7s} {:>11s}".format(*header))
        runs = (
            (f"(a) {args.messages} new messages", load),
            (f"(b) {args.distinct} x {args.copies} replays", replay),
        )
        for label, run in runs:
            print(
                f"  {label:28s} {len(run.latencies_ms):9d} {run.rate:8.1f} "
                f"{run.percentile(50):8.1f} {run.percentile(99):8.1f} "
                f"{statistics.fmean(run.latencies_ms):8.1f} {run.errors:7d} "
                + (f"{run.cpu_ms_per_request:11.2f}" if run.cpu_ms_per_request else f"{'-':>11s}")
                + (f"  {dict(run.statuses)}" if run.errors else "")
            )
        print()
        p99 = load.percentile(99)
        load_ok = len(load.bodies) - load_mismatched
        replay_ok = len(replay.bodies) - mismatched
        checks = [
            ("(a) p99 latency", f"{p99:.1f} ms", p99 < P99_TARGET_MS, f"< {P99_TARGET_MS:.0f} ms"),
            ("(a) errors", str(load.errors), load.errors == 0, "0"),
            (
                "(a) rows stored",
                str(after_load["row_count"]),
                after_load["row_count"] == args.messages,
                str(args.messages),
            ),
            (
                "(a) replies = stored, with code",
                str(load_ok),
                load_ok == args.messages,
                str(args.messages),
            ),
            ("(b) errors", str(replay.errors), replay.errors == 0, "0"),
            (
                "(b) sms_messages rows",
                str(after_replay["row_count"]),
                after_replay["row_count"] == args.distinct,
                str(args.distinct),
            ),
            (
                "(b) cases (hotline_sms)",
                str(after_replay["cases"]),
                after_replay["cases"] == args.distinct,
                str(args.distinct),
            ),
            ("(b) copies with differing reply", str(differing), differing == 0, "0"),
            (
                "(b) replies = stored, with code",
                str(replay_ok),
                replay_ok == args.distinct,
                str(args.distinct),
            ),
            (
                "sms_messages in all",
                str(after_replay["total_sms"]),
                after_replay["total_sms"] == expected_total,
                str(expected_total),
            ),
        ]
        print(f"  {'check':34s} {'value':>14s} {'target':>12s}")
        for label, value, ok, target in checks:
            print(f"  {label:34s} {value:>14s} {target:>12s}  {'met' if ok else 'MISSED'}")
    finally:
        if not args.keep:
            drop_database(args.name, args.postgres)
    missed = [label for label, _value, ok, _target in checks if not ok]
    if missed or not checks:
        print("Targets missed: " + (", ".join(missed) or "the run did not finish"), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
