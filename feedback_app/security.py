"""Roles and permissions, unit scoping, and the HTTP security headers."""

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, select
from werkzeug.routing import IntegerConverter

from . import labels, privacy
from .extensions import db
from .machines import is_sessionless
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

MAX_DB_INT = 2**31 - 1  # the largest id an INTEGER column holds on PostgreSQL

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


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


def _up_to(limit: int) -> str:
    """A regular expression for the decimal numbers 0..limit (no sign, no leading zeros)."""
    digits = str(limit)
    parts = [r"[0-9]" if len(digits) == 1 else rf"[1-9][0-9]{{0,{len(digits) - 2}}}|0"]
    for i, digit in enumerate(digits):
        if digit == "0":
            continue
        head, rest = digits[:i], len(digits) - i - 1
        low = "1" if i == 0 else "0"
        if int(digit) > int(low):
            tail = rf"[0-9]{{{rest}}}" if rest else ""
            parts.append(f"{head}[{low}-{int(digit) - 1}]{tail}")
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: ids beyond a database integer are a 404, not a 500. The pattern
    itself stops at the largest one, so such a path matches no rule at all (a 404 on every
    method, never a 405 because a GET rule's pattern matched first)."""

    regex = _up_to(MAX_DB_INT)

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_DB_INT, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _refuse_nul_bytes() -> None:
    """NUL characters are never meaningful input and PostgreSQL text refuses them: 400.

    Signed webhooks are left alone: they check the signature over the raw body before anything
    else (reading the form here would consume that body first) and clean what they keep.
    """
    forms = ()
    if request.mimetype in FORM_TYPES:  # any other body is not a form: nothing to parse
        view = current_app.view_functions.get(request.endpoint or "")
        forms = () if getattr(view, "checks_raw_body", False) else (request.form,)
    for values in (request.args, *forms):
        for _key, items in values.lists():
            if any("\x00" in item for item in items):
                abort(400)


def _set_headers(response):
    """Strict headers on every response: no external origin, no framing, no sniffing."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except on the session-less machine blueprints (see
    `machines`): a tablet's request neither reads nor sets a cookie there, and skips the
    signing work on its hottest path. (The reports API is read with the staff member's
    signed-in session, like its page.)"""

    def open_session(self, app, request):
        """The signed cookie's session; a null one (read-only, never saved) where declared."""
        if is_sessionless(app, request):
            return self.null_session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    """Register the header hook and the template helpers."""
    app.session_interface = SessionInterface()
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_refuse_nul_bytes)
    app.after_request(_set_headers)
    app.jinja_env.filters.update(excerpt=privacy.excerpt, mask_phone=privacy.mask_phone)
    app.jinja_env.globals.update(
        can=can,
        **{name: getattr(labels, name) for name in dir(labels) if name.endswith("_LABELS")},
    )
