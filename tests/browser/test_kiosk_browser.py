"""The kiosk page in a real browser (headless Chromium): online, offline, resets, languages.

The flows themselves (quick and full mode, partial answers, invitations) have files of their
own; this one keeps what the tablet has always had to do: store once, survive the network and a
reload, thank and start again, speak two languages, work without JavaScript."""

import re
import time

import pytest
from playwright.sync_api import expect

from feedback_app.extensions import db
from feedback_app.models import Kiosk
from feedback_app.surveys.defaults import DEFAULT_INSTRUMENT
from tests.browser.kiosk_flow import (
    FULL_STEPS,
    at_step,
    open_kiosk,
    record_figure,
    set_mode,
    stored,
    tap,
    wait_until,
)
from tests.surveys.kiosk_support import case_codes, response_count

pytestmark = pytest.mark.browser

OVERALL = next(q for q in DEFAULT_INSTRUMENT["questions"] if q["code"] == "overall")
QUESTION_VI = OVERALL["text_vi"]
QUESTION_EN = OVERALL["text_en"]
# Full mode, overall 4 (no reasons screen): the answers of the eight choice screens.
CHOICES = {
    "f1_access": "5",
    "f2_procedure": "4",
    "f3_officer": "4",
    "f4_result": "5",
    "f5_feedback": "no_opinion",
    "tt01_returns": "once",
    "tt01_offices": "none",
    "overall": "4",
}


def walk_full(page, choices: dict = CHOICES) -> None:
    """Tap one answer on each choice screen of full mode; each tap moves on by itself."""
    for step, code in enumerate(FULL_STEPS):
        at_step(page, "full", step)
        tap(page, code, choices[code])
    at_step(page, "full", len(FULL_STEPS))


def test_survey_answered_online_is_stored_once(app, live_server, kiosk, context):
    set_mode(app, kiosk["id"], "full")
    page = open_kiosk(context, live_server, kiosk)
    expect(page.locator("#kiosk-step")).to_have_text(re.compile(r"\b1\b.*\b9\b"))
    start = time.monotonic()
    walk_full(page)  # the shortest full survey: a tap per choice screen, then Submit
    expect(page.locator("#kiosk-step")).to_have_text(re.compile(r"\b9\b.*\b9\b"))
    page.tap("button.kiosk-submit")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    seconds = time.monotonic() - start
    record_figure("full_straight_through", len(FULL_STEPS) + 1, seconds)
    assert seconds < 10
    wait_until(lambda: response_count(app) == 1, message="the answers never arrived")
    answer = stored(app)[0]
    assert answer["answers"]["overall"] == 4
    assert answer["answers"]["tt01_returns"] == "once"
    assert answer["answers"]["f5_feedback"] == "no_opinion"
    assert answer["partial"] is False
    time.sleep(1)
    assert response_count(app) == 1


def test_answers_given_offline_survive_a_reload_and_arrive_exactly_once(
    app, live_server, kiosk, context
):
    page = open_kiosk(context, live_server, kiosk)
    expect(page.locator("[data-offline-ready]")).to_be_attached(timeout=20_000)
    live_server.go_offline(context)
    tap(page, "overall", "2")
    at_step(page, "low", 0)
    tap(page, "reasons", "wait_time")
    page.click("button.kiosk-submit")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    queued = page.locator(".kiosk-queue")
    expect(queued).to_be_visible()
    expect(queued).to_have_text(re.compile(r"\b1\b"))

    page.reload()  # still offline: the service worker's copy of the page
    expect(page.locator("[data-code='overall'] legend")).to_be_visible()
    expect(page.locator("[data-code='overall'] legend")).to_contain_text(QUESTION_VI)
    expect(page.locator(".kiosk-queue")).to_have_text(re.compile(r"\b1\b"))
    time.sleep(1)
    assert response_count(app) == 0

    live_server.go_online(context)
    wait_until(lambda: response_count(app) == 1, message="the queued answers were not resent")
    expect(page.locator(".kiosk-queue")).to_be_hidden()
    time.sleep(2)
    assert response_count(app) == 1
    answer = stored(app)[0]
    assert answer["answers"]["overall"] == 2
    assert answer["answers"]["reasons"] == ["wait_time"]
    with app.app_context():  # its last report, after the delivery, says nothing is left
        tablet = db.session.get(Kiosk, kiosk["id"])
        assert tablet.queued_reported == 0 and tablet.queued_reported_at is not None


def test_busy_or_failing_server_gets_the_answers_again_later(
    app, live_server, kiosk, routed_context
):
    refusals = ["503", "429", "500"]

    def flaky(route):
        if refusals:
            status = int(refusals.pop(0))
            # A throttled tablet waits as long as it is told (1 s here), not its own back-off.
            headers = {"Retry-After": "1"} if status == 429 else {}
            route.fulfill(status=status, headers=headers, body='{"error": "busy"}')
        else:
            route.continue_()

    routed_context.route("**/api/v1/kiosk/*/responses*", flaky)
    page = open_kiosk(routed_context, live_server, kiosk)
    tap(page, "overall", "1")
    at_step(page, "low", 0)
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
    tap(page, "overall", "2")
    at_step(page, "low", 0)
    page.click("button.kiosk-submit")
    wait_until(lambda: response_count(app) == 1)


def test_thanks_return_to_a_blank_survey_by_themselves(
    app, live_server, kiosk, quick_kiosk, context
):
    set_mode(app, kiosk["id"], "full")
    page = open_kiosk(context, live_server, kiosk)
    tap(page, "f1_access", "5")
    for step in range(1, len(FULL_STEPS) + 1):  # Next skips a question: none is required
        at_step(page, "full", step)
        if step < len(FULL_STEPS):
            page.tap("button.kiosk-next")
    page.fill("#dossier_code", "H01.22-0001")
    page.click("button.kiosk-submit")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    expect(page.locator("#kiosk-form")).to_be_hidden()
    expect(page.locator("#kiosk-form")).to_be_visible(timeout=8_000)
    expect(page.locator("#kiosk-thanks")).to_be_hidden()
    at_step(page, "full", 0)
    assert page.locator("#kiosk-form input:checked").count() == 0
    expect(page.locator("#dossier_code")).to_have_value("")
    wait_until(lambda: response_count(app) == 1)
    assert stored(app)[0]["dossier_code"] == "H01.22-0001"
    assert stored(app)[0]["answers"] == {"f1_access": 5}


def test_low_rating_with_a_comment_shows_the_tracking_code(app, live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    tap(page, "overall", "1")
    at_step(page, "low", 0)
    expect(page.locator("[data-code='want_reply']")).to_be_hidden()
    page.fill("#q_comment", "Phải đi lại ba lần vẫn chưa xong.")
    expect(page.locator("[data-code='want_reply']")).to_be_visible()
    page.click("button.kiosk-submit")
    code = page.locator("#kiosk-thanks .kiosk-code")
    expect(code).to_be_visible()
    assert code.inner_text() == case_codes(app)[0]


def test_wrong_phone_number_is_marked_and_nothing_is_sent(app, live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk, lang="en")
    tap(page, "overall", "2")
    at_step(page, "low", 0)
    page.fill("#q_comment", "The queue machine is broken.")
    tap(page, "want_reply", "yes")
    page.fill("#q_reply_phone", "12")
    page.click("button.kiosk-submit")
    error = page.locator("#q_reply_phone-error")
    expect(error).to_have_text("Write a phone number, for example 0912 345 678.")
    expect(page.locator("#kiosk-thanks")).to_be_hidden()
    page.fill("#q_reply_phone", "")
    page.click("button.kiosk-submit")
    expect(error).to_have_text("Give a phone number for the answer.")
    time.sleep(0.5)
    assert response_count(app) == 0  # held on the tablet, not sent while the citizen is there
    page.fill("#q_reply_phone", "0912 345 678")
    page.click("button.kiosk-submit")
    expect(error).to_have_count(0)
    expect(page.locator("#kiosk-thanks .kiosk-code")).to_be_visible()
    assert response_count(app) == 1


def test_faces_work_from_the_keyboard(app, live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    page.focus("#q_overall-5")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "q_overall-4"
    assert page.is_checked("#q_overall-4")
    page.wait_for_timeout(600)
    at_step(page, "quick", 0)  # an arrow key only moves the choice; it does not send it on
    next_button = page.locator("button.kiosk-next")
    expect(next_button).to_be_visible()
    next_button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#kiosk-thanks")).to_be_visible()


def test_language_switch_to_english_and_back(live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    legend = page.locator("[data-code='overall'] legend")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.click("a.kiosk-lang")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(legend).to_contain_text(QUESTION_EN)
    expect(page.locator("button.kiosk-submit")).to_have_text("Submit")
    page.click("a.kiosk-lang")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(legend).to_contain_text(QUESTION_VI)


def test_tablet_left_in_english_returns_to_vietnamese(live_server, kiosk, quick_kiosk, context):
    page = open_kiosk(context, live_server, kiosk, lang="en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("html")).to_have_attribute("lang", "vi", timeout=10_000)


def test_without_javascript_the_form_is_sent_and_thanks(app, live_server, kiosk, no_js_context):
    page = open_kiosk(no_js_context, live_server, kiosk)
    # One form with every question, nothing marked required, the reasons as checkboxes.
    expect(page.locator("fieldset.question")).to_have_count(10)
    expect(page.locator("[required]")).to_have_count(0)
    expect(page.locator("button.kiosk-next")).to_be_hidden()
    page.click("label[for='q_overall-2']")
    page.click("label[for='q_reasons-attitude']")
    page.click("label[for='q_reasons-guidance']")
    page.click("button.kiosk-submit")
    expect(page.locator("section.kiosk-thanks")).to_be_visible()
    assert response_count(app) == 1
    answer = stored(app)[0]
    assert answer["answers"] == {"overall": 2, "reasons": ["attitude", "guidance"]}
    assert answer["partial"] is True  # the required questions were left out


def test_without_javascript_a_form_with_no_rating_is_refused(
    app, live_server, kiosk, no_js_context
):
    page = open_kiosk(no_js_context, live_server, kiosk)
    page.click("label[for='q_reasons-attitude']")
    page.click("button.kiosk-submit")
    expect(page.locator("#kiosk-alert")).to_be_visible()
    expect(page.locator("#q_reasons-attitude")).to_be_checked()  # what was given is kept
    assert response_count(app) == 0


def test_no_request_goes_to_another_origin(app, live_server, kiosk, quick_kiosk, context):
    requested: list[str] = []
    page = open_kiosk(context, live_server, kiosk, origins=requested)
    expect(page.locator("[data-offline-ready]")).to_be_attached(timeout=20_000)
    tap(page, "overall", "5")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    expect(page.locator("#kiosk-form")).to_be_visible(timeout=8_000)
    page.click("a.kiosk-lang")
    page.reload()
    wait_until(lambda: response_count(app) == 1)
    assert requested
    assert any("/invitation" in url for url in requested)  # the polls are among them
    strangers = [url for url in requested if not url.startswith(live_server.origin + "/")]
    assert strangers == []
