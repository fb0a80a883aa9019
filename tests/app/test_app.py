"""The application shell: configuration, security headers, health check, error pages."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from feedback_app import ConfigurationError, create_app
from feedback_app.extensions import db
from feedback_app.models import AdminUnit
from tests.conftest import csrf_token, login, make_unit, page, sign_in, translated, user_id

ROOT = Path(__file__).resolve().parents[2]
RULE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
ROLES = ("admin", "reform", "manager_a", "manager_b", "clerk", "hotline", "counter_a")


def test_production_app_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigurationError, match="FEEDBACK_SECRET_KEY"):
        create_app({"ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


PRODUCTION = {
    "ENV": "production",
    "SECRET_KEY": "not-a-default",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "TWILIO_AUTH_TOKEN": "a-real-token",
    "TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
    "PUBLIC_BASE_URL": "https://gopy.example.gov.vn",
}


@pytest.mark.parametrize("missing", ["TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL"])
def test_production_app_refuses_to_start_without_the_hotline_token_or_public_url(missing):
    config = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigurationError, match=f"FEEDBACK_{missing}"):
        create_app(config)


def test_production_app_with_a_secret_key_sends_secure_cookies_only():
    app = create_app(PRODUCTION)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_wsgi_entry_point_exits_with_a_message_not_a_traceback_when_secret_is_empty():
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("FEEDBACK_") and k != "DATABASE_URL"
    }
    # An empty variable overrides instance/secret_key, so the result does not depend on it.
    env.update(
        FEEDBACK_ENV="production",
        FEEDBACK_SECRET_KEY="",
        FEEDBACK_SQLALCHEMY_DATABASE_URI="sqlite://",
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Cannot start" in result.stderr
    assert "FEEDBACK_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("url", ["/", "/auth/login", "/healthz", "/no-such-page", "/api/nothing"])
def test_every_response_carries_strict_security_headers(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "http:" not in csp
    assert "https:" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_after_login_is_http_only_and_same_site_lax(client, district):
    response = login(client, "admin")
    assert response.status_code == 302
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "login did not set the session cookie"
    assert "HttpOnly" in cookies[-1]
    assert "SameSite=Lax" in cookies[-1]


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    missing = tmp_path / "no-such-dir" / "feedback.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["status"] != "ok"
    finally:
        with app.app_context():
            db.engine.dispose()


def test_unknown_page_is_a_translated_404_in_vietnamese_by_default(client):
    response = client.get("/no-such-page")
    body = page(response)
    assert response.status_code == 404
    assert '<html lang="vi"' in body
    assert "Not found" not in body
    assert translated("Not found") in body


def test_unknown_page_is_in_english_when_asked(client):
    response = client.get("/no-such-page?lang=en")
    body = page(response)
    assert response.status_code == 404
    assert '<html lang="en"' in body
    assert "Not found" in body


def test_unknown_api_path_answers_json_404(client):
    response = client.get("/api/anything?lang=en")
    assert response.status_code == 404
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error", "message", "status"}
    assert body["status"] == 404
    assert body["error"] == "Not found"


def test_post_to_healthz_is_405_with_an_error_page(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert '<html lang="vi"' in page(response)


def test_body_over_max_content_length_is_refused_with_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post(
        "/auth/login?lang=en",
        data={"username": "admin", "password": "x" * 5000},
    )
    assert response.status_code == 413
    assert "Too large" in page(response)


@pytest.fixture
def failing_routes(app, district):
    """Routes that write, then fail: the request must leave nothing behind."""

    def crash_after_insert():
        make_unit("99990", "Half-made unit")
        raise RuntimeError("secret internal detail")

    def crash_on_constraint():
        make_unit("99991", "Half-made unit")
        make_unit("01", "Duplicate Hà Nội")  # (code, valid_from) is unique: flush fails
        return "unreachable"

    app.add_url_rule("/test/crash-after-insert", view_func=crash_after_insert)
    app.add_url_rule("/test/crash-on-constraint", view_func=crash_on_constraint)
    return app


def _units_named(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AdminUnit).where(AdminUnit.code == code)
        )


def test_unexpected_error_is_a_translated_500_page_and_the_insert_is_rolled_back(
    failing_routes, client
):
    response = client.get("/test/crash-after-insert")
    body = page(response)
    assert response.status_code == 500
    assert translated("Something went wrong") in body
    assert "Traceback" not in body
    assert "secret internal detail" not in body
    assert _units_named(failing_routes, "99990") == 0


def test_failed_flush_for_a_signed_in_user_still_renders_the_500_page(failing_routes, admin):
    response = admin.get("/test/crash-on-constraint?lang=en")
    body = page(response)
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "Traceback" not in body
    assert _units_named(failing_routes, "99991") == 0


def _walkable_urls(app, district) -> list[str]:
    """Every GET route whose arguments are ids we can fill in; others are tested elsewhere."""
    ids = {
        "user_id": user_id(app, "manager_a"),
        "point_id": district["desk_a"],
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        arguments = RULE_ARGUMENT.findall(rule.rule)  # [(converter, name), ...]
        if all(converter == "int" for converter, _ in arguments):
            urls.append(rule.build({name: ids.get(name, 1) for _, name in arguments})[1])
    return sorted(urls)


@pytest.mark.parametrize("who", [None, *ROLES])
def test_every_page_for_every_role_in_both_languages_renders_with_a_language_switch(
    app, district, who
):
    urls = _walkable_urls(app, district)
    assert "/auth/users/new" in urls and "/units/service-points" in urls
    client = app.test_client()
    if who:
        sign_in(client, who)
    for url in urls:
        for lang, other in (("vi", "en"), ("en", "vi")):
            response = client.get(f"{url}?lang={lang}")
            assert response.status_code < 500, f"{who} {url} {lang}: {response.status_code}"
            if response.mimetype == "text/html" and response.status_code < 300:
                body = response.get_data(as_text=True)
                assert f'<html lang="{lang}"' in body, f"{who} {url} {lang}"
                assert f"?lang={other}" in body, f"no language switch: {who} {url} {lang}"


@pytest.mark.parametrize(
    "path",
    [
        "/intake/box/99999999999999999999",
        "/intake/books/2147483648",
        "/units/service-points/99999999999999999999",
        "/auth/users/2147483648",
    ],
)
def test_ids_beyond_a_database_integer_are_404_on_every_route(admin, district, path):
    assert admin.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/cases/?q=a%00b", "/intake/box?page=%00", "/track?code=%00"])
def test_nul_characters_in_any_input_are_a_400(admin, district, path):
    response = admin.get(path + "&lang=en" if "?" in path else path)
    assert response.status_code == 400
    assert "Traceback" not in page(response)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/units/holidays", {"day": "0001-01-01", "name": "x", "kind": "holiday"}),
        ("/cases/new", {"received_at": "0001-01-01T00:00", "content": "x"}),
    ],
)
def test_a_date_in_year_one_is_a_translated_400_not_a_500(admin, district, path, data):
    token = csrf_token(admin, path)
    response = admin.post(path + "?lang=en", data={"csrf_token": token, **data})
    assert response.status_code == 400
    assert "Enter a date from the year 2000 on." in page(response)
