"""Figures as people read them, in the request's language: the page, the charts and their
text alternatives all write numbers this one way."""

from flask_babel import format_decimal
from flask_babel import gettext as _


def figure(value, places: int = 1, suffix: str = "") -> str:
    """A number the Vietnamese way (85,3; 5.339) or the English way (85.3; 5,339); a
    suppressed cell (None) reads "not enough responses"."""
    if value is None:
        return _("not enough responses")
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern) + suffix
