"""What the operator console reads: calls and messages within the user's unit scope.

Every SELECT here filters by `security.in_scope` on the row's own unit, so a call or message of
another ward never reaches a list or a page of a user whose scope does not cover it. Nothing is
written here.
"""

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Case, HotlineCall, HotlineLine, SmsMessage, User
from ..pagination import page_of
from ..security import in_scope
from ..timeutil import LOCAL_TZ, as_utc, now_utc

# The console's sections show this many rows; the full lists page through the rest.
SECTION_SIZE = 50


class CallView(enum.StrEnum):
    """The work lists the call list can be narrowed to (the console's sections)."""

    ALL = ""
    MISSED = "missed"
    VOICEMAIL = "voicemail"
    CALLBACK = "callback"


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants a Vietnamese calendar day starts and ends at (end excluded)."""
    start = datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def calls_in_scope(user: User) -> Select:
    """Every call of the user's units, with what the lists show loaded alongside."""
    return (
        select(HotlineCall)
        .options(joinedload(HotlineCall.case), joinedload(HotlineCall.unit))
        .where(in_scope(HotlineCall.unit_id, user))
    )


def messages_in_scope(user: User) -> Select:
    """Every SMS of the user's units."""
    return (
        select(SmsMessage)
        .options(joinedload(SmsMessage.case), joinedload(SmsMessage.unit))
        .where(in_scope(SmsMessage.unit_id, user))
    )


def missed_condition():
    """Nobody spoke with the caller, and nobody has called back yet."""
    return HotlineCall.missed.is_(True) & HotlineCall.callback_done_at.is_(None)


def untranscribed_condition():
    """A voicemail nobody has written down yet (SQL twin of HotlineCall.needs_transcript)."""
    return HotlineCall.recording_sid.is_not(None) & or_(
        HotlineCall.transcript.is_(None), HotlineCall.transcript == ""
    )


def callback_pending_condition():
    """On the call-back list and not called back."""
    return HotlineCall.callback_due.is_not(None) & HotlineCall.callback_done_at.is_(None)


def _calls(user: User, view: CallView, day: date | None) -> Select:
    query = calls_in_scope(user)
    if day is not None:
        start, end = day_bounds(day)
        query = query.where(HotlineCall.started_at >= start, HotlineCall.started_at < end)
    if view is CallView.MISSED:
        query = query.where(missed_condition())
    elif view is CallView.VOICEMAIL:
        query = query.where(untranscribed_condition())
    elif view is CallView.CALLBACK:
        return query.where(callback_pending_condition()).order_by(
            HotlineCall.callback_due, HotlineCall.id
        )
    return query.order_by(HotlineCall.started_at.desc(), HotlineCall.id.desc())


def calls_page(
    user: User, page: int, size: int, *, day: date | None = None, view: CallView = CallView.ALL
) -> tuple[list[HotlineCall], bool]:
    """One page of calls (newest first; call-backs by due time) and whether another follows."""
    return page_of(_calls(user, view, day), page, size)


def messages_page(
    user: User, page: int, size: int, *, day: date | None = None
) -> tuple[list[SmsMessage], bool]:
    """One page of messages, newest first, and whether another follows."""
    query = messages_in_scope(user)
    if day is not None:
        start, end = day_bounds(day)
        query = query.where(SmsMessage.received_at >= start, SmsMessage.received_at < end)
    query = query.order_by(SmsMessage.received_at.desc(), SmsMessage.id.desc())
    return page_of(query, page, size)


@dataclass
class Console:
    """The console's sections; each list holds at most SECTION_SIZE rows, `more_*` says whether
    the full list has others."""

    today: date
    now: datetime
    calls_today: list[HotlineCall]
    more_calls_today: bool
    messages_today: list[SmsMessage]
    more_messages_today: bool
    missed: list[HotlineCall]
    more_missed: bool
    voicemails: list[HotlineCall]
    more_voicemails: bool
    callbacks: list[HotlineCall]
    more_callbacks: bool


def console(user: User, today: date) -> Console:
    """Today's calls and messages, missed calls, voicemails to transcribe, call-backs due."""
    size = SECTION_SIZE
    calls_today, more_calls = calls_page(user, 1, size, day=today)
    messages_today, more_messages = messages_page(user, 1, size, day=today)
    missed, more_missed = calls_page(user, 1, size, view=CallView.MISSED)
    voicemails, more_voicemails = calls_page(user, 1, size, view=CallView.VOICEMAIL)
    callbacks, more_callbacks = calls_page(user, 1, size, view=CallView.CALLBACK)
    return Console(
        today=today,
        now=now_utc(),
        calls_today=calls_today,
        more_calls_today=more_calls,
        messages_today=messages_today,
        more_messages_today=more_messages,
        missed=missed,
        more_missed=more_missed,
        voicemails=voicemails,
        more_voicemails=more_voicemails,
        callbacks=callbacks,
        more_callbacks=more_callbacks,
    )


def call_in_scope(user: User, call_id: int) -> HotlineCall | None:
    """One call if the user's scope covers its unit."""
    return db.session.scalar(
        select(HotlineCall).where(HotlineCall.id == call_id, in_scope(HotlineCall.unit_id, user))
    )


def case_in_scope(user: User, code: str) -> Case | None:
    """The case with this (normalised) code if the user's scope covers it."""
    return db.session.scalar(select(Case).where(Case.code == code, in_scope(Case.unit_id, user)))


def calls_of_case(case: Case, user: User) -> list[HotlineCall]:
    """The calls linked to a case that the user may see, oldest first."""
    return list(
        db.session.scalars(
            select(HotlineCall)
            .where(HotlineCall.case_id == case.id, in_scope(HotlineCall.unit_id, user))
            .order_by(HotlineCall.started_at, HotlineCall.id)
        ).all()
    )


def lines_in_scope(user: User) -> list[HotlineLine]:
    """The hotline lines of the user's units, by number."""
    return list(
        db.session.scalars(
            select(HotlineLine)
            .options(joinedload(HotlineLine.unit))
            .where(in_scope(HotlineLine.unit_id, user))
            .order_by(HotlineLine.number)
        ).all()
    )


def line_in_scope(user: User, line_id: int) -> HotlineLine | None:
    """One line if the user's scope covers its unit."""
    return db.session.scalar(
        select(HotlineLine).where(HotlineLine.id == line_id, in_scope(HotlineLine.unit_id, user))
    )


def is_overdue(call: HotlineCall, now: datetime) -> bool:
    """A call-back whose time has passed (SQLite hands back naive UTC values)."""
    due = call.callback_due
    if due is None or call.callback_done_at is not None:
        return False
    return as_utc(due) < now
