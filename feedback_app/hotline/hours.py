"""The hotline's opening hours: working days (holidays skipped) and the configured windows.

`HOTLINE_OPENING_HOURS` is a comma-separated list of local-time windows ("07:30-11:30,13:30-17:00").
A call outside them is flagged after-hours and put on the call-back list for the next working
morning; a call missed inside them is due back within `HOTLINE_CALLBACK_HOURS`.
"""

from datetime import datetime, time, timedelta

from flask import current_app

from ..errors import UserError
from ..timeutil import LOCAL_TZ
from ..units.calendar import is_working_day


class BadOpeningHours(UserError):
    """The setting cannot be read: a mistake in the configuration, named for the admin who
    wrote it (in English, like every other configuration message)."""


def windows() -> list[tuple[time, time]]:
    """The opening windows of a working day, in order."""
    spec = str(current_app.config["HOTLINE_OPENING_HOURS"] or "")
    result = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            start, end = (time.fromisoformat(value.strip()) for value in part.split("-"))
        except ValueError as exc:
            raise BadOpeningHours(f"HOTLINE_OPENING_HOURS: cannot read {part!r}") from exc
        if end <= start:
            raise BadOpeningHours(f"HOTLINE_OPENING_HOURS: {part!r} ends before it starts")
        result.append((start, end))
    return sorted(result)


def is_open(moment: datetime) -> bool:
    """Whether an operator is on duty at this instant."""
    local = moment.astimezone(LOCAL_TZ)
    if not is_working_day(local.date()):
        return False
    return any(start <= local.time() < end for start, end in windows())


def next_opening(moment: datetime) -> datetime:
    """The first opening after this instant (the next working morning after hours)."""
    local = moment.astimezone(LOCAL_TZ)
    day = local.date()
    spans = windows()
    if not spans:
        return moment
    for _ in range(60):  # Tết and its weekends never close the office for two months
        if is_working_day(day):
            for start, _end in spans:
                candidate = datetime.combine(day, start, tzinfo=LOCAL_TZ)
                if candidate > local:
                    return candidate.astimezone(moment.tzinfo)
        day += timedelta(days=1)
    return moment


def callback_due(moment: datetime, after_hours: bool) -> datetime:
    """When a missed or after-hours call should be returned."""
    if after_hours:
        return next_opening(moment)
    return moment + timedelta(hours=int(current_app.config["HOTLINE_CALLBACK_HOURS"]))


def describe() -> str:
    """The windows as people write them ("07:30–11:30, 13:30–17:00")."""
    return ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in windows())
