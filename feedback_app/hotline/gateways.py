"""Gateways: how calls and messages reach us. Each adapter checks its own signature and turns
the provider's request into plain values, so a local provider is one more adapter here.

- Twilio (`/hotline/twilio/...`): form posts signed with X-Twilio-Signature, checked with the
  `twilio` library's RequestValidator against FEEDBACK_PUBLIC_BASE_URL + path + the raw query
  string (never `request.url`: Werkzeug decodes it, and behind a proxy it is the internal address),
  over `request.form` only. Twilio offers no two-way SMS inside Vietnam, so domestic SMS comes
  through the generic gateway.
- Generic (`/hotline/gateway/sms`): a JSON body signed with HMAC-SHA256 of the raw bytes in
  `X-Signature: sha256=<hex>`, for a local SMS provider (Viettel, VNPT, an SMS modem box…).
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from flask import Request, current_app
from flask_babel import gettext as _
from twilio.request_validator import RequestValidator

from ..models import Provider
from ..textutil import clean_text
from ..timeutil import as_utc, now_utc

# Twilio's ids are 34 characters. 60 leaves room for a local gateway's own ids and keeps every
# column an id reaches within its length: the case's intake key ("recording:twilio:<id>") is
# String(80), HotlineCall.recording_sid String(64). PostgreSQL refuses longer values (a 500).
MAX_ID = 60
MAX_NUMBER = 32
MAX_SMS_TEXT = 1600  # Twilio's limit for an inbound body; the gateway is held to the same


class WebhookRejected(Exception):
    """The request is refused: 403 (signature) or 400 (what it carries); nothing was stored."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class InboundSms:
    """One message as every gateway hands it over."""

    provider: Provider
    message_id: str
    sender: str
    recipient: str
    text: str
    received_at: datetime | None = None


def _required(values: dict, name: str, limit: int) -> str:
    value = values.get(name)
    if not isinstance(value, str) or not value.strip():
        raise WebhookRejected(400, _("The field “%(name)s” is missing.", name=name))
    value = clean_text(value)
    if len(value) > limit:
        raise WebhookRejected(400, _("The field “%(name)s” is too long.", name=name))
    return value


def _utf8(raw: bytes) -> None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebhookRejected(400, _("The request is not valid UTF-8 text.")) from exc


def _utf8_percent_encoded(raw: bytes) -> None:
    """A form body whose %XX escapes decode to invalid UTF-8 is refused too."""
    try:
        parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise WebhookRejected(400, _("The request is not valid UTF-8 text.")) from exc


class TwilioGateway:
    """Twilio's Programmable Voice and Messaging webhooks."""

    provider = Provider.TWILIO

    def public_url(self, request: Request) -> str:
        """The address Twilio requested, as Twilio signed it."""
        base = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
        query = request.query_string.decode("latin-1")
        return base + request.path + ("?" + query if query else "")

    def verify(self, request: Request) -> None:
        """Signature first (403 when missing, forged or tampered), then UTF-8 (400), then the
        account (403)."""
        token = current_app.config.get("TWILIO_AUTH_TOKEN")
        signature = request.headers.get("X-Twilio-Signature", "")
        if not token or not signature or not current_app.config.get("PUBLIC_BASE_URL"):
            raise WebhookRejected(403, _("The request is not signed."))
        # Kept before the form is parsed: parsing consumes the stream, and the UTF-8 check
        # needs the bytes as sent (Werkzeug quietly drops or re-quotes what it cannot decode).
        raw = request.get_data(cache=True)
        if not RequestValidator(str(token)).validate(
            self.public_url(request), request.form, signature
        ):
            raise WebhookRejected(403, _("The request's signature does not match."))
        _utf8(raw)
        if request.mimetype == "application/x-www-form-urlencoded":
            _utf8_percent_encoded(raw)
        account = current_app.config.get("TWILIO_ACCOUNT_SID")
        if account and request.form.get("AccountSid") != account:
            raise WebhookRejected(403, _("The request comes from another account."))

    def field(self, request: Request, name: str, limit: int = MAX_ID) -> str:
        """A required form field, cleaned (400 when missing or too long)."""
        return _required(request.form, name, limit)

    def optional(self, request: Request, name: str, limit: int = MAX_ID) -> str:
        """An optional form field, cleaned and cut to the limit."""
        value = request.form.get(name) or ""
        return clean_text(value)[:limit]

    def number(self, request: Request, name: str) -> int | None:
        """A whole-number field ("CallDuration", "SequenceNumber"…), or None when absent or bad."""
        value = request.form.get(name, "")
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None

    def sms(self, request: Request) -> InboundSms:
        """The message in a Twilio SMS webhook."""
        return InboundSms(
            provider=self.provider,
            message_id=self.field(request, "MessageSid"),
            sender=self.field(request, "From", MAX_NUMBER),
            recipient=self.optional(request, "To", MAX_NUMBER),
            text=clean_text(request.form.get("Body", ""))[:MAX_SMS_TEXT],
        )


class GenericGateway:
    """A local provider posting JSON `{id, from, to, text, received_at}` signed with HMAC."""

    provider = Provider.GATEWAY

    def verify(self, request: Request) -> None:
        """HMAC-SHA256 of the raw body, compared in constant time (403), then UTF-8 (400)."""
        secret = current_app.config.get("SMS_GATEWAY_SECRET")
        header = request.headers.get("X-Signature", "")
        if not secret or not header.startswith("sha256="):
            raise WebhookRejected(403, _("The request is not signed."))
        raw = request.get_data(cache=True)
        expected = hmac.new(str(secret).encode("utf-8"), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower()):
            raise WebhookRejected(403, _("The request's signature does not match."))
        _utf8(raw)

    def sms(self, request: Request) -> InboundSms:
        """The message in the JSON body."""
        try:
            values = json.loads(request.get_data(cache=True))
        except (ValueError, RecursionError) as exc:
            raise WebhookRejected(400, _("The body is not valid JSON.")) from exc
        if not isinstance(values, dict):
            raise WebhookRejected(400, _("The body must be a JSON object."))
        text = values.get("text")
        if not isinstance(text, str):
            raise WebhookRejected(400, _("The field “%(name)s” is missing.", name="text"))
        if len(text) > MAX_SMS_TEXT:
            raise WebhookRejected(400, _("The field “%(name)s” is too long.", name="text"))
        return InboundSms(
            provider=self.provider,
            message_id=_required(values, "id", MAX_ID),
            sender=_required(values, "from", MAX_NUMBER),
            recipient=clean_text(values.get("to") or "")[:MAX_NUMBER]
            if isinstance(values.get("to"), str)
            else "",
            text=clean_text(text),
            received_at=_timestamp(values.get("received_at")),
        )


# A gateway may hold messages while the line to us is down; a stated receipt time older than
# this is a wrong clock or a wrong field, and a case's legal deadline must not start there.
MAX_SMS_DELAY = timedelta(days=30)


def _plausible(moment: datetime) -> datetime | None:
    """The gateway's time if it can be true, else None (the arrival time is used instead): a
    clock in year 1 would make a case centuries overdue, one ahead a case due before it came.
    The message itself is always kept: nothing a citizen sent is refused for a gateway's clock."""
    now = now_utc()
    return moment if now - MAX_SMS_DELAY <= moment <= now else None


def _timestamp(value) -> datetime | None:
    """The gateway's receipt time (ISO 8601; without a zone it is taken as UTC), or None when
    it is missing or cannot be true."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise WebhookRejected(
            400, _("The field “%(name)s” is not a date and time.", name="received_at")
        )
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        # Stored as UTC: SQLite keeps the wall-clock digits and drops the offset.
        moment = as_utc(moment).astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # OverflowError: an offset past year 1 or 9999
        raise WebhookRejected(
            400, _("The field “%(name)s” is not a date and time.", name="received_at")
        ) from exc
    return _plausible(moment)


TWILIO = TwilioGateway()
GENERIC = GenericGateway()
