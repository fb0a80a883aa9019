"""Accounts: authentication, creation and changes. No commits here; callers commit."""

import re

from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..models import AdminUnit, Role, User
from ..models.base import utcnow

USERNAME_PATTERN = re.compile(r"^[a-z0-9._-]{3,64}$")


class AccountError(ValueError):
    """A change to an account that cannot be made; the message is shown to the user."""


def normalise_username(username: str) -> str:
    """Usernames are compared case-insensitively and without surrounding spaces."""
    return (username or "").strip().lower()


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Records the attempt either way."""
    name = normalise_username(username)
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None or not user.active or not user.check_password(password):
        audit.record("login_failed", target=user, username=name[:64])
        return None
    user.last_login_at = utcnow()
    audit.record("login", actor=user, target=user)
    return user


def create_user(
    *,
    username: str,
    role: Role | str,
    unit: AdminUnit,
    password: str,
    full_name: str = "",
    actor: User | None = None,
) -> User:
    """A new staff account; refuses a taken username or a short password."""
    name = normalise_username(username)
    if not USERNAME_PATTERN.match(name):
        raise AccountError("username_format")
    if db.session.scalar(select(func.count()).select_from(User).where(User.username == name)):
        raise AccountError(f"username:{name}")
    if len(password) < 10:
        raise AccountError("password")
    user = User(username=name, full_name=full_name, role=Role(role), unit=unit)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", actor=actor, target=user, role=user.role.value, unit=unit.code)
    return user


def update_user(
    user: User,
    *,
    actor: User,
    role: Role | str,
    unit: AdminUnit,
    full_name: str,
    active: bool,
    password: str | None = None,
) -> None:
    """Change an account and record what changed (never the password itself)."""
    changes = {}
    for field, value in (("role", Role(role)), ("unit", unit), ("full_name", full_name)):
        if getattr(user, field) != value:
            old = getattr(user, field)
            changes[field] = [_plain(old), _plain(value)]
            setattr(user, field, value)
    if user.active != active:
        if user.id == actor.id and not active:
            raise AccountError("self_disable")
        changes["active"] = [user.active, active]
        user.active = active
    if password:
        user.set_password(password)
        changes["password"] = "changed"  # noqa: S105 - a marker, never the password
    if changes:
        audit.record("user_changed", actor=actor, target=user, changes=changes)


def _plain(value):
    if isinstance(value, AdminUnit):
        return value.code
    return getattr(value, "value", value)
