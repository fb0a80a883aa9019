"""The working-day calendar: weekends, holidays, make-up days, Vietnam's public holidays."""

from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, DeadlinePolicy, Holiday, HolidayKind
from feedback_app.units import calendar

FRIDAY = date(2025, 3, 7)  # no holiday within three weeks of it


def add_day(day: date, kind=HolidayKind.HOLIDAY, name="Ngày nghỉ"):
    """A calendar row, committed."""
    db.session.add(Holiday(day=day, name=name, kind=kind))
    db.session.commit()


def holiday_rows() -> dict[date, tuple[str, HolidayKind]]:
    """Every calendar row, by day."""
    return {h.day: (h.name, h.kind) for h in db.session.scalars(select(Holiday))}


@pytest.fixture
def ctx(app):
    """An app context for calling the service directly."""
    with app.app_context():
        yield


# --- add_working_days ----------------------------------------------------------------------


def test_one_working_day_after_a_friday_is_the_monday(ctx):
    assert calendar.add_working_days(FRIDAY, 1) == date(2025, 3, 10)


def test_a_weekend_start_counts_from_monday(ctx):
    saturday = FRIDAY + timedelta(days=1)
    assert calendar.add_working_days(saturday, 1) == date(2025, 3, 10)
    assert calendar.add_working_days(saturday + timedelta(days=1), 2) == date(2025, 3, 11)


def test_ten_working_days_from_a_friday_is_the_friday_two_weeks_later(ctx):
    assert calendar.add_working_days(FRIDAY, 10) == date(2025, 3, 21)


def test_zero_working_days_is_the_start_itself(ctx):
    assert calendar.add_working_days(FRIDAY, 0) == FRIDAY


def test_negative_working_days_are_refused(ctx):
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(FRIDAY, -1)


def test_tet_2025_holidays_push_a_deadline_past_the_lunar_new_year(ctx):
    start = date(2025, 1, 24)  # Friday before Tết Ất Tỵ
    assert calendar.add_working_days(start, 5) == date(2025, 1, 31)  # weekends only
    calendar.load_year(2025)
    db.session.commit()
    # Mon 27 Jan works; 28 Jan (29 Chạp) to 1 Feb (mùng 4) are off; then 3–6 Feb.
    assert calendar.add_working_days(start, 5) == date(2025, 2, 6)


def test_a_weekday_holiday_is_skipped(ctx):
    add_day(FRIDAY + timedelta(days=3))  # the Monday
    assert calendar.add_working_days(FRIDAY, 1) == date(2025, 3, 11)


def test_a_makeup_saturday_is_a_working_day(ctx):
    saturday = FRIDAY + timedelta(days=1)
    add_day(saturday, HolidayKind.MAKEUP_WORKDAY, "Làm bù")
    assert calendar.add_working_days(FRIDAY, 1) == saturday
    assert calendar.add_working_days(FRIDAY, 2) == date(2025, 3, 10)
    assert calendar.is_working_day(saturday)


def test_holidays_are_read_with_one_query(app, ctx):
    calendar.load_year(2025)
    db.session.commit()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = calendar.add_working_days(date(2025, 1, 24), 10)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert result == date(2025, 2, 13)
    assert len([s for s in statements if "holidays" in s]) == 1


def test_a_holiday_stretch_longer_than_the_window_is_still_skipped(ctx):
    start = FRIDAY
    # 40 days off in a row: longer than the first window (1 * 3 + 30 days).
    for i in range(1, 41):
        db.session.add(
            Holiday(day=start + timedelta(days=i), name="Đóng cửa", kind=HolidayKind.HOLIDAY)
        )
    db.session.commit()
    assert calendar.add_working_days(start, 1) == date(2025, 4, 17)  # Thursday after the stretch


# --- is_working_day, working_days_between --------------------------------------------------


def test_is_working_day_knows_weekends_holidays_and_makeup_days(ctx):
    add_day(date(2025, 4, 30))
    add_day(date(2025, 4, 26), HolidayKind.MAKEUP_WORKDAY, "Làm bù")
    assert calendar.is_working_day(date(2025, 4, 29))
    assert not calendar.is_working_day(date(2025, 4, 30))
    assert not calendar.is_working_day(date(2025, 4, 27))  # Sunday
    assert calendar.is_working_day(date(2025, 4, 26))  # make-up Saturday


def test_working_days_between_undoes_add_working_days(ctx):
    calendar.load_year(2025)
    db.session.commit()
    start = date(2025, 1, 20)
    for n in (0, 1, 5, 10, 23):
        end = calendar.add_working_days(start, n)
        assert calendar.working_days_between(start, end) == n
        assert calendar.working_days_between(end, start) == -n


def test_working_days_between_counts_the_end_but_not_the_start(ctx):
    assert calendar.working_days_between(FRIDAY, FRIDAY + timedelta(days=3)) == 1
    assert calendar.working_days_between(FRIDAY, FRIDAY + timedelta(days=2)) == 0


# --- Vietnam's public holidays -------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "tet", "gio_to"),
    [
        (2024, date(2024, 2, 10), date(2024, 4, 18)),
        (2025, date(2025, 1, 29), date(2025, 4, 7)),
        (2026, date(2026, 2, 17), date(2026, 4, 26)),
    ],
)
def test_public_holidays_have_the_right_tet_and_gio_to(year, tet, gio_to):
    days = {day: (name, kind) for day, name, kind in calendar.vietnam_public_holidays(year)}
    tet_days = [tet + timedelta(days=i) for i in range(-1, 4)]  # 29/30 Chạp to mùng 4
    assert all("Tết Nguyên Đán" in days[d][0] for d in tet_days)
    assert tet - timedelta(days=2) not in days
    assert tet + timedelta(days=4) not in days
    assert "Giỗ Tổ Hùng Vương" in days[gio_to][0]
    fixed = [(1, 1), (4, 30), (5, 1), (9, 1), (9, 2)]
    assert all(date(year, m, d) in days for m, d in fixed)
    assert len(days) == 11
    assert {kind for _, kind in days.values()} == {HolidayKind.HOLIDAY}


def test_public_holidays_name_the_last_day_of_the_lunar_year():
    days = {day: name for day, name, _ in calendar.vietnam_public_holidays(2025)}
    assert days[date(2025, 1, 28)] == "Tết Nguyên Đán (29 tháng Chạp)"
    days = {day: name for day, name, _ in calendar.vietnam_public_holidays(2024)}
    assert days[date(2024, 2, 9)] == "Tết Nguyên Đán (30 tháng Chạp)"


def test_public_holidays_are_only_computed_for_supported_years():
    with pytest.raises(calendar.YearOutOfRange):
        calendar.vietnam_public_holidays(1899)


# --- load_year, through the CLI ------------------------------------------------------------


def test_holidays_load_command_adds_the_year_once(app, runner):
    first = runner.invoke(args=["holidays", "load", "--year", "2025"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "Holidays added: 11."
    again = runner.invoke(args=["holidays", "load", "--year", "2025"])
    assert again.exit_code == 0, again.output
    assert again.output.strip() == "Holidays added: 0."
    with app.app_context():
        rows = holiday_rows()
        assert len(rows) == 11
        assert rows[date(2025, 4, 7)][0].startswith("Giỗ Tổ Hùng Vương")
        loaded = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "holidays_loaded")
        ).all()
        assert [e.detail for e in loaded] == [{"year": 2025, "added": 11}]


def test_holidays_load_keeps_a_day_an_admin_already_set(app, runner):
    with app.app_context():
        add_day(date(2025, 9, 1), HolidayKind.MAKEUP_WORKDAY, "Đổi ngày: làm việc")
    result = runner.invoke(args=["holidays", "load", "--year", "2025"])
    assert result.output.strip() == "Holidays added: 10."
    with app.app_context():
        assert holiday_rows()[date(2025, 9, 1)] == (
            "Đổi ngày: làm việc",
            HolidayKind.MAKEUP_WORKDAY,
        )


def test_holidays_load_refuses_a_year_outside_the_lunar_tables(app, runner):
    result = runner.invoke(args=["holidays", "load", "--year", "1850"])
    assert result.exit_code != 0
    with app.app_context():
        assert holiday_rows() == {}


# --- Deadline policy -----------------------------------------------------------------------


def test_deadline_days_default_to_the_law(ctx):
    assert calendar.deadline_days("classify") == 5
    assert calendar.deadline_days("forward") == 5
    assert calendar.deadline_days("answer") == 10
    with pytest.raises(calendar.UnknownDeadline):
        calendar.deadline_days("lunch")


def test_set_deadline_days_overrides_the_default_and_is_audited(ctx):
    calendar.set_deadline_days("classify", 5, None)  # the default already: nothing to store
    calendar.set_deadline_days("answer", 15, None)
    calendar.set_deadline_days("answer", 15, None)  # unchanged: no second event
    db.session.commit()
    assert calendar.deadline_days("answer") == 15
    assert calendar.deadline_policies() == {"classify": 5, "forward": 5, "answer": 15}
    assert db.session.scalar(select(func.count()).select_from(DeadlinePolicy)) == 1
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "deadline_changed")
    ).all()
    assert [(e.target_type, e.detail) for e in events] == [
        ("DeadlinePolicy", {"key": "answer", "days": 15, "previous": 10})
    ]
    calendar.set_deadline_days("answer", 10, None)  # back to the law's 10: still a change
    db.session.commit()
    assert calendar.deadline_days("answer") == 10
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 2


def test_set_deadline_days_refuses_out_of_range_values(ctx):
    with pytest.raises(ValueError, match="outside"):
        calendar.set_deadline_days("answer", 0, None)
    with pytest.raises(ValueError, match="outside"):
        calendar.set_deadline_days("answer", 61, None)


def test_add_working_days_each_agrees_with_add_working_days_across_tet(ctx):
    calendar.load_year(2025)
    db.session.commit()
    for start in (date(2025, 1, 20), date(2025, 4, 25), FRIDAY):
        counts = (5, 0, 10, 5, 23)
        expected = [calendar.add_working_days(start, n) for n in counts]
        assert calendar.add_working_days_each(start, counts) == expected
