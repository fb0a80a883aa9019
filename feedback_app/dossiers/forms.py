"""Forms for one desk's monthly dossier figures, the list's filter, and the file import."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from ..forms import BaseForm
from ..models.dossiers import FIGURES
from .service import FIGURE_LABELS
from .sheets import MAX_FIELD, MAX_FIGURE, parse_month


def valid_month(form, field) -> None:
    """Validator: a month written as 2025-03 (03/2025 is understood too)."""
    if field.data and parse_month(field.data) is None:
        raise ValidationError(_l("Write the month as 2025-03."))


def _figure(name: str) -> IntegerField:
    """A field for one figure: a whole number of dossiers, 0 or more."""
    return IntegerField(
        FIGURE_LABELS[name],
        validators=[
            InputRequired(message=_l("Write a number (0 if none).")),
            NumberRange(min=0, message=_l("A number of dossiers cannot be negative.")),
            NumberRange(max=MAX_FIGURE, message=_l("At most 10000000.")),
        ],
        render_kw={"inputmode": "numeric", "min": 0},
    )


class FiguresForm(BaseForm):
    """Số liệu hồ sơ of one desk for one month (Biểu 06): entering it again replaces it.

    The desk list is filled by the view (desks within the user's scope).
    """

    service_point_id = SelectField(
        _l("Desk"), coerce=int, validators=[DataRequired(message=_l("Choose a desk."))]
    )
    month = StringField(
        _l("Month"),
        description=_l("As 2025-03."),
        validators=[InputRequired(message=_l("Write the month as 2025-03.")), valid_month],
        render_kw={"placeholder": "2025-03", "inputmode": "numeric"},
    )
    field = StringField(
        _l("Field (lĩnh vực)"),
        description=_l("Leave it empty for all fields together."),
        validators=[Length(max=MAX_FIELD, message=_l("At most 120 characters."))],
    )
    received_total = _figure("received_total")
    received_online = _figure("received_online")
    received_direct = _figure("received_direct")
    received_carried_over = _figure("received_carried_over")
    resolved_total = _figure("resolved_total")
    resolved_early = _figure("resolved_early")
    resolved_on_time = _figure("resolved_on_time")
    resolved_late = _figure("resolved_late")
    pending_total = _figure("pending_total")
    pending_in_time = _figure("pending_in_time")
    pending_overdue = _figure("pending_overdue")

    def figures(self) -> dict[str, int]:
        """The eleven figures as typed (after validation)."""
        return {name: getattr(self, name).data for name in FIGURES}


class FilterForm(BaseForm):
    """The list's month and desk (a GET form: no CSRF token). The desks are filled by the view;
    an unknown desk or month is ignored rather than refused, so a stale link still opens."""

    class Meta:
        csrf = False

    month = StringField(_l("Month"), render_kw={"placeholder": "2025-03"})
    desk = SelectField(_l("Desk"), default="", validate_choice=False)


class ImportForm(BaseForm):
    """A CSV or XLSX file of figures in the template's columns."""

    upload = FileField(
        _l("File (CSV or XLSX)"),
        description=_l("At most 2 MB and 5000 rows, in the template's columns."),
        validators=[FileRequired(message=_l("Choose a CSV or XLSX file."))],
        render_kw={
            "accept": ".csv,.xlsx,text/csv,"
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        },
    )
