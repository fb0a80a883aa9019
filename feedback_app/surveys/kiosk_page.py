"""The kiosk page (/kiosk/<token>): the survey a citizen answers on the counter tablet.

Plain HTML that works without JavaScript (a form posted here, CSRF-protected); kiosk.js enhances
the same page, sends answers to the JSON API and keeps them in an offline queue. The language
comes from ?lang= only (Vietnamese by default): a tablet is shared, so neither the browser's
language nor an earlier visitor's choice may decide it.
"""

import hashlib
import uuid
from functools import wraps
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import force_locale

from ..errors import render_error
from ..extensions import db, limiter
from ..urls import external_url
from . import service
from .defaults import OVERALL, REASONS
from .instruments import active_instrument, shown_or_active

bp = Blueprint("kiosk", __name__, template_folder="templates")
# The survey's questions template (kiosk, web, paper entry, admin preview) lists a question's
# options with this; registered by the survey package itself, app-wide.
bp.add_app_template_global(service.option_list, "survey_options")

# What the service worker keeps for a reload without network (besides the pages themselves).
OFFLINE_ASSETS = ("kiosk/kiosk.css", "kiosk/kiosk.js", "favicon.svg")


def kiosk_language() -> str:
    """The language asked for with ?lang=, else the default (Vietnamese)."""
    asked = request.args.get("lang")
    if asked in current_app.config["LANGUAGES"]:
        return asked
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _in_kiosk_language(view):
    """Run the view (its messages and templates) in the kiosk's language."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with force_locale(kiosk_language()):
            return view(*args, **kwargs)

    return wrapped


def _kiosk_key() -> str:
    """Throttle per tablet, never per address (a whole office shares one)."""
    return "kiosk-page:" + service.hash_token((request.view_args or {}).get("token", ""))


@bp.get("/kiosk/sw.js")
def service_worker():
    """The service worker that keeps the page, its script and its style for offline reloads."""
    static = Path(current_app.static_folder)
    digest = hashlib.sha256()
    for asset in OFFLINE_ASSETS:
        digest.update((static / asset).read_bytes())
    body = render_template(
        "surveys/kiosk_sw.js",
        version=digest.hexdigest()[:12],
        assets=[url_for("static", filename=asset) for asset in OFFLINE_ASSETS],
        scope=_scope(),
        default_lang=current_app.config["BABEL_DEFAULT_LOCALE"],
    )
    headers = {"Service-Worker-Allowed": _scope(), "Cache-Control": "no-cache"}
    return current_app.response_class(body, mimetype="text/javascript", headers=headers)


def _scope() -> str:
    return request.script_root + "/kiosk/"


@bp.get("/kiosk/<token>")
@_in_kiosk_language
def survey(token: str):
    """The blank survey, or a polite page when this tablet is not in use."""
    kiosk = service.kiosk_by_token(token)
    if kiosk is None:
        return render_error(404)
    if not kiosk.in_use:
        return _closed(410)
    instrument = active_instrument()
    if instrument is None:
        return _closed(503)
    service.note_seen(kiosk.id, None)
    db.session.commit()
    return _survey_page(token, kiosk, instrument)


@bp.post("/kiosk/<token>")
@limiter.limit(lambda: current_app.config["KIOSK_RATELIMIT"], key_func=_kiosk_key)
@_in_kiosk_language
def submit(token: str):
    """One citizen's answers from the plain form; a repeat of the same form thanks again."""
    kiosk = service.kiosk_by_token(token)
    if kiosk is None:
        return render_error(404)
    if not kiosk.in_use:
        return _closed(410)
    instrument = shown_or_active(request.form.get("instrument"))
    if instrument is None:
        return _closed(503)
    where = service.Where(
        channel=service.ResponseChannel.KIOSK,
        service_point=kiosk.counter.service_point,
        kiosk=service.KioskPlace.of(kiosk),
    )
    # Not commit_or_show: a refusal names every problem, each shown beside its question.
    try:
        reply, _created = service.submit(_payload(instrument, request.form), where)
    except service.SubmissionInvalid as exc:
        db.session.rollback()
        return _survey_page(token, kiosk, instrument, request.form, exc.errors, status=400)
    service.note_seen(kiosk.id, None)
    db.session.commit()
    return _thanks(token, reply)


def _payload(instrument, form) -> dict:
    """The plain form in the JSON API's shape; `submit` validates it."""
    return {
        "client_uuid": form.get("client_uuid", ""),
        "instrument": instrument.label,
        "answers": service.answers_from_form(instrument, form),
        "dossier_code": form.get("dossier_code", "").strip() or None,
        "language": kiosk_language(),
    }


def _survey_page(token, kiosk, instrument, values=None, errors=None, status=200):
    lang = kiosk_language()
    values = values or {}
    errors = errors or {}
    posted_uuid = values.get("client_uuid", "")
    return render_template(
        "surveys/kiosk.html",
        lang=lang,
        token=token,
        kiosk=kiosk,
        instrument=instrument,
        title=(instrument.title_en or instrument.title_vi) if lang == "en" else instrument.title_vi,
        values=values,
        errors=errors,
        # Errors shown beside a field, rather than only at the top (no rating at all, say).
        field_errors=any(key == "dossier_code" or key.startswith("answers.") for key in errors),
        # A re-shown form keeps its UUID, so sending it again still stores one response.
        client_uuid=posted_uuid if _is_uuid(posted_uuid) else str(uuid.uuid4()),
        track_address=_track_address(),
        overall_code=OVERALL,
        reasons_code=REASONS,
    ), status


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError):
        return False
    return True


def _thanks(token: str, reply: dict):
    seconds = current_app.config["KIOSK_RESET_SECONDS"]
    blank = url_for("kiosk.survey", token=token)
    body = render_template(
        "surveys/kiosk_thanks.html",
        lang=kiosk_language(),
        case_code=reply.get("case_code"),
        seconds=seconds,
        blank=blank,
        track_address=_track_address(),
    )
    # Back to a blank survey (in the default language) without JavaScript or inline script.
    return body, 200, {"Refresh": f"{seconds}; url={blank}"}


def _closed(status: int):
    """410: the tablet is disabled or its counter closed; 503: no survey is published yet."""
    return render_template("surveys/kiosk_closed.html", lang=kiosk_language()), status


def _track_address() -> str:
    """Where a citizen follows a case from their own phone."""
    return external_url("track.track")
