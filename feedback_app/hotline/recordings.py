"""Voicemail recordings: fetched from the provider into the instance folder when we can.

Twilio keeps a recording at its `RecordingUrl` (`.mp3` appended gives MP3) behind HTTP basic
authentication with the account SID and auth token. Keeping the file here means the operator can
play it from the case page and the provider's copy can be deleted (personal data stays in
Vietnam). Without credentials, or when the download fails, the URL is kept instead and the case
page links to it; nothing is lost either way.
"""

import base64
import http.client
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from flask import current_app

from .. import storage
from ..models import Attachment, Case


def _download_url(url: str, origin: str, account_sid: str) -> str | None:
    """Where to fetch a recording, or None when the URL is not one of this account's recordings
    on the provider's own API host: the request carries the account's credentials, so a signed
    webhook naming another host (or plain http) must never make us send them there."""
    parts, allowed = urlsplit(url), urlsplit(origin)
    prefix = f"/2010-04-01/Accounts/{account_sid}/Recordings/"
    if (parts.scheme, parts.netloc) != (allowed.scheme, allowed.netloc) or parts.username:
        return None
    if not parts.path.startswith(prefix) or parts.query or parts.fragment or ".." in parts.path:
        return None
    return url if parts.path.endswith((".mp3", ".wav")) else url + ".mp3"


class _WholeBody:
    """The response body, refusing to end before its Content-Length: http.client's read(n)
    returns b"" when the connection drops early, which would keep half a voicemail."""

    def __init__(self, response: http.client.HTTPResponse):
        self._response = response
        self._left = response.length  # None when no length was announced (chunked)

    def read(self, size: int = -1) -> bytes:
        chunk = self._response.read(size)
        if self._left is not None:
            self._left -= len(chunk)
            if not chunk and size and self._left > 0:
                raise OSError(f"the download stopped {self._left} bytes short")
        return chunk


def fetch(url: str | None, case: Case | None) -> Attachment | None:
    """The recording stored as an attachment of the case, or None (then its URL is kept)."""
    config = current_app.config
    sid, token = config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN")
    target = _download_url(url or "", str(config["HOTLINE_RECORDINGS_ORIGIN"]), str(sid or ""))
    if not (config["HOTLINE_DOWNLOAD_RECORDINGS"] and sid and token and target):
        return None
    credentials = base64.b64encode(f"{sid}:{token}".encode()).decode("ascii")
    request = urllib.request.Request(target)  # noqa: S310 - scheme checked; URL from a signed hook
    # Twilio answers with a redirect to a short-lived CDN address: the credentials must not
    # follow it (an unredirected header is sent to the first address only).
    request.add_unredirected_header("Authorization", f"Basic {credentials}")
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=float(config["HOTLINE_DOWNLOAD_TIMEOUT_SECONDS"])
        ) as response:
            return storage.store(
                _WholeBody(response), original_name="voicemail.mp3", case=case, audio=True
            )
    except (
        OSError,
        http.client.HTTPException,
        urllib.error.URLError,
        ValueError,
        storage.AttachmentRejected,
    ) as exc:
        current_app.logger.warning("Voicemail not downloaded (%s); its URL is kept", exc)
        return None
