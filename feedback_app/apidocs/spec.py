"""The OpenAPI 3.1 document of /api/v1, built as plain data.

Each schema says what the code checks and returns (surveys/kiosk_api.py, surveys/service.py,
surveys/invitations.py, surveys/completion.py, errors.py, and for the period summary
reports/routes.py, reports/service.py and reports/formulas.py).
Limits are imported from the code that enforces them rather than copied, so the two cannot drift
apart unnoticed; tests/apidocs/test_openapi.py compares the paths with the URL map and fuzzes the
app against the document. Texts are English: the readers are integrators (tablet makers,
monitoring).
"""

from collections.abc import Iterable

from ..cases.service import CODE_ALPHABET, CODE_LENGTH
from ..config import DefaultConfig
from ..hardening import MAX_DB_INT
from ..models import CaseChannel, CaseKind, CaseVerdict, QuestionKind, ResponseChannel
from ..reports import formulas, periods
from ..security import PERMISSIONS
from ..surveys.defaults import COMMENT, NO_OPINION, OVERALL, REASONS, REPLY_PHONE, WANT_REPLY
from ..surveys.instruments import CODE_PATTERN, FACTORS, MAX_POINTS, MAX_TEXT_LENGTH, TT01_INDICES
from ..surveys.invitations import MAX_PROCEDURE
from ..surveys.kiosk_api import MAX_BODY_BYTES
from ..surveys.service import DOSSIER_CODE, Where

OPENAPI_VERSION = "3.1.0"
API_PREFIX = "/api/v1"
# Tokens are issued by secrets.token_urlsafe(24) (service.create_kiosk); anything longer than 100
# characters is refused unread (service._plausible).
KIOSK_TOKEN_PATTERN = "^[A-Za-z0-9_-]+$"  # noqa: S105 - the shape of a token, not a token
KIOSK_TOKEN_MAX_LENGTH = 100
# The survey version as clients name it: "<code>@<version>"; no other label can name one
# (instruments._parse_label).
INSTRUMENT_LABEL_PATTERN = "^[A-Za-z0-9._-]{1,40}@[0-9]{1,9}$"
CASE_CODE_PATTERN = f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$"
# The one character no query value may hold (hardening._refuse_nul_bytes answers 400).
NO_NUL_PATTERN = "^[^\\x00]*$"
QUEUE_LIMIT = 100_000  # service.note_seen ignores figures outside 0..QUEUE_LIMIT - 1
FUTURE_TOLERANCE_MINUTES = 5  # service.parse_answered_at
EXAMPLE_LABEL = "sipas-tt01@1"
KIOSK_PATH = f"{API_PREFIX}/kiosk/{{token}}"
SUBMIT_PATH = f"{KIOSK_PATH}/responses"
INVITATION_PATH = f"{KIOSK_PATH}/invitation"
ABANDONED_PATH = f"{KIOSK_PATH}/abandoned"
# How often the tablet asks for an invitation (kiosk.js), and how long one lasts by default.
INVITATION_POLL_SECONDS = 1.5
INVITATION_SECONDS = DefaultConfig.KIOSK_INVITATION_SECONDS
EXAMPLE_INVITATION = {
    "id": 12,
    "officer": "Nguyễn Văn An",
    "dossier_code": "000.00.09.H26-260315-0001",
    "procedure": "Cấp bản sao trích lục hộ tịch",
    "expires_at": "2026-03-15T02:35:00+00:00",
}
EXAMPLE_ABANDONED = {"client_uuid": "5c4b3a29-1807-4f6e-9d5c-4b3a29180706", "invited": True}

# --- The period summary (GET /api/v1/reports/summary) ---
SUMMARY_PATH = f"{API_PREFIX}/reports/summary"
# Flask's session cookie (SESSION_COOKIE_NAME is left at its default); the summary reads the same
# signed-in session as the staff pages.
SESSION_COOKIE = "session"
REPORT_ROLES = sorted(
    role.value for role, allowed in PERMISSIONS.items() if "view_reports" in allowed
)
REPORT_ROLES_TEXT = ", ".join(f"`{role}`" for role in REPORT_ROLES)
# What periods.parse reads: years periods.FIRST_YEAR..LAST_YEAR (2000..2100;
# tests/apidocs/test_openapi.py holds the two together), halves H1/H2 and quarters Q1..Q4 in either
# case, months 01..12, ranges of days; surrounding white space is ignored. Which dates exist, and a
# range's order and length, a pattern cannot say: such a period is refused with 400. (The form first
# removes control and format characters, textutil.clean_text, so a period holding some is read too;
# the pattern leaves them out. Its 40-character limit applies to what is left, and no form is that
# long.)
_YEAR = "(?:20[0-9]{2}|2100)"
_MONTH = "(?:0[1-9]|1[0-2])"
_DAY = f"{_YEAR}-{_MONTH}-(?:0[1-9]|[12][0-9]|3[01])"
PERIOD_PATTERN = f"^\\s*(?:{_YEAR}(?:-(?:[Hh][12]|[Qq][1-4]|{_MONTH}))?|{_DAY}\\.\\.{_DAY})\\s*$"
# A period as the summary names it (periods.Period.label): the canonical form of the above. The
# previous period of an early one may fall before FIRST_YEAR, so any four-digit year.
_ANY_DAY = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
PERIOD_LABEL_PATTERN = f"^[0-9]{{4}}(?:-(?:H[12]|Q[1-4]|[0-9]{{2}}))?$|^{_ANY_DAY}\\.\\.{_ANY_DAY}$"

DESCRIPTION = f"""\
The machine API of the citizen-feedback platform for one-stop desks (Bộ phận Một cửa, Trung tâm \
Phục vụ hành chính công).

**Kiosks.** A counter tablet fetches the current survey, sends each citizen's answers, asks \
every {INVITATION_POLL_SECONDS:g} s whether the counter officer has invited the citizen just \
served to rate (`GET {INVITATION_PATH}`), and reports the surveys a citizen began and left \
without a single rating (`POST {ABANDONED_PATH}`). It is authenticated by the secret token in \
its address (`/kiosk/<token>`), shown once when an administrator registers the tablet or renews \
its token. Treat the token as a password: whoever has it can submit answers for that counter. \
The kiosk operations neither use nor set a cookie, a session or a CSRF token.

**Every rating counts.** At a kiosk nothing is required beyond one rating: send whatever the \
citizen answered as soon as the survey ends (finished, ended early with "Done", or left idle), \
with `partial: true` when it ended before the last step and `partial: false` when it reached \
the end (left out, the server takes a survey without an answer to a required question as \
partial: a one-tap survey must say `false`). A survey that ended with no rating at all is not a \
response: report it as abandoned instead.

**Resending is safe.** Every submission and every abandoned-survey report carries a \
`client_uuid` chosen by the tablet. Keep unsent ones on the tablet and send them again, with the \
same `client_uuid`, until the server answers 201 (stored now) or 200 (stored before: nothing new \
is stored and the first reply comes back). A 400 with `errors`, or a 413, does not change on \
resending: record it and let the item go. After 429 or 503 wait the number of seconds in \
`Retry-After`; after 404 (the kiosk is switched off), a server error or no answer at all, keep \
the items and try again later.

**Reports.** `GET {SUMMARY_PATH}` gives staff the period summary of a unit: the figures of the \
summary page, its exports and the `reports summary` command. It reads the signed-in session of \
the staff pages: sign in at `/auth/login` (form fields `username`, `password`, `csrf_token`) with \
a client that keeps cookies, and send the `{SESSION_COOKIE}` cookie it sets. The roles \
{REPORT_ROLES_TEXT} may read it, for their own unit and the units below it.

**Errors are JSON.** A submission or an abandoned-survey report refused as invalid, or a report \
period that cannot be read, gets 400 with every field in error \
(`{{"errors": {{field: message}}}}`); every other error has the body \
`{{"error", "message", "status"}}`: 400 for a malformed request (a NUL character in the query \
string), 401 (not signed in), 403 (a role that may not read reports), 404, 405 (with `Allow`), \
413 (body over {MAX_BODY_BYTES // 1024} KB), 429 (with `Retry-After`). Messages are written for \
people and translated: a submission's in the language it names (`language`), other errors by \
`?lang=`, a signed-in staff member's earlier choice or `Accept-Language`; Vietnamese by default.

**Privacy.** The server keeps the time of an answer only to the hour, and never the address it \
came from. A phone number given for a reply is kept only with the case it opens. Of an abandoned \
survey only the kiosk, the Vietnamese calendar day and whether an invitation was shown are kept. \
The counter officer who invited a citizen learns whether the invitation was used, never the \
rating.
"""


def openapi_document(languages: Iterable[str], public_base_url: str | None = None) -> dict:
    """The whole document; `languages` are those the app speaks (config LANGUAGES)."""
    languages = list(languages)
    document = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Citizen feedback: machine API",
            "version": "1",
            "summary": (
                "Counter tablets (kiosks) fetch the survey and submit citizens' answers; staff "
                "read the period summary."
            ),
            "description": DESCRIPTION,
        },
        "tags": [
            {"name": "kiosk", "description": "Counter tablets (máy tính bảng tại quầy)."},
            {
                "name": "reports",
                "description": "Results for staff (báo cáo), with their signed-in session.",
            },
            {"name": "meta", "description": "This description of the API."},
        ],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(languages),
            "parameters": _parameters(languages),
            "responses": _responses(),
            "headers": _headers(),
            "securitySchemes": _security_schemes(),
        },
    }
    if public_base_url:
        document["servers"] = [
            {"url": public_base_url.rstrip("/"), "description": "This installation."}
        ]
    return document


def _ref(kind: str, name: str) -> dict:
    """A reference to a shared component."""
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(schema: dict, **extra) -> dict:
    """A JSON body of this schema (the only media type the API speaks)."""
    return {"content": {"application/json": {"schema": schema, **extra}}}


# --- Paths --------------------------------------------------------------------------------------


def _paths() -> dict:
    """Every operation under /api/v1 (tests/apidocs/test_openapi.py holds them to the URL map)."""
    return {
        KIOSK_PATH: {
            "parameters": [_ref("parameters", "KioskToken")],
            "get": {
                "operationId": "getKioskSurvey",
                "tags": ["kiosk"],
                "summary": "The current survey, the desk and the counter, to run offline",
                "description": (
                    "Everything the tablet needs to show the survey without a connection: the "
                    "published survey version, the unit, the desk (service point) and the "
                    "counter the kiosk stands at, and the questions with their answer options "
                    "in the language asked for. Each call also records that the tablet was "
                    "seen, and how many answers it still holds (`queued`)."
                ),
                "parameters": [_ref("parameters", "Lang"), _ref("parameters", "Queued")],
                "responses": {
                    "200": {
                        "description": "The survey.",
                        **_json(_ref("schemas", "KioskSurvey")),
                    },
                    "400": _ref("responses", "MalformedRequest"),
                    "404": {
                        "description": (
                            "No kiosk has this token, the kiosk or its counter is switched off, "
                            "or no survey version is published."
                        ),
                        **_json(_ref("schemas", "Error")),
                    },
                    "503": _ref("responses", "DatabaseUnavailable"),
                },
            },
        },
        SUBMIT_PATH: {
            "parameters": [_ref("parameters", "KioskToken")],
            "post": _submit_operation(),
        },
        INVITATION_PATH: {
            "parameters": [_ref("parameters", "KioskToken")],
            "get": _invitation_operation(),
        },
        ABANDONED_PATH: {
            "parameters": [_ref("parameters", "KioskToken")],
            "post": _abandoned_operation(),
        },
        SUMMARY_PATH: {"get": _summary_operation()},
        f"{API_PREFIX}/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "tags": ["meta"],
                "summary": "This document",
                "description": "The OpenAPI 3.1 description of everything under `/api/v1`.",
                "responses": {
                    "200": {
                        "description": "The OpenAPI document.",
                        **_json(
                            {
                                "type": "object",
                                "required": ["openapi", "info", "paths"],
                                "properties": {"openapi": {"const": OPENAPI_VERSION}},
                            }
                        ),
                    },
                    "400": _ref("responses", "MalformedRequest"),
                },
            }
        },
    }


def _kiosk_not_found() -> dict:
    """The 404 of the kiosk operations that need no survey."""
    return {
        "description": "No kiosk has this token, or the kiosk or its counter is switched off.",
        **_json(_ref("schemas", "Error")),
    }


def _invalid_or_malformed(what: str) -> dict:
    """The 400 of an operation that takes a JSON body: invalid, or a malformed query string."""
    return {
        "description": (
            f"The {what} is invalid (`errors` names every field in error; nothing was stored), "
            "or the request is malformed (a NUL character in the query string)."
        ),
        **_json({"anyOf": [_ref("schemas", "ValidationErrors"), _ref("schemas", "Error")]}),
    }


def _submit_operation() -> dict:
    """POST /api/v1/kiosk/<token>/responses (surveys/kiosk_api.submit, service.submit)."""
    return {
        "operationId": "submitKioskResponse",
        "tags": ["kiosk"],
        "summary": "One citizen's answers",
        "description": (
            "Stores one citizen's answers to a survey version, given at this kiosk: all of "
            "them or only some, as long as at least one is a rating 1–5 (at a kiosk no "
            "question is required beyond that). Send the answers when the survey ends, "
            "however it ends; a survey left with no rating at all goes to "
            f"`POST {ABANDONED_PATH}` instead. The request is checked in this order: the "
            "query string (400), throttling (429), size (413), the token (404), the submission "
            f"(400). A comment opens a case to be answered when the `{OVERALL}` rating is 1 or "
            f"2, or when the citizen asks for a reply (`{WANT_REPLY}`); the reply then carries "
            "the case's tracking code. With the `invitation` the tablet was shown, the "
            "response is given the invitation's dossier code (unless the body names one) and "
            "officer."
        ),
        "parameters": [_ref("parameters", "Queued")],
        "requestBody": {
            "required": True,
            "description": (
                f"A JSON object of at most {MAX_BODY_BYTES} bytes. Which questions exist and "
                "which options they offer depend on the survey version named: take them from "
                f"`GET {KIOSK_PATH}`."
            ),
            "content": {
                "application/json": {
                    "schema": _ref("schemas", "Submission"),
                    "examples": _submission_examples(),
                }
            },
        },
        "responses": {
            "201": {
                "description": "Stored.",
                **_json(_ref("schemas", "SubmissionReply")),
            },
            "200": {
                "description": (
                    "This `client_uuid` was stored before: nothing new is stored, and the "
                    "first reply comes back, whatever the rest of the body holds now."
                ),
                **_json(_ref("schemas", "SubmissionReply")),
            },
            "400": _invalid_or_malformed("submission"),
            "404": _kiosk_not_found(),
            "413": _ref("responses", "PayloadTooLarge"),
            "429": _ref("responses", "TooManyRequests"),
            "503": _ref("responses", "DatabaseUnavailable"),
        },
    }


def _invitation_operation() -> dict:
    """GET /api/v1/kiosk/<token>/invitation (surveys/kiosk_api.invitation, invitations.current)."""
    return {
        "operationId": "getKioskInvitation",
        "tags": ["kiosk"],
        "summary": "The counter officer's invitation to rate (Mời đánh giá), if any",
        "description": (
            "Whether the officer at this kiosk's counter has just invited the citizen they "
            f"served to rate. Ask every {INVITATION_POLL_SECONDS:g} s or so while online (not "
            "while offline; a failed poll can simply be skipped): the answer is never cached, "
            "and each poll also records that the tablet was seen. The first poll that gets an "
            "invitation marks it shown, which the officer sees.\n\n"
            "Show the invitation on the survey's first screen (the officer's name, the dossier "
            "code, the procedure) and send its `id` as `invitation` with the next submission; "
            "that rating uses it up. Stop showing it at `expires_at` (the server's clock: "
            "correct the tablet's by the `Date` header of the server's answers). If it lapses "
            "with no rating, report an abandoned survey with `invited: true`. A newer "
            "invitation at the same counter replaces an older one."
        ),
        "responses": {
            "200": {
                "description": "The open invitation, or null when there is none.",
                "headers": {"Cache-Control": _ref("headers", "NoStore")},
                **_json(
                    _ref("schemas", "InvitationPoll"),
                    examples={
                        "none": {"summary": "No invitation", "value": {"invitation": None}},
                        "invited": {
                            "summary": "An invitation with the dossier code from the receipt",
                            "value": {"invitation": EXAMPLE_INVITATION},
                        },
                    },
                ),
            },
            "400": _ref("responses", "MalformedRequest"),
            "404": _kiosk_not_found(),
            "503": _ref("responses", "DatabaseUnavailable"),
        },
    }


def _abandoned_operation() -> dict:
    """POST /api/v1/kiosk/<token>/abandoned (surveys/kiosk_api.abandoned, completion)."""
    return {
        "operationId": "reportKioskAbandoned",
        "tags": ["kiosk"],
        "summary": "A survey left with no rating",
        "description": (
            "Counts one survey that began (the citizen touched the screen, or an invitation "
            "was shown) and ended with no rating at all: the citizen walked away, pressed "
            "Done, or the invitation lapsed. Never send it for a survey that has a rating "
            "(submit that, `partial` if need be), nor for a screen nobody touched. Send it "
            "through the same offline queue as the answers: it is throttled with them (one "
            "limit for both) and as safe to resend. The request is checked in this order: the "
            "query string (400), throttling (429), size (413), the token (404), the report "
            "(400). Error messages are in the language of `?lang=` or `Accept-Language` (a "
            "report names none)."
        ),
        "requestBody": {
            "required": True,
            "description": f"A JSON object of at most {MAX_BODY_BYTES} bytes.",
            "content": {
                "application/json": {
                    "schema": _ref("schemas", "AbandonedReport"),
                    "examples": {
                        "invited": {
                            "summary": "An invitation shown, and no rating before it lapsed",
                            "value": EXAMPLE_ABANDONED,
                        },
                        "walked_away": {
                            "summary": "The screen touched, then nothing till the idle timeout",
                            "value": {"client_uuid": "9b2f4c1d-7e8a-4b3c-a1d2-e3f4a5b6c7d8"},
                        },
                    },
                }
            },
        },
        "responses": {
            "201": {
                "description": "Counted.",
                **_json(_ref("schemas", "AbandonedReply")),
            },
            "200": {
                "description": (
                    "This `client_uuid` was counted before (at this kiosk): nothing new is "
                    "counted, and the first reply comes back, whatever the rest of the body "
                    "holds now."
                ),
                **_json(_ref("schemas", "AbandonedReply")),
            },
            "400": _invalid_or_malformed("report"),
            "404": _kiosk_not_found(),
            "413": _ref("responses", "PayloadTooLarge"),
            "429": _ref("responses", "TooManyRequests"),
            "503": _ref("responses", "DatabaseUnavailable"),
        },
    }


def _summary_operation() -> dict:
    """GET /api/v1/reports/summary (reports/routes.summary_json)."""
    error = _ref("schemas", "Error")
    return {
        "operationId": "getReportSummary",
        "tags": ["reports"],
        "summary": "The period summary of a unit",
        "description": (
            "Every figure of a unit, the units below it included, for one period, beside the "
            "previous period of the same length: ratings (satisfaction index, factors F1–F5, "
            "each question), Thông tư 01/2018 indices and total, QĐ 766 group 5 estimates, "
            "channels, cases, hotline, paper and dossier figures; then the same for each child "
            "unit, and per desk of the unit itself its counters (and, for the reform office and "
            "admins, its officers). Percentages are in percent with one decimal (means and 766 "
            "points have two). A figure resting on fewer answers than the minimum cell size "
            "(`MIN_CELL`, 5 by default) is null, never a number. The checks run in this order: "
            "the query string (400), the session (401), the role (403), the period (400), the "
            "unit (404)."
        ),
        "security": [{"cookieAuth": []}],
        "parameters": [
            _ref("parameters", "ReportPeriod"),
            _ref("parameters", "ReportUnit"),
            _ref("parameters", "ReportLang"),
        ],
        "responses": {
            "200": {
                "description": "The summary.",
                **_json(_ref("schemas", "Summary")),
            },
            "400": {
                "description": (
                    "The period cannot be read (`errors.period` says why and lists the accepted "
                    "forms), or the request is malformed (a NUL character in the query string)."
                ),
                **_json({"anyOf": [_ref("schemas", "PeriodErrors"), error]}),
            },
            "401": {
                "description": (
                    f"No signed-in session (no `{SESSION_COOKIE}` cookie, or one that is "
                    "expired, signed out or not signed by this server)."
                ),
                **_json(error),
            },
            "403": {
                "description": (
                    "Signed in with a role that may not read reports (only "
                    f"{REPORT_ROLES_TEXT} may)."
                ),
                **_json(error),
            },
            "404": {
                "description": (
                    "No unit has this code within the signed-in user's scope (a unit outside "
                    "it reads as unknown)."
                ),
                **_json(error),
            },
            "405": _ref("responses", "MethodNotAllowed"),
            "503": _ref("responses", "DatabaseUnavailable"),
        },
    }


def _submission_examples() -> dict:
    """Submissions to the default survey: the quick kiosk's one tap, after an invitation; a low
    rating with its reasons; a survey stopped early; ratings only; a complaint wanting a reply."""
    required = {"f1_access": 5, "f2_procedure": 4, "f3_officer": 5, "f4_result": 4}
    return {
        "one_tap": {
            "summary": "One tap on the quick kiosk, after the officer's invitation",
            "value": {
                "client_uuid": "2a7d4c3b-9e1f-4a6b-8c2d-3e4f5a6b7c8d",
                "instrument": EXAMPLE_LABEL,
                "answers": {OVERALL: 5},
                "partial": False,
                "invitation": EXAMPLE_INVITATION["id"],
                "language": "vi",
            },
        },
        "reasons": {
            "summary": "A low rating and what was not good (several reasons)",
            "value": {
                "client_uuid": "7e6d5c4b-3a29-4180-9f6e-5d4c3b2a1908",
                "instrument": EXAMPLE_LABEL,
                "answers": {OVERALL: 2, REASONS: ["wait_time", "procedure"]},
                "partial": False,
                "language": "vi",
            },
        },
        "stopped_early": {
            "summary": "Three questions answered, then the citizen left (partial)",
            "value": {
                "client_uuid": "c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e0f",
                "instrument": EXAMPLE_LABEL,
                "answers": {"f1_access": 4, "f2_procedure": 2, "f3_officer": 5},
                "partial": True,
                "language": "en",
            },
        },
        "ratings": {
            "summary": "Ratings only",
            "value": {
                "client_uuid": "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
                "instrument": EXAMPLE_LABEL,
                "answers": {**required, "tt01_returns": "none", OVERALL: 5},
                "language": "vi",
            },
        },
        "complaint": {
            "summary": "A low rating with a comment and a request for a reply (opens a case)",
            "value": {
                "client_uuid": "0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a",
                "instrument": EXAMPLE_LABEL,
                "answers": {
                    **required,
                    OVERALL: 2,
                    WANT_REPLY: "yes",
                    REPLY_PHONE: "0912 345 678",
                },
                COMMENT: "Phải chờ quá lâu ở quầy số 3.",
                "dossier_code": "H26.22-250314-0001",
                "language": "vi",
            },
        },
    }


# --- Parameters, shared responses and headers -------------------------------------------------


def _parameters(languages: list[str]) -> dict:
    """The parameters operations share: the kiosk's token, and two lenient query arguments."""
    names = " or ".join(f"`{language}`" for language in languages)
    return {
        "KioskToken": {
            "name": "token",
            "in": "path",
            "required": True,
            "description": (
                "The kiosk's secret token: the last part of its address `/kiosk/<token>`."
            ),
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": KIOSK_TOKEN_MAX_LENGTH,
                "pattern": KIOSK_TOKEN_PATTERN,
            },
        },
        "Lang": {
            "name": "lang",
            "in": "query",
            "required": False,
            "description": (
                f"Language of the survey's texts and labels: {names}. Any other value gives "
                "Vietnamese (it is not refused)."
            ),
            "schema": {
                "anyOf": [
                    {"enum": languages},
                    {"type": "string", "pattern": NO_NUL_PATTERN},
                ],
                "default": "vi",
            },
        },
        "ReportPeriod": {
            "name": "period",
            "in": "query",
            "required": False,
            "description": (
                "The period (kỳ báo cáo): a year (`2025`), a half-year (`2025-H1`, `2025-H2`), a "
                "quarter (`2025-Q1` to `2025-Q4`), a month (`2025-06`) or a range of days, both "
                "ends included (`2025-01-01..2025-03-15`, at most "
                f"{periods.MAX_CUSTOM_DAYS} days). Years run from {periods.FIRST_YEAR} to "
                f"{periods.LAST_YEAR}; `h` and `q` may be lowercase and surrounding white space "
                "is ignored. Days are Vietnamese calendar days (Asia/Ho_Chi_Minh). A date that "
                "does not exist, or a range that ends before it starts or is too long, is "
                "refused with 400. Absent: the current quarter so far."
            ),
            "schema": {"type": "string", "pattern": PERIOD_PATTERN},
            "examples": {
                "quarter": {"value": "2025-Q2"},
                "half": {"value": "2025-H1"},
                "year": {"value": "2025"},
                "month": {"value": "2025-06"},
                "range": {"value": "2025-01-01..2025-03-15"},
            },
        },
        "ReportUnit": {
            "name": "unit",
            "in": "query",
            "required": False,
            "description": (
                "The unit's statistics office (NSO) code, e.g. `009`: its figures include every "
                "unit below it. It must lie within the signed-in user's scope (their own unit or "
                "one below it); absent or empty, their own unit. When a code was reused (the "
                "2025 merger), the version in force today is taken."
            ),
            "schema": {"type": "string", "pattern": NO_NUL_PATTERN},
            "example": "009",
        },
        "ReportLang": {
            "name": "lang",
            "in": "query",
            "required": False,
            "description": (
                f"Language of the period's title (`period.title`) and of error messages: {names}; "
                "it is also kept as the session's language. Any other value is ignored (not "
                "refused): the session's language is used, else `Accept-Language`, else "
                "Vietnamese."
            ),
            "schema": {
                "anyOf": [
                    {"enum": languages},
                    {"type": "string", "pattern": NO_NUL_PATTERN},
                ]
            },
        },
        "Queued": {
            "name": "queued",
            "in": "query",
            "required": False,
            "description": (
                "How many answers the tablet still holds unsent (shown to staff). A value that "
                f"is not a whole number from 0 to {QUEUE_LIMIT - 1} is ignored, never refused."
            ),
            "schema": {
                "anyOf": [
                    {"type": "integer", "minimum": 0, "maximum": QUEUE_LIMIT - 1},
                    {"type": "string", "pattern": NO_NUL_PATTERN},
                ]
            },
        },
    }


def _responses() -> dict:
    """Error responses several operations share (errors.py writes them all)."""
    error = _ref("schemas", "Error")
    return {
        "MalformedRequest": {
            "description": "The query string holds a NUL character.",
            **_json(error),
        },
        "MethodNotAllowed": {
            "description": (
                "Any method not listed for a path (the `Allow` header lists those that are)."
            ),
            "headers": {"Allow": _ref("headers", "Allow")},
            **_json(error),
        },
        "PayloadTooLarge": {
            "description": f"The body is larger than {MAX_BODY_BYTES} bytes; nothing was stored.",
            **_json(error),
        },
        "DatabaseUnavailable": {
            "description": (
                "The database is not answering (PostgreSQL refusing connections, SQLite locked "
                "past its busy timeout); nothing was stored. Keep the item and send it again, "
                "with the same `client_uuid`, after `Retry-After` seconds."
            ),
            "headers": {"Retry-After": _ref("headers", "RetryAfter")},
            **_json(error),
        },
        "TooManyRequests": {
            "description": (
                "Too many submissions and abandoned-survey reports from this kiosk (one limit "
                "for both together, per kiosk, never per address); nothing was stored. Send "
                "again after `Retry-After` seconds."
            ),
            "headers": {"Retry-After": _ref("headers", "RetryAfter")},
            **_json(error),
        },
    }


def _security_schemes() -> dict:
    """How operations other than the kiosk's are authenticated (the kiosks' token is in the path:
    a path parameter, not a security scheme)."""
    return {
        "cookieAuth": {
            "type": "apiKey",
            "in": "cookie",
            "name": SESSION_COOKIE,
            "description": (
                "The signed-in staff session of the web pages: the signed cookie `/auth/login` "
                "sets (HttpOnly; Secure outside development). Keep the cookie a response sets: "
                "the session's last use is noted in it. It ends when the user signs out "
                "(every copy), after `SESSION_IDLE_MINUTES` unused (30 by default) and after "
                "`SESSION_MAX_HOURS` (10 by default)."
            ),
        }
    }


def _headers() -> dict:
    """Response headers clients rely on (errors.py keeps them on the JSON errors)."""
    return {
        "Allow": {
            "description": "The methods this path accepts.",
            "required": True,
            "schema": {"type": "string"},
        },
        "RetryAfter": {
            "description": "Seconds to wait before sending again.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        },
        "NoStore": {
            "description": "Never cached: each poll asks the server again.",
            "required": True,
            "schema": {"const": "no-store"},
        },
    }


# --- Schemas ------------------------------------------------------------------------------------


def _tablet_time(what: str, kept: str) -> dict:
    """A moment by the tablet's clock, as service.parse_answered_at reads it."""
    return {
        "anyOf": [
            {"type": "string", "format": "date-time"},
            {"const": ""},
            {"type": "null"},
        ],
        "description": (
            f"{what}, by the tablet's clock (ISO 8601, e.g. `2026-03-14T09:30:00+07:00`; "
            f"without an offset it is UTC). At most {Where.max_age_days} days old and at most "
            f"{FUTURE_TOLERANCE_MINUTES} minutes ahead; absent, empty or null means now. {kept}"
        ),
    }


def _schemas(languages: list[str]) -> dict:
    """The bodies: the survey a kiosk fetches, a submission and its reply, an invitation, an
    abandoned-survey report and its reply, the period summary, and the errors."""
    code = {"type": "string", "pattern": CODE_PATTERN.pattern}
    return {
        **_summary_schemas(),
        "InstrumentLabel": {
            "type": "string",
            "pattern": INSTRUMENT_LABEL_PATTERN,
            "description": (
                "A survey version as `<code>@<version>`, e.g. `sipas-tt01@1`. Submissions are "
                "taken for the published version and for versions retired since (a tablet may "
                "send answers it queued while offline), never for a draft."
            ),
            "examples": [EXAMPLE_LABEL],
        },
        "KioskSurvey": {
            "type": "object",
            "description": f"What `GET {API_PREFIX}/kiosk/{{token}}` returns.",
            "required": ["instrument", "title", "unit", "service_point", "counter", "questions"],
            "additionalProperties": False,
            "properties": {
                "instrument": _ref("schemas", "InstrumentLabel"),
                "title": {"type": "string", "description": "The survey's title."},
                "unit": {
                    "type": "object",
                    "description": "The administrative unit the desk belongs to.",
                    "required": ["code", "name"],
                    "additionalProperties": False,
                    "properties": {
                        "code": {
                            "type": "string",
                            "description": "Its statistics office (NSO) code, e.g. `00343`.",
                        },
                        "name": {"type": "string"},
                    },
                },
                "service_point": {
                    "type": "object",
                    "description": "The one-stop desk (Bộ phận Một cửa).",
                    "required": ["id", "name"],
                    "additionalProperties": False,
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                },
                "counter": {
                    "type": "object",
                    "description": "The counter the kiosk stands at.",
                    "required": ["id", "code"],
                    "additionalProperties": False,
                    "properties": {"id": {"type": "integer"}, "code": {"type": "string"}},
                },
                "questions": {
                    "type": "array",
                    "description": "In the order they are asked.",
                    "items": _ref("schemas", "Question"),
                },
            },
        },
        "Question": {
            "type": "object",
            "required": [
                "code",
                "kind",
                "factor",
                "tt01_index",
                "required",
                "text",
                "max_length",
                "options",
            ],
            "additionalProperties": False,
            "properties": {
                "code": {**code, "description": "The key of its answer in `answers`."},
                "kind": {
                    "enum": [kind.value for kind in QuestionKind],
                    "description": (
                        "`likert5`: a rating 1–5 (answer with the option's `value`, or with the "
                        f"code `{NO_OPINION}` where offered); `choice_scored` and `yes_no`: "
                        "answer with an option's `code`; `multi_choice`: answer with a list of "
                        "the codes of the options chosen, any number of them (the default "
                        f"survey's `{REASONS}`: what was not good, asked after an `{OVERALL}` "
                        "rating of 1 or 2); `text`: answer with a string."
                    ),
                },
                "factor": {
                    "enum": [*FACTORS, None],
                    "description": (
                        "The SIPAS factor the rating counts towards, `overall` for the overall "
                        "rating, or null."
                    ),
                },
                "tt01_index": {
                    "type": ["integer", "null"],
                    "minimum": min(TT01_INDICES),
                    "maximum": max(TT01_INDICES),
                    "description": "The Thông tư 01/2018 index the scored choice measures.",
                },
                "required": {
                    "type": "boolean",
                    "description": (
                        "Whether the paper form and the web survey insist on an answer. A kiosk "
                        "need not: it may send any of the answers, as long as one is a rating; a "
                        "submission without an answer to a required question is stored as "
                        "partial unless `partial` says otherwise."
                    ),
                },
                "text": {"type": "string", "description": "The question, in the language asked."},
                "max_length": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "maximum": MAX_TEXT_LENGTH,
                    "description": "The longest answer taken (characters); null unless `text`.",
                },
                "options": {
                    "type": "array",
                    "description": "The choices, in the order shown; empty for `text`.",
                    "items": _ref("schemas", "Option"),
                },
            },
        },
        "Option": {
            "type": "object",
            "required": ["code", "value", "label"],
            "additionalProperties": False,
            "properties": {
                "code": code,
                "value": {
                    "type": ["integer", "null"],
                    "minimum": 0,
                    "maximum": MAX_POINTS,
                    "description": (
                        "1–5 on a rating (null for “no opinion”); the points (Thông tư 01/2018) "
                        "on a scored choice; null on a `multi_choice` (reasons carry no points)."
                    ),
                },
                "label": {"type": "string", "description": "In the language asked."},
            },
        },
        "Submission": {
            "type": "object",
            "description": "One citizen's answers. Keys not listed here are ignored.",
            "required": ["client_uuid", "instrument", "answers"],
            "properties": {
                "client_uuid": {
                    "type": "string",
                    "format": "uuid",
                    "description": (
                        "Chosen by the tablet, once per citizen's submission, and kept for its "
                        "resends: the server stores one response per `client_uuid`."
                    ),
                },
                "instrument": _ref("schemas", "InstrumentLabel"),
                "answers": _ref("schemas", "Answers"),
                COMMENT: {
                    "type": ["string", "null"],
                    "maxLength": MAX_TEXT_LENGTH,
                    "description": (
                        f"The answer to the survey's `{COMMENT}` question, if `answers` has "
                        "none (same rules)."
                    ),
                },
                "dossier_code": {
                    "anyOf": [
                        {"type": "string", "pattern": DOSSIER_CODE.pattern},
                        {"const": ""},
                        {"type": "null"},
                    ],
                    "description": (
                        "The dossier (hồ sơ) the citizen came for, as printed on the receipt: "
                        "letters, digits, dots and dashes (stored in capitals, as printed). "
                        "Empty or null: none."
                    ),
                },
                "language": {
                    "enum": [*languages, "", None],
                    "description": (
                        "The language the citizen used, which is also the language of the "
                        "error messages; Vietnamese when absent, empty or null."
                    ),
                },
                "answered_at": _tablet_time(
                    "When the citizen answered", "Stored only to the hour."
                ),
                "partial": {
                    "type": "boolean",
                    "description": (
                        "The citizen stopped before the survey's last step (pressed Done, or "
                        "left it idle): `true`; the last step was reached: `false`. Absent: "
                        "`true` when a question the survey marks `required` is left "
                        "unanswered, else `false`. Null or anything but a boolean is refused."
                    ),
                },
                "invitation": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "maximum": MAX_DB_INT,
                    "description": (
                        f"The `id` of the invitation the tablet showed (`GET {INVITATION_PATH}`)"
                        ", sent with the first rating after it. The response then takes the "
                        "invitation's officer, and its dossier code unless `dossier_code` "
                        "names one, and the invitation is used up. It counts only if it was "
                        "made at this kiosk's counter, is not used or replaced, and was "
                        "answered (`answered_at`) before its `expires_at`; otherwise it is "
                        "ignored and the answers are stored all the same. Null or absent: none."
                    ),
                },
            },
        },
        "Answers": {
            "type": "object",
            "minProperties": 1,
            "description": (
                "Question code → answer, for the questions of the survey version named: any of "
                "them, as long as at least one is a rating 1–5 (`likert5`; "
                f'`"{NO_OPINION}"` is no rating). Nothing else is required at a kiosk: an '
                "answer set with no rating, empty ones included, is refused with 400 under "
                "`answers`. An absent, null or blank answer, or an empty list, is no answer. "
                'An integer is written as such (`4`, not `4.0` or `"4"`). When '
                f'`{WANT_REPLY}` is `"yes"`, `{REPLY_PHONE}` (a phone number) is required.'
            ),
            "propertyNames": {"pattern": CODE_PATTERN.pattern},
            "additionalProperties": {
                "anyOf": [
                    {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 5,
                        "description": "A rating (`likert5`).",
                    },
                    {
                        "type": "string",
                        "maxLength": MAX_TEXT_LENGTH,
                        "description": (
                            "An option's `code` (`choice_scored`, `yes_no`, or "
                            f"`{NO_OPINION}` on a rating that offers it), or the text of a "
                            "`text` question, at most its `max_length` characters."
                        ),
                    },
                    {
                        "type": "array",
                        "items": {"type": "string", "pattern": CODE_PATTERN.pattern},
                        "description": (
                            "The codes of the options chosen (`multi_choice`), in any order; a "
                            "code given twice counts once. Empty: not answered."
                        ),
                    },
                    {"type": "null", "description": "Not answered."},
                ]
            },
        },
        "SubmissionReply": {
            "type": "object",
            "required": ["id", "case_code"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer", "minimum": 1, "description": "The stored response."},
                "case_code": {
                    "type": ["string", "null"],
                    "pattern": CASE_CODE_PATTERN,
                    "description": (
                        "The tracking code of the case the comment opened, for the citizen to "
                        "follow at `/track/<code>`; null when no case was opened."
                    ),
                },
            },
        },
        "InvitationPoll": {
            "type": "object",
            "description": f"What `GET {INVITATION_PATH}` returns.",
            "required": ["invitation"],
            "additionalProperties": False,
            "properties": {
                "invitation": {
                    "anyOf": [_ref("schemas", "Invitation"), {"type": "null"}],
                    "description": "The open invitation at the kiosk's counter; null: none.",
                }
            },
        },
        "Invitation": {
            "type": "object",
            "description": (
                "An invitation to rate (Mời đánh giá) made by the counter officer for the "
                "citizen just served. It lasts `KIOSK_INVITATION_SECONDS` "
                f"({INVITATION_SECONDS} by default), until a rating uses it, or until a newer "
                "one is made at the counter."
            ),
            "required": ["id", "officer", "dossier_code", "procedure", "expires_at"],
            "additionalProperties": False,
            "properties": {
                "id": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_DB_INT,
                    "description": "Send it as `invitation` with the next submission.",
                },
                "officer": {
                    "type": ["string", "null"],
                    "description": (
                        "The name of the officer on duty at the counter when it was made; null "
                        "when none was set."
                    ),
                },
                "dossier_code": {
                    "anyOf": [
                        {"type": "string", "pattern": DOSSIER_CODE.pattern},
                        {"type": "null"},
                    ],
                    "description": "The dossier code from the receipt (upper case), or null.",
                },
                "procedure": {
                    "type": ["string", "null"],
                    "minLength": 1,
                    "maxLength": MAX_PROCEDURE,
                    "description": "The procedure the citizen came for, as typed; or null.",
                },
                "expires_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When it lapses, by the server's clock (UTC).",
                },
            },
        },
        "AbandonedReport": {
            "type": "object",
            "description": (
                "A survey begun and left with no rating. Keys not listed here are ignored."
            ),
            "required": ["client_uuid"],
            "properties": {
                "client_uuid": {
                    "type": "string",
                    "format": "uuid",
                    "description": (
                        "Chosen by the tablet, once per survey, and kept for its resends: the "
                        "server counts one survey per `client_uuid`, and refuses (400) one that "
                        "another kiosk sent."
                    ),
                },
                "answered_at": _tablet_time(
                    "When the survey ended", "Only its Vietnamese calendar day is kept."
                ),
                "invited": {
                    "type": "boolean",
                    "default": False,
                    "description": (
                        "An invitation was shown for this survey (`GET "
                        f"{INVITATION_PATH}`). Null or anything but a boolean is refused."
                    ),
                },
            },
        },
        "AbandonedReply": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer", "minimum": 1, "description": "The stored count."}
            },
        },
        "ValidationErrors": {
            "type": "object",
            "required": ["errors"],
            "additionalProperties": False,
            "properties": {
                "errors": {
                    "type": "object",
                    "minProperties": 1,
                    "description": (
                        "Each field in error → a translated message. Fields of a submission: "
                        "`body` (not a JSON object), `client_uuid`, `instrument`, `answers` "
                        "(not an object, or no rating in it), `answers.<question code>`, "
                        "`partial`, `invitation`, `language`, `dossier_code`, `answered_at`. Of "
                        "an abandoned-survey report: `body`, `client_uuid`, `answered_at`, "
                        "`invited`."
                    ),
                    "additionalProperties": {"type": "string"},
                }
            },
        },
        "Error": {
            "type": "object",
            "description": "Every error other than an invalid submission.",
            "required": ["error", "message", "status"],
            "additionalProperties": False,
            "properties": {
                "error": {"type": "string", "description": "A short, translated title."},
                "message": {
                    "type": "string",
                    "description": "What happened and what to do, translated; safe to show.",
                },
                "status": {
                    "type": "integer",
                    "minimum": 400,
                    "maximum": 599,
                    "description": "The HTTP status again.",
                },
            },
        },
    }


# --- The period summary ---------------------------------------------------------------------------
#
# reports/service.summary builds it; DESIGN.md §5 "Summary JSON" is the contract: keys may be
# added, none renamed, so every object that holds named figures stays open (additionalProperties
# true); tests/apidocs/test_openapi.py validates real summaries against these schemas with every
# such object closed, so a key added to the service and not here fails there. `x-decimals` says how
# many decimals a number is rounded to (half away from zero, reports/formulas.rounded); the same
# test turns it into `multipleOf`, which this document leaves out because common validators
# compare floats inexactly (70.3 / 0.1 = 702.9999…).


def _count(description: str | None = None) -> dict:
    """A number of things: a whole number, never negative."""
    schema = {"type": "integer", "minimum": 0}
    return {**schema, "description": description} if description else schema


def _record(required: Iterable[str], properties: dict, description: str | None = None) -> dict:
    """An object of named figures, all of them always present; keys may be added."""
    schema = {
        "type": "object",
        "required": list(required),
        "additionalProperties": True,
        "properties": properties,
    }
    return {**schema, "description": description} if description else schema


def _counts(keys: Iterable[str], description: str) -> dict:
    """A record of counts, every key always present."""
    keys = list(keys)
    return _record(keys, {key: _count() for key in keys}, description)


def _nullable(schema: dict, description: str) -> dict:
    """A referenced object, or null."""
    return {"anyOf": [schema, {"type": "null"}], "description": description}


def _tt01_total(indices: Iterable[int], bands: Iterable[formulas.Band], who: str) -> dict:
    """An agency's or an officer's TT 01/2018 total (formulas.tt01_total, tt01_officer_total)."""
    indices = list(indices)
    return _record(
        ["score", "max", "band", "missing", "official"],
        {
            "score": {
                "type": ["number", "null"],
                "minimum": 0,
                "x-decimals": 1,
                "description": "The sum of the indices with data; null when none has.",
            },
            "max": {
                **_count(),
                "description": f"{formulas.TT01_INDEX_MAX} × the number of indices with data.",
            },
            "band": {
                "enum": [*(band.code for band in bands), None],
                "description": (
                    "The grade (TT 01/2018 Điều 15), only when every index has data; null "
                    "otherwise."
                ),
            },
            "missing": {
                "type": "array",
                "items": {"enum": indices},
                "uniqueItems": True,
                "description": "The indices without data, in order.",
            },
            "official": {
                "type": "boolean",
                "description": (
                    "Whether TT 01/2018 scoring is official for the period (it ends before "
                    f"{periods.REFORM_DAY.isoformat()}); otherwise an internal reference."
                ),
            },
        },
        f"{who}'s Thông tư 01/2018 total over indices {', '.join(map(str, indices))}.",
    )


def _interval(description: str) -> dict:
    """A 95% interval: [low, high] in percent with one decimal, or null."""
    return {
        "type": ["array", "null"],
        "items": {"type": "number", "minimum": 0, "maximum": 100, "x-decimals": 1},
        "minItems": 2,
        "maxItems": 2,
        "description": description,
    }


def _summary_schemas() -> dict:
    """The summary object (reports/service.summary) and its parts."""
    question_code = {"type": "string", "pattern": CODE_PATTERN.pattern}
    tt01_numbers = [str(number) for number in formulas.TT01_AGENCY_INDICES]
    percent = _ref("schemas", "Percent")
    figures = {
        "period": _ref("schemas", "SummaryPeriod"),
        "unit": {
            **_record(["code", "name"], {"code": {"type": "string"}, "name": {"type": "string"}}),
            "description": "The unit: its figures include every unit below it.",
        },
        "responses": _count(
            "Responses that answered at least one rating question, burst-flagged ones left out."
        ),
        "suspicious": _count(
            "Burst-flagged responses (too many from one tablet within a minute): counted here "
            "and left out of every other figure."
        ),
        "satisfaction_index": {
            **percent,
            "description": "Chỉ số hài lòng: the mean of the factor indices F1–F5 present.",
        },
        "satisfaction_ci95": _interval(
            "A 95% interval [low, high] of `satisfaction_index`: the questions' Wilson bounds "
            "averaged as the index is (conservative); null when the index is."
        ),
        "overall_satisfied_pct": {
            **percent,
            "description": "The share satisfied (4 or 5) on the `overall` question.",
        },
        "factors": _ref("schemas", "Factors"),
        "questions": {
            "type": "object",
            "description": "Each question answered in the period, by its code.",
            "propertyNames": question_code,
            "additionalProperties": _ref("schemas", "QuestionFigures"),
        },
        "channels": {
            **_counts(
                [channel.value for channel in ResponseChannel],
                "Responses per channel (every channel, zeros included).",
            ),
            "additionalProperties": _count(),
        },
        "by_channel": {
            "type": "object",
            "description": "The headline figures of each channel that had responses.",
            "propertyNames": {"enum": [channel.value for channel in ResponseChannel]},
            "additionalProperties": _record(
                ["responses", "satisfaction_index", "overall_satisfied_pct"],
                {
                    "responses": _count(),
                    "satisfaction_index": percent,
                    "overall_satisfied_pct": percent,
                },
            ),
        },
        "tt01": _ref("schemas", "Tt01Indices"),
        "coverage_pct": {
            "type": ["number", "null"],
            "minimum": 0,
            "x-decimals": 1,
            "description": (
                "Responses per dossier resolved × 100 (it can exceed 100); null without dossier "
                "figures."
            ),
        },
        "tt01_total": _ref("schemas", "Tt01Total"),
        "qd766": _record(
            list(formulas.QD766_DEFAULTS),
            {criterion: _ref("schemas", "Qd766Criterion") for criterion in formulas.QD766_DEFAULTS},
            "QĐ 766/QĐ-TTg group 5, estimated from this platform's data (ước tính): 5.2 PAKN "
            "cases settled on time, 5.3 PAKN cases settled to the citizen's satisfaction, 5.4 "
            "satisfaction with administrative procedures (null without dossier figures).",
        ),
        "cases": _ref("schemas", "CaseFigures"),
        "hotline": _counts(
            ["calls", "missed", "voicemails", "sms", "callbacks_pending"],
            "Hotline calls, missed calls, voicemails and SMS in the period, and call-backs "
            "still pending at its end.",
        ),
        "paper": _counts(
            ["box_openings", "slips_counted", "slips_entered", "book_entries"],
            "Suggestion-box openings with the slips counted and entered, and comment-book "
            "entries, in the period.",
        ),
        "dossiers": _nullable(
            _ref("schemas", "DossierFigures"),
            "Dossier figures (Biểu 06) of the months the period touches; null when none were "
            "entered for the unit's desks.",
        ),
        "reasons": _ref("schemas", "Reasons"),
        "kiosk": _ref("schemas", "KioskCompletion"),
    }
    change = {
        "type": ["number", "null"],
        "minimum": -100,
        "maximum": 100,
        "x-decimals": 1,
    }
    return {
        "Summary": {
            "description": (
                "The period summary (DESIGN.md §5). Keys may be added; none is renamed or removed."
            ),
            "allOf": [_ref("schemas", "SummaryFigures")],
            "type": "object",
            "required": ["previous", "changes", "children", "desks", "trend"],
            "additionalProperties": True,
            "properties": {
                "trend": {
                    "type": "array",
                    "description": (
                        "The 12 months that end with the period's last month, oldest first: "
                        "responses and satisfaction index of each (null when suppressed)."
                    ),
                    "minItems": 12,
                    "maxItems": 12,
                    "items": _record(
                        ["month", "responses", "satisfaction_index"],
                        {
                            "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                            "responses": _count(),
                            "satisfaction_index": percent,
                        },
                    ),
                },
                "previous": _ref("schemas", "SummaryPrevious"),
                "changes": _ref("schemas", "SummaryChanges"),
                "children": {
                    "type": "array",
                    "description": "The same for each unit just below, by name.",
                    "items": _ref("schemas", "ChildSummary"),
                },
                "desks": {
                    "type": "array",
                    "description": (
                        "The desks of the unit itself (not of the units below it), by name."
                    ),
                    "items": _ref("schemas", "DeskFigures"),
                },
            },
        },
        "ChildSummary": {
            "description": (
                "A child unit's summary: its figures, previous period and changes; no desks and "
                "no children of its own."
            ),
            "allOf": [_ref("schemas", "SummaryFigures")],
            "type": "object",
            "required": ["previous", "changes", "children"],
            "additionalProperties": True,
            "properties": {
                "previous": _ref("schemas", "SummaryPrevious"),
                "changes": _ref("schemas", "SummaryChanges"),
                "children": {"type": "array", "maxItems": 0},
            },
        },
        "SummaryPrevious": {
            "description": (
                "The same figures for the previous period of the same length (2025-Q1 before "
                "2025-Q2; a range of days: as many days, ending the day before it starts); no "
                "`previous`, `changes`, `children` or `desks`."
            ),
            "allOf": [_ref("schemas", "SummaryFigures")],
            "type": "object",
            "additionalProperties": True,
        },
        "SummaryFigures": {
            "type": "object",
            "description": "Every figure of one unit (with the units below it) for one period.",
            "required": list(figures),
            "additionalProperties": True,
            "properties": figures,
        },
        "SummaryChanges": _record(
            ["satisfaction_index", "responses", "questions", "kiosk"],
            {
                "satisfaction_index": {
                    **change,
                    "description": "Points up or down since the previous period; null when "
                    "either is null.",
                },
                "responses": {
                    "type": "integer",
                    "description": "How many more responses (fewer: negative).",
                },
                "questions": {
                    "type": "object",
                    "description": "Each question of this period, by its code.",
                    "propertyNames": question_code,
                    "additionalProperties": _record(
                        ["satisfied_pct", "significant"],
                        {
                            "satisfied_pct": {
                                **change,
                                "description": "Points up or down; null when either is null.",
                            },
                            "significant": {
                                "type": ["boolean", "null"],
                                "description": (
                                    "Whether the two 95% intervals do not overlap (a real "
                                    "change); null when either is missing."
                                ),
                            },
                        },
                    ),
                },
                "kiosk": _record(
                    ["completion_pct"],
                    {
                        "completion_pct": {
                            **change,
                            "description": "Points up or down; null when either is null.",
                        }
                    },
                    "The tablets' completion since the previous period.",
                ),
            },
            "Changes since the previous period.",
        ),
        "SummaryPeriod": _record(
            ["label", "start", "end", "title", "tt01_official", "spans_reform"],
            {
                "label": {
                    "type": "string",
                    "pattern": PERIOD_LABEL_PATTERN,
                    "description": "The canonical form of the period, as the `period` parameter.",
                    "examples": ["2025-Q2"],
                },
                "start": {"type": "string", "format": "date", "description": "Its first day."},
                "end": {"type": "string", "format": "date", "description": "Its last day."},
                "title": {
                    "type": "string",
                    "description": "In words, in the language asked for (“Quý II năm 2025”).",
                },
                "tt01_official": {
                    "type": "boolean",
                    "description": (
                        "TT 01/2018 scoring is official: the period ends before "
                        f"{periods.REFORM_DAY.isoformat()} (NĐ 118/2025)."
                    ),
                },
                "spans_reform": {
                    "type": "boolean",
                    "description": (
                        f"The period has days before and from {periods.REFORM_DAY.isoformat()}."
                    ),
                },
            },
            "The period (kỳ báo cáo): Vietnamese calendar days, both ends included.",
        ),
        "Percent": {
            "type": ["number", "null"],
            "minimum": 0,
            "maximum": 100,
            "x-decimals": 1,
            "description": (
                "A share or index in percent, one decimal; null when suppressed (too few "
                "answers) or without data."
            ),
        },
        "Factors": _record(
            formulas.FACTORS,
            {factor: _ref("schemas", "FactorFigures") for factor in formulas.FACTORS},
            "The SIPAS factors F1–F5.",
        ),
        "FactorFigures": _record(
            ["index", "n"],
            {
                "index": {
                    **percent,
                    "description": "The mean of its questions' indices that are not null.",
                },
                "n": _count("The most answers any of its questions got."),
            },
        ),
        "QuestionFigures": _record(
            ["n", "mean", "satisfied_pct", "ci95", "levels"],
            {
                "n": _count(
                    "Valid answers (“no opinion” and options without points left out); given "
                    "even when the other figures are suppressed."
                ),
                "mean": {
                    "type": ["number", "null"],
                    "minimum": 0,
                    "maximum": MAX_POINTS,
                    "x-decimals": 2,
                    "description": (
                        "The mean rating 1–5, or the mean points of a scored choice; null "
                        "when suppressed."
                    ),
                },
                "satisfied_pct": {
                    **percent,
                    "description": (
                        "The share answering 4 or 5 (the question's index); null when "
                        "suppressed, and for questions other than ratings."
                    ),
                },
                "ci95": _interval(
                    "The Wilson 95% interval [low, high] of `satisfied_pct`; null when that is "
                    "null."
                ),
                "levels": {
                    "type": ["object", "null"],
                    "propertyNames": question_code,
                    "additionalProperties": _count(),
                    "description": (
                        "Answers per level: `1`–`5` for a rating, each option's code for a "
                        "choice (zeros included); null when suppressed."
                    ),
                },
            },
            "One question's figures. Below the minimum cell size only `n` is given.",
        ),
        "Tt01Indices": {
            "type": "object",
            "description": (
                "The Thông tư 01/2018 indices `1`–`9` (points / dossiers, 0–"
                f"{formulas.TT01_INDEX_MAX} with the default survey); null without data or "
                "with fewer answers than the minimum cell size."
            ),
            "required": tt01_numbers,
            "propertyNames": {"pattern": "^[1-9][0-9]*$"},
            "additionalProperties": {
                "type": ["number", "null"],
                "minimum": 0,
                "maximum": MAX_POINTS,
                "x-decimals": 1,
            },
        },
        "Tt01Total": _tt01_total(
            formulas.TT01_AGENCY_INDICES, formulas.TT01_AGENCY_BANDS, "The agency"
        ),
        "Tt01OfficerTotal": _tt01_total(
            formulas.TT01_OFFICER_INDICES, formulas.TT01_OFFICER_BANDS, "An officer"
        ),
        "Qd766Criterion": _record(
            ["pct", "points", "max"],
            {
                "pct": {**percent, "description": "Null when there is nothing to count."},
                "points": {
                    "type": ["number", "null"],
                    "minimum": 0,
                    "x-decimals": 2,
                    "description": "max × min(1, pct / threshold); null with `pct`.",
                },
                "max": {
                    "type": "number",
                    "minimum": 0,
                    "description": "The most points (a setting: 6 by default).",
                },
            },
        ),
        "CaseFigures": _record(
            [
                "received",
                "answered",
                "answered_on_time_pct",
                "overdue",
                "forwarded",
                "rejected",
                "verdicts",
                "by_channel",
                "by_kind",
            ],
            {
                "received": _count("Cases received in the period."),
                "answered": _count("Cases answered in the period."),
                "answered_on_time_pct": {
                    **percent,
                    "description": "Of those answered, on or before their due date.",
                },
                "overdue": _count("Cases open at the period's end past their due date."),
                "forwarded": _count("Of those received, forwarded elsewhere."),
                "rejected": _count("Of those received, rejected."),
                "verdicts": _counts(
                    [verdict.value for verdict in CaseVerdict],
                    "Citizens' verdicts on the answers given in the period.",
                ),
                "by_channel": {
                    "type": "object",
                    "description": "Cases received per channel (only those with any).",
                    "propertyNames": {"enum": [channel.value for channel in CaseChannel]},
                    "additionalProperties": _count(),
                },
                "by_kind": {
                    "type": "object",
                    "description": "Cases received per kind (only those with any).",
                    "propertyNames": {"enum": [kind.value for kind in CaseKind]},
                    "additionalProperties": _count(),
                },
            },
            "Citizens' cases (phản ánh, kiến nghị, …) of the unit and the units below it.",
        ),
        "DossierFigures": _record(
            ["received", "resolved", "on_time_pct", "late", "pending_overdue"],
            {
                "received": _count(),
                "resolved": _count(),
                "on_time_pct": {
                    **percent,
                    "description": "Resolved early or on time / resolved × 100.",
                },
                "late": _count("Resolved late."),
                "pending_overdue": _count("Pending past their due date."),
            },
            "Biểu 06/VPCP/KSTT figures as entered for the desks.",
        ),
        "DeskFigures": {
            **_record(
                ["id", "name", "reasons", "kiosk", "counters"],
                {
                    "id": {"type": "integer", "minimum": 1},
                    "name": {"type": "string"},
                    "reasons": _ref("schemas", "Reasons"),
                    "kiosk": _ref("schemas", "KioskCompletion"),
                    "counters": {
                        "type": "array",
                        "description": "Its counters that have ratings in the period.",
                        "items": _ref("schemas", "DeskBreakdown"),
                    },
                    "officers": {
                        "type": "array",
                        "description": (
                            "Its officers rated in the period; only for the reform office and "
                            "admins (absent otherwise)."
                        ),
                        "items": _ref("schemas", "DeskBreakdown"),
                    },
                },
            ),
            "description": "A desk (Bộ phận Một cửa) of the unit.",
        },
        "DeskBreakdown": _record(
            [
                "id",
                "name",
                "responses",
                "satisfaction_index",
                "overall_satisfied_pct",
                "tt01",
                "tt01_total",
            ],
            {
                "id": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "description": "Null for ratings given at no counter, or with no officer.",
                },
                "name": {
                    "type": "string",
                    "description": "The counter's code or the officer's name; empty without `id`.",
                },
                "responses": _count(),
                "satisfaction_index": percent,
                "overall_satisfied_pct": percent,
                "tt01": _ref("schemas", "Tt01Indices"),
                "tt01_total": {
                    **_ref("schemas", "Tt01OfficerTotal"),
                    "description": "Over the officer's indices, for a counter too.",
                },
            },
            "One counter's or officer's figures at a desk in the period (burst-flagged "
            "answers left out; suppressed below the minimum cell size like a unit's), by name, "
            "the row without `id` last.",
        ),
        "Reasons": _record(
            ["low_ratings", "items"],
            {
                "low_ratings": _count(
                    f"`{OVERALL}` ratings of 1 or 2 in the period, which the reasons stand "
                    "beside (burst-flagged ones left out). They are the cell: below the minimum "
                    "cell size every `count` and `pct_of_low` is null; this number is given "
                    "even then."
                ),
                "items": {
                    "type": "array",
                    "description": (
                        "Each reason the published survey offers, in its order (zeros "
                        "included), then any other reason chosen in the period."
                    ),
                    "items": _record(
                        ["code", "label", "count", "pct_of_low"],
                        {
                            "code": question_code,
                            "label": {
                                "type": "string",
                                "description": "In the language asked for.",
                            },
                            "count": {
                                "type": ["integer", "null"],
                                "minimum": 0,
                                "description": (
                                    "How often it was chosen (a citizen may choose several); "
                                    "null below the minimum cell size of low ratings."
                                ),
                            },
                            "pct_of_low": {
                                "type": ["number", "null"],
                                "minimum": 0,
                                "x-decimals": 1,
                                "description": (
                                    "count / low_ratings × 100; null with `count`. It may "
                                    "exceed 100 when citizens who rated higher chose the "
                                    "reason too."
                                ),
                            },
                        },
                    ),
                },
            },
            f"Lý do chưa hài lòng: the reasons (`{REASONS}`, a `multi_choice` question) chosen "
            "beside the low overall ratings.",
        ),
        "KioskCompletion": _record(
            ["started", "completed", "partial", "abandoned", "completion_pct"],
            {
                "started": _count("completed + partial + abandoned."),
                "completed": _count("Kiosk responses that reached the survey's end."),
                "partial": _count("Kiosk responses that stopped early, with some ratings."),
                "abandoned": _count("Surveys begun at the tablets and left with no rating."),
                "completion_pct": {
                    **percent,
                    "description": "completed / started × 100; null when none started.",
                },
            },
            "How surveys at the tablets ended in the period (burst-flagged responses left "
            "out). Counts of surveys, not of citizens: never suppressed.",
        ),
        "PeriodErrors": {
            "type": "object",
            "required": ["errors"],
            "additionalProperties": False,
            "properties": {
                "errors": {
                    "type": "object",
                    "required": ["period"],
                    "additionalProperties": False,
                    "properties": {
                        "period": {
                            "type": "string",
                            "description": (
                                "Why the period cannot be read, and the forms accepted "
                                "(translated)."
                            ),
                        }
                    },
                }
            },
        },
    }
