"""All models, imported here so Alembic and the app see one metadata."""

from .audit import AuditEvent
from .cases import (
    AnswerTemplate,
    Attachment,
    BoxOpening,
    BoxStatus,
    Case,
    CaseChannel,
    CaseEvent,
    CaseKind,
    CaseStatus,
    CommentBook,
    DeadlinePolicy,
)
from .surveys import (
    Answer,
    Instrument,
    InstrumentStatus,
    Kiosk,
    Question,
    QuestionKind,
    Response,
    ResponseChannel,
)
from .units import AdminUnit, Counter, Holiday, HolidayKind, Officer, ServicePoint, UnitLevel
from .users import Role, User

__all__ = [
    "Answer",
    "Instrument",
    "InstrumentStatus",
    "Kiosk",
    "Question",
    "QuestionKind",
    "Response",
    "ResponseChannel",
    "AnswerTemplate",
    "Attachment",
    "BoxOpening",
    "BoxStatus",
    "Case",
    "CaseChannel",
    "CaseEvent",
    "CaseKind",
    "CaseStatus",
    "CommentBook",
    "DeadlinePolicy",
    "AdminUnit",
    "AuditEvent",
    "Counter",
    "Holiday",
    "HolidayKind",
    "Officer",
    "Role",
    "ServicePoint",
    "UnitLevel",
    "User",
]
