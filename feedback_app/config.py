"""Default configuration. Secrets come from the instance folder or FEEDBACK_* variables."""

from datetime import timedelta

LANGUAGES = ("vi", "en")


class DefaultConfig:
    """Settings every deployment starts from; production overrides come from the environment."""

    # "production" unless told otherwise: secure cookies and a required secret key.
    ENV = "production"
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None  # set in create_app from the instance folder
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    # One attachment (scan, photo, PDF); below MAX_CONTENT_LENGTH so a form around it fits.
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = LANGUAGES
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    # If Redis cannot be reached, count in each worker's memory instead of failing the request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Failed sign-ins: per account from one address (a guesser is stopped there, the account's
    # owner elsewhere is not), per address across accounts (one password sprayed over many), and
    # per account from everywhere. Keep the last above what one address may reach under the
    # first in the same time (5 per 15 minutes is 20 an hour), so one address locks nobody out.
    LOGIN_RATELIMIT = "5 per 15 minutes"
    LOGIN_ADDRESS_RATELIMIT = "30 per 15 minutes"
    LOGIN_ACCOUNT_RATELIMIT = "50 per hour"
    # Staff sessions end after this long unused, and after this long in any case.
    SESSION_IDLE_MINUTES = 30
    SESSION_MAX_HOURS = 10
    KIOSK_RATELIMIT = "20 per minute"
    # More answers than this from one kiosk within one minute (tablet clock) are a burst:
    # kept, counted in the summary, left out of the indices.
    KIOSK_BURST_COUNT = 5
    # Seconds the thank-you screen stays, and an abandoned half-filled survey waits, on a kiosk.
    KIOSK_RESET_SECONDS = 10
    KIOSK_IDLE_SECONDS = 60
    # How long a counter officer's "invite to rate" waits for the citizen at the tablet.
    KIOSK_INVITATION_SECONDS = 300
    # Tracking codes are unguessable; this only slows anyone who tries to enumerate them.
    TRACK_RATELIMIT = "60 per minute"
    # Verdicts ("Hài lòng" / "Không hài lòng") posted on published answers, per client address;
    # like the web survey's, the address is only the limiter's key, never written anywhere.
    VERDICT_RATELIMIT = "10 per hour"
    # Submissions of the public web survey (/survey/<desk>) per client address: enough for a
    # family sharing a phone, too few to stuff the ratings. The address is only a throttling key
    # in the limiter's storage; it is never written to the database.
    WEB_SURVEY_RATELIMIT = "10 per hour"
    MIN_CELL = 5
    # Days personal data is kept once a matter is settled (`flask retention purge`, from cron):
    # senders' names, phones and addresses, callers' numbers, voicemail recordings.
    RETENTION_DAYS = 365
    # The external origin (https://gopy.example.gov.vn): webhook signatures are checked against it.
    PUBLIC_BASE_URL = None
    # Hotline. Twilio webhooks are refused without the token; production refuses to start.
    TWILIO_ACCOUNT_SID = None
    TWILIO_AUTH_TOKEN = None
    # Shared secret of the generic SMS gateway (HMAC-SHA256 of the body); unset: it is refused.
    SMS_GATEWAY_SECRET = None
    # Opening hours of the hotline on working days (holidays and weekends are closed).
    HOTLINE_OPENING_HOURS = "07:30-11:30,13:30-17:00"
    HOTLINE_VOICE = "Google.vi-VN-Standard-A"
    HOTLINE_VOICEMAIL_SECONDS = 120
    HOTLINE_DIAL_TIMEOUT_SECONDS = 20
    # A call missed during opening hours is to be returned within this many hours.
    HOTLINE_CALLBACK_HOURS = 2
    # Largest webhook body accepted (Twilio's SMS body is at most 1,600 characters).
    HOTLINE_WEBHOOK_MAX_BYTES = 64 * 1024
    # Fetch voicemail recordings into the instance folder (needs the account SID and token).
    HOTLINE_DOWNLOAD_RECORDINGS = True
    HOTLINE_DOWNLOAD_TIMEOUT_SECONDS = 5
    # The only origin recordings are fetched from (with the account's credentials): Twilio's API.
    HOTLINE_RECORDINGS_ORIGIN = "https://api.twilio.com"
    SQLITE_BUSY_TIMEOUT_MS = 5000
    # While the database does not answer (refused, dropped, locked past the busy timeout),
    # requests get 503 with this Retry-After, in seconds: tablets and gateways try again.
    DATABASE_RETRY_AFTER_SECONDS = 5
    # Number of reverse proxies in front of the app (nginx: 1); 0 trusts no X-Forwarded-*.
    PROXY_COUNT = 0
    # Where `demo seed` keeps the demo passwords it made (default: instance/demo-logins.txt).
    DEMO_LOGINS_FILE = None
