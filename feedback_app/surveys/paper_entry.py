"""Paper survey forms (Phiếu đánh giá) typed in by clerks (/surveys/paper), and the printable
sheet of each desk's web-survey QR code (/surveys/paper/qr).

A clerk types in one paper after another: after each, a blank form keeps the desk and the date.
"""

from datetime import date, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..i18n import current_language
from ..models import AdminUnit, Counter, ResponseChannel, ServicePoint
from ..security import in_scope, permission_required
from ..timeutil import from_local, now_utc
from ..units.service import desks_in_scope
from . import entry_pages, service
from .entry_forms import PaperSurveyForm
from .instruments import active_instrument, shown_or_active
from .web_survey import survey_url

bp = Blueprint("paper", __name__, template_folder="templates")

# A paper form carries a day, not a time: it is stored as 09:00 Vietnam time on that day.
PAPER_HOUR = time(9)
# The form's date may be a year old (see entry_forms.PAPER_MAX_AGE); one day of slack for 09:00.
PAPER_MAX_AGE_DAYS = 366
# Paper forms are printed in Vietnamese, whatever language the clerk's screen is in.
PAPER_LANGUAGE = "vi"


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


@bp.get("")
@permission_required("enter_paper")
def show_form():
    """Phiếu đánh giá: a blank form for the next paper; ?desk= and ?date= keep the last ones."""
    form = PaperSurveyForm(formdata=None)
    _fill_places(form)
    instrument = active_instrument()
    entry_pages.new_page(form, instrument)
    form.service_point_id.data = request.args.get("desk", type=int)
    form.form_date.data = _date_arg(request.args.get("date"))
    return _render_paper(form, instrument)


@bp.post("")
@permission_required("enter_paper")
def enter_form():
    """Store one paper form, then show a blank one with the same desk and date."""
    form = PaperSurveyForm()
    desks = _fill_places(form)
    instrument = shown_or_active(form.instrument.data)
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
        sent = entry_pages.submission(form, instrument, PAPER_LANGUAGE, answered_at)
        reply, created, question_errors = entry_pages.store(form, sent, where)
        if reply is not None:
            flash(*_paper_message(reply, created))
            day = form.form_date.data.isoformat()
            return redirect(url_for("paper.show_form", desk=desk.id, date=day))
    return _render_paper(form, instrument, entry_pages.typed_answers(), question_errors, 400)


def _paper_message(reply: dict, created: bool) -> tuple[str, str]:
    if not created:
        return _("This form was already entered."), "info"
    code = reply.get("case_code")
    if code:
        return _("Form entered. Its comment opened case %(code)s.", code=code), "success"
    return _("Form entered."), "success"


@bp.get("/qr")
@permission_required("view_units")
def list_qr_codes():
    """A printable sheet: each active desk in scope with the QR code of its web survey."""
    sheets = [
        (desk, survey_url(desk.id)) for desk in desks_in_scope(current_user, active_only=True)
    ]
    return render_template("surveys/paper_qr.html", sheets=sheets)
