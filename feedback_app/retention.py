"""Personal data past the retention period (`flask retention purge`).

What a citizen told us stays: the case, its content, its history, the ratings and the counts the
reports are made of. Who they are goes once the matter is settled and RETENTION_DAYS have passed:

- a settled case (answered, closed, rejected or forwarded) last changed before the cut-off loses
  the sender's name, phone and address (and its search text the name);
- a hotline call or SMS received before the cut-off loses the caller's number, and a call its
  voicemail recording (the file too, unless another attachment shares it), unless it belongs to a
  case still open: its operator may still need to call back.

An invitation to rate from a counter (which may name a dossier) serves only the officer's page
and the rating it leads to, which keeps its own copy of the code: it goes after
INVITATION_KEEP_DAYS, whatever the retention period.

Opt-outs are kept: honouring "no more messages" needs the number. Nothing here commits; the
command does, with one audit event carrying the counts, and only then deletes the files.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from . import audit, storage
from .cases.service import search_text
from .extensions import db
from .models import Attachment, Case, HotlineCall, KioskInvitation, SmsMessage
from .models.cases import OPEN_STATUSES
from .timeutil import now_utc


@dataclass
class Purge:
    """How many records lost personal data (or would, in a dry run)."""

    cases: int = 0
    calls: int = 0
    recordings: int = 0
    messages: int = 0
    invitations: int = 0
    # Recording files no row refers to any more: removed by `remove_files` once committed.
    files: list[Path] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The figures, by kind."""
        return {
            "cases": self.cases,
            "calls": self.calls,
            "recordings": self.recordings,
            "messages": self.messages,
            "invitations": self.invitations,
        }

    def lines(self) -> list[str]:
        """One line per kind, for the command's output."""
        labels = {
            "cases": "settled cases: sender's name, phone and address",
            "calls": "hotline calls: caller's number",
            "recordings": "voicemail recordings",
            "messages": "SMS: sender's number",
            "invitations": "invitations to rate (with their dossier codes)",
        }
        return [f"{n:>8,}  {labels[kind]}" for kind, n in self.counts().items()]

    def remove_files(self) -> None:
        """Delete the recording files, after the commit that dropped their rows."""
        for path in self.files:
            path.unlink(missing_ok=True)


INVITATION_KEEP_DAYS = 7


def cutoff(now: datetime | None = None) -> datetime:
    """The moment before which personal data is no longer kept."""
    return (now or now_utc()) - timedelta(days=current_app.config["RETENTION_DAYS"])


def purge(*, dry_run: bool = False, now: datetime | None = None) -> Purge:
    """Remove (or, with dry_run, count) personal data older than the retention period."""
    before = cutoff(now)
    result = Purge()
    open_case_ids = select(Case.id).where(Case.status.in_(OPEN_STATUSES))

    cases = db.session.scalars(
        select(Case).where(
            Case.status.not_in(OPEN_STATUSES),
            Case.updated_at < before,
            or_(
                Case.sender_name.is_not(None),
                Case.sender_phone.is_not(None),
                Case.sender_address.is_not(None),
            ),
        )
    ).all()
    result.cases = len(cases)

    settled_call = _settled(HotlineCall.started_at, HotlineCall.case_id, before, open_case_ids)
    result.calls = _count(HotlineCall, *settled_call, HotlineCall.from_number.is_not(None))
    calls_with_audio = db.session.scalars(
        select(HotlineCall).where(
            *settled_call,
            or_(HotlineCall.recording_id.is_not(None), HotlineCall.recording_url.is_not(None)),
        )
    ).all()
    result.recordings = len(calls_with_audio)

    settled_sms = _settled(SmsMessage.received_at, SmsMessage.case_id, before, open_case_ids)
    result.messages = _count(SmsMessage, *settled_sms, SmsMessage.from_number.is_not(None))

    old_invitation = KioskInvitation.created_at < (now or now_utc()) - timedelta(
        days=INVITATION_KEEP_DAYS
    )
    result.invitations = _count(KioskInvitation, old_invitation)

    if dry_run:
        return result

    db.session.execute(delete(KioskInvitation).where(old_invitation))

    for case in cases:
        case.sender_name = case.sender_phone = case.sender_address = None
        case.search_text = search_text(case)
    db.session.execute(
        update(HotlineCall)
        .where(*settled_call, HotlineCall.from_number.is_not(None))
        .values(from_number=None),
        execution_options={"synchronize_session": False},
    )
    for call in calls_with_audio:
        result.files += _drop_recording(call)
    db.session.execute(
        update(SmsMessage)
        .where(*settled_sms, SmsMessage.from_number.is_not(None))
        .values(from_number=None),
        execution_options={"synchronize_session": False},
    )
    audit.record("retention_purged", cutoff=before.isoformat(), **result.counts())
    return result


def _settled(moment, case_id, before, open_case_ids) -> tuple:
    """Conditions of a call or message received before the cut-off and tied to no open case."""
    return moment < before, or_(case_id.is_(None), case_id.not_in(open_case_ids))


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _drop_recording(call: HotlineCall) -> list[Path]:
    """Drop a call's voicemail; the file to delete, unless another attachment shares it."""
    recording = call.recording
    call.recording_id = None
    call.recording_url = None
    if recording is None:
        return []
    path = storage.path_for(recording)
    db.session.delete(recording)
    db.session.flush()
    shared = db.session.scalar(
        select(func.count()).select_from(Attachment).where(Attachment.sha256 == recording.sha256)
    )
    return [] if shared else [path]
