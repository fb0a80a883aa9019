"""The period summary: the page (/reports/summary) and its JSON (/api/v1/reports/summary).

Both answer the same question string (`period`, `unit`), obey the same access rules (reform
office, unit managers and admins, within their unit scope) and render the one object
`service.summary` builds.
"""

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_login import current_user

from ..forms import options
from ..i18n import current_language
from ..machines import serves_machines
from ..pagination import page_arg
from ..security import can, permission_required
from ..timeutil import local_today
from ..units.service import units_in_scope
from . import charts, display, exports, formulas, periods, service
from .forms import CommentsForm, SummaryForm

bp = Blueprint("reports", __name__, template_folder="templates")
api_bp = serves_machines(Blueprint("reports_api", __name__))


def _default_period() -> str:
    """This quarter so far: what a reform office looks at most days."""
    return periods.current("quarter", local_today()).label


def _picker(form_class=SummaryForm) -> SummaryForm:
    """The period and unit asked for in the query string (defaults filled in)."""
    args = request.args.copy()
    args.setdefault("period", _default_period())
    args.setdefault("unit", current_user.unit.code)
    form = form_class(formdata=args)
    form.unit.choices = options(
        (u.code, f"{u.code} · {u.name}") for u in units_in_scope(current_user)
    )
    return form


def _unit_for(form: SummaryForm):
    try:
        return service.unit_for(form.unit.data, current_user, local_today())
    except service.ReportRefused:
        abort(404)


def _summary_for(form: SummaryForm) -> dict:
    """A fresh summary (kept a while for the charts and downloads that follow)."""
    unit = _unit_for(form)
    return service.fresh_summary(form.parsed, unit, officers=service.sees_officers(current_user))


@bp.get("/summary")
@permission_required("view_reports")
def show_summary():
    """Tổng hợp kết quả: how are we doing, where, and what changed."""
    form = _picker()
    if not form.validate():
        return render_template("reports/summary.html", form=form, s=None), 400
    data = _summary_for(form)
    language = current_language()
    kinds = [kind for kind in charts.KINDS if _shown(kind, data)]
    rows = service.breakdown_rows(data)
    return render_template(
        "reports/summary.html",
        form=form,
        s=data,
        info=service.question_info(data["questions"], language),
        weakest_first=service.weakest_first(data["questions"]),
        ranked_children=service.best_first(data["children"]),
        band_label=formulas.band_label,
        chart_texts={kind: exports.chart_text(data, kind, language) for kind in kinds},
        sees_officers=service.sees_officers(current_user),
        breakdown=rows,
        reason_columns=service.reason_columns(rows),
        reason_cell=service.reason_cell,
    )


def _shown(kind: str, data: dict) -> bool:
    """Whether the page shows a chart: the wards' only with child units, the reasons' only
    when the survey asks for any."""
    if kind == "wards":
        return bool(data["children"])
    if kind == "reasons":
        return bool(data["reasons"]["items"])
    return True


@bp.get("/summary.<any(csv, xlsx, docx):fmt>")
@permission_required("view_reports")
def download_summary(fmt: str):
    """The period report to file: CSV table, XLSX annex or DOCX report (Vietnamese). The
    officer sheet or annex only when asked for (`officers=1`) by those who may see officers."""
    form = _picker()
    if not form.validate():
        return render_template("reports/summary.html", form=form, s=None), 400
    wanted = request.args.get("officers") == "1" and service.sees_officers(current_user)
    file = exports.report(fmt, form.parsed, _unit_for(form), officers=wanted)
    response = Response(file.data, mimetype=file.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/summary/charts/<any(wards, trend, questions, channels, cases, reasons):kind>.png")
@permission_required("view_reports")
def summary_chart(kind: str):
    """One chart of the summary page, in the page's language; drawn once per version of the
    figures (a repeated page view draws nothing)."""
    form = _picker()
    if not form.validate():
        abort(400)
    unit = _unit_for(form)
    png = exports.chart(
        form.parsed,
        unit,
        kind,
        current_language(),
        officers=service.sees_officers(current_user),
    )
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


COMMENTS_PAGE_SIZE = 50


@bp.get("/comments")
@permission_required("view_reports")
def list_comments():
    """Ý kiến: the period's free-text comments with their overall rating and desk, newest first;
    phone and ID numbers masked."""
    form = _picker(CommentsForm)
    if not form.validate():
        return render_template("reports/comments.html", form=form, comments=None), 400
    try:
        unit = service.unit_for(form.unit.data, current_user, local_today())
    except service.ReportRefused:
        abort(404)
    page = page_arg()
    rating = int(form.rating.data) if form.rating.data else None
    comments, has_next = service.comments(form.parsed, unit, rating, page, COMMENTS_PAGE_SIZE)
    return render_template(
        "reports/comments.html", form=form, comments=comments, page=page, has_next=has_next
    )


@api_bp.get("/summary")
def summary_json():
    """The summary object as JSON, for the same signed-in session as the page."""
    if not current_user.is_authenticated:
        abort(401)
    if not can(current_user, "view_reports"):
        abort(403)
    form = _picker()
    if not form.validate():
        errors = {name: " ".join(map(str, messages)) for name, messages in form.errors.items()}
        return jsonify({"errors": errors}), 400
    return jsonify(_summary_for(form))


# Numbers on every page, as the charts write them.
bp.add_app_template_filter(display.figure, "figure")
