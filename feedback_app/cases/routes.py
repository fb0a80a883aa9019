"""Staff pages for cases (/cases) and the public tracking page (/track)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import storage
from ..changes import commit_or_show
from ..extensions import db, limiter
from ..forms import form_key, options
from ..hardening import MAX_DB_INT
from ..models import AdminUnit, AnswerTemplate, Attachment, Case, ServicePoint
from ..pagination import page_arg
from ..security import can, in_scope, permission_required
from ..timeutil import from_local, local_today
from ..units.service import desks_in_scope, unit_options, units_in_scope
from . import panels, service, verdicts
from .forms import (
    AnswerForm,
    AnswerTemplateForm,
    AssignForm,
    BulkForm,
    ClassifyForm,
    EmptyForm,
    FilterForm,
    ForwardForm,
    NewCaseForm,
    NoteForm,
    ReasonForm,
)

bp = Blueprint("cases", __name__, template_folder="templates")
public_bp = Blueprint("track", __name__, template_folder="templates")

PAGE_SIZE = 50


def _scoped_case(code: str) -> Case:
    """The case with this code if the user's scope covers it; 404 otherwise."""
    return db.first_or_404(
        select(Case).where(
            Case.code == service.normalise_code(code), in_scope(Case.unit_id, current_user)
        )
    )


@bp.get("/")
@permission_required("view_cases")
def list_cases():
    """Danh sách: scoped, filtered, newest first, 50 a page; overdue ones stand out."""
    units = units_in_scope(current_user)
    form = FilterForm(request.args)
    form.unit.choices = options([("", _("All"))]) + unit_options(units, as_text=True)
    page = page_arg()
    filters = service.CaseFilters()
    if form.validate():
        filters = service.filters_from(form.data, units)
    cases, has_next = service.list_page(current_user, filters, page, PAGE_SIZE)
    bulk = BulkForm(formdata=None)
    _fill_bulk_choices(bulk, units)
    return render_template(
        "cases/list.html",
        form=form,
        cases=cases,
        has_next=has_next,
        page=page,
        today=local_today(),
        bulk=bulk,
        deadline_state=service.deadline_state,
    )


def _fill_bulk_choices(form: BulkForm, units: list[AdminUnit]) -> None:
    form.unit_id.choices = options([(0, "—")]) + unit_options(units)
    templates = db.session.scalars(
        service.templates_usable_by(current_user)
        .where(AnswerTemplate.active)
        .order_by(AnswerTemplate.title)
    ).all()
    form.template.choices = options([("", "—")] + [(str(t.id), t.title) for t in templates])


@bp.route("/new", methods=["GET", "POST"])
@permission_required("view_cases")
def create_case():
    """A case taken at the desk (walk-in) or from a letter."""
    form = NewCaseForm()
    points = desks_in_scope(current_user, active_only=True)
    form.service_point_id.choices = options((p.id, p.name) for p in points)
    if request.method == "GET":
        form.form_token.data = uuid.uuid4().hex
    if form.validate_on_submit():
        new = _new_case_from(form, points)
        try:
            done = commit_or_show(
                form,
                lambda: service.create_with_attachment(
                    new, request.files.get("attachment"), current_user
                ),
            )
        except IntegrityError:
            # The same form sent twice at the same moment (a double click): the other request
            # stored the case; this one lands on it.
            db.session.rollback()
            case, created = service.find_by_intake_key(new.intake_key), False
            if case is None:
                raise
            flash(_("This form was already sent; here is the case it created."), "info")
            return redirect(url_for("cases.show_case", code=case.code))
        if done:
            case, created = done.value
            if created:
                flash(_("Case %(code)s created.", code=case.code), "success")
            else:
                flash(_("This form was already sent; here is the case it created."), "info")
            return redirect(url_for("cases.show_case", code=case.code))
    return render_template("cases/new.html", form=form), 400 if form.errors else 200


def _new_case_from(form: NewCaseForm, points: list[ServicePoint]) -> service.NewCase:
    point = next(p for p in points if p.id == form.service_point_id.data)
    return service.NewCase(
        channel=service.CaseChannel.WALK_IN,
        content=form.content.data,
        service_point=point,
        kind=service.CaseKind(form.kind.data),
        subject=form.subject.data or "",
        sender_name=form.sender_name.data,
        sender_phone=form.sender_phone.data,
        sender_address=form.sender_address.data,
        received_at=from_local(form.received_at.data) if form.received_at.data else None,
        intake_key=f"form:{form_key(form)}" if form.form_token.data else None,
    )


@bp.get("/<code>")
@permission_required("view_cases")
def show_case(code: str):
    """One case with its history and the actions the user may take."""
    case = _scoped_case(code)
    return _render_case(case)


def _render_case(case: Case, status: int = 200, **forms):
    units = units_in_scope(current_user)
    assign = forms.pop("assign", None) or AssignForm(formdata=None, unit_id=case.unit_id)
    assign.unit_id.choices = unit_options(units)
    context = {
        "panels": panels.render(case, current_user),
        "classify": ClassifyForm(formdata=None, kind=case.kind.value, subject=case.subject),
        "assign": assign,
        "answer": AnswerForm(formdata=None, answer=case.answer or ""),
        "reject": ReasonForm(formdata=None),
        "forward": ForwardForm(formdata=None),
        "note": NoteForm(formdata=None),
        "empty": EmptyForm(formdata=None),
        **forms,
    }
    return (
        render_template(
            "cases/show.html",
            case=case,
            today=local_today(),
            allowed=service.TRANSITIONS[case.status],
            may_handle=can(current_user, "handle_cases"),
            deadline_state=service.deadline_state(case),
            on_time=service.answered_on_time(case),
            **context,
        ),
        status,
    )


@dataclass(frozen=True)
class Step:
    """One step a posted form takes a case through: the form, its name on the case page (where
    it is shown again with its errors), the permission it needs, and the service call."""

    form: type
    form_name: str
    permission: str
    apply: Callable


# The workflow's steps, each at POST /cases/<code>/<step> (endpoint "cases.<step>_case").
STEPS = {
    # Phân loại.
    "classify": Step(
        ClassifyForm,
        "classify",
        "handle_cases",
        lambda c, f: service.classify(
            c,
            kind=service.CaseKind(f.kind.data),
            subject=f.subject.data,
            actor=current_user,
            note=f.note.data,
        ),
    ),
    # Giao xử lý.
    "assign": Step(
        AssignForm,
        "assign",
        "handle_cases",
        lambda c, f: service.assign(
            c, unit=db.session.get(AdminUnit, f.unit_id.data), actor=current_user, note=f.note.data
        ),
    ),
    # Trả lời.
    "answer": Step(
        AnswerForm,
        "answer",
        "handle_cases",
        lambda c, f: service.answer(
            c, text=f.answer.data, actor=current_user, publish=f.publish.data
        ),
    ),
    # Đóng.
    "close": Step(
        NoteForm,
        "note",
        "handle_cases",
        lambda c, f: service.close(c, actor=current_user, note=f.note.data),
    ),
    # Từ chối, with a reason.
    "reject": Step(
        ReasonForm,
        "reject",
        "handle_cases",
        lambda c, f: service.reject(c, reason=f.reason.data, actor=current_user),
    ),
    # Chuyển cơ quan khác.
    "forward": Step(
        ForwardForm,
        "forward",
        "handle_cases",
        lambda c, f: service.forward(c, agency=f.agency.data, actor=current_user, note=f.note.data),
    ),
    # Show or hide the answer on the tracking page.
    "publish": Step(
        EmptyForm,
        "empty",
        "handle_cases",
        lambda c, f: service.set_published(c, not c.published, current_user),
    ),
    # A note in the history.
    "note": Step(
        NoteForm,
        "note",
        "view_cases",
        lambda c, f: service.add_note(c, note=f.note.data, actor=current_user),
    ),
}


def _step_view(step: Step) -> Callable:
    def take_step(code: str):
        """Run one workflow step from a posted form; re-render with errors on failure."""
        case = _scoped_case(code)
        form = step.form()
        if step.form_name == "assign":
            form.unit_id.choices = unit_options(units_in_scope(current_user))
        if form.validate_on_submit():
            if commit_or_show(form, lambda: step.apply(case, form)):
                flash(_("Case %(code)s updated.", code=case.code), "success")
                return redirect(url_for("cases.show_case", code=case.code))
            case = _scoped_case(code)  # as it is after the rollback
        return _render_case(case, 400, **{step.form_name: form})

    return permission_required(step.permission)(take_step)


for _name, _step in STEPS.items():
    bp.add_url_rule(
        f"/<code>/{_name}", endpoint=f"{_name}_case", view_func=_step_view(_step), methods=["POST"]
    )


@bp.post("/<code>/attachments")
@permission_required("view_cases")
def upload_attachment(code: str):
    """Attach a scan or photo to a case."""
    case = _scoped_case(code)
    if not EmptyForm().validate_on_submit() or "attachment" not in request.files:
        abort(400)
    file = request.files["attachment"]
    if not commit_or_show(None, lambda: service.attach(case, file, current_user)):
        return _render_case(_scoped_case(code), 400)
    flash(_("File attached."), "success")
    return redirect(url_for("cases.show_case", code=case.code))


@bp.get("/attachments/<int:attachment_id>")
@permission_required("view_cases")
def download_attachment(attachment_id: int):
    """An attachment, only for staff whose scope covers its case."""
    item = db.first_or_404(
        select(Attachment)
        .join(Attachment.case)
        .where(Attachment.id == attachment_id, in_scope(Case.unit_id, current_user))
    )
    try:
        path, mimetype, name = storage.open_for_download(item)
    except storage.AttachmentMissing:
        abort(404)
    return send_file(path, mimetype=mimetype, download_name=name, max_age=0)


@bp.post("/bulk")
@permission_required("handle_cases")
def bulk_action():
    """Assign several cases, or answer and close them with one template."""
    units = units_in_scope(current_user)
    form = BulkForm()
    _fill_bulk_choices(form, units)
    form.codes.choices = options((c, c) for c in request.form.getlist("codes"))
    if not form.validate_on_submit():
        flash(_("Tick at least one case and choose an action."), "error")
        return redirect(url_for("cases.list_cases"))
    cases = db.session.scalars(
        select(Case).where(Case.code.in_(form.codes.data), in_scope(Case.unit_id, current_user))
    ).all()
    done = commit_or_show(
        None,  # the list is shown again: an error is flashed above it
        lambda: service.bulk(
            cases,
            action=form.action.data,
            unit=next((u for u in units if u.id == form.unit_id.data), None),
            answer_text=form.answer.data or _template_body(form.template.data),
            publish=form.publish.data,
            actor=current_user,
        ),
    )
    if not done:
        return redirect(url_for("cases.list_cases"))
    flash(ngettext("%(num)d case updated.", "%(num)d cases updated.", done.value), "success")
    return redirect(url_for("cases.list_cases"))


def _template_body(template_id: str | None) -> str:
    """The text of an active template this user may use; a retired, unknown, someone else's or
    malformed choice gives none."""
    if not (template_id or "").isdecimal() or int(template_id) > MAX_DB_INT:
        return ""
    template = db.session.scalar(
        service.templates_usable_by(current_user).where(AnswerTemplate.id == int(template_id))
    )
    return template.body if template is not None and template.active else ""


@bp.route("/templates", methods=["GET", "POST"])
@permission_required("handle_cases")
def answer_templates():
    """Standard answers for closing several similar cases at once."""
    form = AnswerTemplateForm()
    if form.validate_on_submit():
        service.add_template(form.title.data, form.body.data, current_user)
        db.session.commit()
        flash(_("Template saved."), "success")
        return redirect(url_for("cases.answer_templates"))
    templates = db.session.scalars(
        service.templates_usable_by(current_user).order_by(AnswerTemplate.title)
    ).all()
    return render_template(
        "cases/templates.html",
        form=form,
        templates=templates,
        changeable={t.id for t in templates if service.template_changeable_by(t, current_user)},
        empty=EmptyForm(formdata=None),
    ), (400 if form.errors else 200)


@bp.post("/templates/<int:template_id>/toggle")
@permission_required("handle_cases")
def toggle_template(template_id: int):
    """Retire a template, or bring it back: the templates of the user's scope only (another
    unit's is a 404; one of a unit above, which they use but do not own, a 403)."""
    template = db.first_or_404(
        service.templates_usable_by(current_user).where(AnswerTemplate.id == template_id)
    )
    if not service.template_changeable_by(template, current_user):
        abort(403)
    if EmptyForm().validate_on_submit():
        service.set_template_active(template, not template.active, current_user)
        db.session.commit()
    return redirect(url_for("cases.answer_templates"))


@public_bp.get("/track")
def track():
    """Tra cứu: a citizen types the code from the slip or the SMS."""
    code = service.normalise_code(request.args.get("code"))
    if code:
        return redirect(url_for("track.track_case", code=code))
    return render_template("cases/track.html")


def _tracked_case(code: str) -> Case:
    """The case with this code, for the public pages; 404 if there is none."""
    case = db.session.scalar(select(Case).where(Case.code == service.normalise_code(code)))
    if case is None:
        abort(404)
    return case


def _render_track(case: Case, status: int = 200, error: str | None = None):
    """The tracking page, with the verdict buttons once the answer is published."""
    return render_template(
        "cases/track_case.html",
        view=service.public_view(case),
        verdict=verdicts.verdict_view(case),
        error=error,
    ), status


@public_bp.get("/track/<code>")
@limiter.limit(lambda: current_app.config["TRACK_RATELIMIT"], key_func=get_remote_address)
def track_case(code: str):
    """Status, dates and the published answer; never the sender's details."""
    return _render_track(_tracked_case(code))


@public_bp.post("/track/<code>/verdict")
@limiter.limit(lambda: current_app.config["VERDICT_RATELIMIT"], key_func=get_remote_address)
def record_verdict(code: str):
    """Hài lòng / Không hài lòng on the published answer (a plain form with its CSRF token).

    Every attempt counts against the address's allowance, so the form is no way to probe codes;
    the address is only the limiter's key, never stored."""
    case = _tracked_case(code)
    try:
        changed = verdicts.record(case, request.form.get("verdict"))
    except verdicts.VerdictRefused as exc:
        db.session.rollback()
        return _render_track(case, 400, exc.message)
    db.session.commit()
    if changed:
        flash(_("Thank you. Your rating of the answer is recorded."), "success")
    return redirect(url_for("track.track_case", code=case.code))
