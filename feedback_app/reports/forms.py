"""The summary's picker: a period and a unit, kept in the URL (a GET form, shareable)."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import BaseForm, options
from . import periods


class SummaryForm(BaseForm):
    """Kỳ báo cáo và đơn vị. The unit list is filled by the view (units in the user's scope)."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    period = StringField(
        _l("Period"),
        description=_l(
            "A year (2025), half-year (2025-H1), quarter (2025-Q2), month (2025-06) or "
            "range of days (2025-01-01..2025-03-15)."
        ),
        validators=[
            DataRequired(message=_l("Enter a period.")),
            Length(max=40, message=_l("At most 40 characters.")),
        ],
    )
    unit = SelectField(_l("Unit"), validate_choice=False)

    def validate_period(self, field) -> None:
        """The period must be one of the forms the reports read."""
        try:
            self.parsed = periods.parse(field.data or "")
        except periods.PeriodError as exc:
            raise ValidationError(exc.message) from None


class CommentsForm(SummaryForm):
    """The comments list's filters: the summary's period and unit, and an overall rating."""

    rating = SelectField(
        _l("Overall rating"),
        choices=lambda: options(
            [
                ("", _l("All")),
                ("1", _l("1 · Very dissatisfied")),
                ("2", _l("2 · Dissatisfied")),
                ("3", _l("3 · Neutral")),
                ("4", _l("4 · Satisfied")),
                ("5", _l("5 · Very satisfied")),
            ]
        ),
        default="",
    )
