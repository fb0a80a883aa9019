"""The OpenAPI document of /api/v1 (GET /api/v1/openapi.json): served, valid, complete and true.

"True" is checked by schemathesis: it generates requests from the document, valid and invalid,
sends them to the app in-process (WSGI, no server) and checks every response against the
document. The fuzzing is marked slow (`pytest -m "not slow"` skips it; CI runs it).
"""

import copy
import json
import re
import time
import uuid
import zlib
from collections import Counter
from datetime import date, datetime

import jsonschema_rs
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from feedback_app import create_app, models
from feedback_app.apidocs.spec import (
    ABANDONED_PATH,
    API_PREFIX,
    INSTRUMENT_LABEL_PATTERN,
    INVITATION_PATH,
    KIOSK_PATH,
    KIOSK_TOKEN_MAX_LENGTH,
    KIOSK_TOKEN_PATTERN,
    PERIOD_PATTERN,
    SESSION_COOKIE,
    SUBMIT_PATH,
    SUMMARY_PATH,
    openapi_document,
)
from feedback_app.cases import service as cases
from feedback_app.config import LANGUAGES
from feedback_app.extensions import db
from feedback_app.hardening import MAX_DB_INT
from feedback_app.models import (
    CaseChannel,
    CaseKind,
    DossierStat,
    KioskAbandon,
    Officer,
    Response,
    ResponseChannel,
    ServicePoint,
    User,
)
from feedback_app.reports import periods
from feedback_app.reports.forms import SummaryForm
from feedback_app.surveys import invitations
from feedback_app.surveys import service as surveys
from feedback_app.surveys.instruments import CODE_PATTERN, active_instrument
from feedback_app.timeutil import LOCAL_TZ
from tests.conftest import count_rows, sign_in
from tests.surveys.kiosk_support import make_kiosk, responses

DOCUMENT = f"{API_PREFIX}/openapi.json"
SUBMIT = SUBMIT_PATH
# The operations that take a tablet's queued items, idempotent on their client_uuid.
QUEUED_POSTS = (SUBMIT_PATH, ABANDONED_PATH)
SUMMARY_MONTH = "2026-03"  # the month the `rated` fixture fills
DOSSIER = "000.00.09.H26-260315-0001"  # a receipt's dossier code (provincial format)
# Methods Flask answers on every route by itself; they are not operations of the API.
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}
CONVERTER_RE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


# --- The document is served, and is valid OpenAPI 3.1 -------------------------------------------


def test_document_is_served_as_json_without_a_cookie(client):
    """Public and sessionless like the rest of /api/: no sign-in, no cookie set."""
    response = client.get(DOCUMENT)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "Set-Cookie" not in response.headers
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"]


def test_document_is_valid_openapi_3_1(app):
    """schemathesis loads it from the app and validates it against the OpenAPI 3.1 schema."""
    schema = schemathesis.openapi.from_wsgi(DOCUMENT, app)
    schema.validate()
    results = list(schema.get_all_operations())
    assert results, "no operation documented"
    assert all(result.ok() for result in results)


def test_validation_catches_a_broken_document():
    """The check above can fail: an operation whose response has no description is refused."""
    broken = openapi_document(languages=["vi", "en"])
    operation = broken["paths"][f"{API_PREFIX}/kiosk/{{token}}"]["get"]
    del operation["responses"]["200"]["description"]
    with pytest.raises(jsonschema_rs.ValidationError):
        schemathesis.openapi.from_dict(broken).validate()


def test_servers_name_the_public_address_when_it_is_known():
    """Integrators' tools need an absolute address; without one the document is relative."""
    assert "servers" not in openapi_document(languages=["vi"])
    document = openapi_document(languages=["vi"], public_base_url="https://gopy.example.vn/")
    assert document["servers"][0]["url"] == "https://gopy.example.vn"


# --- The document lists exactly the routes under /api/v1 ----------------------------------------


def api_routes(app: Flask) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every route under /api/v1 in the URL map."""
    return {
        (CONVERTER_RE.sub(r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX + "/")
        for method in rule.methods - IMPLICIT_METHODS
    }


def documented_operations(document: dict) -> set[tuple[str, str]]:
    """(path, method) of every operation in the document."""
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    }


def test_documented_operations_are_the_api_routes(app, client):
    """A route added under /api/v1 without documentation (or documented and gone) fails here."""
    document = client.get(DOCUMENT).get_json()
    assert documented_operations(document) == api_routes(app)
    assert api_routes(app) >= {
        (KIOSK_PATH, "get"),
        (SUBMIT, "post"),
        (INVITATION_PATH, "get"),
        (ABANDONED_PATH, "post"),
    }


def test_route_comparison_sees_an_undocumented_route(app, client):
    """The comparison above can fail: a new /api/v1 route shows up as undocumented."""
    app.add_url_rule(f"{API_PREFIX}/kiosk/<token>/ping", "ping", lambda token: "", methods=["PUT"])
    document = client.get(DOCUMENT).get_json()
    missing = api_routes(app) - documented_operations(document)
    assert missing == {(f"{API_PREFIX}/kiosk/{{token}}/ping", "put")}


def test_path_parameters_are_those_of_the_routes(app, client):
    """Every {name} in a documented path is a declared path parameter, and the other way round."""
    document = client.get(DOCUMENT).get_json()
    parameters = document["components"]["parameters"]
    for path, item in document["paths"].items():
        declared = {
            parameters[p["$ref"].rsplit("/", 1)[1]]["name"] if "$ref" in p else p["name"]
            for p in item.get("parameters", [])
        }
        assert declared == set(re.findall(r"{([^}]+)}", path)), path


# --- The app keeps to the document (schemathesis) -----------------------------------------------

# One run of the whole document; deterministic, so CI sees the same cases every time (and a
# failure can be replayed). Up to 300 generated cases per operation on top of the explicit ones
# (the document's examples, and the coverage phase's edge values): about half a minute.
FUZZ_CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20250701,
        "generation": {"max-examples": 300, "deterministic": True, "database": "none"},
        "operations": [
            {
                # Which questions a version has, its option codes, the rating one needs, the
                # 7-day window, the phone a reply needs: the document cannot say this per
                # version, so a body valid by the document may still be refused with 400.
                "include-method": "POST",
                "include-path": SUBMIT,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "404", "413", "429"]
                    }
                },
            },
            {
                # The 7-day window of `answered_at`, and a client UUID another kiosk used:
                # refused with 400 though the document allows the body.
                "include-method": "POST",
                "include-path": ABANDONED_PATH,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "404", "413", "429"]
                    }
                },
            },
        ],
    }
)
# Built by the same function the view serves (test_fuzzed_document_is_the_served_one), so
# nothing is created at import; the app comes from the fixtures. (Not from_wsgi through
# schemathesis.pytest.from_fixture: that breaks on pytest 9.2, and it would leave out the
# operation that serves the document.)
schema = schemathesis.openapi.from_dict(openapi_document(languages=LANGUAGES), config=FUZZ_CONFIG)
TOKEN_RE = re.compile(KIOSK_TOKEN_PATTERN)
LABEL_RE = re.compile(INSTRUMENT_LABEL_PATTERN)
QUESTION_CODE_RE = re.compile(CODE_PATTERN.pattern)


def test_fuzzed_document_is_the_served_one(app, client):
    """What schemathesis fuzzes against is exactly what the app serves."""
    built = openapi_document(languages=app.config["LANGUAGES"])
    assert client.get(DOCUMENT).get_json() == json.loads(json.dumps(built))


class Tally:
    """What the fuzzing of one operation did: cases, checks run (by name), statuses seen, and
    the fields a 400 named (how far into the validation the generated submissions got)."""

    active: "Tally | None" = None  # the one schemathesis' after_validate hook counts into
    cases_so_far = 0
    checks_so_far = 0

    def __init__(self, questions: list[str]):
        """Nothing counted yet; `questions` are the codes of the survey's questions."""
        self.questions = set(questions)
        self.cases = 0
        self.checks: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.refused: Counter[str] = Counter()

    def record(self, response, results) -> None:
        """One case sent and its response validated."""
        self.cases += 1
        self.checks.update(result.name for result in results)
        self.statuses[response.status_code] += 1
        body = response.json() if response.status_code == 400 else None
        if isinstance(body, dict) and isinstance(body.get("errors"), dict):
            self.refused.update(self._field(key) for key in body["errors"])

    def _field(self, key: str) -> str:
        """An error's field, with every code that is no question of the survey as one."""
        prefix, dot, code = key.partition(".")
        return key if not dot or code in self.questions else f"{prefix}.<not a question>"

    def summary(self, operation: str, seconds: float) -> str:
        """A few lines for the test log: this operation's figures, then the running total."""
        Tally.cases_so_far += self.cases
        Tally.checks_so_far += sum(self.checks.values())
        checks = ", ".join(f"{name} {n}" for name, n in sorted(self.checks.items()))
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        refused = ", ".join(f"{field} {n}" for field, n in sorted(self.refused.items()))
        return (
            f"\nschemathesis {operation}: {self.cases} cases, {sum(self.checks.values())} "
            f"checks, {seconds:.1f} s (so far: {Tally.cases_so_far} cases, "
            f"{Tally.checks_so_far} checks)\n  checks: {checks}\n  statuses: {statuses}"
            + (f"\n  refused fields: {refused}" if refused else "")
        )


@schema.hook
def after_validate(context, case, response, results):
    """Count every validated case and the checks that ran on it."""
    if Tally.active is not None:
        Tally.active.record(response, results)


@pytest.fixture
def tally(request, capsys, kiosk):
    """Counts the fuzzing of one operation, and prints the count past pytest's capture."""
    counted = Tally.active = Tally(kiosk["questions"])
    start = time.perf_counter()
    yield counted
    Tally.active = None
    operation = request.node.callspec.id if hasattr(request.node, "callspec") else request.node.name
    with capsys.disabled():
        print(counted.summary(operation, time.perf_counter() - start))


@pytest.fixture
def kiosk(app, district) -> dict:
    """The default survey published and a kiosk at ward A's desk, with an officer on duty at
    its counter who has invited a citizen to rate (so that a poll has an invitation to give):
    its token, the survey's label and question codes, the invitation's id, and the client
    UUIDs stored so far. Throttling and burst flags are lifted: the fuzzing sends hundreds of
    answers from one kiosk within a minute (the 429 is checked below, and in
    test_kiosk_api.py)."""
    app.config.update(KIOSK_RATELIMIT="1000000 per minute", KIOSK_BURST_COUNT=1_000_000)
    made = make_kiosk(app, district["desk_a"])
    with app.app_context():
        survey = active_instrument()
        label, questions = survey.label, [q.code for q in survey.questions]
        counter = db.session.get(models.Counter, made["counter"])
        counter.officer_on_duty = db.session.scalar(
            select(Officer).where(Officer.service_point_id == made["desk"])
        )
        staff = db.session.scalar(select(User).where(User.username == "counter_a"))
        invitation = invitations.invite(counter, staff, DOSSIER, "Chứng thực bản sao").id
        db.session.commit()
    return made | {
        "instrument": label,
        "questions": questions,
        "invitation": invitation,
        "stored": set(),
    }


def _chance(value, out_of: int) -> bool:
    """A 1-in-`out_of` choice made from a generated value: reproducible, unlike random()."""
    return zlib.crc32(repr(value).encode("utf-8", "surrogatepass")) % out_of == 0


def aim_at_the_kiosk(case, kiosk: dict) -> None:
    """Point generated requests at the real kiosk and survey, so that they reach the checks
    behind the 404. A token the document allows is replaced by the kiosk's (one in five is
    kept: an unknown token); half the submissions name the published survey and give the
    generated answers to its questions. Whatever the document refuses is sent as it is.

    A `client_uuid` stored already (a submission's or an abandoned-survey report's; the
    document's examples are stored) is replaced by a new one: a resend is answered with the
    first reply whatever it holds now, as documented (test_kiosk_api.py and
    test_kiosk_partial.py test it), so the server would not judge this case's own content."""
    token = case.path_parameters.get("token")
    if (
        isinstance(token, str)
        and TOKEN_RE.fullmatch(token)
        and len(token) <= KIOSK_TOKEN_MAX_LENGTH
        and not _chance(token, 5)
    ):
        # Assigned, not changed in place: schemathesis then re-reads what the case now is.
        case.path_parameters = {**case.path_parameters, "token": kiosk["token"]}
    body = case.body
    if case.operation.path not in QUEUED_POSTS or not isinstance(body, dict):
        return
    if isinstance(body.get("client_uuid"), str) and body["client_uuid"] in kiosk["stored"]:
        body = {**body, "client_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, repr(body)))}
    if case.operation.path != SUBMIT or not _chance(body, 2):
        case.body = body
        return
    aimed = dict(body)
    if isinstance(body.get("instrument"), str) and LABEL_RE.fullmatch(body["instrument"]):
        aimed["instrument"] = kiosk["instrument"]
    if isinstance(body.get("answers"), dict):
        codes = kiosk["questions"]
        aimed["answers"] = {
            codes[i % len(codes)] if QUESTION_CODE_RE.fullmatch(key) else key: value
            for i, (key, value) in enumerate(body["answers"].items())
        }
    case.body = aimed


@pytest.mark.slow
@schema.parametrize()
@settings(
    # One app and database per operation, shared by its examples, on purpose: the kiosk must
    # exist across them, and a fresh database per example would cost more than the fuzzing.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_api_keeps_to_its_document(case, app, kiosk, tally):
    """Every operation, every check: no 500, only documented statuses, content types, headers
    and bodies; invalid requests refused, valid ones taken."""
    aim_at_the_kiosk(case, kiosk)
    response = case.call_and_validate(app=app)
    if response.status_code == 201:
        kiosk["stored"].add(case.body["client_uuid"])


# The summary answers 401 to all of the above (no session). Signed in as the reform office of
# quận Thanh Xuân it is fuzzed once more, to hold the periods, units and bodies to the document.
# Periods the pattern allows may still be refused with 400 (a day not in the calendar, a range
# that ends before it starts or is too long), and units with 404 (unknown or out of scope).
SIGNED_IN_CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20250701,
        "generation": {"max-examples": 300, "deterministic": True, "database": "none"},
        # Not as an "operations" entry: schemathesis would then fuzz every operation again.
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "404"]}},
    }
)
signed_in_schema = schemathesis.openapi.from_dict(
    openapi_document(languages=LANGUAGES), config=SIGNED_IN_CONFIG
).include(path=SUMMARY_PATH)
signed_in_schema.hook(after_validate)
PERIOD_RE = re.compile(PERIOD_PATTERN)
UNITS_IN_SCOPE = ("009", "00343", "00346", "")  # "" is the user's own unit
PERIODS_WITH_DATA = (SUMMARY_MONTH, "2026-Q1", "2026-03-01..2026-03-31", "2026-h1")


@signed_in_schema.auth(refresh_interval=None)
class StaffSession:
    """The session cookie, as the document's `cookieAuth`: explicit credentials, so that
    schemathesis' ignored_auth check also sends each accepted request without it, and with a
    forged one, and expects 401. Cases of the coverage phase are made when the tests are
    collected, before anyone signs in: every case gets a placeholder, which the test swaps for
    the cookie of its own sign-in (staff_session)."""

    placeholder = "signed-in-session"

    def get(self, case, context):
        """The placeholder."""
        return self.placeholder

    def set(self, case, data, context):
        """Sent as the `session` cookie."""
        case.cookies = {**(case.cookies or {}), SESSION_COOKIE: data}


@pytest.fixture
def staff_session(rated, reform) -> str:
    """The session cookie of the reform office of the district whose March 2026 is `rated`."""
    return reform.get_cookie(SESSION_COOKIE).value


def aim_at_the_district(case, cookie: str) -> None:
    """The user's session cookie for the placeholder (StaffSession). Most units the document
    allows become one in the user's scope (one in five is kept: an unknown code), and one period
    in three that it allows becomes one holding the ratings, so that generated requests reach the
    figures. Whatever the document refuses is sent as it is."""
    if case.cookies and case.cookies.get(SESSION_COOKIE) == StaffSession.placeholder:
        case.cookies = {**case.cookies, SESSION_COOKIE: cookie}
    query = dict(case.query or {})
    unit, period = query.get("unit"), query.get("period")
    if isinstance(unit, str) and "\x00" not in unit and not _chance(unit, 5):
        query["unit"] = UNITS_IN_SCOPE[zlib.crc32(repr(unit).encode()) % len(UNITS_IN_SCOPE)]
    if isinstance(period, str) and PERIOD_RE.search(period) and _chance(period, 3):
        query["period"] = PERIODS_WITH_DATA[
            zlib.crc32(repr(period).encode()) % len(PERIODS_WITH_DATA)
        ]
    case.query = query


@pytest.mark.slow
@signed_in_schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_summary_keeps_to_its_document_when_signed_in(case, app, staff_session, tally):
    """Periods, units and languages, valid and invalid, with a staff session: only documented
    statuses and bodies (the summary itself included), no 500, and the session enforced."""
    aim_at_the_district(case, staff_session)
    # The document was loaded before the app existed: the checks that send more requests of
    # their own (ignored_auth) find it here.
    case.operation.schema.app = case.operation.app = app
    case.call_and_validate(app=app)


# --- What the fuzzing does not reach, checked against the document one by one -----------------


def example_submission(name: str) -> dict:
    """One of the document's example submissions, with a client UUID of its own."""
    return {**document_example(SUBMIT, "post", name), "client_uuid": str(uuid.uuid4())}


def document_example(path: str, method: str, name: str):
    """An example request body of an operation, as the document gives it."""
    operation = openapi_document(languages=LANGUAGES)["paths"][path][method]
    return operation["requestBody"]["content"]["application/json"]["examples"][name]["value"]


def submission(kiosk: dict, body) -> schemathesis.Case:
    """A submission to the kiosk as a schemathesis case, whose response the document judges."""
    return schema[SUBMIT]["POST"].Case(
        path_parameters={"token": kiosk["token"]}, body=body, media_type="application/json"
    )


def abandoned_report(kiosk: dict, body, token: str | None = None) -> schemathesis.Case:
    """An abandoned-survey report as a schemathesis case, whose response the document judges."""
    return schema[ABANDONED_PATH]["POST"].Case(
        path_parameters={"token": token or kiosk["token"]},
        body=body,
        media_type="application/json",
    )


def invitation_poll(token: str) -> schemathesis.Case:
    """A tablet's poll for an invitation as a schemathesis case."""
    return schema[INVITATION_PATH]["GET"].Case(path_parameters={"token": token})


def documented_examples(document: dict) -> list[tuple[str, dict, object]]:
    """(where, schema, value) of every example of a body in the document: requests and
    responses alike."""
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += [(status, reply) for status, reply in operation["responses"].items()]
            for label, body in bodies:
                media = body.get("content", {}).get("application/json", {})
                for name, example in media.get("examples", {}).items():
                    where = f"{method.upper()} {path} {label} {name}"
                    found.append((where, media["schema"], example["value"]))
    return found


def example_problems(document: dict, schema_: dict, value) -> list[str]:
    """Where an example departs from its schema (formats such as uuid and date-time checked)."""
    validator = jsonschema_rs.validator_for(
        {**schema_, "components": document["components"]}, validate_formats=True
    )
    return [error.message.splitlines()[0] for error in validator.iter_errors(value)]


def test_every_example_keeps_to_its_schema():
    """What the document shows integrators is what it describes: each example of a request or a
    response body validates against the schema beside it."""
    document = openapi_document(languages=LANGUAGES)
    examples = documented_examples(document)
    wheres = {where.split(" ", 2)[1] for where, _, _ in examples}
    assert {SUBMIT, INVITATION_PATH, ABANDONED_PATH} <= wheres
    assert {
        where: problems
        for where, schema_, value in examples
        if (problems := example_problems(document, schema_, value))
    } == {}


@pytest.mark.parametrize(
    ("path", "method", "name", "change"),
    [
        (SUBMIT, "post", "reasons", lambda b: b["answers"].update(reasons=[1, 2])),
        (SUBMIT, "post", "one_tap", lambda b: b.update(partial="false")),
        (SUBMIT, "post", "one_tap", lambda b: b.update(invitation=0)),
        (SUBMIT, "post", "one_tap", lambda b: b.update(answers={})),
        (ABANDONED_PATH, "post", "invited", lambda b: b.update(invited=None)),
        (ABANDONED_PATH, "post", "invited", lambda b: b.update(answered_at="yesterday")),
    ],
)
def test_the_example_check_catches_a_wrong_example(path, method, name, change):
    """The check above can fail: an example turned into a body the code refuses is refused by
    the document too."""
    document = openapi_document(languages=LANGUAGES)
    media = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    example = copy.deepcopy(media["examples"][name]["value"])
    change(example)
    assert example_problems(document, media["schema"], example)


def test_the_documents_examples_are_taken(app, kiosk):
    """The examples are true: each submission is stored (the one tap with its unknown
    invitation ignored, the reasons one row each, the early stop as partial), the complaint
    opens a case, and the abandoned-survey reports are counted."""
    replies = {}
    for name in ("one_tap", "reasons", "stopped_early", "ratings", "complaint"):
        replies[name] = submission(kiosk, example_submission(name)).call_and_validate(app=app)
        assert replies[name].status_code == 201, name
    assert replies["ratings"].json()["case_code"] is None
    assert replies["complaint"].json()["case_code"]
    stored = {r["client_uuid"]: r for r in responses(app)}
    one_tap, reasons, stopped, *_ = stored.values()
    assert (one_tap["answers"], one_tap["partial"]) == ({"overall": 5}, False)
    assert reasons["answers"] == {"overall": 2, "reasons": ["procedure", "wait_time"]}
    assert (len(stopped["answers"]), stopped["partial"]) == (3, True)
    for name in ("invited", "walked_away"):
        body = {**document_example(ABANDONED_PATH, "post", name), "client_uuid": str(uuid.uuid4())}
        assert abandoned_report(kiosk, body).call_and_validate(app=app).status_code == 201
    assert count_rows(app, KioskAbandon) == 2


# --- Submissions: nothing required beyond one rating --------------------------------------------


@pytest.mark.parametrize(
    ("answers", "stored_answers", "partial"),
    [
        # One tap: the survey's required ratings are left out, so it is partial unless the
        # tablet says it reached the end (as the one_tap example does with `partial: false`).
        ({"overall": 4}, {"overall": 4}, True),
        ({"f3_officer": 2}, {"f3_officer": 2}, True),  # any one rating will do
        (
            {"overall": 1, "reasons": ["wait_time", "attitude", "wait_time"]},
            {"overall": 1, "reasons": ["attitude", "wait_time"]},  # given twice, stored once
            True,
        ),
        ({"overall": 3, "reasons": []}, {"overall": 3}, True),  # an empty list is no answer
        ({"f1_access": None, "comment": " ", "f2_procedure": 5}, {"f2_procedure": 5}, True),
        (
            {"f1_access": 5, "f2_procedure": 4, "f3_officer": 5, "f4_result": 4, "overall": 5},
            {"f1_access": 5, "f2_procedure": 4, "f3_officer": 5, "f4_result": 4, "overall": 5},
            False,  # every required question answered
        ),
    ],
)
def test_any_answers_with_one_rating_are_stored(app, kiosk, answers, stored_answers, partial):
    """As the document says: no question is required at a kiosk beyond one rating, `partial`
    when absent says whether a required question was left out, and no answer (null, blank, an
    empty list) is stored as none."""
    body = {**example_submission("one_tap"), "answers": answers}
    del body["partial"], body["invitation"]
    assert submission(kiosk, body).call_and_validate(app=app).status_code == 201
    (stored,) = responses(app)
    assert (stored["answers"], stored["partial"]) == (stored_answers, partial)


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"overall": None},
        {"reasons": ["wait_time"]},
        {"f5_feedback": "no_opinion"},  # "no opinion" is no rating
        {"comment": "Phải chờ lâu", "want_reply": "no"},
    ],
)
def test_an_answer_set_without_a_rating_is_refused(app, kiosk, answers):
    """400 under `answers` alone, with the documented body: nothing stored."""
    body = {**example_submission("one_tap"), "answers": answers}
    response = submission(kiosk, body).call_and_validate(app=app)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"answers"}
    assert responses(app) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"answers": {"overall": 1, "reasons": [1]}}, "answers.reasons"),
        ({"answers": {"overall": 1, "reasons": [None]}}, "answers.reasons"),
        ({"partial": None}, "partial"),
        ({"partial": "true"}, "partial"),
        ({"invitation": 0}, "invitation"),
        ({"invitation": True}, "invitation"),
        ({"invitation": "12"}, "invitation"),
        ({"invitation": MAX_DB_INT + 1}, "invitation"),
        ({"invitation": 2**64}, "invitation"),
    ],
)
def test_what_the_document_refuses_in_a_submission_is_refused(app, kiosk, fields, field):
    """Each value outside the document's Submission schema is a 400 naming its field."""
    body = {**example_submission("one_tap"), **fields}
    document = openapi_document(languages=LANGUAGES)
    assert example_problems(document, {"$ref": "#/components/schemas/Submission"}, body)
    response = submission(kiosk, body).call_and_validate(app=app)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {field}


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"overall": 1, "reasons": "wait_time"}, "answers.reasons"),
        ({"overall": 1, "reasons": ["slow"]}, "answers.reasons"),
        ({"overall": ["5"]}, "answers.overall"),
        ({"overall": 5, "want_reply": ["yes"]}, "answers.want_reply"),
    ],
)
def test_an_answer_of_another_kind_is_refused(app, kiosk, answers, field):
    """Which kind of answer each question takes, and its option codes, the document leaves to
    the survey (`GET /api/v1/kiosk/{token}`): such answers keep to its schema and are refused
    with 400 under the question (what the fuzzing's positive cases may get)."""
    body = {**example_submission("one_tap"), "answers": answers}
    document = openapi_document(languages=LANGUAGES)
    assert example_problems(document, {"$ref": "#/components/schemas/Submission"}, body) == []
    response = submission(kiosk, body).call_and_validate(app=app)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {field}


def test_the_largest_invitation_number_is_taken(app, kiosk):
    """The document's largest `invitation` is no invitation of this counter: ignored, and the
    rating stored all the same."""
    body = {**example_submission("one_tap"), "invitation": MAX_DB_INT}
    assert submission(kiosk, body).call_and_validate(app=app).status_code == 201
    assert responses(app)[0]["dossier_code"] is None


def test_the_instrument_lists_reasons_as_documented(app, kiosk):
    """The survey a tablet fetches keeps to the document, with the multi_choice question whose
    options carry no value."""
    case = schema[KIOSK_PATH]["GET"].Case(
        path_parameters={"token": kiosk["token"]}, query={"lang": "en"}
    )
    response = case.call_and_validate(app=app)
    (reasons,) = [q for q in response.json()["questions"] if q["kind"] == "multi_choice"]
    assert reasons["code"] == "reasons" and reasons["max_length"] is None
    assert reasons["options"] and {o["value"] for o in reasons["options"]} == {None}


# --- The invitation poll ------------------------------------------------------------------------


def test_the_invitation_poll_is_answered_as_documented(app, kiosk):
    """The open invitation with the officer, dossier code and procedure, never cached (the
    header is checked against the document); the next rating with its id takes its dossier
    code and uses it up, and the poll then answers null."""
    response = invitation_poll(kiosk["token"]).call_and_validate(app=app)
    assert response.status_code == 200
    assert response.headers["cache-control"] == ["no-store"]
    shown = response.json()["invitation"]
    assert shown["id"] == kiosk["invitation"]
    assert (shown["dossier_code"], shown["procedure"]) == (DOSSIER, "Chứng thực bản sao")
    assert shown["officer"]
    body = {**example_submission("one_tap"), "invitation": shown["id"]}
    assert submission(kiosk, body).call_and_validate(app=app).status_code == 201
    assert responses(app)[0]["dossier_code"] == DOSSIER
    after = invitation_poll(kiosk["token"]).call_and_validate(app=app)
    assert after.json() == {"invitation": None}


def test_an_invitation_without_officer_dossier_or_procedure_keeps_to_the_document(app, kiosk):
    """The nulls the document allows are the ones the poll gives."""
    with app.app_context():
        counter = db.session.get(models.Counter, kiosk["counter"])
        counter.officer_on_duty = None
        staff = db.session.scalar(select(User).where(User.username == "counter_a"))
        invitations.invite(counter, staff)
        db.session.commit()
    response = invitation_poll(kiosk["token"]).call_and_validate(app=app)
    shown = response.json()["invitation"]
    assert (shown["officer"], shown["dossier_code"], shown["procedure"]) == (None, None, None)


def test_an_unknown_tablets_poll_is_a_documented_404(app, kiosk):
    response = invitation_poll("no-such-kiosk").call_and_validate(app=app)
    assert response.status_code == 404


# --- Abandoned-survey reports -------------------------------------------------------------------


def test_an_abandoned_report_resent_is_answered_as_documented(app, kiosk):
    """201 the first time, then 200 with the same reply, even when the body no longer holds."""
    body = {**document_example(ABANDONED_PATH, "post", "invited"), "client_uuid": str(uuid.uuid4())}
    first = abandoned_report(kiosk, body).call_and_validate(app=app)
    again = abandoned_report(kiosk, {**body, "invited": "yes"}).call_and_validate(app=app)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert count_rows(app, KioskAbandon) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client_uuid": "nope"}, "client_uuid"),
        ({"invited": None}, "invited"),
        ({"invited": "true"}, "invited"),
        ({"answered_at": "yesterday"}, "answered_at"),
        ({"answered_at": "2020-01-01T00:00:00Z"}, "answered_at"),  # older than 7 days
        ([], "body"),
    ],
)
def test_a_bad_abandoned_report_is_answered_as_documented(app, kiosk, body, field):
    """400 naming the field, in the language of ?lang= (the report names none)."""
    if isinstance(body, dict):
        body = {"client_uuid": str(uuid.uuid4()), **body}
    case = abandoned_report(kiosk, body)
    case.query = {"lang": "en"}
    response = case.call_and_validate(app=app)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {field}
    assert all(message.isascii() for message in errors.values())  # English, not Vietnamese
    assert count_rows(app, KioskAbandon) == 0


def test_an_abandoned_report_to_an_unknown_tablet_is_a_documented_404(app, kiosk):
    body = {"client_uuid": str(uuid.uuid4())}
    response = abandoned_report(kiosk, body, token="no-such-kiosk").call_and_validate(app=app)
    assert response.status_code == 404


def test_an_oversized_abandoned_report_is_answered_as_documented(app, kiosk):
    """413 past the same 64 KB as a submission, before the token is looked at."""
    body = {"client_uuid": str(uuid.uuid4()), "padding": "x" * (64 * 1024)}
    response = abandoned_report(kiosk, body, token="no-such-kiosk").call_and_validate(app=app)
    assert response.status_code == 413


def test_abandoned_reports_share_the_submissions_limit(app, kiosk):
    """One limit per kiosk for both: after the one submission a minute allows, a report is
    refused with 429 and Retry-After, as documented."""
    app.config["KIOSK_RATELIMIT"] = "1 per minute"
    first = submission(kiosk, example_submission("one_tap")).call_and_validate(app=app)
    assert first.status_code == 201
    body = {"client_uuid": str(uuid.uuid4())}
    throttled = abandoned_report(kiosk, body).call_and_validate(app=app)
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"][0]) >= 1
    assert count_rows(app, KioskAbandon) == 0


# --- Submissions: resends, limits, languages ----------------------------------------------------


def test_a_resend_is_answered_as_documented(app, kiosk):
    """200 with the first reply, even when the rest of the body no longer holds."""
    body = example_submission("ratings")
    first = submission(kiosk, body).call_and_validate(app=app)
    again = submission(kiosk, {**body, "answers": {}}).call_and_validate(app=app)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_a_throttled_submission_is_answered_as_documented(app, kiosk):
    """429 with the error body and Retry-After (response_headers_conformance checks it)."""
    app.config["KIOSK_RATELIMIT"] = "1 per minute"
    assert (
        submission(kiosk, example_submission("ratings")).call_and_validate(app=app).status_code
        == 201
    )
    throttled = submission(kiosk, example_submission("ratings")).call_and_validate(app=app)
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"][0]) >= 1


def test_an_oversized_submission_is_answered_as_documented(app, kiosk):
    """413 with the error body, past the 64 KB the document states."""
    body = {**example_submission("ratings"), "comment": "x" * (64 * 1024)}
    response = submission(kiosk, body).call_and_validate(app=app)
    assert response.status_code == 413
    assert response.json()["status"] == 413


@pytest.mark.parametrize("language", [False, 0, [], {}, "fr"])
def test_a_language_the_document_does_not_list_is_refused(app, kiosk, language):
    """Not taken as Vietnamese: only vi, en, empty and null are languages."""
    body = {**example_submission("ratings"), "language": language}
    response = submission(kiosk, body).call_and_validate(app=app)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"language"}


@pytest.mark.parametrize("language", ["", None])
def test_an_empty_language_means_vietnamese(app, kiosk, language):
    """Empty and null are documented as Vietnamese."""
    body = {**example_submission("ratings"), "language": language}
    assert submission(kiosk, body).call_and_validate(app=app).status_code == 201


# --- The period summary: its schema is what the service returns -------------------------------

RATED = {"f1_access": 4, "f2_procedure": 5, "f3_officer": 4, "f4_result": 2, "overall": 4}


def rate(
    app, desk: int, when: datetime, *, counter=True, officer=False, suspicious=False, **answers
) -> None:
    """One paper response typed in at a desk, at its first counter (or at none), answered at a
    Vietnamese wall-clock time; `officer`: as if given while the desk's first officer served;
    `suspicious`: burst-flagged."""
    with app.app_context():
        point = db.session.get(ServicePoint, desk)
        where = surveys.Where(
            channel=ResponseChannel.PAPER,
            service_point=point,
            counter=point.counters[0] if counter else None,
            max_age_days=100_000,
        )
        payload = {
            "client_uuid": str(uuid.uuid4()),
            "instrument": active_instrument().label,
            "answers": {**RATED, **answers},
            "answered_at": when.replace(tzinfo=LOCAL_TZ).isoformat(),
        }
        reply, created = surveys.submit(payload, where)
        assert created
        response = db.session.get(Response, reply["id"])
        response.officer_id = point.officers[0].id if officer else None
        response.suspicious = suspicious
        db.session.commit()


@pytest.fixture
def rated(app, survey, district) -> dict:
    """March 2026 in quận Thanh Xuân, with something in every part of the summary: ratings at
    the district's own desk (seven at its counter with its officer, three of them low with
    their reasons, enough for the district's reasons to be shown; two at no counter: a row
    without id, suppressed), at ward A's (scored choices, "no opinion", a burst-flagged one)
    and too few at ward B's (every cell suppressed); ward A's February (the previous period);
    a case at ward A; dossier figures at ward B only (ward A's are null); a survey abandoned
    at ward A's tablet."""
    march, february = datetime(2026, 3, 10, 9), datetime(2026, 2, 10, 9)
    for overall in (5, 5, 4, 4):
        rate(app, district["desk_district"], march, officer=True, overall=overall)
    for overall, reasons in ((2, ["wait_time"]), (1, ["wait_time", "attitude"]), (1, [])):
        rate(app, district["desk_district"], march, officer=True, overall=overall, reasons=reasons)
    for overall in (3, 5):
        rate(app, district["desk_district"], march, counter=False, overall=overall)
    for overall in (5, 5, 4, 3, 2, 1):
        rate(
            app,
            district["desk_a"],
            march,
            overall=overall,
            f5_feedback="no_opinion",
            tt01_returns="once",
            tt01_offices="none",
            want_reply="no",
        )
    rate(app, district["desk_a"], march, suspicious=True, overall=1)
    for overall in (5, 4):
        rate(app, district["desk_b"], march, overall=overall)
    for overall in (5, 5, 5, 4, 1):
        rate(app, district["desk_a"], february, overall=overall)
    with app.app_context():
        case = cases.create_case(
            cases.NewCase(
                channel=CaseChannel.WALK_IN,
                content="Chậm trả kết quả",
                service_point=db.session.get(ServicePoint, district["desk_a"]),
                received_at=datetime(2026, 3, 2, 9, tzinfo=LOCAL_TZ),
            )
        )[0]
        actor = db.session.scalar(select(User).where(User.username == "reform"))
        cases.classify(case, kind=CaseKind.FEEDBACK, subject="", actor=actor)
        figures = dict(received_online=6, received_direct=3, received_carried_over=1)
        figures |= dict(resolved_early=2, resolved_on_time=5, resolved_late=1)
        figures |= dict(pending_in_time=1, pending_overdue=1)
        db.session.add(
            DossierStat(
                service_point_id=district["desk_b"],
                month=date(2026, 3, 1),
                field="",
                received_total=10,
                resolved_total=8,
                pending_total=2,
                **figures,
            )
        )
        db.session.commit()
    tablet = make_kiosk(app, district["desk_a"], publish=False)
    with app.app_context():
        day = date(2026, 3, 12)
        db.session.add(KioskAbandon(client_uuid=str(uuid.uuid4()), kiosk_id=tablet["id"], day=day))
        db.session.commit()
    return district


def _walk(node, visit) -> None:
    """Call `visit` on every schema object (dict) within `node`."""
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def strict_summary_schema(document: dict) -> dict:
    """The document's summary schema made strict, for this file only. Every object it leaves open
    (`additionalProperties: true`, as DESIGN promises clients that keys may be added) is closed
    (`unevaluatedProperties: false`; a schema other schemas extend through `allOf` is just left
    without the keyword, so that they see its properties), so a key the service adds without
    documenting it fails; and every `x-decimals` is checked as `multipleOf`."""
    components = copy.deepcopy(document["components"])
    schemas = components["schemas"]
    extended = set()
    _walk(
        schemas,
        lambda node: extended.update(
            part["$ref"].rsplit("/", 1)[1] for part in node.get("allOf", []) if "$ref" in part
        ),
    )

    def close(node: dict, root: dict | None) -> None:
        if "x-decimals" in node:
            node["multipleOf"] = 10 ** -node["x-decimals"]
        if node.get("additionalProperties") is True:
            del node["additionalProperties"]
            if node is not root:
                node["unevaluatedProperties"] = False

    for name, schema in schemas.items():
        root = schema if name in extended else None
        _walk(schema, lambda node, root=root: close(node, root))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/components/schemas/Summary",
        "components": components,
    }


def summary_problems(summary: dict, strict: bool = True) -> list[str]:
    """Where a summary departs from the document's schema: "<path>: <message>" each."""
    document = openapi_document(languages=LANGUAGES)
    if strict:
        schema = strict_summary_schema(document)
    else:
        schema = {"$ref": "#/components/schemas/Summary", "components": document["components"]}
    validator = jsonschema_rs.validator_for(schema)
    return [
        "/".join(map(str, error.instance_path)) + ": " + error.message.splitlines()[0]
        for error in validator.iter_errors(summary)
    ]


def get_summary(client, username: str, unit: str, period: str = SUMMARY_MONTH) -> dict:
    """The summary JSON as a signed-in user reads it."""
    sign_in(client, username)
    response = client.get(f"{SUMMARY_PATH}?period={period}&unit={unit}&lang=en")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_summary_keeps_to_its_schema(app, client, rated):
    """A real summary, with every part the service can give, is exactly what the schema says:
    no key missing, none undocumented, every type, range, null and decimal as stated."""
    summary = get_summary(client, "reform", "009")
    assert summary_problems(summary) == []
    # The parts that make the check worth something are there (the fixture's data).
    children = {child["unit"]["code"]: child for child in summary["children"]}
    assert set(children) == {"00343", "00346"}
    assert all(child["children"] == [] and "desks" not in child for child in children.values())
    assert children["00343"]["dossiers"] is None
    assert children["00346"]["dossiers"] is not None and summary["dossiers"] is not None
    assert children["00346"]["questions"]["overall"]["levels"] is None  # suppressed
    ward_a = children["00343"]
    assert ward_a["questions"]["overall"]["ci95"] and ward_a["questions"]["tt01_returns"]["levels"]
    assert ward_a["tt01"]["3"] is not None and ward_a["previous"]["questions"]
    assert ward_a["changes"]["questions"]["overall"]["significant"] is not None
    assert ward_a["suspicious"] == 1 and ward_a["cases"]["by_kind"] == {"feedback": 1}
    assert ward_a["kiosk"]["abandoned"] == 1 and ward_a["kiosk"]["completion_pct"] == 0
    reasons = {item["code"]: item for item in summary["reasons"]["items"]}
    assert summary["reasons"]["low_ratings"] >= 5
    assert reasons["wait_time"]["count"] == 2 and reasons["wait_time"]["pct_of_low"]
    assert all(item["count"] is None for item in ward_a["reasons"]["items"])  # too few
    (desk,) = summary["desks"]
    for rows in (desk["counters"], desk["officers"]):
        assert [row["id"] is None for row in rows] == [False, True]
        assert rows[0]["satisfaction_index"] is not None and rows[1]["satisfaction_index"] is None
    # A unit manager sees no officers; a ward has no children.
    ward = get_summary(app.test_client(), "manager_a", "00343")
    assert summary_problems(ward) == []
    assert ward["children"] == [] and ward["desks"] and "officers" not in ward["desks"][0]


DRIFTS = {
    "an undocumented key": lambda s: s.update(rating_count=1),
    "an undocumented key in a previous period": lambda s: s["previous"].update(rank=1),
    "an undocumented key in a child": lambda s: s["children"][0].update(rank=1),
    "an undocumented key in an officer's row": lambda s: s["desks"][0]["officers"][0].update(x=1),
    "an undocumented key in a question": lambda s: s["questions"]["overall"].update(median=4),
    "a renamed key": lambda s: s.update(coverage=s.pop("coverage_pct")),
    "a share with two decimals": lambda s: s["questions"]["overall"].update(satisfied_pct=62.55),
    "a share as text": lambda s: s.update(satisfaction_index="75.0"),
    "a share above 100": lambda s: s["factors"]["F1"].update(index=100.1),
    "an interval of one bound": lambda s: s["questions"]["overall"].update(ci95=[30.6]),
    "a TT 01 index missing": lambda s: s["tt01"].pop("9"),
    "a child with children": lambda s: s["children"][0].update(children=[s["children"][1]]),
    "desks missing": lambda s: s.pop("desks"),
    "dossier figures missing": lambda s: s.update(dossiers={"received": 10}),
    "an unknown case channel": lambda s: s["cases"]["by_channel"].update(fax=1),
}


def test_the_schema_check_catches_drift(client, rated):
    """The check above can fail: each summary the service might drift to is refused; an added
    key only by the strict schema (the document promises clients that keys may be added)."""
    summary = get_summary(client, "reform", "009")
    missed, refused_by_the_document = [], []
    for drift, change in DRIFTS.items():
        drifted = copy.deepcopy(summary)
        change(drifted)
        if not summary_problems(drifted):
            missed.append(drift)
        if drift.startswith("an undocumented key") and summary_problems(drifted, strict=False):
            refused_by_the_document.append(drift)
    assert missed == []
    assert refused_by_the_document == []


@pytest.fixture(scope="module")
def form_app():
    """The app for its forms only (they read no table): one for the module, no database."""
    app = create_app(
        {
            "TESTING": True,
            "ENV": "testing",
            "SECRET_KEY": "tests",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


CANONICAL_PERIODS = ("2025", "2025-H1", "2025-H2", "2025-Q1", "2025-Q4", "2025-06", "2025-12")


@pytest.mark.parametrize(
    ("period", "allowed", "read"),
    [
        *((period, True, True) for period in CANONICAL_PERIODS),
        *((period, True, True) for period in ("2025-01-01..2025-03-15", "2024-02-29..2024-02-29")),
        *((period, True, True) for period in ("2025-h1", "2025-q2", " 2025-Q2 ", "\t2025\n")),
        (str(periods.FIRST_YEAR), True, True),
        (str(periods.LAST_YEAR), True, True),
        ("2000-01-01..2002-12-31", True, True),  # 1096 days, the longest range
        ("2025-01-01..2025-03-15".center(60), True, True),
        # What a pattern cannot tell: refused with 400.
        ("2025-02-29..2025-03-01", True, False),
        ("2025-03-02..2025-03-01", True, False),
        ("2000-01-01..2003-01-01", True, False),
        # Control and format characters are removed before the period is read.
        ("2025\u200b-Q1", False, True),
        ("2025-\x7fQ1", False, True),
        (str(periods.FIRST_YEAR - 1), False, False),
        (str(periods.LAST_YEAR + 1), False, False),
        *((p, False, False) for p in ("2025-H3", "2025-Q0", "2025-Q5", "2025-13", "2025-00")),
        *((p, False, False) for p in ("25", "2025-6", "2025/06", "", " ", "Q1-2025", "H1")),
        *((p, False, False) for p in ("2025-01-01..", "2025-01-01...2025-01-02", "２０２５")),
        *((p, False, False) for p in ("2025-1-1..2025-1-2", "1999-12-31..2000-01-01")),
    ],
)
def test_the_period_pattern_is_what_the_reports_read(form_app, period, allowed, read):
    """What the document allows as `period` against what the summary's form reads: the same,
    but for what a pattern cannot tell (days not in the calendar, ranges backwards or too long:
    400) and the characters the form removes first (as the parameter's description says)."""
    document = openapi_document(languages=LANGUAGES)
    schema = document["components"]["parameters"]["ReportPeriod"]["schema"]
    assert (re.search(schema["pattern"], period) is not None) is allowed
    with form_app.test_request_context():
        assert SummaryForm(formdata=MultiDict({"period": period})).validate() is read


def test_the_summary_is_the_only_operation_with_a_session(app):
    """`cookieAuth` is the app's session cookie, and only the summary asks for it: the kiosk
    operations stay authenticated by the token in their path, the document is public."""
    document = openapi_document(languages=LANGUAGES)
    scheme = document["components"]["securitySchemes"]["cookieAuth"]
    assert (scheme["type"], scheme["in"]) == ("apiKey", "cookie")
    assert scheme["name"] == app.config["SESSION_COOKIE_NAME"] == SESSION_COOKIE
    assert "security" not in document
    secured = {
        (path, method)
        for path, method in documented_operations(document)
        if document["paths"][path][method].get("security")
    }
    assert secured == {(SUMMARY_PATH, "get")}


def summary_case(query: dict, cookie: str | None = None) -> schemathesis.Case:
    """A summary request as a schemathesis case, whose response the document judges."""
    return schema[SUMMARY_PATH]["GET"].Case(
        query=query, cookies={SESSION_COOKIE: cookie} if cookie else None
    )


@pytest.mark.parametrize(
    ("username", "query", "status"),
    [
        (None, {"period": SUMMARY_MONTH, "unit": "009"}, 401),
        ("clerk", {"period": SUMMARY_MONTH, "unit": "009"}, 403),
        ("manager_a", {"period": SUMMARY_MONTH, "unit": "009"}, 404),
        ("reform", {"period": SUMMARY_MONTH, "unit": "01"}, 404),
        ("reform", {"period": SUMMARY_MONTH, "unit": "99999"}, 404),
        ("reform", {"period": "2026-Q5", "unit": "009", "lang": "en"}, 400),
        ("reform", {"period": "2026-02-30..2026-03-01"}, 400),
        ("reform", {"period": "2025-Q1" + " x" * 20}, 400),  # over 40 characters
        ("reform", {"period": SUMMARY_MONTH, "unit": "0\x0009"}, 400),
    ],
)
def test_refusals_are_answered_as_documented(app, client, district, username, query, status):
    """401, 403, 404 and both kinds of 400, each with a body the document allows."""
    cookie = None
    if username:
        sign_in(client, username)
        cookie = client.get_cookie(SESSION_COOKIE).value
    response = summary_case(query, cookie).call_and_validate(app=app)
    assert response.status_code == status
    if status == 400 and "\x00" not in query.get("unit", ""):
        assert set(response.json()["errors"]) == {"period"}


@pytest.mark.parametrize("period", ["", " ", "\u200b"])
def test_an_empty_period_is_a_400(client, district, period):
    """A period left empty (once the form has cleaned it) is refused like any other: 400."""
    sign_in(client, "reform")
    response = client.get(SUMMARY_PATH, query_string={"period": period})
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"period"}
