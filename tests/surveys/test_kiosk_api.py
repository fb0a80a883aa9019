"""The kiosk API (DESIGN §5): the instrument for offline use, and citizens' submissions.

Everything goes through HTTP; the database is only read to see what was (not) stored.
"""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import (
    Answer,
    Case,
    CaseChannel,
    Counter,
    Instrument,
    Kiosk,
    Officer,
    Question,
    Response,
    ResponseChannel,
)
from feedback_app.surveys import instruments
from feedback_app.surveys.defaults import DEFAULT_INSTRUMENT, LIKERT_LABELS
from feedback_app.timeutil import LOCAL_TZ
from tests.conftest import aware, csrf_token, translated
from tests.surveys.kiosk_support import make_kiosk

INSTRUMENT = "sipas-tt01@1"
REQUIRED = {"f1_access": 4, "f2_procedure": 5, "f3_officer": 4, "f4_result": 5, "overall": 4}
LIKERT_VI = ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"]
# Keys the payload carries beyond DESIGN §5: the survey's title and a text question's limit.
EXTRA_TOP_KEYS = {"title"}
EXTRA_QUESTION_KEYS = {"max_length"}
CITIZEN_ADDRESS = "198.51.100.23"


# --- builders ---------------------------------------------------------------------------------


def answers(**changes) -> dict:
    """The required answers with some changed; None leaves a question out."""
    merged = {**REQUIRED, **changes}
    return {code: value for code, value in merged.items() if value is not None}


def payload(**fields) -> dict:
    """A valid submission (English errors) with some fields changed; None removes a field."""
    body = {
        "client_uuid": str(uuid.uuid4()),
        "instrument": INSTRUMENT,
        "answers": answers(),
        "language": "en",
        **fields,
    }
    return {key: value for key, value in body.items() if value is not None}


def post(client, token: str, body, query: str = "", **kwargs):
    """POST a submission as JSON, as the kiosk page does."""
    return client.post(f"/api/v1/kiosk/{token}/responses{query}", json=body, **kwargs)


def iso(moment: datetime) -> str:
    """An instant as a browser's toISOString() writes it."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def minute_start(moment: datetime) -> datetime:
    """The start of the clock minute an instant falls in."""
    return moment.replace(second=0, microsecond=0)


def counts(app) -> dict:
    """How many responses, answers and cases are stored."""
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Response, Answer, Case)
        }


def stored(app, response_id: int) -> dict:
    """A stored response's columns, its answers by question code, and its case if any."""
    with app.app_context():
        response = db.session.get(Response, response_id)
        row = {c.name: getattr(response, c.name) for c in Response.__table__.columns}
        rows = db.session.execute(
            select(Question.code, Answer.value, Answer.option_code, Answer.text)
            .join(Answer.question)
            .where(Answer.response_id == response_id)
        ).all()
        row["answers"] = {code: (value, option, text) for code, value, option, text in rows}
        case = db.session.get(Case, response.case_id) if response.case_id else None
        row["case"] = (
            {c.name: getattr(case, c.name) for c in Case.__table__.columns} if case else None
        )
        return row


def vietnamese(msgid: str) -> str | None:
    """The catalogue's Vietnamese for a message, or None when it has none yet."""
    try:
        return translated(msgid)
    except AssertionError:
        return None


# --- GET: the instrument for offline use -------------------------------------------------------


def expected_options(question: dict, en: bool) -> list[dict]:
    """The options DESIGN §5 promises for a default question: Likert 5..1, scored points."""
    if question["kind"] == "likert5":
        items = [
            {"code": str(value), "value": value, "label": labels[1] if en else labels[0]}
            for value, labels in LIKERT_LABELS.items()
        ]
        if question.get("allows_no_opinion"):
            label = "No opinion" if en else "Không có ý kiến"
            items.append({"code": "no_opinion", "value": None, "label": label})
        return items
    return [
        {"code": o["code"], "value": o["points"], "label": o["label_en" if en else "label_vi"]}
        for o in question.get("options", [])
    ]


def check_instrument_payload(body: dict, kiosk: dict, district: dict, en: bool) -> None:
    """The GET payload has DESIGN §5's shape and the default instrument's content."""
    assert set(body) - EXTRA_TOP_KEYS == {
        "instrument",
        "unit",
        "service_point",
        "counter",
        "questions",
    }
    assert body["instrument"] == INSTRUMENT
    assert body["unit"] == {"code": "00343", "name": "Phường Nhân Chính"}
    assert body["service_point"] == {
        "id": district["desk_a"],
        "name": "Bộ phận Một cửa Phường Nhân Chính",
    }
    assert body["counter"] == {"id": kiosk["counter"], "code": "1"}
    questions = DEFAULT_INSTRUMENT["questions"]
    assert [q["code"] for q in body["questions"]] == [q["code"] for q in questions]
    for got, question in zip(body["questions"], questions, strict=True):
        assert set(got) - EXTRA_QUESTION_KEYS == {
            "code",
            "kind",
            "factor",
            "tt01_index",
            "required",
            "text",
            "options",
        }
        assert got["kind"] == question["kind"]
        assert got["factor"] == (question.get("factor") or None)
        assert got["tt01_index"] == question.get("tt01_index")
        assert got["required"] is question.get("required", False)
        assert got["text"] == question["text_en" if en else "text_vi"]
        assert got["options"] == expected_options(question, en)
        for option in got["options"]:
            assert set(option) == {"code", "value", "label"}


def test_instrument_is_described_in_vietnamese_by_default(client, kiosk, district):
    response = client.get(f"/api/v1/kiosk/{kiosk['token']}")
    assert response.status_code == 200
    body = response.get_json()
    check_instrument_payload(body, kiosk, district, en=False)
    likert = body["questions"][0]["options"]
    assert [o["value"] for o in likert[:5]] == [5, 4, 3, 2, 1]
    assert [o["label"] for o in likert[:5]] == LIKERT_VI
    scored = next(q for q in body["questions"] if q["code"] == "tt01_returns")
    assert [o["value"] for o in scored["options"]] == [2, 1, 0]


def test_instrument_is_described_in_english_on_request(client, kiosk, district):
    response = client.get(f"/api/v1/kiosk/{kiosk['token']}?lang=en")
    assert response.status_code == 200
    body = response.get_json()
    check_instrument_payload(body, kiosk, district, en=True)
    assert body["questions"][0]["options"][0]["label"] == "Very satisfied"


def test_unknown_token_is_404_json(client, kiosk):
    for response in (
        client.get("/api/v1/kiosk/not-a-real-token"),
        post(client, "not-a-real-token", payload()),
    ):
        assert response.status_code == 404
        assert response.is_json
        assert response.get_json()["status"] == 404


@pytest.mark.parametrize("what", ["kiosk", "counter"])
def test_disabled_kiosk_or_counter_is_404(app, client, kiosk, what):
    with app.app_context():
        if what == "kiosk":
            db.session.get(Kiosk, kiosk["id"]).active = False
        else:
            db.session.get(Counter, kiosk["counter"]).active = False
        db.session.commit()
    assert client.get(f"/api/v1/kiosk/{kiosk['token']}").status_code == 404
    response = post(client, kiosk["token"], payload())
    assert response.status_code == 404
    assert response.is_json
    assert counts(app)["responses"] == 0


# --- POST: valid submissions -------------------------------------------------------------------


def test_valid_submission_is_stored_at_the_kiosk_counter(app, client, kiosk):
    body = payload(
        answers=answers(f5_feedback=3, tt01_returns="once", tt01_offices="none", want_reply="no"),
        dossier_code="000.00.12.H49-260314-0001",
        language="vi",
    )
    response = post(client, kiosk["token"], body)
    assert response.status_code == 201
    reply = response.get_json()
    assert set(reply) == {"id", "case_code"}
    assert isinstance(reply["id"], int)
    assert reply["case_code"] is None
    row = stored(app, reply["id"])
    assert row["client_uuid"] == body["client_uuid"]
    assert row["channel"] == ResponseChannel.KIOSK
    assert row["kiosk_id"] == kiosk["id"]
    assert row["counter_id"] == kiosk["counter"]
    assert row["service_point_id"] == kiosk["desk"]
    assert row["dossier_code"] == "000.00.12.H49-260314-0001"
    assert row["language"] == "vi"
    assert row["suspicious"] is False
    assert row["case"] is None
    assert row["answers"] == {
        "f1_access": (4, None, None),
        "f2_procedure": (5, None, None),
        "f3_officer": (4, None, None),
        "f4_result": (5, None, None),
        "f5_feedback": (3, None, None),
        "overall": (4, None, None),
        "tt01_returns": (1, "once", None),
        "tt01_offices": (2, "none", None),
        "want_reply": (0, "no", None),
    }


def test_same_client_uuid_again_gets_the_same_reply_and_one_row(app, client, kiosk):
    body = payload()
    first = post(client, kiosk["token"], body)
    assert first.status_code == 201
    again = post(client, kiosk["token"], body)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    # A resend whose answers differ (or are even invalid) still finds the first record.
    changed = post(client, kiosk["token"], {**body, "answers": answers(overall=1)})
    assert changed.status_code == 200
    assert changed.get_json() == first.get_json()
    # The same UUID spelled in capitals is the same UUID.
    shouting = post(client, kiosk["token"], {**body, "client_uuid": body["client_uuid"].upper()})
    assert shouting.status_code == 200
    assert shouting.get_json() == first.get_json()
    assert counts(app) == {"responses": 1, "answers": len(REQUIRED), "cases": 0}
    assert stored(app, first.get_json()["id"])["answers"]["overall"] == (4, None, None)


def test_same_client_uuid_with_a_comment_opens_one_case(app, client, kiosk):
    body = payload(answers=answers(overall=1), comment="Chờ quá lâu")
    first = post(client, kiosk["token"], body)
    again = post(client, kiosk["token"], body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert first.get_json()["case_code"]
    assert counts(app)["cases"] == 1


def test_no_opinion_is_accepted_where_the_question_allows_it(app, client, kiosk):
    body = payload(answers=answers(f1_access="no_opinion", f5_feedback="no_opinion"))
    response = post(client, kiosk["token"], body)
    assert response.status_code == 201
    row = stored(app, response.get_json()["id"])
    assert row["answers"]["f1_access"] == (None, "no_opinion", None)
    assert row["answers"]["f5_feedback"] == (None, "no_opinion", None)


def test_answers_of_a_retired_version_are_still_taken(app, client, kiosk, district):
    """A tablet that was offline while a new version was published still sends its queue."""
    with app.app_context():
        old = instruments.find(INSTRUMENT)
        draft = instruments.copy_to_draft(old, actor=None)
        instruments.publish(draft, actor=None)
        db.session.commit()
    assert client.get(f"/api/v1/kiosk/{kiosk['token']}").get_json()["instrument"] == (
        "sipas-tt01@2"
    )
    assert post(client, kiosk["token"], payload()).status_code == 201


@pytest.mark.parametrize(
    "shift",
    [timedelta(hours=-2), timedelta(minutes=4), timedelta(days=-6, hours=-23)],
    ids=["two-hours-ago", "tablet-clock-4-min-fast", "almost-7-days-ago"],
)
@pytest.mark.parametrize("offset", ["Z", "+07:00"])
def test_answered_at_in_utc_or_vietnam_time_sets_the_hour(app, client, kiosk, shift, offset):
    moment = datetime.now(UTC).replace(microsecond=0) + shift
    if offset == "Z":
        text = iso(moment)
    else:
        text = moment.astimezone(LOCAL_TZ).isoformat()
        assert text.endswith("+07:00")
    response = post(client, kiosk["token"], payload(answered_at=text))
    assert response.status_code == 201, response.get_json()
    row = stored(app, response.get_json()["id"])
    assert aware(row["submitted_hour"]) == moment.replace(minute=0, second=0)


def test_submitted_time_is_kept_only_to_the_hour_and_no_address_anywhere(app, client, kiosk):
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=95)
    body = payload(
        answered_at=iso(moment),
        answers=answers(overall=2, want_reply="yes", reply_phone="0912 345 678"),
        comment="Phòng chờ nóng",
    )
    response = post(
        client,
        kiosk["token"],
        body,
        environ_base={"REMOTE_ADDR": CITIZEN_ADDRESS},
        headers={"X-Forwarded-For": CITIZEN_ADDRESS, "User-Agent": "KioskTablet/1.0"},
    )
    assert response.status_code == 201
    row = stored(app, response.get_json()["id"])
    submitted = aware(row["submitted_hour"])
    assert submitted == moment.replace(minute=0, second=0)
    assert (submitted.minute, submitted.second, submitted.microsecond) == (0, 0, 0)
    names = {c.name.lower() for c in Response.__table__.columns}
    assert not {n for n in names if "ip" in n.split("_") or "addr" in n or "agent" in n}
    # Not in any column of any table.
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for record in db.session.execute(select(table)).all():
                text = repr(tuple(record))
                assert CITIZEN_ADDRESS not in text, table.name
                assert "KioskTablet" not in text, table.name


def test_officer_on_duty_at_the_counter_is_recorded(app, client, kiosk):
    with app.app_context():
        officer = db.session.scalar(
            select(Officer).where(Officer.service_point_id == kiosk["desk"])
        )
        db.session.get(Counter, kiosk["counter"]).officer_on_duty_id = officer.id
        db.session.commit()
        officer_id = officer.id
    response = post(client, kiosk["token"], payload())
    assert response.status_code == 201
    assert stored(app, response.get_json()["id"])["officer_id"] == officer_id


def test_without_an_officer_on_duty_none_is_recorded(app, client, kiosk):
    response = post(client, kiosk["token"], payload())
    assert stored(app, response.get_json()["id"])["officer_id"] is None


# --- Comments and cases ------------------------------------------------------------------------


@pytest.mark.parametrize("overall", [1, 2])
@pytest.mark.parametrize("where", ["top-level", "in-answers"])
def test_comment_with_a_low_overall_rating_opens_a_kiosk_case(app, client, kiosk, overall, where):
    text = "Cán bộ chưa hướng dẫn rõ"
    if where == "top-level":
        body = payload(answers=answers(overall=overall), comment=text)
    else:
        body = payload(answers=answers(overall=overall, comment=text))
    response = post(client, kiosk["token"], body)
    assert response.status_code == 201
    reply = response.get_json()
    assert reply["case_code"]
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.code == reply["case_code"]))
        assert case is not None
        assert case.channel == CaseChannel.KIOSK_COMMENT
        assert case.service_point_id == kiosk["desk"]
        assert case.content == text
        assert case.sender_phone is None
    row = stored(app, reply["id"])
    assert row["case"]["code"] == reply["case_code"]
    assert row["answers"]["comment"] == (None, None, text)


@pytest.mark.parametrize("overall", [3, 4, 5])
def test_comment_with_a_fair_rating_opens_no_case(app, client, kiosk, overall):
    body = payload(answers=answers(overall=overall), comment="Cảm ơn cán bộ")
    response = post(client, kiosk["token"], body)
    assert response.status_code == 201
    assert response.get_json()["case_code"] is None
    assert counts(app)["cases"] == 0
    assert stored(app, response.get_json()["id"])["answers"]["comment"] == (
        None,
        None,
        "Cảm ơn cán bộ",
    )


def test_low_rating_without_a_comment_opens_no_case(app, client, kiosk):
    response = post(client, kiosk["token"], payload(answers=answers(overall=1)))
    assert response.status_code == 201
    assert response.get_json()["case_code"] is None
    assert counts(app)["cases"] == 0


def test_asking_for_a_reply_opens_a_case_with_the_phone_kept_only_there(app, client, kiosk):
    phone = "0912 345 678"
    body = payload(
        answers=answers(overall=5, want_reply="yes", reply_phone=phone),
        comment="Xin hỏi khi nào có kết quả?",
    )
    response = post(client, kiosk["token"], body)
    assert response.status_code == 201
    reply = response.get_json()
    assert reply["case_code"]
    row = stored(app, reply["id"])
    assert row["case"]["sender_phone"] == phone
    assert row["case"]["channel"] == CaseChannel.KIOSK_COMMENT
    assert "reply_phone" not in row["answers"]
    assert row["answers"]["want_reply"] == (1, "yes", None)
    assert phone not in repr(row["reply"])
    with app.app_context():
        texts = db.session.scalars(select(Answer.text).where(Answer.text.is_not(None))).all()
    assert all(phone not in text and "912" not in text for text in texts)


# --- POST: invalid submissions -----------------------------------------------------------------


def _now() -> datetime:
    """Now, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


# (id, fields of the payload, the field in error, English message, its parameters)
INVALID = [
    ("uuid-garbage", lambda: {"client_uuid": "not-a-uuid"}, "client_uuid", "UUID", {}),
    ("uuid-missing", lambda: {"client_uuid": None}, "client_uuid", "UUID", {}),
    ("uuid-number", lambda: {"client_uuid": 12345}, "client_uuid", "UUID", {}),
    ("uuid-too-short", lambda: {"client_uuid": "1234-5678"}, "client_uuid", "UUID", {}),
    ("instrument-unknown", lambda: {"instrument": "other@1"}, "instrument", "VERSION", {}),
    ("instrument-no-version", lambda: {"instrument": "sipas-tt01"}, "instrument", "VERSION", {}),
    ("instrument-next", lambda: {"instrument": "sipas-tt01@2"}, "instrument", "VERSION", {}),
    ("instrument-missing", lambda: {"instrument": None}, "instrument", "VERSION", {}),
    ("answers-not-object", lambda: {"answers": [4, 5]}, "answers", "OBJECT", {}),
    ("question-unknown", lambda: {"answers": answers(bogus=3)}, "answers.bogus", "NO_Q", {}),
    *[
        (
            f"likert-{v!r}",
            lambda v=v: {"answers": answers(overall=v)},
            "answers.overall",
            "FIVE",
            {},
        )
        for v in (0, 6, "5", 4.5, True, -1, [4], {"v": 4})
    ],
    (
        "no-opinion-not-allowed",
        lambda: {"answers": answers(f3_officer="no_opinion")},
        "answers.f3_officer",
        "FIVE",
        {},
    ),
    (
        "choice-not-offered",
        lambda: {"answers": answers(tt01_returns="twice")},
        "answers.tt01_returns",
        "OFFERED",
        {},
    ),
    (
        "choice-points-not-code",
        lambda: {"answers": answers(tt01_returns=2)},
        "answers.tt01_returns",
        "OFFERED",
        {},
    ),
    (
        "yes-no-not-offered",
        lambda: {"answers": answers(want_reply="maybe")},
        "answers.want_reply",
        "OFFERED",
        {},
    ),
    # Nothing is required at a kiosk beyond one rating (issue 15): an answer set without one is
    # refused, whatever else it holds.
    ("no-answer", lambda: {"answers": {}}, "answers", "NO_RATING", {}),
    ("only-blank", lambda: {"answers": {"overall": "  "}}, "answers", "NO_RATING", {}),
    ("only-choice", lambda: {"answers": {"tt01_returns": "none"}}, "answers", "NO_RATING", {}),
    (
        "only-no-opinion",
        lambda: {"answers": {"f1_access": "no_opinion", "comment": "Phòng chờ chật"}},
        "answers",
        "NO_RATING",
        {},
    ),
    ("only-reasons", lambda: {"answers": {"reasons": ["wait_time"]}}, "answers", "NO_RATING", {}),
    (
        "reasons-not-a-list",
        lambda: {"answers": answers(reasons="wait_time")},
        "answers.reasons",
        "CHOOSE_FROM",
        {},
    ),
    (
        "reason-not-offered",
        lambda: {"answers": answers(reasons=["wait_time", "parking"])},
        "answers.reasons",
        "CHOOSE_FROM",
        {},
    ),
    (
        "reason-not-text",
        lambda: {"answers": answers(reasons=[3])},
        "answers.reasons",
        "CHOOSE_FROM",
        {},
    ),
    ("partial-not-boolean", lambda: {"partial": "yes"}, "partial", "TRUE_FALSE", {}),
    ("partial-number", lambda: {"partial": 1}, "partial", "TRUE_FALSE", {}),
    ("invitation-text", lambda: {"invitation": "12"}, "invitation", "INVITATION", {}),
    ("invitation-zero", lambda: {"invitation": 0}, "invitation", "INVITATION", {}),
    ("invitation-boolean", lambda: {"invitation": True}, "invitation", "INVITATION", {}),
    (
        "comment-too-long",
        lambda: {"comment": "x" * 1001},
        "answers.comment",
        "AT_MOST",
        {"n": 1000},
    ),
    ("comment-not-text", lambda: {"comment": 5}, "answers.comment", "TEXT", {}),
    (
        "phone-too-long",
        lambda: {"answers": answers(want_reply="yes", reply_phone="0" * 21), "comment": "Hỏi"},
        "answers.reply_phone",
        "AT_MOST",
        {"n": 20},
    ),
    (
        "phone-not-a-number",
        lambda: {"answers": answers(want_reply="yes", reply_phone="call me"), "comment": "Hỏi"},
        "answers.reply_phone",
        "PHONE",
        {},
    ),
    (
        "reply-wanted-without-phone",
        lambda: {"answers": answers(want_reply="yes"), "comment": "Hỏi"},
        "answers.reply_phone",
        "GIVE_PHONE",
        {},
    ),
    (
        "answered-in-the-future",
        lambda: {"answered_at": iso(_now() + timedelta(minutes=6))},
        "answered_at",
        "FUTURE",
        {},
    ),
    (
        "answered-8-days-ago",
        lambda: {"answered_at": iso(_now() - timedelta(days=8))},
        "answered_at",
        "OLD",
        {"n": 7},
    ),
    (
        "answered-7-days-1-minute-ago",
        lambda: {"answered_at": iso(_now() - timedelta(days=7, minutes=1))},
        "answered_at",
        "OLD",
        {"n": 7},
    ),
    ("answered-at-garbage", lambda: {"answered_at": "yesterday"}, "answered_at", "ISO", {}),
    ("answered-at-number", lambda: {"answered_at": 1773000000}, "answered_at", "ISO", {}),
    ("dossier-space", lambda: {"dossier_code": "HS 001/2026"}, "dossier_code", "DOSSIER", {}),
    ("dossier-too-long", lambda: {"dossier_code": "A" * 41}, "dossier_code", "DOSSIER", {}),
    ("dossier-number", lambda: {"dossier_code": 123}, "dossier_code", "DOSSIER", {}),
    ("language-unknown", lambda: {"language": "fr"}, "language", "LANGUAGE", {}),
]
MESSAGES = {
    "UUID": "A unique identifier (UUID) is required.",
    "VERSION": "Unknown survey version.",
    "OBJECT": "Send the answers as an object.",
    "NO_Q": "There is no such question.",
    "FIVE": "Choose one of the five answers.",
    "OFFERED": "Choose one of the answers offered.",
    "NO_RATING": "Give at least one rating.",
    "CHOOSE_FROM": "Choose from the answers offered.",
    "TRUE_FALSE": "Say true or false.",
    "INVITATION": "An invitation is known by its number.",
    "AT_MOST": "At most %(n)d characters.",
    "TEXT": "Write text here.",
    "PHONE": "Write a phone number, for example 0912 345 678.",
    "GIVE_PHONE": "Give a phone number for the answer.",
    "FUTURE": "The time cannot be in the future.",
    "OLD": "Answers older than %(n)d days are not accepted.",
    "ISO": "Send the time as ISO 8601, e.g. 2026-03-14T09:30:00+07:00.",
    "DOSSIER": "A dossier code has letters, digits, dots and dashes.",
    "LANGUAGE": "Unknown language.",
}


@pytest.mark.parametrize(
    ("fields", "field", "message", "params"),
    [case[1:] for case in INVALID if case[0] != "language-unknown"],
    ids=[case[0] for case in INVALID if case[0] != "language-unknown"],
)
def test_invalid_submission_is_400_in_english_and_stores_nothing(
    app, client, kiosk, fields, field, message, params
):
    before = counts(app)
    response = post(client, kiosk["token"], payload(**fields()), query="?queued=3")
    assert response.status_code == 400
    assert response.get_json() == {"errors": {field: MESSAGES[message] % params}}
    assert counts(app) == before
    with app.app_context():
        assert db.session.get(Kiosk, kiosk["id"]).queued_reported == 0


@pytest.mark.parametrize(
    ("fields", "field", "message", "params"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_invalid_submission_is_explained_in_vietnamese(
    app, client, kiosk, fields, field, message, params
):
    body = payload(**{"language": "vi", **fields()})
    response = post(client, kiosk["token"], body)
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert set(errors) == {field}
    msgid = MESSAGES[message]
    english = msgid % params
    catalogue = vietnamese(msgid)
    if catalogue is not None:
        assert errors[field] == catalogue % params
    else:
        assert errors[field] != english, f"{msgid!r} has no Vietnamese translation"
    assert counts(app) == {"responses": 0, "answers": 0, "cases": 0}


def test_unknown_question_error_names_the_question(client, kiosk):
    body = payload(answers=answers(f9_parking=4, extra_note="x"))
    errors = post(client, kiosk["token"], body).get_json()["errors"]
    assert set(errors) == {"answers.f9_parking", "answers.extra_note"}


def test_every_problem_is_reported_at_once(client, kiosk):
    body = payload(
        answers=answers(f1_access=9, tt01_returns="twice", reasons=["queue"]),
        dossier_code="HS 1",
        answered_at="soon",
        partial="no",
    )
    errors = post(client, kiosk["token"], body).get_json()["errors"]
    assert set(errors) == {
        "answers.f1_access",
        "answers.tt01_returns",
        "answers.reasons",
        "partial",
        "dossier_code",
        "answered_at",
    }


def test_draft_version_is_refused(app, client, kiosk):
    with app.app_context():
        instruments.copy_to_draft(instruments.find(INSTRUMENT), actor=None)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Instrument)) == 2
    response = post(client, kiosk["token"], payload(instrument="sipas-tt01@2"))
    assert response.status_code == 400
    assert response.get_json() == {"errors": {"instrument": MESSAGES["VERSION"]}}
    assert counts(app)["responses"] == 0


def test_a_draft_published_later_takes_answers(app, client, kiosk):
    """Versions are remembered once they take answers; a refused draft is not."""
    with app.app_context():
        draft = instruments.copy_to_draft(instruments.find(INSTRUMENT), actor=None)
        db.session.commit()
        draft_id = draft.id
    assert post(client, kiosk["token"], payload(instrument="sipas-tt01@2")).status_code == 400
    with app.app_context():
        instruments.publish(db.session.get(Instrument, draft_id), actor=None)
        db.session.commit()
    response = post(client, kiosk["token"], payload(instrument="sipas-tt01@2"))
    assert response.status_code == 201
    assert stored(app, response.get_json()["id"])["instrument_id"] == draft_id


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"not json at all", "application/json"),
        (b'{"client_uuid": ', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"a string"', "application/json"),
        (b"null", "application/json"),
        (b"\xff\xfe{}", "application/json"),
        (b"client_uuid=x&overall=5", "application/x-www-form-urlencoded"),
        (b"", None),
    ],
    ids=["garbage", "truncated", "array", "string", "null", "bad-utf8", "form", "empty"],
)
def test_body_that_is_not_a_json_object_is_400(app, client, kiosk, data, content_type):
    response = client.post(
        f"/api/v1/kiosk/{kiosk['token']}/responses", data=data, content_type=content_type
    )
    assert response.status_code == 400
    assert response.is_json
    assert "body" in response.get_json()["errors"]
    assert counts(app)["responses"] == 0


def test_deeply_nested_json_is_400_not_500(app, client, kiosk):
    depth = 30_000  # far past Python's recursion limit, and still under the 64 KB cap
    data = b'{"answers": ' + b"[" * depth + b"]" * depth + b"}"
    response = client.post(
        f"/api/v1/kiosk/{kiosk['token']}/responses", data=data, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.is_json


def test_oversized_body_is_413_json(app, client, kiosk):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = payload(comment="x" * (limit + 1))
    response = post(client, kiosk["token"], body)
    assert response.status_code == 413
    assert response.is_json
    assert response.get_json()["status"] == 413
    assert counts(app)["responses"] == 0


KIOSK_BODY_LIMIT = 64 * 1024


def padded(body: dict, size: int) -> bytes:
    """A JSON body of exactly `size` bytes: the submission, then spaces (still valid JSON)."""
    data = json.dumps(body).encode()
    return data + b" " * (size - len(data))


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_over_64_kb_is_a_translated_413_and_stores_nothing(app, client, kiosk, chunked):
    data = padded(payload(), KIOSK_BODY_LIMIT + 1)
    # A chunked body has no Content-Length: its size shows only while it is read (the server,
    # like gunicorn, says it ends the stream).
    chunks = {
        "headers": {"Transfer-Encoding": "chunked"},
        "environ_overrides": {"wsgi.input_terminated": True},
    }
    response = client.post(
        f"/api/v1/kiosk/{kiosk['token']}/responses",
        data=data,
        content_type="application/json",
        **(chunks if chunked else {}),
    )
    assert response.status_code == 413
    assert response.is_json
    body = response.get_json()
    assert body["status"] == 413
    assert body["error"] == translated("Too large")
    assert counts(app)["responses"] == 0


def test_body_of_exactly_64_kb_is_taken(app, client, kiosk):
    data = padded(payload(), KIOSK_BODY_LIMIT)
    response = client.post(
        f"/api/v1/kiosk/{kiosk['token']}/responses", data=data, content_type="application/json"
    )
    assert response.status_code == 201
    assert counts(app)["responses"] == 1


# --- Bursts ------------------------------------------------------------------------------------


def suspicious_flags(app, client, kiosk, moments: list[datetime]) -> list[bool]:
    """Submit one answer per moment (tablet clock); whether each was stored as suspicious."""
    flags = []
    for moment in moments:
        response = post(client, kiosk["token"], payload(answered_at=iso(moment)))
        assert response.status_code == 201, response.get_json()
        flags.append(stored(app, response.get_json()["id"])["suspicious"])
    return flags


def test_more_answers_in_one_minute_than_a_person_can_give_are_a_burst(app, client, kiosk):
    app.config["KIOSK_BURST_COUNT"] = 2
    start = minute_start(_now() - timedelta(minutes=30))
    moments = [start + timedelta(seconds=s) for s in (5, 15, 25)]
    assert suspicious_flags(app, client, kiosk, moments) == [False, False, True]


def test_answers_a_minute_apart_are_not_a_burst(app, client, kiosk):
    app.config["KIOSK_BURST_COUNT"] = 2
    start = minute_start(_now() - timedelta(minutes=30)) + timedelta(seconds=5)
    moments = [start + timedelta(minutes=m) for m in range(3)]
    assert suspicious_flags(app, client, kiosk, moments) == [False, False, False]


def test_a_queue_resent_late_is_not_a_burst(app, client, kiosk):
    """The tablet was offline: answers given minutes apart arrive together."""
    app.config["KIOSK_BURST_COUNT"] = 2
    now = _now()
    moments = [now - timedelta(minutes=m) for m in (20, 15, 10, 5)]
    assert suspicious_flags(app, client, kiosk, moments) == [False] * 4


def test_a_burst_across_a_minute_boundary_is_still_a_burst(app, client, kiosk):
    """Three answers within 15 seconds are a burst whichever clock minute they fall in."""
    app.config["KIOSK_BURST_COUNT"] = 2
    boundary = minute_start(_now() - timedelta(minutes=30))
    moments = [boundary + timedelta(seconds=s) for s in (-10, -5, 5)]
    assert suspicious_flags(app, client, kiosk, moments) == [False, False, True]


def test_resends_are_not_counted_towards_a_burst(app, client, kiosk):
    """A tablet that resends an answer it already delivered (lost reply) is not a burst."""
    app.config["KIOSK_BURST_COUNT"] = 2
    start = minute_start(_now() - timedelta(minutes=30))
    first = payload(answered_at=iso(start + timedelta(seconds=5)))
    assert [post(client, kiosk["token"], first).status_code for _ in range(3)] == [201, 200, 200]
    assert suspicious_flags(app, client, kiosk, [start + timedelta(seconds=15)]) == [False]


def test_bursts_are_counted_per_kiosk(app, client, kiosk):
    app.config["KIOSK_BURST_COUNT"] = 2
    other = make_kiosk(app, kiosk["desk"], publish=False)  # at the same counter
    start = minute_start(_now() - timedelta(minutes=30)) + timedelta(seconds=5)
    assert suspicious_flags(app, client, kiosk, [start, start]) == [False, False]
    assert suspicious_flags(app, client, other, [start, start]) == [False, False]


def _app_counting_in(app, storage_uri: str, **settings):
    """Another app on the test database whose throttles and counters live in `storage_uri`."""
    from feedback_app import create_app

    return create_app(
        {
            "TESTING": True,
            "ENV": "testing",
            "SECRET_KEY": "tests",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": storage_uri,
            **settings,
        }
    )


def test_bursts_are_counted_in_redis_as_in_production(app, kiosk):
    """With Redis as the counters' storage (one round trip per answer) a burst across a minute
    boundary is still found, and its counters are Redis's, not a worker's memory."""
    import redis

    prefix = f"feedback-test-{uuid.uuid4().hex}"
    production = _app_counting_in(
        app,
        "redis://127.0.0.1:6379/0",
        RATELIMIT_STORAGE_OPTIONS={"key_prefix": prefix},
        KIOSK_BURST_COUNT=2,
    )
    store = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        boundary = minute_start(_now() - timedelta(minutes=30))
        moments = [boundary + timedelta(seconds=s) for s in (-10, -5, 5)]
        flags = suspicious_flags(app, production.test_client(), kiosk, moments)
        assert flags == [False, False, True]
        assert sorted(int(store.get(k)) for k in store.scan_iter(f"{prefix}:burst:*")) == [1, 2]
    finally:
        for key in store.scan_iter(f"{prefix}:*"):
            store.delete(key)
        store.close()
        with production.app_context():
            db.engine.dispose()


# --- Throttling, CSRF, the queue figure ----------------------------------------------------------


def test_throttling_is_per_kiosk_not_per_address(app, client, kiosk, district):
    app.config["KIOSK_RATELIMIT"] = "3 per minute"
    other = make_kiosk(app, district["desk_b"], publish=False)
    office = {"REMOTE_ADDR": "192.0.2.10"}
    for _ in range(3):
        assert post(client, kiosk["token"], payload(), environ_base=office).status_code == 201
    throttled = post(client, kiosk["token"], payload(), environ_base=office)
    assert throttled.status_code == 429
    assert throttled.is_json
    assert throttled.get_json()["status"] == 429
    # The tablet waits as long as it is told (kiosk.js), and nobody sees werkzeug's English.
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert (
        throttled.get_json()["message"] == "Có quá nhiều yêu cầu. Vui lòng chờ một lát rồi thử lại."
    )
    assert post(client, other["token"], payload(), environ_base=office).status_code == 201
    assert counts(app)["responses"] == 4


def test_answers_are_taken_when_the_throttle_storage_is_down(app, kiosk):
    """Redis unreachable (nothing listens on port 1): the answer is stored, not refused."""
    down = _app_counting_in(app, "redis://127.0.0.1:1")
    try:
        response = post(down.test_client(), kiosk["token"], payload())
        assert response.status_code == 201, response.get_json()
        # Sign-in, throttled by Flask-Limiter itself, falls back to memory: no 500 either.
        staff = down.test_client()
        form = {"username": "nobody", "password": "wrong", "csrf_token": csrf_token(staff)}
        assert staff.post("/auth/login", data=form).status_code == 200
    finally:
        with down.app_context():
            db.engine.dispose()
    assert counts(app)["responses"] == 1


def test_no_csrf_token_is_needed(app, client, kiosk):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    # The same app refuses a staff form without its token, so CSRF protection is on here.
    form = client.post("/auth/login", data={"username": "admin", "password": "x"})
    assert form.status_code == 400
    response = post(client, kiosk["token"], payload())
    assert response.status_code == 201


def test_each_new_queue_figure_is_recorded_however_soon_it_comes(app, client, kiosk):
    """Draining a queue: every submission says how many answers still wait."""
    for waiting in (3, 2, 1, 0):
        assert (
            post(client, kiosk["token"], payload(), query=f"?queued={waiting}").status_code == 201
        )
        with app.app_context():
            assert db.session.get(Kiosk, kiosk["id"]).queued_reported == waiting


def test_a_tablet_heard_from_in_a_later_minute_is_seen_again(app, client, kiosk):
    assert post(client, kiosk["token"], payload()).status_code == 201
    earlier = datetime.now(UTC) - timedelta(minutes=2)
    with app.app_context():
        db.session.get(Kiosk, kiosk["id"]).last_seen_at = earlier
        db.session.commit()
    assert post(client, kiosk["token"], payload()).status_code == 201
    with app.app_context():
        seen = aware(db.session.get(Kiosk, kiosk["id"]).last_seen_at)
    assert seen > earlier + timedelta(minutes=1)


def test_queue_length_reported_with_a_submission_is_recorded(app, client, kiosk):
    response = post(client, kiosk["token"], payload(), query="?queued=4")
    assert response.status_code == 201
    with app.app_context():
        device = db.session.get(Kiosk, kiosk["id"])
        assert device.queued_reported == 4
        assert device.queued_reported_at is not None
        assert device.last_seen_at is not None


# --- No session ---------------------------------------------------------------------------------


def test_the_api_sets_no_cookie_even_when_asked_for_a_language(app, client, kiosk):
    """A tablet is authenticated by its token, never by a cookie: ?lang= is not remembered."""
    response = post(client, kiosk["token"], payload(), query="?lang=en")
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers
    instrument = client.get(f"/api/v1/kiosk/{kiosk['token']}?lang=en")
    assert instrument.status_code == 200
    assert "Set-Cookie" not in instrument.headers


def test_a_page_still_remembers_the_language_chosen(client):
    """The pages keep their session: ?lang= once, then the next page is in that language."""
    first = client.get("/?lang=en")
    assert "Set-Cookie" in first.headers
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)
