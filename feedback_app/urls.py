"""Full addresses of the app's pages, as people and providers outside reach them.

FEEDBACK_PUBLIC_BASE_URL is the external origin (behind the reverse proxy, the one printed on
QR codes and given to Twilio). Without it (development, tests) a page asked for during a request
gets that request's host, and outside a request (the CLI printing a kiosk's address) the
development server's.
"""

from flask import current_app, has_request_context, request, url_for

# Where `make run` serves when nothing else is configured.
DEVELOPMENT_ORIGIN = "http://127.0.0.1:5000"


def public_origin() -> str:
    """The scheme and host the outside world uses, without a trailing slash."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return str(base).rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return DEVELOPMENT_ORIGIN


def external_url(endpoint: str, **values) -> str:
    """The full address of an endpoint (url_for's arguments), for a QR code, a printed slip,
    an SMS or a provider's callback."""
    return public_origin() + url_for(endpoint, **values)
