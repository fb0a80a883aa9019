"""One transaction per request, for the views that change something.

Every form view used to spell out "call the service; on its error roll back and show the
message under the field; else commit". `commit_or_show` is that block, written once: the
service only adds and flushes, and what it did is committed here or not at all.
"""

from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar

from .errors import UserError
from .extensions import db
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
