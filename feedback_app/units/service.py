"""Units and desks: loading the map, and the changes an admin makes. Callers commit."""

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..errors import UserError
from ..extensions import db
from ..forms import options
from ..models import AdminUnit, Counter, Officer, ServicePoint, UnitLevel, User
from ..security import in_scope

TWO_LEVEL_MAP_FROM = date(2025, 7, 1)


class UnitImportError(UserError):
    """The unit list cannot be loaded; the message says why (shown on the command line)."""


class DuplicateCounter(UserError):
    """A desk already has a counter with this code."""

    field = "code"


@dataclass
class ImportResult:
    """What an import did."""

    created: int = 0
    unchanged: int = 0


def find_unit(code: str, on: date | None = None) -> AdminUnit | None:
    """The version of a unit in force on a day (today by default); else its latest version."""
    on = on or date.today()
    versions = db.session.scalars(
        select(AdminUnit).where(AdminUnit.code == code).order_by(AdminUnit.valid_from.desc())
    ).all()
    for unit in versions:
        if unit.is_current(on):
            return unit
    return versions[0] if versions else None


def ensure_unit(
    *,
    code: str,
    name: str,
    level: UnitLevel,
    parent: AdminUnit | None,
    valid_from: date,
    valid_to: date | None = None,
    result: ImportResult | None = None,
) -> AdminUnit:
    """The unit version (code, valid_from), created if missing. Never changes an existing one."""
    unit = db.session.scalar(
        select(AdminUnit).where(AdminUnit.code == code, AdminUnit.valid_from == valid_from)
    )
    if unit is not None:
        if result is not None:
            result.unchanged += 1
        return unit
    unit = AdminUnit(code=code, name=name, level=level, valid_from=valid_from, valid_to=valid_to)
    db.session.add(unit)
    db.session.flush()
    unit.set_parent(parent)
    db.session.flush()
    if result is not None:
        result.created += 1
    return unit


def import_province(code: str) -> ImportResult:
    """Load a province and its communes (post-1 July 2025 map) from `vietnam-provinces`."""
    try:
        from vietnam_provinces import Province, ProvinceCode, Ward
    except ImportError as exc:
        raise UnitImportError(
            "The optional package vietnam-provinces is not installed: pip install '.[units]'"
        ) from exc
    try:
        province = Province.from_code(ProvinceCode(int(code)))
    except ValueError as exc:
        raise UnitImportError(f"Unknown province code: {code}") from exc
    result = ImportResult()
    province_code = f"{int(province.code):02d}"
    parent = find_unit(province_code, TWO_LEVEL_MAP_FROM)
    if parent is None or parent.level != UnitLevel.PROVINCE:
        parent = ensure_unit(
            code=province_code,
            name=province.name,
            level=UnitLevel.PROVINCE,
            parent=None,
            valid_from=TWO_LEVEL_MAP_FROM,
            result=result,
        )
    else:
        result.unchanged += 1
    for ward in sorted(Ward.iter_by_province(province.code), key=lambda w: int(w.code)):
        ensure_unit(
            code=f"{int(ward.code):05d}",
            name=ward.name,
            level=UnitLevel.COMMUNE,
            parent=parent,
            valid_from=TWO_LEVEL_MAP_FROM,
            result=result,
        )
    return result


CSV_COLUMNS = ("code", "name", "level", "parent_code", "valid_from")


def import_csv(path: Path) -> ImportResult:
    """Load units from the statistics office's list (code, name, level, parent code, valid from).

    Parents must come before their children; the whole file is refused if one row is wrong.
    """
    result = ImportResult()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise UnitImportError(f"Missing columns: {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            try:
                level = UnitLevel(row["level"].strip())
                valid_from = date.fromisoformat(row["valid_from"].strip())
            except ValueError as exc:
                raise UnitImportError(f"Line {line}: {exc}") from exc
            code, name = row["code"].strip(), row["name"].strip()
            if not code or not name:
                raise UnitImportError(f"Line {line}: code and name are required")
            parent = None
            if row["parent_code"].strip():
                parent = find_unit(row["parent_code"].strip(), valid_from)
                if parent is None:
                    raise UnitImportError(f"Line {line}: unknown parent {row['parent_code']}")
            ensure_unit(
                code=code,
                name=name,
                level=level,
                parent=parent,
                valid_from=valid_from,
                result=result,
            )
    return result


def create_service_point(unit: AdminUnit, name: str, address: str, actor: User) -> ServicePoint:
    """A new desk for a unit."""
    point = ServicePoint(unit=unit, name=name, address=address)
    db.session.add(point)
    db.session.flush()
    audit.record("service_point_created", actor=actor, target=point, unit=unit.code)
    return point


def add_counter(point: ServicePoint, code: str, name: str, actor: User | None) -> Counter:
    """A new counter at a desk; codes are unique within the desk."""
    if any(c.code == code for c in point.counters):
        raise DuplicateCounter(_("This desk already has a counter with that number."))
    counter = Counter(service_point=point, code=code, name=name)
    db.session.add(counter)
    db.session.flush()
    audit.record("counter_created", actor=actor, target=counter, service_point=point.id)
    return counter


def add_officer(point: ServicePoint, name: str, title: str, actor: User | None) -> Officer:
    """A new officer at a desk."""
    officer = Officer(service_point=point, name=name, title=title)
    db.session.add(officer)
    db.session.flush()
    audit.record("officer_created", actor=actor, target=officer, service_point=point.id)
    return officer


def set_officer_active(officer: Officer, active: bool, actor: User) -> None:
    """Officers who leave are deactivated, never deleted: old responses still name them."""
    if officer.active != active:
        officer.active = active
        audit.record("officer_changed", actor=actor, target=officer, active=active)


def units_in_scope(user: User) -> list[AdminUnit]:
    """The user's unit and every unit below it, in tree order."""

    return db.session.scalars(
        select(AdminUnit).where(in_scope(AdminUnit.id, user)).order_by(AdminUnit.path)
    ).all()


def desks_in_scope(user: User, active_only: bool = False) -> list[ServicePoint]:
    """The desks whose unit lies within the user's scope, by unit then name."""

    query = (
        select(ServicePoint)
        .join(ServicePoint.unit)
        .where(in_scope(ServicePoint.unit_id, user))
        .order_by(AdminUnit.path, ServicePoint.name, ServicePoint.id)
    )
    if active_only:
        query = query.where(ServicePoint.active)
    return list(db.session.scalars(query))


def desk_in_scope(desk_id: int, user: User) -> ServicePoint:
    """One desk, if the user's scope covers it; a 404 otherwise (another unit's desk is not
    acknowledged to exist)."""

    return db.first_or_404(
        select(ServicePoint).where(ServicePoint.id == desk_id, in_scope(ServicePoint.unit_id, user))
    )


def unit_options(units: list[AdminUnit], as_text: bool = False) -> list:
    """Select choices for units: "code · name" labels, ids as values."""

    return options((str(u.id) if as_text else u.id, f"{u.code} · {u.name}") for u in units)
