"""Forms of the operator console and the hotline admin pages.

The form that logs a call carries a one-time `form_token` (a uuid4 made when the form is shown):
the service keys the call on it, so a double click or a resend never stores a second call.
"""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import UUID, DataRequired, InputRequired, Length, Optional, ValidationError

from ..forms import BaseForm, options, plausible_date
from ..labels import CALL_OUTCOME_LABELS
from .queries import CallView

_RELOAD = _l("The form is incomplete. Reload the page and try again.")
MAX_CASE_CODE = 20
MAX_SUMMARY = 5000
# A call longer than this is a typing mistake, not a call.
MAX_DURATION_SECONDS = 5 * 3600
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]+")
_PHONE = re.compile(r"\+?[0-9]{3,15}")
_MIN_SEC = re.compile(r"([0-9]{1,3}):([0-5][0-9])")
_SECONDS = re.compile(r"[0-9]{1,5}")


def clean_phone(text: str | None) -> str:
    """A number as stored: spaces, dots, dashes and brackets removed."""
    return _PHONE_SEPARATORS.sub("", text or "")


def parse_duration(text: str | None) -> int | None:
    """Seconds from "5:30" (minutes:seconds) or "330" (seconds); None when it reads as neither."""
    text = (text or "").strip()
    if match := _MIN_SEC.fullmatch(text):
        return int(match.group(1)) * 60 + int(match.group(2))
    if _SECONDS.fullmatch(text):
        return int(text)
    return None


def _phone(form, field) -> None:
    """Validator: a phone number of 3 to 15 digits, maybe after a "+"."""
    if field.data and not _PHONE.fullmatch(clean_phone(field.data)):
        raise ValidationError(_l("Enter a phone number of digits only, such as 0912345678."))


def _duration(form, field) -> None:
    seconds = parse_duration(field.data)
    if seconds is None:
        raise ValidationError(_l("Enter the duration as minutes:seconds (5:30) or seconds (330)."))
    if seconds > MAX_DURATION_SECONDS:
        raise ValidationError(_l("A call cannot last more than 5 hours."))


def _token_field() -> HiddenField:
    return HiddenField(validators=[DataRequired(message=_RELOAD), UUID(message=_RELOAD)])


def _case_code_field(label, description=None, required=False) -> StringField:
    first = (
        DataRequired(message=_l("Enter the code of the case."))
        if required
        else Optional(strip_whitespace=True)
    )
    return StringField(
        label,
        description=description,
        validators=[first, Length(max=MAX_CASE_CODE, message=_l("At most 20 characters."))],
    )


class CallForm(BaseForm):
    """Ghi nhận cuộc gọi: a call the operator took on an ordinary phone. The unit list is filled
    by the view (units in the user's scope)."""

    form_token = _token_field()
    number = StringField(
        _l("Caller's number"),
        description=_l("Leave empty if the caller hid the number."),
        render_kw={"inputmode": "tel", "autocomplete": "off"},
        validators=[Length(max=32, message=_l("At most 32 characters.")), _phone],
    )
    started_at = DateTimeLocalField(
        _l("Time of the call"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        description=_l("Vietnam time. It cannot be in the future."),
        invalid_value_message=_l("Enter a date and time such as 2025-03-14 09:30."),
        validators=[InputRequired(message=_l("Enter when the call was taken.")), plausible_date],
    )
    duration = StringField(
        _l("Duration"),
        description=_l("Minutes and seconds (5:30) or seconds (330)."),
        render_kw={"inputmode": "numeric"},
        validators=[InputRequired(message=_l("Enter how long the call lasted.")), _duration],
    )
    topic = StringField(
        _l("Topic"),
        description=_l("In a few words, e.g. “Hỏi thủ tục cấp bản sao”."),
        validators=[
            DataRequired(message=_l("Write what the call was about.")),
            Length(max=200, message=_l("At most 200 characters.")),
        ],
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l("What the caller said and what you answered."),
        validators=[Length(max=MAX_SUMMARY, message=_l("At most 5000 characters."))],
    )
    outcome = SelectField(
        _l("Outcome"),
        choices=lambda: options((key.value, label) for key, label in CALL_OUTCOME_LABELS.items()),
        validators=[DataRequired(message=_l("Choose the outcome."))],
    )
    case_code = _case_code_field(
        _l("Existing case (optional)"),
        _l("The tracking code of a case this call is about, e.g. AB23CD45."),
    )
    open_case = BooleanField(_l("Open a new case from this call"))
    unit_id = SelectField(
        _l("Unit"),
        coerce=int,
        description=_l("The unit whose cases this call belongs to."),
        validators=[DataRequired(message=_l("Choose a unit."))],
    )


class LinkForm(BaseForm):
    """Link a call to a case by its tracking code."""

    case_code = _case_code_field(_l("Case code"), required=True)


class TranscriptForm(BaseForm):
    """What the caller said in a voicemail, written down by the operator."""

    transcript = TextAreaField(
        _l("Transcript"),
        description=_l("Write what the caller said. It replaces the case's text."),
        validators=[
            DataRequired(message=_l("Write what the caller said.")),
            Length(max=MAX_SUMMARY, message=_l("At most 5000 characters.")),
        ],
    )
    # Where to go back to: the case page the form was on, or the call's page.
    back = HiddenField()


class DayFilterForm(BaseForm):
    """A list's day filter (a GET form: no CSRF token); the message list has no other."""

    class Meta:
        csrf = False

    day = DateField(
        _l("Day"),
        validators=[Optional(), plausible_date],
        invalid_value_message=_l("Enter a date such as 2025-03-14."),
    )


class CallFilterForm(DayFilterForm):
    """The call list's filters: the day, and which calls."""

    view = SelectField(
        _l("Show"),
        choices=lambda: options(
            [
                (CallView.ALL.value, _l("All calls")),
                (CallView.MISSED.value, _l("Missed calls not called back")),
                (CallView.VOICEMAIL.value, _l("Voicemails to transcribe")),
                (CallView.CALLBACK.value, _l("Call-backs due")),
            ]
        ),
        default="",
        validate_choice=False,
    )


class LineForm(BaseForm):
    """A hotline line. The unit list is filled by the view (units in the admin's scope)."""

    number = StringField(
        _l("Hotline number"),
        description=_l("As the telephone provider writes it, e.g. +842438581234."),
        validators=[
            DataRequired(message=_l("Enter the hotline number.")),
            Length(max=32, message=_l("At most 32 characters.")),
            _phone,
        ],
    )
    label = StringField(
        _l("Name"),
        description=_l("e.g. “Đường dây nóng quận Thanh Xuân”."),
        validators=[Length(max=120, message=_l("At most 120 characters."))],
    )
    unit_id = SelectField(
        _l("Unit"),
        coerce=int,
        description=_l("Calls and messages to this number become this unit's cases."),
        validators=[DataRequired(message=_l("Choose a unit."))],
    )
    operator_number = StringField(
        _l("Operator's phone"),
        description=_l(
            "Where a caller who presses 0 is put through during opening hours. "
            "Leave empty to offer voicemail instead."
        ),
        validators=[Length(max=32, message=_l("At most 32 characters.")), _phone],
    )
    active = BooleanField(_l("Active"), default=True)


class PromptForm(BaseForm):
    """An MP3 or WAV recording for one prompt of the voice menu."""

    audio = FileField(
        _l("Recording (MP3 or WAV, at most 5 MB)"),
        render_kw={"accept": "audio/mpeg,audio/wav,.mp3,.wav"},
    )


class EmptyForm(BaseForm):
    """A button that carries only its CSRF token."""
