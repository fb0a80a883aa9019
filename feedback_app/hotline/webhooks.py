"""Webhooks of the hotline (DESIGN.md §5): Twilio's SMS, voice menu, recording and status
callbacks, and the generic signed SMS gateway. Each view checks its signature before anything
else (after the body-size limit, which must hold before the body is read). The blueprint is
exempt from CSRF: the signature is the authentication. Errors are JSON (see errors.py).
"""

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file
from twilio.twiml.messaging_response import MessagingResponse

from ..errors import render_error
from ..extensions import csrf, db
from ..machines import serves_machines
from ..models import Provider
from ..timeutil import now_utc
from . import hours, prompts, service, voice
from .gateways import GENERIC, TWILIO, WebhookRejected

bp = serves_machines(Blueprint("hotline_webhooks", __name__))
csrf.exempt(bp)


def signed(gateway) -> Callable:
    """Limit the body, then verify the gateway's signature; 413/403/400 change nothing. What
    the view stored is committed once, after it has answered, or rolled back if it fails. No
    view needs to commit mid-way: a replay racing the first delivery meets it on a unique key
    inside the service's savepoints and answers as the first did."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            limit = int(current_app.config["HOTLINE_WEBHOOK_MAX_BYTES"])
            request.max_content_length = limit
            if (request.content_length or 0) > limit:
                abort(413)
            try:
                gateway.verify(request)
                response = view(*args, **kwargs)
                db.session.commit()
                return response
            except WebhookRejected as exc:
                db.session.rollback()
                return render_error(exc.status, exc.message)
            except service.HotlineError as exc:
                # Not set up yet (no unit at all): the provider retries later; nothing stored.
                db.session.rollback()
                return render_error(503, exc.message)
            except Exception:
                db.session.rollback()
                raise

        # hardening.py's NUL check must not parse the form before the signature is checked.
        wrapped.checks_raw_body = True
        return wrapped

    return decorator


def _twiml(xml: str) -> Response:
    return Response(xml, mimetype="text/xml")


def _sms_twiml(reply: str | None) -> Response:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return _twiml(str(response))


@bp.post("/twilio/sms")
@signed(TWILIO)
def twilio_sms():
    """An inbound SMS: stored once, a case opened, the tracking code in the reply."""
    result = service.receive_sms(TWILIO.sms(request))
    return _sms_twiml(result.reply)


@bp.post("/gateway/sms")
@signed(GENERIC)
def gateway_sms():
    """An inbound SMS from a local gateway; the gateway sends `reply` back to the citizen."""
    result = service.receive_sms(GENERIC.sms(request))
    body = {
        "id": result.message_id,
        "reply": result.reply,
        "case_code": result.case_code,
    }
    return jsonify(body), 201 if result.created else 200


def _call():
    return service.start_call(
        Provider.TWILIO,
        TWILIO.field(request, "CallSid"),
        caller=TWILIO.optional(request, "From", 32),
        called=TWILIO.optional(request, "To", 32),
        direction=TWILIO.optional(request, "Direction", 32),
    )


@bp.post("/twilio/voice")
@signed(TWILIO)
def voice_start():
    """A call comes in: log it (after-hours calls go on the call-back list), play the menu."""
    _call()
    return _twiml(voice.menu(0))


@bp.post("/twilio/voice/menu")
@signed(TWILIO)
def voice_menu():
    """Every step after the first: a key pressed, a code typed, a dial or recording ended."""
    call = _call()
    attempt = min(max(request.args.get("attempt", 0, type=int), 0), voice.MAX_REPEATS)
    step = request.args.get("step", "")
    digits = TWILIO.optional(request, "Digits", 40)
    return _twiml(_menu_step(call, step, digits, attempt))


def _menu_step(call, step: str, digits: str, attempt: int) -> str:
    if step == "recorded":
        return voice.recorded()
    if step == "dialed":
        if request.form.get("DialCallStatus") == "completed":
            return voice.hang_up()
        service.mark_missed(call)
        return voice.voicemail(before="busy")
    if step == "again":
        return voice.menu(attempt)
    if step == "code":
        return voice.case_status(service.case_by_keypad(digits), attempt)
    key = digits[:1]
    if not key:
        return voice.retry_or_goodbye(attempt, wrong_key=False)
    service.note_choice(call, key)
    if key == "1":
        return voice.voicemail()
    if key == "2":
        return voice.opening_hours(attempt)
    if key == "3":
        return voice.ask_code(attempt)
    if key == "0":
        return voice.operator(call.line, hours.is_open(now_utc()))
    return voice.retry_or_goodbye(attempt, wrong_key=True)


@bp.post("/twilio/recording")
@signed(TWILIO)
def recording():
    """A voicemail is ready (or came out empty): keep it and open its case."""
    # Every field is read before anything is stored: a 400 must leave nothing behind.
    call_id = TWILIO.field(request, "CallSid")
    recording_id = TWILIO.field(request, "RecordingSid")
    call = _callback_call(call_id)
    service.store_recording(
        call,
        recording_id=recording_id,
        url=TWILIO.optional(request, "RecordingUrl", 500),
        status=TWILIO.optional(request, "RecordingStatus", 32) or "completed",
        seconds=TWILIO.number(request, "RecordingDuration"),
    )
    return "", 204


def _callback_call(call_id: str):
    """The call a Twilio callback is about (made now if the callback overtook the call)."""
    return service.call_for_callback(
        Provider.TWILIO,
        call_id,
        TWILIO.optional(request, "From", 32),
        TWILIO.optional(request, "To", 32),
    )


@bp.post("/twilio/status")
@signed(TWILIO)
def status():
    """A call's status changed: statuses only move forward; the duration is kept."""
    call_id = TWILIO.field(request, "CallSid")
    call_status = TWILIO.field(request, "CallStatus", 32)
    call = _callback_call(call_id)
    service.apply_status(
        call,
        call_status,
        duration=TWILIO.number(request, "CallDuration"),
        sequence=TWILIO.number(request, "SequenceNumber"),
    )
    return "", 204


@bp.get("/prompts/<key>")
def prompt(key: str):
    """An uploaded voice prompt, for Twilio's <Play> (public: it holds nothing personal)."""
    path = prompts.path(key)
    if path is None:
        abort(404)
    mimetype = "audio/wav" if path.suffix == ".wav" else "audio/mpeg"
    return send_file(path, mimetype=mimetype, max_age=300)
