"""Kiosks and responses: registering tablets, and taking a citizen's answers. Callers commit.

Every channel (kiosk, paper form, web survey) ends in `submit`, which validates everything,
is idempotent on the client's UUID, stores the time only to the hour, never an address, and
opens a case when a comment needs an answer.
"""

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import audit
from ..cases import service as cases
from ..extensions import db, limiter
from ..models import (
    Answer,
    CaseChannel,
    Counter,
    Instrument,
    InstrumentStatus,
    Kiosk,
    Officer,
    QuestionKind,
    Response,
    ResponseChannel,
    ServicePoint,
    User,
)
from ..timeutil import now_utc
from .defaults import COMMENT, NO_OPINION, OVERALL, REPLY_PHONE, WANT_REPLY
from .instruments import find as find_instrument

BURST_WINDOW_SECONDS = 60
BURST_BUCKET_SECONDS = 10
DOSSIER_CODE = re.compile(r"^[A-Za-z0-9.\-]{1,40}$")
PHONE = re.compile(r"^\+?[0-9 .\-]{8,20}$")
CASE_CHANNEL = {
    ResponseChannel.KIOSK: CaseChannel.KIOSK_COMMENT,
    ResponseChannel.WEB: CaseChannel.WEB,
    ResponseChannel.PAPER: CaseChannel.WALK_IN,
}


# --- Kiosks -----------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """What is stored of a kiosk token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def kiosk_by_token(token: str) -> Kiosk | None:
    """The kiosk with this token (enabled or not), or None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(Kiosk)
        .where(Kiosk.token_hash == hash_token(token))
        .options(joinedload(Kiosk.counter).joinedload(Counter.service_point))
    )


def create_kiosk(counter: Counter, actor: User | None = None, label: str = "") -> tuple[Kiosk, str]:
    """Register a tablet at a counter; the token is returned once and only its hash is kept."""
    token = secrets.token_urlsafe(24)
    kiosk = Kiosk(counter=counter, token_hash=hash_token(token), label=label.strip()[:120])
    db.session.add(kiosk)
    db.session.flush()
    audit.record("kiosk_created", actor=actor, target=kiosk, counter=counter.id)
    return kiosk, token


def rotate_token(kiosk: Kiosk, actor: User) -> str:
    """A new token for a kiosk (the old URL stops working at once)."""
    token = secrets.token_urlsafe(24)
    kiosk.token_hash = hash_token(token)
    audit.record("kiosk_token_rotated", actor=actor, target=kiosk)
    return token


def set_kiosk_active(kiosk: Kiosk, active: bool, actor: User) -> None:
    """Disable a lost or retired tablet, or enable it again."""
    if kiosk.active != active:
        kiosk.active = active
        audit.record("kiosk_enabled" if active else "kiosk_disabled", actor=actor, target=kiosk)


def kiosk_url(token: str) -> str:
    """The full address a tablet opens."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    return f"{base}/kiosk/{token}"


def note_seen(kiosk: Kiosk, queued: int | None) -> None:
    """Remember when the tablet last talked to us and how many answers it still holds."""
    kiosk.last_seen_at = now_utc()
    if queued is not None and 0 <= queued < 100_000:
        kiosk.queued_reported = queued
        kiosk.queued_reported_at = kiosk.last_seen_at


def set_officer_on_duty(counter: Counter, officer: Officer | None, actor: User) -> None:
    """Counter staff say who serves now; later responses at the counter record it."""
    if officer is not None and officer.service_point_id != counter.service_point_id:
        raise ValueError("officer of another desk")
    if counter.officer_on_duty_id != (officer.id if officer else None):
        counter.officer_on_duty = officer
        audit.record(
            "officer_on_duty", actor=actor, target=counter, officer=officer.id if officer else None
        )


# --- The instrument as clients see it ---------------------------------------------------------


def option_list(question, language: str) -> list[dict]:
    """The choices of a question as the kiosk API lists them: [{code, value, label}]."""
    from .defaults import LIKERT_LABELS, NO_OPINION_LABELS

    en = language == "en"
    if question.kind == QuestionKind.LIKERT5:
        items = [
            {"code": str(v), "value": v, "label": labels[1] if en else labels[0]}
            for v, labels in LIKERT_LABELS.items()
        ]
        if question.allows_no_opinion:
            label = NO_OPINION_LABELS[1] if en else NO_OPINION_LABELS[0]
            items.append({"code": NO_OPINION, "value": None, "label": label})
        return items
    return [
        {
            "code": o["code"],
            "value": o.get("points"),
            "label": (o.get("label_en") or o["label_vi"]) if en else o["label_vi"],
        }
        for o in question.options
    ]


def instrument_payload(instrument: Instrument, kiosk: Kiosk, language: str = "vi") -> dict:
    """GET /api/v1/kiosk/<token>: everything the page needs to run offline."""
    point = kiosk.counter.service_point
    en = language == "en"
    return {
        "instrument": instrument.label,
        "title": (instrument.title_en or instrument.title_vi) if en else instrument.title_vi,
        "unit": {"code": point.unit.code, "name": point.unit.name},
        "service_point": {"id": point.id, "name": point.name},
        "counter": {"id": kiosk.counter.id, "code": kiosk.counter.code},
        "questions": [
            {
                "code": q.code,
                "kind": q.kind.value,
                "factor": q.factor or None,
                "tt01_index": q.tt01_index,
                "required": q.required,
                "text": (q.text_en or q.text_vi) if en else q.text_vi,
                "max_length": q.max_length if q.kind == QuestionKind.TEXT else None,
                "options": option_list(q, language),
            }
            for q in instrument.questions
        ],
    }


# --- Submissions ------------------------------------------------------------------------------


class SubmissionInvalid(ValueError):
    """Bad input; `errors` maps each field to a translated message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid submission")
        self.errors = errors


@dataclass
class Where:
    """Where a response was given."""

    channel: ResponseChannel
    service_point: ServicePoint
    counter: Counter | None = None
    kiosk: Kiosk | None = None
    max_age_days: int = 7


def existing_reply(client_uuid: str) -> dict | None:
    """The reply given the first time this client UUID was submitted, if it was."""
    reply = db.session.scalar(select(Response.reply).where(Response.client_uuid == client_uuid))
    return dict(reply) if reply is not None else None


def submit(payload: dict, where: Where) -> tuple[dict, bool]:
    """Validate and store one response; (reply, created). A repeat returns the first reply."""
    if not isinstance(payload, dict):
        raise SubmissionInvalid({"body": _("Send a JSON object.")})
    client_uuid = _client_uuid(payload.get("client_uuid"))
    previous = existing_reply(client_uuid)
    if previous is not None:
        return previous, False
    clean = _validate(payload, where)
    try:
        with db.session.begin_nested():
            reply = _store(client_uuid, clean, where)
    except IntegrityError:
        # The same answers arrived twice at the same moment: the other request stored them.
        previous = existing_reply(client_uuid)
        if previous is None:
            raise
        return previous, False
    return reply, True


def _client_uuid(value) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        message = _("A unique identifier (UUID) is required.")
        raise SubmissionInvalid({"client_uuid": message}) from None


@dataclass
class _Clean:
    instrument: Instrument
    answers: dict  # question → (value, option_code, text)
    comment: str
    reply_phone: str | None
    wants_reply: bool
    overall: int | None
    dossier_code: str | None
    language: str
    answered_at: datetime


def _validate(payload: dict, where: Where) -> _Clean:
    errors: dict[str, str] = {}
    instrument = find_instrument(str(payload.get("instrument") or ""))
    if instrument is None or instrument.status == InstrumentStatus.DRAFT:
        raise SubmissionInvalid({"instrument": _("Unknown survey version.")})
    raw = payload.get("answers")
    if not isinstance(raw, dict):
        raise SubmissionInvalid({"answers": _("Send the answers as an object.")})
    if "comment" in payload and COMMENT not in raw:
        raw = {**raw, COMMENT: payload["comment"]}
    by_code = {q.code: q for q in instrument.questions}
    for code in raw:
        if code not in by_code:
            errors[f"answers.{code}"] = _("There is no such question.")
    answers = {}
    for question in instrument.questions:
        value = raw.get(question.code)
        if value is None or (isinstance(value, str) and not value.strip()):
            if question.required:
                errors[f"answers.{question.code}"] = _("Please answer this question.")
            continue
        parsed = _parse_answer(question, value)
        if isinstance(parsed, str):
            errors[f"answers.{question.code}"] = parsed
        else:
            answers[question] = parsed
    language = payload.get("language") or "vi"
    if language not in current_app.config["LANGUAGES"]:
        errors["language"] = _("Unknown language.")
    dossier = payload.get("dossier_code")
    if dossier not in (None, ""):
        if not isinstance(dossier, str) or not DOSSIER_CODE.match(dossier.strip()):
            errors["dossier_code"] = _("A dossier code has letters, digits, dots and dashes.")
    answered_at = _answered_at(payload.get("answered_at"), where.max_age_days, errors)
    if errors:
        raise SubmissionInvalid(errors)
    texts = {q.code: a[2] for q, a in answers.items() if a[2] is not None}
    values = {q.code: a for q, a in answers.items()}
    phone = texts.get(REPLY_PHONE)
    wants = values.get(WANT_REPLY, (None, None, None))[1] == "yes"
    if wants and not phone:
        message = _("Give a phone number for the answer.")
        raise SubmissionInvalid({f"answers.{REPLY_PHONE}": message})
    return _Clean(
        instrument=instrument,
        answers={q: a for q, a in answers.items() if q.code != REPLY_PHONE},
        comment=texts.get(COMMENT, ""),
        reply_phone=phone,
        wants_reply=wants,
        overall=values.get(OVERALL, (None,))[0],
        dossier_code=dossier.strip() if dossier else None,
        language=language,
        answered_at=answered_at,
    )


def _parse_answer(question, value):
    """(value, option_code, text) for a valid answer, or a translated error message."""
    if question.kind == QuestionKind.LIKERT5:
        if value == NO_OPINION and question.allows_no_opinion:
            return (None, NO_OPINION, None)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            return _("Choose one of the five answers.")
        return (value, None, None)
    if question.kind in (QuestionKind.CHOICE_SCORED, QuestionKind.YES_NO):
        option = next((o for o in question.options if o["code"] == value), None)
        if option is None:
            return _("Choose one of the answers offered.")
        return (option.get("points"), option["code"], None)
    if not isinstance(value, str):
        return _("Write text here.")
    text = value.replace("\x00", "").strip()
    if len(text) > question.max_length:
        return _("At most %(n)d characters.", n=question.max_length)
    if question.code == REPLY_PHONE and text and not PHONE.match(text):
        return _("Write a phone number, for example 0912 345 678.")
    return (None, None, text)


def _answered_at(value, max_age_days: int, errors: dict) -> datetime:
    now = now_utc()
    if value in (None, ""):
        return now
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        errors["answered_at"] = _("Send the time as ISO 8601, e.g. 2026-03-14T09:30:00+07:00.")
        return now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment > now + timedelta(minutes=5):
        errors["answered_at"] = _("The time cannot be in the future.")
    elif moment < now - timedelta(days=max_age_days):
        errors["answered_at"] = _("Answers older than %(n)d days are not accepted.", n=max_age_days)
    return moment


def _store(client_uuid: str, clean: _Clean, where: Where) -> dict:
    counter = where.counter
    response = Response(
        client_uuid=client_uuid,
        instrument=clean.instrument,
        channel=where.channel,
        service_point=where.service_point,
        counter_id=counter.id if counter else None,
        # Only a kiosk rating is given while its officer serves; a paper form is typed in later.
        officer_id=counter.officer_on_duty_id if counter and where.kiosk else None,
        kiosk_id=where.kiosk.id if where.kiosk else None,
        dossier_code=clean.dossier_code,
        submitted_hour=clean.answered_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0),
        language=clean.language,
        suspicious=_is_burst(where.kiosk, clean.answered_at),
    )
    db.session.add(response)
    db.session.flush()
    # One statement for all answers (the ORM would send one INSERT ... RETURNING per answer).
    rows = [
        {
            "response_id": response.id,
            "question_id": q.id,
            "value": v,
            "option_code": o,
            "text": t if q.code == COMMENT else None,
        }
        for q, (v, o, t) in clean.answers.items()
    ]
    if rows:
        db.session.execute(insert(Answer.__table__), rows)
    case_code = None
    if clean.comment and (clean.wants_reply or clean.overall in (1, 2)):
        case, _created = cases.create_case(
            cases.NewCase(
                channel=CASE_CHANNEL.get(where.channel, CaseChannel.WALK_IN),
                content=clean.comment,
                service_point=where.service_point,
                sender_phone=clean.reply_phone,
                received_at=response.submitted_hour,  # to the hour, like the rating
                intake_key=f"response:{client_uuid}",
            )
        )
        response.case_id = case.id
        case_code = case.code
    response.reply = {"id": response.id, "case_code": case_code}
    return dict(response.reply)


def _is_burst(kiosk: Kiosk | None, answered_at: datetime) -> bool:
    """More answers than a person could give from one tablet within a minute (by the tablet's
    own clock, so a queue resent after an outage is not mistaken for a burst)."""
    if kiosk is None:
        return False
    # Ten-second buckets summed over the last minute: a sliding window, not a clock minute, so a
    # burst straddling a minute boundary is still seen. Shared storage (Redis) in production.
    bucket = int(answered_at.timestamp()) // BURST_BUCKET_SECONDS
    storage = limiter.storage
    count = storage.incr(f"burst:{kiosk.id}:{bucket}", expiry=BURST_WINDOW_SECONDS * 3)
    for earlier in range(bucket - BURST_WINDOW_SECONDS // BURST_BUCKET_SECONDS + 1, bucket):
        count += storage.get(f"burst:{kiosk.id}:{earlier}")
    return count > current_app.config["KIOSK_BURST_COUNT"]


def answers_from_form(instrument: Instrument, form) -> dict:
    """The answers of a plain HTML form (fields "q_<code>") in the API's shape."""
    answers = {}
    for question in instrument.questions:
        value = form.get(f"q_{question.code}")
        if value is None or value == "":
            continue
        if question.kind == QuestionKind.LIKERT5 and value.isdecimal():
            answers[question.code] = int(value)
        else:
            answers[question.code] = value
    return answers
