"""How each tablet presents the survey (quick or full), chosen on the kiosk page and with
`flask kiosks`, and the completion figures the kiosk page shows."""

import re
import uuid

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Counter, Kiosk, KioskMode
from tests.conftest import csrf_token, page
from tests.surveys.kiosk_support import make_kiosk


def mode_of(app, kiosk_id: int) -> KioskMode:
    with app.app_context():
        return db.session.get(Kiosk, kiosk_id).mode


def kiosk_row(client, kiosk_id: int) -> str:
    body = page(client.get("/surveys/kiosks?lang=en"))
    row = body[body.index(f'id="kiosk-{kiosk_id}"') :]
    return row[: row.index("</tr>")]


def test_a_new_tablet_is_quick_and_the_page_switches_it_to_full(app, admin, kiosk):
    assert mode_of(app, kiosk["id"]) == KioskMode.QUICK
    assert re.search(r'<option selected value="quick">', kiosk_row(admin, kiosk["id"]))
    token = csrf_token(admin, "/surveys/kiosks")
    response = admin.post(
        f"/surveys/kiosks/{kiosk['id']}/mode", data={"csrf_token": token, "mode": "full"}
    )
    assert response.status_code == 302
    assert mode_of(app, kiosk["id"]) == KioskMode.FULL
    assert 'data-mode="full"' in page(admin.get(f"/kiosk/{kiosk['token']}"))
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "kiosk_mode"))
        assert event is not None


def test_an_unknown_mode_is_refused_and_changes_nothing(app, admin, kiosk):
    token = csrf_token(admin, "/surveys/kiosks")
    response = admin.post(
        f"/surveys/kiosks/{kiosk['id']}/mode?lang=en", data={"csrf_token": token, "mode": "fast"}
    )
    assert response.status_code == 400
    assert "Choose how the tablet presents the survey." in page(response)
    assert mode_of(app, kiosk["id"]) == KioskMode.QUICK


def test_another_wards_tablet_cannot_be_switched(app, ward_admin, district):
    other = make_kiosk(app, district["desk_b"])
    token = csrf_token(ward_admin, "/surveys/kiosks")
    response = ward_admin.post(
        f"/surveys/kiosks/{other['id']}/mode", data={"csrf_token": token, "mode": "full"}
    )
    assert response.status_code == 404
    assert mode_of(app, other["id"]) == KioskMode.QUICK


def test_registering_a_full_tablet(app, admin, district, survey):
    token = csrf_token(admin, "/surveys/kiosks")
    with app.app_context():
        counter = _first_counter(district["desk_a"])
    response = admin.post(
        "/surveys/kiosks",
        data={"csrf_token": token, "counter_id": str(counter), "mode": "full"},
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Kiosk.mode)) == KioskMode.FULL


def _first_counter(desk: int) -> int:
    return db.session.scalar(
        select(Counter.id).where(Counter.service_point_id == desk).order_by(Counter.id).limit(1)
    )


def test_the_cli_sets_one_tablet_or_a_whole_desk(app, runner, district, kiosk):
    other = make_kiosk(app, district["desk_a"], publish=False)
    result = runner.invoke(args=["kiosks", "mode", "full", "--kiosk", str(kiosk["id"])])
    assert result.exit_code == 0, result.output
    assert (mode_of(app, kiosk["id"]), mode_of(app, other["id"])) == (
        KioskMode.FULL,
        KioskMode.QUICK,
    )
    result = runner.invoke(args=["kiosks", "mode", "full", "--desk", str(district["desk_a"])])
    assert result.exit_code == 0 and "2 kiosk(s) set to full" in result.output
    assert mode_of(app, other["id"]) == KioskMode.FULL


def test_the_cli_refuses_an_unknown_kiosk_or_mode(app, runner, kiosk):
    assert runner.invoke(args=["kiosks", "mode", "full", "--kiosk", "999"]).exit_code != 0
    assert runner.invoke(args=["kiosks", "mode", "fast", "--kiosk", str(kiosk["id"])]).exit_code
    assert runner.invoke(args=["kiosks", "mode", "full"]).exit_code != 0
    assert mode_of(app, kiosk["id"]) == KioskMode.QUICK


def test_the_cli_creates_a_full_tablet(app, runner, district, survey):
    with app.app_context():
        counter = _first_counter(district["desk_a"])
    result = runner.invoke(args=["kiosks", "create", "--counter", str(counter), "--mode", "full"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("http")
    with app.app_context():
        assert db.session.scalar(select(Kiosk.mode)) == KioskMode.FULL


def test_the_kiosk_page_shows_how_surveys_ended(app, admin, client, kiosk):
    url = f"/api/v1/kiosk/{kiosk['token']}"

    def rate(answers, partial):
        body = {"client_uuid": str(uuid.uuid4()), "instrument": "sipas-tt01@1"}
        body |= {"answers": answers, "partial": partial}
        assert client.post(f"{url}/responses", json=body).status_code == 201

    rate({"overall": 5}, False)
    rate({"overall": 4}, False)
    rate({"overall": 4}, False)
    rate({"f1_access": 2}, True)
    body = {"client_uuid": str(uuid.uuid4()), "invited": True}
    assert client.post(f"{url}/abandoned", json=body).status_code == 201
    row = kiosk_row(admin, kiosk["id"])
    figures = row[row.index('class="completion"') :]
    assert "<dt>Started</dt><dd>5</dd>" in figures
    assert "<dt>Completed</dt><dd>3</dd>" in figures
    assert "<dt>Partial</dt><dd>1</dd>" in figures
    assert "<dt>Left with no answer</dt><dd>1</dd>" in figures
    assert "<dt>Completion rate</dt><dd>60.0 %</dd>" in figures
