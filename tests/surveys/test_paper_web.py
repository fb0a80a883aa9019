"""Paper survey forms typed in by clerks, the public web survey, and its QR codes, through HTTP."""

import re
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import (
    AdminUnit,
    Answer,
    Case,
    CaseChannel,
    Counter,
    Officer,
    Response,
    ResponseChannel,
    ServicePoint,
    UnitLevel,
)
from feedback_app.surveys.web_survey import qr_svg
from feedback_app.timeutil import LOCAL_TZ, local_today
from tests.conftest import aware, csrf_token, make_desk, make_unit, page, sign_in, translated

HIDDEN_RE = r'name="{name}" type="hidden" value="([^"]+)"'
# A paper form fully answered as the clerk ticks it (overall: satisfied, no comment).
TICKED = {
    "q_f1_access": "5",
    "q_f2_procedure": "4",
    "q_f3_officer": "5",
    "q_f4_result": "no_opinion",
    "q_tt01_returns": "none",
    "q_overall": "4",
}
CITIZEN_ADDRESS = "203.0.113.77"


def hidden(body: str, name: str) -> str:
    """The value of a hidden field on a page."""
    match = re.search(HIDDEN_RE.format(name=name), body)
    assert match, f"no hidden {name}"
    return match.group(1)


def desk_choices(body: str) -> set[int]:
    """The desks offered in the paper form's desk list."""
    select_ = re.search(r'<select[^>]*name="service_point_id".*?</select>', body, re.S)
    assert select_, "no desk list"
    return {int(v) for v in re.findall(r'value="(\d+)"', select_.group(0))}


def stored(app) -> list[dict]:
    """Every response as a plain dict, with its answers by question code."""
    with app.app_context():
        rows = db.session.scalars(select(Response).order_by(Response.id)).all()
        return [
            {
                "id": r.id,
                "channel": r.channel,
                "service_point_id": r.service_point_id,
                "counter_id": r.counter_id,
                "officer_id": r.officer_id,
                "kiosk_id": r.kiosk_id,
                "dossier_code": r.dossier_code,
                "submitted_hour": aware(r.submitted_hour),
                "language": r.language,
                "case_id": r.case_id,
                "answers": {a.question.code: (a.value, a.option_code, a.text) for a in r.answers},
            }
            for r in rows
        ]


def cases(app) -> list[tuple[str, CaseChannel, str]]:
    """(code, channel, content) of every case."""
    with app.app_context():
        return [
            tuple(row) for row in db.session.execute(select(Case.code, Case.channel, Case.content))
        ]


# --- builders ---------------------------------------------------------------------------------


def paper_page(client, query: str = "") -> dict:
    """The tokens of a freshly shown paper-entry page."""
    body = client.get("/surveys/paper" + query).get_data(as_text=True)
    return {
        "csrf_token": hidden(body, "csrf_token"),
        "client_uuid": hidden(body, "client_uuid"),
        "instrument": hidden(body, "instrument"),
    }


def enter_paper(client, desk: int, day, *, tokens=None, answers=None, lang="en", **fields):
    """POST one paper form as a browser would; returns the response."""
    data = {
        **(tokens or paper_page(client)),
        "service_point_id": desk,
        "counter_id": 0,
        "form_date": day.isoformat() if hasattr(day, "isoformat") else day,
        "dossier_code": "",
        **(TICKED if answers is None else answers),
        **fields,
    }
    return client.post(f"/surveys/paper?lang={lang}", data=data)


def survey_page(client, desk: int) -> dict:
    """The tokens of a freshly shown web-survey page."""
    body = client.get(f"/survey/{desk}").get_data(as_text=True)
    return {
        "csrf_token": hidden(body, "csrf_token"),
        "client_uuid": hidden(body, "client_uuid"),
        "instrument": hidden(body, "instrument"),
    }


def answer_web(client, desk: int, *, tokens=None, answers=None, lang="", address=None, **fields):
    """POST the web survey; `address` is the citizen's IP address."""
    data = {
        **(tokens or survey_page(client, desk)),
        "dossier_code": "",
        **(TICKED if answers is None else answers),
        **fields,
    }
    environ = {"REMOTE_ADDR": address} if address else {}
    return client.post(
        f"/survey/{desk}" + (f"?lang={lang}" if lang else ""), data=data, environ_base=environ
    )


# --- Paper forms ------------------------------------------------------------------------------


def test_clerk_enters_a_paper_form_as_one_paper_response_at_nine_vietnam_time(
    app, survey, clerk, district
):
    day = local_today() - timedelta(days=10)
    response = enter_paper(clerk, district["desk_a"], day, dossier_code="000.00.09.H26-0001")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/surveys/paper?desk={district['desk_a']}&date={day.isoformat()}"
    )
    [row] = stored(app)
    assert row["channel"] == ResponseChannel.PAPER
    assert row["service_point_id"] == district["desk_a"]
    assert row["kiosk_id"] is None and row["counter_id"] is None
    assert row["submitted_hour"] == datetime.combine(day, time(9), LOCAL_TZ).astimezone(UTC)
    assert row["dossier_code"] == "000.00.09.H26-0001"
    assert row["language"] == "vi"
    assert row["answers"]["f1_access"] == (5, None, None)
    assert row["answers"]["f4_result"] == (None, "no_opinion", None)
    assert row["case_id"] is None


def test_after_entering_a_form_a_blank_one_opens_with_the_same_desk_and_date(
    survey, clerk, district
):
    day = local_today() - timedelta(days=3)
    first = paper_page(clerk)
    location = enter_paper(clerk, district["desk_b"], day, tokens=first).headers["Location"]
    body = page(clerk.get(location + "&lang=en"))
    assert "Form entered." in body
    assert f'<option selected value="{district["desk_b"]}">' in body
    assert f'value="{day.isoformat()}"' in body
    assert hidden(body, "client_uuid") != first["client_uuid"]
    assert "checked" not in body


def test_the_same_paper_form_sent_twice_is_stored_once_and_the_repeat_is_told(
    app, survey, clerk, district
):
    day = local_today() - timedelta(days=1)
    tokens = paper_page(clerk)
    assert enter_paper(clerk, district["desk_a"], day, tokens=tokens).status_code == 302
    again = enter_paper(clerk, district["desk_a"], day, tokens=tokens)
    assert again.status_code == 302
    assert "This form was already entered." in page(clerk.get(again.headers["Location"]))
    assert len(stored(app)) == 1


@pytest.mark.parametrize("days_ago", [-1, 366, 800])
def test_a_future_date_or_one_older_than_a_year_is_a_400_and_nothing_is_stored(
    app, survey, clerk, district, days_ago
):
    day = local_today() - timedelta(days=days_ago)
    response = enter_paper(clerk, district["desk_a"], day)
    body = page(response)
    assert response.status_code == 400
    expected = "cannot be in the future" if days_ago < 0 else "older than a year"
    assert expected in body
    assert stored(app) == []


def test_a_form_dated_exactly_a_year_ago_or_today_is_accepted(app, survey, clerk, district):
    assert (
        enter_paper(clerk, district["desk_a"], local_today() - timedelta(days=365)).status_code
        == 302
    )
    assert enter_paper(clerk, district["desk_a"], local_today()).status_code == 302
    assert len(stored(app)) == 2
    # Typed in before nine on the same day: stored at the current hour, never in the future.
    assert all(row["submitted_hour"] <= datetime.now(UTC) for row in stored(app))


def test_a_date_that_is_not_a_date_is_a_translated_400(app, survey, clerk, district):
    response = enter_paper(clerk, district["desk_a"], "14/03/2026")
    assert response.status_code == 400
    assert "Enter a date such as 2025-03-14." in page(response)
    assert stored(app) == []


def test_a_missing_required_answer_is_a_400_with_its_message_and_everything_typed_kept(
    app, survey, clerk, district
):
    day = local_today() - timedelta(days=2)
    answers = {**TICKED, "q_comment": "Phòng chờ hơi nóng vào buổi chiều."}
    del answers["q_overall"]
    response = enter_paper(clerk, district["desk_b"], day, answers=answers, dossier_code="H26-0042")
    body = page(response)
    assert response.status_code == 400
    assert 'id="q_overall-error">Please answer this question.' in body
    assert 'id="q_f1_access-5" name="q_f1_access" value="5" checked' in body
    assert 'id="q_f4_result-no_opinion" name="q_f4_result" value="no_opinion" checked' in body
    assert "Phòng chờ hơi nóng vào buổi chiều.</textarea>" in body
    assert 'value="H26-0042"' in body
    assert f'<option selected value="{district["desk_b"]}">' in body
    assert f'value="{day.isoformat()}"' in body
    assert stored(app) == []


def test_the_missing_answer_message_is_in_the_pages_language(app, survey, clerk, district):
    answers = {k: v for k, v in TICKED.items() if k != "q_overall"}
    response = enter_paper(clerk, district["desk_a"], local_today(), answers=answers, lang="vi")
    body = page(response)
    assert response.status_code == 400
    assert '<html lang="vi"' in body
    with app.test_request_context("/?lang=vi"):
        expected = gettext("Please answer this question.")
    assert f'id="q_overall-error">{expected}</p>' in body


def test_a_desk_outside_the_clerks_scope_is_refused(app, ward_clerk, district, survey):
    with app.app_context():
        dong_da = make_unit(
            "006",
            "Quận Đống Đa",
            UnitLevel.DISTRICT,
            db.session.get(AdminUnit, district["province"]),
        )
        other = make_desk(dong_da).id
        db.session.commit()
    assert desk_choices(page(ward_clerk.get("/surveys/paper"))) == {district["desk_a"]}
    for desk in (district["desk_b"], other):
        response = enter_paper(ward_clerk, desk, local_today())
        assert response.status_code == 400
        assert "Not a valid choice." in page(response)
    assert stored(app) == []


@pytest.mark.parametrize("who", ["counter_a", "manager_b", "hotline"])
def test_staff_without_enter_paper_get_403(client, district, survey, who):
    sign_in(client, who)
    assert client.get("/surveys/paper").status_code == 403
    token = csrf_token(client, "/")
    response = client.post("/surveys/paper", data={"csrf_token": token, **TICKED})
    assert response.status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, district, survey):
    assert client.get("/surveys/paper").status_code == 302
    assert client.get("/surveys/paper/qr").status_code == 302


def test_a_counter_is_recorded_without_guessing_the_officer_who_served(
    app, survey, clerk, district
):
    with app.app_context():
        counter = db.session.scalar(
            select(Counter).where(Counter.service_point_id == district["desk_a"])
        )
        counter.officer_on_duty = db.session.scalar(
            select(Officer).where(Officer.service_point_id == district["desk_a"])
        )
        db.session.commit()
        counter_id = counter.id
    day = local_today() - timedelta(days=20)
    assert enter_paper(clerk, district["desk_a"], day, counter_id=counter_id).status_code == 302
    [row] = stored(app)
    assert row["counter_id"] == counter_id
    # Whoever is on duty now did not necessarily serve a citizen twenty days ago.
    assert row["officer_id"] is None


def test_a_counter_of_another_desk_is_refused(app, survey, clerk, district):
    with app.app_context():
        counter_b = db.session.scalar(
            select(Counter.id).where(Counter.service_point_id == district["desk_b"])
        )
    response = enter_paper(clerk, district["desk_a"], local_today(), counter_id=counter_b)
    assert response.status_code == 400
    assert "This counter is not at the chosen desk." in page(response)
    assert stored(app) == []


def test_a_low_rating_with_a_comment_on_paper_opens_a_case_named_in_the_message(
    app, survey, clerk, district
):
    answers = {**TICKED, "q_overall": "1", "q_comment": "Phải chờ quá lâu."}
    response = enter_paper(clerk, district["desk_a"], local_today(), answers=answers)
    [(code, channel, content)] = cases(app)
    assert channel == CaseChannel.WALK_IN and content == "Phải chờ quá lâu."
    assert f"Form entered. Its comment opened case {code}." in page(
        clerk.get(response.headers["Location"])
    )
    assert stored(app)[0]["case_id"] is not None


def test_the_paper_page_without_a_published_survey_explains_and_never_fails(app, clerk, district):
    body = page(clerk.get("/surveys/paper?lang=en"))
    assert "No survey version is published yet" in body
    token = csrf_token(clerk, "/")
    data = {"csrf_token": token, "client_uuid": str(uuid.uuid4()), "instrument": "x@1"}
    assert clerk.post("/surveys/paper", data=data).status_code == 400


# --- Public web survey ------------------------------------------------------------------------


def test_the_web_survey_is_open_to_anyone_and_in_vietnamese_by_default(client, district, survey):
    response = client.get(f"/survey/{district['desk_a']}")
    body = page(response)
    assert response.status_code == 200
    assert '<html lang="vi"' in body
    assert "Phiếu đánh giá mức độ hài lòng" in body
    assert "Thái độ và sự hướng dẫn của công chức tiếp nhận hồ sơ" in body
    assert "Rất hài lòng" in body and "Very satisfied" not in body
    assert "Bộ phận Một cửa Phường Nhân Chính" in body
    assert uuid.UUID(hidden(body, "client_uuid")).version == 4
    assert hidden(body, "csrf_token")


def test_the_web_survey_switches_to_english(client, district, survey):
    body = page(client.get(f"/survey/{district['desk_a']}?lang=en"))
    assert '<html lang="en"' in body
    assert "The officer's attitude and guidance" in body
    assert "Very satisfied" in body
    assert "Submit" in body


def test_a_web_answer_is_stored_as_web_and_a_resend_stores_nothing_more(
    app, client, district, survey
):
    tokens = survey_page(client, district["desk_a"])
    first = answer_web(client, district["desk_a"], tokens=tokens, lang="en")
    assert first.status_code == 200
    assert "Thank you" in page(first)
    again = answer_web(client, district["desk_a"], tokens=tokens, lang="en")
    assert again.status_code == 200
    assert "Thank you" in page(again)
    [row] = stored(app)
    assert row["channel"] == ResponseChannel.WEB
    assert row["service_point_id"] == district["desk_a"]
    assert row["counter_id"] is None and row["kiosk_id"] is None and row["officer_id"] is None
    assert row["language"] == "en"
    assert row["submitted_hour"].minute == 0 and row["submitted_hour"].second == 0


def test_the_web_survey_records_the_language_it_was_answered_in(app, client, district, survey):
    answer_web(client, district["desk_a"])
    assert stored(app)[0]["language"] == "vi"


def test_a_very_low_rating_with_a_comment_opens_a_case_and_shows_its_tracking_code(
    app, client, district, survey
):
    answers = {**TICKED, "q_overall": "1", "q_comment": "Cán bộ không hướng dẫn."}
    response = answer_web(client, district["desk_a"], answers=answers, lang="en")
    [(code, channel, content)] = cases(app)
    body = page(response)
    assert channel == CaseChannel.WEB and content == "Cán bộ không hướng dẫn."
    assert code in body
    assert f'href="/track/{code}"' in body
    again = answer_web(
        client,
        district["desk_a"],
        answers=answers,
        lang="en",
        tokens={**survey_page(client, district["desk_a"]), "client_uuid": str(uuid.uuid4())},
    )
    assert len(cases(app)) == 2 and again.status_code == 200


def test_a_satisfied_citizen_gets_thanks_without_a_tracking_code(app, client, district, survey):
    body = page(answer_web(client, district["desk_a"], lang="en"))
    assert "Keep this tracking code" not in body
    assert cases(app) == []


def test_an_invalid_web_answer_is_a_400_with_messages_and_answers_kept(
    app, client, district, survey
):
    answers = {**TICKED, "q_want_reply": "yes", "q_comment": "Xin trả lời giúp tôi."}
    response = answer_web(client, district["desk_a"], answers=answers, lang="en")
    body = page(response)
    assert response.status_code == 400
    assert "Give a phone number for the answer." in body
    assert 'id="q_want_reply-yes" name="q_want_reply" value="yes" checked' in body
    assert "Xin trả lời giúp tôi.</textarea>" in body
    assert stored(app) == []


def test_a_web_answer_without_the_csrf_token_is_refused(app, client, district, survey):
    tokens = {**survey_page(client, district["desk_a"]), "csrf_token": ""}
    assert answer_web(client, district["desk_a"], tokens=tokens).status_code == 400
    assert stored(app) == []


def test_the_eleventh_answer_within_an_hour_from_one_address_is_a_translated_429(
    app, client, district, survey
):
    tokens = survey_page(client, district["desk_a"])
    for _n in range(10):
        fresh = {**tokens, "client_uuid": str(uuid.uuid4())}
        response = answer_web(client, district["desk_a"], tokens=fresh, address=CITIZEN_ADDRESS)
        assert response.status_code == 200
    fresh = {**tokens, "client_uuid": str(uuid.uuid4())}
    throttled = answer_web(client, district["desk_a"], tokens=fresh, address=CITIZEN_ADDRESS)
    body = page(throttled)
    assert throttled.status_code == 429
    assert '<html lang="vi"' in body
    assert translated("Too many attempts") in body
    assert "per 1 hour" not in body
    assert len(stored(app)) == 10
    # Another phone (another address) is not held back by the first one.
    fresh = {**tokens, "client_uuid": str(uuid.uuid4())}
    assert (
        answer_web(client, district["desk_a"], tokens=fresh, address="198.51.100.2").status_code
        == 200
    )


def test_an_inactive_or_unknown_desk_is_a_translated_404(app, client, district, survey):
    with app.app_context():
        db.session.get(ServicePoint, district["desk_b"]).active = False
        db.session.commit()
    for url in (
        f"/survey/{district['desk_b']}",
        "/survey/999999",
        f"/survey/{district['desk_b']}/qr.svg",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
    body = page(client.get(f"/survey/{district['desk_b']}"))
    assert translated("Not found") in body
    tokens = survey_page(client, district["desk_a"])
    assert answer_web(client, district["desk_b"], tokens=tokens).status_code == 404
    assert stored(app) == []


def test_no_address_of_the_citizen_is_stored_with_a_web_answer(app, client, district, survey):
    answers = {**TICKED, "q_overall": "2", "q_comment": "Máy lấy số bị hỏng."}
    response = answer_web(client, district["desk_a"], answers=answers, address=CITIZEN_ADDRESS)
    assert response.status_code == 200
    with app.app_context():
        columns = {c.name for c in Response.__table__.columns}
        assert not {c for c in columns if re.search(r"ip|addr|remote|agent", c)}
        for table in (Response.__table__, Answer.__table__, Case.__table__):
            for row in db.session.execute(select(table)):
                assert all(CITIZEN_ADDRESS not in str(value) for value in row), table.name
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1


# --- QR codes ---------------------------------------------------------------------------------


def test_the_qr_code_is_an_svg_of_the_survey_address(app, client, district):
    response = client.get(f"/survey/{district['desk_a']}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "<svg" in response.get_data(as_text=True)
    with app.app_context():
        assert response.data == qr_svg(f"http://localhost/survey/{district['desk_a']}")


def test_the_qr_code_uses_the_public_base_url_when_it_is_set(app, client, district):
    app.config["PUBLIC_BASE_URL"] = "https://gopy.thanhxuan.hanoi.gov.vn/"
    response = client.get(f"/survey/{district['desk_a']}/qr.svg")
    with app.app_context():
        expected = qr_svg(f"https://gopy.thanhxuan.hanoi.gov.vn/survey/{district['desk_a']}")
    assert response.data == expected


def test_the_qr_page_lists_only_the_desks_in_scope(app, client, district):
    sign_in(client, "manager_b")
    body = page(client.get("/surveys/paper/qr?lang=en"))
    assert f"http://localhost/survey/{district['desk_b']}" in body
    assert f'src="/survey/{district["desk_b"]}/qr.svg"' in body
    assert f"/survey/{district['desk_a']}" not in body
    assert f"/survey/{district['desk_district']}" not in body


def test_the_qr_page_of_a_district_lists_each_active_desk_once(app, client, district):
    with app.app_context():
        db.session.get(ServicePoint, district["desk_b"]).active = False
        db.session.commit()
    sign_in(client, "clerk")
    body = page(client.get("/surveys/paper/qr"))
    assert body.count('class="panel qr-sheet"') == 2
    assert f'src="/survey/{district["desk_a"]}/qr.svg"' in body
    assert f'src="/survey/{district["desk_b"]}/qr.svg"' not in body


def test_counter_staff_cannot_see_the_qr_page(client, district):
    sign_in(client, "counter_a")
    assert client.get("/surveys/paper/qr").status_code == 403


# --- Links and languages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "paper", "qr"),
    [("clerk", True, True), ("manager_b", False, True), ("counter_a", False, False)],
)
def test_home_and_menu_link_to_the_pages_a_role_may_use(client, district, who, paper, qr):
    sign_in(client, who)
    body = page(client.get("/?lang=en"))
    assert (body.count('href="/surveys/paper"') == 2) is paper
    assert (body.count('href="/surveys/paper/qr"') == 2) is qr
    assert ("Paper survey forms" in body) is paper
    assert ("QR codes for the web survey" in body) is qr


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_new_page_renders_in_both_languages(app, client, district, survey, lang):
    desk = district["desk_a"]
    anonymous = app.test_client()
    for url in (f"/survey/{desk}", f"/survey/{desk}/qr.svg"):
        response = anonymous.get(f"{url}?lang={lang}")
        assert response.status_code == 200, url
    thanks = answer_web(anonymous, desk, lang=lang)
    invalid = answer_web(anonymous, desk, answers={"q_overall": "9"}, lang=lang)
    assert (thanks.status_code, invalid.status_code) == (200, 400)
    sign_in(client, "clerk")
    for url in ("/surveys/paper", "/surveys/paper/qr", "/"):
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200, url
        assert f'<html lang="{lang}"' in response.get_data(as_text=True)
    bad = enter_paper(client, desk, "not a date", answers={"q_f1_access": "7"}, lang=lang)
    assert bad.status_code == 400
    for response in (thanks, invalid, bad):
        body = page(response)
        assert f'<html lang="{lang}"' in body
        assert "Traceback" not in body
