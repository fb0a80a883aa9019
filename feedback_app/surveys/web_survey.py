"""The public web survey (/survey/<desk id>): Khảo sát trực tuyến, opened from the QR code
printed at each desk's counter.

It needs no account. It is throttled per client address, which lives only as a key in the
limiter's storage and is never written to the database.
"""

import io

import segno
from flask import Blueprint, Response, abort, current_app, render_template
from flask_limiter.util import get_remote_address

from ..extensions import db, limiter
from ..i18n import current_language
from ..models import ResponseChannel, ServicePoint
from ..urls import external_url
from . import entry_pages, service
from .entry_forms import WebSurveyForm
from .instruments import active_instrument, shown_or_active

bp = Blueprint("web_survey", __name__, template_folder="templates")


def survey_url(point_id: int) -> str:
    """The full address of a desk's web survey, as its QR code carries it."""
    return external_url("web_survey.show_survey", point_id=point_id)


def qr_svg(url: str) -> bytes:
    """An SVG QR code of an address. Error level M still scans from a scuffed print-out."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="svg", scale=10, xmldecl=False)
    return buffer.getvalue()


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


@bp.get("/survey/<int:point_id>")
def show_survey(point_id: int):
    """Khảo sát trực tuyến: the desk's survey, opened from the QR code at the counter."""
    desk = _open_desk(point_id)
    instrument = active_instrument()
    if instrument is None:
        abort(404)
    form = WebSurveyForm(formdata=None)
    entry_pages.new_page(form, instrument)
    return _render_web(desk, instrument, form)


@bp.post("/survey/<int:point_id>")
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
    instrument = shown_or_active(form.instrument.data)
    if instrument is None:
        abort(404)
    question_errors = {}
    if form.validate_on_submit():
        where = service.Where(channel=ResponseChannel.WEB, service_point=desk)
        sent = entry_pages.submission(form, instrument, current_language())
        reply, _created, question_errors = entry_pages.store(form, sent, where)
        if reply is not None:
            return render_template(
                "surveys/web_thanks.html", desk=desk, case_code=reply.get("case_code")
            )
    return _render_web(desk, instrument, form, entry_pages.typed_answers(), question_errors, 400)


@bp.get("/survey/<int:point_id>/qr.svg")
def qr_code(point_id: int):
    """The QR code of the desk's web survey, to print and put up at the counter."""
    desk = _open_desk(point_id)
    response = Response(qr_svg(survey_url(desk.id)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
