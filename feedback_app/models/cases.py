"""Cases (phản ánh, kiến nghị, góp ý…), their history, attachments and deadline policy."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import str_enum, utcnow
from .units import AdminUnit, ServicePoint
from .users import User


class CaseChannel(enum.StrEnum):
    """How the case reached us."""

    BOX = "box"
    BOOK = "book"
    HOTLINE_CALL = "hotline_call"
    HOTLINE_SMS = "hotline_sms"
    KIOSK_COMMENT = "kiosk_comment"
    WEB = "web"
    WALK_IN = "walk_in"


class CaseKind(enum.StrEnum):
    """What the citizen wrote (NĐ 20/2008: a kiến nghị adds a proposed solution)."""

    FEEDBACK = "feedback"  # phản ánh
    PROPOSAL = "proposal"  # kiến nghị
    SUGGESTION = "suggestion"  # góp ý
    PRAISE = "praise"  # khen
    QUESTION = "question"  # hỏi đáp
    COMPLAINT = "complaint"  # khiếu nại: routed under its own law, never handled here
    DENUNCIATION = "denunciation"  # tố cáo: likewise


ROUTED_KINDS = frozenset({CaseKind.COMPLAINT, CaseKind.DENUNCIATION})


class CaseStatus(enum.StrEnum):
    """Where the case stands."""

    RECEIVED = "received"
    CLASSIFIED = "classified"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    CLOSED = "closed"
    REJECTED = "rejected"
    FORWARDED = "forwarded"


OPEN_STATUSES = frozenset({CaseStatus.RECEIVED, CaseStatus.CLASSIFIED, CaseStatus.ASSIGNED})


class CaseVerdict(enum.StrEnum):
    """The citizen's verdict on a published answer (QĐ 766/QĐ-TTg indicator 5.3)."""

    SATISFIED = "hai_long"  # Hài lòng
    DISSATISFIED = "khong_hai_long"  # Không hài lòng


class Case(db.Model):
    """Hồ sơ phản ánh, kiến nghị: something a citizen said that needs an answer."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_unit_due", "unit_id", "due_on"),
        # Newest first is the list's order: walk this index and stop after one page.
        Index("ix_cases_received_id", "received_at", "id"),
        # The period summary reads these three and never the table (index-only scans): cases
        # received in a period; answered in a period (on time or not, their verdicts) and still
        # open at its end (unanswered, or answered after it); comment-book entries per desk.
        Index(
            "ix_cases_unit_received_cover", "unit_id", "received_at", "channel", "kind", "status"
        ),
        Index(
            "ix_cases_unit_answered_cover",
            "unit_id",
            "answered_at",
            "kind",
            "answer_due",
            "verdict",
            "status",
            "received_at",
        ),
        Index("ix_cases_channel_received", "channel", "received_at", "service_point_id"),
        UniqueConstraint("book_id", "book_entry_number"),
        UniqueConstraint("box_opening_id", "slip_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    channel: Mapped[CaseChannel] = mapped_column(str_enum(CaseChannel, "channel"))
    kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind, "kind"), default=CaseKind.FEEDBACK)
    status: Mapped[CaseStatus] = mapped_column(
        str_enum(CaseStatus, "status"), default=CaseStatus.RECEIVED, index=True
    )
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    service_point_id: Mapped[int | None] = mapped_column(ForeignKey("service_points.id"))
    # The unit responsible now: the receiving desk's unit until the case is assigned elsewhere.
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"))
    subject: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text)
    # Lower-case, without Vietnamese diacritics: what the list's text search matches.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The code as digits on a phone keypad (ABC→2 … WXYZ→9): what a caller can type in the
    # hotline's voice menu to hear the case's status.
    keypad_code: Mapped[str | None] = mapped_column(String(12), index=True)
    sender_name: Mapped[str | None] = mapped_column(String(120))
    sender_phone: Mapped[str | None] = mapped_column(String(20))
    sender_address: Mapped[str | None] = mapped_column(String(300))
    classify_due: Mapped[date] = mapped_column(Date)
    answer_due: Mapped[date] = mapped_column(Date)
    # The deadline that applies now (classify_due while received, then answer_due); empty once
    # the case is no longer open. Kept so "overdue" is one indexed comparison.
    due_on: Mapped[date | None] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published: Mapped[bool] = mapped_column(default=False)
    # The citizen's verdict on the published answer, from the tracking page; changeable for 30
    # days after publication (cases/verdicts.py). Nothing about who gave it is stored.
    verdict: Mapped[CaseVerdict | None] = mapped_column(str_enum(CaseVerdict, "verdict"))
    verdict_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    forwarded_to: Mapped[str | None] = mapped_column(String(200))
    # Where a paper case came from.
    box_opening_id: Mapped[int | None] = mapped_column(ForeignKey("box_openings.id"), index=True)
    slip_number: Mapped[int | None] = mapped_column(Integer)
    book_id: Mapped[int | None] = mapped_column(ForeignKey("comment_books.id"))
    book_entry_number: Mapped[int | None] = mapped_column(Integer)
    book_page: Mapped[int | None] = mapped_column(Integer)
    # The one-time token of the form (or provider id) that created it: a repeat finds this case.
    intake_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    unit: Mapped[AdminUnit] = relationship()
    service_point: Mapped[ServicePoint | None] = relationship()
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="case", order_by="Attachment.id"
    )

    def is_open(self) -> bool:
        """Still waiting for an answer or a decision."""
        return self.status in OPEN_STATUSES

    def due_date(self) -> date:
        """The deadline that applies now: classification first, then the answer."""
        return self.classify_due if self.status == CaseStatus.RECEIVED else self.answer_due

    def refresh_due_on(self) -> None:
        """Keep `due_on` in step with the status."""
        self.due_on = self.due_date() if self.is_open() else None

    def is_overdue(self, today: date) -> bool:
        """Open and past its deadline."""
        return self.is_open() and today > self.due_date()


class CaseEvent(db.Model):
    """One step in a case's history: who, when, what changed, and a note. Never edited."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Attachment(db.Model):
    """A scan or photo of a slip, or a voicemail: stored under the instance folder by hash."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case | None] = relationship(back_populates="attachments")


class DeadlinePolicy(db.Model):
    """Thời hạn: how many working days a step may take; editable by an admin."""

    __tablename__ = "deadline_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    working_days: Mapped[int] = mapped_column(Integer)


class BoxStatus(enum.StrEnum):
    """An opening is open while slips are typed in, closed when reconciled."""

    OPEN = "open"
    CLOSED = "closed"


class BoxOpening(db.Model):
    """Hòm thư góp ý: one opening of a suggestion box, with its witnesses."""

    __tablename__ = "box_openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"), index=True)
    box_label: Mapped[str] = mapped_column(String(80))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    witnesses: Mapped[str] = mapped_column(Text)
    slips_counted: Mapped[int] = mapped_column(Integer)
    status: Mapped[BoxStatus] = mapped_column(
        str_enum(BoxStatus, "box_status"), default=BoxStatus.OPEN
    )
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    discrepancy_reason: Mapped[str | None] = mapped_column(Text)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    intake_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    service_point: Mapped[ServicePoint] = relationship()
    opened_by: Mapped[User | None] = relationship()


class CommentBook(db.Model):
    """Sổ góp ý: one book per desk per year, entries numbered continuously from 1."""

    __tablename__ = "comment_books"
    __table_args__ = (UniqueConstraint("service_point_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    service_point: Mapped[ServicePoint] = relationship()


class AnswerTemplate(db.Model):
    """Mẫu trả lời: a standard answer used to close several similar cases at once.

    It belongs to the unit of whoever wrote it: that unit and the units below it use it, and
    only people whose scope covers that unit may retire it."""

    __tablename__ = "answer_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)

    unit: Mapped[AdminUnit] = relationship()
