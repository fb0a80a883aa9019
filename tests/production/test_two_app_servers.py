"""Two app servers, as on two machines (DESIGN §6: nothing may assume one process): separate
gunicorn masters of deploy/gunicorn.conf.py on one database and one Redis. Whatever one server
counted or stored, the other knows.

Marked slow (4–6 s, most of it starting two gunicorns): CI runs it, `pytest -m "not slow"` skips it.
"""

import csv
import hashlib
import hmac
import io
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Case, SmsMessage
from feedback_app.timeutil import local_today, now_utc
from tests.conftest import PASSWORD, translated
from tests.hotline.hotline_support import CALLER, GATEWAY_SECRET, LINE_NUMBER, add_line
from tests.production.gunicorn_support import (
    Browser,
    kiosk_instrument,
    post_json,
    request,
    stored_responses,
    submission,
)
from tests.surveys.kiosk_support import make_kiosk

KIOSK_LIMIT = 6


def race(servers, send):
    """`send(server)` to every server at the same moment; their (status, reply) in order."""
    barrier = threading.Barrier(len(servers))
    results: list = [None] * len(servers)

    def run(i, server):
        barrier.wait()
        results[i] = send(server)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(servers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def gateway_sms(server, payload: dict) -> tuple[int, dict]:
    """POST an SMS as the local gateway does, signed with HMAC-SHA256 of the raw body."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    digest = hmac.new(GATEWAY_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Signature": f"sha256={digest}"}
    status, raw = request(server.port, "POST", "/hotline/gateway/sms", body, headers)
    return status, json.loads(raw)


def csv_responses(download: tuple[int, str]) -> int:
    """The district's `responses` figure in a downloaded CSV report."""
    status, text = download
    assert status == 200, text
    for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        if row["unit_code"] == "009" and row["figure"] == "responses":
            return int(row["value"])
    raise AssertionError(f"no responses row in {text[:300]!r}")


@pytest.mark.slow
def test_two_servers_share_throttles_replies_and_figures(
    app, district, kiosk, start_server, shared_redis
):
    """Two masters with one worker each, alternated or raced: the kiosk and sign-in throttles,
    the kiosk's and the SMS gateway's idempotency, and the summary behave as on one server."""
    redis_client, prefix, redis_settings = shared_redis
    other_kiosk = make_kiosk(app, district["desk_b"], publish=False)  # not throttled by step 1
    add_line(app, district["district"])
    settings = {
        **redis_settings,
        "KIOSK_RATELIMIT": f"{KIOSK_LIMIT} per minute",
        "SMS_GATEWAY_SECRET": GATEWAY_SECRET,
    }
    a = start_server(workers=1, ready=False, **settings)
    b = start_server(workers=1, ready=False, **settings)
    a.wait_ready(), b.wait_ready()
    instrument = kiosk_instrument(a.port, kiosk["token"])
    path = f"/api/v1/kiosk/{kiosk['token']}/responses"
    other_path = f"/api/v1/kiosk/{other_kiosk['token']}/responses"

    # The per-kiosk throttle counts across servers: six answers alternating between them are
    # taken, the seventh is refused, though each server has seen only three.
    statuses = [post_json(s.port, path, submission(instrument))[0] for s in (a, b) * 3]
    assert statuses == [201] * KIOSK_LIMIT
    assert post_json(a.port, path, submission(instrument))[0] == 429
    assert post_json(b.port, path, submission(instrument))[0] == 429
    assert len(stored_responses(app)) == KIOSK_LIMIT
    assert list(redis_client.scan_iter(match=f"{prefix}:*")), "the servers did not use Redis"

    # Failed sign-ins to one account are counted together: five alternating, then refused on
    # the server that has seen only two of them.
    browser = Browser()
    wrong = translated("Wrong username or password.")
    for server in (a, b, a, b, a):
        status, page = browser.login(server, "clerk", "not the password")
        assert status == 200 and wrong in page, status
    assert browser.login(b, "clerk", "not the password")[0] == 429

    # The same submission sent to both at once: one row, and both get the same reply.
    body = submission(instrument)
    replies = race([a, b], lambda s: post_json(s.port, other_path, body))
    assert sorted(status for status, _ in replies) == [200, 201]
    assert replies[0][1] == replies[1][1]
    assert [rid for rid, _n in stored_responses(app)[body["client_uuid"]]] == [replies[0][1]["id"]]

    # The gateway delivering one SMS to both at once: one message, one case, the same reply.
    sms = {
        "id": "gw-two-servers-1",
        "from": CALLER,
        "to": LINE_NUMBER,
        "text": "Cán bộ tiếp dân chậm",
        "received_at": now_utc().isoformat(),
    }
    replies = race([a, b], lambda s: gateway_sms(s, sms))
    assert sorted(status for status, _ in replies) == [200, 201]
    assert replies[0][1] == replies[1][1] and replies[0][1]["case_code"]
    with app.app_context():
        assert db.session.scalars(select(SmsMessage.provider_id)).all() == [sms["id"]]
        assert db.session.scalars(select(Case.code)).all() == [replies[0][1]["case_code"]]

    # A rating taken by A is in the summary B gives right after: its JSON, and the report
    # downloaded after a page view on B (the page keeps its summary a while for the downloads;
    # the reform office's includes officers, hence officers=1 for the same one).
    assert browser.login(a, "reform", PASSWORD)[0] == 200
    today = local_today()
    period = f"period={today - timedelta(days=1)}..{today + timedelta(days=1)}&unit=009"
    assert browser.open(b, f"/reports/summary?{period}")[0] == 200
    before = browser.json(b, f"/api/v1/reports/summary?{period}")["responses"]
    assert post_json(a.port, other_path, submission(instrument))[0] == 201
    downloaded = csv_responses(browser.open(b, f"/reports/summary.csv?{period}&officers=1"))
    assert downloaded == before + 1, "B's download left out the rating A took after the page view"
    assert browser.json(b, f"/api/v1/reports/summary?{period}")["responses"] == before + 1
