"""Mời đánh giá: the counter officer invites the citizen just served to rate at the tablet.

Through the counter staff page (/surveys/duty), the tablet's poll
(GET /api/v1/kiosk/<token>/invitation) and its submissions."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from feedback_app.extensions import db
from feedback_app.models import KioskInvitation, Officer, ServicePoint
from feedback_app.timeutil import now_utc
from tests.conftest import csrf_token, page, sign_in
from tests.surveys.kiosk_support import make_kiosk, responses

DOSSIER = "000.00.09.H26-260315-0001"  # the provincial format on the receipt
NATIONAL = "M12.345.67-260125-AB0001"  # Thông tư 4/2025's national format


@pytest.fixture
def counter_staff(app, district):
    """A client signed in as ward A's counter staff."""
    return sign_in(app.test_client(), "counter_a")


def officer_id(app, desk: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Officer.id).where(Officer.service_point_id == desk))


def set_on_duty(client, counter: int, officer: int) -> None:
    token = csrf_token(client, "/surveys/duty")
    response = client.post(
        f"/surveys/duty/{counter}", data={"csrf_token": token, "officer_id": str(officer)}
    )
    assert response.status_code == 302


def invite(client, counter: int, dossier_code: str = "", procedure: str = ""):
    token = csrf_token(client, "/surveys/duty")
    return client.post(
        f"/surveys/duty/{counter}/invite",
        data={"csrf_token": token, "dossier_code": dossier_code, "procedure": procedure},
    )


def poll(client, kiosk: dict):
    response = client.get(f"/api/v1/kiosk/{kiosk['token']}/invitation")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()["invitation"]


def rate(client, kiosk: dict, **fields):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "instrument": "sipas-tt01@1",
        "answers": {"overall": 5},
        **fields,
    }
    return client.post(f"/api/v1/kiosk/{kiosk['token']}/responses", json=body)


def duty_state(client) -> str:
    body = page(client.get("/surveys/duty"))
    start = body.index("invitation-state")
    return body[start : body.index("</p>", start)]


def test_invitation_reaches_the_tablet_and_its_rating_carries_dossier_and_officer(
    app, client, kiosk, counter_staff
):
    officer = officer_id(app, kiosk["desk"])
    set_on_duty(counter_staff, kiosk["counter"], officer)
    assert poll(client, kiosk) is None
    response = invite(counter_staff, kiosk["counter"], DOSSIER.lower(), "Cấp bản sao trích lục")
    assert response.status_code == 302
    assert 'data-state="waiting"' in duty_state(counter_staff)

    shown = poll(client, kiosk)
    assert shown["officer"] == "Nguyễn Văn A"
    assert shown["dossier_code"] == DOSSIER  # as printed: upper case
    assert shown["procedure"] == "Cấp bản sao trích lục"
    assert 'data-state="shown"' in duty_state(counter_staff)

    assert rate(client, kiosk, invitation=shown["id"]).status_code == 201
    (stored,) = responses(app)
    assert (stored["dossier_code"], stored["officer_id"]) == (DOSSIER, officer)
    # Used by that rating: the tablet no longer gets it, and the officer learns only that.
    assert poll(client, kiosk) is None
    state = duty_state(counter_staff)
    assert 'data-state="used"' in state
    assert "5" not in state and "hài lòng" not in state.lower()


def test_an_invitation_is_used_once(app, client, kiosk, counter_staff):
    invite(counter_staff, kiosk["counter"], NATIONAL)
    shown = poll(client, kiosk)
    rate(client, kiosk, invitation=shown["id"])
    rate(client, kiosk, invitation=shown["id"])
    assert [r["dossier_code"] for r in responses(app)] == [NATIONAL, None]


def test_an_expired_invitation_is_not_on_the_rating(app, client, kiosk, counter_staff):
    invite(counter_staff, kiosk["counter"], DOSSIER)
    shown = poll(client, kiosk)
    with app.app_context():
        db.session.execute(
            update(KioskInvitation).values(expires_at=now_utc() - timedelta(seconds=1))
        )
        db.session.commit()
    assert poll(client, kiosk) is None
    assert rate(client, kiosk, invitation=shown["id"]).status_code == 201
    assert responses(app)[0]["dossier_code"] is None
    assert 'data-state="expired"' in duty_state(counter_staff)


def test_invitations_last_the_configured_time(app, client, kiosk, counter_staff):
    app.config["KIOSK_INVITATION_SECONDS"] = 300
    invite(counter_staff, kiosk["counter"])
    with app.app_context():
        made = db.session.scalar(select(KioskInvitation))
        assert made.expires_at - made.created_at == timedelta(seconds=300)


def test_a_newer_invitation_replaces_the_open_one(app, client, kiosk, counter_staff):
    invite(counter_staff, kiosk["counter"], "A-1")
    first = poll(client, kiosk)
    invite(counter_staff, kiosk["counter"], "A-2")
    second = poll(client, kiosk)
    assert second["dossier_code"] == "A-2" and second["id"] != first["id"]
    rate(client, kiosk, invitation=first["id"])
    assert responses(app)[0]["dossier_code"] is None


def test_a_dossier_code_in_the_answers_wins_over_the_invitations(app, client, kiosk, counter_staff):
    invite(counter_staff, kiosk["counter"], "A-1")
    shown = poll(client, kiosk)
    rate(client, kiosk, invitation=shown["id"], dossier_code="B-2")
    assert responses(app)[0]["dossier_code"] == "B-2"


def test_another_counters_invitation_is_ignored(app, client, district, kiosk, counter_staff):
    other = make_kiosk(app, district["desk_b"], publish=False)
    admin = sign_in(app.test_client(), "admin")
    invite(admin, other["counter"], "B-9")
    theirs = poll(client, other)
    assert poll(client, kiosk) is None
    assert rate(client, kiosk, invitation=theirs["id"]).status_code == 201
    assert responses(app)[0]["dossier_code"] is None
    assert poll(client, other)["id"] == theirs["id"]  # still open for its own tablet


def test_an_unknown_invitation_number_still_stores_the_rating(app, client, kiosk):
    assert rate(client, kiosk, invitation=987654).status_code == 201
    assert len(responses(app)) == 1


@pytest.mark.parametrize("code", ["HS 001", "<b>", "A" * 41, "HS/01"])
def test_a_bad_dossier_code_is_refused_under_its_field(app, kiosk, counter_staff, code):
    response = invite(counter_staff, kiosk["counter"], code)
    assert response.status_code == 400
    body = page(response)
    assert f'id="invite-{kiosk["counter"]}-dossier_code-error"' in body
    with app.app_context():
        assert db.session.scalar(select(KioskInvitation)) is None


def test_counter_staff_cannot_invite_at_another_wards_counter(app, district, counter_staff):
    other = make_kiosk(app, district["desk_b"])
    assert invite(counter_staff, other["counter"]).status_code == 404


def test_the_poll_of_an_unknown_or_disabled_tablet_is_404(client, kiosk):
    assert client.get("/api/v1/kiosk/nope/invitation").status_code == 404


def test_a_resend_of_a_stored_rating_does_not_use_an_invitation_up(
    app, client, kiosk, counter_staff
):
    body = {"client_uuid": str(uuid.uuid4()), "instrument": "sipas-tt01@1"}
    body["answers"] = {"overall": 2}
    url = f"/api/v1/kiosk/{kiosk['token']}/responses"
    assert client.post(url, json=body).status_code == 201
    invite(counter_staff, kiosk["counter"], DOSSIER)
    shown = poll(client, kiosk)
    assert client.post(url, json=body | {"invitation": shown["id"]}).status_code == 200
    assert responses(app)[0]["dossier_code"] is None
    assert poll(client, kiosk)["id"] == shown["id"]  # still open for the next citizen


@pytest.mark.parametrize("offset", [timedelta(hours=-2), timedelta(days=-3)])
def test_a_rating_given_before_the_invitation_existed_does_not_take_it(
    app, client, kiosk, counter_staff, offset
):
    invite(counter_staff, kiosk["counter"], DOSSIER)
    shown = poll(client, kiosk)
    answered = (now_utc() + offset).isoformat()
    assert rate(client, kiosk, invitation=shown["id"], answered_at=answered).status_code == 201
    assert responses(app)[0]["dossier_code"] is None


def test_a_rating_queued_offline_in_time_takes_the_invitation_when_it_arrives(
    app, client, kiosk, counter_staff
):
    invite(counter_staff, kiosk["counter"], DOSSIER)
    shown = poll(client, kiosk)
    answered = now_utc().isoformat()
    with app.app_context():  # the tablet comes back online after the invitation expired
        db.session.execute(
            update(KioskInvitation).values(expires_at=now_utc() + timedelta(seconds=1))
        )
        db.session.commit()
    assert rate(client, kiosk, invitation=shown["id"], answered_at=answered).status_code == 201
    assert responses(app)[0]["dossier_code"] == DOSSIER


def test_a_head_request_does_not_mark_the_invitation_shown(app, client, kiosk, counter_staff):
    invite(counter_staff, kiosk["counter"], DOSSIER)
    assert client.head(f"/api/v1/kiosk/{kiosk['token']}/invitation").status_code == 200
    assert 'data-state="waiting"' in duty_state(counter_staff)


def test_the_same_invitation_sent_twice_is_one(app, client, kiosk, counter_staff):
    invite(counter_staff, kiosk["counter"], DOSSIER, "Chứng thực")
    first = poll(client, kiosk)
    invite(counter_staff, kiosk["counter"], DOSSIER, "Chứng thực")
    assert poll(client, kiosk)["id"] == first["id"]
    with app.app_context():
        assert len(db.session.scalars(select(KioskInvitation)).all()) == 1


def test_no_invitation_at_a_closed_desk(app, kiosk, counter_staff):
    with app.app_context():
        db.session.get(ServicePoint, kiosk["desk"]).active = False
        db.session.commit()
    assert invite(counter_staff, kiosk["counter"]).status_code == 404
