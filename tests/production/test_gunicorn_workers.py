"""Nothing acknowledged is lost (DESIGN §6) when gunicorn's processes die or are stopped: real
servers of deploy/gunicorn.conf.py under eight tablets submitting at once, on the test database.

Marked slow (5–8 s each, most of it starting gunicorn): CI runs them, `pytest -m "not slow"`
skips them.
"""

import json
import os
import signal
import socket
import time

import pytest

from tests.production.gunicorn_support import (
    KioskLoad,
    assert_stored_exactly_once,
    kiosk_instrument,
    post_json,
    submission,
)

# Throttling is another test's subject: here every answer must be taken.
UNTHROTTLED = {"KIOSK_RATELIMIT": "100000 per minute", "KIOSK_BURST_COUNT": "100000"}
KILLS = 3
SECONDS_BETWEEN_KILLS = 0.5


@pytest.mark.slow
def test_killed_workers_lose_no_acknowledged_submission(app, kiosk, start_server):
    """SIGKILL a worker three times under load: the master replaces it, clients retry what went
    unanswered, and every acknowledged answer is stored exactly once."""
    server = start_server(workers=2, **UNTHROTTLED)
    load = KioskLoad(server.port, kiosk["token"], kiosk_instrument(server.port, kiosk["token"]))
    load.start()
    killed: list[int] = []
    try:
        workers = server.wait_workers(2)
        for _ in range(KILLS):
            for pid in workers:
                server.wait_serving(pid)  # a replacement has booted and takes answers
            time.sleep(SECONDS_BETWEEN_KILLS)
            victim = workers[0]  # the longest-serving worker
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            last_kill = time.monotonic()
            workers = server.wait_workers(2, besides=set(killed))
        for pid in workers:
            server.wait_serving(pid)
    finally:
        load.finish()

    assert server.process.poll() is None, "the master died with its workers"
    assert not load.unacknowledged, f"never acknowledged: {sorted(load.unacknowledged)[:5]}"
    assert {a.status for a in load.attempts} <= {None, 200, 201}  # no answer, never an error
    assert_stored_exactly_once(app, load.acknowledged, load.sent)
    # The kills hit requests in flight, and the load went on after the last one.
    assert any(a.status is None for a in load.attempts), "no request was cut off by a kill"
    assert any(a.status and a.started > last_kill for a in load.attempts)
    # The access log is on, and names neither the client's address nor the kiosk's token.
    log = server.output()
    assert "POST /api/v1/kiosk/-/responses" in log
    assert kiosk["token"] not in log
    assert [
        line for line in log.splitlines() if "127.0.0.1" in line and "Listening" not in line
    ] == []


class SlowSubmission:
    """A submission whose body arrives in two parts, so that a worker is still reading it when
    the test wants a request in flight."""

    def __init__(self, port: int, token: str, body: dict):
        self.payload = json.dumps(body).encode("utf-8")
        self.body = body
        head = (
            f"POST /api/v1/kiosk/{token}/responses HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(self.payload)}\r\nConnection: close\r\n\r\n"
        ).encode()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=40)
        self.sock.sendall(head + self.payload[:10])

    def complete(self) -> tuple[int, dict | None]:
        """Send the rest of the body; the status and body of the answer (0: none came)."""
        self.sock.sendall(self.payload[10:])
        chunks = []
        while chunk := self.sock.recv(65536):
            chunks.append(chunk)
        self.sock.close()
        raw = b"".join(chunks)
        if not raw:
            return 0, None
        head, _, body = raw.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body)


@pytest.mark.slow
def test_sigterm_lets_requests_in_flight_finish_and_loses_nothing(app, kiosk, start_server):
    """SIGTERM to the master under load: a request a worker is handling completes (answered
    and stored); the others either complete or get no answer, and those a tablet resends to
    the next server are stored once: nothing acknowledged is lost, nothing is doubled."""
    server = start_server(workers=2, ready=False, **UNTHROTTLED)
    successor = start_server(workers=1, ready=False, **UNTHROTTLED)  # another machine
    server.wait_ready(), successor.wait_ready()
    instrument = kiosk_instrument(server.port, kiosk["token"])
    in_flight = SlowSubmission(server.port, kiosk["token"], submission(instrument))
    load = KioskLoad(server.port, kiosk["token"], instrument).start()
    try:
        time.sleep(1.5)
        terminated_at = time.monotonic()
        os.kill(server.pid, signal.SIGTERM)
        time.sleep(0.3)  # the workers have the signal: they must finish what they hold
        status, reply = in_flight.complete()
        server.process.wait(timeout=35)
    finally:
        load.abandon()

    assert status == 201, f"the request in flight at SIGTERM got {status}"
    assert server.process.returncode == 0
    assert {a.status for a in load.attempts} <= {None, 200, 201}  # no answer, never an error
    acknowledged = {**load.acknowledged, in_flight.body["client_uuid"]: (201, reply)}
    sent = {**load.sent, in_flight.body["client_uuid"]: in_flight.body}
    assert_stored_exactly_once(app, acknowledged, sent)
    crossing = [a for a in load.attempts if a.started < terminated_at < a.ended]
    assert crossing, "no load request was in flight at SIGTERM"

    # The tablets resend what was never acknowledged to the server that takes over.
    path = f"/api/v1/kiosk/{kiosk['token']}/responses"
    for client_uuid in load.unacknowledged:
        status, reply = post_json(successor.port, path, load.sent[client_uuid])
        assert status in (200, 201), (status, reply)
        acknowledged[client_uuid] = (status, reply)
    stored = assert_stored_exactly_once(app, acknowledged, sent)
    assert set(stored) == set(sent)
