"""The public tracking page: a citizen types a code and sees status, dates and the answer."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from feedback_app.cases import service
from feedback_app.extensions import db
from feedback_app.models import Case, CaseChannel, CaseKind, ServicePoint, User
from feedback_app.units import calendar
from tests.conftest import page

RECEIVED_AT = datetime(2025, 3, 7, 2, 0, tzinfo=UTC)  # Friday 7 March 2025, 09:00 in Hà Nội
SENDER = {
    "sender_name": "Nguyễn Thị Hoa",
    "sender_phone": "0987654321",
    "sender_address": "Số 12 ngõ 34 Nguyễn Trãi",
}
ANSWER = "Đã gọi lại cho bà qua số 0912345678 và đối chiếu CCCD 001203004567."


def make_case(app, desk: int, **fields) -> str:
    """A case created through the service (set-up only); returns its code."""
    fields.setdefault("channel", CaseChannel.HOTLINE_CALL)
    fields.setdefault("content", "Cán bộ hẹn trả kết quả nhưng chưa trả.")
    fields.setdefault("received_at", RECEIVED_AT)
    with app.app_context():
        point = db.session.get(ServicePoint, desk)
        case = service.create_case(service.NewCase(service_point=point, **fields))[0]
        db.session.commit()
        return case.code


def act(app, code: str, step, **kwargs) -> None:
    """Run one workflow step as the reform office (set-up only)."""
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.code == code))
        actor = db.session.scalar(select(User).where(User.username == "reform"))
        step(case, actor=actor, **kwargs)
        db.session.commit()


def answered_case(app, district, publish: bool) -> str:
    code = make_case(app, district["desk_a"], **SENDER)
    act(app, code, service.classify, kind=CaseKind.FEEDBACK, subject="")
    act(app, code, service.answer, text=ANSWER, publish=publish)
    return code


def test_track_page_shows_a_form_for_the_code(client):
    response = client.get("/track?lang=en")
    assert response.status_code == 200
    body = page(response)
    assert 'action="/track"' in body
    assert 'name="code"' in body
    assert "Track your case" in body


def test_no_sign_in_is_needed_to_track_a_case(client, app, district):
    code = make_case(app, district["desk_a"])
    assert client.get(f"/track/{code}").status_code == 200


@pytest.mark.parametrize("typed", ["abcd-efgh", " ABCD EFGH ", "abcdefgh"])
def test_typed_code_redirects_to_its_normalised_page(client, typed):
    response = client.get("/track", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/track/ABCDEFGH")


def test_empty_code_shows_the_form_again(client):
    response = client.get("/track?code=")
    assert response.status_code == 200
    assert 'name="code"' in page(response)


def test_tracking_page_shows_status_and_dates(client, app, district):
    code = make_case(app, district["desk_a"])
    response = client.get(f"/track/{code}?lang=en")
    assert response.status_code == 200
    body = page(response)
    assert f"Case {code}" in body
    assert "Received" in body
    assert "March 7, 2025" in body
    # The answer is due ten working days after receipt, whatever internal step comes first.
    assert "Answer due by" in body
    assert "March 21, 2025" in body


def test_tracking_page_after_tet_shows_the_due_date_past_the_holidays(client, app, district):
    with app.app_context():
        calendar.load_year(2025)
        db.session.commit()
    code = make_case(app, district["desk_a"], received_at=datetime(2025, 1, 24, 2, tzinfo=UTC))
    body = page(client.get(f"/track/{code}?lang=en"))
    assert "January 24, 2025" in body
    assert "February 13, 2025" in body


def test_tracking_page_never_shows_the_senders_details(client, app, district):
    code = answered_case(app, district, publish=True)
    for lang in ("vi", "en"):
        response = client.get(f"/track/{code}?lang={lang}")
        assert response.status_code == 200
        for body in (response.get_data(as_text=True), page(response)):
            for value in SENDER.values():
                assert value not in body
            assert "098*****21" not in body  # not even masked
            assert "Nguyễn Thị" not in body


def test_answer_is_hidden_until_it_is_published(client, app, district):
    code = answered_case(app, district, publish=False)
    body = page(client.get(f"/track/{code}?lang=en"))
    assert "Answered" in body
    assert "Đã gọi lại cho bà" not in body
    assert "An answer has been given." in body

    act(app, code, service.set_published, published=True)
    body = page(client.get(f"/track/{code}?lang=en"))
    assert "Đã gọi lại cho bà" in body

    act(app, code, service.set_published, published=False)
    assert "Đã gọi lại cho bà" not in page(client.get(f"/track/{code}?lang=en"))


def test_published_answer_has_phone_and_id_numbers_masked(client, app, district):
    code = answered_case(app, district, publish=True)
    body = page(client.get(f"/track/{code}"))
    assert "0912345678" not in body
    assert "091*****78" in body
    assert "001203004567" not in body
    assert "001*******67" in body


def test_closed_case_keeps_its_published_answer_and_shows_no_due_date(client, app, district):
    code = answered_case(app, district, publish=True)
    act(app, code, service.close)
    body = page(client.get(f"/track/{code}?lang=en"))
    assert "Closed" in body
    assert "091*****78" in body
    assert "Answer due by" not in body


def test_rejected_case_shows_its_reason_with_numbers_masked(client, app, district):
    code = make_case(app, district["desk_a"], **SENDER)
    act(app, code, service.reject, reason="Đơn trùng với đơn của số 0987654321.")
    body = page(client.get(f"/track/{code}?lang=en"))
    assert "Rejected" in body
    assert "Đơn trùng với đơn của số 098*****21." in body
    assert "0987654321" not in body


def test_forwarded_complaint_names_the_agency(client, app, district):
    code = make_case(app, district["desk_a"], kind=CaseKind.COMPLAINT)
    act(app, code, service.forward, agency="Thanh tra quận Thanh Xuân")
    body = page(client.get(f"/track/{code}?lang=en"))
    assert "Forwarded" in body
    assert "Thanh tra quận Thanh Xuân" in body


def test_unknown_code_is_a_translated_not_found_page(client, app, district):
    make_case(app, district["desk_a"])
    response = client.get("/track/ZZZZ2222")
    assert response.status_code == 404
    assert '<html lang="vi">' in response.get_data(as_text=True)
    assert "Không tìm thấy" in page(response)

    response = client.get("/track/ZZZZ2222?lang=en")
    assert response.status_code == 404
    body = page(response)
    assert "Not found" in body
    assert "There is nothing at this address. Check the link or the code." in body
    assert "Traceback" not in body


def test_lowercase_code_with_a_dash_finds_the_case(client, app, district):
    code = make_case(app, district["desk_a"])
    typed = f"{code[:4].lower()}-{code[4:].lower()}"
    response = client.get(f"/track/{typed}")
    assert response.status_code == 200
    assert code in page(response)
    followed = client.get("/track", query_string={"code": typed}, follow_redirects=True)
    assert followed.status_code == 200
    assert code in page(followed)


def test_tracking_page_is_vietnamese_by_default(client, app, district):
    code = make_case(app, district["desk_a"])
    assert '<html lang="vi">' in client.get(f"/track/{code}").get_data(as_text=True)
    assert '<html lang="vi">' in client.get("/track").get_data(as_text=True)
    assert '<html lang="en">' in client.get(f"/track/{code}?lang=en").get_data(as_text=True)


def test_tracking_page_shows_no_staff_navigation(client, app, district):
    code = make_case(app, district["desk_a"])
    body = page(client.get(f"/track/{code}"))
    assert 'href="/cases/' not in body
    assert "Nguyễn Văn A" not in body  # the officer at the desk
