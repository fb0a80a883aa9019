"""Every screen of the kiosk, in quick and full mode, checked with axe-core (bundled by the
axe-playwright-python package: nothing fetched at test time) at 800×1280: no serious or critical
violation of WCAG 2.0/2.1 A and AA."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.kiosk_flow import FULL_STEPS, at_step, invite, open_kiosk, set_mode, tap

pytestmark = pytest.mark.browser

AXE = Axe()
OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def assert_accessible(page, screen: str, checked: list[str]) -> None:
    """axe-core on the page as it is now; `checked` collects the screens looked at."""
    results = AXE.run(page, options=OPTIONS)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']]}" for v in serious
    )
    assert not serious, f"{screen}:\n{report}"
    checked.append(screen)


def test_every_quick_mode_screen_passes_axe(app, live_server, kiosk, counter_staff, context):
    client, _officer = counter_staff
    checked: list[str] = []
    page = open_kiosk(context, live_server, kiosk)
    assert_accessible(page, "faces", checked)
    invite(client, kiosk["counter"], "H01.22-0001", "Cấp giấy phép xây dựng")
    expect(page.locator("#kiosk-invite")).to_be_visible(timeout=3_000)
    assert_accessible(page, "faces with the invitation", checked)
    page.tap("button.kiosk-big")
    assert_accessible(page, "faces, larger text", checked)
    page.tap("button.kiosk-big")

    tap(page, "overall", "1")
    at_step(page, "low", 0)
    tap(page, "reasons", "attitude")
    page.fill("#q_comment", "Cán bộ không hướng dẫn.")
    tap(page, "want_reply", "yes")
    page.fill("#q_reply_phone", "12")
    page.tap("button.kiosk-submit")
    expect(page.locator("#q_reply_phone-error")).to_be_visible()
    assert_accessible(page, "what was not good, with an error", checked)
    page.fill("#q_reply_phone", "0912 345 678")
    page.tap("button.kiosk-submit")
    expect(page.locator("#kiosk-thanks .kiosk-code")).to_be_visible()
    assert_accessible(page, "thanks with a tracking code", checked)

    page.tap("button.kiosk-again")
    tap(page, "overall", "5")
    expect(page.locator("button.kiosk-more")).to_be_visible()
    assert_accessible(page, "thanks, tell us more", checked)
    page.tap("button.kiosk-more")
    remaining = [code for code in FULL_STEPS if code != "overall"]
    for step, code in enumerate(remaining):
        at_step(page, "more", step)
        assert_accessible(page, f"more: {code}", checked)
        tap(
            page, code, "no_opinion" if code == "f5_feedback" else "none" if "tt01" in code else "5"
        )
    at_step(page, "more", len(remaining))
    page.fill("#q_comment", "Tốt.")
    assert_accessible(page, "more: comment and dossier code", checked)
    assert len(checked) == 7 + len(remaining)


def test_every_full_mode_screen_passes_axe(app, live_server, kiosk, context):
    set_mode(app, kiosk["id"], "full")
    checked: list[str] = []
    page = open_kiosk(context, live_server, kiosk)
    for step, code in enumerate(FULL_STEPS):
        at_step(page, "full", step)
        assert_accessible(page, f"full: {code}", checked)
        tap(page, code, "2" if code == "overall" else "none" if "tt01" in code else "4")
    at_step(page, "full", len(FULL_STEPS))
    assert_accessible(page, "full: reasons", checked)
    tap(page, "reasons", "guidance")
    page.tap("button.kiosk-next")
    at_step(page, "full", len(FULL_STEPS) + 1)
    page.fill("#dossier_code", "not a code!")
    page.tap("button.kiosk-submit")
    expect(page.locator("#dossier_code-error")).to_be_visible()
    assert_accessible(page, "full: comment and dossier code, with an error", checked)
    page.fill("#dossier_code", "")
    page.tap("button.kiosk-submit")
    expect(page.locator("#kiosk-thanks")).to_be_visible()
    assert_accessible(page, "full: thanks", checked)
    assert len(checked) == len(FULL_STEPS) + 3


def test_the_page_without_its_script_passes_axe(live_server, kiosk, routed_context):
    """The plain form (what a tablet without JavaScript shows). Playwright's evaluate needs
    JavaScript, so the page keeps it and only kiosk.js is held back."""
    routed_context.route("**/kiosk.js", lambda route: route.abort())
    page = open_kiosk(routed_context, live_server, kiosk)
    expect(page.locator("#kiosk")).not_to_have_class("kiosk-main enhanced")
    expect(page.locator("fieldset.question")).to_have_count(10)
    assert_accessible(page, "no script: the whole form", [])
