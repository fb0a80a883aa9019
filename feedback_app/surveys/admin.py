"""Admin pages for surveys: instrument versions, counter tablets (kiosks), the officer on duty.

Instruments are the same for every unit; kiosks and counters are always filtered by the user's
unit scope. The officer-on-duty page is for counter staff too, so it never shows any rating.
"""

from datetime import timedelta
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..changes import commit_or_show
from ..extensions import db
from ..forms import options
from ..i18n import current_language
from ..models import (
    AdminUnit,
    Counter,
    Instrument,
    Kiosk,
    KioskMode,
    Officer,
    Question,
    ServicePoint,
)
from ..security import changes_require, in_scope, permission_required
from ..timeutil import as_utc, now_utc
from . import completion, instruments, invitations, service
from .forms import (
    DutyForm,
    InviteForm,
    KioskForm,
    KioskModeForm,
    MoveForm,
    QuestionForm,
    TitlesForm,
)

bp = Blueprint("surveys", __name__, template_folder="templates")

# A tablet that has not called in for this long is flagged on the kiosk list.
KIOSK_QUIET_AFTER = timedelta(hours=24)
# The kiosk list's completion figures cover this many days, today included.
COMPLETION_DAYS = 7


# --- Survey versions --------------------------------------------------------------------------


@bp.errorhandler(instruments.InstrumentLocked)
def _instrument_locked(exc: instruments.InstrumentLocked):
    """A change to a version that is not a draft (or an empty draft published): refused."""
    db.session.rollback()
    instrument = db.get_or_404(Instrument, (request.view_args or {}).get("instrument_id", 0))
    return _instrument_page(instrument, TitlesForm(formdata=None, obj=instrument), exc.message, 400)


def _instrument_page(instrument, titles_form, error=None, status=200):
    return (
        render_template(
            "surveys/admin_instrument.html",
            instrument=instrument,
            titles_form=titles_form,
            error=error,
            is_active=instruments.active_instrument() is instrument,
        ),
        status,
    )


@bp.get("/instruments")
@permission_required("manage_surveys")
def list_instruments():
    """Every version, newest first within each code, with its number of questions."""
    counts = (
        select(Question.instrument_id, func.count(Question.id).label("n"))
        .group_by(Question.instrument_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Instrument, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.instrument_id == Instrument.id)
        .order_by(Instrument.code, Instrument.version.desc())
    ).all()
    active = instruments.active_instrument()
    return render_template("surveys/admin_instruments.html", rows=rows, active=active)


@bp.post("/instruments/<int:instrument_id>/copy")
@permission_required("change_shared_settings")
def copy_instrument(instrument_id: int):
    """A new draft with the questions of this version."""
    source = db.get_or_404(Instrument, instrument_id)
    draft = instruments.copy_to_draft(source, current_user)
    db.session.commit()
    flash(
        _("Draft %(label)s made from %(source)s.", label=draft.label, source=source.label),
        "success",
    )
    return redirect(url_for("surveys.edit_instrument", instrument_id=draft.id))


@bp.route("/instruments/<int:instrument_id>", methods=["GET", "POST"])
@permission_required("manage_surveys")
@changes_require("change_shared_settings")
def edit_instrument(instrument_id: int):
    """A version with its questions; a draft's titles can be changed here."""
    instrument = db.get_or_404(Instrument, instrument_id)
    form = TitlesForm(obj=instrument)
    if request.method == "POST":
        instruments.ensure_draft(instrument)
        if not form.validate():
            return _instrument_page(instrument, form, status=400)
        instruments.set_titles(instrument, form.title_vi.data, form.title_en.data, current_user)
        db.session.commit()
        flash(_("Titles saved."), "success")
        return redirect(url_for("surveys.edit_instrument", instrument_id=instrument.id))
    return _instrument_page(instrument, form)


def _question_page(instrument, question, form):
    status = 400 if form.is_submitted() else 200
    page = render_template(
        "surveys/admin_question.html", instrument=instrument, question=question, form=form
    )
    return page, status


@bp.route("/instruments/<int:instrument_id>/questions/new", methods=["GET", "POST"])
@permission_required("manage_surveys")
@changes_require("change_shared_settings")
def add_question(instrument_id: int):
    """A new question at the end of a draft."""
    instrument = db.get_or_404(Instrument, instrument_id)
    instruments.ensure_draft(instrument)
    form = QuestionForm()
    if form.validate_on_submit():
        done = commit_or_show(
            form, lambda: instruments.add_question(instrument, form.to_data(), current_user)
        )
        if done:
            flash(_("Question %(code)s added.", code=done.value.code), "success")
            return redirect(url_for("surveys.edit_instrument", instrument_id=instrument_id))
    return _question_page(instrument, None, form)


def _question(instrument_id: int, question_id: int) -> Question:
    return db.first_or_404(
        select(Question).where(Question.id == question_id, Question.instrument_id == instrument_id)
    )


@bp.route("/instruments/<int:instrument_id>/questions/<int:question_id>", methods=["GET", "POST"])
@permission_required("manage_surveys")
@changes_require("change_shared_settings")
def edit_question(instrument_id: int, question_id: int):
    """Change one question of a draft."""
    question = _question(instrument_id, question_id)
    instruments.ensure_draft(question.instrument)
    form = QuestionForm() if request.method == "POST" else QuestionForm.for_question(question)
    if form.validate_on_submit() and commit_or_show(
        form, lambda: instruments.update_question(question, form.to_data(), current_user)
    ):
        flash(_("Question %(code)s saved.", code=question.code), "success")
        return redirect(url_for("surveys.edit_instrument", instrument_id=instrument_id))
    return _question_page(question.instrument, question, form)


@bp.post("/instruments/<int:instrument_id>/questions/<int:question_id>/delete")
@permission_required("change_shared_settings")
def remove_question(instrument_id: int, question_id: int):
    """Take a question out of a draft."""
    question = _question(instrument_id, question_id)
    code = question.code
    instruments.remove_question(question, current_user)
    db.session.commit()
    flash(_("Question %(code)s removed.", code=code), "success")
    return redirect(url_for("surveys.edit_instrument", instrument_id=instrument_id))


@bp.post("/instruments/<int:instrument_id>/questions/<int:question_id>/move")
@permission_required("change_shared_settings")
def move_question(instrument_id: int, question_id: int):
    """Move a question of a draft to another position."""
    question = _question(instrument_id, question_id)
    instruments.ensure_draft(question.instrument)
    form = MoveForm()
    if not form.validate():
        message = " ".join(str(e) for e in form.position.errors)
        titles = TitlesForm(formdata=None, obj=question.instrument)
        return _instrument_page(question.instrument, titles, message, 400)
    instruments.move_question(question, form.position.data, current_user)
    db.session.commit()
    anchor = f"question-{question.id}"
    return redirect(url_for("surveys.edit_instrument", instrument_id=instrument_id, _anchor=anchor))


@bp.post("/instruments/<int:instrument_id>/publish")
@permission_required("change_shared_settings")
def publish_instrument(instrument_id: int):
    """Publish a draft: kiosks and forms use it from now on; the version before is retired."""
    instrument = db.get_or_404(Instrument, instrument_id)
    instruments.publish(instrument, current_user)
    db.session.commit()
    flash(_("Version %(label)s is published and in use.", label=instrument.label), "success")
    return redirect(url_for("surveys.list_instruments"))


@bp.get("/instruments/<int:instrument_id>/preview")
@permission_required("manage_surveys")
def preview_instrument(instrument_id: int):
    """The questions as a citizen sees them (?lang=vi|en), with the kiosk's stylesheet."""
    instrument = db.get_or_404(Instrument, instrument_id)
    kiosk_css = Path(current_app.static_folder or "", "kiosk", "kiosk.css").is_file()
    lang = current_language()
    return render_template(
        "surveys/admin_preview.html", instrument=instrument, lang=lang, kiosk_css=kiosk_css
    )


# --- Kiosks -----------------------------------------------------------------------------------


def _counters_in_scope():
    """Active counters of active desks in the user's scope, in map order."""
    return db.session.scalars(
        select(Counter)
        .join(Counter.service_point)
        .join(ServicePoint.unit)
        .where(in_scope(ServicePoint.unit_id, current_user), Counter.active, ServicePoint.active)
        .options(
            joinedload(Counter.service_point).selectinload(ServicePoint.officers),
            joinedload(Counter.officer_on_duty),
        )
        .order_by(AdminUnit.path, ServicePoint.name, Counter.code)
    ).all()


def _counter_label(counter: Counter) -> str:
    return f"{counter.service_point.name} · " + _("Counter %(code)s", code=counter.code)


def _kiosk_form(**kwargs) -> KioskForm:
    form = KioskForm(**kwargs)
    form.counter_id.choices = options((c.id, _counter_label(c)) for c in _counters_in_scope())
    return form


def _kiosk_in_scope(kiosk_id: int) -> Kiosk:
    return db.first_or_404(
        select(Kiosk)
        .join(Kiosk.counter)
        .join(Counter.service_point)
        .where(Kiosk.id == kiosk_id, in_scope(ServicePoint.unit_id, current_user))
    )


def _needs_attention(kiosk: Kiosk, quiet_since) -> bool:
    """Answers still waiting on the tablet, or no word from it for a long time."""
    seen = kiosk.last_seen_at
    if seen is not None:
        seen = as_utc(seen)
    return kiosk.queued_reported > 0 or seen is None or seen < quiet_since


def _kiosks_page(form: KioskForm, status: int = 200):
    kiosks = db.session.scalars(
        select(Kiosk)
        .join(Kiosk.counter)
        .join(Counter.service_point)
        .join(ServicePoint.unit)
        .where(in_scope(ServicePoint.unit_id, current_user))
        .options(joinedload(Kiosk.counter).joinedload(Counter.service_point))
        .order_by(AdminUnit.path, ServicePoint.name, Counter.code, Kiosk.id)
    ).all()
    quiet_since = now_utc() - KIOSK_QUIET_AFTER
    attention = {k.id for k in kiosks if _needs_attention(k, quiet_since)}
    page = render_template(
        "surveys/admin_kiosks.html",
        kiosks=kiosks,
        form=form,
        attention=attention,
        mode_forms={k.id: KioskModeForm(formdata=None, mode=k.mode.value) for k in kiosks},
        completion=completion.per_kiosk(kiosks, COMPLETION_DAYS),
        completion_days=COMPLETION_DAYS,
    )
    return page, status


def _token_page(kiosk: Kiosk, token: str, created: bool):
    """The kiosk's address, shown this once; never cached by the browser."""
    response = make_response(
        render_template(
            "surveys/admin_kiosk_token.html",
            kiosk=kiosk,
            url=service.kiosk_url(token),
            created=created,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/kiosks")
@permission_required("manage_surveys")
def list_kiosks():
    """The tablets of the user's scope, and the form to register one."""
    return _kiosks_page(_kiosk_form(formdata=None))


@bp.post("/kiosks")
@permission_required("manage_surveys")
def register_kiosk():
    """Register a tablet at a counter of the user's scope; its address is shown once."""
    form = _kiosk_form()
    if not form.validate_on_submit():
        return _kiosks_page(form, 400)
    counter = db.session.get(Counter, form.counter_id.data)
    mode = KioskMode(form.mode.data or KioskMode.QUICK)
    kiosk, token = service.create_kiosk(counter, current_user, form.label.data or "", mode)
    db.session.commit()
    return _token_page(kiosk, token, created=True)


@bp.post("/kiosks/<int:kiosk_id>/disable")
@permission_required("manage_surveys")
def disable_kiosk(kiosk_id: int):
    """Stop a lost or retired tablet: its address answers 404 from now on."""
    kiosk = _kiosk_in_scope(kiosk_id)
    service.set_kiosk_active(kiosk, False, current_user)
    db.session.commit()
    flash(_("Kiosk disabled: its address no longer works."), "success")
    return redirect(url_for("surveys.list_kiosks"))


@bp.post("/kiosks/<int:kiosk_id>/enable")
@permission_required("manage_surveys")
def enable_kiosk(kiosk_id: int):
    """Let a disabled tablet work again with the address it had."""
    kiosk = _kiosk_in_scope(kiosk_id)
    service.set_kiosk_active(kiosk, True, current_user)
    db.session.commit()
    flash(_("Kiosk enabled."), "success")
    return redirect(url_for("surveys.list_kiosks"))


@bp.post("/kiosks/<int:kiosk_id>/mode")
@permission_required("manage_surveys")
def set_kiosk_mode(kiosk_id: int):
    """Quick or full presentation for one tablet, from its next survey."""
    kiosk = _kiosk_in_scope(kiosk_id)
    form = KioskModeForm()
    if not form.validate_on_submit():
        flash(_("Choose how the tablet presents the survey."), "error")
        return _kiosks_page(_kiosk_form(formdata=None), 400)
    service.set_kiosk_mode(kiosk, KioskMode(form.mode.data), current_user)
    db.session.commit()
    flash(_("Presentation saved: the tablet uses it from the next citizen."), "success")
    return redirect(url_for("surveys.list_kiosks", _anchor=f"kiosk-{kiosk.id}"))


@bp.post("/kiosks/<int:kiosk_id>/rotate")
@permission_required("manage_surveys")
def rotate_kiosk(kiosk_id: int):
    """A new address for a tablet; the old one stops working at once."""
    kiosk = _kiosk_in_scope(kiosk_id)
    token = service.rotate_token(kiosk, current_user)
    db.session.commit()
    return _token_page(kiosk, token, created=False)


# --- Officer on duty --------------------------------------------------------------------------


def _duty_form(counter: Counter, **kwargs) -> DutyForm:
    form = DutyForm(**kwargs)
    officers = [(str(o.id), o.name) for o in counter.service_point.officers if o.active]
    form.officer_id.choices = options([("", _("Nobody")), *officers])
    return form


def _duty_page(
    failed: dict[int, DutyForm] | None = None,
    failed_invite: dict[int, InviteForm] | None = None,
    status: int = 200,
):
    """Counters with who is on duty, and the invitation to rate. Deliberately nothing about
    ratings: officers see it (an invitation says only whether it was used)."""
    failed, failed_invite = failed or {}, failed_invite or {}
    counters = _counters_in_scope()
    latest = invitations.latest([c.id for c in counters])
    rows = [
        (
            counter,
            failed.get(counter.id)
            or _duty_form(counter, formdata=None, officer_id=str(counter.officer_on_duty_id or "")),
            failed_invite.get(counter.id) or InviteForm(formdata=None),
            latest.get(counter.id),
        )
        for counter in counters
    ]
    page = render_template("surveys/admin_duty.html", rows=rows, invitation_state=invitations.state)
    return page, status


def _counter_in_scope(counter_id: int) -> Counter:
    return db.first_or_404(
        select(Counter)
        .join(Counter.service_point)
        .where(
            Counter.id == counter_id,
            Counter.active,
            ServicePoint.active,
            in_scope(ServicePoint.unit_id, current_user),
        )
        .options(selectinload(Counter.service_point).selectinload(ServicePoint.officers))
    )


@bp.get("/duty")
@permission_required("set_duty")
def duty():
    """Who serves at each counter of the user's scope now."""
    return _duty_page()


@bp.post("/duty/<int:counter_id>")
@permission_required("set_duty")
def set_duty(counter_id: int):
    """Say who serves at a counter now; later responses there record it."""
    counter = _counter_in_scope(counter_id)
    form = _duty_form(counter)
    if not form.validate_on_submit():
        return _duty_page({counter.id: form}, status=400)
    officer = db.session.get(Officer, int(form.officer_id.data)) if form.officer_id.data else None
    service.set_officer_on_duty(counter, officer, current_user)
    db.session.commit()
    name = officer.name if officer else _("nobody")
    flash(_("On duty at counter %(code)s: %(name)s.", code=counter.code, name=name), "success")
    return redirect(url_for("surveys.duty", _anchor=f"counter-{counter.id}"))


@bp.post("/duty/<int:counter_id>/invite")
@permission_required("set_duty")
def invite(counter_id: int):
    """Mời đánh giá: the counter's tablet shows the invitation within two seconds."""
    counter = _counter_in_scope(counter_id)
    form = InviteForm()
    if not form.validate_on_submit():
        return _duty_page(failed_invite={counter.id: form}, status=400)
    done = commit_or_show(
        form,
        lambda: invitations.invite(
            counter, current_user, form.dossier_code.data, form.procedure.data
        ),
    )
    if done is None:
        return _duty_page(failed_invite={counter.id: form}, status=400)
    flash(_("Invitation sent to the tablet at counter %(code)s.", code=counter.code), "success")
    return redirect(url_for("surveys.duty", _anchor=f"counter-{counter.id}"))
