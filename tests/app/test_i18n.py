"""Language choice: ?lang=, then the session, then the browser; Vietnamese by default."""

import subprocess
import sys
from pathlib import Path

from tests.conftest import page, sign_in, translated

ROOT = Path(__file__).resolve().parents[2]


def test_no_language_preference_gives_vietnamese(client):
    body = page(client.get("/auth/login"))
    assert '<html lang="vi"' in body
    assert translated("Staff sign-in") in body
    assert "Staff sign-in" not in body


def test_lang_en_switches_to_english(client):
    body = page(client.get("/auth/login?lang=en"))
    assert '<html lang="en"' in body
    assert "Staff sign-in" in body


def test_language_chosen_with_lang_is_remembered_for_the_next_request(client):
    client.get("/auth/login?lang=en")
    body = page(client.get("/"))
    assert '<html lang="en"' in body
    assert "Staff sign-in" in body


def test_choosing_vietnamese_again_replaces_the_remembered_english(client):
    client.get("/?lang=en")
    client.get("/?lang=vi")
    assert '<html lang="vi"' in page(client.get("/", headers={"Accept-Language": "en"}))


def test_unsupported_lang_value_is_ignored(client):
    assert '<html lang="vi"' in page(client.get("/?lang=fr"))


def test_browser_asking_for_english_gets_english_when_nothing_else_is_set(client):
    body = page(client.get("/auth/login", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert '<html lang="en"' in body
    assert "Staff sign-in" in body


def test_remembered_choice_wins_over_the_browser_language(client):
    client.get("/?lang=vi")
    body = page(client.get("/auth/login", headers={"Accept-Language": "en"}))
    assert '<html lang="vi"' in body


def test_language_switch_link_keeps_the_current_path_and_arguments(client):
    body = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/login?lang=en"' in body
    body = client.get("/auth/login?next=/units/&lang=en").get_data(as_text=True)
    assert 'href="/auth/login?next=/units/&amp;lang=vi"' in body


def test_translation_check_script_passes():
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "scripts/check_translations.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_language_link_on_a_page_answering_a_post_only_address_never_leads_to_a_405(app, district):
    from tests.cases.test_cases import make_case
    from tests.conftest import csrf_token

    code = make_case(app, district["desk_a"])
    client = sign_in(app.test_client(), "reform")
    # An incomplete step re-renders the case page in answer to POST /cases/<code>/classify.
    response = client.post(
        f"/cases/{code}/classify", data={"csrf_token": csrf_token(client, f"/cases/{code}")}
    )
    assert response.status_code == 400
    body = page(response)
    assert f"/cases/{code}/classify?lang=en" not in body
    assert 'href="/?lang=en"' in body
    assert client.get("/?lang=en").status_code == 200


def test_language_link_after_a_post_to_an_address_that_also_answers_get_stays_there(client):
    response = client.post("/auth/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    assert 'href="/auth/login?lang=en"' in page(response)
