"""Forms around the survey questions: paper forms typed in by clerks, and the public web survey.

The questions themselves are not WTForms fields: they come from the instrument version and are
rendered by the `question_fields` macro and read by `service.answers_from_form`. These forms
carry what surrounds them: the one-time `client_uuid` (a uuid4 made when the page is shown, so
a double click or a browser resend stores one response), the instrument version the page showed,
the dossier code, and for paper forms the desk, counter and date written on the paper.
"""

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import (
    UUID,
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from ..forms import BaseForm, options, plausible_date
from ..timeutil import local_today
from .service import DOSSIER_CODE

# A paper form may be typed in up to a year after the citizen filled it in (boxes are opened
# monthly or quarterly); the service is told 366 days so that 09:00 of the oldest day passes.
PAPER_MAX_AGE = timedelta(days=365)

_RELOAD = _l("The form is incomplete. Reload the page and try again.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def paper_date_in_range(form, field) -> None:
    """The day written on a paper form: not in the future, at most a year ago (Vietnam time)."""
    if field.data is None:
        return
    today = local_today()
    if field.data > today:
        raise ValidationError(_l("The date on the form cannot be in the future."))
    if field.data < today - PAPER_MAX_AGE:
        raise ValidationError(_l("Forms older than a year cannot be entered."))


def _counter_label(counter) -> str:
    """ "<desk> · Counter <code>": counters of every desk share one list."""
    return " · ".join((counter.service_point.name, _("Counter %(code)s", code=counter.code)))


class _SurveyForm(BaseForm):
    """What every survey page sends besides the answers."""

    client_uuid = HiddenField(validators=[DataRequired(message=_RELOAD), UUID(message=_RELOAD)])
    # The "<code>@<version>" the page showed, so answers keep the meaning of the questions seen.
    instrument = HiddenField(
        validators=[DataRequired(message=_RELOAD), Length(max=60, message=_RELOAD)]
    )
    dossier_code = StringField(
        _l("Dossier code (optional)"),
        description=_l("As printed on the receipt, e.g. 000.00.09.H26-250314-0001."),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=40, message=_l("At most 40 characters.")),
            Regexp(
                DOSSIER_CODE,
                message=_l("A dossier code has letters, digits, dots and dashes."),
            ),
        ],
    )


class WebSurveyForm(_SurveyForm):
    """Khảo sát trực tuyến: the public survey a citizen opens from the QR code at the counter."""


class PaperSurveyForm(_SurveyForm):
    """Phiếu đánh giá: one paper form, typed in by an intake clerk.

    The desk and counter lists are filled by the view with `set_places` (the user's scope).
    """

    service_point_id = SelectField(
        _l("Desk"), coerce=int, validators=[DataRequired(message=_l("Choose a desk."))]
    )
    counter_id = SelectField(
        _l("Counter (optional)"),
        description=_l("Only if the form names the counter."),
        coerce=int,
        default=0,
    )
    form_date = DateField(
        _l("Date on the form"),
        description=_l(
            "The day the citizen filled in the form: not in the future, at most a year ago."
        ),
        invalid_value_message=_l("Enter a date such as 2025-03-14."),
        validators=[
            InputRequired(message=_l("Enter the date written on the form.")),
            plausible_date,
            paper_date_in_range,
        ],
    )

    # Counter id → its desk id, filled by set_places (replaced there, never mutated).
    _counter_desk: dict[int, int] = {}

    def set_places(self, desks, counters) -> None:
        """Desk and counter choices; each counter is labelled with its desk."""
        self.service_point_id.choices = options((d.id, d.name) for d in desks)
        self.counter_id.choices = options(
            [(0, "—")] + [(c.id, _counter_label(c)) for c in counters]
        )
        self._counter_desk = {c.id: c.service_point_id for c in counters}

    def validate_counter_id(self, field) -> None:
        """A counter must belong to the chosen desk."""
        if field.data and self._counter_desk.get(field.data) != self.service_point_id.data:
            raise ValidationError(_l("This counter is not at the chosen desk."))
