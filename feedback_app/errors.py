"""Translated error pages, and JSON errors for the blueprints that serve machines. Never a
stack trace."""

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
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
