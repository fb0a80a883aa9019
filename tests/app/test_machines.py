"""Which answers are JSON and which requests go without the session cookie is declared by each
blueprint (feedback_app/machines.py); routes that do not exist follow the nearest route."""

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/nothing-here",
        "/api/v9/anything",
        "/api/v1/kiosk/not-a-token/responses/extra",
        "/hotline/twilio/unknown",
        "/hotline/gateway/unknown",
    ],
)
def test_a_missing_machine_route_answers_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["status"] == 404


@pytest.mark.parametrize("path", ["/nothing-here", "/hotline/no-such-page", "/cases/x/y/z"])
def test_a_missing_page_answers_a_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_a_wrong_method_on_a_machine_route_answers_json(client):
    response = client.get("/hotline/twilio/sms")
    assert response.status_code == 405
    assert response.is_json
    assert "POST" in response.headers["Allow"]


def test_the_kiosk_api_neither_reads_nor_sets_the_session_cookie(client):
    client.get("/auth/login?lang=en")  # a page: it sets the cookie, remembering the language
    assert client.get_cookie("session") is not None
    response = client.get("/api/v1/kiosk/not-a-real-token?lang=vi")
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers
    assert response.is_json
