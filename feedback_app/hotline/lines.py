"""Hotline lines (đường dây nóng) as the admin sets them up: the published number, the unit whose
cases its calls become, and where "0 — talk to an operator" is put through. Callers commit.

Kept apart from service.py, which handles what the providers send.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..errors import UserError
from ..extensions import db
from ..models import AdminUnit, HotlineLine, User


class LineError(UserError):
    """A hotline line that cannot be saved."""


@dataclass
class LineData:
    """What the admin typed for a line (numbers already cleaned by the form)."""

    number: str
    label: str
    unit: AdminUnit
    operator_number: str
    active: bool


def _check_number_free(number: str, line: HotlineLine | None) -> None:
    other = db.session.scalar(select(HotlineLine).where(HotlineLine.number == number))
    if other is not None and other is not line:
        raise LineError(_("Another line already has this number."), "number")


def _flush() -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        # Two admins saving the same number at the same moment: the other one won.
        raise LineError(_("Another line already has this number."), "number") from exc


def create_line(data: LineData, actor: User) -> HotlineLine:
    """A new line, audited."""
    _check_number_free(data.number, None)
    line = HotlineLine(
        number=data.number,
        label=data.label,
        unit=data.unit,
        operator_number=data.operator_number,
        active=data.active,
    )
    db.session.add(line)
    _flush()
    audit.record(
        "hotline_line_created",
        actor=actor,
        target=line,
        number=line.number,
        unit=data.unit.code,
        active=line.active,
    )
    return line


def update_line(line: HotlineLine, data: LineData, actor: User) -> bool:
    """Save the admin's changes; audited with what changed. Whether anything changed."""
    _check_number_free(data.number, line)
    before = {
        "number": line.number,
        "label": line.label,
        "unit": line.unit.code,
        "operator_number": line.operator_number,
        "active": line.active,
    }
    line.number = data.number
    line.label = data.label
    line.unit = data.unit
    line.operator_number = data.operator_number
    line.active = data.active
    after = {
        "number": line.number,
        "label": line.label,
        "unit": data.unit.code,
        "operator_number": line.operator_number,
        "active": line.active,
    }
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if not changed:
        return False
    _flush()
    audit.record("hotline_line_changed", actor=actor, target=line, **changed)
    return True
