"""Admin pages for the holiday calendar and the deadline policy, in both languages."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, DeadlinePolicy, Holiday, HolidayKind
from feedback_app.units import calendar
from tests.conftest import csrf_token, page, sign_in

LANGS = ("vi", "en")


def holidays(app) -> dict[date, tuple[str, HolidayKind]]:
    """Every calendar row, by day."""
    with app.app_context():
        return {h.day: (h.name, h.kind) for h in db.session.scalars(select(Holiday))}


CALENDAR_ACTIONS = ("holidays_loaded", "holiday_added", "holiday_deleted", "deadline_changed")


def audit_actions(app) -> list[str]:
    """The audit trail's calendar and deadline actions, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.in_(CALENDAR_ACTIONS))
                .order_by(AuditEvent.id)
            )
        )


def input_value(body: str, name: str) -> str | None:
    """The value of the input with this name on a page."""
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*\bvalue="([^"]*)"', body)
    return match.group(1) if match else None


def post_day(client, day, name="Nghỉ bù Quốc khánh", kind="holiday", lang="en"):
    """Add a calendar row through the page's form."""
    data = {"day": day, "name": name, "kind": kind}
    data["csrf_token"] = csrf_token(client, "/units/holidays")
    return client.post(f"/units/holidays?lang={lang}", data=data)


# --- The list ------------------------------------------------------------------------------


def test_list_shows_the_years_days_with_weekday_in_english(app, admin):
    with app.app_context():
        calendar.load_year(2025)
        db.session.commit()
    body = page(admin.get("/units/holidays?year=2025&lang=en"))
    assert '<html lang="en"' in body
    assert "Holidays 2025" in body
    assert "Giỗ Tổ Hùng Vương" in body
    assert "Tuesday" in body  # 28 January 2025, 29 tháng Chạp
    assert "Holiday (day off)" in body
    assert "on a weekend" in body  # mùng 4 Tết 2025 is a Saturday
    assert "/units/holidays?year=2024" in body and "/units/holidays?year=2026" in body
    assert "Load Vietnam's public holidays for 2025" in body


def test_list_is_in_vietnamese_by_default_with_vietnamese_weekdays(app, admin):
    with app.app_context():
        calendar.load_year(2025)
        db.session.commit()
    body = page(admin.get("/units/holidays?year=2025&lang=vi"))
    assert '<html lang="vi"' in body
    assert "Thứ Ba" in body
    assert "Tuesday" not in body
    assert "Tết Nguyên Đán (mùng 1 Tết)" in body


def test_list_shows_only_the_asked_year(app, admin):
    with app.app_context():
        calendar.load_year(2025)
        calendar.load_year(2026)
        db.session.commit()
    body = page(admin.get("/units/holidays?year=2026&lang=en"))
    assert "Monday" in body  # 16 Feb 2026
    assert "2025-01-28" not in body and "1/28/25" not in body
    assert "2/16/26" in body


def test_list_of_a_year_outside_the_calendar_is_404(admin):
    assert admin.get("/units/holidays?year=1800").status_code == 404


@pytest.mark.parametrize("lang", LANGS)
def test_load_button_adds_the_years_public_holidays_once(app, admin, lang):
    for expected in ("11", "0"):
        token = csrf_token(admin, "/units/holidays?year=2026")
        response = admin.post(
            f"/units/holidays/load?lang={lang}", data={"year": "2026", "csrf_token": token}
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/units/holidays?year=2026")
        body = page(admin.get(f"/units/holidays?year=2026&lang={lang}"))
        assert re.search(rf'class="flash flash-success"[^>]*>[^<]*\b{expected}\.</p>', body)
    rows = holidays(app)
    assert len(rows) == 11
    assert rows[date(2026, 2, 17)][0] == "Tết Nguyên Đán (mùng 1 Tết)"
    assert audit_actions(app) == ["holidays_loaded"]


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2300", "Public holidays can be loaded for 1900 to 2100."),
        ("", "Choose a year."),
        ("next", "Choose a year."),
    ],
)
def test_load_button_refuses_a_missing_or_unsupported_year(app, admin, year, message):
    token = csrf_token(admin, "/units/holidays")
    response = admin.post("/units/holidays/load?lang=en", data={"year": year, "csrf_token": token})
    assert response.status_code == 302
    body = page(admin.get("/units/holidays?lang=en"))
    assert re.search(rf'class="flash flash-error"[^>]*>{re.escape(message)}</p>', body)
    assert holidays(app) == {}
    assert audit_actions(app) == []


# --- Adding and deleting -------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_adding_a_makeup_saturday_stores_it_and_counts_it_as_worked(app, admin, lang):
    response = post_day(admin, "2025-02-08", "Làm bù Tết", "makeup_workday", lang=lang)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/units/holidays?year=2025")
    assert holidays(app) == {date(2025, 2, 8): ("Làm bù Tết", HolidayKind.MAKEUP_WORKDAY)}
    assert audit_actions(app) == ["holiday_added"]
    with app.app_context():
        assert calendar.is_working_day(date(2025, 2, 8))


def test_duplicate_date_gets_an_error_in_english_and_nothing_is_stored(app, admin):
    assert post_day(admin, "2025-09-01").status_code == 302
    response = post_day(admin, "2025-09-01", "Trùng ngày")
    body = page(response)
    assert response.status_code == 400
    assert "This date is already in the calendar." in body
    assert 'id="day-error"' in body
    assert holidays(app) == {date(2025, 9, 1): ("Nghỉ bù Quốc khánh", HolidayKind.HOLIDAY)}
    assert audit_actions(app) == ["holiday_added"]


def test_duplicate_date_gets_an_error_in_vietnamese_and_nothing_is_stored(app, admin):
    assert post_day(admin, "2025-09-01", lang="vi").status_code == 302
    response = post_day(admin, "2025-09-01", "Trùng ngày", lang="vi")
    body = page(response)
    assert response.status_code == 400
    assert '<html lang="vi"' in body
    assert 'id="day-error"' in body
    assert "Trùng ngày" in body  # the form keeps what was typed
    assert len(holidays(app)) == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"day": "", "name": "Nghỉ"}, "day", "Enter the date."),
        ({"day": "08/02/2025", "name": "Nghỉ"}, "day", "Enter a valid date."),
        ({"day": "2025-02-08", "name": " "}, "name", "Enter the name of the day."),
        ({"day": "2025-02-08", "name": "x" * 161}, "name", "At most 160 characters."),
        (
            {"day": "2025-02-08", "name": "Nghỉ", "kind": "nap"},
            "kind",
            "Invalid Choice: could not coerce.",
        ),
        (
            {"day": "2025-02-07", "name": "Nghỉ", "kind": "makeup_workday"},
            "kind",
            "A make-up working day must be a Saturday or a Sunday.",
        ),
    ],
)
def test_invalid_day_gets_one_clear_message_and_nothing_is_stored(app, admin, data, field, message):
    data = {"kind": "holiday", **data, "csrf_token": csrf_token(admin, "/units/holidays")}
    response = admin.post("/units/holidays?lang=en", data=data)
    body = page(response)
    assert response.status_code == 400
    assert f'<p class="error" id="{field}-error">{message}</p>' in body
    assert holidays(app) == {}


@pytest.mark.parametrize("lang", LANGS)
def test_deleting_a_day_removes_it_and_is_audited(app, admin, lang):
    post_day(admin, "2025-09-01")
    with app.app_context():
        holiday_id = db.session.scalar(select(Holiday.id))
    token = csrf_token(admin, "/units/holidays?year=2025")
    response = admin.post(
        f"/units/holidays/{holiday_id}/delete?lang={lang}", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/units/holidays?year=2025")
    assert holidays(app) == {}
    with app.app_context():
        deleted = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "holiday_deleted")
        )
        assert deleted.target_id == holiday_id
        assert deleted.detail["day"] == "2025-09-01"


def test_deleting_an_unknown_day_is_404(admin):
    token = csrf_token(admin, "/units/holidays")
    assert admin.post("/units/holidays/999/delete", data={"csrf_token": token}).status_code == 404


# --- Deadlines -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_deadlines_page_shows_the_defaults(admin, lang):
    body = page(admin.get(f"/units/deadlines?lang={lang}"))
    assert f'<html lang="{lang}"' in body
    assert [input_value(body, key) for key in ("classify", "forward", "answer")] == ["5", "5", "10"]
    if lang == "en":
        assert "Answer a case" in body


@pytest.mark.parametrize("lang", LANGS)
def test_saving_deadlines_changes_the_policy_and_audits_each_change(app, admin, lang):
    token = csrf_token(admin, "/units/deadlines")
    response = admin.post(
        f"/units/deadlines?lang={lang}",
        data={"classify": "5", "forward": "3", "answer": "15", "csrf_token": token},
    )
    assert response.status_code == 302
    assert input_value(page(admin.get("/units/deadlines")), "answer") == "15"
    with app.app_context():
        assert calendar.deadline_policies() == {"classify": 5, "forward": 3, "answer": 15}
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "deadline_changed")
        ).all()
        assert sorted((e.detail["key"], e.detail["days"]) for e in events) == [
            ("answer", 15),
            ("forward", 3),
        ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "Enter a number from 1 to 60."),
        ("61", "Enter a number from 1 to 60."),
        ("ten", "Enter a whole number of working days."),
        ("", "Enter a number of working days."),
    ],
)
def test_invalid_deadline_gets_one_message_in_english_and_nothing_changes(
    app, admin, value, message
):
    token = csrf_token(admin, "/units/deadlines")
    response = admin.post(
        "/units/deadlines?lang=en",
        data={"classify": "5", "forward": "5", "answer": value, "csrf_token": token},
    )
    body = page(response)
    assert response.status_code == 400
    assert f'<p class="error" id="answer-error">{message}</p>' in body
    with app.app_context():
        assert db.session.scalars(select(DeadlinePolicy)).all() == []


def test_invalid_deadline_gets_an_error_in_vietnamese_and_nothing_changes(app, admin):
    token = csrf_token(admin, "/units/deadlines")
    response = admin.post(
        "/units/deadlines?lang=vi",
        data={"classify": "5", "forward": "5", "answer": "0", "csrf_token": token},
    )
    body = page(response)
    assert response.status_code == 400
    assert '<html lang="vi"' in body
    assert 'id="answer-error"' in body
    with app.app_context():
        assert calendar.deadline_days("answer") == 10


# --- Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["reform", "manager_a", "clerk", "counter_a"])
@pytest.mark.parametrize("lang", LANGS)
def test_only_admins_may_see_or_change_the_calendar_and_deadlines(app, client, district, who, lang):
    with app.app_context():
        holiday = Holiday(day=date(2025, 9, 1), name="Quốc khánh", kind=HolidayKind.HOLIDAY)
        db.session.add(holiday)
        db.session.commit()
        holiday_id = holiday.id
    sign_in(client, who)
    token = csrf_token(client, "/")
    assert client.get(f"/units/holidays?lang={lang}").status_code == 403
    assert client.get(f"/units/deadlines?lang={lang}").status_code == 403
    posts = {
        "/units/holidays": {"day": "2025-09-03", "name": "Nghỉ", "kind": "holiday"},
        "/units/holidays/load": {"year": "2025"},
        f"/units/holidays/{holiday_id}/delete": {},
        "/units/deadlines": {"classify": "1", "forward": "1", "answer": "1"},
    }
    for url, data in posts.items():
        response = client.post(f"{url}?lang={lang}", data={**data, "csrf_token": token})
        assert response.status_code == 403, url
        assert f'<html lang="{lang}"' in page(response)
    assert list(holidays(app)) == [date(2025, 9, 1)]
    assert audit_actions(app) == []


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/units/holidays")
    assert response.status_code in (302, 401)


def test_home_page_links_the_calendar_and_deadlines_for_admins_only(client, district):
    sign_in(client, "admin")
    body = page(client.get("/?lang=en"))
    assert 'href="/units/holidays"' in body and 'href="/units/deadlines"' in body
    assert "Holiday calendar" in body
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, "manager_a")
    body = page(client.get("/?lang=en"))
    assert "/units/holidays" not in body and "/units/deadlines" not in body
