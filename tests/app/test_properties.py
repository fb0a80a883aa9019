"""Property-based tests (hypothesis) of every intake path and the staff entry forms.

Whatever arrives (arbitrary JSON values in every field, control characters, lone surrogates,
bidirectional marks, combining characters, strings up to a megabyte, numbers past any column,
NaN and Infinity, dates from year 1 to 9999 in any time zone), DESIGN §6 holds:

1. never a 500: a refusal is a 4xx (400, 404, 413; 405 for an id past a database integer),
   an accepted input a 200, 201 or 302, and valid input is always accepted;
2. a refusal changes nothing (every table has as many rows after as before), and what is
   accepted is stored clean: no control, format, private-use or surrogate characters but
   newlines and tabs, every date and time between 2000 and 2100;
3. idempotency: the same kiosk client_uuid, Twilio MessageSid or gateway id sent twice stores
   one row.

Each test builds its world (app, district, kiosk, box opening, comment book, signed-in admin)
once and runs many examples against it, so every example compares the database after it with
the database just before it, never with an empty start. Forms are posted without CSRF tokens
(CSRF has its own tests) as raw urlencoded bodies, so lone surrogates arrive as the invalid
UTF-8 a broken client would send.
"""

import json
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import parse_qsl, quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import func, literal, select, union_all

from feedback_app.extensions import db
from feedback_app.intake import service as intake
from feedback_app.models import (
    CallOutcome,
    CaseKind,
    CommentBook,
    Holiday,
    ServicePoint,
    SmsMessage,
    User,
)
from feedback_app.surveys.defaults import DEFAULT_INSTRUMENT
from feedback_app.timeutil import LOCAL_TZ, local_today
from tests.hotline import hotline_support as hotline

# --- settings ---------------------------------------------------------------------------------

# The world is built once per test (function-scoped fixtures), so every example counts rows
# before and after itself. No example database: nothing is written into the work tree.
_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


def examples(n: int):
    """Hypothesis settings for a test that runs `n` examples."""
    return settings(max_examples=n, **_COMMON)


# Stored dates and times must fall within these years (a typing mistake or a forged timestamp
# otherwise: year 1 cannot even be converted to Vietnam time, year 9999 overflows a deadline).
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
INSTRUMENT = f"{DEFAULT_INSTRUMENT['code']}@1"
REFUSED = frozenset({400, 404, 405, 413})
MAX_DB_INT = 2**31 - 1

# --- strategies: text -------------------------------------------------------------------------

# Groups of odd characters, each as likely as any other character: NUL (PostgreSQL text refuses
# it) and the other C0/C1 controls with CR; bidirectional marks and overrides, zero-width and
# other format characters, private use; combining marks (Vietnamese tones, decomposed), line
# and paragraph separators, an emoji; lone surrogates (JSON "\ud800" escapes decode to these);
# letters and the characters that mean something in a form body or a label.
CONTROLS = "\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x85\x9f\r"
FORMATS = "\u202a\u202e\u200b\u200d\u200e\u200f\u2066\u00ad\ufeff\ufff9\ue000\U0010fffd"
MARKS = "\u0301\u0323\u034f\u2028\u2029\u00a0\ufffd\U0001f600\n\t "
SURROGATES = "\ud800\udbff\udc00\udfff"
SAMPLES = (
    "Cán bộ phường tiếp dân chậm, phải chờ hơn một tiếng.",
    "Đề nghị bố trí thêm ghế chờ ở tầng 1.",
    "Cảm ơn cán bộ đã hướng dẫn tận tình",
    "Xin hỏi khi nào có kết quả? Gọi 0912 345 678",
    "Nguyễn Văn An",
    "Tra\u0300n Thi\u0323 Bi\u0300nh",  # decomposed Vietnamese (NFD keyboards)
    "\u202eنص عربي\u202c",
    "STOP",
    "Hủy",
    "0912345678",
)
CHARS = st.one_of(
    st.characters(), *(st.sampled_from(group) for group in (CONTROLS, FORMATS, MARKS, SURROGATES))
)
# Printable text only: letters, marks, digits, punctuation, symbols and plain spaces.
PRINTABLE = st.characters(categories=["L", "M", "N", "P", "S"]) | st.just(" ")


def _repeat(chunk: str, times: int) -> str:
    return chunk * times


def _has_surrogate(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cs" for ch in text)


def _without_surrogates(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cs")


def strings(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    """Strings of CHARS (joined from a list: st.text() would fold the groups into one range of
    code points and seldom pick the odd ones)."""
    return st.lists(CHARS, min_size=min_size, max_size=max_size).map("".join)


TEXT = st.one_of(
    strings(),
    st.sampled_from(SAMPLES),
    # Long runs around every limit (20, 200, 1000, 1600, 5000 characters…).
    st.builds(_repeat, strings(1, 4), st.integers(1, 1700)),
)
SHORT_TEXT = strings(max_size=12)


def clean_text(max_size: int) -> st.SearchStrategy[str]:
    """Text every form and API must take: printable, with a letter or digit, within a limit."""
    return st.one_of(
        st.sampled_from([s for s in SAMPLES if len(s) <= max_size]),
        st.builds(
            lambda letter, rest: (letter + rest)[:max_size],
            st.sampled_from("aĐệƯ0"),
            st.text(PRINTABLE, max_size=min(max_size, 60)),
        ),
    )


# --- strategies: numbers, JSON, dates ----------------------------------------------------------

HUGE_NUMBERS = (10**20, 99999999999999999999, 2**31, 2**31 - 1, 2**63, -(2**63) - 1, -1, 0)
NUMBERS = st.one_of(
    st.integers(),
    st.sampled_from(HUGE_NUMBERS),
    st.floats(),  # NaN and ±Infinity included: Python's json writes and reads them
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | NUMBERS | TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(SHORT_TEXT, children, max_size=3)
    ),
    max_leaves=6,
)
# Numbers in a query string (?page=, ?queued=): huge, negative, not numbers at all.
PAGE_VALUES = st.one_of(
    st.sampled_from(["99999999999999999999", str(2**63), str(2**31), "0", "-1", "1e9", "１２"]),
    NUMBERS.map(str),
    SHORT_TEXT,
)
OFFSETS = st.sampled_from(
    [None, UTC] + [timezone(timedelta(minutes=m)) for m in (420, -720, 840, 1439, -1439, 345, -30)]
)
ANY_DATETIME = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    OFFSETS,
)
# The year extremes first: sampled_from favours the start of its list.
MALFORMED_DATES = (
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "",
    " ",
    "yesterday",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "0000-01-01",
    "10000-01-01",
    "-2026-03-14",
    "2026-03-14T25:00",
    "2026-03-14T09:60",
    "2026-03-14T09:30+25:00",
    "2026-03-14T09:30:00.123456789Z",
    "2026-W11-6",
    "20260314T093000",
    "2026-03-14 09:30",
    "2026-3-4",
    "14/03/2026",
    "９９９９-12-31",
    "9999-12-31T23:59:59.999999-23:59",
    "0001-01-01T00:00:00+23:59",
    "1999-12-31",
    "2101-01-01",
)


def _now_shifted(minutes: int) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def _local_wall_clock(minutes_ago: int) -> str:
    """A Vietnam wall-clock time, as a datetime-local input sends it."""
    moment = datetime.now(LOCAL_TZ).replace(tzinfo=None) - timedelta(minutes=minutes_ago)
    return moment.isoformat(timespec="minutes")


# Typed times of forms (datetime-local, Vietnam time) and typed days.
RECENT_WALL_CLOCK = st.builds(_local_wall_clock, st.integers(10, 2 * 365 * 24 * 60))
ANY_WALL_CLOCK = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
        lambda m: m.isoformat(timespec="minutes")
    ),
    st.sampled_from(MALFORMED_DATES),
    TEXT,
)
ANY_DAY = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.sampled_from(MALFORMED_DATES),
    TEXT,
)


def some_of(names, at_most: int = 3) -> st.SearchStrategy[frozenset]:
    """Which fields an example breaks: none in about half the examples (valid input must be
    taken), else one to `at_most` of them."""
    return st.one_of(
        st.just(frozenset()), st.frozensets(st.sampled_from(names), min_size=1, max_size=at_most)
    )


# --- values known only when an example runs ----------------------------------------------------


@dataclass(frozen=True)
class Later:
    """A field value made when the example runs: a new one-time token, an id of the world."""

    what: str


FRESH = Later("a new uuid4")
DESK = Later("the desk's id")
UNIT = Later("the district's id")
NEXT_ENTRY = Later("the book's next entry number")

# --- requests as a browser, a tablet or a gateway (or a broken one) sends them -----------------


def _quoted(text: str) -> str:
    # surrogatepass: a lone surrogate goes out as the (invalid) UTF-8 a broken client sends.
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def form_body(fields: dict) -> bytes:
    """An urlencoded body (a None value leaves its field out)."""
    pairs = [
        f"{_quoted(name)}={_quoted(str(value))}"
        for name, value in fields.items()
        if value is not None
    ]
    return "&".join(pairs).encode("ascii")


def _sent(url: str, payload) -> None:
    """Tell hypothesis what the example sent: shown with a failing example."""
    text = repr(payload)
    note(f"POST {url} {text[:600]}{' …' if len(text) > 600 else ''}")


def post_form(client, url: str, fields: dict):
    """POST an urlencoded form."""
    _sent(url, fields)
    return client.post(
        url, data=form_body(fields), content_type="application/x-www-form-urlencoded"
    )


def post_json(client, url: str, body):
    """POST a JSON body as Python writes it (NaN and Infinity as bare words, lone surrogates
    as \\uXXXX escapes)."""
    _sent(url, body)
    return client.post(url, data=json.dumps(body), content_type="application/json")


def twilio_form_post(client, params: dict):
    """POST the SMS webhook as Twilio would, signed over the form exactly as the app will read
    it (a lone surrogate goes out as invalid UTF-8, which Werkzeug re-quotes)."""
    _sent("/hotline/twilio/sms", params)
    raw = form_body(params)
    # Werkzeug's own error handler (registered when it is imported) re-quotes invalid UTF-8.
    as_read = dict(
        parse_qsl(raw.decode("ascii"), keep_blank_values=True, errors="werkzeug.url_quote")
    )
    signature = hotline.sign(as_read, hotline.PUBLIC + "/hotline/twilio/sms")
    return client.post(
        "/hotline/twilio/sms",
        data=raw,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )


def gateway_json_post(client, body):
    """POST a JSON body to the generic gateway, HMAC-signed over its bytes."""
    _sent("/hotline/gateway/sms", body)
    return hotline.gateway_post(client, None, raw=json.dumps(body).encode("ascii"))


# --- the database before and after an example ---------------------------------------------------


def snapshot(app) -> dict[str, tuple[int, int]]:
    """(row count, largest id) of every table, in one statement."""
    with app.app_context():
        parts = []
        for table in db.metadata.sorted_tables:
            largest = func.coalesce(func.max(table.c.id), 0) if "id" in table.c else literal(0)
            parts.append(select(literal(table.name), func.count(), largest).select_from(table))
        rows = db.session.execute(union_all(*parts)).all()
        return {name: (count, largest) for name, count, largest in rows}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _bad_chars(text: str) -> list[str]:
    return [
        f"U+{ord(ch):04X}"
        for ch in text
        if ch not in "\n\t" and unicodedata.category(ch).startswith("C")
    ]


def _plausible(value: date) -> bool:
    """A stored day within 2000–2100, or an instant within those years in Vietnam (a time
    typed as 2000-01-01 00:00 there is stored as 1999-12-31 17:00 UTC)."""
    if not isinstance(value, datetime):
        return EARLIEST_YEAR <= value.year <= LATEST_YEAR
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite: naive UTC
    return EARLIEST_YEAR <= moment.astimezone(LOCAL_TZ).year <= LATEST_YEAR


def stored_problems(app, before: dict) -> list[str]:
    """What is wrong with the rows added since `before`: characters that must never be stored
    (control, format, private-use, surrogate: Unicode category C, newline and tab aside),
    dates and times outside 2000–2100."""
    problems = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if "id" not in table.c:
                continue
            rows = db.session.execute(
                select(table).where(table.c.id > before[table.name][1])
            ).mappings()
            for row in rows:
                for column, value in row.items():
                    where = f"{table.name}.{column} (id {row['id']})"
                    if isinstance(value, date) and not _plausible(value):
                        problems.append(f"{where} = {value!r}")
                        continue
                    for text in _strings(value):
                        if bad := _bad_chars(text):
                            problems.append(f"{where} holds {', '.join(sorted(set(bad)))}")
    return problems


def added(before: dict, after: dict, table: str) -> int:
    """How many rows a table gained."""
    return after[table][0] - before[table][0]


def excerpt(response) -> str:
    """The start of a response's body, for a failure message."""
    return response.get_data(as_text=True)[:300]


def check(app, before, response, *, allowed, table=None, new_rows=None, must_accept=False):
    """The properties every example keeps, whatever it sent; the database after it.

    `allowed`: the statuses this endpoint may answer; `new_rows`: how many rows `table`
    gains for each accepting status; `must_accept`: the input was valid, so a refusal is a bug
    too.
    """
    status = response.status_code
    assert status < 500, f"{status} (never a 500): {excerpt(response)}"
    assert status in allowed, f"unexpected {status}: {excerpt(response)}"
    after = snapshot(app)
    if status in REFUSED:
        assert not must_accept, f"valid input refused with {status}: {excerpt(response)}"
        changed = {
            name: (before[name], after[name]) for name in after if after[name] != before[name]
        }
        assert not changed, f"a {status} refusal stored something: {changed}"
        return after
    problems = stored_problems(app, before)
    assert not problems, f"stored invalid data: {problems}"
    if new_rows is not None and status in new_rows:
        gained = added(before, after, table)
        assert gained == new_rows[status], f"{status}: {table} gained {gained} rows"
    return after


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    """Everything the examples need, by id (objects would be detached outside a context)."""

    app: Flask
    staff: FlaskClient  # signed in as the admin (scope: the whole province); CSRF off
    public: FlaskClient  # no session: the kiosk, the webhooks, the web survey
    desk: int
    unit: int
    kiosk_token: str
    opening: int
    book: int

    def fill(self, fields: dict) -> dict:
        """The fields with every Later value made concrete."""
        return {name: self._value(value) for name, value in fields.items()}

    def _value(self, value):
        if value is FRESH:
            return str(uuid.uuid4())
        if value is DESK:
            return self.desk
        if value is UNIT:
            return self.unit
        if value is NEXT_ENTRY:
            with self.app.app_context():
                return intake.next_entry_number(db.session.get(CommentBook, self.book))
        return value


@pytest.fixture
def world(app, district, kiosk, admin) -> World:
    """The district with a published instrument, a kiosk, a hotline line, an open box opening
    and this year's comment book; throttles raised so that no example is refused for their
    number; the admin signed in, and CSRF off after that."""
    app.config.update(
        KIOSK_RATELIMIT="1000000 per minute",
        KIOSK_BURST_COUNT=10**9,
        WEB_SURVEY_RATELIMIT="1000000 per minute",
    )
    hotline.configure(app)
    hotline.add_line(app, district["district"])
    with app.test_request_context():  # the services word their errors for a request
        actor = db.session.scalar(select(User).where(User.username == "admin"))
        desk = db.session.get(ServicePoint, district["desk_a"])
        opening, _created = intake.open_box(
            desk,
            box_label="Hòm thư tầng 1",
            opened_at_local=datetime.now(LOCAL_TZ).replace(tzinfo=None) - timedelta(hours=1),
            witnesses="Nguyễn Văn An\nTrần Thị Bình",
            slips_counted=10,
            intake_key=str(uuid.uuid4()),
            actor=actor,
        )
        book = intake.open_book(desk, year=local_today().year, actor=actor)
        db.session.commit()
        ids = {"opening": opening.id, "book": book.id}
    app.config["WTF_CSRF_ENABLED"] = False
    return World(
        app=app,
        staff=admin,
        public=app.test_client(),
        desk=district["desk_a"],
        unit=district["district"],
        kiosk_token=kiosk["token"],
        **ids,
    )


def explicit(*cases, **also):
    """Examples run every time, before the generated ones: the edges that once failed (a
    version number past any integer, a lone surrogate, years 1 and 9999, a huge page) and
    text with every kind of control character (`also`: the test's other arguments)."""

    def decorate(test):
        for case in reversed(cases):
            test = example(case=case, **also)(test)
        return test

    return decorate


# --- survey answers (kiosk API, paper form, web survey) --------------------------------------

QUESTIONS = {q["code"]: q for q in DEFAULT_INSTRUMENT["questions"]}
REQUIRED = {"f1_access": 4, "f2_procedure": 5, "f3_officer": 4, "f4_result": 5, "overall": 4}
HUGE_LABEL = "sipas-tt01@99999999999999999999"
# Text that is no reason to refuse an answer, but must be stored without its controls.
DIRTY = "Chờ\x01 lâu\x1b[31m quá\u202e\u200b\r\nCán bộ\x7f\ufeff\U0010fffd"


def _answer_choices(question: dict) -> list:
    if question["kind"] == "likert5":
        return [1, 2, 3, 4, 5] + (["no_opinion"] if question.get("allows_no_opinion") else [])
    return [option["code"] for option in question["options"]]


@st.composite
def valid_answers(draw) -> dict:
    """Answers the default instrument takes: every required question, some optional ones, a
    printable comment; a reply asked for always comes with a phone number."""
    answers = {}
    for code, question in QUESTIONS.items():
        if question["kind"] == "text":
            continue
        if question["kind"] == "multi_choice":
            chosen = draw(st.lists(st.sampled_from(_answer_choices(question)), unique=True))
            if chosen:
                answers[code] = chosen
        elif question.get("required") or draw(st.booleans()):
            answers[code] = draw(st.sampled_from(_answer_choices(question)))
    if draw(st.booleans()):
        answers["comment"] = draw(clean_text(QUESTIONS["comment"]["max_length"]))
    if answers.get("want_reply") == "yes":
        answers["reply_phone"] = draw(st.sampled_from(["0912 345 678", "+84912345678"]))
    return answers


INSTRUMENT_LABELS = st.one_of(
    st.sampled_from(
        [
            HUGE_LABEL,
            f"sipas-tt01@{2**63}",
            "sipas-tt01@0",
            "sipas-tt01@-1",
            "sipas-tt01@01",
            "sipas-tt01@١",  # an Arabic-Indic digit one: str.isdecimal() says yes
            "sipas-tt01@²",
            "sipas-tt01@2",
            "sipas-tt01@1@1",
            "SIPAS-TT01@1",
            " sipas-tt01@1",
            "@1",
            "sipas-tt01",
        ]
    ),
    TEXT,
)

# --- 1. the kiosk API --------------------------------------------------------------------------

KIOSK_FIELDS = (
    "client_uuid",
    "instrument",
    "answers",
    "comment",
    "dossier_code",
    "language",
    "answered_at",
    "an answer",
    "an unknown question",
    "an unknown field",
)
VALID_ANSWERED_AT = st.one_of(
    st.none(),
    st.builds(
        lambda moment, zone: moment.astimezone(zone).isoformat(),
        st.builds(_now_shifted, st.integers(-7 * 24 * 60 + 5, 4)),
        st.sampled_from([UTC, LOCAL_TZ, timezone(timedelta(hours=-11))]),
    ),
)
ANY_ANSWERED_AT = st.one_of(
    VALID_ANSWERED_AT,
    ANY_DATETIME.map(lambda m: m.isoformat()),
    st.sampled_from(MALFORMED_DATES),
    JSON_VALUES,
)


@st.composite
def kiosk_bodies(draw) -> tuple[object, bool]:
    """(body, valid): a valid submission with some fields (maybe none) replaced by anything,
    or now and then a body that is not a submission at all."""
    if draw(st.integers(0, 15)) == 0:
        return draw(JSON_VALUES), False
    body = {
        "client_uuid": FRESH,
        "instrument": INSTRUMENT,
        "answers": draw(valid_answers()),
        "language": draw(st.sampled_from(["vi", "en", None])),
        "dossier_code": draw(st.sampled_from([None, "", "000.00.12.H49-260314-0001"])),
        "answered_at": draw(VALID_ANSWERED_AT),
    }
    broken = draw(some_of(KIOSK_FIELDS))
    anything = st.one_of(TEXT, JSON_VALUES)
    for field in broken:
        if field == "client_uuid":
            body[field] = draw(st.one_of(st.uuids().map(str), JSON_VALUES))
        elif field == "instrument":
            body[field] = draw(st.one_of(INSTRUMENT_LABELS, JSON_VALUES))
        elif field == "answers":
            body[field] = draw(JSON_VALUES)
        elif field == "answered_at":
            body[field] = draw(ANY_ANSWERED_AT)
        elif field in ("comment", "dossier_code", "language"):
            body[field] = draw(anything)
        elif field == "an answer" and isinstance(body["answers"], dict):
            body["answers"][draw(st.sampled_from(sorted(QUESTIONS)))] = draw(anything)
        elif field == "an unknown question" and isinstance(body["answers"], dict):
            body["answers"][draw(SHORT_TEXT)] = draw(JSON_VALUES)
        elif field == "an unknown field":
            body[draw(SHORT_TEXT)] = draw(JSON_VALUES)
    body = {key: value for key, value in body.items() if value is not None}
    return body, not broken


def kiosk_case(valid: bool = False, answers: dict | None = None, **fields) -> tuple[dict, bool]:
    """An explicit example: the required answers (some changed) and some fields."""
    body = {
        "client_uuid": FRESH,
        "instrument": INSTRUMENT,
        "answers": {**REQUIRED, **(answers or {})},
    }
    return {**body, **fields}, valid


@examples(200)
@given(case=kiosk_bodies(), queued=st.one_of(st.none(), PAGE_VALUES))
@example(case=kiosk_case(valid=True), queued="99999999999999999999")
@explicit(
    kiosk_case(valid=True),
    kiosk_case(instrument=HUGE_LABEL),
    kiosk_case(comment="Cán bộ \ud800 chậm"),
    kiosk_case(answers={"overall": 1}, comment=DIRTY),
    kiosk_case(answered_at="0001-01-01T00:00:00+23:59"),
    kiosk_case(answered_at="9999-12-31T23:59:59-23:59"),
    kiosk_case(answers={"overall": 10**20}),
    kiosk_case(answers={"overall": float("nan")}),
    kiosk_case(answers={"f1_access": float("inf")}),
    kiosk_case(dossier_code="HS\x00001"),
    kiosk_case(client_uuid={"uuid": 1}, language=["vi"]),
    queued=None,
)
def test_kiosk_api_takes_anything_without_a_500_and_stores_only_clean_answers(world, case, queued):
    """POST /api/v1/kiosk/<token>/responses with arbitrary JSON (and any ?queued=): 201 and
    one new response for a valid submission; 400 with translated `errors` and nothing stored
    otherwise."""
    body, valid = case
    valid = valid and "\x00" not in (queued or "")  # a NUL anywhere in a request is refused
    if isinstance(body, dict):
        body = world.fill(body)
    query = "" if queued is None else "?" + form_body({"queued": queued}).decode("ascii")
    url = f"/api/v1/kiosk/{world.kiosk_token}/responses{query}"
    before = snapshot(world.app)
    response = post_json(world.public, url, body)
    check(
        world.app,
        before,
        response,
        allowed={200, 201, 400, 413},
        table="responses",
        new_rows={201: 1, 200: 0},
        must_accept=valid,
    )
    if response.status_code == 400:
        # What was wrong, field by field; or, for a NUL in the query, one message.
        reply = response.get_json()
        messages = list(reply["errors"].values()) if "errors" in reply else [reply["message"]]
        assert messages and all(isinstance(m, str) and m.strip() for m in messages), reply
    if valid:
        assert response.status_code == 201, excerpt(response)


# --- 2. the Twilio SMS webhook --------------------------------------------------------------


# Twilio never sends more than 1,600 characters (the huge-input test sends more).
SMS_BODY = st.one_of(TEXT, clean_text(1600)).map(lambda text: text[:1600])


def _sid() -> str:
    return f"SM{uuid.uuid4().hex}"


@st.composite
def twilio_sms(draw) -> tuple[dict, bool]:
    """(params, valid): an inbound-SMS webhook with a new MessageSid and any Body, some fields
    replaced by any text (Twilio only sends strings)."""
    sid = _sid()
    body = draw(SMS_BODY)
    params = hotline.sms_params(sid=sid, body=body)
    broken = draw(some_of(["MessageSid", "From", "To"], at_most=2))
    for name in broken:
        params[name] = draw(st.one_of(TEXT, st.builds(lambda tail, sid=sid: sid + tail, TEXT)))
    if "From" in broken and draw(st.booleans()):
        del params["From"]
    # A lone surrogate can only arrive as invalid UTF-8, which is rightly refused.
    return params, not broken and not _has_surrogate(body)


def twilio_case(valid: bool = False, **fields) -> tuple[dict, bool]:
    """An explicit example: a new message with some fields changed."""
    return hotline.sms_params(sid=_sid(), **fields), valid


@examples(150)
@given(case=twilio_sms())
@explicit(
    twilio_case(valid=True),
    twilio_case(valid=True, body=DIRTY),
    twilio_case(body="Cán bộ \ud800 chậm"),
    twilio_case(MessageSid=""),
    twilio_case(MessageSid="SM\x00" + "9" * 70),
    twilio_case(From="\u202e\x00"),
)
def test_twilio_sms_takes_anything_without_a_500_and_stores_clean_text(world, case):
    """POST /hotline/twilio/sms, signed, with any text in its fields: 200 TwiML and one new
    message for a new MessageSid, its text stored clean; a refusal (400) stores nothing."""
    params, valid = case
    before = snapshot(world.app)
    response = twilio_form_post(world.public, params)
    after = check(world.app, before, response, allowed={200, 400, 413}, must_accept=valid)
    if response.status_code == 200:
        assert response.mimetype == "text/xml"
        assert added(before, after, "sms_messages") in (0, 1)
        if valid:
            assert added(before, after, "sms_messages") == 1


# --- 3. the generic gateway SMS webhook -------------------------------------------------------

GATEWAY_FIELDS = ("id", "from", "to", "text", "received_at", "an unknown field")
VALID_RECEIVED_AT = st.one_of(
    st.none(),
    st.builds(_now_shifted, st.integers(-3 * 365 * 24 * 60, 0)).map(lambda m: m.isoformat()),
    st.builds(
        lambda moment, zone: moment.replace(tzinfo=UTC).astimezone(zone).isoformat(),
        st.datetimes(min_value=datetime(EARLIEST_YEAR, 1, 2), max_value=datetime(2025, 1, 1)),
        st.sampled_from([UTC, LOCAL_TZ, timezone(timedelta(hours=-12))]),
    ),
)


@st.composite
def gateway_bodies(draw) -> tuple[object, frozenset]:
    """(body, fields broken): `{id, from, to, text, received_at}` with a new id, some fields
    replaced by any JSON value; now and then a body that is not an object at all."""
    if draw(st.integers(0, 15)) == 0:
        return draw(JSON_VALUES), frozenset({"body"})
    body = {
        "id": uuid.uuid4().hex,
        "from": draw(st.sampled_from([hotline.CALLER, "0912345678", "Viettel"])),
        "to": hotline.LINE_NUMBER,
        "text": draw(clean_text(1600)),
        "received_at": draw(VALID_RECEIVED_AT),
    }
    broken = draw(some_of(GATEWAY_FIELDS))
    for field in broken:
        if field == "received_at":
            body[field] = draw(
                st.one_of(
                    ANY_DATETIME.map(lambda m: m.isoformat()),
                    st.sampled_from(MALFORMED_DATES),
                    JSON_VALUES,
                )
            )
        elif field == "an unknown field":
            body[draw(SHORT_TEXT)] = draw(JSON_VALUES)
        else:
            body[field] = draw(st.one_of(TEXT, JSON_VALUES))
    return body, frozenset(broken)


def gateway_case(**fields) -> tuple[dict, frozenset]:
    """An explicit example: a new message with some fields changed."""
    body = {"id": uuid.uuid4().hex, "from": hotline.CALLER, "to": hotline.LINE_NUMBER}
    return {**body, "text": "Cán bộ tiếp dân chậm", **fields}, frozenset(fields)


def _received_at(body) -> datetime | None:
    """The instant a body's received_at names, if it is a readable ISO 8601 time."""
    value = body.get("received_at") if isinstance(body, dict) else None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


@examples(150)
@given(case=gateway_bodies())
@explicit(
    gateway_case(),
    gateway_case(received_at="0001-01-01T00:00:00"),
    gateway_case(received_at="1999-06-30T12:00:00Z"),
    gateway_case(received_at="9999-12-31T23:59:59"),
    gateway_case(received_at="9999-12-31T23:59:59-23:59"),
    gateway_case(text=DIRTY),
    gateway_case(text="\ud800"),
    gateway_case(id="\x00" * 3),
    gateway_case(id=10**20, text=float("nan")),
)
def test_gateway_sms_takes_anything_without_a_500_and_keeps_only_plausible_times(world, case):
    """POST /hotline/gateway/sms, HMAC-signed, with arbitrary JSON: 201 and one new message
    for a valid one; 400 and nothing stored for anything else. A received_at that cannot be true
    (older than 30 days, or ahead of now) is replaced by the arrival time: the message is kept,
    never stored as received in year 1 or in the future."""
    body, broken = case
    moment = _received_at(body)
    sent_at = datetime.now(UTC).replace(microsecond=0)
    implausible = moment is not None and not (
        sent_at - timedelta(days=30) + timedelta(minutes=1) <= moment <= sent_at
    )
    before = snapshot(world.app)
    response = gateway_json_post(world.public, body)
    check(
        world.app,
        before,
        response,
        allowed={200, 201, 400, 413},
        table="sms_messages",
        new_rows={201: 1, 200: 0},
        must_accept=not broken,
    )
    if implausible and response.status_code == 201:
        with world.app.app_context():
            stored = db.session.scalar(
                select(SmsMessage.received_at).order_by(SmsMessage.id.desc()).limit(1)
            )
        stored = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
        assert stored >= sent_at, f"received_at {moment} stored as {stored}"
    if not broken:
        assert response.status_code == 201, excerpt(response)


# --- 4. idempotency ----------------------------------------------------------------------------


@examples(60)
@given(answers=valid_answers(), resent=st.one_of(st.none(), JSON_VALUES))
def test_the_same_kiosk_client_uuid_twice_stores_one_response(world, answers, resent):
    """A resend of a stored submission (the same client_uuid, whatever answers it carries
    now) gets 200 with the first reply and stores nothing more."""
    body = {"client_uuid": str(uuid.uuid4()), "instrument": INSTRUMENT, "answers": answers}
    url = f"/api/v1/kiosk/{world.kiosk_token}/responses"
    before = snapshot(world.app)
    first = post_json(world.public, url, body)
    assert first.status_code == 201, excerpt(first)
    middle = snapshot(world.app)
    again = post_json(world.public, url, body if resent is None else {**body, "answers": resent})
    assert again.status_code == 200, excerpt(again)
    assert again.get_json() == first.get_json()
    assert added(before, middle, "responses") == 1
    assert snapshot(world.app) == middle, "a resend stored something"


@examples(40)
@given(body=SMS_BODY.map(_without_surrogates))
def test_the_same_twilio_message_sid_twice_stores_one_message(world, body):
    """Twilio retries a webhook it got no answer to: the same MessageSid stores one message
    and gets the same reply."""
    params = hotline.sms_params(sid=_sid(), body=body)
    before = snapshot(world.app)
    first = twilio_form_post(world.public, params)
    assert first.status_code == 200, excerpt(first)
    middle = snapshot(world.app)
    again = twilio_form_post(world.public, params)
    assert again.status_code == 200, excerpt(again)
    assert again.get_data() == first.get_data()
    assert added(before, middle, "sms_messages") == 1
    assert snapshot(world.app) == middle, "a resend stored something"


@examples(40)
@given(text=st.one_of(TEXT, clean_text(1600)), received_at=VALID_RECEIVED_AT)
def test_the_same_gateway_id_twice_stores_one_message(world, text, received_at):
    """The gateway resends a message: 201, then 200 with the same body, and one message."""
    body = {
        "id": uuid.uuid4().hex,
        "from": hotline.CALLER,
        "to": hotline.LINE_NUMBER,
        "text": text,
        "received_at": received_at,
    }
    before = snapshot(world.app)
    first = gateway_json_post(world.public, body)
    # Escaped, a character outside the BMP takes 12 bytes: a long run of them passes the
    # webhooks' body limit, refused before anything is read.
    if len(json.dumps(body).encode("ascii")) > world.app.config["HOTLINE_WEBHOOK_MAX_BYTES"]:
        assert first.status_code == 413, excerpt(first)
        assert snapshot(world.app) == before
        return
    # The length the gateway reads: JSON joins an escaped surrogate pair into one character.
    if len(json.loads(json.dumps(text))) > 1600:  # refused for its length: nothing to resend
        assert first.status_code == 400, excerpt(first)
        return
    assert first.status_code == 201, excerpt(first)
    middle = snapshot(world.app)
    again = gateway_json_post(world.public, body)
    assert again.status_code == 200, excerpt(again)
    assert again.get_json() == first.get_json()
    assert added(before, middle, "sms_messages") == 1
    assert snapshot(world.app) == middle, "a resend stored something"


# --- 5. staff forms ----------------------------------------------------------------------------


def _broken(draw, fields: dict, anything: dict) -> tuple[dict, bool]:
    """Replace a few fields (maybe none) by what `anything` draws for them; (fields, valid)."""
    broken = draw(some_of(sorted(anything)))
    for name in broken:
        fields[name] = draw(anything[name])
    return fields, not broken


KINDS = [kind.value for kind in CaseKind]
# Never another valid UUID: a token sent twice rightly finds the first record (302, no row).
TOKEN = st.one_of(st.just(FRESH), TEXT)
ID_TEXT = st.one_of(NUMBERS.map(str), TEXT)


def form_case(fields: dict, **changes) -> tuple[dict, bool]:
    """An explicit example: valid fields with some changed (so not known to be valid)."""
    return {**fields, **changes}, not changes


def _paper_text(draw) -> tuple[dict, dict]:
    """What a case form says (content, kind, subject, sender), and anything for each field."""
    fields = {
        "form_token": FRESH,
        "content": draw(clean_text(5000)),
        "kind": draw(st.sampled_from(KINDS)),
        "subject": draw(st.one_of(st.just(""), clean_text(200))),
        "sender_name": draw(st.one_of(st.just(""), clean_text(120))),
        "sender_phone": draw(st.sampled_from(["", "0912 345 678"])),
        "sender_address": draw(st.one_of(st.just(""), clean_text(300))),
    }
    return fields, {name: TEXT for name in fields} | {"form_token": TOKEN}


PAPER_TEXT = {"form_token": FRESH, "content": SAMPLES[0], "kind": "feedback"}


@st.composite
def new_case_forms(draw) -> tuple[dict, bool]:
    """(fields, valid) of /cases/new."""
    fields, anything = _paper_text(draw)
    fields |= {
        "service_point_id": DESK,
        "received_at": draw(st.one_of(st.just(""), RECENT_WALL_CLOCK)),
    }
    anything |= {"service_point_id": ID_TEXT, "received_at": ANY_WALL_CLOCK}
    return _broken(draw, fields, anything)


NEW_CASE = {**PAPER_TEXT, "service_point_id": DESK}


@examples(150)
@given(case=new_case_forms())
@explicit(
    form_case(NEW_CASE),
    form_case(NEW_CASE, received_at="9999-12-31T23:59"),
    form_case(NEW_CASE, received_at="0001-01-01T00:00"),
    form_case(NEW_CASE, content=DIRTY, subject="\u202eRLO", sender_name="An\x1b"),
    form_case(NEW_CASE, content="Nội dung \ud800"),
    form_case(NEW_CASE, service_point_id="99999999999999999999"),
)
def test_new_case_form_takes_anything_without_a_500(world, case):
    """POST /cases/new with any text in every field: 302 and one new case when valid, 400 and
    nothing stored otherwise; what is stored is clean."""
    fields, valid = case
    before = snapshot(world.app)
    response = post_form(world.staff, "/cases/new", world.fill(fields))
    check(
        world.app,
        before,
        response,
        allowed={302, 400},
        table="cases",
        new_rows={302: 1},
        must_accept=valid,
    )


@st.composite
def slip_forms(draw) -> tuple[dict, bool]:
    """(fields, valid) of a slip from the box."""
    return _broken(draw, *_paper_text(draw))


@examples(150)
@given(case=slip_forms())
@explicit(
    form_case(PAPER_TEXT),
    form_case(PAPER_TEXT, content=DIRTY, sender_address="Số 1\u2028Ngõ 2\x0b"),
    form_case(PAPER_TEXT, kind="\x00"),
)
def test_box_slip_form_takes_anything_without_a_500(world, case):
    """POST /intake/box/<id>/slips: 302 and one new case for a valid slip, 400 and nothing
    stored otherwise."""
    fields, valid = case
    before = snapshot(world.app)
    response = post_form(world.staff, f"/intake/box/{world.opening}/slips", world.fill(fields))
    check(
        world.app,
        before,
        response,
        allowed={302, 400},
        table="cases",
        new_rows={302: 1},
        must_accept=valid,
    )


@st.composite
def book_entry_forms(draw) -> tuple[dict, bool]:
    """(fields, valid) of a comment-book entry: the next number, a page, a day of this year."""
    fields, anything = _paper_text(draw)
    today = local_today()
    back = min(draw(st.integers(0, 365)), today.timetuple().tm_yday - 1)
    fields |= {
        "entry_number": NEXT_ENTRY,
        "page": draw(st.integers(1, 500)),
        "written_on": (today - timedelta(days=back)).isoformat(),
    }
    anything |= {
        "entry_number": ID_TEXT,
        "page": st.one_of(st.sampled_from(["99999999999999999999", "1e3", "0"]), ID_TEXT),
        "written_on": ANY_DAY,
    }
    return _broken(draw, fields, anything)


BOOK_ENTRY = {**PAPER_TEXT, "entry_number": NEXT_ENTRY, "page": 3}


@examples(150)
@given(case=book_entry_forms())
@explicit(
    form_case({**BOOK_ENTRY, "written_on": local_today().isoformat()}),
    form_case(BOOK_ENTRY, written_on=local_today().isoformat(), page="99999999999999999999"),
    form_case(BOOK_ENTRY, written_on=local_today().isoformat(), page=str(2**31)),
    form_case(BOOK_ENTRY, written_on="9999-12-31", entry_number="99999999999999999999"),
    form_case(BOOK_ENTRY, written_on=local_today().isoformat(), content=DIRTY),
)
def test_comment_book_entry_form_takes_anything_without_a_500(world, case):
    """POST /intake/books/<id>/entries, huge page and entry numbers included: 302 and one new
    case for a valid entry, 400 and nothing stored otherwise."""
    fields, valid = case
    before = snapshot(world.app)
    response = post_form(world.staff, f"/intake/books/{world.book}/entries", world.fill(fields))
    check(
        world.app,
        before,
        response,
        allowed={302, 400},
        table="cases",
        new_rows={302: 1},
        must_accept=valid,
    )


def _question_fields(draw) -> tuple[dict, dict]:
    """Valid answers as the form's q_<code> fields, and anything for each question."""
    # A form field holds one value: of several reasons, the first (a box ticked alone).
    fields = {
        f"q_{code}": str(value[0] if isinstance(value, list) else value)
        for code, value in draw(valid_answers()).items()
    }
    anything = {f"q_{code}": st.one_of(TEXT, NUMBERS.map(str)) for code in QUESTIONS}
    return fields, anything


TICKED = {f"q_{code}": value for code, value in REQUIRED.items()}
SURVEY_PAGE = {"client_uuid": FRESH, "instrument": INSTRUMENT, **TICKED}


@st.composite
def paper_forms(draw) -> tuple[dict, bool]:
    """(fields, valid) of a paper survey form typed in by a clerk."""
    fields, anything = _question_fields(draw)
    back = draw(st.integers(0, 364))
    fields |= {
        "client_uuid": FRESH,
        "instrument": INSTRUMENT,
        "service_point_id": DESK,
        "counter_id": 0,
        "form_date": (local_today() - timedelta(days=back)).isoformat(),
        "dossier_code": draw(st.sampled_from(["", "000.00.09.H26-250314-0001"])),
    }
    anything |= {
        "client_uuid": TOKEN,
        "instrument": INSTRUMENT_LABELS,
        "service_point_id": ID_TEXT,
        "counter_id": ID_TEXT,
        "form_date": ANY_DAY,
        "dossier_code": TEXT,
    }
    return _broken(draw, fields, anything)


PAPER_FORM = {**SURVEY_PAGE, "service_point_id": DESK, "counter_id": 0}


@examples(150)
@given(case=paper_forms())
@explicit(
    form_case({**PAPER_FORM, "form_date": local_today().isoformat()}),
    form_case(PAPER_FORM, form_date=local_today().isoformat(), instrument=HUGE_LABEL),
    form_case(PAPER_FORM, form_date=local_today().isoformat(), q_comment=DIRTY, q_overall="1"),
    form_case(PAPER_FORM, form_date="9999-12-31"),
    form_case(PAPER_FORM, form_date="0001-01-01", q_overall="99999999999999999999"),
)
def test_paper_survey_form_takes_anything_without_a_500(world, case):
    """POST /surveys/paper: 302 and one new response for a valid form, 400 and nothing stored
    otherwise (an instrument label with a huge version number included)."""
    fields, valid = case
    before = snapshot(world.app)
    response = post_form(world.staff, "/surveys/paper", world.fill(fields))
    check(
        world.app,
        before,
        response,
        allowed={302, 400},
        table="responses",
        new_rows={302: 1},
        must_accept=valid,
    )


@st.composite
def web_surveys(draw) -> tuple[dict, bool]:
    """(fields, valid) of the public web survey; `point` is the desk in its address."""
    fields, anything = _question_fields(draw)
    fields |= {
        "point": DESK,
        "client_uuid": FRESH,
        "instrument": INSTRUMENT,
        "dossier_code": draw(st.sampled_from(["", "000.00.09.H26-250314-0001"])),
    }
    anything |= {
        "point": st.sampled_from([0, 2**31, 10**20, 99999]),
        "client_uuid": TOKEN,
        "instrument": INSTRUMENT_LABELS,
        "dossier_code": TEXT,
    }
    return _broken(draw, fields, anything)


WEB_SURVEY = {"point": DESK, **SURVEY_PAGE}


@examples(150)
@given(case=web_surveys())
@explicit(
    form_case(WEB_SURVEY),
    form_case(WEB_SURVEY, instrument=HUGE_LABEL),
    form_case(WEB_SURVEY, q_comment=DIRTY, q_overall="2"),
    form_case(WEB_SURVEY, point=2**31),
)
def test_public_web_survey_takes_anything_without_a_500(world, case):
    """POST /survey/<desk>: the thanks page (200) and one new response when valid, 400 (404
    for a desk that does not exist) and nothing stored otherwise."""
    fields, valid = case
    fields = world.fill(fields)
    point = fields.pop("point")
    before = snapshot(world.app)
    response = post_form(world.public, f"/survey/{point}", fields)
    # Werkzeug answers a POST to an id past a database integer with 405 (the GET rule's
    # pattern matched before the POST rule's converter refused the number): still a refusal.
    out_of_range = {405} if point > MAX_DB_INT else set()
    check(
        world.app,
        before,
        response,
        allowed={200, 400, 404} | out_of_range,
        table="responses",
        new_rows={200: 1},
        must_accept=valid,
    )


@st.composite
def kiosk_page_forms(draw) -> tuple[dict, bool]:
    """(fields, valid) of the kiosk page's plain form (the tablet without JavaScript)."""
    fields, anything = _question_fields(draw)
    fields |= {"client_uuid": FRESH, "instrument": INSTRUMENT, "dossier_code": ""}
    anything |= {"client_uuid": TOKEN, "instrument": INSTRUMENT_LABELS, "dossier_code": TEXT}
    return _broken(draw, fields, anything)


@examples(100)
@given(case=kiosk_page_forms())
@explicit(
    form_case(SURVEY_PAGE),
    form_case(SURVEY_PAGE, instrument=HUGE_LABEL),
    form_case(SURVEY_PAGE, q_comment=DIRTY, q_overall="1"),
    form_case(SURVEY_PAGE, client_uuid="\ud800", q_f1_access="99999999999999999999"),
)
def test_kiosk_page_form_takes_anything_without_a_500(world, case):
    """POST /kiosk/<token> (the page without JavaScript): the thanks page (200) and one new
    response when valid, the survey again with its errors (400) and nothing stored otherwise."""
    fields, valid = case
    before = snapshot(world.app)
    response = post_form(world.public, f"/kiosk/{world.kiosk_token}", world.fill(fields))
    check(
        world.app,
        before,
        response,
        allowed={200, 400},
        table="responses",
        new_rows={200: 1},
        must_accept=valid,
    )


@st.composite
def call_forms(draw) -> tuple[dict, bool]:
    """(fields, valid) of a call logged by hand."""
    outcome = draw(st.sampled_from([o.value for o in CallOutcome]))
    number = draw(st.sampled_from(["", "0912345678", "+84 912 345 678"]))
    if outcome == CallOutcome.CALL_BACK and not number:
        number = "0912345678"
    open_case = outcome == CallOutcome.CASE_OPENED or draw(st.booleans())
    fields = {
        "form_token": FRESH,
        "number": number,
        "started_at": draw(RECENT_WALL_CLOCK),
        "duration": draw(st.sampled_from(["0", "330", "5:30", "299:59"])),
        "topic": draw(clean_text(200)),
        "summary": draw(st.one_of(st.just(""), clean_text(5000))),
        "outcome": outcome,
        "case_code": "",
        "open_case": "y" if open_case else None,
        "unit_id": UNIT,
    }
    anything = {name: TEXT for name in fields} | {
        "form_token": TOKEN,
        "started_at": ANY_WALL_CLOCK,
        "duration": ID_TEXT,
        "unit_id": ID_TEXT,
    }
    return _broken(draw, fields, anything)


CALL = {"form_token": FRESH, "duration": "5:30", "topic": "Hỏi thủ tục", "outcome": "informed"}
CALL |= {"unit_id": UNIT, "started_at": "2025-03-14T09:30"}


@examples(150)
@given(case=call_forms())
@explicit(
    form_case(CALL),
    form_case(CALL, started_at="9999-12-31T23:59"),
    form_case(CALL, started_at="0001-01-01T00:00", duration="999:59"),
    form_case(CALL, summary=DIRTY, topic="Hỏi\x01", open_case="y"),
    form_case(CALL, number="0912\u200f345678", outcome="call_back"),
)
def test_manual_call_form_takes_anything_without_a_500(world, case):
    """POST /hotline/calls/new: 302 and one new call when valid, 400 and nothing stored
    otherwise."""
    fields, valid = case
    before = snapshot(world.app)
    response = post_form(world.staff, "/hotline/calls/new", world.fill(fields))
    check(
        world.app,
        before,
        response,
        allowed={302, 400},
        table="hotline_calls",
        new_rows={302: 1},
        must_accept=valid,
    )


@st.composite
def holiday_forms(draw) -> tuple[dict, bool]:
    """(fields, valid) of a day added to the working-day calendar."""
    days = st.dates(min_value=date(EARLIEST_YEAR, 1, 1), max_value=date(LATEST_YEAR, 12, 31))
    fields = {
        "day": draw(days).isoformat(),
        "name": draw(clean_text(160)),
        "kind": "holiday",
    }
    anything = {"day": ANY_DAY, "name": TEXT, "kind": st.one_of(st.just("makeup_workday"), TEXT)}
    return _broken(draw, fields, anything)


HOLIDAY = {"name": "Ngày thử", "kind": "holiday"}


def _typed_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


@examples(150)
@given(case=holiday_forms())
@explicit(
    form_case({**HOLIDAY, "day": "2031-05-05"}),
    form_case(HOLIDAY, day="9999-12-31"),
    form_case(HOLIDAY, day="2101-01-01"),
    form_case(HOLIDAY, day="0001-01-01"),
    form_case(HOLIDAY, day="2032-05-05", name=DIRTY),
)
def test_holiday_form_takes_anything_and_refuses_implausible_days(world, case):
    """POST /units/holidays: 302 and one new row for a valid new day; 400 with an error under
    the date and nothing stored for a day outside 2000–2100 (9999-12-31 included)."""
    fields, valid = case
    day = _typed_day(fields["day"])
    if day is not None and valid:  # a day already in the calendar is rightly refused
        with world.app.app_context():
            valid = db.session.scalar(select(Holiday.id).where(Holiday.day == day)) is None
    before = snapshot(world.app)
    response = post_form(world.staff, "/units/holidays", fields)
    check(
        world.app,
        before,
        response,
        allowed={302, 400},
        table="holidays",
        new_rows={302: 1},
        must_accept=valid,
    )
    if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        assert response.status_code == 400, f"{day} accepted"
        # (A NUL anywhere is refused before any form is read: no form, no field error.)
        if not any("\x00" in str(value) for value in fields.values()):
            assert 'id="day-error"' in response.get_data(as_text=True), "no error under the date"


# --- 6. huge inputs ----------------------------------------------------------------------------

HUGE_SIZES = (5_001, 70_000, 1_000_000)
# Each chunk has a letter or digit, so the text stays past every limit once cleaned.
CHUNKS = ("a", "ệ", "Cán bộ ", "x\u200f", "\u0301y", "0\x01")
ENDPOINTS = ("kiosk", "twilio", "gateway", "case", "slip", "book", "paper", "web", "call")


def _send_huge(world: World, where: str, text: str):
    """One huge value in a text field of an endpoint."""
    if where == "kiosk":
        body = {"client_uuid": str(uuid.uuid4()), "instrument": INSTRUMENT, "answers": REQUIRED}
        return post_json(
            world.public, f"/api/v1/kiosk/{world.kiosk_token}/responses", body | {"comment": text}
        )
    if where == "twilio":
        return twilio_form_post(world.public, hotline.sms_params(_sid(), text))
    if where == "gateway":
        body = {"id": uuid.uuid4().hex, "from": hotline.CALLER, "text": text}
        return gateway_json_post(world.public, body)
    forms = {
        "case": ("/cases/new", NEW_CASE, "content"),
        "slip": (f"/intake/box/{world.opening}/slips", PAPER_TEXT, "content"),
        "book": (f"/intake/books/{world.book}/entries", BOOK_ENTRY, "content"),
        "paper": ("/surveys/paper", PAPER_FORM, "q_comment"),
        "web": (f"/survey/{world.desk}", SURVEY_PAGE, "q_comment"),
        "call": ("/hotline/calls/new", CALL, "summary"),
        "holiday": ("/units/holidays", {**HOLIDAY, "day": "2031-05-05"}, "name"),
    }
    url, fields, field = forms[where]
    client = world.public if where == "web" else world.staff
    return post_form(client, url, world.fill({**fields, field: text}))


@examples(15)
@given(
    where=st.sampled_from((*ENDPOINTS, "holiday")),
    chunk=st.sampled_from(CHUNKS),
    times=st.sampled_from(HUGE_SIZES),
)
def test_huge_text_is_refused_with_a_4xx_and_stores_nothing(world, where, chunk, times):
    """5,001 characters to a megabyte in one text field, past every limit: 400 or 413 (never
    a 500) and nothing stored (a Twilio Body is cut to 1,600 characters instead)."""
    before = snapshot(world.app)
    response = _send_huge(world, where, chunk * times)
    # Twilio never sends more than 1,600 characters; a longer Body is cut, not refused.
    check(
        world.app,
        before,
        response,
        allowed={200, 400, 413} if where == "twilio" else REFUSED - {404},
    )


# --- 7. list pages -----------------------------------------------------------------------------

LIST_PAGES = ("/intake/box", "/intake/books", "/hotline/calls", "/hotline/messages", "/cases/")


# The lists' other filters (cases: q, status, channel, kind, unit, overdue; calls: view).
FILTERS = st.dictionaries(
    st.sampled_from(["q", "status", "channel", "kind", "unit", "overdue", "view"]),
    st.one_of(SHORT_TEXT, NUMBERS.map(str)),
    max_size=3,
)


@examples(150)
@given(
    path=st.sampled_from(LIST_PAGES),
    page=st.one_of(st.none(), PAGE_VALUES),
    day=st.one_of(st.none(), ANY_DAY),
    filters=FILTERS,
)
@example(path="/intake/box", page="99999999999999999999", day=None, filters={})
@example(path="/intake/books", page="99999999999999999999", day=None, filters={})
@example(path="/cases/", page="99999999999999999999", day=None, filters={"unit": "9" * 20})
@example(path="/hotline/calls", page="99999999999999999999", day="9999-12-31", filters={})
@example(path="/hotline/messages", page=str(2**63), day="9999-12-31", filters={})
def test_list_pages_take_any_page_and_day_without_a_500(world, path, page, day, filters):
    """GET a staff list with any `page`, `day` and filters: 200 (an empty page past the end),
    400 or 404, never a 500; reading stores nothing."""
    query = {**filters, "page": page, "day": day}
    url = path + "?" + form_body(query).decode("ascii")
    note(f"GET {url}")
    before = snapshot(world.app)
    response = world.staff.get(url)
    assert response.status_code < 500, f"{url}: {response.status_code}"
    assert response.status_code in {200, 400, 404}, f"{url}: {response.status_code}"
    assert snapshot(world.app) == before
