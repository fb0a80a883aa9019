"""WTForms' own messages, routed through our catalogue: WTForms ships no Vietnamese."""

from collections.abc import Iterable

from flask import flash
from flask_babel import gettext, lazy_gettext, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from .errors import UserError
from .textutil import clean_text


class _BabelTranslations:
    """The object WTForms asks for translations; it answers from our catalogue."""

    def gettext(self, string: str) -> str:
        return gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return ngettext(singular, plural, n)


def _cleaned(value):
    """A typed text as it is stored: see textutil.clean_text (None stays None)."""
    return clean_text(value) if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """Every form of the app: CSRF from Flask-WTF, WTForms' messages in the user's language,
    and every text field cleaned (NFC, no control characters) before it is validated."""

    class Meta:
        def get_translations(self, form):
            return _BabelTranslations()

        def bind_field(self, form, unbound_field, options):
            """Text fields (not passwords, which are kept exactly as typed) get the cleaning
            filter, so no form can store a control character, whatever view reads it."""
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                filters = unbound_field.kwargs.get("filters") or ()
                options = {**options, "filters": (_cleaned, *filters)}
            return unbound_field.bind(form=form, **options)


def options(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """Select choices from (value, label) pairs, in the form WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]


# The years a date typed by staff may have: outside them the date is a typing mistake (year
# 0001 cannot even be converted to UTC, and a day in 9999 has no next day to end a range).
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


def plausible_date(form, field) -> None:
    """Validator for typed dates and times: from the year 2000 to 2100."""
    if field.data is not None and field.data.year < EARLIEST_YEAR:
        raise ValidationError(lazy_gettext("Enter a date from the year 2000 on."))
    if field.data is not None and field.data.year > LATEST_YEAR:
        raise ValidationError(lazy_gettext("Enter a date no later than the year 2100."))


def form_key(form) -> str:
    """The idempotency key of a form that creates something: its one-time token, bound to the
    signed-in user. A token copied from another user's page then names nothing of theirs: it can
    neither replay their record nor reveal where it is."""
    return f"{current_user.id}:{form.form_token.data}"


def show_user_error(form, error: UserError) -> None:
    """A service's UserError under the field it names, or at the top of the page (every
    problem it carries, each where it belongs)."""
    for field_name, message in error.by_field:
        show_error(form, field_name, message)


def show_error(form, field_name: str | None, message: str) -> None:
    """Put a service's error under its field, or flash it at the top of the page."""
    field = getattr(form, field_name or "", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, message]
    else:
        flash(message, "error")


def _catalogue_entries() -> None:  # pragma: no cover - only read by `pybabel extract`
    """Lists WTForms' built-in messages so that extraction puts them in messages.pot."""
    (gettext("Invalid field name '%s'."),)
    (gettext("Field must be equal to %(other_name)s."),)
    (
        ngettext(
            "Field must be at least %(min)d character long.",
            "Field must be at least %(min)d characters long.",
            1,
        ),
    )
    (
        ngettext(
            "Field cannot be longer than %(max)d character.",
            "Field cannot be longer than %(max)d characters.",
            1,
        ),
    )
    (
        ngettext(
            "Field must be exactly %(max)d character long.",
            "Field must be exactly %(max)d characters long.",
            1,
        ),
    )
    (gettext("Field must be between %(min)d and %(max)d characters long."),)
    (gettext("Number must be at least %(min)s."),)
    (gettext("Number must be at most %(max)s."),)
    (gettext("Number must be between %(min)s and %(max)s."),)
    (gettext("Date must be at least %(min)s."),)
    (gettext("Date must be at most %(max)s."),)
    (gettext("Date must be between %(min)s and %(max)s."),)
    (gettext("This field is required."),)
    (gettext("Invalid input."),)
    (gettext("Invalid email address."),)
    (gettext("Invalid IP address."),)
    (gettext("Invalid Mac address."),)
    (gettext("Invalid URL."),)
    (gettext("Invalid UUID."),)
    (gettext("Invalid value, must be one of: %(values)s."),)
    (gettext("Invalid value, can't be any of: %(values)s."),)
    (gettext("This field cannot be edited."),)
    (gettext("This field is disabled and cannot have a value."),)
    (gettext("Invalid CSRF Token."),)
    (gettext("CSRF token missing."),)
    (gettext("CSRF failed."),)
    (gettext("CSRF token expired."),)
    (gettext("Invalid Choice: could not coerce."),)
    (gettext("Choices cannot be None."),)
    (gettext("Not a valid choice."),)
    (gettext("Invalid choice(s): one or more data inputs could not be coerced."),)
    (
        ngettext(
            "'%(value)s' is not a valid choice for this field.",
            "'%(value)s' are not valid choices for this field.",
            1,
        ),
    )
    (gettext("Not a valid datetime value."),)
    (gettext("Not a valid date value."),)
    (gettext("Not a valid time value."),)
    (gettext("Not a valid week value."),)
    (gettext("Not a valid integer value."),)
    (gettext("Not a valid decimal value."),)
    (gettext("Not a valid float value."),)
