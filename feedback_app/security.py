"""Roles and permissions, and unit scoping: who may do what, and on which units' data.

(What every request is checked for, whoever sends it, is in `hardening`.)"""

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, select

from . import labels, privacy
from .extensions import db
from .models import AdminUnit, Role, User

# Every permission, with what it lets a person do (shown on the staff home page).
PERMISSION_LABELS = {
    "manage_users": _l("Create and edit staff accounts"),
    "manage_units": _l("Manage units, desks, counters and officers"),
    "view_units": _l("See units, desks, counters and officers"),
    "view_reports": _l("Review period summaries and export the official report"),
    "enter_dossiers": _l("Enter and import the desks' monthly dossier figures"),
    "view_cases": _l("See citizens' cases and their history"),
    "handle_cases": _l("Classify, assign and answer citizens' cases"),
    "enter_paper": _l("Open suggestion boxes and enter slips and comment-book entries"),
    "hotline": _l("Log hotline calls, transcribe voicemails and call citizens back"),
    "set_duty": _l("Set the officer on duty at the counter"),
    "manage_surveys": _l("Manage survey versions and counter tablets"),
    "change_shared_settings": _l(
        "Change what every unit shares: holidays, deadlines, recorded voice prompts and survey "
        "versions"
    ),
}

# Settings that are one for the whole map, not one per unit (the working-day calendar, the legal
# deadlines, the hotline's recorded prompts, the survey's versions): changing them changes them
# for every unit, so it takes an admin whose scope covers every unit. Others may look.
WHOLE_MAP_PERMISSIONS = frozenset({"change_shared_settings"})

PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(PERMISSION_LABELS),
    Role.REFORM_OFFICE: frozenset(
        {"view_units", "view_reports", "enter_dossiers", "view_cases", "handle_cases"}
    ),
    Role.UNIT_MANAGER: frozenset(
        {"view_units", "view_reports", "enter_dossiers", "view_cases", "handle_cases"}
    ),
    Role.INTAKE_CLERK: frozenset({"view_units", "view_cases", "enter_paper"}),
    Role.HOTLINE_OPERATOR: frozenset({"view_units", "view_cases", "hotline"}),
    Role.COUNTER_STAFF: frozenset({"set_duty"}),
}


def can(user: User, permission: str) -> bool:
    """Whether a signed-in user's role grants a permission (and, for a setting the whole map
    shares, whether their scope covers every unit)."""
    granted = bool(getattr(user, "is_authenticated", False)) and permission in PERMISSIONS.get(
        user.role, frozenset()
    )
    if granted and permission in WHOLE_MAP_PERMISSIONS:
        return covers_every_unit(user)
    return granted


def covers_every_unit(user: User) -> bool:
    """Whether every unit (of every time) lies within the user's scope; asked once a request."""
    cache = g.setdefault("_covers_every_unit", {})
    if user.id not in cache:
        outside = select(AdminUnit.id).where(~AdminUnit.path.startswith(user.unit.path)).limit(1)
        cache[user.id] = db.session.scalar(outside) is None
    return cache[user.id]


def permission_required(permission: str) -> Callable:
    """Sign-in required, then 403 unless the role grants the permission."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def changes_require(permission: str) -> Callable:
    """For a page that shows (GET) and changes (POST): the change also needs `permission`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if request.method not in ("GET", "HEAD") and not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def scope_unit_ids(user: User):
    """A SELECT of the ids of the user's unit and every unit below it."""
    return select(AdminUnit.id).where(AdminUnit.path.startswith(user.unit.path))


def in_unit_tree(unit_id_column, unit: AdminUnit) -> ColumnElement[bool]:
    """The row's unit is this unit or one below it."""
    return unit_id_column.in_(select(AdminUnit.id).where(AdminUnit.path.startswith(unit.path)))


def in_scope(unit_id_column, user: User) -> ColumnElement[bool]:
    """The filter every staff query uses: the row's unit is within the user's scope."""
    return in_unit_tree(unit_id_column, user.unit)


def unit_in_scope(unit: AdminUnit | None, user: User) -> bool:
    """The same test for one loaded unit."""
    return unit is not None and unit.path.startswith(user.unit.path)


def init_app(app: Flask) -> None:
    """Register the template helpers: `can`, the label tables, and the masking filters."""
    app.jinja_env.filters.update(excerpt=privacy.excerpt, mask_phone=privacy.mask_phone)
    app.jinja_env.globals.update(
        can=can,
        **{name: getattr(labels, name) for name in dir(labels) if name.endswith("_LABELS")},
    )
