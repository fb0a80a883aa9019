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

from feedback_app import create_app
from feedback_app.apidocs.spec import (
    API_PREFIX,
    INSTRUMENT_LABEL_PATTERN,
    KIOSK_TOKEN_MAX_LENGTH,
    KIOSK_TOKEN_PATTERN,
    PERIOD_PATTERN,
    SESSION_COOKIE,
    SUMMARY_PATH,
    openapi_document,
)
from feedback_app.cases import service as cases
from feedback_app.config import LANGUAGES
from feedback_app.extensions import db
from feedback_app.models import (
    CaseChannel,
    CaseKind,
    DossierStat,
    Response,
    ResponseChannel,
    ServicePoint,
    User,
)
from feedback_app.reports import periods
from feedback_app.reports.forms import SummaryForm
from feedback_app.surveys import service as surveys
from feedback_app.surveys.instruments import CODE_PATTERN, active_instrument
from feedback_app.timeutil import LOCAL_TZ
from tests.conftest import sign_in
from tests.surveys.kiosk_support import make_kiosk

DOCUMENT = f"{API_PREFIX}/openapi.json"
SUBMIT = f"{API_PREFIX}/kiosk/{{token}}/responses"
SUMMARY_MONTH = "2026-03"  # the month the `rated` fixture fills
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
    assert api_routes(app) >= {(f"{API_PREFIX}/kiosk/{{token}}", "get"), (SUBMIT, "post")}


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
                # Which questions a version has, which are required, its option codes, the
                # 7-day window, the phone a reply needs: the document cannot say this per
                # version, so a body valid by the document may still be refused with 400.
                "include-method": "POST",
                "include-path": SUBMIT,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "404", "413", "429"]
                    }
                },
            }
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
    """The default survey published and a kiosk at ward A's desk: its token, the survey's
    label and question codes, and the client UUIDs stored so far. Throttling and burst flags
    are lifted: the fuzzing sends hundreds of answers from one kiosk within a minute (the
    429 is checked below, and in test_kiosk_api.py)."""
    app.config.update(KIOSK_RATELIMIT="1000000 per minute", KIOSK_BURST_COUNT=1_000_000)
    made = make_kiosk(app, district["desk_a"])
    with app.app_context():
        survey = active_instrument()
        label, questions = survey.label, [q.code for q in survey.questions]
    return made | {"instrument": label, "questions": questions, "stored": set()}


def _chance(value, out_of: int) -> bool:
    """A 1-in-`out_of` choice made from a generated value: reproducible, unlike random()."""
    return zlib.crc32(repr(value).encode("utf-8", "surrogatepass")) % out_of == 0


def aim_at_the_kiosk(case, kiosk: dict) -> None:
    """Point generated requests at the real kiosk and survey, so that they reach the checks
    behind the 404. A token the document allows is replaced by the kiosk's (one in five is
    kept: an unknown token); half the submissions name the published survey and give the
    generated answers to its questions. Whatever the document refuses is sent as it is.

    A `client_uuid` stored already (the document's examples are stored) is replaced by a new
    one: a resend is answered with the first reply whatever it holds now, as documented
    (test_kiosk_api.py tests it), so the server would not judge this case's own content."""
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
    if case.operation.path != SUBMIT or not isinstance(body, dict):
        return
    if isinstance(body.get("client_uuid"), str) and body["client_uuid"] in kiosk["stored"]:
        body = {**body, "client_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, repr(body)))}
    if not _chance(body, 2):
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
    post = openapi_document(languages=LANGUAGES)["paths"][SUBMIT]["post"]
    example = post["requestBody"]["content"]["application/json"]["examples"][name]["value"]
    return {**example, "client_uuid": str(uuid.uuid4())}


def submission(kiosk: dict, body) -> schemathesis.Case:
    """A submission to the kiosk as a schemathesis case, whose response the document judges."""
    return schema[SUBMIT]["POST"].Case(
        path_parameters={"token": kiosk["token"]}, body=body, media_type="application/json"
    )


def test_the_documents_examples_are_taken(app, kiosk):
    """The examples are true: plain ratings are stored, the complaint opens a case."""
    ratings = submission(kiosk, example_submission("ratings")).call_and_validate(app=app)
    assert ratings.status_code == 201
    assert ratings.json()["case_code"] is None
    complaint = submission(kiosk, example_submission("complaint")).call_and_validate(app=app)
    assert complaint.status_code == 201
    assert complaint.json()["case_code"]


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
    the district's own desk (five at its counter with its officer, two at no counter: a row
    without id, suppressed), at ward A's (scored choices, "no opinion", a burst-flagged one)
    and too few at ward B's (every cell suppressed); ward A's February (the previous period);
    a case at ward A; dossier figures at ward B only (ward A's are null)."""
    march, february = datetime(2026, 3, 10, 9), datetime(2026, 2, 10, 9)
    for overall in (5, 5, 4, 4, 2):
        rate(app, district["desk_district"], march, officer=True, overall=overall)
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
