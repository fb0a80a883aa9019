"""The one-tap kiosk (issue 15) in Chromium at 800×1280 with touch: quick and full mode, answers
kept when a citizen stops or walks away, the big-text toggle and the language switch that
survive each step. Records the taps and seconds from the first screen to the thanks."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.kiosk_flow import (
    FULL_STEPS,
    abandons,
    at_step,
    open_kiosk,
    queue_of,
    record_figure,
    set_mode,
    stored,
    tap,
    wait_until,
)
from tests.surveys.kiosk_support import response_count

pytestmark = pytest.mark.browser


def test_quick_mode_one_tap_stores_one_rating(app, live_server, kiosk, quick_kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    at_step(page, "quick", 0)
    expect(page.locator("[data-code='overall']")).to_be_visible()
    expect(page.locator("[data-code='f1_access']")).to_be_hidden()
    start = time.monotonic()
    tap(page, "overall", "5")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    seconds = time.monotonic() - start
    expect(page.locator("button.kiosk-more")).to_be_visible()
    assert seconds < 2
    record_figure("quick_one_tap", 1, seconds)
    # Held while "Tell us more" is offered, sent when the thanks end.
    wait_until(lambda: response_count(app) == 1, message="the rating never arrived", page=page)
    expect(page.locator("#kiosk-form")).to_be_visible()
    at_step(page, "quick", 0)
    time.sleep(0.5)
    answers = stored(app)
    assert len(answers) == 1
    assert answers[0]["answers"] == {"overall": 5}
    assert answers[0]["partial"] is False
    assert queue_of(page) == []


def test_quick_mode_low_tap_asks_why_and_stores_the_reasons(app, live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    tap(page, "overall", "2")
    at_step(page, "low", 0)
    reasons = page.locator("[data-code='reasons']")
    expect(reasons).to_be_visible()
    expect(reasons.locator("input[type=checkbox]")).to_have_count(6)
    expect(page.locator("#q_comment")).to_be_visible()
    tap(page, "reasons", "procedure")
    tap(page, "reasons", "procedure")  # a second tap takes a chip back
    expect(page.locator("#q_reasons-procedure")).not_to_be_checked()
    page.tap("button.kiosk-back")  # back to the faces; the same face again goes on again
    at_step(page, "quick", 0)
    expect(page.locator("#q_overall-2")).to_be_checked()
    start = time.monotonic()  # the shortest way with reasons: face, two chips, Send
    tap(page, "overall", "2")
    at_step(page, "low", 0)
    tap(page, "reasons", "wait_time")
    tap(page, "reasons", "attitude")
    page.tap("button.kiosk-submit")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    record_figure("quick_low_two_reasons", 4, time.monotonic() - start)
    expect(page.locator("button.kiosk-more")).to_be_hidden()
    wait_until(lambda: response_count(app) == 1, message="the answers never arrived")
    answer = stored(app)[0]
    assert answer["answers"] == {"overall": 2, "reasons": ["attitude", "wait_time"]}
    assert answer["partial"] is False


def test_quick_mode_high_tap_then_tell_us_more_is_one_response(app, live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    tap(page, "overall", "4")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    page.tap("button.kiosk-more")
    remaining = [code for code in FULL_STEPS if code != "overall"]
    for step, code in enumerate(remaining):
        at_step(page, "more", step)
        expect(page.locator("#kiosk-step")).to_contain_text(str(len(remaining) + 1))
        tap(page, code, {"tt01_returns": "once", "tt01_offices": "one"}.get(code, "4"))
    at_step(page, "more", len(remaining))
    expect(page.locator("[data-code='reasons']")).to_be_hidden()  # not asked after a 4
    page.fill("#q_comment", "Nhanh, chu đáo.")
    page.tap("button.kiosk-submit")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    expect(page.locator("button.kiosk-more")).to_be_hidden()
    wait_until(lambda: response_count(app) == 1, message="the answers never arrived")
    time.sleep(0.5)
    answers = stored(app)
    assert len(answers) == 1
    assert answers[0]["answers"] == {
        "overall": 4,
        "f1_access": 4,
        "f2_procedure": 4,
        "f3_officer": 4,
        "f4_result": 4,
        "f5_feedback": 4,
        "tt01_returns": "once",
        "tt01_offices": "one",
        "comment": "Nhanh, chu đáo.",
    }
    assert answers[0]["partial"] is False


def test_full_mode_advances_on_a_tap_and_goes_back(app, live_server, kiosk, context):
    set_mode(app, kiosk["id"], "full")
    page = open_kiosk(context, live_server, kiosk)
    at_step(page, "full", 0)
    expect(page.locator("button.kiosk-back")).to_be_hidden()
    tap(page, "f1_access", "5")
    at_step(page, "full", 1)
    tap(page, "f2_procedure", "4")
    at_step(page, "full", 2)
    page.tap("button.kiosk-back")
    at_step(page, "full", 1)
    expect(page.locator("#q_f2_procedure-4")).to_be_checked()
    tap(page, "f2_procedure", "3")  # a changed answer moves on again
    for step, code in enumerate(FULL_STEPS[2:], start=2):
        at_step(page, "full", step)
        tap(page, code, "1" if code == "overall" else ("none" if code.startswith("tt01") else "4"))
    # A low overall rating adds the reasons screen (multi choice: Next, not auto-advance).
    at_step(page, "full", 8)
    expect(page.locator("#kiosk-step")).to_contain_text("10")
    tap(page, "reasons", "guidance")
    page.wait_for_timeout(400)
    at_step(page, "full", 8)
    page.tap("button.kiosk-next")
    at_step(page, "full", 9)
    expect(page.locator("button.kiosk-next")).to_be_hidden()
    page.tap("button.kiosk-submit")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    wait_until(lambda: response_count(app) == 1, message="the answers never arrived")
    answer = stored(app)[0]
    assert answer["answers"]["f2_procedure"] == 3
    assert answer["answers"]["overall"] == 1
    assert answer["answers"]["reasons"] == ["guidance"]
    assert len(answer["answers"]) == 9
    assert answer["partial"] is False


def test_three_taps_then_walking_away_is_stored_once_as_partial(
    app, live_server, kiosk, quick_kiosk, context
):
    set_mode(app, kiosk["id"], "full")
    page = open_kiosk(context, live_server, kiosk)
    for step, code in enumerate(FULL_STEPS[:3]):
        at_step(page, "full", step)
        tap(page, code, "2")
    at_step(page, "full", 3)
    held = queue_of(page)
    assert len(held) == 1 and held[0]["held"] is True  # kept on the tablet from the first tap
    assert response_count(app) == 0
    # Nobody touches the tablet for KIOSK_IDLE_SECONDS (2 s here).
    wait_until(lambda: response_count(app) == 1, timeout=10, message="the taps were lost")
    at_step(page, "full", 0)
    assert page.locator("#kiosk-form input:checked").count() == 0
    time.sleep(1)
    answers = stored(app)
    assert len(answers) == 1
    assert answers[0]["answers"] == {"f1_access": 2, "f2_procedure": 2, "f3_officer": 2}
    assert answers[0]["partial"] is True
    assert abandons(app) == []


def test_partial_answers_given_offline_arrive_once_when_back_online(
    app, live_server, kiosk, quick_kiosk, context
):
    page = open_kiosk(context, live_server, kiosk)
    expect(page.locator("[data-offline-ready]")).to_be_attached(timeout=20_000)
    live_server.go_offline(context)
    tap(page, "overall", "1")
    at_step(page, "low", 0)
    tap(page, "reasons", "facilities")
    # Walked away: after the idle time the answers wait in the queue, no longer held.
    expect(page.locator(".kiosk-queue")).to_be_visible(timeout=8_000)
    at_step(page, "quick", 0)
    assert [item.get("held") for item in queue_of(page)] == [False]
    assert response_count(app) == 0
    live_server.go_online(context)
    wait_until(lambda: response_count(app) == 1, message="the partial answers were not resent")
    expect(page.locator(".kiosk-queue")).to_be_hidden()
    time.sleep(1)
    answers = stored(app)
    assert len(answers) == 1
    assert answers[0]["answers"] == {"overall": 1, "reasons": ["facilities"]}
    assert answers[0]["partial"] is True


def test_done_ends_early_and_sends_what_was_answered(app, live_server, kiosk, context):
    page = open_kiosk(context, live_server, kiosk)
    expect(page.locator("button.kiosk-done")).to_be_hidden()  # nothing to end yet
    tap(page, "overall", "2")
    at_step(page, "low", 0)
    tap(page, "reasons", "other")
    page.tap("button.kiosk-done")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    wait_until(lambda: response_count(app) == 1)
    answer = stored(app)[0]
    assert answer["answers"] == {"overall": 2, "reasons": ["other"]}
    assert answer["partial"] is True


def test_a_survey_touched_but_not_rated_is_reported_abandoned_never_sent(
    app, live_server, kiosk, quick_kiosk, context
):
    set_mode(app, kiosk["id"], "full")
    page = open_kiosk(context, live_server, kiosk)
    page.tap("button.kiosk-next")  # skipped the first question, then walked away
    at_step(page, "full", 1)
    wait_until(lambda: len(abandons(app)) == 1, timeout=10, message="no abandon report")
    at_step(page, "full", 0)
    time.sleep(0.5)
    assert response_count(app) == 0
    assert abandons(app) == [{"client_uuid": abandons(app)[0]["client_uuid"], "invited": False}]


def test_language_switch_mid_survey_keeps_the_answers_and_the_big_text(
    app, live_server, kiosk, context
):
    set_mode(app, kiosk["id"], "full")
    page = open_kiosk(context, live_server, kiosk)
    big = page.locator("button.kiosk-big")
    page.tap("button.kiosk-big")
    expect(big).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_class("kiosk-page big-text")
    # Larger, and still no sideways scrolling on the 800 px wide tablet.
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    tap(page, "f1_access", "4")
    at_step(page, "full", 1)
    expect(page.locator("html")).to_have_class("kiosk-page big-text")  # survives a step
    tap(page, "f2_procedure", "3")
    at_step(page, "full", 2)
    page.tap("a.kiosk-lang")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    at_step(page, "full", 2)
    expect(page.locator("#q_f1_access-4")).to_be_checked()
    expect(page.locator("#q_f2_procedure-3")).to_be_checked()
    expect(big).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_class("kiosk-page big-text")
    tap(page, "f3_officer", "5")
    at_step(page, "full", 3)
    page.tap("button.kiosk-done")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    wait_until(lambda: response_count(app) == 1)
    time.sleep(0.5)
    answers = stored(app)
    assert len(answers) == 1
    assert answers[0]["answers"] == {"f1_access": 4, "f2_procedure": 3, "f3_officer": 5}
    assert answers[0]["language"] == "en"
    page.tap("button.kiosk-again")  # the next citizen: Vietnamese, normal text
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(big).to_have_attribute("aria-pressed", "false")


def test_answers_held_by_a_page_that_went_away_are_sent_at_the_next_load(
    app, live_server, kiosk, routed_context
):
    page = open_kiosk(routed_context, live_server, kiosk)
    tap(page, "overall", "2")
    at_step(page, "low", 0)
    tap(page, "reasons", "attitude")
    page.route("**/api/v1/kiosk/*/responses*", lambda route: route.abort())
    page.reload()  # the tablet restarted mid-survey
    wait_until(lambda: response_count(app) == 0 and not queue_of(page)[0]["held"], page=page)
    page.unroute("**/api/v1/kiosk/*/responses*")
    page.reload()
    wait_until(lambda: response_count(app) == 1, message="the held answers were lost")
    answer = stored(app)[0]
    assert answer["answers"] == {"overall": 2, "reasons": ["attitude"]}
    assert answer["partial"] is True
