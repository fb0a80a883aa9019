"""Builders shared by the hotline webhook and voice tests: requests signed exactly as Twilio and
the generic gateway sign them, and readers of what was stored."""

import hashlib
import hmac
import json
import unicodedata
import xml.etree.ElementTree as ET  # noqa: S405 - parses only the TwiML our own app returned
from datetime import timedelta

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from feedback_app.extensions import db
from feedback_app.models import (
    Attachment,
    Case,
    Holiday,
    HolidayKind,
    HotlineCall,
    HotlineLine,
    SmsMessage,
    SmsOptOut,
)
from feedback_app.timeutil import local_today

TOKEN = "f3b2c1d0e9a8b7c6d5e4f3a2b1c0d9e8"
ACCOUNT = "AC0123456789abcdef0123456789abcdef"
OTHER_ACCOUNT = "ACfedcba9876543210fedcba9876543210"
PUBLIC = "https://gopy.thanhxuan.hanoi.gov.vn"
GATEWAY_SECRET = "gateway-shared-secret"
LINE_NUMBER = "+842473001234"
OPERATOR_NUMBER = "+84912345678"
CALLER = "+84987654321"
# Every window of the day: "open" tests also make today a working day (see working_today).
ALWAYS_OPEN = "00:00-23:59:59.999999"

# Fields Twilio sends with every inbound SMS that the app does not use; they are signed too.
SMS_EXTRAS = {
    "ToCountry": "VN",
    "ToState": "",
    "SmsMessageSid": "",
    "NumMedia": "0",
    "ToCity": "",
    "FromZip": "",
    "SmsSid": "",
    "FromState": "",
    "SmsStatus": "received",
    "FromCity": "HA NOI",
    "FromCountry": "VN",
    "ToZip": "",
    "NumSegments": "1",
    "ReferralNumMedia": "0",
    "MessagingServiceSid": "MG0123456789abcdef0123456789abcdef",
    "ApiVersion": "2010-04-01",
}
# Fields of every voice request that the app does not use.
VOICE_EXTRAS = {
    "Called": LINE_NUMBER,
    "Caller": CALLER,
    "CalledCountry": "VN",
    "CallerCountry": "VN",
    "CalledCity": "",
    "CallerCity": "HA NOI",
    "ToCountry": "VN",
    "FromCountry": "VN",
    "FromCity": "HA NOI",
    "ToCity": "",
    "CallerState": "",
    "CalledZip": "",
    "ApiVersion": "2010-04-01",
    "StirVerstat": "TN-Validation-Passed-A",
    "CallToken": "%7B%22parentCallInfoToken%22%3A%22eyJhbGciOiJFUzI1NiJ9%22%7D",
}


def configure(app, **extra) -> None:
    """Hotline settings for one test (downloads off unless a test turns them on)."""
    app.config.update(
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_ACCOUNT_SID=ACCOUNT,
        PUBLIC_BASE_URL=PUBLIC,
        SMS_GATEWAY_SECRET=GATEWAY_SECRET,
        HOTLINE_DOWNLOAD_RECORDINGS=False,
        **extra,
    )


def add_line(app, unit_id: int, operator_number: str = OPERATOR_NUMBER) -> int:
    """The district's published hotline number."""
    with app.app_context():
        line = HotlineLine(
            number=LINE_NUMBER,
            label="Đường dây nóng",
            unit_id=unit_id,
            operator_number=operator_number,
        )
        db.session.add(line)
        db.session.commit()
        return line.id


def set_day(app, day, kind: HolidayKind) -> None:
    """Make one local day a holiday or a (make-up) working day, whatever weekday it is."""
    with app.app_context():
        db.session.add(Holiday(day=day, name="Ngày thử", kind=kind))
        db.session.commit()


def working_today(app) -> None:
    """Today and tomorrow are working days (a make-up day counts even on a weekend)."""
    today = local_today()
    for day in (today, today + timedelta(days=1)):
        set_day(app, day, HolidayKind.MAKEUP_WORKDAY)


def sign(params: dict, url: str, token: str = TOKEN) -> str:
    """X-Twilio-Signature exactly as Twilio computes it."""
    return RequestValidator(token).compute_signature(url, params)


def twilio_post(client, path: str, params: dict, *, url: str | None = None, token: str = TOKEN):
    """POST a form to `path` (query included) signed for the public URL (or `url`)."""
    signature = sign(params, url or PUBLIC + path, token)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def sms_params(sid: str = "SM0001", body: str = "Cán bộ phường tiếp dân chậm", **fields) -> dict:
    """A Twilio inbound-SMS webhook, with the fields we never read."""
    params = {
        **SMS_EXTRAS,
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT,
        "From": CALLER,
        "To": LINE_NUMBER,
        "Body": body,
    }
    params.update(fields)
    return params


def voice_params(call_sid: str = "CA0001", status: str = "ringing", **fields) -> dict:
    """A Twilio voice webhook (the call, or a step of its menu)."""
    params = {
        **VOICE_EXTRAS,
        "CallSid": call_sid,
        "AccountSid": ACCOUNT,
        "From": CALLER,
        "To": LINE_NUMBER,
        "CallStatus": status,
        "Direction": "inbound",
    }
    params.update(fields)
    return params


def gateway_post(client, payload, *, secret: str = GATEWAY_SECRET, raw: bytes | None = None):
    """POST a JSON body to the generic gateway, signed with HMAC-SHA256 of the raw bytes."""
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return client.post(
        "/hotline/gateway/sms",
        data=body,
        headers={"Content-Type": "application/json", "X-Signature": f"sha256={digest}"},
    )


def twiml(response) -> ET.Element:
    """The TwiML document of a response (checked to be XML)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    return ET.fromstring(response.get_data())  # noqa: S314 - our own app's output


def messages(root: ET.Element) -> list[str]:
    """The texts of the <Message> verbs of a messaging reply."""
    return [(m.text or "") for m in root.iter("Message")]


def is_nfc(text: str) -> bool:
    """Whether the text is in Unicode normal form C."""
    return unicodedata.normalize("NFC", text) == text


def counts(app) -> dict[str, int]:
    """How many rows every table the hotline writes to holds."""
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (SmsMessage, SmsOptOut, HotlineCall, Case, Attachment)
        }


NOTHING = {"sms_messages": 0, "sms_opt_outs": 0, "hotline_calls": 0, "cases": 0, "attachments": 0}
