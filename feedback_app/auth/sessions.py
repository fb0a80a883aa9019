"""How long a staff session lives, and how it ends.

The session cookie is signed, so what it carries cannot be forged, but a copy of it works for
whoever holds it. Three things bound that copy:

- the account's `session_version` is part of the session's id: signing out, or an admin setting
  a new password, raises it, and every cookie signed in before stops working;
- an idle timeout (`SESSION_IDLE_MINUTES`, default 30): a session unused that long has ended;
- an absolute lifetime (`SESSION_MAX_HOURS`, default 10, a working day): after it, sign in again
  however busy the session was.

The times live in the signed cookie itself, so no process keeps any state (DESIGN §6).
"""

import time

from flask import current_app, session
from flask_login import login_user, logout_user

from ..models import User

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
# The last-seen time is written back at most this often: not every page view re-sends the cookie.
SEEN_RESOLUTION_SECONDS = 60
# What a new session keeps of the one before it (nothing that names or authorises anyone).
KEPT_ACROSS_SIGN_IN = ("lang",)


def begin(user: User) -> None:
    """Sign a user in on a fresh session: whatever the browser's session held before (a
    planted or stolen one included) is dropped, so its id changes at sign-in."""
    kept = {key: session[key] for key in KEPT_ACROSS_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    login_user(user)
    now = int(time.time())
    session[SIGNED_IN_AT] = session[SEEN_AT] = now


def end(user: User | None) -> None:
    """Sign out here, and end every other session of the account too (copies included).

    The caller commits the raised session version."""
    if user is not None and getattr(user, "is_authenticated", False):
        user.end_sessions()
    logout_user()
    kept = {key: session[key] for key in KEPT_ACROSS_SIGN_IN if key in session}
    session.clear()
    session.update(kept)


def expired() -> bool:
    """Whether this request's session has outlived its idle timeout or its lifetime (or was
    never given its times, as a cookie from before these rules); notes the visit otherwise."""
    now = int(time.time())
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return True
    config = current_app.config
    if now - seen_at > int(config["SESSION_IDLE_MINUTES"]) * 60:
        return True
    if now - signed_in_at > int(config["SESSION_MAX_HOURS"]) * 3600:
        return True
    if now - seen_at >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = now
    return False


def parse_id(session_id: str) -> tuple[int, int] | None:
    """(account id, session version) of a session id "<id>:<version>", or None."""
    account, _sep, version = (session_id or "").partition(":")
    if not (account.isascii() and account.isdigit() and version.isascii() and version.isdigit()):
        return None
    if len(account) > 10 or len(version) > 10:
        return None
    return int(account), int(version)
