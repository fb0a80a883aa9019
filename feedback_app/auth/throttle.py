"""Throttling failed sign-ins: per account from one address, per address, per account.

Each attempt is counted *before* its password is checked, with one atomic increment per limit
in the limiter's storage (Redis in production), and given back when the password was right. So
a burst of simultaneous guesses cannot all slip through while the first ones are still hashing,
and a real user's successful sign-ins never count. An attempt refused by one limit is given
back to the limits already counted, so one address hammering one account fills only its own
counter: it cannot push the account's limit across addresses (LOGIN_ACCOUNT_RATELIMIT, kept
above what one address may reach) and lock the owner out.
"""

import ipaddress
import math
import time
from dataclasses import dataclass
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse

from ..extensions import limiter

NAMESPACE = "login"


@dataclass(frozen=True)
class Limit:
    """One sign-in limit: its setting, what it counts by, and what a refused person reads."""

    setting: str
    scope: str  # "account_address", "address" or "account"
    message: object


LIMITS = (
    Limit(
        "LOGIN_RATELIMIT",
        "account_address",
        _l("Too many failed sign-in attempts for this account. Wait 15 minutes and try again."),
    ),
    Limit(
        "LOGIN_ADDRESS_RATELIMIT",
        "address",
        _l("Too many failed sign-in attempts from this network. Wait 15 minutes and try again."),
    ),
    Limit(
        "LOGIN_ACCOUNT_RATELIMIT",
        "account",
        _l(
            "This account is paused after many failed sign-in attempts from several places. "
            "Wait an hour and try again."
        ),
    ),
)


@cache
def _item(text: str) -> RateLimitItem:
    return parse(text)


class Refused(Exception):
    """Too many failed attempts; `message` is translated, `retry_after` in seconds."""

    def __init__(self, message, retry_after: int):
        super().__init__(str(message))
        self.message = message
        self.retry_after = retry_after


def _network(address: str) -> str:
    """What one client controls: its IPv4 address, or its IPv6 /64 (a single machine can pick
    any of the 2^64 addresses of its network, so counting per address would not bound it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


class Attempt:
    """One sign-in attempt, counted against every limit before the password is checked."""

    def __init__(self, username: str):
        address = _network(get_remote_address() or "unknown")
        self.keys = {
            "account_address": f"{username}:{address}",
            "address": address,
            "account": username,
        }
        self.counted: list[tuple[RateLimitItem, str, str]] = []

    def count(self) -> None:
        """Count the attempt; Refused (and nothing left counted) when a limit is reached. If the
        storage cannot be reached the attempt is let through, as Flask-Limiter does elsewhere."""
        if not limiter.enabled:
            return
        try:
            for limit in LIMITS:
                item = _item(current_app.config[limit.setting])
                key = self.keys[limit.scope]
                allowed = limiter.limiter.hit(item, NAMESPACE, limit.scope, key)
                self.counted.append((item, key, limit.scope))
                if not allowed:
                    stats = limiter.limiter.get_window_stats(item, NAMESPACE, limit.scope, key)
                    self.give_back()
                    wait = max(1, math.ceil(stats.reset_time - time.time()))
                    raise Refused(limit.message, wait)
        except Refused:
            raise
        except Exception:  # noqa: BLE001 - storage down (redis raises its own errors)
            current_app.logger.warning("Sign-in throttle storage unreachable; not counted")
            self.counted = []

    def give_back(self) -> None:
        """Uncount the attempt (the password was right, or another limit refused it)."""
        try:
            for item, key, scope in self.counted:
                limiter.limiter.hit(item, NAMESPACE, scope, key, cost=-1)
        except Exception:  # noqa: BLE001 - storage down: the count only errs towards refusing
            current_app.logger.warning("Sign-in throttle storage unreachable; not given back")
        self.counted = []
