"""Forms for survey versions (titles, questions), kiosk registration and the officer on duty."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..forms import BaseForm, options
from ..labels import KIOSK_MODE_LABELS, QUESTION_KIND_LABELS, SURVEY_FACTOR_LABELS
from ..models import KioskMode, QuestionKind
from ..units.forms import WholeNumberField
from .instruments import MAX_POINTS, MAX_TEXT_LENGTH, TT01_INDICES, QuestionData

CODE_RULE = r"^[A-Za-z0-9_]+$"
OPTION_FORMAT = "code|points|label vi|label en"


class TitlesForm(BaseForm):
    """The title of a draft version, in both languages."""

    title_vi = StringField(
        _l("Title (Vietnamese)"),
        validators=[
            DataRequired(message=_l("Write the title in Vietnamese.")),
            Length(max=200, message=_l("At most 200 characters.")),
        ],
    )
    title_en = StringField(
        _l("Title (English)"),
        validators=[Length(max=200, message=_l("At most 200 characters."))],
    )


def _mode_choices():
    return options((mode.value, label) for mode, label in KIOSK_MODE_LABELS.items())


def _kind_choices():
    return options((kind.value, label) for kind, label in QUESTION_KIND_LABELS.items())


def _factor_choices():
    return options([("", _l("None (outside the index)")), *SURVEY_FACTOR_LABELS.items()])


def _tt01_choices():
    numbered = [(str(n), _l("Index %(n)d", n=n)) for n in TT01_INDICES]
    return options([("", _l("None")), *numbered])


def options_text(items: list[dict]) -> str:
    """A question's options as the textarea shows them, one "code|points|vi|en" per line."""
    return "\n".join(
        "|".join(
            (o["code"], _points_text(o.get("points")), o.get("label_vi", ""), o.get("label_en", ""))
        )
        for o in items
    )


def _points_text(points) -> str:
    return "" if points is None else str(points)


def parse_options(text: str) -> list[dict]:
    """The options typed one per line; a ValidationError names the first bad line."""
    parsed = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) not in (3, 4):
            raise ValidationError(
                _l(
                    "Line %(n)d: write %(format)s (the English label may be left out).",
                    n=number,
                    format=OPTION_FORMAT,
                )
            )
        code, points, label_vi, label_en = [*parts, ""][:4]
        try:
            # No points: an option of a multi_choice question, which scores nothing.
            value = int(points) if points else None
        except ValueError:
            raise ValidationError(
                _l("Line %(n)d: the points must be a whole number.", n=number)
            ) from None
        parsed.append({"code": code, "points": value, "label_vi": label_vi, "label_en": label_en})
    return parsed


class QuestionForm(BaseForm):
    """One question of a draft. Rules that involve other questions are the service's
    (instruments.check_question), whose refusal shows every problem under its field."""

    code = StringField(
        _l("Code"),
        description=_l("Letters, digits and underscores; unique within the version."),
        validators=[
            DataRequired(message=_l("Give the question a code.")),
            Length(max=40, message=_l("At most 40 characters.")),
            Regexp(CODE_RULE, message=_l("Use letters, digits and underscores only.")),
        ],
    )
    kind = SelectField(
        _l("Kind"),
        choices=_kind_choices,
        default=QuestionKind.LIKERT5.value,
        validators=[InputRequired(message=_l("Choose the kind of question."))],
    )
    text_vi = TextAreaField(
        _l("Question (Vietnamese)"),
        validators=[
            DataRequired(message=_l("Write the question in Vietnamese.")),
            Length(max=2000, message=_l("At most 2000 characters.")),
        ],
    )
    text_en = TextAreaField(
        _l("Question (English)"),
        validators=[Length(max=2000, message=_l("At most 2000 characters."))],
    )
    factor = SelectField(_l("Factor"), choices=_factor_choices, default="")
    tt01_index = SelectField(
        _l("Thông tư 01/2018 index"),
        description=_l("Only for scored choices; points 2, 1, 0 as the circular sets them."),
        choices=_tt01_choices,
        default="",
    )
    required = BooleanField(_l("An answer is required"))
    allows_no_opinion = BooleanField(_l("Offer “no opinion” (1–5 ratings only)"))
    max_length = WholeNumberField(
        _l("Longest answer, in characters (text questions)"),
        invalid_value_message=_l("Enter a whole number of characters."),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_TEXT_LENGTH,
                message=_l("Enter a number from %(min)d to %(max)d."),
            ),
        ],
    )
    options = TextAreaField(
        _l("Options (scored choice and yes / no)"),
        description=_l(
            "One option per line: %(format)s, for example “once|1|Một lần|Once”. Points are "
            "whole numbers from 0 to %(max)d. Leave empty for a 1–5 rating or a text question; "
            "a yes / no question left empty gets Có (1) and Không (0).",
            format=OPTION_FORMAT,
            max=MAX_POINTS,
        ),
        validators=[Length(max=5000, message=_l("At most 5000 characters."))],
        render_kw={"rows": 5},
    )

    def validate_options(self, field):
        """Each line must read as code|points|label vi|label en."""
        self.parsed_options = parse_options(field.data)

    def to_data(self) -> QuestionData:
        """What the service needs, from a validated form."""
        return QuestionData(
            code=self.code.data,
            kind=QuestionKind(self.kind.data),
            text_vi=self.text_vi.data,
            text_en=self.text_en.data or "",
            factor=self.factor.data or "",
            tt01_index=int(self.tt01_index.data) if self.tt01_index.data else None,
            required=self.required.data,
            allows_no_opinion=self.allows_no_opinion.data,
            max_length=self.max_length.data,
            options=self.parsed_options,
        )

    @classmethod
    def for_question(cls, question) -> "QuestionForm":
        """The form filled in from a stored question (for GET)."""
        return cls(
            formdata=None,
            code=question.code,
            kind=question.kind.value,
            text_vi=question.text_vi,
            text_en=question.text_en,
            factor=question.factor,
            tt01_index=str(question.tt01_index or ""),
            required=question.required,
            allows_no_opinion=question.allows_no_opinion,
            max_length=question.max_length if question.kind == QuestionKind.TEXT else None,
            options=options_text(question.options),
        )


class KioskForm(BaseForm):
    """Register a tablet at a counter; the counters are those of the admin's scope."""

    counter_id = SelectField(
        _l("Counter"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose a counter."))],
    )
    label = StringField(
        _l("Label"),
        description=_l("Something to recognise the tablet by, e.g. its asset number."),
        validators=[Length(max=120, message=_l("At most 120 characters."))],
    )
    # Left out by a client that predates the choice: quick, the default.
    mode = SelectField(
        _l("Presentation"),
        choices=_mode_choices,
        default=KioskMode.QUICK.value,
        validators=[Optional()],
    )


class KioskModeForm(BaseForm):
    """Change how one tablet presents the survey."""

    mode = SelectField(
        _l("Presentation"),
        choices=_mode_choices,
        validators=[InputRequired(message=_l("Choose how the tablet presents the survey."))],
    )


class DutyForm(BaseForm):
    """Who serves at one counter now: one of the desk's active officers, or nobody."""

    officer_id = SelectField(_l("Officer on duty"), default="", validate_choice=False)

    def validate_officer_id(self, field):
        """Only an officer offered for this counter (same desk, active) may be chosen."""
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose one of this desk's officers, or nobody."))


class InviteForm(BaseForm):
    """Mời đánh giá: invite the citizen just served to rate at the counter's tablet."""

    dossier_code = StringField(
        _l("Dossier code (optional)"),
        description=_l("As printed on the receipt; the rating is then tied to the dossier."),
        validators=[Length(max=40, message=_l("At most 40 characters."))],
    )
    procedure = StringField(
        _l("Procedure (optional)"),
        validators=[Length(max=120, message=_l("At most 120 characters."))],
    )


class MoveForm(BaseForm):
    """Move a question to a position (the up and down buttons send the position next to it)."""

    position = WholeNumberField(
        _l("Position"),
        invalid_value_message=_l("Enter a whole number."),
        validators=[
            InputRequired(message=_l("Enter a position.")),
            NumberRange(min=1, message=_l("Enter a number from %(min)d on.")),
        ],
    )
