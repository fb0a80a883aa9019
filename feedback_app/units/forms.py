"""Forms for desks, counters and officers."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from ..forms import BaseForm


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
