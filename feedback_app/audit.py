"""Recording audit events; callers commit with the rest of their change."""

from .extensions import db
from .models import AuditEvent, User


def record(action: str, *, actor: User | None = None, target=None, **detail) -> AuditEvent:
    """Add an audit event for an action on a target (any model with an id)."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        target_type=type(target).__name__ if target is not None else "",
        target_id=getattr(target, "id", None),
        detail=detail,
    )
    db.session.add(event)
    return event
