"""The hotline's webhooks (DESIGN §5, §6): Twilio SMS and the generic SMS gateway, signatures,
replays, opt-outs and bad input. The voice menu and its callbacks are in test_hotline_voice.py.

Requests are signed exactly as the providers sign them; the database is read only to see what
was (or was not) stored.
"""

import hashlib
import hmac
import io
import json
import unicodedata
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from flask import request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from feedback_app.extensions import csrf, db
from feedback_app.models import Case, CaseChannel, Provider, SmsMessage, SmsOptOut
from feedback_app.timeutil import LOCAL_TZ
from tests.conftest import sign_in
from tests.hotline.hotline_support import (
    ALWAYS_OPEN,
    CALLER,
    GATEWAY_SECRET,
    LINE_NUMBER,
    NOTHING,
    OTHER_ACCOUNT,
    PUBLIC,
    TOKEN,
    configure,
    counts,
    gateway_post,
    is_nfc,
    messages,
    sign,
    sms_params,
    twilio_post,
    twiml,
    voice_params,
)

SMS = "/hotline/twilio/sms"
GATEWAY = "/hotline/gateway/sms"
COMPLAINT = "Cán bộ phường tiếp dân chậm, phải chờ 2 tiếng"


def stored_sms(app) -> list[dict]:
    """Every stored message with its case, as plain values."""
    with app.app_context():
        rows = db.session.scalars(select(SmsMessage).order_by(SmsMessage.id)).all()
        return [
            {
                "provider": m.provider,
                "provider_id": m.provider_id,
                "from": m.from_number,
                "to": m.to_number,
                "body": m.body,
                "keyword": m.keyword,
                "reply": m.reply,
                "line_id": m.line_id,
                "unit_id": m.unit_id,
                "received_at": m.received_at,
                "case": None
                if m.case is None
                else {
                    "code": m.case.code,
                    "channel": m.case.channel,
                    "content": m.case.content,
                    "sender_phone": m.case.sender_phone,
                    "unit_id": m.case.unit_id,
                    "received_at": m.case.received_at,
                },
            }
            for m in rows
        ]


def opted_out(app) -> list[str]:
    """The numbers that asked for no more messages."""
    with app.app_context():
        return list(db.session.scalars(select(SmsOptOut.number).order_by(SmsOptOut.number)))


def reply_of(response) -> str:
    """The one <Message> of a TwiML reply."""
    found = messages(twiml(response))
    assert len(found) == 1, response.get_data(as_text=True)
    return found[0]


def assert_good_reply(reply: str, code: str) -> None:
    """One UCS-2 segment, NFC, and the tracking code in it."""
    assert code in reply
    assert len(reply) <= 70
    assert is_nfc(reply)


# --- Twilio SMS --------------------------------------------------------------------------------


def test_signed_sms_is_stored_opens_a_case_and_the_reply_carries_its_code(app, client, hotline):
    response = twilio_post(client, SMS, sms_params("SM0001", COMPLAINT))

    reply = reply_of(response)
    [sms] = stored_sms(app)
    assert sms["provider"] == Provider.TWILIO
    assert sms["provider_id"] == "SM0001"
    assert (sms["from"], sms["to"], sms["body"]) == (CALLER, LINE_NUMBER, COMPLAINT)
    assert (sms["line_id"], sms["unit_id"]) == (hotline["line"], hotline["district"])
    assert sms["keyword"] is None
    assert sms["reply"] == reply
    case = sms["case"]
    assert case["channel"] == CaseChannel.HOTLINE_SMS
    assert case["content"] == COMPLAINT
    assert case["sender_phone"] == CALLER
    assert case["unit_id"] == hotline["district"]
    assert_good_reply(reply, case["code"])
    assert counts(app) == {**NOTHING, "sms_messages": 1, "cases": 1}


def test_sms_reply_is_in_vietnamese(app, client, hotline):
    """Fails until translations/vi has the reply ("Mã tra cứu: …")."""
    reply = reply_of(twilio_post(client, SMS, sms_params()))

    assert "Mã" in reply
    assert_good_reply(reply, stored_sms(app)[0]["case"]["code"])


def test_sms_written_with_decomposed_accents_is_stored_nfc(app, client, hotline):
    decomposed = unicodedata.normalize("NFD", COMPLAINT)
    assert decomposed != COMPLAINT

    reply_of(twilio_post(client, SMS, sms_params("SM0002", decomposed)))

    [sms] = stored_sms(app)
    assert sms["body"] == COMPLAINT
    assert sms["case"]["content"] == COMPLAINT


def test_replayed_sms_gets_the_identical_reply_and_stores_nothing_new(app, client, hotline):
    params = sms_params("SM0003", COMPLAINT)
    first = twilio_post(client, SMS, params)
    again = twilio_post(client, SMS, params)
    # A retry carries the same MessageSid; whatever else it says, the first delivery counts.
    changed = twilio_post(client, SMS, {**params, "Body": "Nội dung khác", "NumSegments": "2"})

    assert first.get_data() == again.get_data() == changed.get_data()
    [sms] = stored_sms(app)
    assert sms["body"] == COMPLAINT
    assert_good_reply(reply_of(again), sms["case"]["code"])
    assert counts(app) == {**NOTHING, "sms_messages": 1, "cases": 1}


def test_distinct_messages_get_distinct_cases(app, client, hotline):
    one = reply_of(twilio_post(client, SMS, sms_params("SM0004", "Thứ nhất")))
    two = reply_of(twilio_post(client, SMS, sms_params("SM0005", "Thứ hai")))

    codes = [sms["case"]["code"] for sms in stored_sms(app)]
    assert len(set(codes)) == 2
    assert codes[0] in one and codes[1] in two


def test_sms_to_an_unknown_number_goes_to_the_first_active_line(app, client, hotline):
    reply_of(twilio_post(client, SMS, sms_params("SM0006", To="+84240000000")))

    [sms] = stored_sms(app)
    assert sms["line_id"] == hotline["line"]
    assert sms["case"]["unit_id"] == hotline["district"]


def test_sms_without_a_line_goes_to_the_top_unit(app, client, district):
    configure(app)

    reply_of(twilio_post(client, SMS, sms_params("SM0007")))

    [sms] = stored_sms(app)
    assert sms["line_id"] is None
    assert sms["case"]["unit_id"] == district["province"]


# --- Opt-out -----------------------------------------------------------------------------------


OPT_OUT_WORDS = [
    "STOP",
    "stop",
    "HUY",
    "Hủy",
    "huỷ",
    unicodedata.normalize("NFD", "Hủy"),
    "TU CHOI",
    "Từ chối",
    " từ   chối. ",
    "DUNG",
    "Dừng",
    "dừng!",
]


@pytest.mark.parametrize("word", OPT_OUT_WORDS)
def test_opt_out_word_is_remembered_and_gets_no_reply(app, client, hotline, word):
    response = twilio_post(client, SMS, sms_params("SM0100", word))

    root = twiml(response)
    assert root.tag == "Response" and len(root) == 0
    assert opted_out(app) == [CALLER]
    [sms] = stored_sms(app)
    assert (sms["keyword"], sms["reply"], sms["case"]) == ("stop", None, None)
    assert counts(app)["cases"] == 0


@pytest.mark.parametrize("text", ["Dừng xe trước cổng phường rất bất tiện", "HUY HIEU", "STOP 2"])
def test_a_sentence_containing_an_opt_out_word_is_an_ordinary_message(app, client, hotline, text):
    reply = reply_of(twilio_post(client, SMS, sms_params("SM0101", text)))

    assert opted_out(app) == []
    [sms] = stored_sms(app)
    assert sms["keyword"] is None
    assert_good_reply(reply, sms["case"]["code"])


def test_opted_out_number_is_not_answered_but_its_messages_are_kept_until_start(
    app, client, hotline
):
    twilio_post(client, SMS, sms_params("SM0200", "Hủy"))
    silent = twilio_post(client, SMS, sms_params("SM0201", COMPLAINT))
    twice = twilio_post(client, SMS, sms_params("SM0202", "STOP"))

    for response in (silent, twice):
        root = twiml(response)
        assert len(root) == 0, response.get_data(as_text=True)
    complaint = stored_sms(app)[1]
    assert complaint["case"]["channel"] == CaseChannel.HOTLINE_SMS  # nothing is lost
    assert complaint["reply"] is None
    assert opted_out(app) == [CALLER]

    back = reply_of(twilio_post(client, SMS, sms_params("SM0203", "START")))
    assert back and len(back) <= 70 and is_nfc(back)
    assert opted_out(app) == []
    answered = reply_of(twilio_post(client, SMS, sms_params("SM0204", "Xin hỏi thủ tục")))
    assert_good_reply(answered, stored_sms(app)[-1]["case"]["code"])


def test_a_replay_after_the_sender_opted_out_sends_nothing(app, client, hotline):
    """Twilio retries only when it got no answer: the first reply never left. Once the number
    has opted out, the retry must not message it."""
    params = sms_params("SM0300", COMPLAINT)
    twilio_post(client, SMS, params)
    twilio_post(client, SMS, sms_params("SM0301", "Từ chối"))

    root = twiml(twilio_post(client, SMS, params))

    assert len(root) == 0
    assert counts(app)["sms_messages"] == 2


def test_opt_out_is_per_number(app, client, hotline):
    twilio_post(client, SMS, sms_params("SM0400", "DUNG"))

    reply = reply_of(twilio_post(client, SMS, sms_params("SM0401", From="+84911111111")))

    assert_good_reply(reply, stored_sms(app)[1]["case"]["code"])


# --- Twilio signatures -------------------------------------------------------------------------


def _forge(kind: str, params: dict) -> tuple[str, dict, dict]:
    """(path, posted form, headers) of a request that must be refused."""
    good_url = PUBLIC + SMS
    if kind == "missing header":
        return SMS, params, {}
    if kind == "empty header":
        return SMS, params, {"X-Twilio-Signature": ""}
    if kind == "wrong token":
        return SMS, params, {"X-Twilio-Signature": sign(params, good_url, "0" * 32)}
    if kind == "tampered body":
        signature = sign(params, good_url)
        return SMS, {**params, "Body": "Nội dung bị sửa"}, {"X-Twilio-Signature": signature}
    if kind == "added parameter":
        signature = sign(params, good_url)
        return (
            SMS,
            {**params, "NumMedia": "1", "MediaUrl0": "https://evil.example/x.jpg"},
            {"X-Twilio-Signature": signature},
        )
    if kind == "removed parameter":
        signature = sign(params, good_url)
        rest = {k: v for k, v in params.items() if k != "FromCity"}
        return SMS, rest, {"X-Twilio-Signature": signature}
    if kind == "another url":
        return SMS, params, {"X-Twilio-Signature": sign(params, PUBLIC + "/hotline/twilio/voice")}
    if kind == "another host":
        url = "https://evil.example" + SMS
        return SMS, params, {"X-Twilio-Signature": sign(params, url)}
    if kind == "internal url":
        # What the app itself sees behind a proxy (and what request.url gives in tests).
        return SMS, params, {"X-Twilio-Signature": sign(params, "http://localhost" + SMS)}
    if kind == "query added":
        return SMS + "?trace=1", params, {"X-Twilio-Signature": sign(params, good_url)}
    if kind == "another account":
        other = {**params, "AccountSid": OTHER_ACCOUNT}
        return SMS, other, {"X-Twilio-Signature": sign(other, good_url)}
    if kind == "no account":
        other = {k: v for k, v in params.items() if k != "AccountSid"}
        return SMS, other, {"X-Twilio-Signature": sign(other, good_url)}
    raise AssertionError(kind)


FORGERIES = [
    "missing header",
    "empty header",
    "wrong token",
    "tampered body",
    "added parameter",
    "removed parameter",
    "another url",
    "another host",
    "internal url",
    "query added",
    "another account",
    "no account",
]


@pytest.mark.parametrize("kind", FORGERIES)
def test_forged_sms_is_refused_with_403_and_nothing_is_stored(app, client, hotline, kind):
    path, form, headers = _forge(kind, sms_params("SM0500", COMPLAINT))

    response = client.post(path, data=form, headers=headers)

    assert response.status_code == 403
    assert response.is_json and response.get_json()["status"] == 403
    assert counts(app) == NOTHING
    # The same message, properly signed, is then accepted: the refusal changed nothing.
    reply_of(twilio_post(client, SMS, sms_params("SM0500", COMPLAINT)))
    assert counts(app)["sms_messages"] == 1


@pytest.mark.parametrize("missing", ["TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL"])
def test_without_the_token_or_public_url_every_twilio_request_is_refused(
    app, client, hotline, missing
):
    app.config[missing] = None

    for token in (TOKEN, ""):
        response = twilio_post(client, SMS, sms_params(), token=token)
        assert response.status_code == 403
    assert counts(app) == NOTHING


def test_any_account_is_accepted_when_none_is_configured(app, client, hotline):
    app.config["TWILIO_ACCOUNT_SID"] = None

    reply_of(twilio_post(client, SMS, sms_params(AccountSid=OTHER_ACCOUNT)))

    assert counts(app)["sms_messages"] == 1


def test_signature_covers_the_raw_query_string_and_the_form_only(app, client, hotline):
    """Twilio signs the URL as it requested it (percent-encoding kept) plus the POST fields;
    the query string is not a parameter."""
    path = "/hotline/twilio/voice/menu?attempt=0&step=again&note=a%2Fb%20c"
    params = voice_params("CA0600")

    decoded = PUBLIC + "/hotline/twilio/voice/menu?attempt=0&step=again&note=a/b c"
    refused = client.post(path, data=params, headers={"X-Twilio-Signature": sign(params, decoded)})
    as_values = {**params, "attempt": "0", "step": "again", "note": "a/b c"}
    mixed = client.post(
        path, data=params, headers={"X-Twilio-Signature": sign(as_values, PUBLIC + path)}
    )
    assert (refused.status_code, mixed.status_code) == (403, 403)
    assert counts(app) == NOTHING

    accepted = twilio_post(client, path, params)
    assert twiml(accepted).find("Gather") is not None


def test_public_base_url_with_a_trailing_slash_still_matches(app, client, hotline):
    app.config["PUBLIC_BASE_URL"] = PUBLIC + "/"

    reply_of(twilio_post(client, SMS, sms_params()))

    assert counts(app)["sms_messages"] == 1


def test_webhooks_need_no_csrf_token_while_forms_do(app, client, hotline):
    """CSRF is on in these tests (the login helper sends a token); the webhook blueprint is the
    hotline's only exemption, so the operator console keeps its CSRF protection."""
    assert app.config.get("WTF_CSRF_ENABLED", True)
    reply_of(twilio_post(client, SMS, sms_params()))
    assert client.post("/auth/login", data={"username": "x", "password": "y"}).status_code == 400

    exempt = {bp.name for bp in csrf._exempt_blueprints}
    assert {name for name in exempt if name.startswith("hotline")} == {"hotline_webhooks"}
    assert exempt <= {"hotline_webhooks", "kiosk_api"}


# --- Every webhook route -----------------------------------------------------------------------


EVERYTHING = {
    **sms_params("SM0700"),
    **voice_params("CA0700"),
    "Digits": "1",
    "RecordingSid": "RE0700",
    "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE0700",
    "RecordingStatus": "completed",
    "RecordingDuration": "12",
    "CallDuration": "30",
    "SequenceNumber": "0",
}


def webhook_paths(app) -> list[str]:
    """Every POST route of the webhook blueprint, as a path (arguments filled in)."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("hotline_webhooks.") and "POST" in rule.methods:
            paths.append(rule.build({name: "x" for name in rule.arguments})[1])
    return sorted(paths)


def test_the_url_map_has_the_documented_webhooks(app):
    assert set(webhook_paths(app)) >= {
        "/hotline/twilio/sms",
        "/hotline/twilio/voice",
        "/hotline/twilio/voice/menu",
        "/hotline/twilio/recording",
        "/hotline/twilio/status",
        "/hotline/gateway/sms",
    }


def test_every_webhook_route_refuses_unsigned_and_wrongly_signed_requests(app, client, hotline):
    paths = webhook_paths(app)
    assert len(paths) >= 6

    for path in paths:
        bad_twilio = sign(EVERYTHING, PUBLIC + path, "0" * 32)
        body = json.dumps({"id": "gw-1", "from": CALLER, "to": LINE_NUMBER, "text": COMPLAINT})
        attempts = [
            client.post(path, data=EVERYTHING),
            client.post(path, data=EVERYTHING, headers={"X-Twilio-Signature": bad_twilio}),
            client.post(path, data=body, content_type="application/json"),
            client.post(
                path,
                data=body,
                content_type="application/json",
                headers={"X-Signature": "sha256=" + "0" * 64},
            ),
        ]
        for response in attempts:
            assert response.status_code == 403, (path, response.get_data(as_text=True))
            assert response.is_json
    assert counts(app) == NOTHING


# --- Generic gateway ---------------------------------------------------------------------------


# A receipt time the gateway states: recent, as a gateway holding a message for a while sends it.
RECEIVED_AT = (datetime.now(UTC) - timedelta(hours=2)).replace(second=0, microsecond=0)


def gateway_payload(message_id: str = "gw-0001", **fields) -> dict:
    """What a local SMS provider posts."""
    payload = {
        "id": message_id,
        "from": CALLER,
        "to": LINE_NUMBER,
        "text": COMPLAINT,
        "received_at": RECEIVED_AT.astimezone(LOCAL_TZ).isoformat(),
    }
    payload.update(fields)
    return payload


def test_gateway_sms_is_stored_and_answered_with_json(app, client, hotline):
    response = gateway_post(client, gateway_payload())

    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "reply", "case_code"}
    [sms] = stored_sms(app)
    assert body["id"] == "gw-0001" == sms["provider_id"]
    assert sms["provider"] == Provider.GATEWAY
    assert body["case_code"] == sms["case"]["code"]
    assert body["reply"] == sms["reply"]
    assert_good_reply(body["reply"], body["case_code"])
    moment = RECEIVED_AT
    with app.app_context():
        case = db.session.scalar(select(Case))
        message = db.session.scalar(select(SmsMessage))
        assert message.received_at.replace(tzinfo=UTC) == moment
        assert case.received_at.replace(tzinfo=UTC) == moment
        assert case.channel == CaseChannel.HOTLINE_SMS


def test_gateway_replay_answers_200_with_the_same_body(app, client, hotline):
    first = gateway_post(client, gateway_payload())
    again = gateway_post(client, gateway_payload())
    other_text = gateway_post(client, gateway_payload(text="Khác"))

    assert first.status_code == 201
    assert (again.status_code, other_text.status_code) == (200, 200)
    assert first.get_json() == again.get_json() == other_text.get_json()
    assert counts(app) == {**NOTHING, "sms_messages": 1, "cases": 1}


def test_gateway_and_twilio_ids_do_not_collide(app, client, hotline):
    gateway_post(client, gateway_payload("SM0001"))
    reply_of(twilio_post(client, SMS, sms_params("SM0001")))

    assert counts(app)["cases"] == 2


def test_gateway_opt_out_gets_a_null_reply(app, client, hotline):
    response = gateway_post(client, gateway_payload(text="Từ chối"))

    assert response.status_code == 201
    assert response.get_json() == {"id": "gw-0001", "reply": None, "case_code": None}
    assert opted_out(app) == [CALLER]


@pytest.mark.parametrize(
    "stated",
    ["0001-01-01T00:00:00", "1999-12-31T23:59:59+07:00", "future", "31 days ago"],
)
def test_gateway_receipt_time_that_cannot_be_true_gives_way_to_the_arrival_time(
    app, client, hotline, stated
):
    """A wrong clock must not make a case centuries overdue (or due before it arrived); the
    message itself is kept: nothing a citizen sent is refused for the gateway's clock."""
    now = datetime.now(UTC)
    if stated == "future":
        stated = (now + timedelta(days=1)).isoformat()
    elif stated == "31 days ago":
        stated = (now - timedelta(days=31)).isoformat()
    before = now.replace(microsecond=0)
    assert gateway_post(client, gateway_payload(received_at=stated)).status_code == 201
    [sms] = stored_sms(app)
    assert sms["received_at"].replace(tzinfo=UTC) >= before
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.received_at.replace(tzinfo=UTC) >= before
        assert case.due_on > before.date()


def test_gateway_receipt_time_of_a_queued_message_is_kept(app, client, hotline):
    stated = (datetime.now(UTC) - timedelta(days=29)).replace(microsecond=0)
    assert gateway_post(client, gateway_payload(received_at=stated.isoformat())).status_code == 201
    assert stored_sms(app)[0]["received_at"].replace(tzinfo=UTC) == stated


def test_gateway_without_received_at_uses_the_arrival_time(app, client, hotline):
    before = datetime.now(UTC)
    payload = gateway_payload()
    del payload["received_at"]

    assert gateway_post(client, payload).status_code == 201

    [sms] = stored_sms(app)
    assert sms["received_at"].replace(tzinfo=UTC) >= before.replace(microsecond=0)


def _bad_gateway_signature(kind: str, client):
    payload = gateway_payload()
    body = json.dumps(payload).encode()
    if kind == "wrong secret":
        return gateway_post(client, payload, secret="not-the-secret")
    if kind == "tampered body":
        digest = hmac.new(GATEWAY_SECRET.encode(), body, hashlib.sha256).hexdigest()
        tampered = body.replace(b"gw-0001", b"gw-0002")
        return client.post(
            GATEWAY,
            data=tampered,
            content_type="application/json",
            headers={"X-Signature": f"sha256={digest}"},
        )
    if kind == "missing header":
        return client.post(GATEWAY, data=body, content_type="application/json")
    if kind == "no prefix":
        digest = hmac.new(GATEWAY_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return client.post(
            GATEWAY, data=body, content_type="application/json", headers={"X-Signature": digest}
        )
    if kind == "twilio signature":
        return client.post(
            GATEWAY,
            data=body,
            content_type="application/json",
            headers={"X-Twilio-Signature": sign({}, PUBLIC + GATEWAY)},
        )
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["wrong secret", "tampered body", "missing header", "no prefix", "twilio signature"]
)
def test_gateway_refuses_a_bad_signature_with_403(app, client, hotline, kind):
    response = _bad_gateway_signature(kind, client)

    assert response.status_code == 403
    assert response.is_json
    assert counts(app) == NOTHING


def test_gateway_is_refused_while_no_secret_is_configured(app, client, hotline):
    app.config["SMS_GATEWAY_SECRET"] = None

    for secret in ("", "gateway-shared-secret"):
        assert gateway_post(client, gateway_payload(), secret=secret).status_code == 403
    assert counts(app) == NOTHING


BAD_GATEWAY_BODIES = {
    "not json": b'{"id": "gw-1", ',
    "json array": b'["gw-1", "+84987654321", "text"]',
    "json string": b'"hello"',
    "deeply nested": b"[" * 100_00 + b"]" * 100_00,
    "no id": json.dumps({"from": CALLER, "text": COMPLAINT}).encode(),
    "empty id": json.dumps({"id": "  ", "from": CALLER, "text": COMPLAINT}).encode(),
    "numeric id": json.dumps({"id": 12, "from": CALLER, "text": COMPLAINT}).encode(),
    "no from": json.dumps({"id": "gw-1", "text": COMPLAINT}).encode(),
    "no text": json.dumps({"id": "gw-1", "from": CALLER}).encode(),
    "text not a string": json.dumps({"id": "gw-1", "from": CALLER, "text": ["a"]}).encode(),
    "id too long": json.dumps({"id": "x" * 81, "from": CALLER, "text": "a"}).encode(),
    "from too long": json.dumps({"id": "gw-1", "from": "9" * 33, "text": "a"}).encode(),
    "text too long": json.dumps({"id": "gw-1", "from": CALLER, "text": "a" * 1601}).encode(),
    "bad received_at": json.dumps(
        {"id": "gw-1", "from": CALLER, "text": "a", "received_at": "hôm qua"}
    ).encode(),
    "received_at before year 1": json.dumps(
        {"id": "gw-1", "from": CALLER, "text": "a", "received_at": "0001-01-01T00:00:00+07:00"}
    ).encode(),
    "numeric received_at": json.dumps(
        {"id": "gw-1", "from": CALLER, "text": "a", "received_at": 1700000000}
    ).encode(),
    "invalid utf-8": b'{"id": "gw-1", "from": "+84987654321", "text": "\xff\xfe\xc3"}',
}


@pytest.mark.parametrize("kind", sorted(BAD_GATEWAY_BODIES))
def test_gateway_refuses_a_bad_body_with_400_and_stores_nothing(app, client, hotline, kind):
    response = gateway_post(client, None, raw=BAD_GATEWAY_BODIES[kind])

    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.is_json and response.get_json()["message"]
    assert counts(app) == NOTHING


# --- Bad input ---------------------------------------------------------------------------------


def test_an_oversized_twilio_body_is_refused_with_413(app, client, hotline):
    params = sms_params("SM0800", "a" * (64 * 1024))

    response = twilio_post(client, SMS, params)

    assert response.status_code == 413
    assert response.is_json
    assert counts(app) == NOTHING


def test_an_oversized_gateway_body_is_refused_with_413(app, client, hotline):
    response = gateway_post(client, gateway_payload(text="a" * (64 * 1024)))

    assert response.status_code == 413
    assert counts(app) == NOTHING


def test_the_webhook_limit_is_a_setting_and_a_body_within_it_passes(app, client, hotline):
    app.config["HOTLINE_WEBHOOK_MAX_BYTES"] = 2048
    near = sms_params("SM0801", "b" * 1000)
    over = sms_params("SM0802", "b" * 2100)

    assert twilio_post(client, SMS, near).status_code == 200
    assert twilio_post(client, SMS, over).status_code == 413
    assert [sms["provider_id"] for sms in stored_sms(app)] == ["SM0801"]


def test_a_body_without_a_length_is_still_held_to_the_limit(app, client, hotline):
    """A chunked upload carries no Content-Length: the limit applies while reading."""
    params = sms_params("SM0803", "c" * (70 * 1024))
    body = urlencode(params).encode()

    response = client.post(
        SMS,
        input_stream=io.BytesIO(body),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": sign(params, PUBLIC + SMS)},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert response.status_code == 413
    assert counts(app) == NOTHING


def _as_werkzeug_parses(app, raw: bytes) -> MultiDict:
    """The form Werkzeug makes of a body: what a signature check over request.form sees."""
    with app.test_request_context(
        SMS, method="POST", data=raw, content_type="application/x-www-form-urlencoded"
    ):
        return request.form.copy()


@pytest.mark.parametrize(
    "bad",
    [b"\xff\xfe", b"\xc3(", b"%FF%FE", b"Ch%E1%BB", b"%C3%28"],
    ids=["raw bytes", "raw truncated sequence", "percent bytes", "percent truncated", "pct bad"],
)
def test_invalid_utf8_signed_over_what_werkzeug_parses_is_refused_with_400(
    app, client, hotline, bad
):
    fields = {k: v for k, v in sms_params("SM0900").items() if k != "Body"}
    raw = urlencode(fields).encode() + b"&Body=" + bad
    parsed = _as_werkzeug_parses(app, raw)

    response = client.post(
        SMS,
        data=raw,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": sign(parsed, PUBLIC + SMS)},
    )

    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.is_json
    assert counts(app) == NOTHING


def test_valid_utf8_sent_percent_encoded_is_accepted(app, client, hotline):
    raw = urlencode(sms_params("SM0901", COMPLAINT)).encode()

    response = client.post(
        SMS,
        data=raw,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": sign(_as_werkzeug_parses(app, raw), PUBLIC + SMS)},
    )

    assert reply_of(response)
    assert stored_sms(app)[0]["body"] == COMPLAINT


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
def test_signed_sms_without_a_required_field_is_refused_with_400(app, client, hotline, missing):
    params = {k: v for k, v in sms_params().items() if k != missing}

    response = twilio_post(client, SMS, params)

    assert response.status_code == 400
    assert missing in response.get_json()["message"]
    assert counts(app) == NOTHING


def test_control_characters_are_dropped_from_a_message(app, client, hotline):
    reply_of(twilio_post(client, SMS, sms_params("SM0902", "Xin\x00 chào\x1b[31m\r\nphường")))

    assert stored_sms(app)[0]["body"] == "Xin chào[31m\nphường"


def test_what_a_caller_sends_reaches_staff_pages_escaped(app, client, hotline):
    script = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    reply_of(twilio_post(client, SMS, sms_params("SM0903", script, From='"><b>+8490</b>')))
    code = stored_sms(app)[0]["case"]["code"]

    public = client.get(f"/track/{code}").get_data(as_text=True)
    sign_in(client, "admin")
    staff = client.get(f"/cases/{code}")
    listing = client.get("/cases/").get_data(as_text=True)

    assert staff.status_code == 200
    html = staff.get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html
    for text in (public, html, listing):
        assert "<script>alert(" not in text
        assert "<img src=x" not in text
        assert "<b>+8490</b>" not in text


def test_the_longest_ids_allowed_are_stored_on_every_database(app, client, hotline):
    """Ids are held to a length that fits every column they reach, the case's intake key too
    (PostgreSQL refuses a longer value with a 500 where SQLite would quietly keep it)."""
    longest = "g" * 60

    response = gateway_post(client, gateway_payload(longest))
    too_long = gateway_post(client, gateway_payload(longest + "g"))

    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["id"] == longest
    assert too_long.status_code == 400
    assert counts(app) == {**NOTHING, "sms_messages": 1, "cases": 1}


def test_a_message_before_any_unit_exists_is_refused_with_503_and_nothing_stored(app, client):
    configure(app, HOTLINE_OPENING_HOURS=ALWAYS_OPEN)

    response = gateway_post(client, gateway_payload())

    assert response.status_code == 503
    assert response.get_json()["status"] == 503
    assert stored_sms(app) == []
    with app.app_context():
        assert db.session.scalar(select(Case)) is None
