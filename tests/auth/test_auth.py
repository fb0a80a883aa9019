"""Signing in and out: credentials, redirects, CSRF, throttling per account, audit trail."""

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Role, User
from tests.conftest import (
    PASSWORD,
    csrf_token,
    is_signed_in,
    login,
    make_user,
    page,
    sign_in,
    translated,
    user_id,
)

THROTTLED = "Too many failed sign-in attempts for this account. Wait 15 minutes and try again."


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()


def test_correct_password_signs_in_and_home_lists_what_the_role_may_do(client, district):
    response = login(client, "manager_a")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    body = page(client.get("/?lang=en"))
    assert "Review period summaries and export the official report" in body
    assert "Classify, assign and answer citizens' cases" in body
    assert "Create and edit staff accounts" not in body


def test_home_page_lists_abilities_in_vietnamese_by_default(client, district):
    sign_in(client, "admin")
    body = page(client.get("/"))
    assert translated("Create and edit staff accounts") in body
    assert "Create and edit staff accounts" not in body


def test_wrong_password_shows_a_translated_error_and_does_not_sign_in(client, district):
    response = login(client, "admin", "not-the-password")
    assert response.status_code == 200
    assert translated("Wrong username or password.") in page(response)
    assert not is_signed_in(client)


def test_wrong_password_error_in_english(client, district):
    token = csrf_token(client)
    response = client.post(
        "/auth/login?lang=en",
        data={"username": "admin", "password": "nope-nope-nope", "csrf_token": token},
    )
    assert "Wrong username or password." in page(response)


def test_unknown_user_gets_the_same_error_as_a_wrong_password(client, district):
    response = login(client, "nobody")
    assert response.status_code == 200
    assert translated("Wrong username or password.") in page(response)
    assert not is_signed_in(client)


def test_disabled_account_cannot_sign_in_even_with_the_right_password(app, client, district):
    with app.app_context():
        unit = db.session.get(User, user_id(app, "manager_a")).unit
        make_user("former", Role.UNIT_MANAGER, unit, active=False)
        db.session.commit()
    response = login(client, "former")
    assert response.status_code == 200
    assert translated("Wrong username or password.") in page(response)
    assert not is_signed_in(client)


def test_account_disabled_while_signed_in_loses_access_at_the_next_request(app, client, district):
    sign_in(client, "reform")
    assert client.get("/units/").status_code == 200
    with app.app_context():
        db.session.get(User, user_id(app, "reform")).active = False
        db.session.commit()
    response = client.get("/units/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_usernames_are_case_insensitive(client, district):
    response = login(client, "  Manager_A ")
    assert response.status_code == 302
    assert is_signed_in(client)


def _login_with_next(client, target: str):
    token = csrf_token(client)
    return client.post(
        "/auth/login",
        query_string={"next": target},
        data={"username": "admin", "password": PASSWORD, "csrf_token": token},
    )


def test_next_parameter_with_an_internal_path_is_followed(client, district):
    response = _login_with_next(client, "/units/service-points")
    assert response.status_code == 302
    assert response.headers["Location"] == "/units/service-points"


def test_next_parameter_with_an_external_url_is_ignored(app, district):
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example"):
        client = app.test_client()
        response = _login_with_next(client, target)
        assert response.status_code == 302
        assert response.headers["Location"] == "/", target


def test_protected_page_sends_anonymous_visitors_to_sign_in_and_back(client, district):
    response = client.get("/units/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    signed_in = client.post(
        response.headers["Location"],
        data={"username": "reform", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert signed_in.headers["Location"].startswith("/units/")


def test_logout_is_not_possible_with_get(client, district):
    sign_in(client, "admin")
    assert client.get("/auth/logout").status_code == 405
    assert is_signed_in(client)


def test_logout_without_csrf_token_is_refused(client, district):
    sign_in(client, "admin")
    assert client.post("/auth/logout").status_code == 400
    assert is_signed_in(client)


def test_logout_with_csrf_token_signs_out(client, district):
    sign_in(client, "admin")
    response = client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert not is_signed_in(client)
    assert client.get("/auth/users").status_code == 302


def test_login_post_without_csrf_token_is_a_400_and_does_not_sign_in(client, district):
    client.get("/auth/login")
    response = client.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    assert translated(
        "The form expired or was sent twice. Go back, reload the page and try again."
    ) in page(response)
    assert not is_signed_in(client)


def test_sixth_failed_login_for_one_account_is_throttled_but_others_are_not(app, district):
    client = app.test_client()
    for _ in range(5):
        assert login(client, "admin", "wrong-password-1").status_code == 200
    response = login(client, "admin")  # the right password does not help now
    assert response.status_code == 429
    body = page(response)
    assert translated(THROTTLED) in body
    assert THROTTLED not in body
    assert not is_signed_in(client)

    assert login(client, "ADMIN", lang="en").status_code == 429
    english = page(client.post("/auth/login?lang=en", data=_form(client, "admin")))
    assert THROTTLED in english

    other = app.test_client()
    assert login(other, "reform").status_code == 302
    assert is_signed_in(other)


def _form(client, username: str) -> dict:
    return {"username": username, "password": PASSWORD, "csrf_token": csrf_token(client)}


def test_successful_logins_do_not_count_towards_the_throttle(app, district):
    for _ in range(7):
        client = app.test_client()
        assert login(client, "clerk").status_code == 302


def test_logins_and_failed_logins_are_audited(app, client, district):
    login(client, "admin", "wrong-password-1")
    login(client, "nobody", "wrong-password-2")
    login(client, "admin")
    failed = _audit(app, "login_failed")
    assert [e.detail["username"] for e in failed] == ["admin"]
    assert failed[0].target_id == user_id(app, "admin")
    unknown = _audit(app, "login_failed_unknown_names")
    assert [e.detail["count"] for e in unknown] == [1]
    assert "nobody" not in str([e.detail for e in unknown])
    succeeded = _audit(app, "login")
    assert len(succeeded) == 1
    assert succeeded[0].actor_id == user_id(app, "admin")
    details = str([e.detail for e in failed + unknown + succeeded])
    assert "wrong-password" not in details
    assert PASSWORD not in details
