"""A live server of the test app and headless Chromium (Debian's) driven by Playwright."""

import shutil
import threading
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from feedback_app.extensions import db
from feedback_app.models import Officer
from tests.conftest import csrf_token, sign_in

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium; the kiosk's browser tests fail (never skip) without it."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Chromium is not installed, and the kiosk's browser tests need it. "
            "Run `python scripts/ensure_browser.py` (as root it installs Debian's `chromium` "
            "package) or install `chromium` yourself so that it is on PATH."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class LiveServer:
    """The test app on a local port. `go_offline` cuts the tablet off the way a pulled cable does.

    Chromium's offline emulation alone is not enough: when a page navigates, a request it had
    refused can still reach the server. So while "offline" the server answers nothing but 503 as
    well, and no answer can arrive by the back door.
    """

    origin: str
    down: threading.Event = field(default_factory=threading.Event)

    def go_offline(self, context) -> None:
        context.set_offline(True)
        self.down.set()

    def go_online(self, context) -> None:
        self.down.clear()
        context.set_offline(False)


def _unless_down(app, down: threading.Event):
    def wsgi(environ, start_response):
        if down.is_set():
            start_response("503 Service Unavailable", [("Content-Length", "0")])
            return [b""]
        # The body is read and its iterable closed here, before any byte goes out. Werkzeug's
        # dev server closes the iterable only after draining the socket, and a reset from
        # Chromium there (a favicon request dropped mid-flight) skips the close: the open
        # static file then surfaces as a ResourceWarning in whichever test runs next.
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture
def live_server(app):
    """The test app served on a free local port from a background thread."""
    down = threading.Event()
    server = make_server("127.0.0.1", 0, _unless_down(app, down), threaded=True)
    # A short poll interval: shutting down waits for one, and every test shuts a server down.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    yield LiveServer(origin=f"http://127.0.0.1:{server.server_port}", down=down)
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def quick_kiosk(app):
    """Short thank-you and idle times, so the reset tests do not wait for minutes."""
    app.config.update(KIOSK_RESET_SECONDS=2, KIOSK_IDLE_SECONDS=2)
    return app.config


@pytest.fixture
def short_invitations(app):
    """Invitations that lapse after 3 s instead of 5 minutes."""
    app.config.update(KIOSK_INVITATION_SECONDS=3)
    return app.config


@pytest.fixture
def counter_staff(app, district, kiosk):
    """The officer at the kiosk's counter, signed in (counter staff role) and put on duty there
    through the duty page; the client and the officer's id."""
    client = sign_in(app.test_client(), "counter_a")
    with app.app_context():
        officer_id = db.session.scalar(
            select(Officer.id).where(Officer.service_point_id == kiosk["desk"])
        )
    token = csrf_token(client, "/surveys/duty")
    reply = client.post(
        f"/surveys/duty/{kiosk['counter']}",
        data={"officer_id": str(officer_id), "csrf_token": token},
    )
    assert reply.status_code == 302
    return client, officer_id


def _context(chromium, **options):
    return chromium.new_context(viewport={"width": 800, "height": 1280}, has_touch=True, **options)


def _tablet(chromium, **options):
    """A context whose pages' uncaught script errors fail the test: kiosk.js must never break
    half-way, whatever the flow (the page would be left without its queue)."""
    context = _context(chromium, **options)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context
    context.close()
    assert errors == [], f"script errors on the kiosk page: {errors}"


@pytest.fixture
def context(chromium):
    """A fresh tablet: portrait, touch, nothing stored from another test."""
    yield from _tablet(chromium)


@pytest.fixture
def routed_context(chromium):
    """A tablet without the service worker, so that a test may stand in for the server."""
    yield from _tablet(chromium, service_workers="block")


@pytest.fixture
def no_js_context(chromium):
    """The same tablet with JavaScript switched off."""
    yield from _tablet(chromium, java_script_enabled=False)
