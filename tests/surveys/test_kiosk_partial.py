"""Every tap counts: partial answer sets, reasons, and surveys left with no rating, through the
kiosk API (POST /api/v1/kiosk/<token>/responses and /abandoned)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import KioskAbandon
from feedback_app.timeutil import LOCAL_TZ
from tests.conftest import count_rows
from tests.surveys.kiosk_support import make_kiosk, responses


def rate(client, kiosk, answers, **fields):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "instrument": "sipas-tt01@1",
        "answers": answers,
        **fields,
    }
    return client.post(f"/api/v1/kiosk/{kiosk['token']}/responses", json=body)


def abandon(client, kiosk, **fields):
    body = {"client_uuid": str(uuid.uuid4()), **fields}
    return client.post(f"/api/v1/kiosk/{kiosk['token']}/abandoned", json=body)


def test_one_tap_is_a_whole_quick_survey(app, client, kiosk):
    response = rate(client, kiosk, {"overall": 5}, partial=False)
    assert response.status_code == 201
    (stored,) = responses(app)
    assert stored["answers"] == {"overall": 5} and stored["partial"] is False


def test_three_taps_then_walking_away_are_kept_as_partial(app, client, kiosk):
    answers = {"f1_access": 4, "f2_procedure": 2, "f3_officer": 5}
    assert rate(client, kiosk, answers, partial=True).status_code == 201
    (stored,) = responses(app)
    assert stored["answers"] == answers and stored["partial"] is True


def test_an_answer_set_short_of_required_questions_is_partial_unless_told(app, client, kiosk):
    rate(client, kiosk, {"f1_access": 4})
    rate(client, kiosk, {"overall": 4}, partial=False)
    assert [r["partial"] for r in responses(app)] == [True, False]


def test_a_partial_resent_is_stored_once(app, client, kiosk):
    body = {"client_uuid": str(uuid.uuid4()), "instrument": "sipas-tt01@1"}
    body |= {"answers": {"overall": 2}, "partial": True}
    url = f"/api/v1/kiosk/{kiosk['token']}/responses"
    first = client.post(url, json=body)
    again = client.post(url, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    assert len(responses(app)) == 1


def test_reasons_are_stored_one_row_each_and_repeats_once(app, client, kiosk):
    answers = {"overall": 1, "reasons": ["wait_time", "attitude", "wait_time"]}
    assert rate(client, kiosk, answers).status_code == 201
    assert responses(app)[0]["answers"]["reasons"] == ["attitude", "wait_time"]


def test_an_empty_list_of_reasons_is_no_answer(app, client, kiosk):
    assert rate(client, kiosk, {"overall": 3, "reasons": []}).status_code == 201
    assert responses(app)[0]["answers"] == {"overall": 3}


def test_the_instrument_lists_the_reasons_for_the_tablet(client, kiosk):
    questions = client.get(f"/api/v1/kiosk/{kiosk['token']}").get_json()["questions"]
    (reasons,) = [q for q in questions if q["code"] == "reasons"]
    assert reasons["kind"] == "multi_choice"
    assert reasons["text"] == "Điều gì chưa tốt?"
    codes = [o["code"] for o in reasons["options"]]
    assert codes == ["attitude", "wait_time", "procedure", "guidance", "facilities", "other"]
    assert all(o["value"] is None for o in reasons["options"])


def test_an_empty_answer_set_is_refused(app, client, kiosk):
    response = rate(client, kiosk, {}, partial=True)
    assert response.status_code == 400
    assert response.get_json() == {"errors": {"answers": "Hãy đánh giá ít nhất một câu."}}
    assert responses(app) == []


# --- Surveys left with no rating --------------------------------------------------------------


def test_a_survey_left_with_no_rating_is_counted_once(app, client, kiosk):
    body = {"client_uuid": str(uuid.uuid4()), "invited": True}
    url = f"/api/v1/kiosk/{kiosk['token']}/abandoned"
    first = client.post(url, json=body)
    again = client.post(url, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json() and first.get_json()["id"] > 0
    with app.app_context():
        (row,) = db.session.scalars(select(KioskAbandon)).all()
        assert (row.kiosk_id, row.invited) == (kiosk["id"], True)
        assert row.day == datetime.now(LOCAL_TZ).date()


def test_the_day_is_the_tablets_vietnamese_day(app, client, kiosk):
    # 23:30 UTC is already the next morning in Hà Nội.
    moment = (datetime.now(UTC) - timedelta(days=1)).replace(hour=23, minute=30)
    abandon(client, kiosk, answered_at=moment.isoformat())
    with app.app_context():
        assert db.session.scalar(select(KioskAbandon.day)) == (moment + timedelta(hours=7)).date()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"client_uuid": "nope"}, "client_uuid"),
        ({"invited": "yes"}, "invited"),
        ({"answered_at": "yesterday"}, "answered_at"),
        ({"answered_at": "2020-01-01T00:00:00Z"}, "answered_at"),
    ],
)
def test_a_bad_report_is_400_and_counts_nothing(app, client, kiosk, fields, field):
    response = abandon(client, kiosk, **fields)
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {field}
    assert count_rows(app, KioskAbandon) == 0


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "null"])
def test_a_report_that_is_not_an_object_is_400(app, client, kiosk, body):
    response = client.post(
        f"/api/v1/kiosk/{kiosk['token']}/abandoned", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert count_rows(app, KioskAbandon) == 0


def test_another_tablets_identifier_is_refused(app, client, district, kiosk):
    other = make_kiosk(app, district["desk_b"], publish=False)
    body = {"client_uuid": str(uuid.uuid4())}
    assert client.post(f"/api/v1/kiosk/{kiosk['token']}/abandoned", json=body).status_code == 201
    response = client.post(f"/api/v1/kiosk/{other['token']}/abandoned", json=body)
    assert response.status_code == 400
    assert count_rows(app, KioskAbandon) == 1


def test_an_unknown_tablet_reports_nothing(app, client, kiosk):
    response = client.post("/api/v1/kiosk/nope/abandoned", json={"client_uuid": str(uuid.uuid4())})
    assert response.status_code == 404
    assert response.is_json
    assert count_rows(app, KioskAbandon) == 0


def test_a_responses_identifier_is_no_abandoned_survey(app, client, kiosk):
    body = {"client_uuid": str(uuid.uuid4()), "instrument": "sipas-tt01@1"}
    body["answers"] = {"overall": 4}
    client.post(f"/api/v1/kiosk/{kiosk['token']}/responses", json=body)
    response = abandon(client, kiosk, client_uuid=body["client_uuid"])
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"client_uuid"}
    assert count_rows(app, KioskAbandon) == 0


def test_dossier_codes_are_kept_in_capitals_as_printed(app, client, kiosk):
    rate(client, kiosk, {"overall": 5}, dossier_code=" h26.009-260315-0001 ")
    assert responses(app)[0]["dossier_code"] == "H26.009-260315-0001"
