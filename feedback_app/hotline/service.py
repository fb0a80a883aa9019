"""The hotline's records: messages, calls, voicemails, call-backs. Callers commit.

Every intake is idempotent on the provider's id (MessageSid, CallSid, RecordingSid, or the form
token of a call logged by hand): a repeat finds the first record and changes nothing. Callbacks
may arrive twice or out of order: a call's status only moves forward, and a callback naming a
call we never saw start is recorded (flagged) rather than refused.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import case as sql_case
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import audit
from ..cases import service as cases
from ..errors import UserError
from ..extensions import db
from ..models import (
    STATUS_RANK,
    AdminUnit,
    CallOutcome,
    CallStatus,
    Case,
    CaseChannel,
    HotlineCall,
    HotlineLine,
    Provider,
    SmsMessage,
    SmsOptOut,
    User,
)
from ..privacy import normalise_for_search
from ..timeutil import as_utc, now_utc
from . import hours, recordings
from .gateways import InboundSms

# Opt-out and opt-in keywords, compared without accents, case or punctuation.
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "HUY", "TU CHOI", "DUNG"}
)
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "BAT DAU", "DANG KY"})
SMS_REPLY_MAX = 70  # one UCS-2 segment
MISSED = frozenset({CallStatus.BUSY, CallStatus.FAILED, CallStatus.NO_ANSWER, CallStatus.CANCELED})


class HotlineError(UserError):
    """A hotline change that cannot be made."""


# --- Lines -------------------------------------------------------------------------------------


def line_for(number: str | None) -> HotlineLine | None:
    """The active line with this number, else the first active line (a provider may write the
    number differently), else None."""
    line = None
    # With its unit: every caller goes on to unit_of(line).
    lines = select(HotlineLine).options(joinedload(HotlineLine.unit))
    if number:
        line = db.session.scalar(lines.where(HotlineLine.number == number, HotlineLine.active))
    if line is None:
        line = db.session.scalar(lines.where(HotlineLine.active).order_by(HotlineLine.id).limit(1))
    return line


def unit_of(line: HotlineLine | None) -> AdminUnit:
    """Whose cases a line's calls become: its unit, or the top of the tree without a line."""
    if line is not None:
        return line.unit
    unit = db.session.scalar(
        select(AdminUnit).where(AdminUnit.parent_id.is_(None)).order_by(AdminUnit.id).limit(1)
    )
    if unit is None:
        raise HotlineError(_("No administrative unit exists yet."))
    return unit


# --- SMS ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmsResult:
    """What a webhook answers: the reply to send (None: none) and the case opened, if any."""

    message_id: str
    created: bool
    reply: str | None
    case_code: str | None


def keyword(text: str) -> str | None:
    """ "stop" or "start" when the whole message is an opt-out or opt-in word."""
    words = re.sub(r"[^A-Z0-9 ]+", " ", normalise_for_search(text).upper())
    words = " ".join(words.split())
    if words in OPT_OUT_WORDS:
        return "stop"
    if words in OPT_IN_WORDS:
        return "start"
    return None


def find_sms(provider: Provider, message_id: str) -> SmsMessage | None:
    """The message stored for this provider id, if any."""
    return db.session.scalar(
        select(SmsMessage).where(
            SmsMessage.provider == provider, SmsMessage.provider_id == message_id
        )
    )


def _replayed(sms: InboundSms) -> SmsResult | None:
    """The first answer again for a repeat delivery (None when the id is new), unless the
    sender has opted out since: a provider repeats only when its first request got no answer,
    so that reply never left."""
    row = db.session.execute(
        select(SmsMessage.reply, SmsMessage.from_number, Case.code)
        .outerjoin(Case, Case.id == SmsMessage.case_id)
        .where(SmsMessage.provider == sms.provider, SmsMessage.provider_id == sms.message_id)
    ).first()
    if row is None:
        return None
    reply, number, code = row
    if reply and _is_opted_out(number):
        reply = None
    return SmsResult(sms.message_id, False, reply, code)


def _is_opted_out(number: str | None) -> bool:
    return (
        db.session.scalar(select(SmsOptOut.id).where(SmsOptOut.number == (number or "")))
        is not None
    )


def receive_sms(sms: InboundSms) -> SmsResult:
    """Store an inbound message once; open its case; decide the reply (Vietnamese, ≤ 70 chars).

    Everything is read first and written last, inside one savepoint whose first statement is
    an INSERT. On SQLite the savepoint opens the transaction: a read inside it would pin a
    snapshot that another worker's commit makes stale, and the INSERT would then fail at once
    ("database is locked") instead of waiting its turn. A repeat racing the first delivery
    hits a unique key (the case's intake key or the message id) and gets the first answer.
    """
    replay = _replayed(sms)
    if replay is not None:
        return replay
    line = line_for(sms.recipient)
    unit = unit_of(line)
    now = now_utc()
    received_at = min(sms.received_at or now, now)  # a gateway with a clock ahead
    word = keyword(sms.text)
    opted_out = _is_opted_out(sms.sender)
    prepared = None
    if word is None and sms.text:
        prepared = cases.prepare_case(
            cases.NewCase(
                channel=CaseChannel.HOTLINE_SMS,
                content=sms.text,
                unit=unit,
                sender_phone=sms.sender[:20],
                received_at=received_at,
                intake_key=f"sms:{sms.provider.value}:{sms.message_id}",
            )
        )
    reply = _reply(word, prepared["code"] if prepared else None, opted_out)
    try:
        with db.session.begin_nested():
            case = cases.insert_case(prepared) if prepared else None
            message = {
                "provider": sms.provider,
                "provider_id": sms.message_id,
                "line_id": line.id if line else None,
                "unit_id": unit.id,
                "from_number": sms.sender,
                "to_number": sms.recipient,
                "body": sms.text,
                "received_at": received_at,
                "keyword": word,
                "reply": reply,
                "case_id": case.id if case else None,
                "created_at": now,
            }
            db.session.execute(insert(SmsMessage.__table__), message)
            _apply_keyword(sms, word, opted_out)
    except IntegrityError:
        replay = _replayed(sms)
        if replay is None:
            raise
        return replay
    return SmsResult(sms.message_id, True, reply, case.code if case else None)


def _reply(word: str | None, code: str | None, opted_out: bool) -> str | None:
    """Vietnamese whatever the request's language; nothing to a number that opted out."""
    with force_locale("vi"):
        if word == "start":
            return sms_reply(_("You will receive our replies again."))
        if code and not opted_out and word is None:
            return sms_reply(_("Received. Tracking code: %(code)s", code=code))
    return None


def _apply_keyword(sms: InboundSms, word: str | None, opted_out: bool) -> None:
    """Remember an opt-out; forget it on an opt-in."""
    number = sms.sender or ""
    if word == "stop" and not opted_out:
        try:
            with db.session.begin_nested():
                db.session.execute(
                    insert(SmsOptOut.__table__).values(
                        number=number, keyword=sms.text[:16], opted_out_at=now_utc()
                    )
                )
        except IntegrityError:
            pass  # a second STOP from the same number arrived at the same moment
    elif word == "start" and opted_out:
        db.session.execute(delete(SmsOptOut.__table__).where(SmsOptOut.number == number))


def sms_reply(text: str) -> str:
    """A reply as sent: NFC (so Vietnamese letters count once), at most one UCS-2 segment."""
    return unicodedata.normalize("NFC", text)[:SMS_REPLY_MAX]


# Twilio's stand-ins for a caller who withheld the number (anonymous, restricted, blocked,
# unavailable): nobody can be called back on them.
WITHHELD_NUMBERS = frozenset({"+266696687", "+7378742833", "+2562533", "+86282452253", "+8656696"})


def can_call_back(number: str | None) -> bool:
    """A number an operator can dial: digits, at least 8 of them, not a withheld stand-in."""
    if not number or number in WITHHELD_NUMBERS:
        return False
    digits = number.removeprefix("+")
    return digits.isdigit() and len(digits) >= 8


# --- Calls -------------------------------------------------------------------------------------


def find_call(provider: Provider, call_id: str) -> HotlineCall | None:
    """The call stored for this provider id, if any."""
    return db.session.scalar(
        select(HotlineCall).where(
            HotlineCall.provider == provider, HotlineCall.provider_id == call_id
        )
    )


def start_call(
    provider: Provider, call_id: str, *, caller: str, called: str, direction: str = "inbound"
) -> HotlineCall:
    """The call a voice webhook is about: found, or stored now (flagged after hours)."""
    call = find_call(provider, call_id)
    if call is not None:
        # A status callback can overtake the call's first request: now we have seen it start.
        call.unknown_start = False
        return call
    call = _new_call(provider, call_id, caller=caller, called=called, direction=direction)
    return _add_call(call)[0]


def _add_call(call: HotlineCall) -> tuple[HotlineCall, bool]:
    """Store a new call, INSERT first (see receive_sms): (call, True); or, when a racing request
    (a provider's retry, a form sent twice) stored the same provider id first, (that one, False).
    """
    try:
        with db.session.begin_nested():
            db.session.add(call)
    except IntegrityError:
        existing = find_call(call.provider, call.provider_id)
        if existing is None:
            raise
        return existing, False
    return call, True


def _new_call(provider, call_id, *, caller, called, direction, unknown=False) -> HotlineCall:
    """A new call row, every read done but not yet added to the session."""
    line = line_for(called)
    now = now_utc()
    after_hours = not hours.is_open(now)
    due = hours.callback_due(now, True) if after_hours and can_call_back(caller) else None
    call = HotlineCall(
        provider=provider,
        provider_id=call_id,
        line=line,
        unit=unit_of(line),
        from_number=caller or None,
        to_number=called or "",
        direction=direction or "inbound",
        started_at=now,
        status=CallStatus.RINGING,
        after_hours=after_hours,
        callback_due=due,
        unknown_start=unknown,
    )
    return call


def call_for_callback(provider: Provider, call_id: str, caller: str, called: str) -> HotlineCall:
    """The call a status or recording callback names; one we never saw start is recorded."""
    call = find_call(provider, call_id)
    if call is not None:
        return call
    call = _new_call(
        provider, call_id, caller=caller, called=called, direction="inbound", unknown=True
    )
    return _add_call(call)[0]


def note_choice(call: HotlineCall, digits: str) -> None:
    """Remember what the caller pressed in the menu."""
    call.ivr_choice = (call.ivr_choice + digits)[-16:]


def apply_status(
    call: HotlineCall, status: str, *, duration: int | None, sequence: int | None
) -> bool:
    """A status callback: only forward moves count; whether anything changed.

    One conditional UPDATE, so two callbacks for the same call handled at the same moment by
    two workers cannot move its status backwards: the database decides under its row lock.
    """
    try:
        new = CallStatus(status)
    except ValueError:
        return False
    table = HotlineCall.__table__
    behind = [s.value for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[new]]
    values = {
        "status": sql_case((table.c.status.in_(behind), new.value), else_=table.c.status),
    }
    conditions = [table.c.id == call.id]
    if sequence is not None:
        values["status_sequence"] = sequence
        conditions.append(table.c.status_sequence < sequence)  # else a repeat, or older news
    if duration is not None:
        values["duration_seconds"] = duration
    before = (call.status, call.duration_seconds)
    db.session.flush()
    updated = db.session.execute(update(table).where(*conditions).values(values)).rowcount
    db.session.refresh(call)
    if not updated:
        return False
    if call.status == new and new in MISSED and before[0] != new:
        mark_missed(call)
    return (call.status, call.duration_seconds) != before


def mark_missed(call: HotlineCall) -> None:
    """Nobody spoke with the caller: put the number on the call-back list."""
    call.missed = True
    if can_call_back(call.from_number) and call.callback_due is None and not call.callback_done_at:
        call.callback_due = hours.callback_due(now_utc(), call.after_hours)


def store_recording(
    call: HotlineCall, *, recording_id: str, url: str, status: str, seconds: int | None
) -> tuple[HotlineCall, bool]:
    """A voicemail: kept (downloaded when credentials allow) and turned into a case waiting for
    its transcript. Keyed on the recording id: a repeat changes nothing."""
    existing = db.session.scalar(
        select(HotlineCall).where(HotlineCall.recording_sid == recording_id)
    )
    if existing is not None:
        return existing, False
    if call.recording_sid:
        # A second recording on one call (the menu was walked twice): a row of its own.
        call = _new_call(
            call.provider,
            f"{call.provider_id}/{recording_id}"[:80],
            caller=call.from_number or "",
            called=call.to_number,
            direction=call.direction,
        )
        db.session.add(call)
    call.recording_sid = recording_id
    call.recording_url = url[:500] or None
    call.recording_seconds = seconds
    if status != "completed" or not seconds:
        return call, True  # nothing was said: no case
    with force_locale("vi"):  # case content is kept in Vietnamese, as the office writes it
        placeholder = _(
            "Voicemail of %(seconds)d seconds, waiting for its transcript.", seconds=seconds
        )
    case, _created = cases.create_case(
        cases.NewCase(
            channel=CaseChannel.HOTLINE_CALL,
            content=placeholder,
            unit=call.unit,
            sender_phone=(call.from_number or "")[:20] or None,
            received_at=as_utc(call.started_at),
            intake_key=f"recording:{call.provider.value}:{recording_id}",
        )
    )
    call.case = case
    if can_call_back(call.from_number) and call.callback_due is None:
        call.callback_due = hours.callback_due(now_utc(), call.after_hours)
    call.recording = recordings.fetch(url, case)
    return call, True


def case_by_keypad(digits: str) -> Case | None:
    """The case whose code a caller typed on the keypad; None unless exactly one matches."""
    digits = "".join(ch for ch in digits if ch.isdigit())
    if len(digits) != cases.CODE_LENGTH:
        return None
    found = db.session.scalars(select(Case).where(Case.keypad_code == digits).limit(2)).all()
    return found[0] if len(found) == 1 else None


# --- The operator's work -----------------------------------------------------------------------


@dataclass
class ManualCall:
    """A call an operator took on an ordinary phone."""

    token: str
    number: str
    started_at: datetime
    duration_seconds: int
    topic: str
    summary: str
    outcome: CallOutcome
    unit: AdminUnit
    case: Case | None = None
    open_case: bool = False


# A case's field that is wrong, named as the call's field its value came from.
CALL_FIELDS = {
    "content": "summary",
    "subject": "topic",
    "received_at": "started_at",
    "sender_phone": "number",
}


def log_call(entry: ManualCall, actor: User) -> tuple[HotlineCall, bool]:
    """Store a call taken by hand; (call, created). The form token makes a resubmission find
    the first one, even one sent at the same moment. Raises HotlineError under the call's
    field at fault (a case's error too: see CALL_FIELDS)."""
    existing = find_call(Provider.MANUAL, entry.token)
    if existing is not None:
        return existing, False
    if entry.outcome is CallOutcome.CALL_BACK and not entry.number:
        raise HotlineError(_("Enter the number to call back."), "number")
    if entry.outcome is CallOutcome.CASE_OPENED and entry.case is None and not entry.open_case:
        raise HotlineError(
            _("Tick “Open a new case from this call”, or give the code of the case."),
            "open_case",
        )
    if entry.started_at > now_utc() + timedelta(minutes=5):
        raise HotlineError(_("The time cannot be in the future."), "started_at")
    call = HotlineCall(
        provider=Provider.MANUAL,
        provider_id=entry.token,
        unit=entry.unit,
        from_number=entry.number or None,
        started_at=entry.started_at,
        status=CallStatus.COMPLETED,
        duration_seconds=entry.duration_seconds,
        after_hours=not hours.is_open(entry.started_at),
        operator_id=actor.id,
        topic=entry.topic,
        summary=entry.summary,
        outcome=entry.outcome,
        case=entry.case,
    )
    if entry.outcome == CallOutcome.CALL_BACK and entry.number:
        call.callback_due = hours.callback_due(entry.started_at, call.after_hours)
    call, added = _add_call(call)  # the same form sent twice at once: one row, the first
    if not added:
        return call, False
    if entry.open_case and entry.case is None:
        call.case = _open_case(entry, actor)
    if call.case is not None:
        cases.note_call(call.case, linked=True, call_id=call.id, actor=actor)
    audit.record("hotline_call_logged", actor=actor, target=call)
    return call, True


def _open_case(entry: ManualCall, actor: User) -> Case:
    """The case a call taken by hand opens; its errors are named by the call's fields."""
    new = cases.NewCase(
        channel=CaseChannel.HOTLINE_CALL,
        content=entry.summary or entry.topic,
        subject=entry.topic,
        unit=entry.unit,
        sender_phone=entry.number[:20] or None,
        received_at=entry.started_at,
        intake_key=f"call:{entry.token}",
    )
    try:
        case, _created = cases.create_case(new, actor)
    except cases.CaseError as exc:
        raise HotlineError(exc.message, CALL_FIELDS.get(exc.field or "", exc.field)) from exc
    return case


def link_case(call: HotlineCall, case: Case, actor: User) -> None:
    """Attach a call to a case (replacing any other link)."""
    if call.case_id == case.id:
        return
    if call.case is not None:
        cases.note_call(call.case, linked=False, call_id=call.id, actor=actor)
    call.case = case
    cases.note_call(case, linked=True, call_id=call.id, actor=actor)
    audit.record("hotline_call_linked", actor=actor, target=call, case=case.code)


def unlink_case(call: HotlineCall, actor: User) -> None:
    """Detach a call from its case."""
    if call.case is None:
        return
    cases.note_call(call.case, linked=False, call_id=call.id, actor=actor)
    audit.record("hotline_call_unlinked", actor=actor, target=call, case=call.case.code)
    call.case = None


def callback_done(call: HotlineCall, actor: User) -> None:
    """The citizen was called back."""
    if call.callback_done_at is not None:
        return
    call.callback_done_at = now_utc()
    call.callback_done_by_id = actor.id
    audit.record("hotline_callback_done", actor=actor, target=call)


def transcribe(call: HotlineCall, text: str, actor: User) -> None:
    """The operator's transcript of a voicemail; it becomes its case's content."""
    if not call.recording_sid:
        raise HotlineError(_("This call has no voicemail."), "transcript")
    if call.case is not None:
        try:
            cases.set_transcript(call.case, text=text, actor=actor)
        except cases.CaseError as exc:
            raise HotlineError(exc.message, "transcript") from exc
    elif not text.strip():
        raise HotlineError(_("Write what the caller said."), "transcript")
    call.transcript = text.strip()
    call.transcribed_at = now_utc()
    call.transcribed_by_id = actor.id
    audit.record("hotline_transcribed", actor=actor, target=call)


def dial_timeout() -> int:
    """Seconds the operator's phone rings before the caller is offered voicemail."""
    return int(current_app.config["HOTLINE_DIAL_TIMEOUT_SECONDS"])
