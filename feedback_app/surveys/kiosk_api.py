"""The kiosk API (/api/v1/kiosk/<token>): the instrument for offline use, and submissions.

Authenticated by the kiosk's secret token in the URL, so exempt from CSRF; throttled per kiosk
(never per address: a whole office shares one). Errors are JSON (see errors.py).
"""

import json
import math
import time
from functools import cache

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import force_locale
from limits import RateLimitItem, parse
from werkzeug.exceptions import TooManyRequests
from werkzeug.wsgi import LimitedStream

from ..extensions import csrf, db, limiter
from ..machines import serves_machines
from ..models import Kiosk
from . import completion, invitations, service
from .instruments import active_instrument

bp = serves_machines(Blueprint("kiosk_api", __name__), sessionless=True)
csrf.exempt(bp)

# A submission is well under 2 KB; two text answers of the longest length allowed still fit.
# The app-wide MAX_CONTENT_LENGTH is sized for attachments, far too much for this.
MAX_BODY_BYTES = 64 * 1024


def _kiosk_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return "kiosk:" + service.hash_token(token)


@limiter.request_filter
def _throttled_here() -> bool:
    """Flask-Limiter's per-request machinery skips this API: submit counts its own requests
    with one increment in the limiter's storage (see _throttle), a fraction of the cost."""
    return request.blueprint == bp.name


@cache
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def _throttle() -> None:
    """KIOSK_RATELIMIT per kiosk, never per address (a whole office shares one): else 429.

    If the limiter's storage (Redis in production) cannot be reached, the answer is taken
    unthrottled: refusing a citizen's answer is worse than counting it unchecked.
    """
    if not limiter.enabled:
        return
    item, key = _limit(current_app.config["KIOSK_RATELIMIT"]), _kiosk_key()
    try:
        allowed = limiter.limiter.hit(item, "kiosk_api.submit", key)
        stats = None if allowed else limiter.limiter.get_window_stats(item, "kiosk_api.submit", key)
    except Exception:  # noqa: BLE001 - any storage failure (redis raises its own errors)
        current_app.logger.warning("Kiosk throttle storage unreachable; not throttling")
        return
    if stats is not None:
        raise TooManyRequests(retry_after=max(1, math.ceil(stats.reset_time - time.time())))


def _active_kiosk(token: str) -> Kiosk:
    kiosk = service.kiosk_by_token(token)
    if kiosk is None or not kiosk.in_use:
        abort(404)
    return kiosk


def _json_body():
    """The body parsed as JSON, or None when it is not JSON; 413 past MAX_BODY_BYTES."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        abort(413)
    if not request.is_json:
        return None
    # A chunked body tells its length only by ending: read at most one byte past the limit.
    # (`request.max_content_length` alone lets a chunked body one byte over the limit through.)
    body = LimitedStream(request.stream, MAX_BODY_BYTES + 1, is_max=True).read()
    if len(body) > MAX_BODY_BYTES:
        abort(413)
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        # json.loads gives up on deeply nested arrays with RecursionError, not ValueError: such
        # a body is simply not a submission (400, not 500).
        return None


@bp.get("/<token>")
def instrument(token: str):
    """The current instrument, the desk and the counter, for the page to run offline."""
    kiosk = _active_kiosk(token)
    survey = active_instrument()
    if survey is None:
        abort(404)
    language = request.args.get("lang", "vi")
    if language not in current_app.config["LANGUAGES"]:
        language = "vi"
    service.note_seen(kiosk.id, request.args.get("queued", type=int))
    payload = service.instrument_payload(survey, kiosk, language)
    db.session.commit()
    return jsonify(payload)


@bp.post("/<token>/responses")
def submit(token: str):
    """One citizen's answers: 201 the first time, 200 with the same body for a repeat."""
    _throttle()
    payload = _json_body()
    language = payload.get("language") if isinstance(payload, dict) else None
    if language not in current_app.config["LANGUAGES"]:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    queued = request.args.get("queued", type=int)
    try:
        with force_locale(language):
            reply, created = _submit(token, payload, queued)
    except service.KioskUnavailable:
        abort(404)
    except service.SubmissionInvalid as exc:
        return jsonify({"errors": exc.errors}), 400
    return jsonify(reply), 201 if created else 200


def _submit(token: str, payload, queued: int | None) -> tuple[dict, bool]:
    """Core statements, not the ORM session: its bookkeeping costs more than the statements, and
    nothing here needs it. On PostgreSQL most submissions are one statement, on a connection of
    their own in autocommit mode (a statement is atomic; BEGIN and COMMIT would be two more
    round trips). The rest, and every submission on SQLite: one transaction, committed when the
    block ends and rolled back if anything in it fails."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as sql:
            done = service.submit_at_once(token, payload, queued, sql)
        if done is not None:
            return done
    with db.engine.begin() as sql:
        return service.submit_from_kiosk(token, payload, queued, sql)


def _place_or_404(token: str, sql) -> service.KioskPlace:
    kiosk = service.kiosk_place(token, sql)
    if kiosk is None or not kiosk.in_use:
        abort(404)
    return kiosk


@bp.get("/<token>/invitation")
def invitation(token: str):
    """The counter officer's open invitation to rate, if any: polled by the tablet every
    1.5 s, so one short transaction of Core statements, and a heartbeat for the staff page."""
    with db.engine.begin() as sql:
        kiosk = _place_or_404(token, sql)
        current = invitations.current(kiosk.counter_id, sql, mark=request.method == "GET")
        service.note_submission_seen(kiosk, None, sql)
    response = jsonify({"invitation": current})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<token>/abandoned")
def abandoned(token: str):
    """A survey the citizen began and left with no rating: 201 the first time, 200 again."""
    _throttle()
    payload = _json_body()
    try:
        with db.engine.begin() as sql:
            kiosk = _place_or_404(token, sql)
            reply, created = completion.record_abandoned(kiosk.id, payload, sql)
    except service.SubmissionInvalid as exc:
        return jsonify({"errors": exc.errors}), 400
    return jsonify(reply), 201 if created else 200
