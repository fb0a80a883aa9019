"""The kiosk page in a real browser (headless Chromium): online, offline, resets, languages."""

import re
import time

import pytest
from playwright.sync_api import expect

from feedback_app.extensions import db
from feedback_app.models import Kiosk
from feedback_app.surveys.defaults import DEFAULT_INSTRUMENT
from tests.surveys.kiosk_support import case_codes, response_count, responses

pytestmark = pytest.mark.browser

REQUIRED = {"f1_access": "5", "f2_procedure": "4", "f3_officer": "4", "f4_result": "5"}
QUESTION_VI = DEFAULT_INSTRUMENT["questions"][0]["text_vi"]
QUESTION_EN = DEFAULT_INSTRUMENT["questions"][0]["text_en"]


def open_kiosk(context, live_server, kiosk: dict, lang: str | None = None, origins=None):
    """A tab on the kiosk page; every URL it requests is added to `origins` when given."""
    page = context.new_page()
    if origins is not None:
        page.on("request", lambda request: origins.append(request.url))
    page.goto(f"{live_server.origin}/kiosk/{kiosk['token']}" + (f"?lang={lang}" if lang else ""))
    return page


def answer(page, overall: str = "5", skip: tuple = (), **more: str) -> None:
    """Tap the big labels, as a citizen does."""
    for code, value in {**REQUIRED, "overall": overall, **more}.items():
        if code not in skip:
            page.click(f"label[for='q_{code}-{value}']")


def wait_until(predicate, timeout: float = 15.0, message: str = "", page=None) -> None:
    """Poll (the database, usually) until the predicate holds. With a page, Playwright keeps
    serving its events (routes) while we wait."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(message or "condition not met in time")
        if page is not None:
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)


def test_survey_answered_online_is_stored_once(app, live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    expect(page.locator("#kiosk-progress-text")).to_contain_text("0")
    answer(page, overall="4", tt01_returns="once")
    expect(page.locator(".kiosk-progress progress")).to_have_attribute("value", "6")
    page.click("button.kiosk-submit")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    wait_until(lambda: response_count(app) == 1, message="the answers never arrived")
    stored = responses(app)[0]
    assert stored["answers"]["overall"] == 4
    assert stored["answers"]["tt01_returns"] == "once"
    assert stored["channel"] == "kiosk"
    time.sleep(1)
    assert response_count(app) == 1


def test_answers_given_offline_survive_a_reload_and_arrive_exactly_once(
    app, live_server, kiosk, context
):
    page = open_kiosk(context, live_server, kiosk)
    expect(page.locator("[data-offline-ready]")).to_be_attached(timeout=20_000)
    live_server.go_offline(context)
    answer(page, overall="2")
    page.click("button.kiosk-submit")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    queued = page.locator(".kiosk-queue")
    expect(queued).to_be_visible()
    expect(queued).to_have_text(re.compile(r"\b1\b"))

    page.reload()  # still offline: the service worker's copy of the page
    expect(page.locator("#kiosk-form")).to_be_visible()
    expect(page.locator("legend").first).to_contain_text(QUESTION_VI)
    expect(page.locator(".kiosk-queue")).to_have_text(re.compile(r"\b1\b"))
    time.sleep(1)
    assert response_count(app) == 0

    live_server.go_online(context)
    wait_until(lambda: response_count(app) == 1, message="the queued answers were not resent")
    expect(page.locator(".kiosk-queue")).to_be_hidden()
    time.sleep(2)
    assert response_count(app) == 1
    assert responses(app)[0]["answers"]["overall"] == 2
    with app.app_context():  # its last report, after the delivery, says nothing is left
        tablet = db.session.get(Kiosk, kiosk["id"])
        assert tablet.queued_reported == 0 and tablet.queued_reported_at is not None


def test_busy_or_failing_server_gets_the_answers_again_later(
    app, live_server, kiosk, routed_context
):
    refusals = ["503", "429", "500"]

    def flaky(route):
        if refusals:
            route.fulfill(status=int(refusals.pop(0)), body='{"error": "busy"}')
        else:
            route.continue_()

    routed_context.route("**/api/v1/kiosk/*/responses*", flaky)
    page = open_kiosk(routed_context, live_server, kiosk)
    answer(page)
    page.click("button.kiosk-submit")
    expect(page.locator(".kiosk-queue")).to_have_text(re.compile(r"\b1\b"))
    wait_until(lambda: response_count(app) == 1, timeout=30, message="never resent", page=page)
    assert refusals == []
    expect(page.locator(".kiosk-queue")).to_be_hidden()


def test_answers_the_server_refuses_leave_the_queue(app, live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    bad = {
        "url": f"/api/v1/kiosk/{kiosk['token']}/responses",
        "body": {"client_uuid": "not-a-uuid", "instrument": "sipas-tt01@1", "answers": {}},
    }
    page.evaluate("bad => localStorage.setItem('kiosk.queue.v1', JSON.stringify([bad]))", bad)
    page.reload()
    expect(page.locator(".kiosk-queue")).to_be_hidden()
    refused = page.evaluate("JSON.parse(localStorage.getItem('kiosk.refused.v1'))")
    assert refused[0]["reply"]["errors"]["client_uuid"]
    answer(page)
    page.click("button.kiosk-submit")
    wait_until(lambda: response_count(app) == 1)


def test_thanks_return_to_a_blank_survey_by_themselves(
    app, live_server, kiosk, quick_kiosk, context
):
    page = open_kiosk(context, live_server, kiosk)
    answer(page)
    page.fill("#dossier_code", "H01.22-0001")
    page.click("button.kiosk-submit")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    expect(page.locator("#kiosk-form")).to_be_hidden()
    expect(page.locator("#kiosk-form")).to_be_visible(timeout=8_000)
    expect(page.locator("#kiosk-thanks")).to_be_hidden()
    assert page.locator("#kiosk-form input[type=radio]:checked").count() == 0
    expect(page.locator("#dossier_code")).to_have_value("")
    expect(page.locator(".kiosk-progress progress")).to_have_attribute("value", "0")
    wait_until(lambda: response_count(app) == 1)
    assert responses(app)[0]["dossier_code"] == "H01.22-0001"


def test_half_filled_survey_left_alone_is_cleared(app, live_server, kiosk, quick_kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    answer(page)
    assert page.locator("#kiosk-form input[type=radio]:checked").count() == 5
    expect(page.locator("#kiosk-form input[type=radio]:checked")).to_have_count(0, timeout=10_000)
    expect(page.locator("#kiosk-form")).to_be_visible()
    assert response_count(app) == 0


def test_low_rating_with_a_comment_shows_the_tracking_code(app, live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    answer(page, overall="1")
    expect(page.locator("[data-code='want_reply']")).to_be_hidden()
    page.fill("#q_comment", "Phải đi lại ba lần vẫn chưa xong.")
    expect(page.locator("[data-code='want_reply']")).to_be_visible()
    page.click("button.kiosk-submit")
    code = page.locator("#kiosk-thanks .kiosk-code")
    expect(code).to_be_visible()
    assert code.inner_text() == case_codes(app)[0]


def test_missing_answer_is_marked_and_nothing_is_sent(app, live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk, lang="en")
    answer(page, skip=("f3_officer",))
    page.click("button.kiosk-submit")
    error = page.locator("#q_f3_officer-error")
    expect(error).to_have_text("Please answer this question.")
    expect(page.locator("#kiosk-thanks")).to_be_hidden()
    page.click("label[for='q_f3_officer-3']")
    expect(error).to_have_count(0)
    time.sleep(0.5)
    assert response_count(app) == 0


def test_radios_work_from_the_keyboard(live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    page.focus("#q_f1_access-5")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "q_f1_access-4"
    assert page.is_checked("#q_f1_access-4")


def test_language_switch_to_english_and_back(live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.click("a.kiosk-lang")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("legend").first).to_contain_text(QUESTION_EN)
    expect(page.locator("button.kiosk-submit")).to_have_text("Submit")
    page.click("a.kiosk-lang")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("legend").first).to_contain_text(QUESTION_VI)


def test_tablet_left_in_english_returns_to_vietnamese(live_server, kiosk, quick_kiosk, context):
    page = open_kiosk(context, live_server, kiosk, lang="en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("html")).to_have_attribute("lang", "vi", timeout=10_000)


def test_without_javascript_the_form_is_sent_and_thanks(app, live_server, kiosk, no_js_context):
    page = open_kiosk(no_js_context, live_server, kiosk)
    expect(page.locator(".kiosk-progress")).to_be_hidden()
    answer(page, overall="3")
    page.click("button.kiosk-submit")
    expect(page.locator("section.kiosk-thanks")).to_be_visible()
    assert response_count(app) == 1
    assert responses(app)[0]["answers"]["overall"] == 3


def test_no_request_goes_to_another_origin(app, live_server, kiosk, quick_kiosk, context):
    requested: list[str] = []
    page = open_kiosk(context, live_server, kiosk, origins=requested)
    expect(page.locator("[data-offline-ready]")).to_be_attached(timeout=20_000)
    answer(page)
    page.click("button.kiosk-submit")
    expect(page.locator("#kiosk-form")).to_be_visible(timeout=8_000)
    page.click("a.kiosk-lang")
    page.reload()
    wait_until(lambda: response_count(app) == 1)
    assert requested
    strangers = [url for url in requested if not url.startswith(live_server.origin + "/")]
    assert strangers == []
