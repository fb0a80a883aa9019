"""HTTP hardening, whoever sends the request: strict headers on every response, NUL bytes
refused, ids bounded to what a database integer holds, and no session cookie on the
session-less machine blueprints. (Who may do what is in `security`.)"""

from flask import Flask, abort, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.routing import IntegerConverter

from .machines import is_sessionless

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
    """Register the session interface, the bounded `<int:>` converter and the request hooks."""
    app.session_interface = SessionInterface()
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_refuse_nul_bytes)
    app.after_request(_set_headers)
