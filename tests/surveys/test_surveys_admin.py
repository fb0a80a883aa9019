"""Survey admin pages: versions and their questions, kiosks, and the officer on duty."""

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import (
    AuditEvent,
    Counter,
    Instrument,
    InstrumentStatus,
    Kiosk,
    Officer,
    Question,
    QuestionKind,
    ResponseChannel,
    ServicePoint,
)
from feedback_app.surveys import instruments, service
from tests.conftest import csrf_token, page, sign_in, translated

LOCKED = "A published version cannot be changed: make a new draft."
KIOSK_URL = re.compile(r"https?://[^\s\"<]+/kiosk/([A-Za-z0-9_\-]+)")


# --- Builders ---------------------------------------------------------------------------------


def make_draft(app, client, source_id: int) -> int:
    """Copy a version to a new draft through the page; returns the draft's id."""
    token = csrf_token(client, "/surveys/instruments")
    response = client.post(f"/surveys/instruments/{source_id}/copy", data={"csrf_token": token})
    assert response.status_code == 302
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def question_id(app, instrument_id: int, code: str) -> int | None:
    """The id of a question of a version by its code."""
    with app.app_context():
        return db.session.scalar(
            select(Question.id).where(
                Question.instrument_id == instrument_id, Question.code == code
            )
        )


def question_codes(app, instrument_id: int) -> list[str]:
    """The codes of a version's questions in their order."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(Question.code)
                .where(Question.instrument_id == instrument_id)
                .order_by(Question.position)
            )
        )


def question_form(**fields) -> dict:
    """The fields of the question form, as a browser sends them (unchecked boxes are absent)."""
    data = {
        "code": "new_q",
        "kind": "likert5",
        "text_vi": "Câu hỏi mới",
        "text_en": "A new question",
        "factor": "",
        "tt01_index": "",
        "max_length": "",
        "options": "",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def post_question(client, instrument_id: int, qid: int | None = None, **fields):
    """Post the add-question or edit-question form, CSRF token included."""
    url = f"/surveys/instruments/{instrument_id}/questions/" + (str(qid) if qid else "new")
    token = csrf_token(client, f"/surveys/instruments/{instrument_id}")
    return client.post(url + "?lang=en", data={"csrf_token": token, **question_form(**fields)})


def counter_of(app, desk_id: int) -> int:
    """The id of the first counter of a desk."""
    with app.app_context():
        return db.session.scalar(select(Counter.id).where(Counter.service_point_id == desk_id))


def officer_of(app, desk_id: int) -> int:
    """The id of the first officer of a desk."""
    with app.app_context():
        return db.session.scalar(select(Officer.id).where(Officer.service_point_id == desk_id))


def register_kiosk(app, client, counter_id: int, label="Máy 1") -> tuple[int, str, str]:
    """Register a tablet through the page: (kiosk id, token, page text)."""
    token = csrf_token(client, "/surveys/kiosks")
    response = client.post(
        "/surveys/kiosks?lang=en",
        data={"csrf_token": token, "counter_id": str(counter_id), "label": label},
    )
    assert response.status_code == 200
    body = page(response)
    match = KIOSK_URL.search(body)
    assert match, "no kiosk address on the page"
    kiosk_token = match.group(1)
    with app.app_context():
        kiosk = service.kiosk_by_token(kiosk_token)
        return kiosk.id, kiosk_token, body


# --- Survey versions --------------------------------------------------------------------------


def test_the_list_shows_each_version_with_its_questions_and_the_one_in_use(app, admin, survey):
    body = page(admin.get("/surveys/instruments?lang=en"))
    assert "sipas-tt01@1" in body
    assert "Phiếu đánh giá mức độ hài lòng" in body
    assert "Published" in body and "In use" in body
    assert ">12<" in body  # the default has twelve questions


def test_copy_to_draft_makes_version_2_with_the_same_questions(app, admin, survey):
    draft_id = make_draft(app, admin, survey)
    with app.app_context():
        draft = db.session.get(Instrument, draft_id)
        assert (draft.version, draft.status) == (2, InstrumentStatus.DRAFT)
        assert db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "instrument_copied")
        )
    assert question_codes(app, draft_id) == question_codes(app, survey)
    body = page(admin.get(f"/surveys/instruments/{draft_id}?lang=en"))
    assert "sipas-tt01@2" in body and "Add a question" in body and "Publish this version" in body


def test_a_draft_is_edited_text_added_removed_and_reordered_and_the_page_shows_it(
    app, admin, survey
):
    draft = make_draft(app, admin, survey)
    f1 = question_id(app, draft, "f1_access")
    changed = post_question(
        admin,
        draft,
        f1,
        code="f1_access",
        text_vi="Nơi chờ sạch sẽ, đủ ghế ngồi",
        text_en="Clean waiting area with enough seats",
        factor="F1",
        required="y",
        allows_no_opinion="y",
    )
    assert changed.status_code == 302
    added = post_question(
        admin,
        draft,
        code="tt01_visits",
        kind="choice_scored",
        text_vi="Số lần đi lại",
        text_en="Number of visits",
        tt01_index="5",
        options="zero|2|Không lần nào|None\none|1|Một lần|Once\nmany|0|Nhiều lần",
    )
    assert added.status_code == 302
    token = csrf_token(admin, f"/surveys/instruments/{draft}")
    removed = admin.post(
        f"/surveys/instruments/{draft}/questions/{question_id(app, draft, 'f5_feedback')}/delete",
        data={"csrf_token": token},
    )
    assert removed.status_code == 302
    moved = admin.post(
        f"/surveys/instruments/{draft}/questions/{question_id(app, draft, 'overall')}/move",
        data={"csrf_token": token, "position": "1"},
    )
    assert moved.status_code == 302

    codes = question_codes(app, draft)
    assert codes[0] == "overall" and codes[-1] == "tt01_visits" and "f5_feedback" not in codes
    with app.app_context():
        positions = db.session.scalars(
            select(Question.position)
            .where(Question.instrument_id == draft)
            .order_by(Question.position)
        ).all()
        assert positions == list(range(1, len(codes) + 1))
        visits = db.session.get(Question, question_id(app, draft, "tt01_visits"))
        assert visits.tt01_index == 5
        assert [(o["code"], o["points"]) for o in visits.options] == [
            ("zero", 2),
            ("one", 1),
            ("many", 0),
        ]
        assert visits.options[2]["label_en"] == ""
        # The published version is untouched.
        original = db.session.get(Question, question_id(app, survey, "f1_access"))
        assert original.text_vi.startswith("Nơi ngồi chờ")
    body = page(admin.get(f"/surveys/instruments/{draft}?lang=en"))
    assert "Nơi chờ sạch sẽ, đủ ghế ngồi" in body and "Clean waiting area" in body
    assert "tt01_visits" in body and "Không lần nào" in body
    assert body.index(">overall<") < body.index(">f1_access<") < body.index(">tt01_visits<")


def test_moving_down_and_past_the_end_keeps_positions_contiguous(app, admin, survey):
    draft = make_draft(app, admin, survey)
    token = csrf_token(admin, f"/surveys/instruments/{draft}")
    first = question_id(app, draft, "f1_access")
    url = f"/surveys/instruments/{draft}/questions/{first}/move"
    assert admin.post(url, data={"csrf_token": token, "position": "2"}).status_code == 302
    assert question_codes(app, draft)[:2] == ["f2_procedure", "f1_access"]
    assert admin.post(url, data={"csrf_token": token, "position": "99"}).status_code == 302
    assert question_codes(app, draft)[-1] == "f1_access"
    bad = admin.post(url + "?lang=en", data={"csrf_token": token, "position": "x"})
    assert bad.status_code == 400 and "Enter a whole number." in page(bad)


def test_the_titles_of_a_draft_can_be_changed(app, admin, survey):
    draft = make_draft(app, admin, survey)
    token = csrf_token(admin, f"/surveys/instruments/{draft}")
    response = admin.post(
        f"/surveys/instruments/{draft}",
        data={"csrf_token": token, "title_vi": "Phiếu mới", "title_en": "New form"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Instrument, draft).title_vi == "Phiếu mới"
    empty = admin.post(
        f"/surveys/instruments/{draft}?lang=en",
        data={"csrf_token": token, "title_vi": " ", "title_en": ""},
    )
    assert empty.status_code == 400 and "Write the title in Vietnamese." in page(empty)


def _snapshot(app, instrument_id: int):
    with app.app_context():
        instrument = db.session.get(Instrument, instrument_id)
        return (
            instrument.title_vi,
            instrument.status,
            [
                (q.position, q.code, q.kind, q.text_vi, q.required, q.options)
                for q in instrument.questions
            ],
        )


def test_every_change_to_a_published_version_is_refused_and_changes_nothing(app, admin, survey):
    before = _snapshot(app, survey)
    f1 = question_id(app, survey, "f1_access")
    token = csrf_token(admin, f"/surveys/instruments/{survey}")
    base = f"/surveys/instruments/{survey}"
    attempts = [
        admin.post(base + "?lang=en", data={"csrf_token": token, "title_vi": "Đổi"}),
        post_question(admin, survey, f1, code="f1_access", text_vi="Đổi"),
        post_question(admin, survey, code="extra", text_vi="Thêm"),
        admin.post(f"{base}/questions/{f1}/delete?lang=en", data={"csrf_token": token}),
        admin.post(
            f"{base}/questions/{f1}/move?lang=en", data={"csrf_token": token, "position": "3"}
        ),
        admin.post(f"{base}/publish?lang=en", data={"csrf_token": token}),
    ]
    for response in attempts:
        assert response.status_code == 400
        assert LOCKED in page(response)
    assert _snapshot(app, survey) == before
    # The read-only page offers a new draft instead of the editing forms.
    body = page(admin.get(f"{base}?lang=en"))
    assert "Make a new draft" in body and "Add a question" not in body and "Remove" not in body
    assert admin.get(f"{base}/questions/{f1}?lang=en").status_code == 400


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"code": "f2_procedure"},
            "Another question of this version has the code f2_procedure.",
        ),
        (
            {"kind": "choice_scored", "options": "only|1|Duy nhất|Only"},
            "Give at least two options.",
        ),
        (
            {"kind": "choice_scored", "options": "a|two|Hai|Two\nb|0|Không|None"},
            "Line 1: the points must be a whole number.",
        ),
        (
            {"kind": "choice_scored", "options": "a|1|Một\na|0|Không"},
            "Two options have the code a.",
        ),
        ({"kind": "choice_scored", "options": "a|1\nb|0|Không"}, "Line 1: write"),
        ({"options": "a|1|Một\nb|0|Không"}, "leave the options empty"),
        ({"code": "bad code!"}, "Use letters, digits and underscores only."),
        ({"kind": "text", "factor": "F1"}, "Only a 1–5 rating counts towards a factor."),
        ({"kind": "likert5", "tt01_index": "3"}, "Only a scored choice has a TT01 index."),
        ({"kind": "text", "max_length": "0"}, "Enter a number from 1 to 5000."),
        ({"code": "overall", "kind": "text"}, "has a fixed meaning"),
    ],
)
def test_invalid_questions_are_a_400_with_the_reason_and_nothing_is_stored(
    app, admin, survey, fields, message
):
    draft = make_draft(app, admin, survey)
    before = _snapshot(app, draft)
    f1 = question_id(app, draft, "f1_access")
    # As a new question, and as a change to an existing one.
    for qid in (None, f1):
        response = post_question(admin, draft, qid, **fields)
        assert response.status_code == 400, fields
        body = page(response)
        assert message in body
        assert "Please correct the fields marked below." in body
    assert _snapshot(app, draft) == before


def test_invalid_question_errors_show_in_vietnamese_pages_too(app, admin, survey):
    draft = make_draft(app, admin, survey)
    token = csrf_token(admin, f"/surveys/instruments/{draft}")
    response = admin.post(
        f"/surveys/instruments/{draft}/questions/new?lang=vi",
        data={"csrf_token": token, **question_form(kind="choice_scored", options="a|1|Một")},
    )
    body = page(response)
    assert response.status_code == 400
    assert '<html lang="vi"' in body and 'id="options-error"' in body
    assert translated("Please correct the fields marked below.") in body


def test_a_yes_no_question_without_options_gets_yes_and_no(app, admin, survey):
    draft = make_draft(app, admin, survey)
    assert post_question(admin, draft, code="again", kind="yes_no").status_code == 302
    with app.app_context():
        question = db.session.get(Question, question_id(app, draft, "again"))
        assert [o["code"] for o in question.options] == ["yes", "no"]


def test_publishing_a_draft_retires_the_previous_version_and_makes_it_active(app, admin, survey):
    draft = make_draft(app, admin, survey)
    token = csrf_token(admin, f"/surveys/instruments/{draft}")
    response = admin.post(f"/surveys/instruments/{draft}/publish", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Instrument, survey).status == InstrumentStatus.RETIRED
        assert db.session.get(Instrument, draft).status == InstrumentStatus.PUBLISHED
        assert instruments.active_instrument().id == draft
    body = page(admin.get("/surveys/instruments?lang=en"))
    assert "Retired" in body
    assert body.index("sipas-tt01@2") < body.index("In use") < body.index("sipas-tt01@1")


def test_publishing_an_empty_draft_is_refused(app, admin, survey):
    draft = make_draft(app, admin, survey)
    token = csrf_token(admin, f"/surveys/instruments/{draft}")
    for qid in [question_id(app, draft, code) for code in question_codes(app, draft)]:
        admin.post(
            f"/surveys/instruments/{draft}/questions/{qid}/delete", data={"csrf_token": token}
        )
    assert question_codes(app, draft) == []
    response = admin.post(
        f"/surveys/instruments/{draft}/publish?lang=en", data={"csrf_token": token}
    )
    assert response.status_code == 400
    assert "Add at least one question before publishing." in page(response)
    with app.app_context():
        assert db.session.get(Instrument, draft).status == InstrumentStatus.DRAFT
        assert instruments.active_instrument().id == survey


@pytest.mark.parametrize(
    ("lang", "expected", "absent"),
    [
        ("vi", "Thái độ và sự hướng dẫn của công chức tiếp nhận hồ sơ", "Very satisfied"),
        ("en", "The officer's attitude and guidance", "Rất không hài lòng"),
    ],
)
def test_preview_shows_the_questions_as_citizens_see_them(
    app, admin, survey, lang, expected, absent
):
    response = admin.get(f"/surveys/instruments/{survey}/preview?lang={lang}")
    body = page(response)
    assert response.status_code == 200
    assert f'<html lang="{lang}"' in body
    assert expected in body
    assert absent not in body
    assert '<fieldset class="question question-likert5' in body
    assert 'name="q_f3_officer"' in body


def test_preview_links_the_kiosk_stylesheet_only_when_it_exists(app, admin, survey):
    exists = Path(app.static_folder, "kiosk", "kiosk.css").is_file()
    body = page(admin.get(f"/surveys/instruments/{survey}/preview"))
    assert ("kiosk/kiosk.css" in body) == exists


def test_unknown_versions_and_questions_of_another_version_are_404(app, admin, survey):
    draft = make_draft(app, admin, survey)
    assert admin.get("/surveys/instruments/999999").status_code == 404
    assert admin.get("/surveys/instruments/999999/preview").status_code == 404
    other = question_id(app, survey, "f1_access")
    assert admin.get(f"/surveys/instruments/{draft}/questions/{other}").status_code == 404


# --- Kiosks -----------------------------------------------------------------------------------


def test_a_registered_kiosk_address_is_shown_once(app, admin, district, survey):
    counter = counter_of(app, district["desk_a"])
    kiosk_id, token, body = register_kiosk(app, admin, counter)
    assert "/kiosk/" in body
    assert "will not be shown again" in body
    listing = page(admin.get("/surveys/kiosks?lang=en"))
    assert token not in listing and "/kiosk/" not in listing
    assert "Máy 1" in listing and "Never" in listing
    assert admin.get(f"/api/v1/kiosk/{token}").status_code == 200
    with app.app_context():
        kiosk = db.session.get(Kiosk, kiosk_id)
        assert kiosk.counter_id == counter and token not in kiosk.token_hash


def test_disable_enable_and_rotate_a_kiosk(app, admin, district, survey):
    kiosk_id, token, _body = register_kiosk(app, admin, counter_of(app, district["desk_a"]))
    csrf = csrf_token(admin, "/surveys/kiosks")
    assert (
        admin.post(f"/surveys/kiosks/{kiosk_id}/disable", data={"csrf_token": csrf}).status_code
        == 302
    )
    assert admin.get(f"/api/v1/kiosk/{token}").status_code == 404
    assert "Disabled" in page(admin.get("/surveys/kiosks?lang=en"))
    assert (
        admin.post(f"/surveys/kiosks/{kiosk_id}/enable", data={"csrf_token": csrf}).status_code
        == 302
    )
    assert admin.get(f"/api/v1/kiosk/{token}").status_code == 200

    rotated = admin.post(f"/surveys/kiosks/{kiosk_id}/rotate?lang=en", data={"csrf_token": csrf})
    assert rotated.status_code == 200
    assert rotated.headers["Cache-Control"] == "no-store"
    body = page(rotated)
    new_token = KIOSK_URL.search(body).group(1)
    assert new_token != token and "The previous address no longer works." in body
    assert admin.get(f"/api/v1/kiosk/{token}").status_code == 404
    assert admin.get(f"/api/v1/kiosk/{new_token}").status_code == 200
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {
            "kiosk_created",
            "kiosk_disabled",
            "kiosk_enabled",
            "kiosk_token_rotated",
        } <= actions


def test_a_kiosk_with_answers_waiting_is_highlighted(app, admin, district, survey):
    kiosk_id, token, _body = register_kiosk(app, admin, counter_of(app, district["desk_a"]))
    assert admin.get(f"/api/v1/kiosk/{token}?queued=7").status_code == 200
    body = page(admin.get("/surveys/kiosks?lang=en"))
    row = body[body.index(f'id="kiosk-{kiosk_id}"') :]
    row = row[: row.index("</tr>")]
    assert "attention" in row and '<span class="badge warn">7</span>' in row


def test_registering_needs_a_counter_of_the_scope(app, admin, district, survey):
    token = csrf_token(admin, "/surveys/kiosks")
    response = admin.post(
        "/surveys/kiosks?lang=en", data={"csrf_token": token, "counter_id": "999999"}
    )
    assert response.status_code == 400
    assert "Not a valid choice." in page(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Kiosk)) == 0


def test_an_admin_of_ward_a_neither_sees_nor_touches_a_ward_b_kiosk(app, ward_admin, district):
    with app.app_context():
        counter_b = counter_of(app, district["desk_b"])
        kiosk, _token = service.create_kiosk(
            db.session.get(Counter, counter_b), label="Ward B tablet"
        )
        db.session.commit()
        kiosk_b = kiosk.id
        desk_b_name = db.session.get(ServicePoint, district["desk_b"]).name
    listing = page(ward_admin.get("/surveys/kiosks?lang=en"))
    assert "Ward B tablet" not in listing and desk_b_name not in listing
    csrf = csrf_token(ward_admin, "/surveys/kiosks")
    for action in ("disable", "enable", "rotate"):
        response = ward_admin.post(f"/surveys/kiosks/{kiosk_b}/{action}", data={"csrf_token": csrf})
        assert response.status_code == 404, action
    registered = ward_admin.post(
        "/surveys/kiosks", data={"csrf_token": csrf, "counter_id": str(counter_b)}
    )
    assert registered.status_code == 400
    with app.app_context():
        assert db.session.get(Kiosk, kiosk_b).active is True
        assert db.session.scalar(select(func.count()).select_from(Kiosk)) == 1


# --- Officer on duty --------------------------------------------------------------------------


def _submit_ratings(app, desk_id: int, counter_id: int, comment: str) -> None:
    """Two responses at the counter, with a comment and a dossier code."""
    with app.test_request_context():
        survey = instruments.active_instrument()
        point = db.session.get(ServicePoint, desk_id)
        counter = db.session.get(Counter, counter_id)
        where = service.Where(ResponseChannel.PAPER, point, counter=counter)
        for overall in (1, 5):
            answers = {
                "f1_access": 2,
                "f2_procedure": 3,
                "f3_officer": overall,
                "f4_result": 4,
                "overall": overall,
                "comment": comment,
            }
            payload = {
                "client_uuid": str(uuid.uuid4()),
                "instrument": survey.label,
                "answers": answers,
                "dossier_code": "HS-4417-QZ",
            }
            service.submit(payload, where)
        db.session.commit()


def test_counter_staff_set_the_officer_on_their_counter(app, client, district, survey):
    counter = counter_of(app, district["desk_a"])
    officer = officer_of(app, district["desk_a"])
    sign_in(client, "counter_a")
    token = csrf_token(client, "/surveys/duty")
    response = client.post(
        f"/surveys/duty/{counter}", data={"csrf_token": token, "officer_id": str(officer)}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Counter, counter).officer_on_duty_id == officer
        assert "officer_on_duty" in set(db.session.scalars(select(AuditEvent.action)))
    body = page(client.get("/surveys/duty?lang=en"))
    assert "Nguyễn Văn A" in body
    nobody = client.post(f"/surveys/duty/{counter}", data={"csrf_token": token, "officer_id": ""})
    assert nobody.status_code == 302
    with app.app_context():
        assert db.session.get(Counter, counter).officer_on_duty_id is None


def test_an_officer_of_another_desk_is_refused(app, client, district, survey):
    counter = counter_of(app, district["desk_a"])
    stranger = officer_of(app, district["desk_b"])
    sign_in(client, "counter_a")
    token = csrf_token(client, "/surveys/duty")
    for value in (str(stranger), "not-a-number"):
        response = client.post(
            f"/surveys/duty/{counter}?lang=en", data={"csrf_token": token, "officer_id": value}
        )
        assert response.status_code == 400
        assert "Choose one of this desk's officers, or nobody." in page(response)
    with app.app_context():
        assert db.session.get(Counter, counter).officer_on_duty_id is None


def test_counter_staff_only_see_their_ward_and_cannot_manage_surveys(app, client, district, survey):
    sign_in(client, "counter_a")
    with app.app_context():
        desk_b = db.session.get(ServicePoint, district["desk_b"]).name
        desk_a = db.session.get(ServicePoint, district["desk_a"]).name
    body = page(client.get("/surveys/duty?lang=en"))
    assert desk_a in body and desk_b not in body
    assert "/surveys/kiosks" not in body and "/surveys/instruments" not in body
    counter_b = counter_of(app, district["desk_b"])
    token = csrf_token(client, "/surveys/duty")
    assert client.post(f"/surveys/duty/{counter_b}", data={"csrf_token": token}).status_code == 404
    for url in ("/surveys/instruments", "/surveys/kiosks", f"/surveys/instruments/{survey}"):
        assert client.get(url).status_code == 403
    denied = client.post(f"/surveys/instruments/{survey}/copy", data={"csrf_token": token})
    assert denied.status_code == 403


@pytest.mark.parametrize("who", ["manager_a", "clerk", "hotline", "reform"])
def test_other_roles_cannot_reach_the_survey_admin_pages(app, client, district, survey, who):
    sign_in(client, who)
    for url in ("/surveys/instruments", "/surveys/kiosks", "/surveys/duty"):
        assert client.get(url).status_code == 403, (who, url)


def test_the_duty_page_never_shows_ratings_or_answers(app, client, district, survey):
    counter = counter_of(app, district["desk_a"])
    officer = officer_of(app, district["desk_a"])
    with app.app_context():
        service.set_officer_on_duty(
            db.session.get(Counter, counter), db.session.get(Officer, officer), None
        )
        db.session.commit()
    comment = "Công chức làm việc quá chậm, tôi chờ hai tiếng 7391"
    _submit_ratings(app, district["desk_a"], counter, comment)
    sign_in(client, "counter_a")
    for lang in ("vi", "en"):
        body = page(client.get(f"/surveys/duty?lang={lang}"))
        assert "Nguyễn Văn A" in body
        for leaked in (comment, "7391", "HS-4417-QZ", "Rất hài lòng", "Very satisfied"):
            assert leaked not in body, leaked
        assert "satisf" not in body.lower() and "hài lòng" not in body.lower()
        assert "%" not in body


# --- Every page, both languages ---------------------------------------------------------------


def test_every_survey_admin_page_renders_in_both_languages(app, admin, district, survey):
    draft = make_draft(app, admin, survey)
    register_kiosk(app, admin, counter_of(app, district["desk_a"]))
    f1 = question_id(app, draft, "f1_access")
    urls = [
        "/",
        "/surveys/instruments",
        f"/surveys/instruments/{survey}",
        f"/surveys/instruments/{draft}",
        f"/surveys/instruments/{draft}/questions/new",
        f"/surveys/instruments/{draft}/questions/{f1}",
        f"/surveys/instruments/{draft}/preview",
        f"/surveys/instruments/{survey}/preview",
        "/surveys/kiosks",
        "/surveys/duty",
    ]
    for url in urls:
        for lang in ("vi", "en"):
            response = admin.get(f"{url}?lang={lang}")
            assert response.status_code == 200, (url, lang)
            assert f'<html lang="{lang}"' in page(response)
    home = page(admin.get("/?lang=en"))
    assert "Survey versions" in home and "Kiosks" in home and "Officer on duty" in home
    assert "Manage survey versions and counter tablets" in home


def test_the_service_refuses_what_the_form_would_also_refuse(app, survey):
    with app.test_request_context("/?lang=en"):
        draft = instruments.copy_to_draft(db.session.get(Instrument, survey), None)
        data = instruments.QuestionData(
            code="long_text", kind=QuestionKind.TEXT, text_vi="Ý kiến", max_length=0
        )
        with pytest.raises(instruments.QuestionInvalid) as refused:
            instruments.add_question(draft, data, None)
        assert set(refused.value.errors) == {"max_length"}
        scored = instruments.QuestionData(
            code="scored",
            kind=QuestionKind.CHOICE_SCORED,
            text_vi="Điểm",
            options=[
                {"code": "a", "points": True, "label_vi": "A"},
                {"code": "b", "points": 0, "label_vi": "B"},
            ],
        )
        with pytest.raises(instruments.QuestionInvalid) as refused:
            instruments.add_question(draft, scored, None)
        assert "whole number" in refused.value.errors["options"]
