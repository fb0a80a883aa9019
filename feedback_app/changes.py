"""One transaction per request, for the views that change something.

Every form view used to spell out "call the service; on its error roll back and show the
message under the field; else commit". `commit_or_show` is that block, written once: the
service only adds and flushes, and what it did is committed here or not at all.

And a view cannot forget to commit: a request that wrote to the session's transaction and
answers with success without committing is turned into the error page ("Nothing was saved"),
its writes rolled back and the view named in the log, instead of telling the person it is
done while Flask-SQLAlchemy silently rolls back at teardown. The suite meets every view, so
such a view fails its tests rather than reaching a desk.
"""

from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from .errors import UserError
from .extensions import WROTE, db
from .forms import show_user_error

T = TypeVar("T")


class Done(NamedTuple, Generic[T]):
    """A change that was committed, with what the service returned."""

    value: T


def commit_or_show(form, change: Callable[[], T]) -> Done[T] | None:
    """Run `change` (service calls) and commit; on a UserError roll back, show it on `form`
    (under its field, or at the top of the page; with no form, at the top of the next page)
    and return None."""
    try:
        value = change()
    except UserError as error:
        db.session.rollback()
        show_user_error(form, error)
        return None
    db.session.commit()
    return Done(value)


class UncommittedChange(RuntimeError):
    """A view changed the database and answered with success without committing."""


def init_app(app: Flask) -> None:
    """Check every request's answer for writes left uncommitted (registered first, so that it
    runs after every other after-request hook)."""
    app.after_request(_refuse_uncommitted)


def _refuse_uncommitted(response):
    if not db.session.registry.has() or not db.session.info.get(WROTE):
        return response  # (a request that never opened the session, like a kiosk's POST)
    if response.status_code >= 400:
        db.session.rollback()  # an error page: nothing it did is kept
        return response
    raise UncommittedChange(f"{request.endpoint} wrote to the database without committing")


@event.listens_for(Session, "after_flush")
def _note_flush(session, flush_context) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _clean_slate(session) -> None:
    session.info.pop(WROTE, None)
