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
from sqlalchemy import (
    Connection,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from .. import audit
from ..cases import service as cases
from ..connections import connection_of, run_on
from ..counters import count_and_read
from ..errors import UserError
from ..extensions import db, limiter
from ..hardening import MAX_DB_INT
from ..models import (
    Answer,
    CaseChannel,
    Counter,
    Instrument,
    Kiosk,
    KioskMode,
    Officer,
    QuestionKind,
    Response,
    ResponseChannel,
    ServicePoint,
    User,
)
from ..textutil import clean_text
from ..timeutil import as_utc, now_utc
from ..urls import public_origin
from . import invitations
from .defaults import COMMENT, NO_OPINION, OVERALL, REPLY_PHONE, WANT_REPLY
from .instruments import AnswerableVersion, QuestionSpec, answerable

BURST_WINDOW_SECONDS = 60
# A tablet that was offline may send answers this many days old, no older.
MAX_AGE_DAYS = 7
DOSSIER_CODE = invitations.DOSSIER_CODE
LIKERT_VALUE = re.compile(r"[1-5]")  # ASCII only: "٣".isdecimal() is true too
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
    if not _plausible(token):
        return None
    return db.session.scalar(
        select(Kiosk)
        .where(Kiosk.token_hash == hash_token(token))
        .options(joinedload(Kiosk.counter).joinedload(Counter.service_point))
    )


def _plausible(token: str) -> bool:
    return bool(token) and len(token) <= 100


@dataclass(frozen=True)
class KioskPlace:
    """A kiosk as a submission needs it: where it stands, by ids (tied to no session)."""

    id: int
    counter_id: int
    service_point_id: int
    unit_id: int  # the desk's unit (for a case an answer opens)
    officer_on_duty_id: int | None
    in_use: bool  # the tablet is enabled and its counter open
    token_hash: str  # the burst counter's key (known before the kiosk's row is read)
    last_seen_at: datetime | None = None
    queued_reported: int = 0
    queued_reported_at: datetime | None = None

    @classmethod
    def of(cls, kiosk: Kiosk) -> "KioskPlace":
        """The place of a kiosk already loaded."""
        counter = kiosk.counter
        return cls(
            id=kiosk.id,
            counter_id=counter.id,
            service_point_id=counter.service_point_id,
            officer_on_duty_id=counter.officer_on_duty_id,
            in_use=kiosk.in_use,
            unit_id=counter.service_point.unit_id,
            last_seen_at=kiosk.last_seen_at,
            queued_reported=kiosk.queued_reported,
            queued_reported_at=kiosk.queued_reported_at,
            token_hash=kiosk.token_hash,
        )


# The statements every kiosk submission runs are built once, on the tables (not the ORM
# classes): building and caching a statement costs more than running it.
KIOSKS, COUNTERS, RESPONSES = Kiosk.__table__, Counter.__table__, Response.__table__
DESKS = ServicePoint.__table__
_KIOSK_PLACE = (
    select(
        KIOSKS.c.id,
        KIOSKS.c.counter_id,
        COUNTERS.c.service_point_id,
        DESKS.c.unit_id,
        COUNTERS.c.officer_on_duty_id,
        KIOSKS.c.active,
        COUNTERS.c.active.label("counter_active"),
        KIOSKS.c.last_seen_at,
        KIOSKS.c.queued_reported,
        KIOSKS.c.queued_reported_at,
    )
    .join(COUNTERS, COUNTERS.c.id == KIOSKS.c.counter_id)
    .join(DESKS, DESKS.c.id == COUNTERS.c.service_point_id)
    .where(KIOSKS.c.token_hash == bindparam("token_hash"))
)
_NOTE_SEEN = update(KIOSKS).where(KIOSKS.c.id == bindparam("kiosk_id"))


def kiosk_place(token: str, sql: Connection | None = None) -> KioskPlace | None:
    """The place of the kiosk with this token (enabled or not), in one query; or None."""
    if not _plausible(token):
        return None
    token_hash = hash_token(token)
    row = run_on(sql).execute(_KIOSK_PLACE, {"token_hash": token_hash}).first()
    if row is None:
        return None
    return _place_of(row, token_hash)


def _place_of(row, token_hash: str) -> KioskPlace:
    return KioskPlace(
        id=row.id,
        counter_id=row.counter_id,
        service_point_id=row.service_point_id,
        officer_on_duty_id=row.officer_on_duty_id,
        in_use=bool(row.active and row.counter_active),
        unit_id=row.unit_id,
        last_seen_at=row.last_seen_at,
        queued_reported=row.queued_reported,
        queued_reported_at=row.queued_reported_at,
        token_hash=token_hash,
    )


def create_kiosk(
    counter: Counter,
    actor: User | None = None,
    label: str = "",
    mode: KioskMode = KioskMode.QUICK,
) -> tuple[Kiosk, str]:
    """Register a tablet at a counter; the token is returned once and only its hash is kept."""
    token = secrets.token_urlsafe(24)
    kiosk = Kiosk(
        counter=counter, token_hash=hash_token(token), label=label.strip()[:120], mode=mode
    )
    db.session.add(kiosk)
    db.session.flush()
    audit.record("kiosk_created", actor=actor, target=kiosk, counter=counter.id, mode=mode.value)
    return kiosk, token


def set_kiosk_mode(kiosk: Kiosk, mode: KioskMode, actor: User | None) -> None:
    """Quick (one tap) or full (every question): the tablet shows it from its next survey."""
    if kiosk.mode != mode:
        kiosk.mode = mode
        audit.record("kiosk_mode", actor=actor, target=kiosk, mode=mode.value)


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
    return f"{public_origin()}/kiosk/{token}"


def note_seen(kiosk_id: int, queued: int | None, sql: Connection | None = None) -> None:
    """Remember when the tablet last talked to us and how many answers it still holds."""
    now = now_utc()
    values = {"kiosk_id": kiosk_id, "last_seen_at": now}
    if queued is not None and 0 <= queued < 100_000:
        values |= {"queued_reported": queued, "queued_reported_at": now}
    run_on(sql).execute(_NOTE_SEEN, values)


def note_submission_seen(kiosk: KioskPlace, queued: int | None, sql: Connection) -> None:
    """note_seen, unless it would change nothing the staff page shows. That page gives times to
    the minute, so a tablet heard from again within the same minute, with the same queue figure,
    writes nothing: under load, most submissions."""
    minute = _minute(now_utc())
    same_queue = queued is None or (
        queued == kiosk.queued_reported and _minute(kiosk.queued_reported_at) == minute
    )
    if not (same_queue and _minute(kiosk.last_seen_at) == minute):
        note_seen(kiosk.id, queued, sql)


def _minute(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return as_utc(moment).replace(second=0, microsecond=0)


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


class SubmissionInvalid(UserError):
    """Answers that cannot be stored: `errors` maps each field of the submission ("answers.<code>"
    for a question) to a translated message, every problem found; `field` and `message` are the
    first of them."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors


@dataclass
class Where:
    """Where a response was given: a desk (and counter) for a paper or web answer, or a kiosk,
    which brings its counter and desk."""

    channel: ResponseChannel
    service_point: ServicePoint | None = None
    counter: Counter | None = None
    kiosk: KioskPlace | None = None
    max_age_days: int = MAX_AGE_DAYS

    @property
    def all_optional(self) -> bool:
        """At a kiosk nothing is required beyond one rating (a citizen who stops early still
        counts); paper slips and the web survey keep their required questions."""
        return self.channel == ResponseChannel.KIOSK


_REPLY = select(
    RESPONSES.c.id, RESPONSES.c.reply, RESPONSES.c.service_point_id, RESPONSES.c.kiosk_id
).where(RESPONSES.c.client_uuid == bindparam("client_uuid"))
# INSERT … ON CONFLICT (client_uuid) DO NOTHING: of two requests racing with one UUID, the second
# stores nothing and is told so (no id returned) instead of failing. Both databases spell it so.
_NEW_RESPONSE = {
    name: dialect_insert(RESPONSES)
    .on_conflict_do_nothing(index_elements=["client_uuid"])
    .returning(RESPONSES.c.id)
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
# A response's answers. SQLite: executemany (sqlite3 loops in C). PostgreSQL: one INSERT …
# SELECT FROM unnest(four arrays), whose text never changes, so psycopg prepares it once per
# connection: one round trip, where executemany pipelines a statement per answer (and a multi-row
# VALUES list is a new statement for every length). bench/kiosk_submissions.py.
_ANSWER_ROWS = (
    func.unnest(
        cast(bindparam("question_ids"), postgresql.ARRAY(Integer)),
        cast(bindparam("values"), postgresql.ARRAY(Integer)),
        cast(bindparam("option_codes"), postgresql.ARRAY(String)),
        cast(bindparam("texts"), postgresql.ARRAY(Text)),
    )
    .table_valued("question_id", "value", "option_code", "text")
    .render_derived()
)
_ANSWER_COLUMNS = ["response_id", "question_id", "value", "option_code", "text"]


def _answers_of(response_id) -> Select:
    rows = _ANSWER_ROWS.c
    return select(response_id, rows.question_id, rows.value, rows.option_code, rows.text)


_NEW_ANSWERS = {
    "sqlite": insert(Answer.__table__),
    "postgresql": insert(Answer.__table__).from_select(
        _ANSWER_COLUMNS, _answers_of(bindparam("response_id", type_=Integer))
    ),
}


def _at_once() -> Select:
    """PostgreSQL's statement for a whole kiosk submission (see `submit_at_once`): the kiosk's
    place, and when it is in use the response (unless its client UUID is stored already) and
    the response's answers, inserted by data-modifying CTEs; one row: the place and the new
    response's id, or NULL."""
    kiosk = _KIOSK_PLACE.cte("kiosk")
    given = [
        "client_uuid", "instrument_id", "channel", "dossier_code", "submitted_hour", "partial",
        "language", "suspicious", "commented", "reply",
    ]  # fmt: skip
    new_response = (
        postgresql.insert(RESPONSES)
        .from_select(
            [*given, "service_point_id", "counter_id", "officer_id", "kiosk_id"],
            select(
                *(bindparam(name, type_=RESPONSES.c[name].type) for name in given),
                kiosk.c.service_point_id,
                kiosk.c.counter_id,
                kiosk.c.officer_on_duty_id,
                kiosk.c.id,
            ).where(kiosk.c.active, kiosk.c.counter_active),
        )
        .on_conflict_do_nothing(index_elements=["client_uuid"])
        .returning(RESPONSES.c.id)
        .cte("new_response")
    )
    new_answers = (
        insert(Answer.__table__)
        .from_select(
            _ANSWER_COLUMNS,
            _answers_of(new_response.c.id).select_from(new_response).join(_ANSWER_ROWS, true()),
        )
        .cte("new_answers")
    )
    return (
        select(kiosk, new_response.c.id.label("response_id"))
        .outerjoin(new_response, true())
        .add_cte(new_answers)
    )


_AT_ONCE = _at_once()
_UPDATE_RESPONSE = update(RESPONSES).where(RESPONSES.c.id == bindparam("response_id"))


def existing_reply(client_uuid: str, where: Where, sql: Connection | None = None) -> dict | None:
    """The reply given the first time this client UUID was submitted from the same place (the
    same kiosk, or the same desk's paper or web survey), if it was. The same UUID from another
    place is refused: a resend comes from where the answer was given, so that is someone
    replaying another desk's identifier (whose reply would reveal its case's tracking code)."""
    row = run_on(sql).execute(_REPLY, {"client_uuid": client_uuid}).first()
    if row is None:
        return None
    kiosk = where.kiosk
    same = (
        row.kiosk_id == kiosk.id
        if kiosk is not None
        else row.kiosk_id is None and row.service_point_id == where.service_point.id
    )
    if not same:
        message = _("This identifier belongs to another answer. Start a new survey.")
        raise SubmissionInvalid({"client_uuid": message})
    # The stored reply may leave out the id: it is the row's own, unknown before the INSERT.
    return {**row.reply, "id": row.id}


def submit(payload: dict, where: Where, sql: Connection | None = None) -> tuple[dict, bool]:
    """Validate and store one response; (reply, created). A repeat returns the first reply,
    whatever it carries this time."""
    if not isinstance(payload, dict):
        raise SubmissionInvalid({"body": _("Send a JSON object.")})
    client_uuid = parse_client_uuid(payload.get("client_uuid"))
    try:
        clean = _validate(payload, where)
    except SubmissionInvalid:
        # A resend need not be valid any more (its time may now be too old): the first stands.
        previous = existing_reply(client_uuid, where, sql)
        if previous is None:
            raise
        return previous, False
    reply = _store(client_uuid, clean, where, connection_of(sql))
    if reply is None:
        # Stored before, or just now by a request racing this one with the same answers.
        return existing_reply(client_uuid, where, sql), False
    return reply, True


class KioskUnavailable(LookupError):
    """No kiosk has this token, or it (or its counter) is switched off."""


def submit_from_kiosk(
    token: str, payload, queued: int | None, sql: Connection
) -> tuple[dict, bool]:
    """A tablet's submission, as `submit`, on the caller's connection; KioskUnavailable for a
    token that takes no answers. `queued`: how many answers the tablet still holds, if it says."""
    kiosk = kiosk_place(token, sql)
    if kiosk is None or not kiosk.in_use:
        raise KioskUnavailable(token)
    reply, created = submit(payload, Where(channel=ResponseChannel.KIOSK, kiosk=kiosk), sql)
    # Last, so that on SQLite the database stays locked for writing only from the response's
    # INSERT to the commit, never while the answers are checked.
    note_submission_seen(kiosk, queued, sql)
    return reply, created


def submit_at_once(
    token: str, payload, queued: int | None, sql: Connection
) -> tuple[dict, bool] | None:
    """PostgreSQL: `submit_from_kiosk` for the common submission (valid, opening no case, taking
    no invitation) in ONE statement on an autocommit connection: the kiosk's row is read, the
    response and its answers inserted together (a statement is atomic: all three or nothing).
    One round trip instead of five (BEGIN, the kiosk's row, the response, its answers, COMMIT).

    None when the submission is not of that kind: the caller takes `submit_from_kiosk`, which
    says why (an unknown kiosk before a bad answer) and does the rest in one transaction."""
    if not isinstance(payload, dict) or not _plausible(token):
        return None
    try:
        client_uuid = parse_client_uuid(payload.get("client_uuid"))
        clean = _validate(payload, Where(channel=ResponseChannel.KIOSK))
    except SubmissionInvalid:
        return None
    if clean.opens_case or clean.invitation_id is not None:
        return None
    token_hash = hash_token(token)
    burst = _BurstCount(token_hash, clean.answered_at)
    row = sql.execute(
        _AT_ONCE,
        {
            "token_hash": token_hash,
            **_response_values(
                client_uuid, clean, ResponseChannel.KIOSK, burst, {"case_code": None}
            ),
            **_answer_arrays(clean.answers),
        },
    ).first()
    if row is None or not (row.active and row.counter_active):
        burst.take_back()
        raise KioskUnavailable(token)
    kiosk = _place_of(row, token_hash)
    if row.response_id is None:
        burst.take_back()  # a resend, or a racing duplicate: not another answer
        where = Where(channel=ResponseChannel.KIOSK, kiosk=kiosk)
        reply, created = existing_reply(client_uuid, where, sql), False
    else:
        reply, created = {"id": row.response_id, "case_code": None}, True
    note_submission_seen(kiosk, queued, sql)
    return reply, created


def parse_client_uuid(value) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        message = _("A unique identifier (UUID) is required.")
        raise SubmissionInvalid({"client_uuid": message}) from None


@dataclass
class _Clean:
    version: AnswerableVersion
    answers: list[tuple[QuestionSpec, tuple]]  # (question, (value, option_code, text))
    comment: str
    reply_phone: str | None
    wants_reply: bool
    overall: int | None
    dossier_code: str | None
    language: str
    answered_at: datetime
    partial: bool
    invitation_id: int | None

    @property
    def submitted_hour(self) -> datetime:
        """The time kept: to the hour, in UTC."""
        return self.answered_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)

    @property
    def opens_case(self) -> bool:
        """A comment that needs an answer: the citizen asked for one, or rated us 1–2."""
        return bool(self.comment) and (self.wants_reply or self.overall in (1, 2))


def _validate(payload: dict, where: Where) -> _Clean:
    errors: dict[str, str] = {}
    version = answerable(str(payload.get("instrument") or ""))
    if version is None:
        raise SubmissionInvalid({"instrument": _("Unknown survey version.")})
    raw = payload.get("answers")
    if not isinstance(raw, dict):
        raise SubmissionInvalid({"answers": _("Send the answers as an object.")})
    if "comment" in payload and COMMENT not in raw:
        raw = {**raw, COMMENT: payload["comment"]}
    codes = {q.code for q in version.questions}
    for code in raw:
        if code not in codes:
            errors[f"answers.{code}"] = _("There is no such question.")
    answers = []
    missing_required = False
    for question in version.questions:
        value = raw.get(question.code)
        if value is None or (isinstance(value, str | list) and not _given(value)):
            if question.required:
                missing_required = True
                if not where.all_optional:
                    errors[f"answers.{question.code}"] = _("Please answer this question.")
            continue
        parsed = _parse_answer(question, value)
        if isinstance(parsed, str):
            errors[f"answers.{question.code}"] = parsed
        else:
            answers.extend((question, row) for row in parsed)
    if not errors and not _rated(version, answers):
        errors["answers"] = _("Give at least one rating.")
    partial = payload.get("partial", missing_required if where.all_optional else False)
    if not isinstance(partial, bool):
        errors["partial"] = _("Say true or false.")
    invitation = payload.get("invitation")
    if invitation is not None and (
        isinstance(invitation, bool)
        or not isinstance(invitation, int)
        or not 1 <= invitation <= MAX_DB_INT
    ):
        errors["invitation"] = _("An invitation is known by its number.")
    language = payload.get("language")
    if language in (None, ""):
        language = "vi"
    elif language not in current_app.config["LANGUAGES"]:
        # Not `or "vi"`: false, 0, [] and {} are no language either, and are refused as such.
        errors["language"] = _("Unknown language.")
    dossier = payload.get("dossier_code")
    if dossier not in (None, ""):
        if not isinstance(dossier, str) or not DOSSIER_CODE.match(dossier.strip()):
            errors["dossier_code"] = _("A dossier code has letters, digits, dots and dashes.")
    answered_at = parse_answered_at(payload.get("answered_at"), where.max_age_days, errors)
    if errors:
        raise SubmissionInvalid(errors)
    by_code = {q.code: a for q, a in answers}
    phone = by_code.get(REPLY_PHONE, (None, None, None))[2]
    wants = by_code.get(WANT_REPLY, (None, None, None))[1] == "yes"
    if wants and not phone:
        message = _("Give a phone number for the answer.")
        raise SubmissionInvalid({f"answers.{REPLY_PHONE}": message})
    return _Clean(
        version=version,
        answers=[(q, a) for q, a in answers if q.code != REPLY_PHONE],
        comment=by_code.get(COMMENT, (None, None, ""))[2] or "",
        reply_phone=phone,
        wants_reply=wants,
        overall=by_code.get(OVERALL, (None,))[0],
        dossier_code=dossier.strip().upper() if dossier else None,
        language=language,
        answered_at=answered_at,
        partial=partial,
        invitation_id=invitation,
    )


def _given(value: str | list) -> bool:
    """An answer with something in it: not a blank text, not an empty list of choices."""
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def _rated(version: AnswerableVersion, answers: list) -> bool:
    """At least one rating among the answers (a 1–5 value; "no opinion" is none), or, for a
    version with no rating question at all, at least one answer."""
    if not any(q.kind == QuestionKind.LIKERT5 for q in version.questions):
        return bool(answers)
    return any(q.kind == QuestionKind.LIKERT5 and row[0] is not None for q, row in answers)


def _parse_answer(question: QuestionSpec, value):
    """The stored rows of a valid answer, [(value, option_code, text)] (one per option chosen
    for a multi_choice question), or a translated error message."""
    if question.kind == QuestionKind.LIKERT5:
        if value == NO_OPINION and question.allows_no_opinion:
            return [(None, NO_OPINION, None)]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            return _("Choose one of the five answers.")
        return [(value, None, None)]
    if question.kind in (QuestionKind.CHOICE_SCORED, QuestionKind.YES_NO):
        if not isinstance(value, str) or value not in question.options:
            return _("Choose one of the answers offered.")
        return [(question.options[value], value, None)]
    if question.kind == QuestionKind.MULTI_CHOICE:
        if not isinstance(value, list) or not all(
            isinstance(code, str) and code in question.options for code in value
        ):
            return _("Choose from the answers offered.")
        return [(None, code, None) for code in dict.fromkeys(value)]
    if not isinstance(value, str):
        return _("Write text here.")
    text = clean_text(value)
    if len(text) > question.max_length:
        return _("At most %(n)d characters.", n=question.max_length)
    if question.code == REPLY_PHONE and text and not PHONE.match(text):
        return _("Write a phone number, for example 0912 345 678.")
    return [(None, None, text)]


def parse_answered_at(value, max_age_days: int, errors: dict) -> datetime:
    now = now_utc()
    if value in (None, ""):
        return now
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        errors["answered_at"] = _("Send the time as ISO 8601, e.g. 2026-03-14T09:30:00+07:00.")
        return now
    moment = as_utc(moment)  # a time without an offset is taken as UTC
    if moment > now + timedelta(minutes=5):
        errors["answered_at"] = _("The time cannot be in the future.")
    elif moment < now - timedelta(days=max_age_days):
        errors["answered_at"] = _("Answers older than %(n)d days are not accepted.", n=max_age_days)
    return moment


def _store(client_uuid: str, clean: _Clean, where: Where, sql: Connection) -> dict | None:
    """Insert the response, its answers and its case, if any; None if this client UUID is
    stored already. Core statements: one per table, not one per object.

    Reads and counting come first: SQLite keeps the database locked for writing from the first
    INSERT to the commit, so that stretch holds only the writes.
    """
    place = _place(where)
    case = _prepare_case(sql, client_uuid, clean, where) if clean.opens_case else None
    burst = _BurstCount(where.kiosk.token_hash if where.kiosk else None, clean.answered_at)
    reply = {"case_code": case["code"] if case else None}
    response_id = sql.scalar(
        _NEW_RESPONSE[sql.dialect.name],
        {**_response_values(client_uuid, clean, where.channel, burst, reply), **place},
    )
    if response_id is None:
        burst.take_back()  # a resend, or a racing duplicate: not another answer
        return None
    _insert_answers(sql, response_id, clean.answers)
    if clean.invitation_id is not None and where.kiosk is not None:
        _take_invitation(sql, response_id, clean, where.kiosk)
    if case is not None:
        case_id = cases.insert_case(case, sql=sql).id
        sql.execute(_UPDATE_RESPONSE, {"response_id": response_id, "case_id": case_id})
    return {"id": response_id, **reply}


def _response_values(
    client_uuid: str, clean: _Clean, channel: ResponseChannel, burst: "_BurstCount", reply: dict
) -> dict:
    """The columns of a new response, but for where it was given (`_place`)."""
    return {
        "client_uuid": client_uuid,
        "instrument_id": clean.version.id,
        "channel": channel,
        "dossier_code": clean.dossier_code,
        "submitted_hour": clean.submitted_hour,
        "partial": clean.partial,
        "language": clean.language,
        "suspicious": burst.is_burst(),
        "commented": any(q.code == COMMENT and t for q, (_v, _o, t) in clean.answers),
        "reply": reply,  # the id is the row's (see existing_reply)
    }


def _answer_arrays(answers: list) -> dict:
    """A response's answers as four parallel arrays (text only on the comment question): for
    INSERT … SELECT FROM unnest(…) on PostgreSQL, zipped into rows on SQLite."""
    return {
        "question_ids": [q.id for q, _a in answers],
        "values": [v for _q, (v, _o, _t) in answers],
        "option_codes": [o for _q, (_v, o, _t) in answers],
        "texts": [t if q.code == COMMENT else None for q, (_v, _o, t) in answers],
    }


def _take_invitation(sql: Connection, response_id: int, clean: _Clean, kiosk: KioskPlace) -> None:
    """The invitation the rating answers, if it still may: the response takes its dossier code
    (unless the citizen typed one) and its officer. Only after the response's INSERT, so that a
    resend (which stores nothing) never uses an invitation up."""
    invited = invitations.claim(clean.invitation_id, kiosk.counter_id, clean.answered_at, sql)
    if invited is None:
        return
    values = {}
    if clean.dossier_code is None and invited.dossier_code is not None:
        values["dossier_code"] = invited.dossier_code
    if invited.officer_id is not None:
        values["officer_id"] = invited.officer_id
    if values:
        sql.execute(_UPDATE_RESPONSE, {"response_id": response_id, **values})


def _insert_answers(sql: Connection, response_id: int, answers: list) -> None:
    if not answers:
        return
    if sql.dialect.name == "postgresql":
        sql.execute(
            _NEW_ANSWERS["postgresql"], {"response_id": response_id, **_answer_arrays(answers)}
        )
        return
    columns = _answer_arrays(answers)
    rows = [
        {"response_id": response_id, "question_id": q, "value": v, "option_code": o, "text": t}
        for q, v, o, t in zip(*columns.values(), strict=True)
    ]
    sql.execute(_NEW_ANSWERS["sqlite"], rows)


def _place(where: Where) -> dict:
    """The columns of a response that say where it was given."""
    kiosk = where.kiosk
    if kiosk is not None:
        return {
            "service_point_id": kiosk.service_point_id,
            "counter_id": kiosk.counter_id,
            # Only a kiosk rating is given while its officer serves; paper is typed in later.
            "officer_id": kiosk.officer_on_duty_id,
            "kiosk_id": kiosk.id,
        }
    return {
        "service_point_id": where.service_point.id,
        "counter_id": where.counter.id if where.counter else None,
        "officer_id": None,
        "kiosk_id": None,
    }


def _prepare_case(sql: Connection, client_uuid: str, clean: _Clean, where: Where) -> dict:
    """The columns of the case for a comment that needs an answer, read on the submission's own
    connection (a kiosk's submission never needs a second one). Stored only if the response's
    INSERT finds this client UUID new."""
    point = where.service_point or cases.DeskRef(where.kiosk.service_point_id, where.kiosk.unit_id)
    return cases.prepare_case(
        cases.NewCase(
            channel=CASE_CHANNEL.get(where.channel, CaseChannel.WALK_IN),
            content=clean.comment,
            service_point=point,
            sender_phone=clean.reply_phone,
            received_at=clean.submitted_hour,  # to the hour, like the rating
            intake_key=f"response:{client_uuid}",
        ),
        sql,
    )


class _BurstCount:
    """One answer counted towards its kiosk's burst: more answers than a person could give from
    one tablet within BURST_WINDOW_SECONDS, by the tablet's own clock (so a queue resent after an
    outage is not mistaken for a burst).

    A sliding window estimated from two counters (the tablet's current minute, and the previous
    one weighted by how much of it the window still covers): one round trip to Redis in
    production (`counters.count_and_read`). Counted before the response is stored, so the flag
    goes into the INSERT; a resend takes its count back.
    """

    def __init__(self, kiosk_key: str | None, answered_at: datetime):
        """Count the answer now (nothing for an answer that came from no kiosk). `kiosk_key`:
        the kiosk's token hash, known before its row is read (see `submit_at_once`)."""
        self.key, self.count = None, 0.0
        if not kiosk_key:
            return
        moment = answered_at.timestamp()
        bucket, into = divmod(moment, BURST_WINDOW_SECONDS)
        key = f"burst:{kiosk_key[:24]}:{int(bucket)}"
        previous_key = f"burst:{kiosk_key[:24]}:{int(bucket) - 1}"
        try:
            current, previous = count_and_read(key, BURST_WINDOW_SECONDS * 3, previous_key)
            self.key = key
        except Exception:  # noqa: BLE001 - storage down (redis raises its own errors)
            # The answer is still stored: a burst missed while Redis is down beats a lost answer.
            current_app.logger.warning("Burst counter storage unreachable; answer not checked")
            return
        self.count = current + previous * (1 - into / BURST_WINDOW_SECONDS)

    def is_burst(self) -> bool:
        """More answers in the window than KIOSK_BURST_COUNT."""
        return self.count > current_app.config["KIOSK_BURST_COUNT"]

    def take_back(self) -> None:
        """Uncount the answer: it was not stored."""
        if self.key is None:
            return
        try:
            limiter.storage.incr(self.key, expiry=BURST_WINDOW_SECONDS * 3, amount=-1)
        except Exception:  # noqa: BLE001 - storage down: the count only errs towards a burst
            current_app.logger.warning("Burst counter storage unreachable; resend still counted")


def answers_from_form(instrument: Instrument, form) -> dict:
    """The answers of a plain HTML form (fields "q_<code>") in the API's shape."""
    answers = {}
    for question in instrument.questions:
        if question.kind == QuestionKind.MULTI_CHOICE:
            chosen = [value for value in form.getlist(f"q_{question.code}") if value]
            if chosen:
                answers[question.code] = chosen
            continue
        value = form.get(f"q_{question.code}")
        if value is None or value == "":
            continue
        if question.kind == QuestionKind.LIKERT5 and LIKERT_VALUE.fullmatch(value):
            answers[question.code] = int(value)
        else:
            answers[question.code] = value
    return answers
