"""The hotline (đường dây nóng): its lines, calls, SMS messages and opted-out numbers."""

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import str_enum, utcnow
from .cases import Attachment, Case
from .units import AdminUnit
from .users import User


class Provider(enum.StrEnum):
    """Who delivered a call or message: a gateway, or an operator who typed it in."""

    TWILIO = "twilio"
    GATEWAY = "gateway"
    MANUAL = "manual"


class CallStatus(enum.StrEnum):
    """Twilio's call statuses; a call only moves forward through them."""

    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"


# How far along a status is: a callback may only move a call to a higher rank.
STATUS_RANK = {
    CallStatus.QUEUED: 0,
    CallStatus.RINGING: 1,
    CallStatus.IN_PROGRESS: 2,
    CallStatus.COMPLETED: 3,
    CallStatus.BUSY: 3,
    CallStatus.FAILED: 3,
    CallStatus.NO_ANSWER: 3,
    CallStatus.CANCELED: 3,
}
MISSED_STATUSES = frozenset(
    {CallStatus.BUSY, CallStatus.FAILED, CallStatus.NO_ANSWER, CallStatus.CANCELED}
)


class CallOutcome(enum.StrEnum):
    """What came of a call, as the operator records it."""

    INFORMED = "informed"  # question answered on the phone
    CASE_OPENED = "case_opened"
    CALL_BACK = "call_back"
    REFERRED = "referred"  # sent to another office
    NO_ACTION = "no_action"


class HotlineLine(db.Model):
    """A published hotline number and the unit whose cases its calls and messages become."""

    __tablename__ = "hotline_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The number citizens dial, as the provider writes it ("+8424…"); unique.
    number: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    # Where "0 — talk to an operator" is put through during opening hours; empty: voicemail.
    operator_number: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[AdminUnit] = relationship()


class HotlineCall(db.Model):
    """One call: from a provider's webhooks, or logged by hand by an operator."""

    __tablename__ = "hotline_calls"
    __table_args__ = (
        UniqueConstraint("provider", "provider_id"),
        # The console's calls of a unit by time, and the period summary's counts read from the
        # index alone (missed, voicemail, call-back still pending at a period's end).
        Index(
            "ix_hotline_calls_unit_started_cover",
            "unit_id",
            "started_at",
            "missed",
            "recording_sid",
            "callback_due",
            "callback_done_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[Provider] = mapped_column(str_enum(Provider, "hotline_provider"))
    # CallSid for Twilio; the form token for a call logged by hand.
    provider_id: Mapped[str] = mapped_column(String(80))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("hotline_lines.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    from_number: Mapped[str | None] = mapped_column(String(32))
    to_number: Mapped[str] = mapped_column(String(32), default="")
    direction: Mapped[str] = mapped_column(String(32), default="inbound")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[CallStatus] = mapped_column(
        str_enum(CallStatus, "call_status"), default=CallStatus.RINGING
    )
    # The highest SequenceNumber of the status callbacks applied.
    status_sequence: Mapped[int] = mapped_column(Integer, default=-1)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    # The keys pressed in the voice menu, in order ("2", "21", "1"…).
    ivr_choice: Mapped[str] = mapped_column(String(16), default="")
    # A callback named a call we never saw start: kept, and shown to the operators.
    unknown_start: Mapped[bool] = mapped_column(default=False)
    after_hours: Mapped[bool] = mapped_column(default=False)
    # Nobody spoke with the caller: the call ended busy/no-answer/failed/canceled, or the
    # operator did not pick up when the caller pressed 0.
    missed: Mapped[bool] = mapped_column(default=False)
    # The operator's call-back list.
    callback_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    callback_done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    callback_done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Voicemail.
    recording_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    recording_url: Mapped[str | None] = mapped_column(String(500))
    recording_seconds: Mapped[int | None] = mapped_column(Integer)
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    transcript: Mapped[str | None] = mapped_column(Text)
    transcribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    transcribed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Filled by the operator (a call taken by hand, or notes on a webhook call).
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    topic: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[CallOutcome | None] = mapped_column(str_enum(CallOutcome, "call_outcome"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    line: Mapped[HotlineLine | None] = relationship()
    unit: Mapped[AdminUnit] = relationship()
    case: Mapped[Case | None] = relationship()
    recording: Mapped[Attachment | None] = relationship()
    operator: Mapped[User | None] = relationship(foreign_keys=[operator_id])

    def needs_transcript(self) -> bool:
        """A voicemail nobody has written down yet."""
        return bool(self.recording_sid) and not self.transcript


class SmsMessage(db.Model):
    """One inbound SMS, stored once per provider message id, with the exact reply we gave."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        UniqueConstraint("provider", "provider_id"),
        Index("ix_sms_messages_unit_received", "unit_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[Provider] = mapped_column(str_enum(Provider, "sms_provider"))
    provider_id: Mapped[str] = mapped_column(String(80))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("hotline_lines.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    from_number: Mapped[str | None] = mapped_column(String(32))
    to_number: Mapped[str] = mapped_column(String(32), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # "stop" / "start" for a keyword message; such a message opens no case.
    keyword: Mapped[str | None] = mapped_column(String(16))
    # The reply exactly as sent (None: nothing was sent), so a replay gets the same answer.
    reply: Mapped[str | None] = mapped_column(String(320))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    line: Mapped[HotlineLine | None] = relationship()
    unit: Mapped[AdminUnit] = relationship()
    case: Mapped[Case | None] = relationship()


class SmsOptOut(db.Model):
    """A number that asked for no more messages (STOP, HUY, TU CHOI, DUNG)."""

    __tablename__ = "sms_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    keyword: Mapped[str] = mapped_column(String(16))
    opted_out_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
