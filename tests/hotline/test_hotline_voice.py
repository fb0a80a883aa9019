"""The hotline's voice side (DESIGN §5): the Vietnamese keypad menu, voicemail recordings (really
downloaded from a local HTTP server), and call status callbacks arriving twice or out of order.

Requests are signed exactly as Twilio signs them; TwiML is read as XML; the database is read
only to see what was stored.
"""

import base64
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from feedback_app.cases import service as cases
from feedback_app.extensions import db
from feedback_app.hotline import prompts
from feedback_app.models import (
    AdminUnit,
    Case,
    CaseChannel,
    CaseStatus,
    HolidayKind,
    HotlineCall,
    HotlineLine,
)
from feedback_app.storage import path_for
from feedback_app.timeutil import LOCAL_TZ, local_today
from tests.conftest import translated
from tests.hotline.hotline_support import (
    ACCOUNT,
    CALLER,
    LINE_NUMBER,
    NOTHING,
    OPERATOR_NUMBER,
    OTHER_ACCOUNT,
    PUBLIC,
    TOKEN,
    add_line,
    configure,
    counts,
    set_day,
    twilio_post,
    twiml,
    voice_params,
)

VOICE = "/hotline/twilio/voice"
MENU = "/hotline/twilio/voice/menu"
RECORDING = "/hotline/twilio/recording"
STATUS = "/hotline/twilio/status"
OFFICE_HOURS = "07:30-11:30,13:30-17:00"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 8
# A phone keypad, written out here rather than taken from the code under test.
KEYPAD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999")


def call_row(app, call_sid: str = "CA1000") -> dict:
    """A stored call as plain values."""
    with app.app_context():
        call = db.session.scalar(select(HotlineCall).where(HotlineCall.provider_id == call_sid))
        assert call is not None, f"no call {call_sid}"
        return {
            "from": call.from_number,
            "to": call.to_number,
            "line_id": call.line_id,
            "unit_id": call.unit_id,
            "status": call.status,
            "sequence": call.status_sequence,
            "duration": call.duration_seconds,
            "ivr_choice": call.ivr_choice,
            "unknown_start": call.unknown_start,
            "after_hours": call.after_hours,
            "missed": call.missed,
            "callback_due": None
            if call.callback_due is None
            else call.callback_due.replace(tzinfo=call.callback_due.tzinfo or UTC),
            "recording_sid": call.recording_sid,
            "recording_url": call.recording_url,
            "recording_seconds": call.recording_seconds,
            "recording_id": call.recording_id,
            "needs_transcript": call.needs_transcript(),
            "case_id": call.case_id,
        }


def start(client, call_sid: str = "CA1000", **fields):
    """Twilio's first request of an incoming call."""
    return twilio_post(client, VOICE, voice_params(call_sid, "ringing", **fields))


def step(client, query: str, call_sid: str = "CA1000", **fields):
    """A later step of the menu (`query` as the TwiML asked for it)."""
    path = MENU + ("?" + query if query else "")
    return twilio_post(client, path, voice_params(call_sid, "in-progress", **fields))


def says(root) -> list[str]:
    """Everything read to the caller, in order."""
    return [(node.text or "") for node in root.iter("Say")]


def assert_vietnamese_voice(root) -> None:
    """Every <Say> uses a Google vi-VN voice."""
    spoken = list(root.iter("Say"))
    assert spoken
    for node in spoken:
        assert node.get("language") == "vi-VN"
        assert node.get("voice", "").startswith("Google.vi-VN-")
        assert node.text


def gather_of(root):
    """The menu's <Gather>, checked to wait for one key."""
    gather = root.find("Gather")
    assert gather is not None, "no menu"
    assert gather.get("input") == "dtmf"
    assert gather.get("method") == "POST"
    return gather


# --- The menu ----------------------------------------------------------------------------------


def test_incoming_call_is_logged_and_hears_the_keypad_menu(app, client, hotline):
    root = twiml(start(client))

    gather = gather_of(root)
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == MENU + "?attempt=0"
    assert_vietnamese_voice(root)
    assert root.find("Say") is None  # the menu is read inside <Gather>: a key interrupts it
    redirect = root.find("Redirect")
    assert redirect is not None and redirect.text == MENU + "?attempt=0"
    call = call_row(app)
    assert (call["from"], call["to"]) == (CALLER, LINE_NUMBER)
    assert (call["line_id"], call["unit_id"]) == (hotline["line"], hotline["district"])
    assert (call["after_hours"], call["unknown_start"], call["missed"]) == (False, False, False)
    assert call["callback_due"] is None


def test_the_same_call_twice_is_one_row_and_the_same_menu(app, client, hotline):
    first = start(client)
    again = start(client)

    assert first.get_data() == again.get_data()
    assert counts(app) == {**NOTHING, "hotline_calls": 1}


def test_the_configured_voice_reads_the_menu(app, client, hotline):
    app.config["HOTLINE_VOICE"] = "Google.vi-VN-Wavenet-C"

    root = twiml(start(client))

    assert {node.get("voice") for node in root.iter("Say")} == {"Google.vi-VN-Wavenet-C"}


def test_an_uploaded_prompt_is_played_instead_of_the_synthetic_voice(app, client, hotline):
    with app.app_context():
        prompts.save("menu", MP3)

    root = twiml(start(client))

    played = gather_of(root).find("Play")
    assert played is not None and played.text == PUBLIC + "/hotline/prompts/menu"
    assert gather_of(root).find("Say") is None
    with client.get("/hotline/prompts/menu") as audio:
        assert (audio.status_code, audio.mimetype, audio.data) == (200, "audio/mpeg", MP3)
    assert client.get("/hotline/prompts/unknown").status_code == 404
    assert client.get("/hotline/prompts/..%2Fconfig").status_code == 404


def test_key_1_records_a_voicemail_with_a_limit_and_a_status_callback(app, client, hotline):
    start(client)

    root = twiml(step(client, "attempt=0", Digits="1"))

    record = root.find("Record")
    assert record is not None
    assert record.get("maxLength") == "120"
    assert record.get("recordingStatusCallback") == PUBLIC + RECORDING
    assert record.get("recordingStatusCallbackMethod") == "POST"
    assert record.get("action") == MENU + "?step=recorded"
    assert record.get("finishOnKey") == "#"
    assert_vietnamese_voice(root)
    assert call_row(app)["ivr_choice"] == "1"

    after = twiml(step(client, "step=recorded", RecordingUrl="https://x", RecordingDuration="9"))
    assert after.find("Hangup") is not None
    assert_vietnamese_voice(after)


def test_voicemail_length_is_a_setting(app, client, hotline):
    app.config["HOTLINE_VOICEMAIL_SECONDS"] = 45
    start(client)

    record = twiml(step(client, "attempt=0", Digits="1")).find("Record")

    assert record.get("maxLength") == "45"


def test_key_2_reads_the_opening_hours_then_the_menu_again(app, client, hotline):
    app.config["HOTLINE_OPENING_HOURS"] = OFFICE_HOURS
    start(client)

    root = twiml(step(client, "attempt=1", Digits="2"))

    [text] = says(root)
    assert all(t in text for t in ("07:30", "11:30", "13:30", "17:00"))
    sentence = "The hotline is answered on working days, Monday to Friday, from %(hours)s."
    assert text.startswith(translated(sentence).split("%")[0])
    assert_vietnamese_voice(root)
    redirect = root.find("Redirect")
    assert redirect.text == MENU + "?attempt=1&step=again"

    again = twiml(step(client, "attempt=1&step=again"))
    assert gather_of(again).get("action") == MENU + "?attempt=1"
    assert call_row(app)["ivr_choice"] == "2"


def make_case(app, unit_id: int, **changes) -> str:
    """A case with a real tracking code; its code."""
    with app.app_context():
        case, _ = cases.create_case(
            cases.NewCase(
                channel=CaseChannel.WEB,
                content="Hồ sơ trễ hẹn",
                unit=db.session.get(AdminUnit, unit_id),
                sender_name="Nguyễn Thị Bí Mật",
                sender_phone="0912000111",
            )
        )
        for name, value in changes.items():
            setattr(case, name, value)
        db.session.commit()
        return case.code


def test_key_3_reads_a_case_status_by_its_code_typed_on_the_keypad(app, client, hotline):
    code = make_case(app, hotline["district"])
    start(client)

    ask = twiml(step(client, "attempt=0", Digits="3"))
    gather = ask.find("Gather")
    assert gather.get("finishOnKey") == "#"
    assert gather.get("action") == MENU + "?attempt=0&step=code"
    assert_vietnamese_voice(ask)

    root = twiml(step(client, "attempt=0&step=code", Digits=code.translate(KEYPAD)))

    [text] = says(root)
    assert ", ".join(code) in text
    assert translated("Received") in text
    assert "Bí Mật" not in text and "0912000111" not in text
    assert root.find("Redirect").text == MENU + "?attempt=0&step=again"
    assert call_row(app)["ivr_choice"] == "3"


def test_a_published_answer_is_mentioned(app, client, hotline):
    code = make_case(
        app, hotline["district"], status=CaseStatus.ANSWERED, answer="Đã xử lý", published=True
    )
    start(client)

    [text] = says(twiml(step(client, "step=code", Digits=code.translate(KEYPAD))))

    assert translated("Answered") in text
    assert translated("Its answer is published on the tracking page.") in text
    assert "Đã xử lý" not in text


@pytest.mark.parametrize("typed", ["", "123", "222333444", "2223334"])
def test_an_unknown_code_is_not_found(app, client, hotline, typed):
    make_case(app, hotline["district"])
    start(client)

    root = twiml(step(client, "step=code", Digits=typed))

    assert says(root) == [translated("No case was found with that code.")]
    assert root.find("Redirect") is not None


def test_codes_that_share_keypad_digits_are_never_read_out(app, client, hotline):
    first = make_case(app, hotline["district"], code="ABCDEFGH", keypad_code="22233344")
    make_case(app, hotline["district"], code="BCADFEHG", keypad_code="22233344")
    assert first.translate(KEYPAD) == "22233344"
    start(client)

    root = twiml(step(client, "step=code", Digits="22233344"))

    assert says(root) == [translated("No case was found with that code.")]


def test_key_0_puts_the_caller_through_to_the_operator_during_opening_hours(app, client, hotline):
    start(client)

    root = twiml(step(client, "attempt=0", Digits="0"))

    dial = root.find("Dial")
    assert dial is not None and dial.text.strip() == OPERATOR_NUMBER
    assert dial.get("timeout") == "20"
    assert dial.get("action") == MENU + "?step=dialed"
    assert root.find("Record") is None
    assert_vietnamese_voice(root)

    done = twiml(step(client, "step=dialed", DialCallStatus="completed", DialCallDuration="80"))
    assert done.find("Hangup") is not None and done.find("Record") is None
    call = call_row(app)
    assert (call["missed"], call["callback_due"], call["ivr_choice"]) == (False, None, "0")


@pytest.mark.parametrize("outcome", ["no-answer", "busy", "failed", "canceled"])
def test_an_operator_who_does_not_answer_leads_to_voicemail_and_a_callback(
    app, client, hotline, outcome
):
    start(client)
    step(client, "attempt=0", Digits="0")
    before = datetime.now(UTC)

    root = twiml(step(client, "step=dialed", DialCallStatus=outcome))

    assert root.find("Record") is not None
    assert says(root)[0] == translated("The operators cannot answer right now.")
    call = call_row(app)
    assert call["missed"] is True
    due = call["callback_due"]
    assert before + timedelta(hours=2) - timedelta(seconds=5) <= due
    assert due <= datetime.now(UTC) + timedelta(hours=2)


def test_key_0_without_an_operator_number_offers_voicemail(app, client, hotline):
    with app.app_context():
        db.session.get(HotlineLine, hotline["line"]).operator_number = ""
        db.session.commit()
    start(client)

    root = twiml(step(client, "attempt=0", Digits="0"))

    assert root.find("Dial") is None and root.find("Record") is not None
    assert says(root)[0] == translated("The operators cannot answer right now.")


def test_key_0_outside_opening_hours_offers_voicemail(app, client, hotline):
    start(client)
    app.config["HOTLINE_OPENING_HOURS"] = closed_window_now()

    root = twiml(step(client, "attempt=0", Digits="0"))

    assert root.find("Dial") is None and root.find("Record") is not None
    assert says(root)[0] == translated("The operators are not on duty now.")


def test_silence_repeats_the_menu_twice_then_ends_politely(app, client, hotline):
    menus = [twiml(start(client))]
    for attempt in (0, 1):
        menus.append(twiml(step(client, f"attempt={attempt}")))
    end = twiml(step(client, "attempt=2"))

    assert [gather_of(m).get("action") for m in menus] == [
        MENU + "?attempt=0",
        MENU + "?attempt=1",
        MENU + "?attempt=2",
    ]
    assert end.find("Gather") is None and end.find("Redirect") is None
    assert end.find("Hangup") is not None
    assert says(end) == [translated("Thank you for calling. Goodbye.")]
    assert call_row(app)["ivr_choice"] == ""


@pytest.mark.parametrize("key", ["7", "9", "*", "#"])
def test_a_wrong_key_is_apologised_for_twice_then_the_call_ends(app, client, hotline, key):
    start(client)
    sorry = translated("Sorry, that key is not in the menu.")

    first = twiml(step(client, "attempt=0", Digits=key))
    second = twiml(step(client, "attempt=1", Digits=key))
    last = twiml(step(client, "attempt=2", Digits=key))

    assert says(first)[0] == sorry and gather_of(first).get("action") == MENU + "?attempt=1"
    assert says(second)[0] == sorry and gather_of(second).get("action") == MENU + "?attempt=2"
    assert last.find("Gather") is None and last.find("Hangup") is not None
    assert says(last) == [sorry, translated("Thank you for calling. Goodbye.")]


@pytest.mark.parametrize(("query", "ends"), [("attempt=99", True), ("attempt=-4", False)])
def test_a_made_up_attempt_number_is_clamped(app, client, hotline, query, ends):
    start(client)

    root = twiml(step(client, query))

    assert (root.find("Hangup") is not None) is ends


def test_a_menu_step_for_a_call_never_started_is_logged(app, client, hotline):
    root = twiml(step(client, "attempt=0", call_sid="CA1999", Digits="2"))

    assert says(root)
    assert call_row(app, "CA1999")["ivr_choice"] == "2"


# --- Opening hours -----------------------------------------------------------------------------


def closed_window_now() -> str:
    """Opening hours that exclude this minute of today (today itself a working day)."""
    now = datetime.now(LOCAL_TZ)
    if now.hour >= 22:
        return "00:00-01:00"
    opens = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    return f"{opens:%H:%M}-{opens + timedelta(minutes=30):%H:%M}"


def test_a_call_outside_the_hours_of_a_working_day_is_due_back_at_the_next_opening(
    app, client, hotline
):
    window = closed_window_now()
    app.config["HOTLINE_OPENING_HOURS"] = window
    opens = time.fromisoformat(window.split("-")[0])
    day = local_today() + timedelta(days=1 if opens == time(0, 0) else 0)

    start(client)

    call = call_row(app)
    assert call["after_hours"] is True
    assert call["callback_due"] == datetime.combine(day, opens, tzinfo=LOCAL_TZ)


def test_a_call_on_a_holiday_is_due_back_on_the_next_working_morning(app, client, district):
    configure(app, HOTLINE_OPENING_HOURS=OFFICE_HOURS)
    add_line(app, district["district"])
    today = local_today()
    set_day(app, today, HolidayKind.HOLIDAY)
    set_day(app, today + timedelta(days=1), HolidayKind.HOLIDAY)
    set_day(app, today + timedelta(days=2), HolidayKind.MAKEUP_WORKDAY)

    start(client)

    call = call_row(app)
    assert call["after_hours"] is True
    morning = datetime.combine(today + timedelta(days=2), time(7, 30), tzinfo=LOCAL_TZ)
    assert call["callback_due"] == morning
    # 0 is voicemail on a holiday, whatever the clock says.
    assert twiml(step(client, "attempt=0", Digits="0")).find("Record") is not None


def test_a_withheld_number_is_not_put_on_the_call_back_list(app, client, district):
    configure(app, HOTLINE_OPENING_HOURS=OFFICE_HOURS)
    set_day(app, local_today(), HolidayKind.HOLIDAY)

    start(client, From="", Caller="")

    call = call_row(app)
    assert (call["after_hours"], call["callback_due"], call["from"]) == (True, None, None)


@pytest.mark.parametrize("stand_in", ["+266696687", "+7378742833", "anonymous"])
def test_twilio_stand_ins_for_a_hidden_number_are_not_called_back(app, client, district, stand_in):
    configure(app, HOTLINE_OPENING_HOURS=OFFICE_HOURS)
    set_day(app, local_today(), HolidayKind.HOLIDAY)

    start(client, From=stand_in, Caller=stand_in)

    call = call_row(app)
    assert (call["after_hours"], call["callback_due"], call["from"]) == (True, None, stand_in)


# --- Status callbacks --------------------------------------------------------------------------


def status(client, call_status: str, call_sid: str = "CA1000", **fields):
    """A status callback, as Twilio sends it."""
    params = voice_params(
        call_sid,
        call_status,
        CallbackSource="call-progress-events",
        Timestamp="Mon, 03 Mar 2025 01:15:00 +0000",
        SipResponseCode="200",
        **fields,
    )
    response = twilio_post(client, STATUS, params)
    assert response.status_code == 204, response.get_data(as_text=True)
    assert response.data == b""
    return response


def test_status_callbacks_move_a_call_forward_and_keep_its_duration(app, client, hotline):
    start(client)
    status(client, "ringing", SequenceNumber="0")
    status(client, "in-progress", SequenceNumber="1")
    assert call_row(app)["status"] == "in-progress"

    status(client, "completed", SequenceNumber="2", CallDuration="42", Duration="1")

    call = call_row(app)
    assert (call["status"], call["duration"], call["sequence"]) == ("completed", 42, 2)
    assert (call["missed"], call["callback_due"]) == (False, None)


def test_status_callbacks_out_of_order_and_twice_change_nothing_backwards(app, client, hotline):
    start(client)
    status(client, "completed", SequenceNumber="2", CallDuration="42")
    status(client, "in-progress", SequenceNumber="1")
    status(client, "ringing", SequenceNumber="0")
    status(client, "completed", SequenceNumber="2", CallDuration="42")
    # Without a sequence number, an older status still never moves a call back.
    status(client, "in-progress")

    call = call_row(app)
    assert (call["status"], call["duration"], call["sequence"]) == ("completed", 42, 2)
    assert counts(app) == {**NOTHING, "hotline_calls": 1}


def test_a_later_final_status_does_not_overwrite_the_first(app, client, hotline):
    start(client)
    status(client, "completed", CallDuration="42")
    status(client, "no-answer", CallDuration="0")

    call = call_row(app)
    assert (call["status"], call["missed"]) == ("completed", False)


@pytest.mark.parametrize("final", ["no-answer", "busy", "failed", "canceled"])
def test_a_missed_call_goes_on_the_call_back_list(app, client, hotline, final):
    start(client)
    before = datetime.now(UTC)

    status(client, final, SequenceNumber="1", CallDuration="0")

    call = call_row(app)
    assert (call["status"], call["missed"], call["duration"]) == (final, True, 0)
    assert before + timedelta(hours=2) - timedelta(seconds=5) <= call["callback_due"]
    assert call["callback_due"] <= datetime.now(UTC) + timedelta(hours=2)


def test_a_status_for_an_unknown_call_is_recorded_and_flagged(app, client, hotline):
    status(client, "completed", call_sid="CA1555", CallDuration="17", SequenceNumber="3")
    status(client, "completed", call_sid="CA1555", CallDuration="17", SequenceNumber="3")

    call = call_row(app, "CA1555")
    assert call["unknown_start"] is True
    assert (call["status"], call["duration"]) == ("completed", 17)
    assert (call["from"], call["unit_id"]) == (CALLER, hotline["district"])
    assert counts(app) == {**NOTHING, "hotline_calls": 1}


def test_a_call_whose_status_came_first_is_no_longer_unknown_once_it_starts(app, client, hotline):
    status(client, "ringing", SequenceNumber="0")
    assert call_row(app)["unknown_start"] is True

    gather_of(twiml(start(client)))

    call = call_row(app)
    assert (call["unknown_start"], call["status"]) == (False, "ringing")
    assert counts(app)["hotline_calls"] == 1


def test_an_unknown_call_after_hours_is_flagged_and_due_back_next_morning(app, client, district):
    configure(app, HOTLINE_OPENING_HOURS=OFFICE_HOURS)
    today = local_today()
    set_day(app, today, HolidayKind.HOLIDAY)
    set_day(app, today + timedelta(days=1), HolidayKind.MAKEUP_WORKDAY)

    status(client, "no-answer", call_sid="CA1556")

    call = call_row(app, "CA1556")
    assert (call["unknown_start"], call["after_hours"], call["missed"]) == (True, True, True)
    morning = datetime.combine(today + timedelta(days=1), time(7, 30), tzinfo=LOCAL_TZ)
    assert call["callback_due"] == morning


def test_a_status_nobody_knows_is_ignored(app, client, hotline):
    start(client)

    status(client, "initiated", SequenceNumber="5")

    call = call_row(app)
    assert (call["status"], call["sequence"]) == ("ringing", -1)


@pytest.mark.parametrize(
    ("path", "missing"),
    [
        (STATUS, "CallStatus"),
        (STATUS, "CallSid"),
        (RECORDING, "RecordingSid"),
        (RECORDING, "CallSid"),
        (VOICE, "CallSid"),
        (MENU, "CallSid"),
    ],
)
def test_a_callback_without_a_required_field_is_refused_with_400(
    app, client, hotline, path, missing
):
    params = voice_params("CA1600", "completed", **recording_fields("RE1600", "https://x/r"))
    del params[missing]

    response = twilio_post(client, path, params)

    assert response.status_code == 400
    assert missing in response.get_json()["message"]
    assert counts(app) == NOTHING


# --- Voicemail recordings ----------------------------------------------------------------------


class RecordingServer:
    """A real HTTP server standing in for Twilio's media host (and, optionally, its CDN)."""

    def __init__(
        self,
        credentials: tuple[str, str] | None,
        body: bytes = MP3,
        redirect_to: str = "",
        length: int | None = None,
    ):
        pair = ":".join(credentials or ("", ""))
        self.expected = "Basic " + base64.b64encode(pair.encode()).decode() if credentials else ""
        self.body = body
        self.redirect_to = redirect_to
        # A Content-Length larger than the body: the connection drops mid-download.
        self.length = len(body) if length is None else length
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the name http.server calls
                auth = self.headers.get("Authorization")
                server.requests.append((self.path, auth))
                if server.expected and auth != server.expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if server.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", server.redirect_to + self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.send_header("Content-Length", str(server.length))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                """Quiet."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def recording_url(self, sid: str) -> str:
        """A RecordingUrl as Twilio sends it (no extension)."""
        return f"{self.base}/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid}"


@contextmanager
def serving(server: RecordingServer):
    """Run the server in a thread for the duration of the block."""
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join()


def recording_fields(sid: str, url: str, seconds: str = "15", state: str = "completed") -> dict:
    """What Twilio adds to a recording status callback."""
    return {
        "RecordingSid": sid,
        "RecordingUrl": url,
        "RecordingStatus": state,
        "RecordingDuration": seconds,
        "RecordingChannels": "1",
        "RecordingSource": "RecordVerb",
        "RecordingStartTime": "Mon, 03 Mar 2025 01:15:00 +0000",
        "RecordingTrack": "both",
    }


def recording(client, sid: str, url: str, call_sid: str = "CA1000", **fields):
    """A recording status callback."""
    params = {
        "AccountSid": ACCOUNT,
        "CallSid": call_sid,
        **recording_fields(sid, url),
        **fields,
    }
    response = twilio_post(client, RECORDING, params)
    assert response.status_code == 204, response.get_data(as_text=True)
    return response


def downloads_from(app, server: RecordingServer) -> None:
    """Recordings are fetched only from the provider's origin: here, the stand-in server."""
    app.config.update(HOTLINE_DOWNLOAD_RECORDINGS=True, HOTLINE_RECORDINGS_ORIGIN=server.base)


def stored_recording(app, call_sid: str = "CA1000") -> dict:
    """The call's recording attachment and case."""
    with app.app_context():
        call = db.session.scalar(select(HotlineCall).where(HotlineCall.provider_id == call_sid))
        attachment = call.recording
        case = call.case
        return {
            "content_type": attachment.content_type if attachment else None,
            "bytes": Path(path_for(attachment)).read_bytes() if attachment else None,
            "attachment_case": attachment.case_id if attachment else None,
            "case_id": case.id if case else None,
            "channel": case.channel if case else None,
            "status": case.status if case else None,
            "content": case.content if case else None,
            "sender_phone": case.sender_phone if case else None,
            "unit_id": case.unit_id if case else None,
        }


def test_a_voicemail_is_downloaded_and_opens_a_case_waiting_for_its_transcript(
    app, client, hotline
):
    start(client)
    step(client, "attempt=0", Digits="1")

    with serving(RecordingServer((ACCOUNT, TOKEN))) as server:
        downloads_from(app, server)
        recording(client, "RE2000", server.recording_url("RE2000"))
        recording(client, "RE2000", server.recording_url("RE2000"))  # Twilio retries

    assert server.requests == [
        (f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE2000.mp3", server.expected)
    ]
    call = call_row(app)
    assert call["recording_sid"] == "RE2000"
    assert call["recording_url"] == server.recording_url("RE2000")
    assert (call["recording_seconds"], call["needs_transcript"]) == (15, True)
    assert call["callback_due"] is not None
    stored = stored_recording(app)
    assert (stored["content_type"], stored["bytes"]) == ("audio/mpeg", MP3)
    assert stored["attachment_case"] == stored["case_id"] == call["case_id"]
    assert (stored["channel"], stored["status"]) == (CaseChannel.HOTLINE_CALL, "received")
    assert stored["content"]
    assert (stored["sender_phone"], stored["unit_id"]) == (CALLER, hotline["district"])
    assert counts(app) == {**NOTHING, "hotline_calls": 1, "cases": 1, "attachments": 1}


def test_the_credentials_never_follow_a_redirect_to_another_host(app, client, hotline):
    """Twilio answers a media request with a redirect to a short-lived CDN address."""
    start(client)
    cdn = RecordingServer(None)
    twilio = RecordingServer((ACCOUNT, TOKEN), redirect_to=cdn.base)
    downloads_from(app, twilio)
    with serving(cdn), serving(twilio):
        recording(client, "RE2001", twilio.recording_url("RE2001"))

    assert len(twilio.requests) == 1
    assert cdn.requests == [(twilio.requests[0][0], None)]
    assert stored_recording(app)["bytes"] == MP3


def test_a_refused_download_keeps_the_url_and_still_opens_the_case(app, client, hotline):
    start(client)

    with serving(RecordingServer((ACCOUNT, "another-token"))) as server:
        downloads_from(app, server)
        recording(client, "RE2002", server.recording_url("RE2002"))

    assert len(server.requests) == 1
    call = call_row(app)
    assert call["recording_url"] == server.recording_url("RE2002")
    assert call["recording_id"] is None
    assert stored_recording(app)["channel"] == CaseChannel.HOTLINE_CALL
    assert counts(app)["attachments"] == 0


def test_a_download_that_is_not_audio_is_not_kept(app, client, hotline):
    start(client)

    with serving(RecordingServer((ACCOUNT, TOKEN), body=b"<html>login</html>")) as server:
        downloads_from(app, server)
        recording(client, "RE2003", server.recording_url("RE2003"))

    assert len(server.requests) == 1
    assert call_row(app)["recording_id"] is None
    assert counts(app) == {**NOTHING, "hotline_calls": 1, "cases": 1}


def test_a_download_cut_short_keeps_the_url_and_stores_no_file(app, client, hotline):
    start(client)

    with serving(RecordingServer((ACCOUNT, TOKEN), length=len(MP3) * 4)) as server:
        downloads_from(app, server)
        recording(client, "RE2009", server.recording_url("RE2009"))

    assert len(server.requests) == 1
    call = call_row(app)
    assert (call["recording_url"], call["recording_id"]) == (server.recording_url("RE2009"), None)
    assert counts(app) == {**NOTHING, "hotline_calls": 1, "cases": 1}
    with app.app_context():
        folder = Path(app.instance_path) / "attachments"
        assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


@pytest.mark.parametrize(
    "template",
    [
        "{elsewhere}/2010-04-01/Accounts/{account}/Recordings/RE2010",
        "{localhost}/2010-04-01/Accounts/{account}/Recordings/RE2010",
        "{base}/2010-04-01/Accounts/{other}/Recordings/RE2010",
        "{base}/somewhere/else",
        "{base}/2010-04-01/Accounts/{account}/Recordings/../../../../x",
        "{userinfo}/2010-04-01/Accounts/{account}/Recordings/RE2010",
    ],
    ids=["other-origin", "other-host-name", "other-account", "other-path", "dot-dot", "userinfo"],
)
def test_the_credentials_go_only_to_the_providers_own_recordings(app, client, hotline, template):
    """A signed callback whose RecordingUrl names another origin, account or path makes no
    request at all (so the account's credentials go nowhere); the URL is kept for the case."""
    start(client)
    elsewhere, twilio = RecordingServer(None), RecordingServer((ACCOUNT, TOKEN))
    with serving(elsewhere), serving(twilio):
        downloads_from(app, twilio)
        url = template.format(
            base=twilio.base,
            elsewhere=elsewhere.base,
            localhost=twilio.base.replace("127.0.0.1", "localhost"),
            userinfo=twilio.base.replace("http://", f"http://{ACCOUNT}:x@"),
            account=ACCOUNT,
            other=OTHER_ACCOUNT,
        )
        recording(client, "RE2010", url)

    assert elsewhere.requests == [] and twilio.requests == []
    call = call_row(app)
    assert (call["recording_url"], call["recording_id"]) == (url, None)
    assert counts(app) == {**NOTHING, "hotline_calls": 1, "cases": 1}


def test_recordings_are_fetched_from_twilios_https_api_by_default(app):
    """Out of the box the only origin is https://api.twilio.com, never plain http."""
    assert app.config["HOTLINE_RECORDINGS_ORIGIN"] == "https://api.twilio.com"


@pytest.mark.parametrize("setting", ["TWILIO_ACCOUNT_SID", "HOTLINE_DOWNLOAD_RECORDINGS"])
def test_without_credentials_or_downloads_the_url_is_kept(app, client, hotline, setting):
    start(client)

    with serving(RecordingServer((ACCOUNT, TOKEN))) as server:
        downloads_from(app, server)
        app.config[setting] = None if setting == "TWILIO_ACCOUNT_SID" else False
        recording(client, "RE2004", server.recording_url("RE2004"))

    assert server.requests == []
    call = call_row(app)
    assert (call["recording_url"], call["recording_id"]) == (server.recording_url("RE2004"), None)
    assert call["needs_transcript"] is True
    assert stored_recording(app)["channel"] == CaseChannel.HOTLINE_CALL


@pytest.mark.parametrize(
    ("state", "seconds"), [("absent", "0"), ("completed", "0"), ("failed", "")]
)
def test_an_empty_recording_opens_no_case(app, client, hotline, state, seconds):
    start(client)

    url = "https://api.twilio.com/r/RE2005"
    recording(client, "RE2005", url, RecordingStatus=state, RecordingDuration=seconds)

    call = call_row(app)
    assert (call["recording_sid"], call["case_id"]) == ("RE2005", None)
    assert counts(app)["cases"] == 0


def test_a_recording_for_an_unknown_call_is_kept_and_flagged(app, client, hotline):
    recording(client, "RE2006", "https://api.twilio.com/r/RE2006", call_sid="CA1777")

    call = call_row(app, "CA1777")
    assert (call["unknown_start"], call["recording_sid"]) == (True, "RE2006")
    assert stored_recording(app, "CA1777")["channel"] == CaseChannel.HOTLINE_CALL


def test_the_longest_recording_id_allowed_fits_every_column(app, client, hotline):
    start(client)
    longest = "RE" + "f" * 58

    recording(client, longest, "https://api.twilio.com/r/x")
    fields = recording_fields(longest + "f", "https://api.twilio.com/r/y")
    refused = twilio_post(client, RECORDING, {"AccountSid": ACCOUNT, "CallSid": "CA1000", **fields})

    assert refused.status_code == 400
    assert call_row(app)["recording_sid"] == longest
    assert stored_recording(app)["channel"] == CaseChannel.HOTLINE_CALL


def test_a_second_voicemail_in_one_call_gets_its_own_case(app, client, hotline):
    start(client)
    recording(client, "RE2007", "https://api.twilio.com/r/RE2007")
    recording(client, "RE2008", "https://api.twilio.com/r/RE2008")
    recording(client, "RE2008", "https://api.twilio.com/r/RE2008")

    with app.app_context():
        sids = db.session.scalars(select(HotlineCall.recording_sid).order_by(HotlineCall.id)).all()
        channels = db.session.scalars(select(Case.channel)).all()
    assert sids == ["RE2007", "RE2008"]
    assert channels == [CaseChannel.HOTLINE_CALL, CaseChannel.HOTLINE_CALL]
    assert counts(app)["attachments"] == 0
