"""The OpenAPI document of /api/v1 (GET /api/v1/openapi.json): served, valid, complete and true.

"True" is checked by schemathesis: it generates requests from the document, valid and invalid,
sends them to the app in-process (WSGI, no server) and checks every response against the
document. The fuzzing is marked slow (`pytest -m "not slow"` skips it; CI runs it).
"""

import json
import re
import time
import uuid
import zlib
from collections import Counter

import jsonschema_rs
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings

from feedback_app.apidocs.spec import (
    API_PREFIX,
    INSTRUMENT_LABEL_PATTERN,
    KIOSK_TOKEN_MAX_LENGTH,
    KIOSK_TOKEN_PATTERN,
    openapi_document,
)
from feedback_app.config import LANGUAGES
from feedback_app.surveys.instruments import CODE_PATTERN, active_instrument
from tests.kiosk_support import make_kiosk

DOCUMENT = f"{API_PREFIX}/openapi.json"
SUBMIT = f"{API_PREFIX}/kiosk/{{token}}/responses"
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
