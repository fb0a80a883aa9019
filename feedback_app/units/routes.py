"""Units, desks, counters and officers, always within the user's scope."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..changes import commit_or_show
from ..extensions import db
from ..models import AdminUnit, Holiday, Officer, ServicePoint
from ..security import can, changes_require, in_scope, permission_required
from ..timeutil import local_today
from . import calendar, service
from .forms import (
    HOLIDAY_KIND_LABELS,
    CounterForm,
    DeadlinesForm,
    HolidayForm,
    LoadHolidaysForm,
    OfficerForm,
    ServicePointForm,
    ToggleForm,
)

bp = Blueprint("units", __name__, template_folder="templates")


@bp.get("/")
@permission_required("view_units")
def list_units():
    """The units in scope, as a tree ordered by path, with their number of desks."""
    desks = (
        select(ServicePoint.unit_id, func.count(ServicePoint.id).label("n"))
        .group_by(ServicePoint.unit_id)
        .subquery()
    )
    rows = db.session.execute(
        select(AdminUnit, func.coalesce(desks.c.n, 0))
        .outerjoin(desks, desks.c.unit_id == AdminUnit.id)
        .where(in_scope(AdminUnit.id, current_user))
        .order_by(AdminUnit.path)
    ).all()
    return render_template("units/units.html", rows=rows)


@bp.get("/service-points")
@permission_required("view_units")
def list_service_points():
    """The desks in scope."""
    points = service.desks_in_scope(current_user)
    return render_template("units/service_points.html", points=points)


def _unit_choices():
    return service.unit_options(service.units_in_scope(current_user))


@bp.route("/service-points/new", methods=["GET", "POST"])
@permission_required("manage_units")
def create_service_point():
    """A new desk."""
    form = ServicePointForm()
    form.unit_id.choices = _unit_choices()
    if form.validate_on_submit():
        point = service.create_service_point(
            db.session.get(AdminUnit, form.unit_id.data),
            form.name.data.strip(),
            (form.address.data or "").strip(),
            current_user,
        )
        db.session.commit()
        flash(_("Desk created."), "success")
        return redirect(url_for("units.show_service_point", point_id=point.id))
    status = 400 if form.errors else 200
    return render_template("units/service_point_form.html", form=form), status


@bp.get("/service-points/<int:point_id>")
@permission_required("view_units")
def show_service_point(point_id: int):
    """A desk with its counters and officers."""
    point = service.desk_in_scope(point_id, current_user)
    return render_template(
        "units/service_point.html",
        point=point,
        counter_form=CounterForm(),
        officer_form=OfficerForm(),
        toggle_form=ToggleForm(),
        may_manage=can(current_user, "manage_units"),
    )


@bp.post("/service-points/<int:point_id>/counters")
@permission_required("manage_units")
def add_counter(point_id: int):
    """Add a counter to a desk."""
    point = service.desk_in_scope(point_id, current_user)
    form = CounterForm()
    if form.validate_on_submit() and commit_or_show(
        form,
        lambda: service.add_counter(
            point, form.code.data.strip(), form.name.data or "", current_user
        ),
    ):
        flash(_("Counter added."), "success")
        return redirect(url_for("units.show_service_point", point_id=point.id))
    return _desk_with_errors(point, counter_form=form)


@bp.post("/service-points/<int:point_id>/officers")
@permission_required("manage_units")
def add_officer(point_id: int):
    """Add an officer to a desk."""
    point = service.desk_in_scope(point_id, current_user)
    form = OfficerForm()
    if form.validate_on_submit():
        service.add_officer(point, form.name.data.strip(), form.title.data or "", current_user)
        db.session.commit()
        flash(_("Officer added."), "success")
        return redirect(url_for("units.show_service_point", point_id=point.id))
    return _desk_with_errors(point, officer_form=form)


def _desk_with_errors(point: ServicePoint, **forms):
    context = {
        "counter_form": CounterForm(formdata=None),
        "officer_form": OfficerForm(formdata=None),
        "toggle_form": ToggleForm(),
        **forms,
    }
    return (
        render_template("units/service_point.html", point=point, may_manage=True, **context),
        400,
    )


@bp.post("/officers/<int:officer_id>/toggle")
@permission_required("manage_units")
def toggle_officer(officer_id: int):
    """Deactivate an officer who left, or bring one back."""
    officer = db.first_or_404(
        select(Officer)
        .join(Officer.service_point)
        .where(Officer.id == officer_id, in_scope(ServicePoint.unit_id, current_user))
    )
    if ToggleForm().validate_on_submit():
        service.set_officer_active(officer, not officer.active, current_user)
        db.session.commit()
        flash(_("Officer updated."), "success")
    return redirect(url_for("units.show_service_point", point_id=officer.service_point_id))


# --- Holidays and deadlines (admin) ---------------------------------------------------------


def _holidays_page(year: int, form: HolidayForm, status: int = 200):
    """The year's calendar rows with the add form, the load button and year navigation."""
    if not calendar.FIRST_YEAR <= year <= calendar.LAST_YEAR:
        abort(404)
    return (
        render_template(
            "units/holidays.html",
            year=year,
            holidays=calendar.holidays_in_year(year),
            form=form,
            load_form=LoadHolidaysForm(formdata=None, year=year),
            kind_labels=HOLIDAY_KIND_LABELS,
            first_year=calendar.FIRST_YEAR,
            last_year=calendar.LAST_YEAR,
        ),
        status,
    )


@bp.get("/holidays")
@permission_required("manage_units")
def list_holidays():
    """Holidays and make-up working days of a year (this year by default)."""
    year = request.args.get("year", type=int) or local_today().year
    return _holidays_page(year, HolidayForm(formdata=None))


@bp.post("/holidays")
@permission_required("change_shared_settings")
def add_holiday():
    """Add a day off or a make-up working day; one row per date."""
    form = HolidayForm()
    if form.validate_on_submit() and commit_or_show(
        form,
        lambda: calendar.add_holiday(
            form.day.data, form.name.data.strip(), form.kind.data, current_user
        ),
    ):
        flash(_("Day added to the calendar."), "success")
        return redirect(url_for("units.list_holidays", year=form.day.data.year))
    typed = form.day.data.year if form.day.data else None
    in_range = typed is not None and calendar.FIRST_YEAR <= typed <= calendar.LAST_YEAR
    return _holidays_page(typed if in_range else local_today().year, form, 400)


@bp.post("/holidays/load")
@permission_required("change_shared_settings")
def load_holidays():
    """Fill in Vietnam's predictable public holidays for a year (days present are kept)."""
    form = LoadHolidaysForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.year.errors) or _("Choose a year."), "error")
        return redirect(url_for("units.list_holidays"))
    added = calendar.load_year(form.year.data, actor=current_user)
    db.session.commit()
    flash(_("Public holidays added: %(n)d.", n=added), "success")
    return redirect(url_for("units.list_holidays", year=form.year.data))


@bp.post("/holidays/<int:holiday_id>/delete")
@permission_required("change_shared_settings")
def delete_holiday(holiday_id: int):
    """Remove one row from the calendar."""
    holiday = db.get_or_404(Holiday, holiday_id)
    year = holiday.day.year
    if ToggleForm().validate_on_submit():
        calendar.delete_holiday(holiday, current_user)
        db.session.commit()
        flash(_("Day removed from the calendar."), "success")
    return redirect(url_for("units.list_holidays", year=year))


@bp.route("/deadlines", methods=["GET", "POST"])
@permission_required("manage_units")
@changes_require("change_shared_settings")
def edit_deadlines():
    """The working days each step of a case may take."""
    form = DeadlinesForm(data=calendar.deadline_policies())
    if form.validate_on_submit():
        for key in calendar.DEFAULT_DEADLINE_DAYS:
            calendar.set_deadline_days(key, form[key].data, current_user)
        db.session.commit()
        flash(_("Deadlines saved."), "success")
        return redirect(url_for("units.edit_deadlines"))
    status = 400 if form.is_submitted() else 200
    return render_template("units/deadlines.html", form=form), status
