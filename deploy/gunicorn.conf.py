"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Run it from the checkout (where wsgi.py is), with the same FEEDBACK_* and DATABASE_URL settings
as the `flask` commands. A few values come from the environment; a command-line option
(`--workers 4`) overrides this file, as gunicorn always does. Tested by tests/production/.

    GUNICORN_BIND      where to listen, default 127.0.0.1:8000 (the reverse proxy's upstream);
                       `unix:/run/feedback/gunicorn.sock` for a socket
    GUNICORN_WORKERS   worker processes (WEB_CONCURRENCY is read too), default 2 × cores + 1
    GUNICORN_LOG_LEVEL default info
"""

import logging
import multiprocessing
import os
import re
import sys
from pathlib import Path

from gunicorn import glogging


def _positive_int(*names: str, default: int) -> int:
    """The first of these variables that is set, as a whole number ≥ 1; else the default."""
    for name in names:
        text = os.environ.get(name, "").strip()
        if not text:
            continue
        if not text.isdigit() or int(text) < 1:
            # SystemExit, not an exception: gunicorn then prints just this, no traceback.
            sys.exit(f"{name} must be a whole number of at least 1, not {text!r}.")
        return int(text)
    return default


# wsgi.py lives in the checkout, not in the installed package: import it from there, wherever
# gunicorn was started.
chdir = str(Path(__file__).resolve().parent.parent)
wsgi_app = "wsgi:app"

# Loopback only: the reverse proxy (nginx) is the public side and terminates TLS. An explicit
# bind also stops gunicorn from listening on 0.0.0.0 when a PORT variable happens to be set.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers, the usual 2 × cores + 1: requests are short and wait mostly on the
# database. Nothing is shared between workers (throttles live in Redis, caches are only caches).
workers = _positive_int(
    "GUNICORN_WORKERS", "WEB_CONCURRENCY", default=multiprocessing.cpu_count() * 2 + 1
)

# The master imports the app once and forks the workers from it: importing takes 2–3 s of CPU
# (matplotlib, the exporters), which without preloading every replacement worker pays again
# (after a crash, a timeout, or max_requests below) while the others carry its share. Safe:
# create_app opens no database or Redis connection, so no connection is shared across the fork.
# Consequence: SIGHUP (`systemctl reload`) re-reads settings but keeps the old code; a new
# release needs a restart (SIGTERM is graceful) or gunicorn's USR2 upgrade.
preload_app = True

# A request still running after 30 s is stuck (a summary takes well under a second, an export a
# few): its worker is killed and replaced.
timeout = 30

# On SIGTERM (systemctl stop, a deploy) or SIGHUP, workers stop accepting and finish the
# requests they hold for up to 30 s: an answer is acknowledged only after its commit, so a
# request cut short is never acknowledged and the tablet resends it.
graceful_timeout = 30

# Seconds an idle keep-alive connection stays open. Synchronous workers close after each
# response; this matters only with a threaded worker (`--threads 4`) behind a proxy that keeps
# upstream connections alive.
keepalive = 5

# Replace a worker after about 1,000 requests, to bound slow growth (caches, matplotlib); the
# jitter keeps the workers from restarting all at once. A replaced worker finishes its request.
max_requests = 1000
max_requests_jitter = 100

# Proxy headers are the app's business: it trusts exactly FEEDBACK_PROXY_COUNT hops of
# X-Forwarded-For/-Proto (werkzeug's ProxyFix). gunicorn trusting them too, by its own list of
# addresses, would be a second policy to keep in step, so it trusts none and leaves the scheme.
forwarded_allow_ips = ""
secure_scheme_headers = {}

# Signals (systemd) are the control interface. gunicorn's control socket lives at one path per
# user by default, so two instances on one machine would fight over it.
control_socket_disable = True

# Logs to stdout/stderr for journald. The public side logs no client addresses (DESIGN: privacy):
# no address, user agent or referrer in the access log, and no address in gunicorn's own
# warnings. Secrets in paths are masked too: a kiosk's token is its password, a tracking code
# opens a citizen's case.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Time, the worker's pid, request line (path only: no query string), status, bytes, duration.
access_log_format = '%(t)s %(p)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

SECRET_IN_PATH = re.compile(r"(/(?:api/v1/)?kiosk|/track)/[^/\s?#\"]+")
ADDRESS_IN_WARNING = re.compile(r"\bip=[0-9A-Fa-f.:]+(?=: )")


def private(text: str) -> str:
    """A log line without client addresses and with the secrets in paths masked."""
    return ADDRESS_IN_WARNING.sub("ip=-", SECRET_IN_PATH.sub(r"\1/-", text))


class _Private(logging.Filter):
    """Rewrites each record through `private` (the message formatted first, then masked)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = private(record.getMessage()), None
        return True


class PrivateLogger(glogging.Logger):
    """gunicorn's logger, with every access and error line passed through `private`."""

    def setup(self, cfg) -> None:
        super().setup(cfg)  # runs again on SIGHUP: add the filter once
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, _Private) for f in log.filters):
                log.addFilter(_Private())


logger_class = PrivateLogger
