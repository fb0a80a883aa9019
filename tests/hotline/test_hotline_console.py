"""The hotline operator console, the manual call log, and the hotline admin pages (lines, prompts).

Set-up writes calls and messages straight into the database (as the webhooks would); everything
under test goes through HTTP with a signed-in browser.
"""

import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback_app import storage
from feedback_app.cases import service as cases
from feedback_app.extensions import db
from feedback_app.hotline import routes
from feedback_app.models import (
    AdminUnit,
    AuditEvent,
    CallOutcome,
    CallStatus,
    Case,
    CaseChannel,
    CaseEvent,
    HotlineCall,
    HotlineLine,
    Provider,
    ServicePoint,
    SmsMessage,
)
from feedback_app.timeutil import now_utc
from tests.conftest import aware, count_rows, csrf_token, form_token, page, sign_in, user_id

NUMBER = "0912345678"
MASKED = "091*****78"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 256
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CALLED_AT = "2026-03-16T09:30"  # a Monday morning, Vietnam time
CALLED_AT_UTC = datetime(2026, 3, 16, 2, 30, tzinfo=UTC)


# --- builders (set-up only) -------------------------------------------------------------------


def make_call(app, unit: int, *, number: str | None = NUMBER, **fields) -> int:
    """A call as the webhooks would have stored it; returns its id."""
    fields.setdefault("started_at", now_utc())
    fields.setdefault("status", CallStatus.COMPLETED)
    with app.app_context():
        call = HotlineCall(
            provider=Provider.TWILIO,
            provider_id=f"CA{uuid.uuid4().hex}",
            unit_id=unit,
            from_number=number,
            to_number="+842438581234",
            **fields,
        )
        db.session.add(call)
        db.session.commit()
        return call.id


def make_sms(app, unit: int, body: str, *, number: str = NUMBER, received_at=None) -> int:
    """An inbound SMS as stored by the webhook; returns its id."""
    with app.app_context():
        message = SmsMessage(
            provider=Provider.GATEWAY,
            provider_id=uuid.uuid4().hex,
            unit_id=unit,
            from_number=number,
            to_number="+842438581234",
            body=body,
            received_at=received_at or now_utc(),
        )
        db.session.add(message)
        db.session.commit()
        return message.id


def make_case(app, desk: int, content: str = "Cán bộ hướng dẫn tận tình.") -> str:
    """A walk-in case at a desk; returns its code."""
    with app.app_context():
        point = db.session.get(ServicePoint, desk)
        new = cases.NewCase(channel=CaseChannel.WALK_IN, content=content, service_point=point)
        case, _created = cases.create_case(new)
        db.session.commit()
        return case.code


def make_voicemail(app, unit: int, *, recording: bool = True, topic: str = "") -> tuple[int, str]:
    """A voicemail call with its waiting case (and the downloaded recording); (call id, code)."""
    with app.app_context():
        unit_row = db.session.get(AdminUnit, unit)
        case, _created = cases.create_case(
            cases.NewCase(
                channel=CaseChannel.HOTLINE_CALL,
                content="Tin nhắn thoại 12 giây, chờ ghi lại nội dung.",
                unit=unit_row,
                sender_phone=NUMBER,
            )
        )
        call = HotlineCall(
            provider=Provider.TWILIO,
            provider_id=f"CA{uuid.uuid4().hex}",
            unit=unit_row,
            from_number=NUMBER,
            started_at=now_utc(),
            status=CallStatus.COMPLETED,
            recording_sid=f"RE{uuid.uuid4().hex}",
            recording_url="https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
            recording_seconds=12,
            topic=topic,
            case=case,
        )
        if recording:
            call.recording = storage.store(
                io.BytesIO(MP3), original_name="voicemail.mp3", case=case, audio=True
            )
        db.session.add(call)
        db.session.commit()
        return call.id, case.code


def call_row(app, call_id: int) -> HotlineCall:
    """A call as stored now (detached: read attributes only)."""
    with app.app_context():
        call = db.session.get(HotlineCall, call_id)
        db.session.expunge(call)
        return call


def history(app, code: str) -> list[str]:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.code == code))
        return [
            e.action for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case == case))
        ]


def section(body: str, section_id: str) -> str:
    """The HTML of one section of the console."""
    start = body.index(f'id="{section_id}"')
    return body[start : body.index("</section>", start)]


def log_call(client, unit: int, *, token: str | None = None, lang: str = "en", **fields):
    """POST the manual call form as a browser would."""
    url = "/hotline/calls/new"
    data = {
        "csrf_token": csrf_token(client, url),
        "form_token": token or form_token(client, url),
        "number": "0912 345 678",
        "started_at": CALLED_AT,
        "duration": "5:30",
        "topic": "Hỏi thủ tục cấp bản sao",
        "summary": "Công dân hỏi giấy tờ cần mang theo.",
        "outcome": "informed",
        "case_code": "",
        "unit_id": unit,
        **fields,
    }
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"{url}?lang={lang}", data=data)


def post(client, url: str, lang: str = "en", page_url: str | None = None, **data):
    """POST a small form (CSRF token taken from the page it lives on)."""
    token = csrf_token(client, page_url or url.rsplit("/", 1)[0])
    return client.post(f"{url}?lang={lang}", data={"csrf_token": token, **data})


def call_id_from(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].split("?")[0].rstrip("/").rsplit("/", 1)[1])


# --- the console ------------------------------------------------------------------------------


def test_console_shows_each_section_with_the_right_calls_and_messages(app, operator, district):
    now = now_utc()
    ward = district["ward_a"]
    make_call(app, ward, topic="T-today")
    make_call(app, ward, topic="T-last-week", started_at=now - timedelta(days=7))
    make_call(
        app,
        ward,
        topic="T-missed",
        status=CallStatus.NO_ANSWER,
        missed=True,
        started_at=now - timedelta(days=2),
    )
    make_call(
        app,
        ward,
        topic="T-called-back",
        missed=True,
        started_at=now - timedelta(days=2),
        callback_due=now - timedelta(days=1),
        callback_done_at=now - timedelta(hours=20),
    )
    make_call(app, ward, topic="T-due-later", callback_due=now + timedelta(hours=3))
    make_call(
        app,
        ward,
        topic="T-overdue",
        started_at=now - timedelta(days=3),
        callback_due=now - timedelta(hours=5),
    )
    make_voicemail(app, ward, topic="T-voicemail")
    transcribed, _code = make_voicemail(app, ward, topic="T-transcribed")
    with app.app_context():
        db.session.get(HotlineCall, transcribed).transcript = "Đã ghi."
        db.session.commit()
    make_sms(app, ward, "SMS-today xin hỏi giờ làm việc")
    make_sms(app, ward, "SMS-old", received_at=now - timedelta(days=3))

    body = page(operator.get("/hotline/?lang=en"))

    today = section(body, "calls-today")
    assert "T-today" in today and "T-due-later" in today and "T-voicemail" in today
    assert "T-last-week" not in today and "T-overdue" not in today
    missed = section(body, "missed")
    assert "T-missed" in missed and "T-called-back" not in missed and "T-today" not in missed
    voicemails = section(body, "voicemails")
    assert "T-voicemail" in voicemails and "T-transcribed" not in voicemails
    callbacks = section(body, "callbacks")
    assert "T-called-back" not in callbacks and "T-today" not in callbacks
    assert callbacks.index("T-overdue") < callbacks.index("T-due-later")
    overdue_row = callbacks[callbacks.rindex("<tr", 0, callbacks.index("T-overdue")) :]
    assert overdue_row.startswith('<tr class="overdue"') and "Overdue" in overdue_row
    later_row = callbacks[callbacks.rindex("<tr", 0, callbacks.index("T-due-later")) :]
    assert not later_row.startswith('<tr class="overdue"')
    messages = section(body, "messages-today")
    assert "SMS-today" in messages and "SMS-old" not in messages


def test_console_in_vietnamese_renders_with_the_hotline_in_the_menu(app, operator, district):
    make_call(app, district["ward_a"], topic="T-today")
    response = operator.get("/hotline/?lang=vi")
    assert response.status_code == 200
    body = page(response)
    assert '<html lang="vi"' in body
    assert 'href="/hotline/"' in body and "T-today" in body


def test_numbers_are_masked_in_every_list_and_shown_in_full_on_the_call_page(
    app, operator, district
):
    call = make_call(
        app,
        district["ward_a"],
        missed=True,
        callback_due=now_utc(),
        topic="Xin gọi lại số 0987654321",
    )
    make_sms(app, district["ward_a"], "Xin hỏi lịch tiếp dân")
    for url in ("/hotline/", "/hotline/calls", "/hotline/calls?view=callback", "/hotline/messages"):
        body = page(operator.get(url + ("&" if "?" in url else "?") + "lang=en"))
        assert MASKED in body, url
        assert NUMBER not in body and "0987654321" not in body, url
    detail = page(operator.get(f"/hotline/calls/{call}?lang=en"))
    assert NUMBER in detail
    assert f'href="tel:{NUMBER}"' in detail


def test_message_body_is_escaped_and_numbers_in_it_are_masked(app, operator, district):
    make_sms(app, district["ward_a"], "<script>alert('x')</script> Gọi lại 0987654321 giúp tôi")
    for url in ("/hotline/?lang=en", "/hotline/messages?lang=en"):
        raw = operator.get(url).get_data(as_text=True)
        assert "<script>alert" not in raw
        assert "&lt;script&gt;alert" in raw
        assert "0987654321" not in raw and "098*****21" in raw


# --- lists: date filter, paging, views --------------------------------------------------------


def test_call_list_filters_by_local_day_and_pages(app, operator, district, monkeypatch):
    ward = district["ward_a"]
    # 23:30 on 15 March in Vietnam is still 15 March, though it is 16:30 UTC.
    make_call(
        app, ward, topic="T-late-evening", started_at=datetime(2026, 3, 15, 16, 30, tzinfo=UTC)
    )
    make_call(
        app, ward, topic="T-next-morning", started_at=datetime(2026, 3, 15, 17, 30, tzinfo=UTC)
    )
    body = page(operator.get("/hotline/calls?day=2026-03-15&lang=en"))
    assert "T-late-evening" in body and "T-next-morning" not in body
    body = page(operator.get("/hotline/calls?day=2026-03-16&lang=en"))
    assert "T-next-morning" in body and "T-late-evening" not in body

    monkeypatch.setattr(routes, "PAGE_SIZE", 1)
    first = page(operator.get("/hotline/calls?lang=en"))
    assert "T-next-morning" in first and "T-late-evening" not in first
    assert "page=2" in first
    second = page(operator.get("/hotline/calls?page=2&lang=en"))
    assert "T-late-evening" in second and "T-next-morning" not in second


def test_call_list_with_a_bad_date_says_so_and_still_lists(app, operator, district):
    make_call(app, district["ward_a"], topic="T-any")
    response = operator.get("/hotline/calls?day=2026-13-45&lang=en")
    assert response.status_code == 400
    body = page(response)
    assert "Enter a date such as 2025-03-14." in body
    assert "T-any" in body


def test_call_list_views_narrow_to_the_console_sections(app, operator, district):
    ward = district["ward_a"]
    make_call(app, ward, topic="T-plain")
    make_call(app, ward, topic="T-missed", missed=True, status=CallStatus.BUSY)
    make_voicemail(app, ward, topic="T-voicemail")
    body = page(operator.get("/hotline/calls?view=missed&lang=en"))
    assert "T-missed" in body and "T-plain" not in body and "T-voicemail" not in body
    body = page(operator.get("/hotline/calls?view=voicemail&lang=en"))
    assert "T-voicemail" in body and "T-missed" not in body
    body = page(operator.get("/hotline/calls?view=nonsense&lang=en"))
    assert "T-plain" in body and "T-missed" in body


def test_message_list_filters_by_day(app, operator, district):
    ward = district["ward_a"]
    make_sms(app, ward, "SMS-march", received_at=datetime(2026, 3, 16, 3, tzinfo=UTC))
    make_sms(app, ward, "SMS-april", received_at=datetime(2026, 4, 16, 3, tzinfo=UTC))
    body = page(operator.get("/hotline/messages?day=2026-03-16&lang=en"))
    assert "SMS-march" in body and "SMS-april" not in body


# --- logging a call by hand -------------------------------------------------------------------


def test_logging_a_call_stores_it_once_and_the_same_form_again_finds_it(app, operator, district):
    token = form_token(operator, "/hotline/calls/new")
    first = log_call(operator, district["ward_a"], token=token)
    call_id = call_id_from(first)
    call = call_row(app, call_id)
    assert call.provider is Provider.MANUAL
    assert call.provider_id == f"{user_id(app, 'hotline')}:{token}"  # the token, bound to its user
    assert call.from_number == NUMBER
    assert aware(call.started_at) == CALLED_AT_UTC
    assert call.duration_seconds == 330
    assert call.outcome is CallOutcome.INFORMED
    assert call.unit_id == district["ward_a"]
    assert call.after_hours is False
    assert call.case_id is None
    assert "Call logged." in page(operator.get(first.headers["Location"] + "?lang=en"))

    again = log_call(operator, district["ward_a"], token=token, topic="Something else")
    assert call_id_from(again) == call_id
    assert count_rows(app, HotlineCall) == 1
    assert "This form was already sent" in page(operator.get(again.headers["Location"]))
    with app.app_context():
        logged = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "hotline_call_logged")
        ).all()
        assert [e.target_id for e in logged] == [call_id]


def test_duration_in_plain_seconds_and_an_evening_call_flagged_after_hours(app, operator, district):
    response = log_call(operator, district["ward_a"], duration="95", started_at="2026-03-16T20:15")
    call = call_row(app, call_id_from(response))
    assert call.duration_seconds == 95
    assert call.after_hours is True


def test_call_to_be_called_back_goes_on_the_call_back_list(app, operator, district):
    response = log_call(operator, district["ward_a"], outcome="call_back")
    call = call_row(app, call_id_from(response))
    assert call.callback_due is not None
    assert "Hỏi thủ tục cấp bản sao" in section(page(operator.get("/hotline/")), "callbacks")


def test_logging_a_call_can_open_a_new_hotline_case(app, operator, district):
    response = log_call(operator, district["ward_a"], outcome="case_opened", open_case="y")
    call = call_row(app, call_id_from(response))
    with app.app_context():
        case = db.session.get(Case, call.case_id)
        assert case.channel is CaseChannel.HOTLINE_CALL
        assert case.content == "Công dân hỏi giấy tờ cần mang theo."
        assert case.unit_id == district["ward_a"]
        code = case.code
    assert history(app, code) == ["received", "call_linked"]
    assert count_rows(app, Case) == 1


def test_logging_a_call_can_link_an_existing_case_by_its_code(app, operator, district):
    code = make_case(app, district["desk_a"])
    response = log_call(operator, district["ward_a"], case_code=code.lower())
    call = call_row(app, call_id_from(response))
    with app.app_context():
        assert db.session.get(Case, call.case_id).code == code
    assert "call_linked" in history(app, code)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"duration": "five minutes"}, "Enter the duration as minutes:seconds"),
        ({"duration": "9:75"}, "Enter the duration as minutes:seconds"),
        ({"duration": "600:00"}, "A call cannot last more than 5 hours."),
        ({"duration": ""}, "Enter how long the call lasted."),
        ({"started_at": "2099-01-01T09:00"}, "The time cannot be in the future."),
        ({"started_at": "16/03/2026"}, "Enter a date and time such as 2025-03-14 09:30."),
        ({"started_at": "0001-01-01T00:00"}, "Enter a date from the year 2000 on."),
        ({"topic": "  "}, "Write what the call was about."),
        ({"topic": "x" * 201}, "At most 200 characters."),
        ({"number": "call me"}, "Enter a phone number of digits only"),
        ({"outcome": "shouted"}, "Not a valid choice."),
        ({"outcome": "call_back", "number": ""}, "Enter the number to call back."),
        ({"outcome": "case_opened"}, "Tick “Open a new case from this call”"),
        ({"case_code": "ZZZZ2222"}, "No case with this code in your units."),
        ({"unit_id": "999999"}, "Not a valid choice."),
        ({"form_token": "not-a-uuid"}, "The form is incomplete. Reload the page and try again."),
    ],
)
def test_bad_call_form_is_a_translated_400_and_stores_nothing(
    app, operator, district, fields, message
):
    response = log_call(operator, district["ward_a"], **fields)
    assert response.status_code == 400
    assert message in page(response)
    assert count_rows(app, HotlineCall) == 0
    assert count_rows(app, Case) == 0


def test_bad_call_form_in_vietnamese_is_a_400_page_in_vietnamese(app, operator, district):
    response = log_call(operator, district["ward_a"], duration="abc", lang="vi")
    assert response.status_code == 400
    assert '<html lang="vi"' in page(response)
    assert count_rows(app, HotlineCall) == 0


def test_giving_a_case_code_and_ticking_open_case_is_refused(app, operator, district):
    code = make_case(app, district["desk_a"])
    response = log_call(operator, district["ward_a"], case_code=code, open_case="y")
    assert response.status_code == 400
    assert "not both" in page(response)
    assert count_rows(app, HotlineCall) == 0
    assert count_rows(app, Case) == 1


def test_call_form_offers_only_units_in_scope_and_refuses_another_ward(
    app, ward_operator, district
):
    body = page(ward_operator.get("/hotline/calls/new?lang=en"))
    assert "Phường Nhân Chính" in body and "Phường Thượng Đình" not in body
    response = log_call(ward_operator, district["ward_b"])
    assert response.status_code == 400
    assert count_rows(app, HotlineCall) == 0
    other_case = make_case(app, district["desk_b"])
    response = log_call(ward_operator, district["ward_a"], case_code=other_case)
    assert response.status_code == 400
    assert "No case with this code in your units." in page(response)


# --- one call: link, unlink, call-back, transcript --------------------------------------------


def test_link_and_unlink_a_call_and_the_case_history_keeps_both(app, operator, district):
    call = make_call(app, district["ward_a"], topic="T-link")
    code = make_case(app, district["desk_a"])
    url = f"/hotline/calls/{call}"
    response = post(operator, f"{url}/link", page_url=url, case_code=f" {code.lower()} ")
    assert response.status_code == 302
    assert call_row(app, call).case_id is not None
    body = page(operator.get(f"{url}?lang=en"))
    assert f'href="/cases/{code}"' in body
    case_page = page(operator.get(f"/cases/{code}?lang=en"))
    assert f'href="/hotline/calls/{call}"' in case_page and MASKED in case_page

    response = post(operator, f"{url}/unlink", page_url=url)
    assert response.status_code == 302
    assert call_row(app, call).case_id is None
    assert history(app, code) == ["received", "call_linked", "call_unlinked"]
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"hotline_call_linked", "hotline_call_unlinked"} <= actions


def test_linking_to_an_unknown_case_is_a_translated_400(app, operator, district):
    call = make_call(app, district["ward_a"])
    url = f"/hotline/calls/{call}"
    response = post(operator, f"{url}/link", page_url=url, case_code="ZZZZ2222")
    assert response.status_code == 400
    assert "No case with this code in your units." in page(response)
    response = post(operator, f"{url}/link", page_url=url, case_code="")
    assert response.status_code == 400
    assert "Enter the code of the case." in page(response)
    assert call_row(app, call).case_id is None


def test_marking_a_call_back_done_takes_it_off_the_lists(app, operator, district):
    call = make_call(
        app,
        district["ward_a"],
        topic="T-callback",
        missed=True,
        callback_due=now_utc() - timedelta(hours=1),
    )
    body = page(operator.get("/hotline/?lang=en"))
    assert "T-callback" in section(body, "callbacks") and "T-callback" in section(body, "missed")
    url = f"/hotline/calls/{call}"
    assert "Overdue" in page(operator.get(f"{url}?lang=en"))
    response = post(operator, f"{url}/callback-done", page_url=url)
    assert response.status_code == 302
    row = call_row(app, call)
    assert row.callback_done_at is not None and row.callback_done_by_id is not None
    body = page(operator.get("/hotline/?lang=en"))
    assert "T-callback" not in section(body, "callbacks")
    assert "T-callback" not in section(body, "missed")
    assert "Called back" in page(operator.get(f"{url}?lang=en"))


def test_call_page_plays_the_voicemail_from_the_staff_download_route(app, operator, district):
    call, _code = make_voicemail(app, district["ward_a"])
    recording = call_row(app, call).recording_id
    body = page(operator.get(f"/hotline/calls/{call}?lang=en"))
    assert (
        f'<audio class="voicemail" controls preload="none" src="/cases/attachments/{recording}"'
        in body
    )
    assert 'name="transcript"' in body
    with operator.get(f"/cases/attachments/{recording}") as download:
        assert download.status_code == 200 and download.mimetype == "audio/mpeg"


def test_voicemail_not_downloaded_links_to_the_providers_copy(app, operator, district):
    call, _code = make_voicemail(app, district["ward_a"], recording=False)
    body = page(operator.get(f"/hotline/calls/{call}?lang=en"))
    assert "<audio" not in body
    assert 'href="https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"' in body


def test_transcript_replaces_the_case_text_and_adds_a_history_event(app, operator, district):
    call, code = make_voicemail(app, district["ward_a"], topic="T-voicemail")
    url = f"/hotline/calls/{call}"
    text = "Tôi muốn hỏi về hồ sơ cấp giấy phép xây dựng nộp tuần trước."
    response = post(operator, f"{url}/transcript", page_url=url, transcript=text, back="call")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url)
    assert call_row(app, call).transcript == text
    with app.app_context():
        assert db.session.scalar(select(Case.content).where(Case.code == code)) == text
    assert history(app, code) == ["received", "transcribed"]
    assert "T-voicemail" not in section(page(operator.get("/hotline/")), "voicemails")


def test_transcript_from_the_case_page_goes_back_to_the_case(app, operator, district):
    call, code = make_voicemail(app, district["ward_a"])
    case_url = f"/cases/{code}"
    body = page(operator.get(f"{case_url}?lang=en"))
    assert f'action="/hotline/calls/{call}/transcript"' in body
    assert "<audio" in body
    response = post(
        operator,
        f"/hotline/calls/{call}/transcript",
        page_url=case_url,
        transcript="Xin gọi lại.",
        back="case",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(case_url)
    assert "Xin gọi lại." in page(operator.get(case_url))


def test_empty_transcript_is_a_translated_400_and_changes_nothing(app, operator, district):
    call, code = make_voicemail(app, district["ward_a"])
    url = f"/hotline/calls/{call}"
    response = post(operator, f"{url}/transcript", page_url=url, transcript="   ")
    assert response.status_code == 400
    assert "Write what the caller said." in page(response)
    assert call_row(app, call).transcript is None
    assert history(app, code) == ["received"]


def test_case_page_shows_linked_calls_masked_and_the_transcript_box_only_to_operators(
    app, client, district
):
    call, code = make_voicemail(app, district["ward_a"])
    sign_in(client, "manager_a")
    body = page(client.get(f"/cases/{code}?lang=en"))
    assert "Hotline calls" in body and MASKED in body
    assert "<audio" in body
    assert 'name="transcript"' not in body
    assert f'href="/hotline/calls/{call}"' not in body
    assert client.get(f"/hotline/calls/{call}").status_code == 403


# --- scope and roles --------------------------------------------------------------------------


def test_operator_of_one_ward_never_sees_another_wards_calls_or_messages(
    app, ward_operator, district
):
    mine = make_call(app, district["ward_a"], topic="T-mine", missed=True)
    theirs = make_call(app, district["ward_b"], topic="T-theirs", missed=True)
    above = make_call(app, district["district"], topic="T-district", missed=True)
    make_sms(app, district["ward_a"], "SMS-mine")
    make_sms(app, district["ward_b"], "SMS-theirs")
    client = ward_operator
    for url in ("/hotline/", "/hotline/calls", "/hotline/calls?view=missed", "/hotline/messages"):
        body = page(client.get(url))
        assert "T-theirs" not in body and "T-district" not in body and "SMS-theirs" not in body
    body = page(client.get("/hotline/"))
    assert "T-mine" in body and "SMS-mine" in body
    assert client.get(f"/hotline/calls/{mine}").status_code == 200
    code = make_case(app, district["desk_a"])
    for call in (theirs, above):
        assert client.get(f"/hotline/calls/{call}").status_code == 404
        url = f"/hotline/calls/{call}"
        token = csrf_token(client, f"/hotline/calls/{mine}")
        for action, data in (
            ("link", {"case_code": code}),
            ("unlink", {}),
            ("callback-done", {}),
            ("transcript", {"transcript": "x"}),
        ):
            response = client.post(f"{url}/{action}", data={"csrf_token": token, **data})
            assert response.status_code == 404, action
    assert call_row(app, theirs).case_id is None
    assert call_row(app, theirs).callback_done_at is None


@pytest.mark.parametrize("who", ["counter_a", "manager_a", "clerk", "reform"])
def test_roles_without_the_hotline_permission_get_403_on_the_console(app, client, district, who):
    call = make_call(app, district["ward_a"])
    sign_in(client, who)
    for url in ("/hotline/", "/hotline/calls", "/hotline/messages", "/hotline/calls/new"):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/hotline/calls/{call}").status_code == 403
    assert 'href="/hotline/"' not in page(client.get("/"))


def test_signed_out_visitor_is_sent_to_sign_in(client, district):
    response = client.get("/hotline/calls")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_operator_cannot_manage_lines_or_prompts_and_admin_sees_the_links(operator, admin):
    assert operator.get("/hotline/lines").status_code == 403
    assert operator.get("/hotline/voice-prompts").status_code == 403
    assert 'href="/hotline/lines"' not in page(operator.get("/hotline/"))
    body = page(admin.get("/hotline/?lang=en"))
    assert 'href="/hotline/lines"' in body and 'href="/hotline/voice-prompts"' in body


# --- lines ------------------------------------------------------------------------------------


def add_line(client, unit: int, number: str = "+84 24 3858 1234", lang: str = "en", **fields):
    url = "/hotline/lines/new"
    data = {
        "csrf_token": csrf_token(client, url),
        "number": number,
        "label": "Đường dây nóng quận Thanh Xuân",
        "unit_id": unit,
        "operator_number": "",
        "active": "y",
        **fields,
    }
    return client.post(f"{url}?lang={lang}", data=data)


def test_admin_adds_and_edits_a_line_and_each_change_is_audited(app, admin, district):
    response = add_line(admin, district["district"])
    assert response.status_code == 302
    with app.app_context():
        line = db.session.scalar(select(HotlineLine))
        line_id = line.id
        assert line.number == "+842438581234"
        assert line.unit_id == district["district"] and line.active
    body = page(admin.get("/hotline/lines?lang=en"))
    assert "+842438581234" in body and "Đường dây nóng quận Thanh Xuân" in body

    url = f"/hotline/lines/{line_id}"
    assert "+842438581234" in page(admin.get(url))
    response = admin.post(
        url,
        data={
            "csrf_token": csrf_token(admin, url),
            "number": "+842438581234",
            "label": "Đường dây nóng",
            "unit_id": district["district"],
            "operator_number": "0912345678",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        line = db.session.get(HotlineLine, line_id)
        assert (line.label, line.operator_number, line.active) == ("Đường dây nóng", NUMBER, False)
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == "HotlineLine")
            .order_by(AuditEvent.id)
        ).all()
        assert [e.action for e in events] == ["hotline_line_created", "hotline_line_changed"]
        assert events[1].detail["active"] == [True, False]


def test_a_second_line_with_the_same_number_is_refused(app, admin, district):
    assert add_line(admin, district["district"]).status_code == 302
    response = add_line(admin, district["ward_a"], number="+842438581234")
    assert response.status_code == 400
    assert "Another line already has this number." in page(response)
    assert count_rows(app, HotlineLine) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": ""}, "Enter the hotline number."),
        ({"number": "hotline"}, "Enter a phone number of digits only"),
        ({"operator_number": "ext. 12"}, "Enter a phone number of digits only"),
        ({"unit_id": "999999"}, "Not a valid choice."),
    ],
)
def test_bad_line_form_is_a_translated_400(app, admin, district, fields, message):
    response = add_line(admin, district["district"], **fields)
    assert response.status_code == 400
    assert message in page(response)
    assert count_rows(app, HotlineLine) == 0


def test_admin_of_a_ward_cannot_see_or_edit_a_district_line(app, admin, ward_admin, district):
    assert add_line(admin, district["district"]).status_code == 302
    with app.app_context():
        line_id = db.session.scalar(select(HotlineLine.id))
    assert "+842438581234" not in page(ward_admin.get("/hotline/lines"))
    assert ward_admin.get(f"/hotline/lines/{line_id}").status_code == 404


# --- recorded prompts -------------------------------------------------------------------------


def upload_prompt(client, key: str, data: bytes, name: str = "menu.mp3", lang: str = "en"):
    token = csrf_token(client, "/hotline/voice-prompts")
    return client.post(
        f"/hotline/voice-prompts/{key}?lang={lang}",
        data={"csrf_token": token, "audio": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_admin_uploads_a_prompt_it_is_played_and_can_be_removed(app, admin, district):
    assert "<audio" not in page(admin.get("/hotline/voice-prompts?lang=en"))
    response = upload_prompt(admin, "menu", MP3)
    assert response.status_code == 302
    body = page(admin.get("/hotline/voice-prompts?lang=en"))
    assert re.search(r'<audio controls preload="none" src="/hotline/prompts/menu\?v=\d+"', body)
    with admin.get("/hotline/prompts/menu") as served:
        assert served.status_code == 200 and served.mimetype == "audio/mpeg"
        assert served.data == MP3
    with app.app_context():
        uploaded = select(AuditEvent.detail).where(AuditEvent.action == "hotline_prompt_uploaded")
        assert db.session.scalars(uploaded).all() == [{"key": "menu", "size": len(MP3)}]

    token = csrf_token(admin, "/hotline/voice-prompts")
    response = admin.post("/hotline/voice-prompts/menu/remove", data={"csrf_token": token})
    assert response.status_code == 302
    assert admin.get("/hotline/prompts/menu").status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (PNG, "menu.mp3", "Only MP3 or WAV recordings can be used as prompts."),
        (b"just text, not sound", "menu.wav", "Only MP3 or WAV recordings can be used as prompts."),
        (b"", "menu.mp3", "The file is empty or larger than 5 MB."),
    ],
)
def test_a_file_that_is_not_an_mp3_or_wav_is_refused_and_nothing_is_kept(
    app, admin, district, data, name, message
):
    response = upload_prompt(admin, "goodbye", data, name)
    assert response.status_code == 400
    assert message in page(response)
    assert admin.get("/hotline/prompts/goodbye").status_code == 404


def test_a_prompt_upload_without_a_file_or_for_an_unknown_prompt(app, admin, district):
    token = csrf_token(admin, "/hotline/voice-prompts")
    response = admin.post("/hotline/voice-prompts/menu?lang=en", data={"csrf_token": token})
    assert response.status_code == 400
    assert "Choose a file to upload." in page(response)
    assert upload_prompt(admin, "no-such-prompt", MP3).status_code == 404


ROLES = ("admin", "reform", "manager_a", "manager_b", "clerk", "hotline", "counter_a")


@pytest.mark.parametrize("who", ROLES)
def test_every_hotline_page_with_data_renders_for_every_role_in_both_languages(
    app, client, district, who
):
    call, code = make_voicemail(app, district["ward_a"], topic="T-voicemail")
    make_call(app, district["ward_a"], missed=True, callback_due=now_utc() - timedelta(hours=1))
    make_sms(app, district["ward_a"], "Xin hỏi lịch tiếp dân")
    with app.app_context():
        line = HotlineLine(
            number="+842438581234", label="Đường dây nóng", unit_id=district["district"]
        )
        db.session.add(line)
        db.session.commit()
        line_id = line.id
    sign_in(client, who)
    urls = [
        "/hotline/",
        "/hotline/calls",
        "/hotline/calls?view=callback",
        "/hotline/messages",
        "/hotline/calls/new",
        f"/hotline/calls/{call}",
        "/hotline/lines",
        "/hotline/lines/new",
        f"/hotline/lines/{line_id}",
        "/hotline/voice-prompts",
        f"/cases/{code}",
    ]
    for url in urls:
        for lang in ("vi", "en"):
            response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
            assert response.status_code in (200, 403, 404), f"{who} {url} {lang}"
            if response.status_code == 200:
                assert f'<html lang="{lang}"' in page(response), f"{who} {url} {lang}"


# --- demo -------------------------------------------------------------------------------------


def _hotline_rows(app) -> tuple:
    with app.app_context():
        calls = db.session.scalars(select(HotlineCall).order_by(HotlineCall.provider_id)).all()
        texts = db.session.scalars(select(SmsMessage.body).order_by(SmsMessage.provider_id)).all()
        return (
            count_rows(app, HotlineLine),
            [
                (c.provider_id, c.from_number, c.missed, c.after_hours, c.recording_sid)
                for c in calls
            ],
            texts,
        )


def test_demo_seed_adds_the_district_hotline_and_a_deterministic_mix_of_calls(app, runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        line = db.session.scalar(select(HotlineLine))
        assert (line.number, line.label, line.unit.code) == (
            "+842438581234",
            "Đường dây nóng quận Thanh Xuân",
            "009",
        )
    assert count_rows(app, HotlineLine) == 1
    assert count_rows(app, HotlineCall) == 0

    args = ["demo", "seed", "--responses", "100", "--from", "2026-01-05", "--to", "2026-01-09"]
    assert runner.invoke(args=args).exit_code == 0
    first = _hotline_rows(app)
    assert runner.invoke(args=args).exit_code == 0
    assert _hotline_rows(app) == first
    _lines, calls, texts = first
    assert len(calls) == 4 and len(texts) == 3
    assert any(missed for _id, _n, missed, _a, _r in calls)
    assert any(after for _id, _n, _m, after, _r in calls)
    assert any(recording for _id, _n, _m, _a, recording in calls)
    with app.app_context():
        voicemail = db.session.scalar(
            select(HotlineCall).where(HotlineCall.recording_id.is_not(None))
        )
        assert voicemail.case.channel is CaseChannel.HOTLINE_CALL
        assert voicemail.recording.content_type == "audio/wav"
