"""Lịch làm việc: working days, public holidays and the deadline policy. Callers commit.

Saturdays and Sundays are off; Holiday rows of kind "holiday" are off too, and rows of kind
"makeup_workday" (ngày làm bù) are working days even on a weekend. The government announces
each year's swaps and make-up days, so holidays are data an admin edits; `load_year` fills in
the predictable part.
"""

from datetime import date, timedelta

from flask_babel import gettext as _
from lunar_vn import convert_lunar_to_solar, solar_to_lunar
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..connections import run_on
from ..errors import UserError
from ..extensions import db
from ..models import DeadlinePolicy, Holiday, HolidayKind, User

# The years the lunar conversion (lunar-vn) supports.
FIRST_YEAR, LAST_YEAR = 1900, 2100

# Working days each step may take, unless an admin set otherwise (DeadlinePolicy rows).
DEFAULT_DEADLINE_DAYS = {
    # Classifying a new case: receive, log, classify (NĐ 20/2008 practice).
    "classify": 5,
    # A case outside our competence is forwarded within 5 working days (NĐ 20/2008/NĐ-CP).
    "forward": 5,
    # The answer is due within 10 working days (Luật Tiếp công dân, Điều 28).
    "answer": 10,
}
MIN_DEADLINE_DAYS, MAX_DEADLINE_DAYS = 1, 60

_SATURDAY = 5


class DuplicateHoliday(UserError):
    """The calendar already has a row for this date."""

    field = "day"


class YearOutOfRange(UserError):
    """Public holidays can be computed only for FIRST_YEAR..LAST_YEAR."""

    field = "year"


class UnknownDeadline(KeyError):
    """No deadline policy has this key."""


# --- Working days -------------------------------------------------------------------------


def _exceptions(first: date, last: date, sql: Connection | None = None) -> dict[date, HolidayKind]:
    """The Holiday rows from first to last (inclusive), by day: one query (on `sql`, a caller's
    own connection, if given; else in the session)."""
    query = select(Holiday.day, Holiday.kind).where(Holiday.day >= first, Holiday.day <= last)
    rows = run_on(sql).execute(query).all()
    return {day: kind for day, kind in rows}


def _is_working(day: date, exceptions: dict[date, HolidayKind]) -> bool:
    kind = exceptions.get(day)
    if kind is not None:
        return kind == HolidayKind.MAKEUP_WORKDAY
    return day.weekday() < _SATURDAY


def is_working_day(day: date) -> bool:
    """Whether officers work on this day (weekday not a holiday, or a make-up working day)."""
    return _is_working(day, _exceptions(day, day))


def add_working_days(start: date, n: int) -> date:
    """The date n working days after `start` (start itself is not counted).

    Holidays are read with one query over a generous window; a longer walk (a long holiday
    stretch) reads the next window.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day, remaining = start, n
    while remaining:
        window_end = day + timedelta(days=remaining * 3 + 30)
        exceptions = _exceptions(day + timedelta(days=1), window_end)
        while remaining and day < window_end:
            day += timedelta(days=1)
            if _is_working(day, exceptions):
                remaining -= 1
    return day


def add_working_days_each(
    start: date, counts: tuple[int, ...], sql: Connection | None = None
) -> list[date]:
    """`add_working_days(start, n)` for each n, walking the calendar once (usually one query;
    on `sql` if given)."""
    if any(n < 0 for n in counts):
        raise ValueError("n must not be negative")
    wanted = sorted(set(counts))
    found: dict[int, date] = {0: start}
    day, done, target = start, 0, wanted[-1] if wanted else 0
    while done < target:
        window_end = day + timedelta(days=(target - done) * 3 + 30)
        exceptions = _exceptions(day + timedelta(days=1), window_end, sql)
        while done < target and day < window_end:
            day += timedelta(days=1)
            if _is_working(day, exceptions):
                done += 1
                found[done] = day
    return [found[n] for n in counts]


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative when end is before start.

    So `working_days_between(d, add_working_days(d, n)) == n`, and a case answered on its due
    date is 0 working days late.
    """
    if end < start:
        return -working_days_between(end, start)
    exceptions = _exceptions(start + timedelta(days=1), end)
    return sum(
        _is_working(start + timedelta(days=i), exceptions) for i in range(1, (end - start).days + 1)
    )


# --- Public holidays ----------------------------------------------------------------------


def vietnam_public_holidays(year: int) -> list[tuple[date, str, HolidayKind]]:
    """The predictable public holidays of a year: (date, Vietnamese name, kind), by date.

    - 1 January: Tết Dương lịch.
    - Tết Nguyên Đán: the last day of the lunar year (29 or 30 tháng Chạp) and mùng 1–4 of the
      new year, the five days the government usually grants.
    - Giỗ Tổ Hùng Vương: the 10th day of the 3rd lunar month.
    - 30 April and 1 May.
    - Quốc khánh: 2 September and the day before it.

    Lunar dates use Vietnam's calendar (UTC+7). When a holiday falls on a weekend, no
    compensatory day is invented: the government announces those (and its swaps and make-up
    working days) each year, and an admin adds them.
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise YearOutOfRange(
            _(
                "Public holidays can be loaded for %(min)d to %(max)d.",
                min=FIRST_YEAR,
                max=LAST_YEAR,
            )
        )
    tet = convert_lunar_to_solar(1, 1, year)
    tet_eve = tet - timedelta(days=1)
    found = [
        (date(year, 1, 1), "Tết Dương lịch"),
        (tet_eve, f"Tết Nguyên Đán ({solar_to_lunar(tet_eve).day} tháng Chạp)"),
        *((tet + timedelta(days=i), f"Tết Nguyên Đán (mùng {i + 1} Tết)") for i in range(4)),
        (convert_lunar_to_solar(10, 3, year), "Giỗ Tổ Hùng Vương (10/3 âm lịch)"),
        (date(year, 4, 30), "Ngày Giải phóng miền Nam, thống nhất đất nước"),
        (date(year, 5, 1), "Ngày Quốc tế Lao động"),
        # The day next to Quốc khánh is set each year (1 September from 2025, 3 September in
        # 2024); an admin can edit the row when the government picks the other one.
        (date(year, 9, 1), "Quốc khánh (nghỉ liền kề)"),
        (date(year, 9, 2), "Quốc khánh"),
    ]
    by_day: dict[date, str] = {}
    for day, name in sorted(found):
        # Giỗ Tổ can fall on 30 April: one day, both names.
        by_day[day] = f"{by_day[day]}; {name}" if day in by_day else name
    return [(day, name, HolidayKind.HOLIDAY) for day, name in by_day.items()]


def load_year(year: int, actor: User | None = None) -> int:
    """Add the year's public holidays that are missing; returns how many were added.

    Idempotent: a day already in the calendar is left as it is, whatever its name or kind.
    """
    holidays = vietnam_public_holidays(year)
    present = set(
        db.session.scalars(
            select(Holiday.day).where(Holiday.day.in_([day for day, _name, _kind in holidays]))
        )
    )
    added = [
        Holiday(day=day, name=name, kind=kind) for day, name, kind in holidays if day not in present
    ]
    db.session.add_all(added)
    db.session.flush()
    if added:
        audit.record("holidays_loaded", actor=actor, year=year, added=len(added))
    return len(added)


def holidays_in_year(year: int) -> list[Holiday]:
    """The calendar's rows for a year, by date."""
    return list(
        db.session.scalars(
            select(Holiday)
            .where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
            .order_by(Holiday.day)
        )
    )


def add_holiday(day: date, name: str, kind: HolidayKind, actor: User | None) -> Holiday:
    """A new row in the calendar; one row per date (DuplicateHoliday otherwise)."""
    holiday = Holiday(day=day, name=name, kind=kind)
    try:
        # A savepoint: the unique date decides, even between two admins saving at once.
        with db.session.begin_nested():
            db.session.add(holiday)
    except IntegrityError as exc:
        raise DuplicateHoliday(_("This date is already in the calendar.")) from exc
    audit.record("holiday_added", actor=actor, target=holiday, day=day.isoformat(), kind=kind.value)
    return holiday


def delete_holiday(holiday: Holiday, actor: User | None) -> None:
    """Remove a row; the audit event keeps what it was."""
    audit.record(
        "holiday_deleted",
        actor=actor,
        target=holiday,
        day=holiday.day.isoformat(),
        name=holiday.name,
        kind=HolidayKind(holiday.kind).value,
    )
    db.session.delete(holiday)
    db.session.flush()


# --- Deadline policy ----------------------------------------------------------------------


def deadline_policies(sql: Connection | None = None) -> dict[str, int]:
    """Working days for every step: the defaults, overridden by DeadlinePolicy rows (read on
    `sql` if given, else in the session)."""
    query = select(DeadlinePolicy.key, DeadlinePolicy.working_days)
    rows = run_on(sql).execute(query).all()
    stored = {key: days for key, days in rows if key in DEFAULT_DEADLINE_DAYS}
    return {**DEFAULT_DEADLINE_DAYS, **stored}


def deadline_days(key: str) -> int:
    """Working days the step `key` ("classify", "forward", "answer") may take."""
    if key not in DEFAULT_DEADLINE_DAYS:
        raise UnknownDeadline(key)
    stored = db.session.scalar(select(DeadlinePolicy.working_days).where(DeadlinePolicy.key == key))
    return DEFAULT_DEADLINE_DAYS[key] if stored is None else stored


def set_deadline_days(key: str, days: int, actor: User | None) -> DeadlinePolicy | None:
    """Create or update the policy row for a step, with an audit event.

    Nothing is written when the step already takes `days` (stored, or by default with no row).
    """
    if key not in DEFAULT_DEADLINE_DAYS:
        raise UnknownDeadline(key)
    if not MIN_DEADLINE_DAYS <= days <= MAX_DEADLINE_DAYS:
        raise ValueError(f"{key}: {days} is outside {MIN_DEADLINE_DAYS}..{MAX_DEADLINE_DAYS}")
    row = db.session.scalar(select(DeadlinePolicy).where(DeadlinePolicy.key == key))
    previous = row.working_days if row is not None else DEFAULT_DEADLINE_DAYS[key]
    if days == previous:
        return row
    if row is None:
        row = DeadlinePolicy(key=key, working_days=days)
        db.session.add(row)
    else:
        row.working_days = days
    db.session.flush()
    audit.record("deadline_changed", actor=actor, target=row, key=key, days=days, previous=previous)
    return row
