"""Paper survey forms typed in by clerks (/surveys/paper); the public web survey (/survey/<id>).

Both end in `service.submit`, idempotent on the page's one-time `client_uuid`, so a double click
or a browser resend stores one response. The web survey needs no account; it is throttled per
client address, which lives only as a key in the limiter's storage and is never written to the
database. Each desk's QR code, printed at the counter, opens its web survey.
"""

import io
import uuid
from datetime import date, datetime, time

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db, limiter
from ..forms import show_error
from ..i18n import current_language
from ..models import (
    AdminUnit,
    Counter,
    Instrument,
    InstrumentStatus,
    ResponseChannel,
    ServicePoint,
)
from ..security import in_scope, permission_required
from ..timeutil import from_local, now_utc
from ..units.service import desks_in_scope
from ..urls import external_url
from . import service
from .entry_forms import PaperSurveyForm, WebSurveyForm
from .instruments import active_instrument
from .instruments import find as find_instrument

paper_bp = Blueprint("paper", __name__, template_folder="templates")
survey_bp = Blueprint("survey", __name__, template_folder="templates")

# A paper form carries a day, not a time: it is stored as 09:00 Vietnam time on that day.
PAPER_HOUR = time(9)
# The form's date may be a year old (see entry_forms.PAPER_MAX_AGE); one day of slack for 09:00.
PAPER_MAX_AGE_DAYS = 366
# Paper forms are printed in Vietnamese, whatever language the clerk's screen is in.
PAPER_LANGUAGE = "vi"
# Service errors that belong under a field of the form rather than under a question.
FIELD_OF_ERROR = {"answered_at": "form_date", "dossier_code": "dossier_code"}


# --- Shared ---------------------------------------------------------------------------------


def _instrument(label: str | None) -> Instrument | None:
    """The version the page showed, while it may still be answered; otherwise the active one."""
    shown = find_instrument(label or "")
    if shown is not None and shown.status != InstrumentStatus.DRAFT:
        return shown
    return active_instrument()


def _new_page(form, instrument: Instrument | None) -> None:
    """A fresh one-time identifier for a page that is about to be filled in."""
    form.client_uuid.data = str(uuid.uuid4())
    form.instrument.data = instrument.label if instrument else ""


def _typed_answers() -> dict[str, str]:
    """What was typed or ticked for the questions, to show again beside the errors."""
    return {key: value for key, value in request.form.items() if key.startswith("q_")}


def _payload(form, instrument: Instrument, language: str, answered_at=None) -> dict:
    payload = {
        "client_uuid": form.client_uuid.data,
        "instrument": instrument.label,
        "answers": service.answers_from_form(instrument, request.form),
        "dossier_code": form.dossier_code.data or None,
        "language": language,
    }
    if answered_at is not None:
        payload["answered_at"] = answered_at.isoformat()
    return payload


def _submit(form, payload: dict, where: service.Where) -> tuple[dict | None, bool, dict]:
    """(reply, created, {}) once stored; (None, False, question errors) for invalid input,
    after rolling back and putting the other messages under the form's fields."""
    try:
        reply, created = service.submit(payload, where)
    except service.SubmissionInvalid as exc:
        db.session.rollback()
        questions = {}
        for key, message in exc.errors.items():
            if key.startswith("answers."):
                questions[key] = message
            else:
                show_error(form, FIELD_OF_ERROR.get(key), message)
        return None, False, questions
    return reply, created, {}


def survey_url(point_id: int) -> str:
    """The full address of a desk's web survey, as its QR code carries it."""
    return external_url("survey.show_survey", point_id=point_id)


def qr_svg(url: str) -> bytes:
    """An SVG QR code of an address. Error level M still scans from a scuffed print-out."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="svg", scale=10, xmldecl=False)
    return buffer.getvalue()


# --- Paper forms (Phiếu đánh giá) -------------------------------------------------------------


def paper_answered_at(day: date) -> datetime:
    """09:00 Vietnam time on the form's day, but never later than now: a form dated today and
    typed in before nine must not count as being from the future."""
    return min(from_local(datetime.combine(day, PAPER_HOUR)), now_utc())


def _fill_places(form: PaperSurveyForm) -> dict[int, ServicePoint]:
    """Active desks and counters in the user's scope as the form's choices; desks by id."""
    desks = desks_in_scope(current_user, active_only=True)
    counters = db.session.scalars(
        select(Counter)
        .join(Counter.service_point)
        .join(ServicePoint.unit)
        .where(in_scope(ServicePoint.unit_id, current_user), ServicePoint.active, Counter.active)
        .order_by(AdminUnit.path, ServicePoint.name, Counter.code)
    ).all()
    form.set_places(desks, counters)
    return {desk.id: desk for desk in desks}


def _render_paper(form, instrument, values=None, question_errors=None, status=200):
    return render_template(
        "surveys/paper_form.html",
        form=form,
        instrument=instrument,
        values=values or {},
        question_errors=question_errors or {},
        lang=current_language(),
    ), status


def _date_arg(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


@paper_bp.get("")
@permission_required("enter_paper")
def show_form():
    """Phiếu đánh giá: a blank form for the next paper; ?desk= and ?date= keep the last ones."""
    form = PaperSurveyForm(formdata=None)
    _fill_places(form)
    instrument = active_instrument()
    _new_page(form, instrument)
    form.service_point_id.data = request.args.get("desk", type=int)
    form.form_date.data = _date_arg(request.args.get("date"))
    return _render_paper(form, instrument)


@paper_bp.post("")
@permission_required("enter_paper")
def enter_form():
    """Store one paper form, then show a blank one with the same desk and date."""
    form = PaperSurveyForm()
    desks = _fill_places(form)
    instrument = _instrument(form.instrument.data)
    question_errors = {}
    if instrument is not None and form.validate_on_submit():
        desk = desks[form.service_point_id.data]
        counter = db.session.get(Counter, form.counter_id.data) if form.counter_id.data else None
        where = service.Where(
            channel=ResponseChannel.PAPER,
            service_point=desk,
            counter=counter,
            max_age_days=PAPER_MAX_AGE_DAYS,
        )
        answered_at = paper_answered_at(form.form_date.data)
        payload = _payload(form, instrument, PAPER_LANGUAGE, answered_at)
        reply, created, question_errors = _submit(form, payload, where)
        if reply is not None:
            db.session.commit()
            flash(*_paper_message(reply, created))
            day = form.form_date.data.isoformat()
            return redirect(url_for("paper.show_form", desk=desk.id, date=day))
    return _render_paper(form, instrument, _typed_answers(), question_errors, 400)


def _paper_message(reply: dict, created: bool) -> tuple[str, str]:
    if not created:
        return _("This form was already entered."), "info"
    code = reply.get("case_code")
    if code:
        return _("Form entered. Its comment opened case %(code)s.", code=code), "success"
    return _("Form entered."), "success"


@paper_bp.get("/qr")
@permission_required("view_units")
def list_qr_codes():
    """A printable sheet: each active desk in scope with the QR code of its web survey."""
    sheets = [
        (desk, survey_url(desk.id)) for desk in desks_in_scope(current_user, active_only=True)
    ]
    return render_template("surveys/paper_qr.html", sheets=sheets)


# --- Public web survey ------------------------------------------------------------------------


def _open_desk(point_id: int) -> ServicePoint:
    desk = db.session.get(ServicePoint, point_id)
    if desk is None or not desk.active:
        abort(404)
    return desk


def _render_web(desk, instrument, form, values=None, question_errors=None, status=200):
    return render_template(
        "surveys/web_survey.html",
        desk=desk,
        instrument=instrument,
        form=form,
        values=values or {},
        question_errors=question_errors or {},
        lang=current_language(),
    ), status


@survey_bp.get("/survey/<int:point_id>")
def show_survey(point_id: int):
    """Khảo sát trực tuyến: the desk's survey, opened from the QR code at the counter."""
    desk = _open_desk(point_id)
    instrument = active_instrument()
    if instrument is None:
        abort(404)
    form = WebSurveyForm(formdata=None)
    _new_page(form, instrument)
    return _render_web(desk, instrument, form)


@survey_bp.post("/survey/<int:point_id>")
@limiter.limit(
    lambda: current_app.config["WEB_SURVEY_RATELIMIT"],
    key_func=get_remote_address,
    # Only a stored answer spends the address's allowance: a refused form stores nothing.
    deduct_when=lambda response: response.status_code == 200,
)
def submit_survey(point_id: int):
    """Store the answers and thank the citizen (with the tracking code if a case was opened).
    A resend of the same page shows the same thanks and stores nothing more."""
    desk = _open_desk(point_id)
    form = WebSurveyForm()
    instrument = _instrument(form.instrument.data)
    if instrument is None:
        abort(404)
    question_errors = {}
    if form.validate_on_submit():
        where = service.Where(channel=ResponseChannel.WEB, service_point=desk)
        payload = _payload(form, instrument, current_language())
        reply, _created, question_errors = _submit(form, payload, where)
        if reply is not None:
            db.session.commit()
            return render_template(
                "surveys/web_thanks.html", desk=desk, case_code=reply.get("case_code")
            )
    return _render_web(desk, instrument, form, _typed_answers(), question_errors, 400)


@survey_bp.get("/survey/<int:point_id>/qr.svg")
def qr_code(point_id: int):
    """The QR code of the desk's web survey, to print and put up at the counter."""
    desk = _open_desk(point_id)
    response = Response(qr_svg(survey_url(desk.id)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
