"""The operator console (bàn trực đường dây nóng) and the hotline admin pages, under /hotline.

The console needs "hotline" (operators, admins); lines and recorded voice prompts need
"manage_units" (admins). Calls and messages are read through the user's unit scope
(queries.py), so another ward's call is a 404 and never appears in a list. Phone numbers are
masked in every list; a call's own page shows the full number, which the operator needs to call
back. The webhooks share the /hotline prefix (webhooks.py); none of these rules clash with them.
"""

import uuid
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..cases import service as cases
from ..changes import commit_or_show
from ..extensions import db
from ..forms import form_key, show_error
from ..models import AdminUnit, CallOutcome, HotlineCall, HotlineLine
from ..pagination import page_arg
from ..security import permission_required
from ..timeutil import LOCAL_TZ, from_local, local_today, now_utc
from ..units.service import unit_options, units_in_scope
from . import case_panel, lines, prompts, queries, service
from .forms import (
    CallFilterForm,
    CallForm,
    DayFilterForm,
    EmptyForm,
    LineForm,
    LinkForm,
    PromptForm,
    TranscriptForm,
    clean_phone,
    parse_duration,
)

bp = Blueprint("hotline", __name__, template_folder="templates")
bp.record_once(case_panel.register)  # the calls panel on the case page

PAGE_SIZE = 50


def _call(call_id: int) -> HotlineCall:
    call = queries.call_in_scope(current_user, call_id)
    if call is None:
        abort(404)
    return call


def _no_case_message() -> str:
    return _("No case with this code in your units.")


# --- The console -------------------------------------------------------------------------------


@bp.get("/")
@permission_required("hotline")
def console():
    """Today's calls and messages, missed calls, voicemails to transcribe, call-backs due."""
    return render_template(
        "hotline/console.html",
        data=queries.console(current_user, local_today()),
        is_overdue=queries.is_overdue,
    )


def _view(value: str | None) -> queries.CallView:
    try:
        return queries.CallView(value or "")
    except ValueError:
        return queries.CallView.ALL


@bp.get("/calls")
@permission_required("hotline")
def list_calls():
    """Every call in scope, newest first (call-backs by due time), 50 a page."""
    form = CallFilterForm(request.args)
    valid = form.validate()
    view = _view(form.view.data)
    calls, has_next = queries.calls_page(
        current_user, page_arg(), PAGE_SIZE, day=form.day.data if valid else None, view=view
    )
    return render_template(
        "hotline/calls.html",
        form=form,
        calls=calls,
        view=view,
        page=page_arg(),
        has_next=has_next,
        now=now_utc(),
        is_overdue=queries.is_overdue,
    ), (200 if valid else 400)


@bp.get("/messages")
@permission_required("hotline")
def list_messages():
    """Every SMS in scope, newest first, 50 a page."""
    form = DayFilterForm(request.args)
    valid = form.validate()
    messages, has_next = queries.messages_page(
        current_user, page_arg(), PAGE_SIZE, day=form.day.data if valid else None
    )
    return render_template(
        "hotline/messages.html", form=form, messages=messages, page=page_arg(), has_next=has_next
    ), (200 if valid else 400)


# --- A call taken by hand ----------------------------------------------------------------------


def _manual_call(form: CallForm, units: list[AdminUnit]) -> service.ManualCall:
    """The call as typed, its case code resolved in the user's scope; HotlineError naming the
    field when the code is unknown, or given beside "open a new case"."""
    code = cases.normalise_code(form.case_code.data)
    case = None
    if code:
        if form.open_case.data:
            raise service.HotlineError(
                _("Either give the code of an existing case or open a new one, not both."),
                "open_case",
            )
        case = queries.case_in_scope(current_user, code)
        if case is None:
            raise service.HotlineError(_no_case_message(), "case_code")
    return service.ManualCall(
        token=form_key(form),
        number=clean_phone(form.number.data),
        started_at=from_local(form.started_at.data),
        duration_seconds=parse_duration(form.duration.data) or 0,
        topic=form.topic.data.strip(),
        summary=(form.summary.data or "").strip(),
        outcome=CallOutcome(form.outcome.data),
        unit=next(u for u in units if u.id == form.unit_id.data),
        case=case,
        open_case=bool(form.open_case.data),
    )


@bp.route("/calls/new", methods=["GET", "POST"])
@permission_required("hotline")
def log_call():
    """Ghi nhận cuộc gọi: a call taken on an ordinary phone; a resend finds the first one."""
    units = units_in_scope(current_user)
    form = CallForm()
    form.unit_id.choices = unit_options(units)
    if request.method == "GET":
        form.form_token.data = str(uuid.uuid4())
        form.started_at.data = datetime.now(LOCAL_TZ).replace(tzinfo=None, second=0, microsecond=0)
        form.unit_id.data = current_user.unit_id
    if form.validate_on_submit() and (
        done := commit_or_show(
            form, lambda: service.log_call(_manual_call(form, units), current_user)
        )
    ):
        call, created = done.value
        if created:
            flash(_("Call logged."), "success")
        else:
            flash(_("This form was already sent; here is the call it logged."), "info")
        return redirect(url_for("hotline.show_call", call_id=call.id))
    status = 400 if request.method == "POST" else 200
    return render_template("hotline/call_form.html", form=form), status


# --- One call ----------------------------------------------------------------------------------


def _render_call(call: HotlineCall, status: int = 200, **forms):
    now = now_utc()
    context = {
        "link": LinkForm(formdata=None),
        "transcript": TranscriptForm(formdata=None, transcript=call.transcript or ""),
        "empty": EmptyForm(formdata=None),
        **forms,
    }
    return render_template(
        "hotline/call.html",
        call=call,
        overdue=queries.is_overdue(call, now),
        **context,
    ), status


@bp.get("/calls/<int:call_id>")
@permission_required("hotline")
def show_call(call_id: int):
    """One call: status, times, menu choices, notes, case, voicemail and call-back."""
    return _render_call(_call(call_id))


@bp.post("/calls/<int:call_id>/link")
@permission_required("hotline")
def link_call(call_id: int):
    """Link the call to a case in scope, by the case's code."""
    call = _call(call_id)
    form = LinkForm()
    if form.validate_on_submit():
        case = queries.case_in_scope(current_user, cases.normalise_code(form.case_code.data))
        if case is None:
            show_error(form, "case_code", _no_case_message())
        else:
            service.link_case(call, case, current_user)
            db.session.commit()
            flash(_("The call is linked to case %(code)s.", code=case.code), "success")
            return redirect(url_for("hotline.show_call", call_id=call.id))
    return _render_call(call, 400, link=form)


@bp.post("/calls/<int:call_id>/unlink")
@permission_required("hotline")
def unlink_call(call_id: int):
    """Detach the call from its case (the case's history keeps both steps)."""
    call = _call(call_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if call.case is not None:
        service.unlink_case(call, current_user)
        db.session.commit()
        flash(_("The call is no longer linked to a case."), "success")
    return redirect(url_for("hotline.show_call", call_id=call.id))


@bp.post("/calls/<int:call_id>/callback-done")
@permission_required("hotline")
def callback_done(call_id: int):
    """The citizen was called back: off the call-back list."""
    call = _call(call_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.callback_done(call, current_user)
    db.session.commit()
    flash(_("Marked as called back."), "success")
    return redirect(url_for("hotline.show_call", call_id=call.id))


@bp.post("/calls/<int:call_id>/transcript")
@permission_required("hotline")
def transcribe_call(call_id: int):
    """Save the voicemail's transcript; it becomes the linked case's text."""
    call = _call(call_id)
    form = TranscriptForm()
    if form.validate_on_submit():
        if commit_or_show(
            form, lambda: service.transcribe(call, form.transcript.data, current_user)
        ):
            flash(_("Transcript saved."), "success")
            if form.back.data == "case" and call.case is not None:
                return redirect(url_for("cases.show_case", code=call.case.code))
            return redirect(url_for("hotline.show_call", call_id=call.id))
        call = _call(call_id)  # as it is after the rollback
    return _render_call(call, 400, transcript=form)


# --- Lines (admin) -----------------------------------------------------------------------------


@bp.get("/lines")
@permission_required("manage_units")
def list_lines():
    """The hotline numbers of the admin's units."""
    return render_template("hotline/lines.html", lines=queries.lines_in_scope(current_user))


def _line_data(form: LineForm, units: list[AdminUnit]) -> lines.LineData:
    return lines.LineData(
        number=clean_phone(form.number.data),
        label=(form.label.data or "").strip(),
        unit=next(u for u in units if u.id == form.unit_id.data),
        operator_number=clean_phone(form.operator_number.data),
        active=bool(form.active.data),
    )


def _save_line(form: LineForm, line: HotlineLine | None):
    """Validate and save a line form; a redirect when saved, else None (errors on the form)."""
    units = units_in_scope(current_user)
    form.unit_id.choices = unit_options(units)
    if not form.validate_on_submit():
        return None
    data = _line_data(form, units)
    if line is None:
        done = commit_or_show(form, lambda: lines.create_line(data, current_user))
        message = _("Line added.")
    else:
        done = commit_or_show(form, lambda: lines.update_line(line, data, current_user))
        message = _("Line saved.")
    if not done:
        return None
    flash(message, "success")
    return redirect(url_for("hotline.list_lines"))


@bp.route("/lines/new", methods=["GET", "POST"])
@permission_required("manage_units")
def create_line():
    """Add a hotline number."""
    form = LineForm()
    if request.method == "GET":
        form.unit_id.data = current_user.unit_id
    done = _save_line(form, None)
    if done is not None:
        return done
    status = 400 if request.method == "POST" else 200
    return render_template("hotline/line_form.html", form=form, line=None), status


@bp.route("/lines/<int:line_id>", methods=["GET", "POST"])
@permission_required("manage_units")
def edit_line(line_id: int):
    """Change a line's number, name, unit, operator's phone, or switch it off."""
    line = queries.line_in_scope(current_user, line_id)
    if line is None:
        abort(404)
    form = LineForm(obj=line if request.method == "GET" else None)
    done = _save_line(form, line)
    if done is not None:
        return done
    if request.method == "POST":
        line = queries.line_in_scope(current_user, line_id)
    status = 400 if request.method == "POST" else 200
    return render_template("hotline/line_form.html", form=form, line=line), status


# --- Recorded voice prompts (admin) ------------------------------------------------------------


def _render_prompts(status: int = 200, errors: dict[str, str] | None = None):
    rows = []
    for key, label in prompts.PROMPTS.items():
        path = prompts.path(key)
        version = int(path.stat().st_mtime) if path is not None else None
        rows.append({"key": key, "label": label, "version": version})
    return render_template(
        "hotline/prompts.html",
        rows=rows,
        errors=errors or {},
        form=PromptForm(formdata=None),
        empty=EmptyForm(formdata=None),
    ), status


def _prompt_key(key: str) -> str:
    if key not in prompts.PROMPTS:
        abort(404)
    return key


@bp.get("/voice-prompts")
@permission_required("manage_units")
def list_prompts():
    """Each prompt of the voice menu: the synthetic voice, or the recording uploaded for it."""
    return _render_prompts()


@bp.post("/voice-prompts/<key>")
@permission_required("change_shared_settings")
def upload_prompt(key: str):
    """Upload an MP3 or WAV that the voice menu plays instead of the synthetic voice."""
    key = _prompt_key(key)
    form = PromptForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.audio.data
    if upload is None or not getattr(upload, "filename", ""):
        return _render_prompts(400, {key: _("Choose a file to upload.")})
    data = upload.read(prompts.MAX_PROMPT_BYTES + 1)
    if not commit_or_show(form, lambda: prompts.save(key, data, current_user)):
        return _render_prompts(400, {key: form.audio.errors[0]})
    flash(_("Recording saved for “%(prompt)s”.", prompt=prompts.PROMPTS[key]), "success")
    return redirect(url_for("hotline.list_prompts"))


@bp.post("/voice-prompts/<key>/remove")
@permission_required("change_shared_settings")
def remove_prompt(key: str):
    """Go back to the synthetic voice for one prompt."""
    key = _prompt_key(key)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if prompts.revert(key, current_user):
        db.session.commit()
        flash(
            _("“%(prompt)s” uses the synthetic voice again.", prompt=prompts.PROMPTS[key]), "info"
        )
    return redirect(url_for("hotline.list_prompts"))
