"""Dossier figures (Biểu 06/VPCP/KSTT shape, provisional): entering, importing, listing, totals.

A desk's figures for a month are entered on a form (one field, or all fields together) or
imported from a file (sheets.py). The rules, all checked before anything is written:
- each total equals its parts (models.dossiers.SUMS; the database holds them too);
- a desk's month is one row for all fields (field empty) or rows field by field, never both,
  so that adding rows never counts a dossier twice;
- the desk lies within the user's scope (an unknown desk and another unit's read the same).
Entering a desk, month and field again replaces that row; importing a desk's month replaces all
its rows for that month. Both are audited (counts and keys, never the file).

Every SELECT here is scoped through the desk's unit. No commits: the caller commits.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from .. import audit
from ..errors import UserError
from ..extensions import db
from ..models import AdminUnit, DossierStat, ServicePoint, User
from ..models.dossiers import FIGURES, SUMS
from ..security import in_scope, in_unit_tree
from ..textutil import clean_text
from .sheets import COLUMNS, Problem, Sheet, month_error, month_key

# Translated names of the figures: the form's labels, the list's columns, the sums' messages.
FIGURE_LABELS = {
    "received_total": _l("Received: total"),
    "received_online": _l("Received online"),
    "received_direct": _l("Received directly or by post"),
    "received_carried_over": _l("Carried over from the previous month"),
    "resolved_total": _l("Resolved: total"),
    "resolved_early": _l("Resolved early"),
    "resolved_on_time": _l("Resolved on time"),
    "resolved_late": _l("Resolved late"),
    "pending_total": _l("Pending: total"),
    "pending_in_time": _l("Pending, within time"),
    "pending_overdue": _l("Pending, overdue"),
}
# What each broken sum says; keyed like models.dossiers.SUMS.
SUM_MESSAGES = {
    "received_total": _l(
        "Online, direct or by post, and carried over add up to %(parts)d, not to the total "
        "%(total)d."
    ),
    "resolved_total": _l(
        "Early, on time and late add up to %(parts)d, not to the total %(total)d."
    ),
    "pending_total": _l("Within time and overdue add up to %(parts)d, not to the total %(total)d."),
}


class FiguresRefused(UserError):
    """Figures that cannot be stored: every problem found, each with its row and column, in
    `problems` (the import page lists them all; the entry form shows each under its column)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].message, problems[0].column)
        self.problems = problems

    @property
    def by_field(self) -> list[tuple[str | None, str]]:
        return [(problem.column, problem.message) for problem in self.problems]


@dataclass(frozen=True)
class ImportResult:
    """What an import stored."""

    rows: int
    desk_months: int
    replaced: int
    skipped: int
    first_month: date


# --- rules ----------------------------------------------------------------------------------


def sum_problems(figures: dict[str, int], row: int | None = None) -> list[Problem]:
    """A problem under each total whose parts do not add up to it."""
    problems = []
    for total, parts in SUMS:
        added = sum(figures[name] for name in parts)
        if added != figures[total]:
            message = str(SUM_MESSAGES[total]) % {"parts": added, "total": figures[total]}
            problems.append(Problem(row, total, message))
    return problems


def _mixing_message(field_name: str) -> str:
    """Why a row cannot join the desk's month as it is entered now."""
    if field_name:
        return _(
            "This desk's month is entered for all fields together; correct that row, or import "
            "the month again field by field."
        )
    return _(
        "This desk's month is entered field by field; correct those rows, or import the month "
        "again as one row."
    )


# --- reading --------------------------------------------------------------------------------


def _scoped(user: User) -> Select:
    """Figures of the desks within the user's scope."""
    return (
        select(DossierStat)
        .join(DossierStat.service_point)
        .where(in_scope(ServicePoint.unit_id, user))
    )


def find(user: User, desk_id: int, month: date, field_name: str) -> DossierStat | None:
    """The row of a desk, month and field, if the desk is within the user's scope."""
    return db.session.scalar(
        _scoped(user).where(
            DossierStat.service_point_id == desk_id,
            DossierStat.month == month,
            DossierStat.field == field_name,
        )
    )


def latest_month(user: User) -> date | None:
    """The latest month with figures within the user's scope."""
    return db.session.scalar(
        select(func.max(DossierStat.month))
        .join(DossierStat.service_point)
        .where(in_scope(ServicePoint.unit_id, user))
    )


def _in_month(month: date, desk_id: int | None) -> list:
    """The list's conditions: the month, and one desk if asked."""
    conditions = [DossierStat.month == month]
    if desk_id is not None:
        conditions.append(DossierStat.service_point_id == desk_id)
    return conditions


def month_query(user: User, month: date, desk_id: int | None = None) -> Select:
    """The list's SELECT: a month's figures within scope (one desk's, if given), by unit, desk
    and field."""
    return (
        _scoped(user)
        .join(ServicePoint.unit)
        .options(contains_eager(DossierStat.service_point))
        .where(*_in_month(month, desk_id))
        .order_by(AdminUnit.path, ServicePoint.name, DossierStat.field)
    )


def _summed(*conditions, extra: dict | None = None) -> dict[str, int] | None:
    """Every figure (and the `extra` sums) added up in one SQL statement over the rows that
    meet the conditions (which may name the desk's ServicePoint); None without rows."""
    extra = extra or {}
    row = db.session.execute(
        select(
            func.count(DossierStat.id),
            *(func.coalesce(func.sum(getattr(DossierStat, name)), 0) for name in FIGURES),
            *(func.coalesce(func.sum(value), 0) for value in extra.values()),
        )
        .select_from(DossierStat)
        .join(ServicePoint, ServicePoint.id == DossierStat.service_point_id)
        .where(*conditions)
    ).one()
    if not row[0]:
        return None
    return dict(zip((*FIGURES, *extra), map(int, row[1:]), strict=True))


def month_totals(user: User, month: date, desk_id: int | None = None) -> dict[str, int] | None:
    """The list's totals row: the same rows as month_query, added up in SQL."""
    return _summed(in_scope(ServicePoint.unit_id, user), *_in_month(month, desk_id))


def desks_without_figures(user: User, month: date) -> list[ServicePoint]:
    """Active desks within scope that have no figures for the month yet."""
    entered = select(DossierStat.service_point_id).where(DossierStat.month == month)
    return list(
        db.session.scalars(
            select(ServicePoint)
            .join(ServicePoint.unit)
            .where(
                in_scope(ServicePoint.unit_id, user),
                ServicePoint.active,
                ServicePoint.id.not_in(entered),
            )
            .order_by(AdminUnit.path, ServicePoint.name)
        )
    )


def totals(unit: AdminUnit, start_month: date, end_month: date) -> dict[str, int] | None:
    """The figures of every desk in the unit's tree over the months from start_month's to
    end_month's (any day of a month stands for it), added up in one SQL statement; None when no
    desk has figures for those months. For the period summary.

    Keys: the eleven FIGURES, each the plain sum over the months. Flows (received online or
    directly, resolved, late) add up across months; stocks do not: a dossier pending at the end
    of January is carried over into February and counted again if still pending. So also:
    `carried_over_at_start` (received_carried_over of the first month), `pending_total_at_end`,
    `pending_in_time_at_end` and `pending_overdue_at_end` (those of the last month). For one
    month they equal the plain figures.
    """
    first, last = start_month.replace(day=1), end_month.replace(day=1)
    at_start, at_end = DossierStat.month == first, DossierStat.month == last
    ends = {
        "carried_over_at_start": case((at_start, DossierStat.received_carried_over), else_=0),
        "pending_total_at_end": case((at_end, DossierStat.pending_total), else_=0),
        "pending_in_time_at_end": case((at_end, DossierStat.pending_in_time), else_=0),
        "pending_overdue_at_end": case((at_end, DossierStat.pending_overdue), else_=0),
    }
    return _summed(
        in_unit_tree(ServicePoint.unit_id, unit),
        DossierStat.month.between(first, last),
        extra=ends,
    )


# --- writing --------------------------------------------------------------------------------


def _audit_month(stat: DossierStat) -> dict:
    """What an audit event says about a row: its desk and month (never the figures)."""
    return {"service_point": stat.service_point_id, "month": month_key(stat.month)}


def _check_entry(
    desk: ServicePoint, month: date, field_name: str, figures: dict[str, int], *, latest: date
) -> list[Problem]:
    """Every problem of one desk's entry, each under the field at fault: a total that is not
    the sum of its parts, a month not begun by `latest`, a field that does not fit how the
    month is already entered. Reads only: the form asks first, to show them all at once."""
    field_name = clean_text(field_name or "")
    problems = sum_problems(figures)
    if error := month_error(month, latest):
        problems.append(Problem(None, "month", error))
    others = select(DossierStat.id).where(
        DossierStat.service_point_id == desk.id,
        DossierStat.month == month,
        (DossierStat.field == "") if field_name else (DossierStat.field != ""),
    )
    if db.session.scalar(others.limit(1)) is not None:
        problems.append(Problem(None, "field", _mixing_message(field_name)))
    return problems


def save(
    desk: ServicePoint,
    month: date,
    field_name: str,
    figures: dict[str, int],
    *,
    actor: User,
    latest: date,
) -> tuple[DossierStat, bool]:
    """Enter one desk's figures for a month and field (empty: all fields); (row, replaced).

    `desk` must already be one within the actor's scope. Raises FiguresRefused with every
    problem of `_check_entry`.
    """
    field_name = clean_text(field_name or "")
    if problems := _check_entry(desk, month, field_name, figures, latest=latest):
        raise FiguresRefused(problems)
    stat = db.session.scalar(
        select(DossierStat).where(
            DossierStat.service_point_id == desk.id,
            DossierStat.month == month,
            DossierStat.field == field_name,
        )
    )
    replaced = stat is not None
    if stat is None:
        stat = DossierStat(service_point_id=desk.id, month=month, field=field_name)
        db.session.add(stat)
    for name, value in figures.items():
        setattr(stat, name, value)
    stat.entered_by_id = actor.id
    _flush()
    audit.record(
        "dossier_figures_entered",
        actor=actor,
        target=stat,
        field=field_name,
        replaced=replaced,
        **_audit_month(stat),
    )
    return stat, replaced


def _desk_name(text: str) -> str:
    """A desk's name as compared with the file's: case, spaces and an apostrophe ignored."""
    return " ".join(text.lstrip("'").casefold().split())


def check_import(sheet: Sheet, user: User) -> list[Problem]:
    """Every problem of a read file against the database and itself: desks outside the scope
    (or unknown), a name that is not the numbered desk's, parts that do not add up, the same
    desk, month and field twice, a month entered both as one row and field by field; or, when
    nothing else is wrong, no rows at all. Reads only: the import page asks first, to list
    them all."""
    problems = list(sheet.problems)
    if not problems and not sheet.rows:
        return [Problem(None, None, _("The file has no rows of figures."))]
    ids = {row.service_point_id for row in sheet.rows}
    desks = {
        desk.id: desk
        for desk in db.session.scalars(
            select(ServicePoint).where(
                ServicePoint.id.in_(ids), in_scope(ServicePoint.unit_id, user)
            )
        )
    }
    seen: dict[tuple, int] = {}
    shape: dict[tuple, tuple[bool, int]] = {}  # (desk, month) → (by field?, first row)
    for row in sheet.rows:
        desk = desks.get(row.service_point_id)
        if desk is None:
            problems.append(
                Problem(
                    row.row,
                    "service_point_id",
                    _("No desk %(id)d within your units.", id=row.service_point_id),
                )
            )
        elif row.desk_name and _desk_name(row.desk_name) != _desk_name(desk.name):
            problems.append(
                Problem(
                    row.row,
                    "desk_name",
                    _(
                        "Desk %(id)d is “%(name)s”: check the number or the name.",
                        id=desk.id,
                        name=desk.name,
                    ),
                )
            )
        problems.extend(sum_problems(row.figures, row.row))
        key = (row.service_point_id, row.month, row.field)
        if key in seen:
            problems.append(
                Problem(
                    row.row,
                    "field",
                    _("The same desk, month and field as row %(row)d.", row=seen[key]),
                )
            )
        else:
            seen[key] = row.row
        by_field, first_row = shape.setdefault(key[:2], (bool(row.field), row.row))
        if by_field != bool(row.field):
            problems.append(Problem(row.row, "field", _shape_message(by_field, first_row)))
    return sorted(problems, key=lambda p: (p.row or 0, _column_order(p.column)))


def _shape_message(by_field: bool, first_row: int) -> str:
    """A row that does not fit how an earlier row of the file enters the desk's month."""
    if by_field:
        return _(
            "Row %(row)d has this desk's month field by field: a month is one row for all "
            "fields, or one row per field.",
            row=first_row,
        )
    return _(
        "Row %(row)d has this desk's month for all fields together: a month is one row for all "
        "fields, or one row per field.",
        row=first_row,
    )


COLUMN_ORDER = {column.key: position for position, column in enumerate(COLUMNS)}


def _column_order(key: str | None) -> int:
    """Where a column stands in the file, to list a row's problems from left to right."""
    return COLUMN_ORDER.get(key or "", -1)


def _flush() -> None:
    """Write the session's changes; two changes of one desk's month at the same moment collide
    on the unique key: the later is refused (the caller rolls back) and may simply be resent."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise FiguresRefused(
            [
                Problem(
                    None,
                    None,
                    _(
                        "Another change of these figures was saved at the same "
                        "moment. Send them again."
                    ),
                )
            ]
        ) from exc


def import_sheet(sheet: Sheet, *, actor: User, file_format: str) -> ImportResult:
    """Store a file's rows, all or nothing: raises FiguresRefused with every problem of
    `check_import`, else replaces each desk's month found in the file by the file's rows.
    Audited with counts."""
    if problems := check_import(sheet, actor):
        raise FiguresRefused(problems)
    desk_months = sorted({(row.service_point_id, row.month) for row in sheet.rows})
    replaced = 0
    for desk_id, month in desk_months:
        replaced += db.session.execute(
            delete(DossierStat).where(
                DossierStat.service_point_id == desk_id, DossierStat.month == month
            )
        ).rowcount
    db.session.add_all(
        DossierStat(
            service_point_id=row.service_point_id,
            month=row.month,
            field=row.field,
            entered_by_id=actor.id,
            **row.figures,
        )
        for row in sheet.rows
    )
    _flush()
    result = ImportResult(
        rows=len(sheet.rows),
        desk_months=len(desk_months),
        replaced=replaced,
        skipped=sheet.skipped,
        first_month=min(month for _desk, month in desk_months),
    )
    audit.record(
        "dossier_figures_imported",
        actor=actor,
        format=file_format,
        rows=result.rows,
        desk_months=result.desk_months,
        replaced=result.replaced,
        skipped=result.skipped,
    )
    return result
