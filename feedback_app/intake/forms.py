"""Forms for suggestion-box openings, slips, comment books and their entries.

Forms that create something carry a one-time `form_token` (a uuid4 made when the form is shown):
the service keys the new row on it, so a double click or a resend never makes a second one.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import UUID, DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import BaseForm, plausible_date
from ..labels import CASE_KIND_LABELS
from ..models import CaseKind

_RELOAD = _l("The form is incomplete. Reload the page and try again.")
# Entry and page numbers of a comment book: far above any real book, far below what an
# INTEGER column holds (a larger number typed by mistake would otherwise fail to store).
MAX_BOOK_NUMBER = 100_000


def _token_field() -> HiddenField:
    return HiddenField(validators=[DataRequired(message=_RELOAD), UUID(message=_RELOAD)])


class BoxOpeningForm(BaseForm):
    """Mở hòm thư góp ý: which box, when, who witnessed it, how many slips were in it.

    The desk list is filled by the view (desks in the user's scope).
    """

    form_token = _token_field()
    service_point_id = SelectField(
        _l("Desk"), coerce=int, validators=[DataRequired(message=_l("Choose a desk."))]
    )
    box_label = StringField(
        _l("Box"),
        description=_l("Which box was opened, e.g. “Hòm thư tầng 1”."),
        validators=[
            DataRequired(message=_l("Name the box that was opened.")),
            Length(max=80, message=_l("At most 80 characters.")),
        ],
    )
    opened_at = DateTimeLocalField(
        _l("Opened at"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        description=_l("Vietnam time. It cannot be in the future."),
        invalid_value_message=_l("Enter a date and time such as 2025-03-14 09:30."),
        validators=[InputRequired(message=_l("Enter when the box was opened.")), plausible_date],
    )
    witnesses = TextAreaField(
        _l("Witnesses"),
        description=_l("At least two people must witness the opening: one name per line."),
        validators=[
            DataRequired(message=_l("Write the names of the witnesses.")),
            Length(max=2000, message=_l("At most 2000 characters.")),
        ],
    )
    slips_counted = IntegerField(
        _l("Slips counted"),
        description=_l("How many slips were found in the box (0 if it was empty)."),
        validators=[
            InputRequired(message=_l("Enter how many slips were found.")),
            NumberRange(min=0, max=100000, message=_l("Enter a number from 0 to 100000.")),
        ],
    )


class _PaperTextForm(BaseForm):
    """What a slip or a book entry says; the sender is optional (anonymous by default)."""

    form_token = _token_field()
    content = TextAreaField(
        _l("Content"),
        description=_l("Copy the text as the citizen wrote it."),
        validators=[
            DataRequired(message=_l("Write what the citizen wrote.")),
            Length(max=5000, message=_l("At most 5000 characters.")),
        ],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, label) for kind, label in CASE_KIND_LABELS.items()],
        default=CaseKind.FEEDBACK.value,
        validators=[DataRequired(message=_l("Choose a kind."))],
    )
    subject = StringField(
        _l("Subject (optional)"),
        validators=[Length(max=200, message=_l("At most 200 characters."))],
    )
    sender_name = StringField(
        _l("Sender's name"),
        validators=[Optional(), Length(max=120, message=_l("At most 120 characters."))],
    )
    sender_phone = StringField(
        _l("Sender's phone"),
        validators=[Optional(), Length(max=20, message=_l("At most 20 characters."))],
    )
    sender_address = StringField(
        _l("Sender's address"),
        validators=[Optional(), Length(max=300, message=_l("At most 300 characters."))],
    )
    scan = FileField(
        _l("Scan or photo (optional)"),
        description=_l("JPEG, PNG or PDF, at most 10 MB."),
        render_kw={"accept": "image/jpeg,image/png,application/pdf"},
    )


class SlipForm(_PaperTextForm):
    """Một thư góp ý: one slip from the box, typed in."""


class BookEntryForm(_PaperTextForm):
    """Một mục trong sổ góp ý: the number and page are copied from the book itself."""

    entry_number = IntegerField(
        _l("Entry number"),
        description=_l("Copy the number written in the book. Numbering is continuous from 1."),
        validators=[
            InputRequired(message=_l("Enter the entry number written in the book.")),
            NumberRange(min=1, message=_l("Entry numbers start at 1.")),
            NumberRange(max=MAX_BOOK_NUMBER, message=_l("Enter a number from 1 to 100000.")),
        ],
    )
    page = IntegerField(
        _l("Page"),
        validators=[
            InputRequired(message=_l("Enter the page of the book.")),
            NumberRange(min=1, message=_l("Page numbers start at 1.")),
            NumberRange(max=MAX_BOOK_NUMBER, message=_l("Enter a number from 1 to 100000.")),
        ],
    )
    written_on = DateField(
        _l("Date written"),
        description=_l("Within the book's year; not in the future."),
        invalid_value_message=_l("Enter a date such as 2025-03-14."),
        validators=[
            InputRequired(message=_l("Enter the date the entry was written.")),
            plausible_date,
        ],
    )


class CloseOpeningForm(BaseForm):
    """Reconcile an opening; a reason is needed when entered and counted differ."""

    reason = TextAreaField(
        _l("Reason for a difference"),
        description=_l(
            "Needed only when the slips entered differ from the slips counted, "
            "e.g. two slips were stapled together."
        ),
        validators=[Length(max=2000, message=_l("At most 2000 characters."))],
    )


class BookForm(BaseForm):
    """Mở sổ góp ý: a desk's book for a year. The desk list is filled by the view."""

    service_point_id = SelectField(
        _l("Desk"), coerce=int, validators=[DataRequired(message=_l("Choose a desk."))]
    )
    year = IntegerField(
        _l("Year"),
        validators=[
            InputRequired(message=_l("Enter the year of the book.")),
            NumberRange(min=2000, max=9999, message=_l("Enter a four-digit year.")),
        ],
    )


class EmptyForm(BaseForm):
    """A button that carries only its CSRF token."""
