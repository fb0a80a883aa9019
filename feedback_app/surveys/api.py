"""The kiosk API (/api/v1/kiosk/<token>): the instrument for offline use, and submissions.

Authenticated by the kiosk's secret token in the URL, so exempt from CSRF; throttled per kiosk
(never per address: a whole office shares one). Errors are JSON (see errors.py).
"""

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import force_locale

from ..extensions import csrf, db, limiter
from ..models import Kiosk
from . import service
from .instruments import active_instrument

bp = Blueprint("kiosk_api", __name__)
csrf.exempt(bp)


def _kiosk_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return "kiosk:" + service.hash_token(token)


def _active_kiosk(token: str) -> Kiosk:
    kiosk = service.kiosk_by_token(token)
    if kiosk is None or not kiosk.active or not kiosk.counter.active:
        abort(404)
    return kiosk


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
    service.note_seen(kiosk, request.args.get("queued", type=int))
    payload = service.instrument_payload(survey, kiosk, language)
    db.session.commit()
    return jsonify(payload)


@bp.post("/<token>/responses")
@limiter.limit(lambda: current_app.config["KIOSK_RATELIMIT"], key_func=_kiosk_key)
def submit(token: str):
    """One citizen's answers: 201 the first time, 200 with the same body for a repeat."""
    kiosk = _active_kiosk(token)
    try:
        payload = request.get_json(silent=True)
    except RecursionError:
        # json.loads gives up on deeply nested arrays with RecursionError, not ValueError, so
        # `silent` does not catch it: such a body is simply not a submission (400, not 500).
        payload = None
    language = payload.get("language") if isinstance(payload, dict) else None
    if language not in current_app.config["LANGUAGES"]:
        language = None
    where = service.Where(
        channel=service.ResponseChannel.KIOSK,
        service_point=kiosk.counter.service_point,
        counter=kiosk.counter,
        kiosk=kiosk,
    )
    # Before submit, so on SQLite this UPDATE opens the request's transaction: otherwise the
    # driver starts it at submit's SAVEPOINT, whose RELEASE then commits (two commits, two
    # fsyncs). A rejected submission rolls this back too.
    service.note_seen(kiosk, request.args.get("queued", type=int))
    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            reply, created = service.submit(payload, where)
        except service.SubmissionInvalid as exc:
            db.session.rollback()
            return jsonify({"errors": exc.errors}), 400
    db.session.commit()
    return jsonify(reply), 201 if created else 200
