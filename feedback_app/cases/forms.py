"""Forms for the case list, a new case, and each workflow step."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FileField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import UUID, DataRequired, InputRequired, Length, Optional

from ..forms import BaseForm, options, plausible_date
from ..labels import CASE_CHANNEL_LABELS, CASE_KIND_LABELS, CASE_STATUS_LABELS

_RELOAD = _l("The form is incomplete. Reload the page and try again.")


def _choices(labels: dict, blank=None):
    pairs = [(key.value, label) for key, label in labels.items()]
    return options(([("", blank)] if blank is not None else []) + pairs)


class FilterForm(BaseForm):
    """The list's filters (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    # Unknown values are ignored by the service rather than refused: a stale bookmark still works.
    status = SelectField(
        _l("Status"),
        choices=lambda: _choices(CASE_STATUS_LABELS, _l("All")),
        default="",
        validate_choice=False,
    )
    channel = SelectField(
        _l("Channel"),
        choices=lambda: _choices(CASE_CHANNEL_LABELS, _l("All")),
        default="",
        validate_choice=False,
    )
    kind = SelectField(
        _l("Kind"),
        choices=lambda: _choices(CASE_KIND_LABELS, _l("All")),
        default="",
        validate_choice=False,
    )
    unit = SelectField(_l("Unit"), default="", validate_choice=False)
    overdue = BooleanField(_l("Overdue only"))
    q = StringField(
        _l("Search"),
        description=_l("Words from the content, the subject or the code; accents are optional."),
        validators=[Length(max=100, message=_l("At most 100 characters."))],
    )


class NewCaseForm(BaseForm):
    """A case taken at the desk or from a letter that is not a box slip."""

    form_token = HiddenField(validators=[DataRequired(message=_RELOAD), UUID(message=_RELOAD)])
    service_point_id = SelectField(
        _l("Desk that received it"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose the desk."))],
    )
    received_at = DateTimeLocalField(
        _l("Received at"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional(), plausible_date],
        description=_l("Leave empty for now."),
    )
    kind = SelectField(_l("Kind"), choices=lambda: _choices(CASE_KIND_LABELS))
    subject = StringField(
        _l("Subject"), validators=[Length(max=200, message=_l("At most 200 characters."))]
    )
    content = TextAreaField(
        _l("What the citizen said"),
        validators=[
            InputRequired(message=_l("Write what the citizen said.")),
            Length(max=5000, message=_l("At most 5000 characters.")),
        ],
    )
    sender_name = StringField(
        _l("Sender's name"),
        description=_l("Optional: anonymous unless the citizen wants an answer."),
        validators=[Length(max=120, message=_l("At most 120 characters."))],
    )
    sender_phone = StringField(
        _l("Sender's phone"), validators=[Length(max=20, message=_l("At most 20 characters."))]
    )
    sender_address = StringField(
        _l("Sender's address"),
        validators=[Length(max=300, message=_l("At most 300 characters."))],
    )
    attachment = FileField(
        _l("Scan or photo (optional)"), description=_l("JPEG, PNG or PDF, at most 10 MB.")
    )


class ClassifyForm(BaseForm):
    """Phân loại."""

    kind = SelectField(_l("Kind"), choices=lambda: _choices(CASE_KIND_LABELS))
    subject = StringField(
        _l("Subject"), validators=[Length(max=200, message=_l("At most 200 characters."))]
    )
    note = TextAreaField(
        _l("Note"), validators=[Length(max=2000, message=_l("At most 2000 characters."))]
    )


class AssignForm(BaseForm):
    """Giao xử lý: the unit list is filled by the view (scoped)."""

    unit_id = SelectField(
        _l("Responsible unit"), coerce=int, validators=[DataRequired(message=_l("Choose a unit."))]
    )
    note = TextAreaField(
        _l("Note"), validators=[Length(max=2000, message=_l("At most 2000 characters."))]
    )


class AnswerForm(BaseForm):
    """Trả lời."""

    answer = TextAreaField(
        _l("Answer"),
        validators=[
            InputRequired(message=_l("Write the answer.")),
            Length(max=5000, message=_l("At most 5000 characters.")),
        ],
    )
    publish = BooleanField(_l("Publish the answer on the tracking page"))


class ReasonForm(BaseForm):
    """Từ chối: the reason is required."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[
            InputRequired(message=_l("Give the reason for rejecting it.")),
            Length(max=2000, message=_l("At most 2000 characters.")),
        ],
    )


class ForwardForm(BaseForm):
    """Chuyển đơn vị khác."""

    agency = StringField(
        _l("Forward to (agency)"),
        validators=[
            InputRequired(message=_l("Name the agency it is forwarded to.")),
            Length(max=200, message=_l("At most 200 characters.")),
        ],
    )
    note = TextAreaField(
        _l("Note"), validators=[Length(max=2000, message=_l("At most 2000 characters."))]
    )


class NoteForm(BaseForm):
    """A note in the history, or on closing."""

    note = TextAreaField(
        _l("Note"), validators=[Length(max=2000, message=_l("At most 2000 characters."))]
    )


class EmptyForm(BaseForm):
    """A button with only its CSRF token."""


class BulkForm(BaseForm):
    """Several cases at once: assign them, or answer and close them with one template."""

    codes = SelectMultipleField(
        _l("Cases"), validators=[DataRequired(message=_l("Tick at least one case."))]
    )
    action = SelectField(
        _l("Action"),
        choices=options([("assign", _l("Assign to a unit")), ("close", _l("Answer and close"))]),
    )
    unit_id = SelectField(_l("Responsible unit"), coerce=int, validate_choice=False)
    answer = TextAreaField(
        _l("Answer (for “Answer and close”)"),
        validators=[Length(max=5000, message=_l("At most 5000 characters."))],
    )
    template = SelectField(_l("Answer template"), validate_choice=False)
    publish = BooleanField(_l("Publish the answers"))


class AnswerTemplateForm(BaseForm):
    """Mẫu trả lời."""

    title = StringField(
        _l("Template title"),
        validators=[
            InputRequired(message=_l("Give the template a title.")),
            Length(max=120, message=_l("At most 120 characters.")),
        ],
    )
    body = TextAreaField(
        _l("Answer text"),
        validators=[
            InputRequired(message=_l("Write the answer text.")),
            Length(max=5000, message=_l("At most 5000 characters.")),
        ],
    )
