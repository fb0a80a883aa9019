"""All models, imported here so Alembic and the app see one metadata."""

from .audit import AuditEvent
from .units import AdminUnit, Counter, Holiday, Officer, ServicePoint, UnitLevel
from .users import Role, User

__all__ = [
    "AdminUnit",
    "AuditEvent",
    "Counter",
    "Holiday",
    "Officer",
    "Role",
    "ServicePoint",
    "UnitLevel",
    "User",
]
