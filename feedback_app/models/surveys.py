"""Survey instruments (versioned), kiosks, and the responses they collect."""

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
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import str_enum, utcnow
from .units import Counter, Officer, ServicePoint


class InstrumentStatus(enum.StrEnum):
    """A draft can be edited; a published version is immutable; a retired one is kept."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class QuestionKind(enum.StrEnum):
    """How a question is answered."""

    LIKERT5 = "likert5"
    CHOICE_SCORED = "choice_scored"
    YES_NO = "yes_no"
    TEXT = "text"
    # Several options at once (the reasons behind a low rating): one Answer row per option.
    MULTI_CHOICE = "multi_choice"


class Instrument(db.Model):
    """Phiếu khảo sát: one version of a survey. Changing questions makes a new version."""

    __tablename__ = "instruments"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    title_vi: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[InstrumentStatus] = mapped_column(
        str_enum(InstrumentStatus, "instrument_status"), default=InstrumentStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    questions: Mapped[list["Question"]] = relationship(
        back_populates="instrument", order_by="Question.position", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        """The form clients send back: "<code>@<version>"."""
        return f"{self.code}@{self.version}"


class Question(db.Model):
    """One question of an instrument version."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("instrument_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "question_kind"))
    text_vi: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    # SIPAS factor F1..F5, "overall", or empty for questions outside the index.
    factor: Mapped[str] = mapped_column(String(10), default="")
    tt01_index: Mapped[int | None] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(default=False)
    allows_no_opinion: Mapped[bool] = mapped_column(default=False)
    # Options of choice_scored questions: [{"code", "points", "label_vi", "label_en"}].
    options: Mapped[list] = mapped_column(JSON, default=list)
    max_length: Mapped[int] = mapped_column(Integer, default=1000)

    instrument: Mapped[Instrument] = relationship(back_populates="questions")


class KioskMode(enum.StrEnum):
    """How a tablet presents the instrument."""

    QUICK = "quick"  # one screen: the overall rating as faces; more only if the citizen wants
    FULL = "full"  # every question, one per screen


class Kiosk(db.Model):
    """Máy tính bảng tại quầy: a registered tablet bound to a counter, known by a secret token."""

    __tablename__ = "kiosks"

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"), index=True)
    # SHA-256 of the token: the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # How many answers the tablet said were still waiting in its queue, and when.
    queued_reported: Mapped[int] = mapped_column(Integer, default=0)
    queued_reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mode: Mapped[KioskMode] = mapped_column(
        str_enum(KioskMode, "kiosk_mode"), default=KioskMode.QUICK, server_default="quick"
    )

    counter: Mapped[Counter] = relationship()

    @property
    def in_use(self) -> bool:
        """Takes answers: the tablet is enabled and its counter open (the page, the API and
        the admin list ask this one question)."""
        return self.active and self.counter.active


class ResponseChannel(enum.StrEnum):
    """Where a rating was given."""

    KIOSK = "kiosk"
    PAPER = "paper"
    WEB = "web"
    SMS = "sms"
    IVR = "ivr"


class Response(db.Model):
    """Một lượt đánh giá: one citizen's answers. Stored to the hour, never with an address."""

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_point_hour", "service_point_id", "submitted_hour"),
        # Only the responses not yet in the rollups (reports.rollups): a handful at any time, so
        # finding them costs nothing and each submission adds one small index entry.
        Index(
            "ix_responses_to_roll_up",
            "id",
            sqlite_where=text("NOT rolled_up"),
            postgresql_where=text("NOT rolled_up"),
        ),
        # Only the responses with a comment (about one in twenty): the comments list and the
        # report's annex walk a desk's period here instead of every response of it.
        Index(
            "ix_responses_commented",
            "service_point_id",
            "submitted_hour",
            sqlite_where=text("commented = 1"),
            postgresql_where=text("commented"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    # No index on instrument_id or kiosk_id: nothing looks responses up by them (reports go by
    # desk and hour), instruments and kiosks are never deleted, and each index costs every
    # kiosk submission another page write.
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    channel: Mapped[ResponseChannel] = mapped_column(str_enum(ResponseChannel, "response_channel"))
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"))
    dossier_code: Mapped[str | None] = mapped_column(String(40))
    procedure_code: Mapped[str | None] = mapped_column(String(40))
    # Truncated to the hour: a rating must not be matchable to a queue ticket or a camera.
    submitted_hour: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    # Part of a burst from one kiosk: kept, counted, left out of the indices.
    suspicious: Mapped[bool] = mapped_column(default=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # The first reply, returned again for a repeat of the same client_uuid.
    reply: Mapped[dict] = mapped_column(JSON, default=dict)
    # Counted in the rollups yet (reports.rollups.fold sets it in the same transaction).
    rolled_up: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Has a free-text comment (set when stored; the comment itself is an Answer).
    commented: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The citizen stopped before the end (walked away, or "Done" early): what was answered counts.
    partial: Mapped[bool] = mapped_column(default=False, server_default=false())

    instrument: Mapped[Instrument] = relationship()
    service_point: Mapped[ServicePoint] = relationship()
    officer: Mapped[Officer | None] = relationship()
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class Answer(db.Model):
    """One answer of a response: a number (1–5, points, 1/0) or an option, or text."""

    __tablename__ = "answers"
    # No index of its own on either column: the unique (response_id, question_id, option) index
    # serves every lookup by response, and reports reach answers through their responses. Each index
    # here would cost every submission a page write per question (see bench/kiosk_submissions.py).
    # One row per question, except a multi_choice question: one row per option chosen. The
    # unique index (below the class) says so; its leading column serves every lookup by response.

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    value: Mapped[int | None] = mapped_column(Integer)
    option_code: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


Index(
    "uq_answers_response_question_option",
    Answer.response_id,
    Answer.question_id,
    func.coalesce(Answer.option_code, ""),
    unique=True,
)


class KioskInvitation(db.Model):
    """Mời đánh giá: the counter officer asks the citizen just served to rate, optionally with
    the dossier code from the receipt. The counter's tablet shows it; the next rating there
    carries it. Expires after KIOSK_INVITATION_SECONDS or at that rating."""

    __tablename__ = "kiosk_invitations"
    # The tablets' poll asks for a counter's invitations not yet expired: a handful at most,
    # however many the counter made before.
    __table_args__ = (Index("ix_kiosk_invitations_counter_expiry", "counter_id", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    dossier_code: Mapped[str | None] = mapped_column(String(40))
    procedure: Mapped[str] = mapped_column(String(120), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    shown_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    counter: Mapped[Counter] = relationship()
    officer: Mapped[Officer | None] = relationship()


class KioskAbandon(db.Model):
    """A survey begun at a tablet (touched, or an invitation shown) and left with no rating at
    all: counted per kiosk and day for the completion figures. Nothing about the citizen."""

    __tablename__ = "kiosk_abandons"
    # The summary and the kiosk page count a period's days per kiosk.
    __table_args__ = (Index("ix_kiosk_abandons_kiosk_day", "kiosk_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    day: Mapped[date] = mapped_column(Date)  # the Vietnamese calendar day
    invited: Mapped[bool] = mapped_column(default=False)
