"""Forms for desks, counters and officers, holidays and deadlines."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from ..forms import BaseForm, plausible_date
from ..models import HolidayKind
from .calendar import FIRST_YEAR, LAST_YEAR, MAX_DEADLINE_DAYS, MIN_DEADLINE_DAYS


class ServicePointForm(BaseForm):
    """A desk (Bộ phận Một cửa) of a unit; the unit list is filled by the view (scoped)."""

    unit_id = SelectField(
        _l("Unit"), coerce=int, validators=[DataRequired(message=_l("Choose a unit."))]
    )
    name = StringField(
        _l("Name of the desk"),
        validators=[
            DataRequired(message=_l("Enter the name of the desk.")),
            Length(max=200, message=_l("At most 200 characters.")),
        ],
    )
    address = StringField(
        _l("Address"), validators=[Length(max=300, message=_l("At most 300 characters."))]
    )


class CounterForm(BaseForm):
    """A counter (quầy) of a desk."""

    code = StringField(
        _l("Counter number"),
        validators=[
            DataRequired(message=_l("Enter the counter number.")),
            Length(max=20, message=_l("At most 20 characters.")),
            Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Use letters, digits, dots or dashes.")),
        ],
    )
    name = StringField(
        _l("Description"), validators=[Length(max=120, message=_l("At most 120 characters."))]
    )


class OfficerForm(BaseForm):
    """An officer (công chức) who serves at the desk."""

    name = StringField(
        _l("Full name"),
        validators=[
            DataRequired(message=_l("Enter the officer's name.")),
            Length(max=120, message=_l("At most 120 characters.")),
        ],
    )
    title = StringField(
        _l("Title"), validators=[Length(max=120, message=_l("At most 120 characters."))]
    )


class ToggleForm(BaseForm):
    """An empty form: a button that carries only its CSRF token."""


# --- Holidays and deadlines -----------------------------------------------------------------

HOLIDAY_KIND_LABELS = {
    HolidayKind.HOLIDAY: _l("Holiday (day off)"),
    HolidayKind.MAKEUP_WORKDAY: _l("Make-up working day"),
}


class _OneMessage:
    """Blank input is missing (the required validator speaks); input that cannot be read gets
    only its own message, not a required or range message on top."""

    def process_formdata(self, valuelist):
        if not valuelist or not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        super().pre_validate(form)


class DayField(_OneMessage, DateField):
    """A date typed or picked as YYYY-MM-DD."""


class WholeNumberField(_OneMessage, IntegerField):
    """A whole number."""


class HolidayForm(BaseForm):
    """One row of the working-day calendar: a day off, or a weekend day worked (ngày làm bù)."""

    day = DayField(
        _l("Date"),
        validators=[DataRequired(message=_l("Enter the date.")), plausible_date],
        invalid_value_message=_l("Enter a valid date."),
    )
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter the name of the day.")),
            Length(max=160, message=_l("At most 160 characters.")),
        ],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, label) for kind, label in HOLIDAY_KIND_LABELS.items()],
        coerce=HolidayKind,
        default=HolidayKind.HOLIDAY,
        validators=[DataRequired(message=_l("Choose the kind of day."))],
    )

    def validate_kind(self, field):
        """A make-up working day only makes sense on a day that is otherwise off."""
        day = self.day.data
        if field.data == HolidayKind.MAKEUP_WORKDAY and day is not None and day.weekday() < 5:
            raise ValidationError(_l("A make-up working day must be a Saturday or a Sunday."))


class LoadHolidaysForm(BaseForm):
    """The button that loads Vietnam's public holidays for one year."""

    year = WholeNumberField(
        widget=HiddenInput(),
        invalid_value_message=_l("Choose a year."),
        validators=[
            InputRequired(message=_l("Choose a year.")),
            NumberRange(
                min=FIRST_YEAR,
                max=LAST_YEAR,
                message=_l("Public holidays can be loaded for %(min)d to %(max)d."),
            ),
        ],
    )


def _deadline_field(label, description):
    return WholeNumberField(
        label,
        description=description,
        invalid_value_message=_l("Enter a whole number of working days."),
        validators=[
            InputRequired(message=_l("Enter a number of working days.")),
            NumberRange(
                min=MIN_DEADLINE_DAYS,
                max=MAX_DEADLINE_DAYS,
                message=_l("Enter a number from %(min)d to %(max)d."),
            ),
        ],
    )


class DeadlinesForm(BaseForm):
    """Working days each step may take; field names are the DeadlinePolicy keys."""

    classify = _deadline_field(
        _l("Classify a new case"),
        _l("Working days from receipt to classification."),
    )
    forward = _deadline_field(
        _l("Forward a case outside our competence"),
        _l("Working days from receipt to forwarding (Decree 20/2008: 5)."),
    )
    answer = _deadline_field(
        _l("Answer a case"),
        _l("Working days from receipt to the answer (Law on Citizen Reception, art. 28: 10)."),
    )
