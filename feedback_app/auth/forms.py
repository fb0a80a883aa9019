"""Forms for signing in and managing staff accounts."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms import BaseForm, options
from ..labels import ROLE_LABELS
from ..models import Role

USERNAME_RULE = Regexp(
    r"^[a-z0-9._-]+$",
    message=_l("Use lower-case letters, digits, dots, dashes or underscores only."),
)


class LoginForm(BaseForm):
    """Đăng nhập."""

    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(message=_l("Enter your username.")),
            Length(max=64, message=_l("A username has at most 64 characters.")),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=256, message=_l("A password has at most 256 characters.")),
        ],
    )


def _role_choices():
    return options((role.value, ROLE_LABELS[role]) for role in Role)


class UserForm(BaseForm):
    """Create or edit a staff account; the unit list is filled by the view (scoped)."""

    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(message=_l("Enter a username.")),
            Length(min=3, max=64, message=_l("A username has 3 to 64 characters.")),
            USERNAME_RULE,
        ],
    )
    full_name = StringField(
        _l("Full name"),
        validators=[Length(max=120, message=_l("A name has at most 120 characters."))],
    )
    role = SelectField(
        _l("Role"),
        choices=_role_choices,
        validators=[DataRequired(message=_l("Choose a role."))],
    )
    unit_id = SelectField(
        _l("Unit"),
        coerce=int,
        validate_choice=True,
        validators=[DataRequired(message=_l("Choose a unit."))],
    )
    password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters. Leave empty to keep the current password."),
        validators=[
            Optional(),
            Length(min=10, max=256, message=_l("A password has 10 to 256 characters.")),
        ],
    )
    active = BooleanField(_l("Account active"), default=True)
