"""Staff accounts: the admin pages, within the admin's unit scope."""

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Role, User
from tests.conftest import count_rows, csrf_token, login, page, sign_in, translated, user_id

NEW_PASSWORD = "a-long-new-password"


def _new_user_form(client, district, **overrides) -> dict:
    form = {
        "csrf_token": csrf_token(client, "/auth/users/new"),
        "username": "lan.nguyen",
        "full_name": "Nguyễn Thị Lan",
        "role": "intake_clerk",
        "unit_id": str(district["ward_b"]),
        "password": NEW_PASSWORD,
        "active": "y",
    }
    form.update(overrides)
    return form


def _edit_form(client, app, username: str, **overrides) -> dict:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        form = {
            "role": user.role.value,
            "unit_id": str(user.unit_id),
            "full_name": user.full_name,
            "password": "",
            "active": "y" if user.active else "",
        }
    form["csrf_token"] = csrf_token(client, f"/auth/users/{user_id(app, username)}")
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_admin_lists_every_account_in_scope(admin):
    body = page(admin.get("/auth/users"))
    for username in ("admin", "reform", "manager_a", "manager_b", "counter_a"):
        assert f">{username}</a>" in body


def test_admin_creates_an_account_through_the_form_and_it_can_sign_in(app, admin, district):
    response = admin.post("/auth/users/new", data=_new_user_form(admin, district))
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/users"
    assert ">lan.nguyen</a>" in page(admin.get("/auth/users"))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "lan.nguyen"))
        assert user.role is Role.INTAKE_CLERK
        assert user.unit_id == district["ward_b"]
        assert user.active
        created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_created"))
        assert created.target_id == user.id
        assert created.actor_id == user_id(app, "admin")
    newcomer = app.test_client()
    assert login(newcomer, "lan.nguyen", NEW_PASSWORD).status_code == 302


def test_duplicate_username_shows_an_error_and_creates_nothing(app, admin, district):
    before = count_rows(app, User)
    response = admin.post(
        "/auth/users/new", data=_new_user_form(admin, district, username="manager_b")
    )
    assert response.status_code == 400
    assert translated("This username is already taken.") in page(response)
    assert count_rows(app, User) == before


def test_password_shorter_than_ten_characters_is_refused(app, admin, district):
    before = count_rows(app, User)
    response = admin.post("/auth/users/new", data=_new_user_form(admin, district, password="short"))
    assert response.status_code == 400
    assert translated("A password has 10 to 256 characters.") in page(response)
    assert count_rows(app, User) == before


def test_new_account_needs_a_password(app, admin, district):
    before = count_rows(app, User)
    response = admin.post("/auth/users/new", data=_new_user_form(admin, district, password=""))
    assert translated("Enter a password for the new account.") in page(response)
    assert count_rows(app, User) == before


def test_unit_outside_the_list_is_refused(app, admin, district):
    before = count_rows(app, User)
    response = admin.post("/auth/users/new", data=_new_user_form(admin, district, unit_id="9999"))
    assert response.status_code == 400
    assert translated("Not a valid choice.") in page(response)
    assert count_rows(app, User) == before


def test_admin_changes_role_unit_and_active_and_the_change_is_audited(app, admin, district):
    target = user_id(app, "manager_a")
    form = _edit_form(
        admin,
        app,
        "manager_a",
        role="reform_office",
        unit_id=str(district["district"]),
        active=None,  # an unticked checkbox is not sent
    )
    response = admin.post(f"/auth/users/{target}", data=form)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, target)
        assert user.role is Role.REFORM_OFFICE
        assert user.unit_id == district["district"]
        assert not user.active
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_changed"))
        assert event.target_id == target
        assert event.actor_id == user_id(app, "admin")
        assert event.detail["changes"] == {
            "role": ["unit_manager", "reform_office"],
            "unit": ["00343", "009"],
            "active": [True, False],
        }
    assert login(app.test_client(), "manager_a").status_code == 200


def test_password_change_is_audited_without_the_password(app, admin, district):
    target = user_id(app, "clerk")
    form = _edit_form(admin, app, "clerk", password=NEW_PASSWORD)
    assert admin.post(f"/auth/users/{target}", data=form).status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_changed"))
        assert event.detail["changes"] == {"password": "changed"}
    assert login(app.test_client(), "clerk", NEW_PASSWORD).status_code == 302


def test_saving_an_account_unchanged_records_no_audit_event(app, admin, district):
    target = user_id(app, "clerk")
    assert (
        admin.post(f"/auth/users/{target}", data=_edit_form(admin, app, "clerk")).status_code == 302
    )
    with app.app_context():
        assert not db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user_changed")
        ).all()


def test_admin_cannot_disable_their_own_account(app, admin, district):
    me = user_id(app, "admin")
    response = admin.post(f"/auth/users/{me}", data=_edit_form(admin, app, "admin", active=None))
    assert response.status_code == 400
    assert translated("You cannot disable your own account.") in page(response)
    with app.app_context():
        assert db.session.get(User, me).active
    assert admin.get("/auth/users").status_code == 200


@pytest.mark.parametrize(
    "username", ["reform", "manager_a", "manager_b", "clerk", "hotline", "counter_a"]
)
def test_roles_other_than_admin_may_not_manage_accounts(app, client, district, username):
    sign_in(client, username)
    assert client.get("/auth/users").status_code == 403
    assert client.get("/auth/users/new").status_code == 403
    assert client.get(f"/auth/users/{user_id(app, 'admin')}").status_code == 403


def test_ward_admin_sees_only_accounts_of_their_ward(ward_admin):
    body = page(ward_admin.get("/auth/users"))
    assert ">manager_a</a>" in body
    assert ">counter_a</a>" in body
    assert ">manager_b</a>" not in body
    assert ">admin</a>" not in body


def test_ward_admin_gets_404_for_an_account_of_another_ward(app, ward_admin):
    other = user_id(app, "manager_b")
    assert ward_admin.get(f"/auth/users/{other}").status_code == 404
    form = _edit_form(ward_admin, app, "manager_a")
    form["active"] = ""
    assert ward_admin.post(f"/auth/users/{other}", data=form).status_code == 404
    with app.app_context():
        assert db.session.get(User, other).active


def test_ward_admin_cannot_place_an_account_outside_their_ward(app, ward_admin, district):
    before = count_rows(app, User)
    response = ward_admin.post(
        "/auth/users/new", data=_new_user_form(ward_admin, district, unit_id=district["district"])
    )
    assert response.status_code == 400
    assert count_rows(app, User) == before
    target = user_id(app, "manager_a")
    form = _edit_form(ward_admin, app, "manager_a", unit_id=str(district["ward_b"]))
    assert ward_admin.post(f"/auth/users/{target}", data=form).status_code == 400
    with app.app_context():
        assert db.session.get(User, target).unit_id == district["ward_a"]
