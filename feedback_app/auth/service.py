"""Accounts: authentication, creation and changes. No commits here; callers commit."""

import functools
import re
import time

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..errors import UserError
from ..extensions import db, limiter
from ..models import AdminUnit, Role, User
from ..models.base import utcnow

USERNAME_PATTERN = re.compile(r"^[a-z0-9._-]{3,64}$")


class AccountError(UserError):
    """A change to an account that cannot be made."""


def normalise_username(username: str) -> str:
    """Usernames are compared case-insensitively and without surrounding spaces."""
    return (username or "").strip().lower()


@functools.cache
def _stand_in_hash() -> str:
    """A hash made like every stored one, checked when no account has the name: an unknown
    name costs the same time as a wrong password, so timing does not tell names apart."""
    return generate_password_hash("no account has this password")


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Records the attempt: each one against
    a real account, and attempts on names no account has only as a count (see below)."""
    name = normalise_username(username)
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        check_password_hash(_stand_in_hash(), password)
        _count_unknown_name_failure()
        return None
    # The hash is checked even for a disabled account: its answer takes the same time.
    if not user.check_password(password) or not user.active:
        audit.record("login_failed", target=user, username=name[:64])
        return None
    user.last_login_at = utcnow()
    audit.record("login", actor=user, target=user)
    return user


UNKNOWN_NAME_WINDOW_SECONDS = 3600


def _count_unknown_name_failure() -> None:
    """Failed sign-ins with names no account has are counted per hour (in the throttling
    storage, shared by every process); the audit trail gets one row at the 1st, 10th, 100th…
    of an hour, with the count, instead of one row per attempt that anyone could flood it with.
    The names themselves are not kept: they are often a password typed in the wrong box."""
    window = int(time.time()) // UNKNOWN_NAME_WINDOW_SECONDS
    try:
        count = limiter.storage.incr(
            f"login-unknown:{window}", expiry=UNKNOWN_NAME_WINDOW_SECONDS * 2
        )
    except Exception:  # noqa: BLE001 - storage down (redis raises its own errors): count one
        current_app.logger.warning("Throttle storage unreachable; unknown-name failure logged")
        count = 1
    if count == 1 or _is_power_of_ten(count):
        audit.record("login_failed_unknown_names", count=count, hour=window)


def _is_power_of_ten(n: int) -> bool:
    return n >= 10 and str(n).rstrip("0") == "1"


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
        raise AccountError(
            _("A username has 3 to 64 characters: lower-case letters, digits, '.', '_' or '-'."),
            "username",
        )
    if db.session.scalar(select(func.count()).select_from(User).where(User.username == name)):
        raise AccountError(_("This username is already taken."), "username")
    if len(password) < 10:
        raise AccountError(_("The password must have at least 10 characters."), "password")
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
            raise AccountError(_("You cannot disable your own account."), "active")
        changes["active"] = [user.active, active]
        user.active = active
        if not active:
            user.end_sessions()  # taking the account back later must not revive old cookies
    if password:
        user.set_password(password)
        user.end_sessions()  # whoever held a session of this account (a copy) is signed out
        changes["password"] = "changed"  # noqa: S105 - a marker, never the password
    if changes:
        audit.record("user_changed", actor=actor, target=user, changes=changes)


def _plain(value):
    if isinstance(value, AdminUnit):
        return value.code
    return getattr(value, "value", value)
