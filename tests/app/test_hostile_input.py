"""What an outside probe broke (issue 11), each mended where the mechanism lives: oversized
numbers and dates, text no database can store, ID numbers written with dashes, and settings
changed from outside their scope."""

from datetime import date

import pytest
from sqlalchemy import select

from feedback_app import privacy
from feedback_app.extensions import db
from feedback_app.models import (
    AnswerTemplate,
    Case,
    CaseKind,
    DeadlinePolicy,
    Holiday,
    Instrument,
    Response,
)
from tests.cases.test_track import act, make_case
from tests.conftest import count_rows, csrf_token, page, sign_in, translated
from tests.intake.test_intake import add_entry, book_id_from, open_book
from tests.surveys.kiosk_support import make_kiosk
from tests.surveys.test_kiosk_api import answers, payload, post
from tests.surveys.test_kiosk_page import blank_form, good_answers, post_survey
from tests.surveys.test_paper_web import answer_web, enter_paper, paper_page, survey_page

HUGE = "99999999999999999999"


# --- Numbers past a database integer ---------------------------------------------------------


def test_a_huge_instrument_version_on_the_kiosk_api_is_a_400(app, client, kiosk):
    response = post(client, kiosk["token"], payload(instrument=f"sipas-tt01@{HUGE}"))
    assert response.status_code == 400
    assert "instrument" in response.get_json()["errors"]
    assert count_rows(app, Response) == 0


@pytest.mark.parametrize("label", [f"sipas-tt01@{HUGE}", "sipas\ud800@1", "sipas-tt01@١"])
def test_no_instrument_label_reaches_the_database_unchecked(app, client, kiosk, label):
    assert post(client, kiosk["token"], payload(instrument=label)).status_code == 400


def _only_the_published_version_was_answered(app) -> None:
    """A label the page did not show falls back to the published version (the citizen's answers
    are kept); it never reaches the database as a number past an integer."""
    with app.app_context():
        versions = db.session.scalars(select(Response.instrument_id).distinct()).all()
        published = db.session.scalar(select(Instrument.id))
    assert set(versions) <= {published}


def test_a_huge_instrument_version_on_the_kiosk_page_is_no_error(app, client, kiosk):
    at = {"token": kiosk["token"]}
    fields = {**blank_form(client, at), **good_answers(), "instrument": f"sipas-tt01@{HUGE}"}
    assert post_survey(client, at, fields).status_code == 200
    _only_the_published_version_was_answered(app)


def test_a_huge_instrument_version_on_the_web_survey_is_no_error(app, client, kiosk, district):
    tokens = {**survey_page(client, district["desk_a"]), "instrument": f"sipas-tt01@{HUGE}"}
    assert answer_web(client, district["desk_a"], tokens=tokens).status_code == 200
    _only_the_published_version_was_answered(app)


def test_refused_web_surveys_do_not_spend_the_addresss_allowance(app, client, kiosk, district):
    app.config["WEB_SURVEY_RATELIMIT"] = "2 per hour"
    for _ in range(3):
        refused = answer_web(client, district["desk_a"], answers={}, address="203.0.113.5")
        assert refused.status_code == 400
    response = answer_web(client, district["desk_a"], address="203.0.113.5")
    assert response.status_code == 200
    assert count_rows(app, Response) == 1


def test_a_huge_instrument_version_on_the_paper_form_is_no_error(app, kiosk, district, clerk):
    tokens = {**paper_page(clerk), "instrument": f"sipas-tt01@{HUGE}"}
    assert enter_paper(clerk, district["desk_a"], date.today(), tokens=tokens).status_code == 302
    _only_the_published_version_was_answered(app)


@pytest.mark.parametrize("path", ["/intake/box", "/intake/books", "/cases/", "/hotline/calls"])
def test_a_huge_page_number_shows_a_page_instead_of_an_error(app, district, path, admin):
    assert admin.get(f"{path}?page={HUGE}").status_code == 200
    assert admin.get(f"{path}?page=-{HUGE}").status_code == 200


def test_a_huge_book_page_or_entry_number_is_a_translated_400(app, district, clerk):
    book = book_id_from(open_book(clerk, district["desk_a"]))
    for fields in ({"page_no": HUGE}, {"page_no": 100_001}):
        response = add_entry(clerk, book, 1, **fields)
        assert response.status_code == 400
        assert translated("Enter a number from 1 to 100000.") in page(response)
    response = add_entry(clerk, book, int(HUGE))
    assert response.status_code == 400
    assert count_rows(app, Case) == 0


# --- Dates past any plausible one -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/hotline/calls", "/hotline/messages"])
def test_a_day_filter_in_year_9999_is_a_form_error_not_a_500(app, district, path, operator):
    response = operator.get(f"{path}?day=9999-12-31")
    assert response.status_code == 400
    assert translated("Enter a date no later than the year 2100.") in page(response)


def test_a_holiday_in_year_9999_is_refused_and_nothing_is_stored(app, district, admin):
    response = admin.post(
        "/units/holidays",
        data={
            "csrf_token": csrf_token(admin, "/units/holidays"),
            "day": "9999-12-31",
            "name": "Ngày tận thế",
            "kind": "holiday",
        },
    )
    assert response.status_code == 400
    assert translated("Enter a date no later than the year 2100.") in page(response)
    assert count_rows(app, Holiday) == 0


# --- Text no database can store ----------------------------------------------------------------


def test_a_kiosk_comment_with_a_lone_surrogate_is_stored_without_it(app, client, kiosk):
    body = payload(comment="x\ud800y\x00z\u200f", answers=answers(overall=2))
    response = post(client, kiosk["token"], body)
    assert response.status_code == 201
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.content == "xyz"


def test_control_characters_typed_into_a_staff_form_are_not_stored(app, district, clerk):
    from tests.cases.test_cases import post_new_case

    response = post_new_case(clerk, district["desk_a"], content="Chậm\x07 trả\x1b kết quả\u0085")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Case.content)) == "Chậm trả kết quả"


# --- ID numbers however they are written ---------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["001-234-567-890", "001.234.567.890", "0012-3456-7890", "001 234 567 890", "001234567890"],
)
def test_a_12_digit_id_number_is_masked_however_it_is_grouped(written):
    masked = privacy.mask_personal_numbers(f"CCCD số {written} của bà Hoa")
    assert written not in masked
    assert sum(ch.isdigit() for ch in masked) == 5


def test_an_id_number_with_dashes_in_a_published_answer_is_masked_on_track(client, app, district):
    code = make_case(app, district["desk_a"])
    from feedback_app.cases import service

    act(app, code, service.classify, kind=CaseKind.FEEDBACK, subject="")
    act(app, code, service.answer, text="Đã đối chiếu CCCD 001-234-567-890.", publish=True)
    body = page(client.get(f"/track/{code}"))
    assert "001-234-567-890" not in body
    assert "001-***-***-*90" in body


# --- Settings every unit shares, and templates each unit owns -------------------------------------


def test_a_ward_admin_sees_but_cannot_change_the_shared_calendar_or_deadlines(
    app, district, ward_admin
):
    assert ward_admin.get("/units/holidays").status_code == 200
    assert ward_admin.get("/units/deadlines").status_code == 200
    token = csrf_token(ward_admin, "/units/service-points")
    attempts = [
        ("/units/holidays", {"day": "2026-05-19", "name": "Nghỉ", "kind": "holiday"}),
        ("/units/holidays/load", {"year": "2026"}),
        ("/units/deadlines", {"classify": "1", "forward": "1", "answer": "1"}),
        ("/hotline/voice-prompts/menu/remove", {}),
    ]
    for url, data in attempts:
        assert ward_admin.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    assert count_rows(app, Holiday) == 0
    assert count_rows(app, DeadlinePolicy) == 0
    body = page(ward_admin.get("/units/holidays?lang=en"))
    assert "only an administrator whose scope covers every unit can change them" in body
    assert 'action="/units/holidays/load"' not in body


def test_a_ward_admin_cannot_publish_or_copy_a_survey_version(app, district, ward_admin, kiosk):
    with app.app_context():
        instrument_id = db.session.scalar(select(Instrument.id))
    token = csrf_token(ward_admin, "/surveys/instruments")
    for action in ("copy", "publish"):
        url = f"/surveys/instruments/{instrument_id}/{action}"
        assert ward_admin.post(url, data={"csrf_token": token}).status_code == 403
    assert count_rows(app, Instrument) == 1
    assert ward_admin.get(f"/surveys/instruments/{instrument_id}").status_code == 200


def test_the_admin_over_the_whole_map_still_changes_them(app, district, admin):
    token = csrf_token(admin, "/units/holidays")
    response = admin.post(
        "/units/holidays",
        data={"csrf_token": token, "day": "2026-05-19", "name": "Nghỉ bù", "kind": "holiday"},
    )
    assert response.status_code == 302
    assert count_rows(app, Holiday) == 1


def _template(app, unit_id: int, title: str) -> int:
    with app.app_context():
        template = AnswerTemplate(title=title, body=f"{title}.", unit_id=unit_id)
        db.session.add(template)
        db.session.commit()
        return template.id


def test_a_ward_manager_cannot_retire_another_wards_template(app, district):
    theirs = _template(app, district["ward_b"], "Mẫu của phường B")
    manager = sign_in(app.test_client(), "manager_a")
    token = csrf_token(manager, "/cases/templates")
    assert (
        manager.post(f"/cases/templates/{theirs}/toggle", data={"csrf_token": token}).status_code
        == 404
    )
    with app.app_context():
        assert db.session.get(AnswerTemplate, theirs).active is True
    assert "Mẫu của phường B" not in page(manager.get("/cases/templates"))


def test_a_ward_uses_the_districts_templates_but_cannot_retire_them(app, district):
    districts = _template(app, district["district"], "Mẫu của quận")
    own = _template(app, district["ward_a"], "Mẫu của phường A")
    manager = sign_in(app.test_client(), "manager_a")
    listing = page(manager.get("/cases/templates"))
    assert "Mẫu của quận" in listing and "Mẫu của phường A" in listing
    token = csrf_token(manager, "/cases/templates")
    assert (
        manager.post(f"/cases/templates/{districts}/toggle", data={"csrf_token": token}).status_code
        == 403
    )
    assert (
        manager.post(f"/cases/templates/{own}/toggle", data={"csrf_token": token}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(AnswerTemplate, districts).active is True
        assert db.session.get(AnswerTemplate, own).active is False


def test_a_new_template_belongs_to_its_authors_unit(app, district):
    manager = sign_in(app.test_client(), "manager_a")
    token = csrf_token(manager, "/cases/templates")
    manager.post("/cases/templates", data={"csrf_token": token, "title": "Mới", "body": "Nội dung"})
    with app.app_context():
        assert db.session.scalar(select(AnswerTemplate.unit_id)) == district["ward_a"]


@pytest.mark.parametrize("number", ["2147483648", HUGE])
def test_an_id_past_a_database_integer_is_a_404_on_every_method(client, district, number):
    """The converter's own pattern stops at the largest integer, so no rule matches at all (a
    POST got a 405 before: the GET rule's pattern had matched)."""
    assert client.get(f"/survey/{number}").status_code == 404
    assert client.post(f"/survey/{number}").status_code == 404
    assert client.get("/survey/2147483647").status_code == 404  # in range, no such desk


@pytest.mark.parametrize(
    "path",
    [
        "/?_anchor=1",
        "/track?_anchor=1",
        "/auth/login?_scheme=https",
        "/track?_external=1",
        "/track/AAAAAAAA?code=1",
        "/hotline/prompts/menu?key=1",
        "/track?lang=en&lang=vi&x=%E2%80%AE",
    ],
)
def test_no_query_argument_breaks_the_language_link(client, district, path):
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code in (200, 404)
    body = response.get_data(as_text=True)
    assert "evil.example" not in body
    assert response.headers.get("Content-Security-Policy")


def test_a_kiosk_answer_id_replayed_from_another_place_reveals_nothing(
    app, client, kiosk, district
):
    """A client_uuid is the tablet's own: a resend from the same kiosk gets the first reply, the
    same identifier from another kiosk or from the web survey is refused and reveals no code."""
    other = make_kiosk(app, district["desk_b"], publish=False)
    body = payload(answers=answers(overall=1), comment="Chờ quá lâu, đề nghị trả lời")
    first = post(client, kiosk["token"], body)
    assert first.status_code == 201 and first.get_json()["case_code"]
    code = first.get_json()["case_code"]
    assert post(client, kiosk["token"], body).get_json() == first.get_json()
    replay = post(client, other["token"], body)
    assert replay.status_code == 400
    assert "client_uuid" in replay.get_json()["errors"]
    assert code not in replay.get_data(as_text=True)
    tokens = {**survey_page(client, district["desk_b"]), "client_uuid": body["client_uuid"]}
    web = answer_web(client, district["desk_b"], tokens=tokens)
    assert web.status_code == 400 and code not in web.get_data(as_text=True)
    assert count_rows(app, Response) == 1
