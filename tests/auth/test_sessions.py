"""Sessions that end when they should, sign-in that tells nothing and locks nobody out, and
redirects after sign-in that never leave the site."""

import time

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, User
from tests.conftest import (
    PASSWORD,
    csrf_token,
    is_signed_in,
    login,
    page,
    sign_in,
    translated,
    user_id,
)


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value: str):
    """Another browser holding a copy of a session cookie."""
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def _sign_in_from(client, address: str, username: str, password: str = PASSWORD):
    """The sign-in form posted from a given client address."""
    token = csrf_token(client)
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


# --- Redirects after sign-in ------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example/path",
        "/\n/evil.example/path",
        "/\r\n/evil.example",
        "/ /evil.example",
        "/\\evil.example",
        "/\x7f/evil.example",
        "/\u2028/evil.example",
        "https://evil.example/",
        "//evil.example",
        "///evil.example",
    ],
)
def test_no_next_target_leads_off_the_site_and_none_fails(app, district, target):
    client = app.test_client()
    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_tab_in_next_is_refused_instead_of_becoming_another_host(app, district):
    """The probe's case: the raw string passed the check, the header lost the tab."""
    client = app.test_client()
    client.get("/auth/login")
    response = client.post(
        "/auth/login?next=/%09/evil.example/path",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_newline_in_next_is_a_plain_redirect_home_not_an_error(app, district):
    client = app.test_client()
    client.get("/auth/login")
    response = client.post(
        "/auth/login?next=/%0d%0aSet-Cookie:x=1",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "x=1" not in str(response.headers)


def test_an_ordinary_next_path_with_a_query_is_still_followed(client, district):
    token = csrf_token(client)
    response = client.post(
        "/auth/login",
        query_string={"next": "/cases/?status=received&page=2"},
        data={"username": "admin", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/cases/?status=received&page=2"


# --- Sessions end ----------------------------------------------------------------------------


def test_a_cookie_copied_before_sign_out_no_longer_works_after_it(app, client, district):
    sign_in(client, "reform")
    copied = _cookie(client)
    assert _with_cookie(app, copied).get("/units/").status_code == 200

    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})

    response = _with_cookie(app, copied).get("/units/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_a_new_password_set_by_an_admin_ends_the_accounts_sessions(app, client, district):
    sign_in(client, "reform")
    copied = _cookie(client)
    admin = sign_in(app.test_client(), "admin")
    with app.app_context():
        reform = db.session.get(User, user_id(app, "reform"))
        form = {
            "csrf_token": csrf_token(admin, f"/auth/users/{reform.id}"),
            "full_name": reform.full_name,
            "role": reform.role.value,
            "unit_id": reform.unit_id,
            "active": "y",
            "password": "a-brand-new-password",
        }
    assert admin.post(f"/auth/users/{user_id(app, 'reform')}", data=form).status_code == 302

    assert client.get("/units/").status_code == 302
    assert _with_cookie(app, copied).get("/units/").status_code == 302
    assert admin.get("/units/").status_code == 200  # the admin's own session goes on
    assert login(app.test_client(), "reform", "a-brand-new-password").status_code == 302


def test_an_admin_who_changes_their_own_password_stays_signed_in_here_only(app, district):
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, "admin")
    sign_in(elsewhere, "admin")
    admin_id = user_id(app, "admin")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        form = {
            "csrf_token": csrf_token(here, f"/auth/users/{admin_id}"),
            "full_name": admin.full_name,
            "role": admin.role.value,
            "unit_id": admin.unit_id,
            "active": "y",
            "password": "my-own-new-password",
        }
    assert here.post(f"/auth/users/{admin_id}", data=form).status_code == 302
    assert here.get("/units/").status_code == 200
    assert elsewhere.get("/units/").status_code == 302


def _age_session(client, *, idle: int = 0, since_sign_in: int = 0) -> None:
    """Move the session's times back, as if that many seconds had passed."""
    with client.session_transaction() as session:
        session["seen_at"] -= idle
        session["signed_in_at"] -= since_sign_in


def test_a_session_left_idle_past_the_timeout_has_ended(app, client, district):
    sign_in(client, "reform")
    assert app.config["SESSION_IDLE_MINUTES"] == 30
    _age_session(client, idle=29 * 60, since_sign_in=29 * 60)
    assert client.get("/units/").status_code == 200  # still within the timeout: it goes on
    _age_session(client, idle=31 * 60)

    response = client.get("/units/", follow_redirects=True)
    assert response.request.path == "/auth/login"
    assert translated("Your session has ended. Please sign in again.") in page(response)
    assert not is_signed_in(client)


def test_a_busy_session_still_ends_at_its_absolute_lifetime(app, client, district):
    sign_in(client, "reform")
    _age_session(client, since_sign_in=10 * 3600 + 1)
    assert client.get("/units/").status_code == 302


def test_using_a_session_keeps_it_alive(app, client, district):
    sign_in(client, "reform")
    _age_session(client, idle=20 * 60, since_sign_in=20 * 60)
    assert client.get("/units/").status_code == 200  # seen now: the idle clock starts again
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 60


def test_the_idle_timeout_is_a_setting(app, client, district):
    app.config["SESSION_IDLE_MINUTES"] = 5
    sign_in(client, "reform")
    _age_session(client, idle=6 * 60)
    assert client.get("/units/").status_code == 302


def test_signing_in_starts_a_new_session_and_drops_what_was_planted(app, client, district):
    client.get("/auth/login?lang=en")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    before = _cookie(client)
    sign_in(client, "reform")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"  # the language chosen before is kept
    assert _cookie(client) != before
    assert not is_signed_in(_with_cookie(app, before))


# --- Sign-in tells nothing and locks nobody out ------------------------------------------------


def _fastest_sign_in(app, username: str, tries: int = 3) -> float:
    fastest = float("inf")
    for _ in range(tries):
        client = app.test_client()
        token = csrf_token(client)
        started = time.perf_counter()
        client.post(
            "/auth/login",
            data={"username": username, "password": "wrong-password", "csrf_token": token},
        )
        fastest = min(fastest, time.perf_counter() - started)
    return fastest


def test_an_unknown_name_takes_as_long_as_a_wrong_password(app, district):
    """The password hash is checked either way (before: about 9 ms against 115 ms)."""
    app.config["LOGIN_RATELIMIT"] = "100 per minute"
    app.config["LOGIN_ACCOUNT_RATELIMIT"] = "100 per minute"
    app.config["LOGIN_ADDRESS_RATELIMIT"] = "100 per minute"
    _fastest_sign_in(app, "admin", tries=1)  # warm up: the stand-in hash is made once
    _fastest_sign_in(app, "no-such-user", tries=1)
    known = _fastest_sign_in(app, "admin")
    unknown = _fastest_sign_in(app, "no-such-user")
    assert unknown > 0.5 * known, (unknown, known)


def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(app, district):
    attacker = app.test_client()
    for _ in range(5):
        assert _sign_in_from(attacker, "203.0.113.9", "admin", "guess").status_code == 200
    assert _sign_in_from(attacker, "203.0.113.9", "admin").status_code == 429

    owner = app.test_client()
    assert _sign_in_from(owner, "198.51.100.7", "admin").status_code == 302
    assert is_signed_in(owner)


def test_one_address_trying_many_accounts_is_throttled(app, district):
    app.config["LOGIN_ADDRESS_RATELIMIT"] = "3 per 15 minutes"
    sprayer = app.test_client()
    for name in ("admin", "reform", "clerk"):
        assert _sign_in_from(sprayer, "203.0.113.9", name, "Summer2026!").status_code == 200
    response = _sign_in_from(sprayer, "203.0.113.9", "hotline", "Summer2026!")
    assert response.status_code == 429
    message = "Too many failed sign-in attempts from this network. Wait 15 minutes and try again."
    assert translated(message) in page(response)
    # Another address is not affected, and neither is the account.
    assert _sign_in_from(app.test_client(), "198.51.100.7", "hotline").status_code == 302


def test_one_account_tried_from_many_addresses_is_paused(app, district):
    app.config["LOGIN_RATELIMIT"] = "2 per 15 minutes"
    app.config["LOGIN_ACCOUNT_RATELIMIT"] = "5 per hour"
    for n in range(3):
        client = app.test_client()
        for _ in range(2):
            _sign_in_from(client, f"203.0.113.{n}", "admin", "guess")
    response = _sign_in_from(app.test_client(), "198.51.100.7", "admin")
    assert response.status_code == 429
    assert translated(
        "This account is paused after many failed sign-in attempts from several places. "
        "Wait an hour and try again."
    ) in page(response)


def test_by_default_one_address_cannot_reach_the_accounts_own_limit(app):
    """One address may fail 5 times per 15 minutes (20 an hour): below the account's 50."""
    assert app.config["LOGIN_RATELIMIT"] == "5 per 15 minutes"
    assert app.config["LOGIN_ACCOUNT_RATELIMIT"] == "50 per hour"


def test_unknown_names_are_counted_not_logged_one_row_each(app, district):
    app.config["LOGIN_RATELIMIT"] = "100 per minute"
    app.config["LOGIN_ADDRESS_RATELIMIT"] = "100 per minute"
    for n in range(12):
        _sign_in_from(app.test_client(), "203.0.113.9", f"nobody{n}", "x")
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("login_failed%"))
        ).all()
        assert [(row.action, row.detail["count"]) for row in rows] == [
            ("login_failed_unknown_names", 1),
            ("login_failed_unknown_names", 10),
        ]
        assert "nobody" not in str([row.detail for row in rows])


@pytest.mark.parametrize("disguise", ["adm\u200bin", "ad\u00admin", "a\x01dmin", " ADMIN "])
def test_invisible_characters_do_not_make_another_account_for_the_throttle(app, district, disguise):
    """The throttle counts the name as it is looked up (cleaned and lower-cased), so a zero-width
    space does not open a fresh allowance against the same account."""
    client = app.test_client()
    for _ in range(5):
        assert _sign_in_from(client, "203.0.113.9", "admin", "guess").status_code == 200
    assert _sign_in_from(client, "203.0.113.9", disguise, "guess").status_code == 429
    assert _sign_in_from(client, "203.0.113.9", disguise).status_code == 429


def test_simultaneous_guesses_are_counted_before_their_passwords_are_checked(app, district):
    """A burst sent at once from one address gets at most the allowance checked; the owner,
    elsewhere, still signs in (the burst was not counted against the account as a whole)."""
    import threading

    tokens = []
    clients = [app.test_client() for _ in range(16)]
    for client in clients:
        tokens.append(csrf_token(client))
    statuses, start = [], threading.Barrier(len(clients))

    def guess(client, token):
        start.wait()
        response = client.post(
            "/auth/login",
            data={"username": "reform", "password": "guess", "csrf_token": token},
            environ_base={"REMOTE_ADDR": "203.0.113.66"},
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) <= 5, statuses
    assert statuses.count(429) >= 11, statuses
    assert _sign_in_from(app.test_client(), "198.51.100.7", "reform").status_code == 302


def test_a_refused_sign_in_says_when_to_come_back(app, district):
    client = app.test_client()
    for _ in range(5):
        _sign_in_from(client, "203.0.113.9", "admin", "guess")
    response = _sign_in_from(client, "203.0.113.9", "admin")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


def test_sessions_of_a_disabled_account_stay_ended_when_it_is_enabled_again(app, client, district):
    sign_in(client, "reform")
    copied = _cookie(client)
    reform_id = user_id(app, "reform")
    admin = sign_in(app.test_client(), "admin")
    with app.app_context():
        reform = db.session.get(User, reform_id)
        form = {
            "full_name": reform.full_name,
            "role": reform.role.value,
            "unit_id": reform.unit_id,
            "password": "",
        }
    url = f"/auth/users/{reform_id}"
    off = {**form, "csrf_token": csrf_token(admin, url)}
    assert admin.post(url, data=off).status_code == 302
    on = {**form, "csrf_token": csrf_token(admin, url), "active": "y"}
    assert admin.post(url, data=on).status_code == 302
    assert _with_cookie(app, copied).get("/units/").status_code == 302


def test_an_ipv6_client_cannot_dodge_the_throttle_by_changing_address(app, district):
    """A single machine picks any address of its /64: the network is what is counted."""
    client = app.test_client()
    for n in range(5):
        assert _sign_in_from(client, f"2001:db8::{n + 1}", "admin", "guess").status_code == 200
    assert _sign_in_from(client, "2001:db8::ffff", "admin", "guess").status_code == 429
    assert _sign_in_from(client, "2001:db8:1::1", "admin").status_code == 302
