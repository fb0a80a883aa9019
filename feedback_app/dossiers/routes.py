"""Dossier figures pages (/dossiers): the monthly list, one desk's form, the file import and its
templates.

Reading needs "view_reports"; entering, importing and the templates need "enter_dossiers"
(admins, reform office, unit managers). Every desk is looked up within the user's scope, so
another unit's desk is a 404 in an address and a refused row in a file.
"""

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..changes import commit_or_show
from ..forms import options, show_user_error
from ..hardening import MAX_DB_INT
from ..models import ServicePoint
from ..pagination import page_arg, page_of
from ..security import can, permission_required
from ..timeutil import local_today
from ..units.service import desk_in_scope, desks_in_scope
from . import service, sheets
from .forms import FiguresForm, FilterForm, ImportForm

bp = Blueprint("dossiers", __name__, template_folder="templates")

PAGE_SIZE = 200
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _last_month() -> date:
    """The month that ended most recently: the one whose figures are entered now."""
    return (local_today().replace(day=1) - date.resolution).replace(day=1)


def _month_arg(name: str = "month") -> date | None:
    """A month from the query string, or None if missing or not a month."""
    return sheets.parse_month(request.args.get(name, ""))


def _desk_choices(desks: list[ServicePoint]) -> list[SelectChoice]:
    """Desks for a select, each with its number (the files name desks by it)."""
    return [SelectChoice(d.id, f"{d.name} (#{d.id})") for d in desks]


@bp.get("/")
@permission_required("view_reports")
def list_figures():
    """Số liệu hồ sơ: one month's figures of the desks in scope, with their totals, and the
    desks that have not entered that month yet."""
    desks = desks_in_scope(current_user)
    month = _month_arg() or service.latest_month(current_user) or _last_month()
    desk_id = request.args.get("desk", type=int)
    desk_id = desk_id if any(d.id == desk_id for d in desks) else None
    form = FilterForm(formdata=None, month=sheets.month_key(month), desk=str(desk_id or ""))
    form.desk.choices = options([("", _("All desks"))]) + _desk_choices(desks)
    page = page_arg()
    rows, has_next = page_of(service.month_query(current_user, month, desk_id), page, PAGE_SIZE)
    return render_template(
        "dossiers/list.html",
        form=form,
        month=month,
        desk_id=desk_id,
        rows=rows,
        page=page,
        has_next=has_next,
        totals=service.month_totals(current_user, month, desk_id),
        missing=[] if desk_id else service.desks_without_figures(current_user, month),
        previous_month=(month - date.resolution).replace(day=1),
        next_month=(month.replace(day=28) + 4 * date.resolution).replace(day=1),
        may_enter=can(current_user, "enter_dossiers"),
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("enter_dossiers")
def enter_figures():
    """Enter or correct one desk's figures for a month (and field): the same desk, month and
    field again replaces them. `?desk=&month=&field=` opens the stored figures to correct."""
    form = FiguresForm()
    form.service_point_id.choices = _desk_choices(desks_in_scope(current_user))
    if request.method == "GET":
        _fill_from_stored(form)
    if form.validate_on_submit():
        desk = desk_in_scope(form.service_point_id.data, current_user)
        done = commit_or_show(
            form,
            lambda: service.save(
                desk,
                sheets.parse_month(form.month.data),
                form.field.data or "",
                form.figures(),
                actor=current_user,
                latest=local_today(),
            ),
        )
        if done:
            stat, replaced = done.value
            flash(_("Figures replaced.") if replaced else _("Figures saved."), "success")
            return redirect(
                url_for("dossiers.list_figures", month=sheets.month_key(stat.month), desk=desk.id)
            )
    status = 400 if request.method == "POST" else 200
    return render_template("dossiers/form.html", form=form), status


def _fill_from_stored(form: FiguresForm) -> None:
    """The form for `?desk=&month=&field=`: the stored figures if there are any."""
    desk_id, month = request.args.get("desk", type=int), _month_arg()
    if desk_id is not None and 0 < desk_id <= MAX_DB_INT:
        form.service_point_id.data = desk_id
    form.month.data = sheets.month_key(month or _last_month())
    form.field.data = request.args.get("field", "")[: sheets.MAX_FIELD]
    if desk_id is None or month is None:
        return
    stat = service.find(current_user, desk_id, month, form.field.data)
    if stat is not None:
        for name, value in stat.figures().items():
            getattr(form, name).data = value


@bp.route("/import", methods=["GET", "POST"])
@permission_required("enter_dossiers")
def import_figures():
    """Nhập từ tệp: a CSV or XLSX file in the template's columns. The whole file is checked
    first; any problem refuses it all, each named by row and column."""
    form = ImportForm()
    problems: list[sheets.Problem] = []
    if form.validate_on_submit() and (read := _read_upload(form)):
        sheet, file_format = read
        problems = service.check_import(sheet, current_user)
        done = not problems and commit_or_show(
            form, lambda: service.import_sheet(sheet, actor=current_user, file_format=file_format)
        )
        if done:
            flash(_import_message(done.value), "success")
            month = sheets.month_key(done.value.first_month)
            return redirect(url_for("dossiers.list_figures", month=month))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "dossiers/import.html",
        form=form,
        problems=problems,
        headings=sheets.HEADINGS,
        columns=sheets.COLUMNS,
        template_month=sheets.month_key(_last_month()),
    ), status


def _read_upload(form: ImportForm) -> tuple[sheets.Sheet, str] | None:
    """The uploaded file as read, and its format; None, with the reason under the upload
    field, when it cannot be read at all."""
    upload = form.upload.data
    data = upload.stream.read(sheets.MAX_BYTES + 1)
    try:
        sheet = sheets.read(data, upload.filename or "", local_today())
    except sheets.Unreadable as exc:
        show_user_error(form, exc)
        return None
    return sheet, "xlsx" if data[:2] == b"PK" else "csv"


def _import_message(result: service.ImportResult) -> str:
    """What an import did, in one sentence or two."""
    message = ngettext(
        "%(num)d row of figures imported for %(months)d desk-months.",
        "%(num)d rows of figures imported for %(months)d desk-months.",
        result.rows,
        months=result.desk_months,
    )
    if result.replaced:
        message += " " + ngettext(
            "%(num)d earlier row was replaced.",
            "%(num)d earlier rows were replaced.",
            result.replaced,
        )
    if result.skipped:
        message += " " + ngettext(
            "%(num)d row without figures was left out.",
            "%(num)d rows without figures were left out.",
            result.skipped,
        )
    return message


def _template_desks() -> list[tuple[int, str]]:
    """(number, name) of each active desk within scope: the template's rows."""
    return [(d.id, d.name) for d in desks_in_scope(current_user, active_only=True)]


@bp.get("/template.csv")
@permission_required("enter_dossiers")
def template_csv():
    """The CSV template: one row to fill per active desk within scope, for `?month=`."""
    month = _month_arg() or _last_month()
    body = sheets.template_csv(_template_desks(), month)
    return _download(body, "text/csv; charset=utf-8", f"bieu06-{sheets.month_key(month)}.csv")


@bp.get("/template.xlsx")
@permission_required("enter_dossiers")
def template_xlsx():
    """The XLSX template: the same rows as the CSV."""
    month = _month_arg() or _last_month()
    body = sheets.template_xlsx(_template_desks(), month)
    return _download(body, XLSX_TYPE, f"bieu06-{sheets.month_key(month)}.xlsx")


def _download(body: bytes, mimetype: str, name: str) -> Response:
    """A file to save, never cached (it lists the desks of the user's scope)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
