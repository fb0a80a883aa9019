"""Units, desks, counters and officers, always within the signed-in user's scope."""

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Counter, Officer, ServicePoint, User
from feedback_app.security import in_scope
from tests.conftest import csrf_token, page, sign_in, translated


def _desk_link(point_id: int) -> str:
    return f'href="/units/service-points/{point_id}"'


def _counters(app, point_id: int) -> list[str]:
    with app.app_context():
        return db.session.scalars(
            select(Counter.code).where(Counter.service_point_id == point_id).order_by(Counter.code)
        ).all()


def test_unit_manager_sees_the_desk_of_their_ward_but_not_of_another(client, district):
    sign_in(client, "manager_a")
    body = page(client.get("/units/service-points"))
    assert _desk_link(district["desk_a"]) in body
    assert _desk_link(district["desk_b"]) not in body
    assert _desk_link(district["desk_district"]) not in body


def test_reform_office_sees_every_desk_of_the_district(reform, district):
    body = page(reform.get("/units/service-points"))
    for desk in ("desk_district", "desk_a", "desk_b"):
        assert _desk_link(district[desk]) in body


def test_desk_of_another_ward_is_404_for_a_unit_manager(client, district):
    sign_in(client, "manager_a")
    assert client.get(f"/units/service-points/{district['desk_a']}").status_code == 200
    assert client.get(f"/units/service-points/{district['desk_b']}").status_code == 404


def test_desk_of_any_ward_is_visible_to_the_reform_office(reform, district):
    response = reform.get(f"/units/service-points/{district['desk_b']}")
    assert response.status_code == 200
    assert "Phường Thượng Đình" in page(response)


def test_units_page_lists_only_units_in_scope(client, district):
    sign_in(client, "manager_a")
    body = page(client.get("/units/"))
    assert "Phường Nhân Chính" in body
    assert "Phường Thượng Đình" not in body
    assert "Quận Thanh Xuân" not in body
    assert "Thành phố Hà Nội" not in body


def test_units_page_for_the_district_shows_the_district_and_its_wards(reform, district):
    body = page(reform.get("/units/"))
    for name in ("Quận Thanh Xuân", "Phường Nhân Chính", "Phường Thượng Đình"):
        assert name in body
    assert "Thành phố Hà Nội" not in body


def test_admin_adds_a_counter_to_a_desk(app, admin, district):
    point = district["desk_a"]
    url = f"/units/service-points/{point}"
    response = admin.post(
        f"{url}/counters",
        data={"csrf_token": csrf_token(admin, url), "code": "2", "name": "Đất đai"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == url
    assert _counters(app, point) == ["1", "2"]
    assert "Đất đai" in page(admin.get(url))


def test_duplicate_counter_number_is_a_translated_400_and_no_second_row(app, admin, district):
    point = district["desk_a"]
    url = f"/units/service-points/{point}"
    response = admin.post(
        f"{url}/counters", data={"csrf_token": csrf_token(admin, url), "code": "1"}
    )
    assert response.status_code == 400
    assert translated("This desk already has a counter with that number.") in page(response)
    assert _counters(app, point) == ["1"]


def test_same_counter_number_is_allowed_at_another_desk(app, admin, district):
    url = f"/units/service-points/{district['desk_b']}"
    token = csrf_token(admin, url)
    response = admin.post(f"{url}/counters", data={"csrf_token": token, "code": "2"})
    assert response.status_code == 302
    assert _counters(app, district["desk_b"]) == ["1", "2"]


def test_invalid_counter_number_is_refused_with_a_translated_message(app, admin, district):
    url = f"/units/service-points/{district['desk_a']}"
    response = admin.post(
        f"{url}/counters", data={"csrf_token": csrf_token(admin, url), "code": "quầy 3"}
    )
    assert response.status_code == 400
    assert translated("Use letters, digits, dots or dashes.") in page(response)
    assert _counters(app, district["desk_a"]) == ["1"]


def test_admin_adds_an_officer_and_the_change_is_audited(app, admin, district):
    url = f"/units/service-points/{district['desk_a']}"
    response = admin.post(
        f"{url}/officers",
        data={
            "csrf_token": csrf_token(admin, url),
            "name": "Trần Thị Bình",
            "title": "Chuyên viên",
        },
    )
    assert response.status_code == 302
    assert "Trần Thị Bình" in page(admin.get(url))
    with app.app_context():
        officer = db.session.scalar(select(Officer).where(Officer.name == "Trần Thị Bình"))
        assert officer.service_point_id == district["desk_a"]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "officer_created"))
        assert event.target_id == officer.id


def test_officer_without_a_name_is_refused(app, admin, district):
    url = f"/units/service-points/{district['desk_a']}"
    response = admin.post(
        f"{url}/officers", data={"csrf_token": csrf_token(admin, url), "name": ""}
    )
    assert response.status_code == 400
    assert translated("Enter the officer's name.") in page(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Officer)) == 3


def test_deactivated_officer_stays_in_the_list_marked_as_gone(app, admin, district):
    with app.app_context():
        officer_id = db.session.scalar(
            select(Officer.id).where(Officer.service_point_id == district["desk_a"])
        )
    url = f"/units/service-points/{district['desk_a']}"
    response = admin.post(
        f"/units/officers/{officer_id}/toggle", data={"csrf_token": csrf_token(admin, url)}
    )
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.get(Officer, officer_id).active
    body = page(admin.get(f"{url}?lang=en"))
    assert "Nguyễn Văn A" in body
    assert "(no longer here)" in body
    assert "Reactivate" in body
    assert f"({translated('no longer here')})" in page(admin.get(f"{url}?lang=vi"))


def test_officer_toggle_without_csrf_changes_nothing(app, admin, district):
    with app.app_context():
        officer_id = db.session.scalar(select(Officer.id))
    assert admin.post(f"/units/officers/{officer_id}/toggle").status_code == 400
    with app.app_context():
        assert db.session.get(Officer, officer_id).active


def test_unit_manager_may_look_but_not_change_desks(app, client, district):
    sign_in(client, "manager_a")
    url = f"/units/service-points/{district['desk_a']}"
    body = page(client.get(url))
    assert f'action="{url}/counters"' not in body
    token = csrf_token(client, "/")
    assert (
        client.post(f"{url}/counters", data={"csrf_token": token, "code": "9"}).status_code == 403
    )
    assert _counters(app, district["desk_a"]) == ["1"]


def test_admin_of_a_ward_cannot_add_a_counter_to_another_ward(app, ward_admin, district):
    url = f"/units/service-points/{district['desk_b']}"
    token = csrf_token(ward_admin, "/")
    response = ward_admin.post(f"{url}/counters", data={"csrf_token": token, "code": "9"})
    assert response.status_code == 404
    assert _counters(app, district["desk_b"]) == ["1"]


def test_counter_staff_may_not_see_desks(client, district):
    sign_in(client, "counter_a")
    assert client.get("/units/service-points").status_code == 403
    assert client.get("/units/").status_code == 403


def test_admin_creates_a_desk_for_a_unit_in_scope(app, admin, district):
    response = admin.post(
        "/units/service-points/new",
        data={
            "csrf_token": csrf_token(admin, "/units/service-points/new"),
            "unit_id": str(district["ward_b"]),
            "name": "Điểm tiếp nhận số 2",
            "address": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        point = db.session.scalar(
            select(ServicePoint).where(ServicePoint.name == "Điểm tiếp nhận số 2")
        )
        assert point.unit_id == district["ward_b"]
    assert response.headers["Location"] == f"/units/service-points/{point.id}"


@pytest.mark.parametrize(
    ("username", "desks"),
    [
        ("admin", {"desk_district", "desk_a", "desk_b"}),
        ("reform", {"desk_district", "desk_a", "desk_b"}),
        ("manager_a", {"desk_a"}),
        ("manager_b", {"desk_b"}),
    ],
)
def test_in_scope_filter_returns_only_desks_within_the_users_unit(app, district, username, desks):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        found = set(
            db.session.scalars(
                select(ServicePoint.id).where(in_scope(ServicePoint.unit_id, user))
            ).all()
        )
    assert found == {district[name] for name in desks}
