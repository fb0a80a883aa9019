"""Cases: intake, the workflow, and the staff list query. No commits here; callers commit.

Workflow: received → classified → assigned → answered → closed, plus rejected (with a reason)
and forwarded (to a named agency). Khiếu nại and tố cáo are routed, never answered here.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Connection, Select, insert, select
from sqlalchemy.orm import joinedload

from .. import audit
from ..connections import run_on
from ..errors import UserError
from ..extensions import db
from ..labels import CASE_ACTION_LABELS, CASE_STATUS_LABELS
from ..models import (
    AdminUnit,
    AnswerTemplate,
    Case,
    CaseChannel,
    CaseEvent,
    CaseKind,
    CaseStatus,
    ServicePoint,
    User,
)
from ..models.cases import ROUTED_KINDS
from ..privacy import mask_personal_numbers, normalise_for_search
from ..security import in_scope, in_unit_tree, unit_in_scope
from ..storage import store
from ..timeutil import local_date, local_today, now_utc
from ..units.calendar import add_working_days_each, deadline_policies

# No 0/O, 1/I/L: a code is read aloud over the phone and typed from an SMS.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
MAX_CONTENT = 5000
MAX_SUBJECT = 200
MAX_NOTE = 2000
DUE_SOON_DAYS = 2

S = CaseStatus
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.RECEIVED: frozenset({S.CLASSIFIED, S.ASSIGNED, S.REJECTED, S.FORWARDED}),
    S.CLASSIFIED: frozenset({S.ASSIGNED, S.ANSWERED, S.REJECTED, S.FORWARDED}),
    S.ASSIGNED: frozenset({S.ASSIGNED, S.ANSWERED, S.REJECTED, S.FORWARDED}),
    S.ANSWERED: frozenset({S.CLOSED, S.ASSIGNED}),
    S.CLOSED: frozenset(),
    S.REJECTED: frozenset(),
    S.FORWARDED: frozenset(),
}


class CaseError(UserError):
    """A change to a case that cannot be made."""


class InvalidTransition(CaseError):
    """The case's status does not allow this step."""


def new_code() -> str:
    """A random, unguessable tracking code (31^8 ≈ 8.5·10^11 possibilities)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


KEYPAD = {
    letter: digit
    for digit, letters in {
        "2": "ABC",
        "3": "DEF",
        "4": "GHI",
        "5": "JKL",
        "6": "MNO",
        "7": "PQRS",
        "8": "TUV",
        "9": "WXYZ",
    }.items()
    for letter in letters
}


def keypad_digits(code: str) -> str:
    """A tracking code as the digits a caller presses for it on a phone keypad."""
    return "".join(KEYPAD.get(ch, ch) for ch in code.upper())


def normalise_code(text: str | None) -> str:
    """What a citizen typed, as a stored code: upper case, no spaces or dashes."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def _clean(text: str | None) -> str:
    """Typed text as stored: trimmed, and without NUL characters (PostgreSQL text refuses them)."""
    return (text or "").replace("\x00", "").strip()


def _unique_code(sql: Connection | None = None) -> str:
    while True:
        code = new_code()
        if run_on(sql).scalar(select(Case.id).where(Case.code == code)) is None:
            return code


def find_by_intake_key(key: str | None) -> Case | None:
    """The case a form token or provider id already created, if any."""
    if not key:
        return None
    return db.session.scalar(select(Case).where(Case.intake_key == key))


@dataclass(frozen=True)
class DeskRef:
    """A desk by its ids, for an intake path that has not loaded the ServicePoint."""

    id: int
    unit_id: int


@dataclass
class NewCase:
    """What an intake channel knows about a new case."""

    channel: CaseChannel
    content: str
    service_point: ServicePoint | DeskRef | None = None
    unit: AdminUnit | None = None
    kind: CaseKind = CaseKind.FEEDBACK
    subject: str = ""
    sender_name: str | None = None
    sender_phone: str | None = None
    sender_address: str | None = None
    received_at: datetime | None = None
    intake_key: str | None = None
    extra: dict = field(default_factory=dict)  # box/book provenance: slip_number, book, …


def validate(new: NewCase) -> None:
    """Refuse what must not be stored, with a translated message naming the field."""
    content = _clean(new.content)
    if not content:
        raise CaseError(_("Write what the citizen said."), "content")
    if len(content) > MAX_CONTENT:
        raise CaseError(_("At most %(n)d characters.", n=MAX_CONTENT), "content")
    if len(_clean(new.subject)) > MAX_SUBJECT:
        raise CaseError(_("At most %(n)d characters.", n=MAX_SUBJECT), "subject")
    limits = (("sender_name", 120), ("sender_phone", 20), ("sender_address", 300))
    for name, limit in limits:
        if len(_clean(getattr(new, name))) > limit:
            raise CaseError(_("At most %(n)d characters.", n=limit), name)
    if new.received_at is not None and new.received_at > now_utc() + timedelta(minutes=5):
        raise CaseError(_("The date cannot be in the future."), "received_at")
    if new.unit is None and new.service_point is None:
        raise CaseError(_("Choose the desk or unit that received it."), "service_point")


def prepare_case(new: NewCase, sql: Connection | None = None) -> dict:
    """Validate a new case and work out its columns: code, deadlines, search text.

    Only reads (the code's uniqueness, the deadline policy, the holidays), so a caller can do
    this before it starts writing; `create_case` and `insert_case` then store the result.
    The reads run on `sql`, a caller's own connection, if given; else in the session.
    """
    validate(new)
    received_at = new.received_at or now_utc()
    start = local_date(received_at)
    first_step = "forward" if new.kind in ROUTED_KINDS else "classify"
    policies = deadline_policies(sql)
    classify_due, answer_due = add_working_days_each(
        start, (policies[first_step], policies["answer"]), sql
    )
    code = _unique_code(sql)
    values = {
        "code": code,
        "keypad_code": keypad_digits(code),
        "channel": new.channel,
        "kind": new.kind,
        "status": CaseStatus.RECEIVED,
        "received_at": received_at,
        "service_point_id": new.service_point.id if new.service_point else None,
        "unit_id": new.unit.id if new.unit is not None else new.service_point.unit_id,
        "subject": _clean(new.subject),
        "content": _clean(new.content),
        "sender_name": _clean(new.sender_name) or None,
        "sender_phone": _clean(new.sender_phone) or None,
        "sender_address": _clean(new.sender_address) or None,
        "classify_due": classify_due,
        "answer_due": answer_due,
        # A new case waits for its first step: classification (or forwarding).
        "due_on": classify_due,
        "intake_key": new.intake_key,
        **new.extra,
    }
    values["search_text"] = _search_text(
        code, values["subject"], values["content"], values["sender_name"]
    )
    return values


def create_case(new: NewCase, actor: User | None = None, note: str = "") -> tuple[Case, bool]:
    """A new case with its deadlines and first history event; (case, created).

    A repeat of the same intake key returns the case it made the first time, unchanged.
    Stored the one way every case is (`prepare_case`, then `insert_case`), then loaded for the
    form views that go on to attach a file or redirect to it.
    """
    existing = find_by_intake_key(new.intake_key)
    if existing is not None:
        return existing, False
    ref = insert_case(prepare_case(new), actor, note)
    return db.session.get_one(Case, ref.id), True


@dataclass(frozen=True)
class CaseRef:
    """A case just stored by `insert_case`: what its caller needs to tell the citizen."""

    id: int
    code: str


# Built once: building an INSERT costs more than running its cached compiled form.
_NEW_CASE = insert(Case.__table__).returning(Case.__table__.c.id)
_NEW_EVENT = insert(CaseEvent.__table__)


def insert_case(
    values: dict, actor: User | None = None, note: str = "", sql: Connection | None = None
) -> CaseRef:
    """Store a prepared case and its first history event with two INSERTs and no ORM objects:
    the one way a case is stored, fast enough for intake paths that take many cases a second
    (SMS, kiosk comments). Writes only: on `sql`, a caller's own connection, or else in the
    session's transaction."""
    run = run_on(sql).execute
    now = now_utc()
    # Values as parameters, not in the statement: the compiled INSERT is then cached.
    row = {"created_at": now, "updated_at": now, **values}
    case_id = run(_NEW_CASE, row).scalar_one()
    event = {
        "case_id": case_id,
        "at": now,
        "actor_id": actor.id if actor is not None else None,
        "action": "received",
        "from_status": None,
        "to_status": CaseStatus.RECEIVED.value,
        "note": _clean(note)[:MAX_NOTE],
        "detail": {},
    }
    run(_NEW_EVENT, event)
    return CaseRef(case_id, values["code"])


def set_transcript(case: Case, *, text: str, actor: User) -> None:
    """A voicemail written down: it becomes the case's content (the history keeps the step)."""
    text = _clean(text)
    if not text:
        raise CaseError(_("Write what the caller said."), "transcript")
    if len(text) > MAX_CONTENT:
        raise CaseError(_("At most %(n)d characters.", n=MAX_CONTENT), "transcript")
    case.content = text
    case.search_text = search_text(case)
    _event(case, actor, "transcribed", None, None)


def note_call(case: Case, *, linked: bool, call_id: int, actor: User) -> None:
    """A hotline call linked to (or unlinked from) the case, in its history."""
    _event(case, actor, "call_linked" if linked else "call_unlinked", None, None, call=call_id)


def search_text(case: Case) -> str:
    """What the case list searches, for a stored case whose text just changed."""
    return _search_text(case.code, case.subject, case.content, case.sender_name)


def _search_text(code: str, subject: str, content: str, sender_name: str | None) -> str:
    """What the case list searches: code, subject, content and the sender's name, folded."""
    parts = (code, subject, content, sender_name or "")
    return normalise_for_search(" ".join(p for p in parts if p))


def _event(case, actor, action, from_status, to_status, note="", **detail) -> CaseEvent:
    event = CaseEvent(
        case=case,
        actor_id=actor.id if actor is not None else None,
        action=action,
        from_status=from_status.value if from_status else None,
        to_status=to_status.value if to_status else None,
        note=_clean(note)[:MAX_NOTE],
        detail=detail,
    )
    db.session.add(event)
    return event


def _move(case: Case, to: CaseStatus, actor: User, action: str, note: str = "", **detail):
    if to not in TRANSITIONS[case.status]:
        raise InvalidTransition(
            _(
                "A case that is “%(status)s” cannot be %(action)s.",
                status=status_label(case.status),
                action=action_label(action),
            )
        )
    before = case.status
    case.status = to
    case.refresh_due_on()
    return _event(case, actor, action, before, to, note, **detail)


def classify(case: Case, *, kind: CaseKind, subject: str, actor: User, note: str = "") -> None:
    """Phân loại: set the kind and subject; khiếu nại/tố cáo then wait to be forwarded."""
    if len(_clean(subject)) > MAX_SUBJECT:
        raise CaseError(_("At most %(n)d characters.", n=MAX_SUBJECT), "subject")
    old_kind = case.kind
    _move(case, CaseStatus.CLASSIFIED, actor, "classified", note, kind=[old_kind, kind])
    case.kind = kind
    case.subject = _clean(subject) or case.subject
    case.search_text = search_text(case)


def assign(case: Case, *, unit: AdminUnit, actor: User, note: str = "") -> None:
    """Giao xử lý: make a unit within the actor's scope responsible for the answer."""
    if not unit_in_scope(unit, actor):
        raise CaseError(_("Choose a unit within your scope."), "unit")
    if case.kind in ROUTED_KINDS:
        raise CaseError(_("Complaints and denunciations follow their own laws: forward them."))
    old = case.unit.code
    _move(case, CaseStatus.ASSIGNED, actor, "assigned", note, unit=[old, unit.code])
    case.unit = unit


def answer(case: Case, *, text: str, actor: User, publish: bool = False) -> None:
    """Trả lời: record the answer; it may be published on the tracking page."""
    text = _clean(text)
    if not text:
        raise CaseError(_("Write the answer."), "answer")
    if len(text) > MAX_CONTENT:
        raise CaseError(_("At most %(n)d characters.", n=MAX_CONTENT), "answer")
    if case.kind in ROUTED_KINDS:
        raise CaseError(_("Complaints and denunciations follow their own laws: forward them."))
    _move(case, CaseStatus.ANSWERED, actor, "answered", text)
    case.answer = text
    case.answered_at = now_utc()
    if publish != case.published:
        set_published(case, publish, actor)


def close(case: Case, *, actor: User, note: str = "") -> None:
    """Đóng: the answer was given; nothing more to do."""
    _move(case, CaseStatus.CLOSED, actor, "closed", note)
    case.closed_at = now_utc()


def reject(case: Case, *, reason: str, actor: User) -> None:
    """Từ chối: not accepted, with the reason (kept and shown to the citizen)."""
    reason = _clean(reason)
    if not reason:
        raise CaseError(_("Give the reason for rejecting it."), "reason")
    _move(case, CaseStatus.REJECTED, actor, "rejected", reason)
    case.reject_reason = reason[:MAX_NOTE]
    case.closed_at = now_utc()


def forward(case: Case, *, agency: str, actor: User, note: str = "") -> None:
    """Chuyển: outside our competence (or a khiếu nại/tố cáo): sent to a named agency."""
    agency = _clean(agency)
    if not agency:
        raise CaseError(_("Name the agency it is forwarded to."), "agency")
    if len(agency) > 200:
        raise CaseError(_("At most %(n)d characters.", n=200), "agency")
    _move(case, CaseStatus.FORWARDED, actor, "forwarded", note, agency=agency)
    case.forwarded_to = agency
    case.closed_at = now_utc()


def set_published(case: Case, published: bool, actor: User) -> None:
    """Công khai: show (or hide) the answer on the public tracking page."""
    if published and not case.answer:
        raise CaseError(_("Only an answered case can be published."))
    if case.published != published:
        case.published = published
        _event(case, actor, "published" if published else "unpublished", None, None)


def add_note(case: Case, *, note: str, actor: User) -> None:
    """Ghi chú: a note in the history, no change of status."""
    if not _clean(note):
        raise CaseError(_("Write the note."), "note")
    _event(case, actor, "note", None, None, note)


@dataclass
class CaseFilters:
    """What the staff list can be narrowed by."""

    status: CaseStatus | None = None
    channel: CaseChannel | None = None
    kind: CaseKind | None = None
    unit: AdminUnit | None = None
    overdue: bool = False
    q: str = ""


def overdue_condition(today: date):
    """Open and past the deadline that applies now (SQL; `due_on` is empty once closed)."""
    return Case.due_on < today


def list_query(user: User, filters: CaseFilters, today: date | None = None) -> Select:
    """The scoped, filtered SELECT of case ids behind the case list, newest first."""
    today = today or local_today()
    query = select(Case.id).where(in_scope(Case.unit_id, user))
    if filters.unit is not None:
        query = query.where(in_unit_tree(Case.unit_id, filters.unit))
    if filters.status is not None:
        query = query.where(Case.status == filters.status)
    if filters.channel is not None:
        query = query.where(Case.channel == filters.channel)
    if filters.kind is not None:
        query = query.where(Case.kind == filters.kind)
    if filters.overdue:
        query = query.where(overdue_condition(today))
    term = normalise_for_search(filters.q)
    if term:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Case.search_text.like(f"%{escaped}%", escape="\\"))
    return query.order_by(Case.received_at.desc(), Case.id.desc())


def list_page(user: User, filters: CaseFilters, page: int, size: int) -> tuple[list[Case], bool]:
    """One page of the list and whether another follows.

    Sorting and paging run on ids alone, then only that page's rows are loaded: sorting
    thousands of matching wide rows was what made a broad search slow.
    """
    ids = db.session.scalars(
        list_query(user, filters).limit(size + 1).offset((page - 1) * size)
    ).all()
    cases = db.session.scalars(
        select(Case)
        .options(joinedload(Case.unit))
        .where(Case.id.in_(ids[:size]))
        .order_by(Case.received_at.desc(), Case.id.desc())
    ).all()
    return list(cases), len(ids) > size


def deadline_state(case: Case, today: date | None = None) -> str:
    """'overdue', 'due_soon' or '' for the list's highlighting."""
    if not case.is_open():
        return ""
    today = today or local_today()
    due = case.due_date()
    if today > due:
        return "overdue"
    if (due - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return ""


def answered_on_time(case: Case) -> bool | None:
    """Answered before its due date (None while unanswered)."""
    if case.answered_at is None:
        return None
    return local_date(case.answered_at) <= case.answer_due


def status_label(status: CaseStatus) -> str:
    """Translated status name (request time)."""

    return str(CASE_STATUS_LABELS[status])


def action_label(action: str) -> str:
    """Translated name of a workflow step, as used in messages."""

    return str(CASE_ACTION_LABELS.get(action, action))


def filters_from(data: dict, units: list[AdminUnit]) -> CaseFilters:
    """Filters from the list form's cleaned data; unknown values are ignored."""

    def pick(enum_cls, value):
        try:
            return enum_cls(value) if value else None
        except ValueError:
            return None

    unit_id = data.get("unit")
    unit = next((u for u in units if str(u.id) == unit_id), None) if unit_id else None
    return CaseFilters(
        status=pick(CaseStatus, data.get("status")),
        channel=pick(CaseChannel, data.get("channel")),
        kind=pick(CaseKind, data.get("kind")),
        unit=unit,
        overdue=bool(data.get("overdue")),
        q=_clean(data.get("q")),
    )


def create_with_attachment(new: NewCase, upload, actor: User | None) -> tuple[Case, bool]:
    """A new case and, if a file was sent, its scan; both or neither are stored."""
    case, created = create_case(new, actor)
    if created and upload is not None and upload.filename:
        attach(case, upload, actor)
    return case, created


def attach(case: Case, upload, actor: User | None):
    """Store an uploaded file against the case (raises AttachmentRejected)."""
    item = store(upload.stream, original_name=upload.filename or "", case=case, uploaded_by=actor)
    _event(case, actor, "attached", None, None, item.original_name)
    return item


def bulk(
    cases: list[Case],
    *,
    action: str,
    unit: AdminUnit | None,
    answer_text: str,
    publish: bool,
    actor: User,
) -> int:
    """Assign several cases to one unit, or answer and close them with one text.

    Closing a case still "received" classifies it first (its kind unchanged), on the record.

    All or nothing: one case that cannot take the step stops the whole batch, with its code.
    """
    if not cases:
        raise CaseError(_("None of the ticked cases is within your scope."))
    for case in cases:
        try:
            if action == "assign":
                if unit is None:
                    raise CaseError(_("Choose a unit."), "unit_id")
                assign(case, unit=unit, actor=actor, note=_("Bulk assignment"))
            elif action == "close":
                if case.status == CaseStatus.RECEIVED:
                    # Slips like thanks need no routing: record the classification, keep the kind.
                    classify(case, kind=case.kind, subject=case.subject, actor=actor)
                answer(case, text=answer_text, actor=actor, publish=publish)
                close(case, actor=actor)
            else:
                raise CaseError(_("Choose an action."))
        except CaseError as exc:
            raise CaseError(f"{case.code}: {exc.message}", exc.field) from exc
    return len(cases)


@dataclass
class PublicView:
    """What the tracking page may show: no sender details, personal numbers masked."""

    code: str
    status: CaseStatus
    kind: CaseKind
    received_on: date
    due_on: date
    answered_on: date | None
    answer: str | None
    reject_reason: str | None
    forwarded_to: str | None


def public_view(case: Case) -> PublicView:
    """The citizen's view of a case."""
    answer_text = mask_personal_numbers(case.answer) if case.published and case.answer else None
    reason = mask_personal_numbers(case.reject_reason) if case.reject_reason else None
    return PublicView(
        code=case.code,
        status=case.status,
        kind=case.kind,
        received_on=local_date(case.received_at),
        due_on=case.answer_due,
        answered_on=local_date(case.answered_at) if case.answered_at else None,
        answer=answer_text,
        reject_reason=reason,
        forwarded_to=mask_personal_numbers(case.forwarded_to) if case.forwarded_to else None,
    )


def add_template(title: str, body: str, actor: User) -> AnswerTemplate:
    """A new standard answer, owned by the author's unit."""
    template = AnswerTemplate(title=_clean(title), body=_clean(body), unit_id=actor.unit_id)
    db.session.add(template)
    db.session.flush()
    audit.record("answer_template_created", actor=actor, target=template)
    return template


def templates_usable_by(user: User):
    """The answer templates a user may use: those of their own unit, of the units above it
    (a district's templates serve its wards) and of the units below it."""
    above = [int(part) for part in user.unit.path.strip("/").split("/") if part.isdigit()]
    return select(AnswerTemplate).where(
        AnswerTemplate.unit_id.in_(above) | in_scope(AnswerTemplate.unit_id, user)
    )


def template_changeable_by(template: AnswerTemplate, user: User) -> bool:
    """Only people whose scope covers the template's unit may retire it or bring it back."""
    return unit_in_scope(template.unit, user)


def set_template_active(template: AnswerTemplate, active: bool, actor: User) -> None:
    """Templates are retired, never deleted: closed cases keep the text they were given."""
    if template.active != active:
        template.active = active
        audit.record("answer_template_changed", actor=actor, target=template, active=active)
