"""Instrument versions: seeding the default, copying to a draft, publishing. Callers commit.

A published version never changes, so old responses keep their meaning; changing questions
makes a new draft version that an admin publishes (which retires the version before it).
"""

import re
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..errors import UserError
from ..extensions import db
from ..labels import QUESTION_KIND_LABELS
from ..models import Instrument, InstrumentStatus, Question, QuestionKind, User
from ..timeutil import now_utc
from .defaults import (
    COMMENT,
    DEFAULT_INSTRUMENT,
    OVERALL,
    REASONS,
    REPLY_PHONE,
    WANT_REPLY,
    YES_NO_OPTIONS,
)


class InstrumentLocked(UserError):
    """Only a draft can be changed, and an empty draft cannot be published."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("A published version cannot be changed: make a new draft."))


def active_instrument() -> Instrument | None:
    """The instrument kiosks and forms use now: the most recently published version."""
    return db.session.scalar(
        select(Instrument)
        .where(Instrument.status == InstrumentStatus.PUBLISHED)
        .order_by(Instrument.published_at.desc(), Instrument.id.desc())
        .limit(1)
    )


LABEL_CODE = re.compile(r"[A-Za-z0-9._-]{1,40}\Z")  # Instrument.code is String(40)
VERSION_NUMBER = re.compile(r"[0-9]{1,9}\Z")


def _parse_label(label: str) -> tuple[str, int] | None:
    """(code, version) of a label "<code>@<version>", or None if it is not one."""
    code, _sep, version = (label or "").rpartition("@")
    # Anything else is no version of ours, and some of it would fail in the query itself: a
    # number past a database integer, a lone surrogate no database can encode.
    if not LABEL_CODE.match(code) or not VERSION_NUMBER.match(version):
        return None
    return code, int(version)


def find(label: str) -> Instrument | None:
    """The instrument named "<code>@<version>", if it exists."""
    key = _parse_label(label)
    if key is None:
        return None
    code, version = key
    return db.session.scalar(
        select(Instrument).where(Instrument.code == code, Instrument.version == version)
    )


def shown_or_active(label: str | None) -> Instrument | None:
    """The version a survey page showed (its answers keep the meaning of the questions seen),
    while it takes answers; otherwise, as for a draft or an unknown label, the active one."""
    shown = find(label or "")
    if shown is not None and shown.status != InstrumentStatus.DRAFT:
        return shown
    return active_instrument()


# --- Versions as submissions see them ---------------------------------------------------------


@dataclass(frozen=True)
class QuestionSpec:
    """What checking an answer needs to know of a question: plain data, shared by requests."""

    id: int
    code: str
    kind: QuestionKind
    required: bool
    allows_no_opinion: bool
    max_length: int
    options: Mapping[str, int | None]  # option code → points, in the order offered


@dataclass(frozen=True)
class AnswerableVersion:
    """A version that takes answers: published, or retired since (a tablet may send answers it
    queued while offline). Such a version never changes again, so each process reads it once."""

    id: int
    label: str
    questions: tuple[QuestionSpec, ...]


# Where each app keeps the versions it has read (per app, so a test's fresh database is not
# answered from another's).
_CACHE = "surveys.answerable_versions"


def answerable(label: str) -> AnswerableVersion | None:
    """The version named "<code>@<version>" if it takes answers; None if unknown or a draft."""
    key = _parse_label(label)
    if key is None:
        return None
    cache = current_app.extensions.setdefault(_CACHE, {})
    version = cache.get(key)
    if version is None:
        instrument = find(label)
        if instrument is None or instrument.status == InstrumentStatus.DRAFT:
            return None  # never kept: a draft still changes, and may be published later
        version = cache[key] = _snapshot(instrument)
    return version


def _snapshot(instrument: Instrument) -> AnswerableVersion:
    return AnswerableVersion(
        id=instrument.id,
        label=instrument.label,
        questions=tuple(
            QuestionSpec(
                id=q.id,
                code=q.code,
                kind=q.kind,
                required=q.required,
                allows_no_opinion=q.allows_no_opinion,
                max_length=q.max_length,
                options=MappingProxyType({o["code"]: o.get("points") for o in q.options}),
            )
            for q in instrument.questions
        ),
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


# --- Editing a draft --------------------------------------------------------------------------

FACTORS = ("F1", "F2", "F3", "F4", "F5", OVERALL)
TT01_INDICES = range(1, 10)
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,40}$")
MAX_TEXT_LENGTH = 5000
MAX_POINTS = 100
# Codes the submission service reads by name (see service.submit): each keeps its kind.
FIXED_KINDS = {
    OVERALL: QuestionKind.LIKERT5,
    COMMENT: QuestionKind.TEXT,
    REPLY_PHONE: QuestionKind.TEXT,
    WANT_REPLY: QuestionKind.YES_NO,
    REASONS: QuestionKind.MULTI_CHOICE,
}


class QuestionInvalid(UserError):
    """A question that breaks rules: `errors` maps form field names to translated messages,
    every problem found; `field` and `message` are the first of them."""

    def __init__(self, errors: dict[str, str]):
        field_name, message = next(iter(errors.items()))
        super().__init__(message, field_name)
        self.errors = errors

    @property
    def by_field(self) -> list[tuple[str | None, str]]:
        return list(self.errors.items())


@dataclass
class QuestionData:
    """What an admin sets on a question of a draft."""

    code: str
    kind: QuestionKind
    text_vi: str
    text_en: str = ""
    factor: str = ""
    tt01_index: int | None = None
    required: bool = False
    allows_no_opinion: bool = False
    max_length: int | None = None
    # [{"code", "points", "label_vi", "label_en"}]; empty on a yes/no question means Có/Không.
    options: list[dict] = field(default_factory=list)


def _normalised(data: QuestionData) -> QuestionData:
    """Trim the texts, and give defaults that depend on the kind."""
    options = [
        {
            "code": str(o.get("code", "")).strip(),
            "points": o.get("points"),
            "label_vi": str(o.get("label_vi", "")).strip(),
            "label_en": str(o.get("label_en", "")).strip(),
        }
        for o in data.options
    ]
    if data.kind == QuestionKind.YES_NO and not options:
        options = deepcopy(YES_NO_OPTIONS)
    return replace(
        data,
        code=data.code.strip(),
        text_vi=data.text_vi.strip(),
        text_en=data.text_en.strip(),
        factor=data.factor or "",
        options=options,
        max_length=1000 if data.max_length is None else data.max_length,
    )


def check_question(instrument: Instrument, data: QuestionData, question=None) -> dict[str, str]:
    """Every rule a question of this version breaks, as {field: translated message}: what
    add_question and update_question refuse (`question`: the one being changed, if any)."""
    data = _normalised(data)
    errors: dict[str, str] = {}
    others = [q for q in instrument.questions if q is not question]
    if not CODE_PATTERN.match(data.code):
        errors["code"] = _("Use letters, digits and underscores only (at most 40).")
    elif any(q.code == data.code for q in others):
        errors["code"] = _(
            "Another question of this version has the code %(code)s.", code=data.code
        )
    if data.code in FIXED_KINDS and FIXED_KINDS[data.code] != data.kind:
        errors["kind"] = _(
            "The code %(code)s has a fixed meaning: choose the kind “%(kind)s”.",
            code=data.code,
            kind=QUESTION_KIND_LABELS[FIXED_KINDS[data.code]],
        )
    if not data.text_vi:
        errors["text_vi"] = _("Write the question in Vietnamese.")
    if data.factor not in ("", *FACTORS):
        errors["factor"] = _("Choose a factor from the list.")
    elif data.factor and data.kind != QuestionKind.LIKERT5:
        errors["factor"] = _("Only a 1–5 rating counts towards a factor.")
    if data.tt01_index is not None:
        if data.tt01_index not in TT01_INDICES:
            errors["tt01_index"] = _("Choose an index from 1 to 9.")
        elif data.kind != QuestionKind.CHOICE_SCORED:
            errors["tt01_index"] = _("Only a scored choice has a TT01 index.")
        elif any(q.tt01_index == data.tt01_index for q in others):
            errors["tt01_index"] = _("Another question already measures this index.")
    if data.allows_no_opinion and data.kind != QuestionKind.LIKERT5:
        errors["allows_no_opinion"] = _("Only a 1–5 rating can offer “no opinion”.")
    if data.kind == QuestionKind.TEXT and not 1 <= data.max_length <= MAX_TEXT_LENGTH:
        errors["max_length"] = _("Choose a length from 1 to %(max)d.", max=MAX_TEXT_LENGTH)
    message = _option_problem(data)
    if message:
        errors["options"] = message
    return errors


def _option_problem(data: QuestionData) -> str | None:
    """What is wrong with the options for this kind of question, if anything."""
    options = data.options
    if data.kind == QuestionKind.LIKERT5:
        if options:
            return _("A 1–5 rating has its five answers built in: leave the options empty.")
        return None
    if data.kind == QuestionKind.TEXT:
        return _("A text question has no options: leave them empty.") if options else None
    if len(options) < 2:
        return _("Give at least two options.")
    seen: set[str] = set()
    for option in options:
        if not CODE_PATTERN.match(option["code"]):
            return _(
                "Option code %(code)s: use letters, digits and underscores only.",
                code=option["code"],
            )
        if option["code"] in seen:
            return _("Two options have the code %(code)s.", code=option["code"])
        seen.add(option["code"])
        points = option["points"]
        if data.kind == QuestionKind.MULTI_CHOICE:
            if points is not None:
                return _(
                    "Option %(code)s: these choices score no points; leave them empty.",
                    code=option["code"],
                )
        elif isinstance(points, bool) or not isinstance(points, int):
            return _("Option %(code)s: the points must be a whole number.", code=option["code"])
        elif not 0 <= points <= MAX_POINTS:
            return _(
                "Option %(code)s: the points must be from 0 to %(max)d.",
                code=option["code"],
                max=MAX_POINTS,
            )
        if not option["label_vi"]:
            return _("Option %(code)s: write its Vietnamese label.", code=option["code"])
    if data.code == WANT_REPLY and "yes" not in seen:
        return _("This question needs an option with the code “yes”.")
    return None


def _checked(instrument: Instrument, data: QuestionData, question=None) -> QuestionData:
    """The question as it is stored (texts trimmed, defaults for its kind); QuestionInvalid
    with every problem found."""
    errors = check_question(instrument, data, question)
    if errors:
        raise QuestionInvalid(errors)
    return _normalised(data)


def _apply(question: Question, data: QuestionData) -> None:
    question.code = data.code
    question.kind = data.kind
    question.text_vi = data.text_vi
    question.text_en = data.text_en
    question.factor = data.factor
    question.tt01_index = data.tt01_index
    question.required = data.required
    question.allows_no_opinion = data.allows_no_opinion
    question.max_length = data.max_length
    question.options = deepcopy(data.options)


def _flush_or_duplicate(code: str) -> None:
    """Flush; another admin adding the same code at the same moment is a QuestionInvalid."""
    try:
        db.session.flush()
    except IntegrityError:
        # The caller rolls back the whole request, as after any other QuestionInvalid.
        message = _("Another question of this version has the code %(code)s.", code=code)
        raise QuestionInvalid({"code": message}) from None


def _renumber(instrument: Instrument) -> None:
    for position, question in enumerate(instrument.questions, start=1):
        question.position = position


def set_titles(instrument: Instrument, title_vi: str, title_en: str, actor: User) -> None:
    """Rename a draft (the title citizens see above the questions)."""
    ensure_draft(instrument)
    instrument.title_vi = title_vi.strip()
    instrument.title_en = title_en.strip()
    audit.record("instrument_edited", actor=actor, target=instrument, label=instrument.label)


def add_question(instrument: Instrument, data: QuestionData, actor: User) -> Question:
    """A new last question of a draft; raises QuestionInvalid with every problem found."""
    ensure_draft(instrument)
    data = _checked(instrument, data)
    question = Question(position=len(instrument.questions) + 1)
    _apply(question, data)
    instrument.questions.append(question)
    _flush_or_duplicate(data.code)
    audit.record("question_added", actor=actor, target=instrument, question=data.code)
    return question


def update_question(question: Question, data: QuestionData, actor: User) -> None:
    """Change a question of a draft; raises QuestionInvalid with every problem found."""
    instrument = question.instrument
    ensure_draft(instrument)
    data = _checked(instrument, data, question)
    _apply(question, data)
    _flush_or_duplicate(data.code)
    audit.record("question_changed", actor=actor, target=instrument, question=data.code)


def remove_question(question: Question, actor: User) -> None:
    """Take a question out of a draft (drafts have no answers, so nothing else refers to it)."""
    instrument = question.instrument
    ensure_draft(instrument)
    instrument.questions.remove(question)
    _renumber(instrument)
    db.session.flush()
    audit.record("question_removed", actor=actor, target=instrument, question=question.code)


def move_question(question: Question, position: int, actor: User) -> None:
    """Put a question at a position (1 = first); positions beyond either end are clamped."""
    instrument = question.instrument
    ensure_draft(instrument)
    ordered = [q for q in instrument.questions if q is not question]
    index = min(max(position, 1), len(ordered) + 1) - 1
    ordered.insert(index, question)
    for number, item in enumerate(ordered, start=1):
        item.position = number
    db.session.flush()
    db.session.expire(instrument, ["questions"])
    audit.record(
        "question_moved", actor=actor, target=instrument, question=question.code, position=index + 1
    )
