"""Translated error pages, and JSON errors for the blueprints that serve machines. Never a
stack trace.

A database that does not answer (PostgreSQL refusing or dropping connections, SQLite locked
past its busy timeout, no pooled connection free in time) is a 503 with Retry-After, so that a
tablet, a gateway or a person can tell "try again" from "refused" (4xx) and from a fault in the
code (500); the request's transaction is rolled back, and the outage logged in one line.
"""

import sqlite3

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db
from .machines import wants_json


def _messages() -> dict[int, tuple[str, str]]:
    """Title and explanation for each status a person may meet."""
    return {
        400: (_("Bad request"), _("The request could not be understood. Check what you entered.")),
        401: (_("Please sign in"), _("You need to sign in to see this page.")),
        403: (_("Not allowed"), _("Your account is not allowed to do this.")),
        404: (_("Not found"), _("There is nothing at this address. Check the link or the code.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Too large"), _("What you sent is larger than allowed. Send a smaller file.")),
        429: (_("Too many attempts"), _("Too many requests. Please wait a little and try again.")),
        500: (_("Something went wrong"), _("Nothing was saved. Please try again in a moment.")),
        503: (_("Not available"), _("The service is not available right now. Try again soon.")),
    }


class UserError(ValueError):
    """What a person asked for cannot be done (a closed box, a taken username, a case in the
    wrong state): the one error type services raise for it. `message` is translated and shown
    as is; `field` names the form field it belongs under (None: the top of the page). Views
    show it with `forms.show_user_error`, the CLI prints `message`; each feature subclasses it
    only to name its own."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self._message = message
        if field is not None:
            self.field = field

    @property
    def message(self) -> str:
        return self._message

    @property
    def by_field(self) -> list[tuple[str | None, str]]:
        """Every problem, as (field or None, message): `show_user_error` shows them all, each
        under its field. One by default; an error that finds several lists them."""
        return [(self.field, self.message)]


def render_error(status: int, detail: str | None = None):
    """The error response for a status, as a page or as JSON."""
    title, explanation = _messages().get(status, _messages()[500])
    message = detail or explanation
    if wants_json():
        return jsonify({"error": title, "message": message, "status": status}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


# SQLite: another connection holds the lock past the busy timeout (primary result codes).
_SQLITE_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
# PostgreSQL SQLSTATEs of a server that cannot serve now (besides class 08, connection
# exceptions): shut down by an administrator or a crash, starting up, too many connections;
# and a lock not granted within lock_timeout (where an operator sets one: PostgreSQL's busy
# timeout, e.g. while a migration holds a table).
_POSTGRES_DOWN = frozenset({"57P01", "57P02", "57P03", "53300", "55P03"})


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached or used right now, rather than that a
    statement is wrong: only those become a 503. "No such table", a bad statement, a broken
    constraint or a deadlock stay errors of the code (500, logged with their traceback)."""
    if isinstance(exc, sa.TimeoutError):  # the pool had no connection to give in time
        return True
    if not isinstance(exc, sa.DBAPIError):
        return False
    if exc.connection_invalidated:  # the dialect saw the connection die under the statement
        return True
    if not isinstance(exc, sa.OperationalError):
        return False
    cause = exc.orig
    if isinstance(cause, sqlite3.Error):
        return (getattr(cause, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_BUSY
    if not hasattr(cause, "sqlstate"):  # a driver we do not know: not ours to guess
        return False
    state = cause.sqlstate
    # psycopg gives no SQLSTATE when there was no server to give one: refused, timed out, gone.
    return state is None or state.startswith("08") or state in _POSTGRES_DOWN


def retry_after() -> dict[str, str]:
    """The header telling a client when to try again after a database outage."""
    return {"Retry-After": str(int(current_app.config["DATABASE_RETRY_AFTER_SECONDS"]))}


def note_database_outage(exc: BaseException) -> None:
    """One WARNING line for the request: where, and the driver's first line. Neither the
    statement nor its parameters (a citizen's words, a phone number), nor the path (a kiosk's
    token), nor a traceback: the outage is the database's, not the code's."""
    cause = getattr(exc, "orig", None) or exc
    current_app.logger.warning(
        "Database unavailable on %s %s: %s: %s",
        request.method,
        request.endpoint or "-",
        type(cause).__name__,
        driver_message(exc)[:200],
    )


def driver_message(exc: BaseException) -> str:
    """The database driver's own first line: no statement, no parameters (a citizen's words)."""
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


def _rollback_after_outage() -> None:
    try:
        db.session.rollback()
    except sa.SQLAlchemyError:  # the connection is gone: nothing of it can be kept anyway
        db.session.close()


def _database_outage(exc: BaseException):
    _rollback_after_outage()
    note_database_outage(exc)
    # The page must not reach for the database again: the signed-in account can neither be
    # loaded nor refreshed after the rollback, so this page is shown as to anyone.
    g._login_user = current_app.login_manager.anonymous_user()
    body, status = render_error(
        503, _("The database is not answering; nothing was saved. Please try again in a minute.")
    )
    return body, status, retry_after()


def _http_error(exc: HTTPException):
    status = exc.code or 500
    if status >= 500:
        db.session.rollback()
    detail = getattr(exc, "translated_description", None)
    if status == 429 and exc.description and not detail:
        # werkzeug's own English text is no detail; the explanation above is translated.
        own = exc.description if exc.description != type(exc).description else None
        detail = own if isinstance(own, str) else None
        # Flask-Limiter's default text is the raw limit ("5 per 15 minute"): replace it.
        if detail and " per " in detail:
            detail = None
    body, status = render_error(status, detail)
    # Keep the exception's own headers (Allow on 405, Retry-After on 429): clients rely on them.
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    return body, status, headers


def _csrf_error(exc: CSRFError):
    return render_error(
        400, _("The form expired or was sent twice. Go back, reload the page and try again.")
    )


def _unexpected_error(exc: Exception):
    # An error raised outside the view (an after-request hook) arrives wrapped in a 500.
    cause = getattr(exc, "original_exception", None) or exc
    if database_unavailable(cause):
        return _database_outage(cause)
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    db.session.rollback()
    from flask import current_app

    current_app.logger.exception("Unhandled error on %s", request.path)
    return render_error(500)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _unexpected_error)
    app.register_error_handler(Exception, _unexpected_error)
