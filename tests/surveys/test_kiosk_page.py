"""The kiosk page (/kiosk/<token>) as a plain HTML form, without JavaScript."""

import re
import uuid
from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict

from feedback_app.extensions import db
from feedback_app.models import Counter, Kiosk
from feedback_app.surveys.defaults import DEFAULT_INSTRUMENT
from tests.conftest import page
from tests.surveys.kiosk_support import (
    case_codes,
    make_kiosk,
    response_count,
    responses,
    set_kiosk_active,
)

QUESTIONS = DEFAULT_INSTRUMENT["questions"]
CHOICE_QUESTIONS = [q for q in QUESTIONS if q["kind"] != "text"]
LIKERT_VI = ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"]
LIKERT_EN = ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"]
HIDDEN_RE = r'name="{name}" value="([^"]*)"'
FIRST_VISIT_LIMIT = 60 * 1024


def kiosk_url(kiosk: dict, **query) -> str:
    args = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/kiosk/{kiosk['token']}" + (f"?{args}" if args else "")


def hidden(body: str, name: str) -> str:
    match = re.search(HIDDEN_RE.format(name=name), body)
    assert match, f"no hidden {name} field"
    return match.group(1)


def blank_form(client, kiosk: dict, lang: str = "vi") -> dict:
    """The hidden fields of a freshly shown survey, as a browser would send them back."""
    body = client.get(kiosk_url(kiosk, lang=lang)).get_data(as_text=True)
    return {name: hidden(body, name) for name in ("csrf_token", "client_uuid", "instrument")}


def good_answers(overall: int = 5, **extra) -> dict:
    """Every required question answered, as the plain form posts them."""
    answers = {
        "q_f1_access": "5",
        "q_f2_procedure": "no_opinion",
        "q_f3_officer": "4",
        "q_f4_result": "5",
        "q_tt01_returns": "none",
        "q_overall": str(overall),
    }
    answers.update(extra)
    return answers


def post_survey(client, kiosk: dict, fields: dict, lang: str = "vi"):
    return client.post(kiosk_url(kiosk, lang=lang), data=fields)


class FormOutline(HTMLParser):
    """The fieldsets, legends, radios and labels of a page, to check how the form is built."""

    def __init__(self):
        super().__init__()
        self.fieldsets: list[dict] = []
        self.label_for: set[str] = set()
        self.scripts: list[dict] = []
        self.styled: list[str] = []
        self.style_elements = 0
        self.handlers: list[str] = []
        self._in_legend = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.styled.append(tag)
        self.handlers += [name for name in attrs if name.startswith("on")]
        if tag == "fieldset":
            self.fieldsets.append({"code": attrs.get("data-code"), "legend": "", "radios": []})
        elif tag == "legend":
            self._in_legend = True
        elif tag == "input" and attrs.get("type") in ("radio", "checkbox"):
            self.fieldsets[-1]["radios"].append(attrs)
        elif tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
        elif tag == "script":
            self.scripts.append(attrs)
        elif tag == "style":
            self.style_elements += 1

    def handle_endtag(self, tag):
        if tag == "legend":
            self._in_legend = False

    def handle_data(self, data):
        if self._in_legend:
            self.fieldsets[-1]["legend"] += data.strip()


def outline(body: str) -> FormOutline:
    parser = FormOutline()
    parser.feed(body)
    return parser


# --- Language ---------------------------------------------------------------------------------


def test_page_is_vietnamese_even_when_the_browser_asks_for_english(client, kiosk):
    response = client.get(kiosk_url(kiosk), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response.status_code == 200
    body = page(response)
    assert '<html lang="vi"' in body
    assert QUESTIONS[0]["text_vi"] in body
    assert QUESTIONS[0]["text_en"] not in body
    assert DEFAULT_INSTRUMENT["title_vi"] in body
    assert all(label in body for label in LIKERT_VI)


def test_submit_button_reads_gui_danh_gia(client, kiosk):
    body = page(client.get(kiosk_url(kiosk)))
    assert re.search(r'<button class="kiosk-submit" type="submit">Gửi đánh giá</button>', body)


def test_lang_en_shows_the_survey_in_english(client, kiosk):
    body = page(client.get(kiosk_url(kiosk, lang="en")))
    assert '<html lang="en"' in body
    assert QUESTIONS[0]["text_en"] in body
    assert DEFAULT_INSTRUMENT["title_en"] in body
    assert all(label in body for label in LIKERT_EN)
    assert re.search(r'<button class="kiosk-submit" type="submit">Submit</button>', body)


def test_english_chosen_on_another_page_does_not_carry_over_to_the_kiosk(client, kiosk):
    client.get("/auth/login?lang=en")
    assert '<html lang="vi"' in page(client.get(kiosk_url(kiosk)))


def test_one_tap_switch_leads_to_the_other_language(client, kiosk):
    body = page(client.get(kiosk_url(kiosk)))
    assert f'href="/kiosk/{kiosk["token"]}?lang=en"' in body
    body = page(client.get(kiosk_url(kiosk, lang="en")))
    assert f'href="/kiosk/{kiosk["token"]}?lang=vi"' in body
    assert ">Tiếng Việt</a>" in body


# --- Structure --------------------------------------------------------------------------------


def test_each_question_is_a_fieldset_with_a_legend_and_labelled_choices(client, kiosk):
    form = outline(page(client.get(kiosk_url(kiosk))))
    assert [f["code"] for f in form.fieldsets] == [q["code"] for q in CHOICE_QUESTIONS]
    for fieldset, question in zip(form.fieldsets, CHOICE_QUESTIONS, strict=True):
        assert fieldset["legend"].startswith(question["text_vi"])
        assert len(fieldset["radios"]) >= 2
        # Radios for one answer; checkboxes where several may be chosen (the reasons).
        kind = "checkbox" if question["kind"] == "multi_choice" else "radio"
        for radio in fieldset["radios"]:
            assert radio["type"] == kind
            assert radio["name"] == f"q_{question['code']}"
            assert radio["id"] in form.label_for


def test_likert_questions_offer_the_five_labels_best_first(client, kiosk):
    body = page(client.get(kiosk_url(kiosk)))
    overall = body[body.index('data-code="overall"') :]
    overall = overall[: overall.index("</fieldset>")]
    positions = [overall.index(f">{label}<") for label in LIKERT_VI]
    assert positions == sorted(positions)
    assert 'value="5"' in overall and 'value="1"' in overall


def test_page_needs_no_account(client, kiosk):
    response = client.get(kiosk_url(kiosk))
    assert response.status_code == 200
    assert 'name="csrf_token"' in page(response)


def test_page_passes_its_settings_to_the_script_in_data_attributes(app, client, kiosk):
    app.config.update(KIOSK_RESET_SECONDS=7, KIOSK_IDLE_SECONDS=42)
    body = page(client.get(kiosk_url(kiosk)))
    assert 'data-reset-seconds="7"' in body
    assert 'data-idle-seconds="42"' in body
    assert f'data-submit="/api/v1/kiosk/{kiosk["token"]}/responses"' in body
    assert 'data-instrument="sipas-tt01@1"' in body


def test_page_has_no_inline_script_or_style(client, kiosk):
    response = client.get(kiosk_url(kiosk))
    form = outline(page(response))
    assert form.scripts and all(script.get("src") for script in form.scripts)
    assert form.styled == []
    assert form.style_elements == 0
    assert form.handlers == []
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_first_visit_transfers_at_most_60_kb(client, kiosk):
    response = client.get(kiosk_url(kiosk))
    body = response.get_data(as_text=True)
    assets = re.findall(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"', body)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    total = len(response.data)
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by the app"
        with client.get(asset) as fetched:
            assert fetched.status_code == 200
            total += len(fetched.data)
    assert total <= FIRST_VISIT_LIMIT, f"first visit is {total} bytes"


def test_service_worker_is_served_for_the_kiosk_scope(client):
    response = client.get("/kiosk/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/kiosk/"
    body = response.get_data(as_text=True)
    assert "/static/kiosk/kiosk.js" in body and "/static/kiosk/kiosk.css" in body


# --- Submitting without JavaScript ------------------------------------------------------------


def test_plain_form_stores_one_response_and_thanks(app, client, kiosk):
    fields = blank_form(client, kiosk) | good_answers()
    response = post_survey(client, kiosk, fields | {"dossier_code": "H01.22-250314-0001"})
    assert response.status_code == 200
    assert "kiosk-thanks" in page(response)
    stored = responses(app)
    assert len(stored) == 1
    assert stored[0]["client_uuid"] == fields["client_uuid"]
    assert stored[0]["channel"] == "kiosk"
    assert stored[0]["kiosk_id"] == kiosk["id"]
    assert stored[0]["dossier_code"] == "H01.22-250314-0001"
    assert stored[0]["answers"]["overall"] == 5
    assert stored[0]["answers"]["f2_procedure"] == "no_opinion"
    assert stored[0]["answers"]["tt01_returns"] == "none"


def test_thanks_return_to_a_blank_survey_by_themselves(app, client, kiosk):
    response = post_survey(client, kiosk, blank_form(client, kiosk, "en") | good_answers(), "en")
    seconds = app.config["KIOSK_RESET_SECONDS"]
    assert response.headers["Refresh"] == f"{seconds}; url=/kiosk/{kiosk['token']}"
    body = page(response)
    assert "Thank you!" in body
    assert f"A new survey starts in {seconds} seconds." in body
    assert f'href="/kiosk/{kiosk["token"]}"' in body
    assert "http-equiv" not in body


def test_sending_the_same_form_twice_stores_one_response_and_thanks_again(app, client, kiosk):
    fields = blank_form(client, kiosk) | good_answers()
    first = post_survey(client, kiosk, fields)
    again = post_survey(client, kiosk, fields)
    assert first.status_code == again.status_code == 200
    assert "kiosk-thanks" in page(again)
    assert response_count(app) == 1


def test_each_blank_survey_has_its_own_uuid(client, kiosk):
    assert blank_form(client, kiosk)["client_uuid"] != blank_form(client, kiosk)["client_uuid"]
    uuid.UUID(blank_form(client, kiosk)["client_uuid"])


def test_a_form_left_short_of_required_answers_is_stored_as_partial(app, client, kiosk):
    fields = blank_form(client, kiosk, "en") | good_answers()
    del fields["q_overall"], fields["q_f3_officer"]
    response = post_survey(client, kiosk, fields, "en")
    assert response.status_code == 200
    assert "Thank you!" in page(response)
    (stored,) = responses(app)
    assert stored["partial"] is True
    assert "overall" not in stored["answers"] and stored["answers"]["f1_access"] == 5


def test_a_complete_form_is_not_partial(app, client, kiosk):
    post_survey(client, kiosk, blank_form(client, kiosk) | good_answers())
    assert responses(app)[0]["partial"] is False


def test_form_without_any_rating_is_shown_again_with_the_error_and_nothing_stored(
    app, client, kiosk
):
    fields = blank_form(client, kiosk, "en") | {
        "q_f1_access": "no_opinion",
        "q_tt01_returns": "none",
        "q_comment": "Phòng chờ chật",
    }
    response = post_survey(client, kiosk, fields, "en")
    assert response.status_code == 400
    body = page(response)
    assert response_count(app) == 0
    alert = body[
        body.index('id="kiosk-alert"') : body.index("</div>", body.index('id="kiosk-alert"'))
    ]
    assert "Give at least one rating." in alert
    # What the citizen chose is still chosen, and the form keeps its UUID.
    assert re.search(
        r'id="q_f1_access-no_opinion" name="q_f1_access" value="no_opinion" checked', body
    )
    assert "Phòng chờ chật" in body
    assert hidden(body, "client_uuid") == fields["client_uuid"]


def test_corrected_form_after_an_error_is_stored_once(app, client, kiosk):
    fields = blank_form(client, kiosk) | {"q_tt01_returns": "none"}
    assert post_survey(client, kiosk, fields).status_code == 400
    assert post_survey(client, kiosk, fields | {"q_overall": "4"}).status_code == 200
    assert post_survey(client, kiosk, fields | {"q_overall": "4"}).status_code == 200
    assert response_count(app) == 1


def test_reasons_are_chosen_with_checkboxes_and_stored_each(app, client, kiosk):
    fields = blank_form(client, kiosk) | {"q_overall": "2"}
    fields = list(fields.items()) + [("q_reasons", "wait_time"), ("q_reasons", "guidance")]
    assert client.post(kiosk_url(kiosk), data=MultiDict(fields)).status_code == 200
    assert responses(app)[0]["answers"] == {"overall": 2, "reasons": ["guidance", "wait_time"]}


def test_bad_dossier_code_is_shown_under_its_field(app, client, kiosk):
    fields = blank_form(client, kiosk, "en") | good_answers() | {"dossier_code": "<script>"}
    response = post_survey(client, kiosk, fields, "en")
    assert response.status_code == 400
    body = page(response)
    assert 'id="dossier_code-error"' in body
    assert "A dossier code has letters, digits, dots and dashes." in body
    assert "<script>" not in response.get_data(as_text=True)
    assert response_count(app) == 0


def test_answers_in_english_are_stored_as_english(app, client, kiosk):
    post_survey(client, kiosk, blank_form(client, kiosk, "en") | good_answers(), "en")
    assert responses(app)[0]["language"] == "en"


def test_low_rating_with_a_comment_opens_a_case_and_thanks_show_its_code(app, client, kiosk):
    fields = blank_form(client, kiosk, "en") | good_answers(
        overall=1, q_comment="Cán bộ hẹn ba lần vẫn chưa trả kết quả."
    )
    response = post_survey(client, kiosk, fields, "en")
    assert response.status_code == 200
    codes = case_codes(app)
    assert len(codes) == 1
    body = page(response)
    assert f'<p class="kiosk-code">{codes[0]}</p>' in body
    assert "Your comment was registered. Your tracking code is:" in body
    assert "/track" in body
    assert responses(app)[0]["answers"]["comment"] == "Cán bộ hẹn ba lần vẫn chưa trả kết quả."


def test_good_rating_with_a_comment_shows_no_code(app, client, kiosk):
    fields = blank_form(client, kiosk, "en") | good_answers(overall=5, q_comment="Rất tốt.")
    body = page(post_survey(client, kiosk, fields, "en"))
    assert case_codes(app) == []
    assert "kiosk-code" not in body


def test_form_without_csrf_token_is_refused(app, client, kiosk):
    fields = blank_form(client, kiosk) | good_answers()
    del fields["csrf_token"]
    assert post_survey(client, kiosk, fields).status_code == 400
    assert response_count(app) == 0


def test_plain_form_is_throttled_per_kiosk(app, client, kiosk):
    app.config["KIOSK_RATELIMIT"] = "2 per minute"
    for _ in range(2):
        post_survey(client, kiosk, blank_form(client, kiosk) | good_answers())
    response = post_survey(client, kiosk, blank_form(client, kiosk) | good_answers())
    assert response.status_code == 429
    assert response_count(app) == 2


# --- Unknown and disabled tablets -------------------------------------------------------------


def test_unknown_token_is_a_translated_not_found_page(client, kiosk):
    response = client.get("/kiosk/not-a-real-token?lang=en")
    assert response.status_code == 404
    assert "Not found" in page(response)


def test_unknown_token_cannot_post(app, client, kiosk):
    fields = blank_form(client, kiosk) | good_answers()
    assert client.post("/kiosk/not-a-real-token", data=fields).status_code == 404
    assert response_count(app) == 0


def test_disabled_kiosk_shows_a_polite_page_instead_of_the_survey(app, client, kiosk):
    set_kiosk_active(app, kiosk["id"], False)
    response = client.get(kiosk_url(kiosk, lang="en"))
    assert response.status_code == 410
    body = page(response)
    assert "This tablet is not in use" in body
    assert "<form" not in body


def test_disabled_kiosk_refuses_a_form_shown_before(app, client, kiosk):
    fields = blank_form(client, kiosk) | good_answers()
    set_kiosk_active(app, kiosk["id"], False)
    response = post_survey(client, kiosk, fields, "en")
    assert response.status_code == 410
    assert "This tablet is not in use" in page(response)
    assert response_count(app) == 0


def test_kiosk_at_a_closed_counter_is_not_in_use(app, client, kiosk):
    with app.app_context():
        db.session.get(Counter, kiosk["counter"]).active = False
        db.session.commit()
    assert client.get(kiosk_url(kiosk)).status_code == 410


def test_kiosk_before_any_survey_is_published_says_so_politely(app, client, district):
    unpublished = make_kiosk(app, district["desk_b"], publish=False)
    response = client.get(kiosk_url(unpublished, lang="en"))
    assert response.status_code == 503
    assert "This tablet is not in use" in page(response)
    assert "<form" not in page(response)


def test_showing_the_page_records_that_the_tablet_was_seen(app, client, kiosk):
    client.get(kiosk_url(kiosk))
    with app.app_context():
        assert db.session.get(Kiosk, kiosk["id"]).last_seen_at is not None
