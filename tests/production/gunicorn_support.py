"""Real gunicorn servers of the app (deploy/gunicorn.conf.py) and the kiosk clients that load
them: each server is a process group of its own, started on a free loopback port and stopped, the
whole group, whatever happens."""

import html
import http.client
import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import Answer, Response
from tests.conftest import CSRF_RE, RATED_ANSWERS

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET_KEY = "production-tests"
# Settings of the developer's shell that would change what the servers under test do.
INHERITED_SETTINGS = ("FEEDBACK_", "GUNICORN_", "WEB_CONCURRENCY", "DATABASE_URL", "PORT")
READY_SECONDS = 30
RETRY_PAUSE = 0.05


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, workers: int, **settings: str) -> dict[str, str]:
    """The environment of a server: the test database, development mode (no Twilio needed), a
    secret key shared by every server (as on several machines), and FEEDBACK_* `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_SETTINGS)}
    env.update(
        {
            "DATABASE_URL": database_url,
            "FEEDBACK_ENV": "development",
            "FEEDBACK_SECRET_KEY": SECRET_KEY,
            "GUNICORN_WORKERS": str(workers),
            **{f"FEEDBACK_{name}": value for name, value in settings.items()},
        }
    )
    return env


class Server:
    """One gunicorn master and its workers, logging to a file."""

    def __init__(self, env: dict[str, str], log: Path):
        if not GUNICORN.is_file():
            pytest.fail(f"{GUNICORN} is missing: `make install` installs gunicorn.")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
                [str(GUNICORN), "-c", str(CONFIG)],
                cwd=ROOT,
                env={**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends every worker
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self) -> "Server":
        """Wait until /healthz answers 200 (the app is loaded and the database answers)."""
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.output()}")
            try:
                if get(self.port, "/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"gunicorn did not answer /healthz in {READY_SECONDS} s:\n{self.output()}")

    def workers(self) -> list[int]:
        """The master's child processes, oldest first."""
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            # After the ")" that ends the command name: state, ppid, ... starttime (22nd field).
            if int(fields[1]) == self.pid and fields[0] != "Z":
                children.append((int(fields[19]), int(entry.name)))
        return [pid for _start, pid in sorted(children)]

    def wait_workers(self, count: int, besides: Collection[int] = ()) -> list[int]:
        """Wait until the master has `count` workers, none of them in `besides` (dead ones)."""
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            pids = self.workers()
            if len(pids) == count and not set(pids) & set(besides):
                return pids
            time.sleep(0.05)
        pytest.fail(f"gunicorn has workers {self.workers()}, not {count} new ones")

    def wait_serving(self, pid: int) -> None:
        """Wait until worker `pid` has answered a request: its access-log lines carry its pid
        (`%(p)s` in deploy/gunicorn.conf.py's access_log_format)."""
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if f" <{pid}> " in self.output():
                return
            time.sleep(0.05)
        pytest.fail(f"worker {pid} answered nothing in {READY_SECONDS} s:\n{self.output()}")

    def output(self) -> str:
        """What the master and its workers logged."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Kill the whole process group (master and workers) and reap the master: teardown
        needs no grace, and a group kill leaves no worker behind, even one whose master died."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the group is gone already
        self.process.wait(timeout=10)


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    """One request on a fresh connection: (status, raw body). OSError when the server gives no
    answer (refused, reset, closed mid-way)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    except http.client.HTTPException as exc:  # e.g. the reply cut short by a killed worker
        raise ConnectionError(str(exc)) from exc
    finally:
        conn.close()


def get(port: int, path: str):
    return request(port, "GET", path)


def post_json(port: int, path: str, payload: dict, headers=None) -> tuple[int, dict | None]:
    """POST a JSON body: (status, parsed reply or None)."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    status, raw = request(
        port, "POST", path, body, {"Content-Type": "application/json", **(headers or {})}
    )
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


class Browser:
    """A staff member's browser: one cookie jar for every server (cookies ignore the port, as
    one public address in front of several servers would), sign-in through the real form."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def open(self, server, path: str, form: dict | None = None) -> tuple[int, str]:
        """GET (or POST a form): the status and the body as text."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(server.base + path, data=data, timeout=15) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode("utf-8")

    def login(self, server, username: str, password: str) -> tuple[int, str]:
        """The sign-in form, fetched from and posted to `server`, CSRF token included: the
        status and the page (entities decoded, to search for a translated sentence)."""
        _status, page = self.open(server, "/auth/login")
        match = CSRF_RE.search(page)
        assert match, page
        token = match.group(1) or match.group(2)
        form = {"username": username, "password": password, "csrf_token": token}
        status, page = self.open(server, "/auth/login", form)
        return status, html.unescape(page)

    def json(self, server, path: str) -> dict:
        status, text = self.open(server, path)
        assert status == 200, text
        return json.loads(text)


# --- Kiosk submissions --------------------------------------------------------------------------


def kiosk_instrument(port: int, token: str) -> str:
    """The instrument label a tablet reads from the kiosk API before it submits."""
    status, raw = get(port, f"/api/v1/kiosk/{token}")
    assert status == 200, raw
    return json.loads(raw)["instrument"]


def submission(instrument: str, client_uuid: str | None = None) -> dict:
    """A valid kiosk submission: every rating question "Hài lòng"."""
    return {
        "client_uuid": client_uuid or str(uuid.uuid4()),
        "instrument": instrument,
        "answers": dict(RATED_ANSWERS),
        "language": "vi",
    }


@dataclass
class Attempt:
    """One POST of a submission, as the client saw it (status None: no answer at all)."""

    client_uuid: str
    started: float
    ended: float
    status: int | None


@dataclass
class KioskLoad:
    """Tablets submitting without pause, each retrying the SAME client_uuid until it is
    acknowledged (201, or 200 for a repeat), as the kiosk's queue does."""

    port: int
    token: str
    instrument: str
    clients: int = 8
    sent: dict = field(default_factory=dict)  # client_uuid → body
    acknowledged: dict = field(default_factory=dict)  # client_uuid → (status, reply)
    attempts: list = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._no_new = threading.Event()
        self._abandon = threading.Event()
        self._threads = [threading.Thread(target=self._tablet) for _ in range(self.clients)]

    def start(self) -> "KioskLoad":
        for thread in self._threads:
            thread.start()
        return self

    def finish(self, seconds: float = 20) -> None:
        """Take no new answers; wait for those in hand to be acknowledged (give up after
        `seconds`: they then stay unacknowledged)."""
        self._no_new.set()
        deadline = time.monotonic() + seconds
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.abandon()

    def abandon(self) -> None:
        """Stop at once (the server is gone): answers in hand stay unacknowledged."""
        self._no_new.set()
        self._abandon.set()
        for thread in self._threads:
            thread.join()

    @property
    def unacknowledged(self) -> set[str]:
        return set(self.sent) - set(self.acknowledged)

    def _tablet(self) -> None:
        path = f"/api/v1/kiosk/{self.token}/responses"
        while not self._no_new.is_set():
            body = submission(self.instrument)
            client_uuid = body["client_uuid"]
            with self._lock:
                self.sent[client_uuid] = body
            while not self._abandon.is_set():
                started = time.monotonic()
                try:
                    status, reply = post_json(self.port, path, body)
                except OSError:
                    status, reply = None, None
                with self._lock:
                    self.attempts.append(Attempt(client_uuid, started, time.monotonic(), status))
                    if status in (200, 201):
                        self.acknowledged[client_uuid] = (status, reply)
                        break
                time.sleep(RETRY_PAUSE)


def stored_responses(app) -> dict[str, list[tuple[int, int]]]:
    """Every stored response by client_uuid: [(id, answers stored with it)] (one, if all is
    well)."""
    with app.app_context():
        rows = db.session.execute(
            select(Response.client_uuid, Response.id, func.count(Answer.id))
            .outerjoin(Answer, Answer.response_id == Response.id)
            .group_by(Response.client_uuid, Response.id)
        ).all()
    stored = defaultdict(list)
    for client_uuid, response_id, answers in rows:
        stored[client_uuid].append((response_id, answers))
    return dict(stored)


def assert_stored_exactly_once(app, acknowledged: dict, sent: dict) -> dict:
    """Every acknowledged submission is stored once, with the id its reply gave and all its
    answers; nothing is stored that was never sent. Returns what is stored."""
    stored = stored_responses(app)
    doubles = {u: rows for u, rows in stored.items() if len(rows) != 1}
    assert not doubles, f"stored more than once: {doubles}"
    lost = set(acknowledged) - set(stored)
    assert not lost, f"{len(lost)} acknowledged submissions are not stored: {sorted(lost)[:5]}"
    strangers = set(stored) - set(sent)
    assert not strangers, f"stored but never sent: {sorted(strangers)[:5]}"
    wrong_ids = {
        u: (reply["id"], stored[u][0][0])
        for u, (_status, reply) in acknowledged.items()
        if reply["id"] != stored[u][0][0]
    }
    assert not wrong_ids, f"acknowledged with another id than the stored one: {wrong_ids}"
    partial = {u: rows[0][1] for u, rows in stored.items() if rows[0][1] != len(RATED_ANSWERS)}
    assert not partial, f"responses stored without all their answers, or twice: {partial}"
    return stored
