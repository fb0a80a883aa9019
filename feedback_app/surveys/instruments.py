"""Instrument versions: seeding the default, copying to a draft, publishing. Callers commit.

A published version never changes, so old responses keep their meaning; changing questions
makes a new draft version that an admin publishes (which retires the version before it).
"""

from copy import deepcopy

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..models import Instrument, InstrumentStatus, Question, QuestionKind, User
from ..timeutil import now_utc
from .defaults import DEFAULT_INSTRUMENT


class InstrumentLocked(ValueError):
    """Only a draft can be changed; `message` is translated."""

    def __init__(self, message: str | None = None):
        self.message = message or _("A published version cannot be changed: make a new draft.")
        super().__init__(self.message)


def active_instrument() -> Instrument | None:
    """The instrument kiosks and forms use now: the most recently published version."""
    return db.session.scalar(
        select(Instrument)
        .where(Instrument.status == InstrumentStatus.PUBLISHED)
        .order_by(Instrument.published_at.desc(), Instrument.id.desc())
        .limit(1)
    )


def find(label: str) -> Instrument | None:
    """The instrument named "<code>@<version>", if it exists."""
    code, _sep, version = (label or "").rpartition("@")
    if not code or not version.isdecimal():
        return None
    return db.session.scalar(
        select(Instrument).where(Instrument.code == code, Instrument.version == int(version))
    )


def _questions_from(data: list[dict]) -> list[Question]:
    return [
        Question(
            position=position,
            code=q["code"],
            kind=QuestionKind(q["kind"]),
            text_vi=q["text_vi"],
            text_en=q.get("text_en", ""),
            factor=q.get("factor", ""),
            tt01_index=q.get("tt01_index"),
            required=q.get("required", False),
            allows_no_opinion=q.get("allows_no_opinion", False),
            options=deepcopy(q.get("options", [])),
            max_length=q.get("max_length", 1000),
        )
        for position, q in enumerate(data, start=1)
    ]


def seed_default(actor: User | None = None) -> tuple[Instrument, bool]:
    """The default instrument, published, unless a version of it exists; (instrument, created)."""
    data = DEFAULT_INSTRUMENT
    existing = db.session.scalar(
        select(Instrument)
        .where(Instrument.code == data["code"])
        .order_by(Instrument.version.desc())
        .limit(1)
    )
    if existing is not None:
        return existing, False
    instrument = Instrument(
        code=data["code"],
        version=1,
        title_vi=data["title_vi"],
        title_en=data["title_en"],
        questions=_questions_from(data["questions"]),
    )
    db.session.add(instrument)
    db.session.flush()
    publish(instrument, actor)
    return instrument, True


def copy_to_draft(source: Instrument, actor: User) -> Instrument:
    """A new draft version with the same questions, to edit and publish."""
    next_version = (
        db.session.scalar(
            select(func.max(Instrument.version)).where(Instrument.code == source.code)
        )
        or 0
    ) + 1
    draft = Instrument(
        code=source.code,
        version=next_version,
        title_vi=source.title_vi,
        title_en=source.title_en,
        questions=[
            Question(
                position=q.position,
                code=q.code,
                kind=q.kind,
                text_vi=q.text_vi,
                text_en=q.text_en,
                factor=q.factor,
                tt01_index=q.tt01_index,
                required=q.required,
                allows_no_opinion=q.allows_no_opinion,
                options=deepcopy(q.options),
                max_length=q.max_length,
            )
            for q in source.questions
        ],
    )
    db.session.add(draft)
    db.session.flush()
    audit.record("instrument_copied", actor=actor, target=draft, source=source.label)
    return draft


def ensure_draft(instrument: Instrument) -> None:
    """Refuse any change to a version that is not a draft."""
    if instrument.status != InstrumentStatus.DRAFT:
        raise InstrumentLocked()


def publish(instrument: Instrument, actor: User | None) -> None:
    """Publish a draft; the version of the same code published before it is retired."""
    ensure_draft(instrument)
    if not instrument.questions:
        raise InstrumentLocked(_("Add at least one question before publishing."))
    for other in db.session.scalars(
        select(Instrument).where(
            Instrument.code == instrument.code,
            Instrument.status == InstrumentStatus.PUBLISHED,
        )
    ):
        other.status = InstrumentStatus.RETIRED
    instrument.status = InstrumentStatus.PUBLISHED
    instrument.published_at = now_utc()
    audit.record("instrument_published", actor=actor, target=instrument, label=instrument.label)
