"""The OpenAPI 3.1 document of /api/v1, built as plain data.

Each schema says what the code checks and returns (surveys/api.py, surveys/service.py, errors.py).
Limits are imported from the code that enforces them rather than copied, so the two cannot drift
apart unnoticed; tests/test_openapi.py compares the paths with the URL map and fuzzes the app
against the document. Texts are English: the readers are integrators (tablet makers, monitoring).
"""

from collections.abc import Iterable

from ..cases.service import CODE_ALPHABET, CODE_LENGTH
from ..models import QuestionKind
from ..surveys.api import MAX_BODY_BYTES
from ..surveys.defaults import COMMENT, NO_OPINION, OVERALL, REPLY_PHONE, WANT_REPLY
from ..surveys.instruments import CODE_PATTERN, FACTORS, MAX_POINTS, MAX_TEXT_LENGTH, TT01_INDICES
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
# The one character no query value may hold (security._refuse_nul_bytes answers 400).
NO_NUL_PATTERN = "^[^\\x00]*$"
QUEUE_LIMIT = 100_000  # service.note_seen ignores figures outside 0..QUEUE_LIMIT - 1
FUTURE_TOLERANCE_MINUTES = 5  # service._answered_at
EXAMPLE_LABEL = "sipas-tt01@1"

DESCRIPTION = f"""\
The machine API of the citizen-feedback platform for one-stop desks (Bộ phận Một cửa, Trung tâm \
Phục vụ hành chính công).

**Kiosks.** A counter tablet fetches the current survey and sends each citizen's answers. It is \
authenticated by the secret token in its address (`/kiosk/<token>`), shown once when an \
administrator registers the tablet or renews its token. Treat the token as a password: whoever \
has it can submit answers for that counter. Nothing under `{API_PREFIX}` uses or sets a cookie, \
a session or a CSRF token.

**Resending is safe.** Every submission carries a `client_uuid` chosen by the tablet. Keep unsent \
answers on the tablet and send them again, with the same `client_uuid`, until the server answers \
201 (stored now) or 200 (stored before: nothing new is stored and the first reply comes back). A \
400 with `errors`, or a 413, does not change on resending: record it and let the answer go. After \
429 wait the number of seconds in `Retry-After`; after 404 (the kiosk is switched off), a server \
error or no answer at all, keep the answers and try again later.

**Errors are JSON.** A submission refused as invalid gets 400 with every field in error \
(`{{"errors": {{field: message}}}}`); every other error has the body \
`{{"error", "message", "status"}}`: 400 for a malformed request (a NUL character in the query \
string), 404, 405 (with `Allow`), 413 (body over {MAX_BODY_BYTES // 1024} KB), 429 (with \
`Retry-After`). Messages are written for people and translated: a submission's in the language \
it names (`language`), other errors by `?lang=` or `Accept-Language`; Vietnamese by default.

**Privacy.** The server keeps the time of an answer only to the hour, and never the address it \
came from. A phone number given for a reply is kept only with the case it opens.
"""


def openapi_document(languages: Iterable[str], public_base_url: str | None = None) -> dict:
    """The whole document; `languages` are those the app speaks (config LANGUAGES)."""
    languages = list(languages)
    document = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Citizen feedback: machine API",
            "version": "1",
            "summary": "Counter tablets (kiosks) fetch the survey and submit citizens' answers.",
            "description": DESCRIPTION,
        },
        "tags": [
            {"name": "kiosk", "description": "Counter tablets (máy tính bảng tại quầy)."},
            {"name": "meta", "description": "This description of the API."},
        ],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(languages),
            "parameters": _parameters(languages),
            "responses": _responses(),
            "headers": _headers(),
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
    """Every operation under /api/v1 (tests/test_openapi.py holds them to the URL map)."""
    return {
        f"{API_PREFIX}/kiosk/{{token}}": {
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
                },
            },
        },
        f"{API_PREFIX}/kiosk/{{token}}/responses": {
            "parameters": [_ref("parameters", "KioskToken")],
            "post": {
                "operationId": "submitKioskResponse",
                "tags": ["kiosk"],
                "summary": "One citizen's answers",
                "description": (
                    "Stores one citizen's answers to a survey version, given at this kiosk. The "
                    "request is checked in this order: the query string (400), throttling (429), "
                    "size (413), the token (404), the submission (400). A comment opens a case "
                    f"to be answered when the `{OVERALL}` rating is 1 or 2, or when the citizen "
                    f"asks for a reply (`{WANT_REPLY}`); the reply then carries the case's "
                    "tracking code."
                ),
                "parameters": [_ref("parameters", "Queued")],
                "requestBody": {
                    "required": True,
                    "description": (
                        f"A JSON object of at most {MAX_BODY_BYTES} bytes. Which questions exist, "
                        "which must be answered and which options they offer depend on the survey "
                        f"version named: take them from `GET {API_PREFIX}/kiosk/{{token}}`."
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
                    "400": {
                        "description": (
                            "The submission is invalid (`errors` names every field in error; "
                            "nothing was stored), or the request is malformed (a NUL character in "
                            "the query string)."
                        ),
                        **_json(
                            {
                                "anyOf": [
                                    _ref("schemas", "ValidationErrors"),
                                    _ref("schemas", "Error"),
                                ]
                            }
                        ),
                    },
                    "404": {
                        "description": (
                            "No kiosk has this token, or the kiosk or its counter is switched off."
                        ),
                        **_json(_ref("schemas", "Error")),
                    },
                    "413": _ref("responses", "PayloadTooLarge"),
                    "429": _ref("responses", "TooManyRequests"),
                },
            },
        },
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


def _submission_examples() -> dict:
    """Two submissions to the default survey: plain ratings, and a complaint wanting a reply."""
    required = {"f1_access": 5, "f2_procedure": 4, "f3_officer": 5, "f4_result": 4}
    return {
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
        "TooManyRequests": {
            "description": (
                "Too many submissions from this kiosk (the limit is per kiosk, never per "
                "address); nothing was stored. Send again after `Retry-After` seconds."
            ),
            "headers": {"Retry-After": _ref("headers", "RetryAfter")},
            **_json(error),
        },
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
    }


# --- Schemas ------------------------------------------------------------------------------------


def _schemas(languages: list[str]) -> dict:
    """The bodies: the survey a kiosk fetches, a submission, its reply, and the two errors."""
    code = {"type": "string", "pattern": CODE_PATTERN.pattern}
    return {
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
                        "answer with an option's `code`; `text`: answer with a string."
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
                "required": {"type": "boolean"},
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
                        "on a scored choice."
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
                        "letters, digits, dots and dashes. Empty or null: none."
                    ),
                },
                "language": {
                    "enum": [*languages, "", None],
                    "description": (
                        "The language the citizen used, which is also the language of the "
                        "error messages; Vietnamese when absent, empty or null."
                    ),
                },
                "answered_at": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": (
                        "When the citizen answered, by the tablet's clock (ISO 8601; without an "
                        "offset it is UTC). At most "
                        f"{Where.max_age_days} days old and at most {FUTURE_TOLERANCE_MINUTES} "
                        "minutes ahead; absent means now. Stored only to the hour."
                    ),
                },
            },
        },
        "Answers": {
            "type": "object",
            "description": (
                "Question code → answer, for the questions of the survey version named. Every "
                "required question must be answered; an absent, null or blank answer is no "
                'answer. An integer is written as such (`4`, not `4.0` or `"4"`). When '
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
        "ValidationErrors": {
            "type": "object",
            "required": ["errors"],
            "additionalProperties": False,
            "properties": {
                "errors": {
                    "type": "object",
                    "minProperties": 1,
                    "description": (
                        "Each field in error → a translated message. Fields: `body` (not a JSON "
                        "object), `client_uuid`, `instrument`, `answers`, `answers.<question "
                        "code>`, `language`, `dossier_code`, `answered_at`."
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
