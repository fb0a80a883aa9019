"""What the kiosk's browser tests share: opening the tablet, tapping as a citizen does, walking
the screens, and reading back what the server stored (every answer row, the partial flag, the
abandoned surveys)."""

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Kiosk, KioskAbandon, KioskMode, Response
from tests.conftest import csrf_token

FIGURES = Path(__file__).resolve().parents[2] / "bench" / "out" / "kiosk_taps.json"

# The default instrument's screens in full mode: one question each, then the comment with its
# follow-ups and the dossier code (the reasons come after `overall` only when it is 1–2).
FULL_STEPS = [
    "f1_access",
    "f2_procedure",
    "f3_officer",
    "f4_result",
    "f5_feedback",
    "tt01_returns",
    "tt01_offices",
    "overall",
]


def open_kiosk(context, live_server, kiosk: dict, lang: str | None = None, origins=None):
    """A tab on the kiosk page; every URL it requests is added to `origins` when given."""
    page = context.new_page()
    if origins is not None:
        page.on("request", lambda request: origins.append(request.url))
    page.goto(f"{live_server.origin}/kiosk/{kiosk['token']}" + (f"?lang={lang}" if lang else ""))
    return page


def tap(page, code: str, value: str) -> None:
    """A finger on the big label of a choice (a touch tap, not a mouse click)."""
    page.tap(f"label[for='q_{code}-{value}']")


def at_step(page, flow: str, step: int, timeout: float = 5_000) -> None:
    """Wait until the tablet shows that screen of that flow."""
    main = page.locator("#kiosk")
    expect(main).to_have_attribute("data-flow", flow, timeout=timeout)
    expect(main).to_have_attribute("data-step", str(step), timeout=timeout)


def set_mode(app, kiosk_id: int, mode: str) -> None:
    """Quick or full presentation for a tablet (set-up only: the admin page is tested elsewhere)."""
    with app.app_context():
        db.session.get(Kiosk, kiosk_id).mode = KioskMode(mode)
        db.session.commit()


def stored(app) -> list[dict]:
    """Every stored response with all its answer rows: a multi_choice question's options as a
    sorted list, other answers as their value, option or text."""
    with app.app_context():
        rows = db.session.scalars(select(Response).order_by(Response.id)).all()
        result = []
        for response in rows:
            answers: dict = {}
            for answer in response.answers:
                code = answer.question.code
                if answer.question.kind.value == "multi_choice":
                    answers[code] = sorted([*answers.get(code, []), answer.option_code])
                elif answer.text is not None:
                    answers[code] = answer.text
                else:
                    answers[code] = answer.option_code or answer.value
            result.append(
                {
                    "client_uuid": response.client_uuid,
                    "answers": answers,
                    "partial": response.partial,
                    "dossier_code": response.dossier_code,
                    "officer_id": response.officer_id,
                    "language": response.language,
                    "case_id": response.case_id,
                }
            )
        return result


def abandons(app) -> list[dict]:
    """Every survey reported as begun and left without a rating."""
    with app.app_context():
        rows = db.session.scalars(select(KioskAbandon).order_by(KioskAbandon.id)).all()
        return [{"client_uuid": r.client_uuid, "invited": r.invited} for r in rows]


def wait_until(predicate, timeout: float = 15.0, message: str = "", page=None) -> None:
    """Poll (the database, usually) until the predicate holds. With a page, Playwright keeps
    serving its events (routes) while we wait."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(message or "condition not met in time")
        if page is not None:
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)


def queue_of(page) -> list[dict]:
    """The tablet's queue (held and waiting items) as kiosk.js keeps it."""
    return page.evaluate("JSON.parse(localStorage.getItem('kiosk.queue.v1') || '[]')")


def invite(client, counter_id: int, dossier_code: str = "", procedure: str = "") -> None:
    """Press "Mời đánh giá" on the duty page, signed in as the counter's officer."""
    token = csrf_token(client, "/surveys/duty")
    reply = client.post(
        f"/surveys/duty/{counter_id}/invite",
        data={"dossier_code": dossier_code, "procedure": procedure, "csrf_token": token},
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)


def record_figure(name: str, taps: int, seconds: float) -> None:
    """Taps and seconds from the first screen to the thanks (issue 15 asks for them), printed
    and kept in bench/out/kiosk_taps.json."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures[name] = {"taps": taps, "seconds": round(seconds, 2)}
    FIGURES.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    print(f"kiosk {name}: {taps} taps, {seconds:.2f} s from the first screen to the thanks")
