"""Cases: intake at the desk, deadlines, the workflow, scope, the list, bulk steps, templates."""

import io
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from feedback_app import storage
from feedback_app.cases import service
from feedback_app.extensions import db
from feedback_app.models import (
    AdminUnit,
    AnswerTemplate,
    Attachment,
    Case,
    CaseChannel,
    CaseKind,
    CaseStatus,
    ServicePoint,
    User,
)
from feedback_app.units import calendar
from tests.cases.test_attachments import tiny_png
from tests.conftest import FORM_TOKEN_RE, csrf_token, form_token, page, sign_in

CODE_RE = re.compile(r"[2-9A-HJKMNP-Z]{8}")  # no 0/O, 1/I/L
LISTED_RE = re.compile(r'class="code" href="/cases/([2-9A-HJKMNP-Z]{8})"')
FRIDAY = "2025-03-07T09:00"  # Vietnam time; no holiday within three weeks
BEFORE_TET = "2025-01-24T09:00"  # the Friday before Tết Ất Tỵ (29 January 2025)
CONTENT = "Cán bộ tiếp nhận hồ sơ hướng dẫn chưa rõ ràng."


# --- builders ---------------------------------------------------------------------------------


def post_new_case(client, desk: int, *, token: str | None = None, lang="en", **fields):
    """POST /cases/new as a browser would, with the page's CSRF and one-time form tokens."""
    issued = form_token(client, "/cases/new")
    data = {
        "csrf_token": csrf_token(client, "/cases/new"),
        "form_token": token or issued,
        "service_point_id": desk,
        "kind": "feedback",
        "content": CONTENT,
        **fields,
    }
    return client.post(f"/cases/new?lang={lang}", data=data)


def code_from(response) -> str:
    """The case a redirect lands on."""
    assert response.status_code == 302, response.status_code
    path = urlsplit(response.headers["Location"]).path
    assert path.startswith("/cases/"), path
    return path.removeprefix("/cases/")


def make_case(app, desk: int, content: str = CONTENT, **fields) -> str:
    """A case created directly through the service (quick set-up); returns its code."""
    fields.setdefault("channel", CaseChannel.WALK_IN)
    with app.app_context():
        point = db.session.get(ServicePoint, desk)
        new = service.NewCase(content=content, service_point=point, **fields)
        case = service.create_case(new)[0]
        db.session.commit()
        return case.code


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _case(code: str) -> Case:
    return db.session.scalar(select(Case).where(Case.code == code))


def advance(app, code: str, *steps: str, by: str = "reform", unit: int | None = None) -> None:
    """Move a case through workflow steps directly (set-up only)."""
    with app.app_context():
        case, actor = _case(code), _user(by)
        for step in steps:
            if step == "classify":
                service.classify(case, kind=case.kind, subject="", actor=actor)
            elif step == "assign":
                target = db.session.get(AdminUnit, unit) if unit else case.unit
                service.assign(case, unit=target, actor=actor)
            elif step == "answer":
                service.answer(case, text="Đã chấn chỉnh cán bộ.", actor=actor)
            elif step == "close":
                service.close(case, actor=actor)
            else:  # pragma: no cover - a typo in a test
                raise AssertionError(step)
        db.session.commit()


def state(app, code: str) -> dict:
    """What a refused step must leave untouched."""
    with app.app_context():
        case = _case(code)
        return {
            "status": case.status,
            "kind": case.kind,
            "unit_id": case.unit_id,
            "answer": case.answer,
            "published": case.published,
            "forwarded_to": case.forwarded_to,
            "reject_reason": case.reject_reason,
            "events": len(case.events),
        }


def events(app, code: str) -> list[tuple]:
    """(action, from, to, actor username, note) for each history row, in order."""
    with app.app_context():
        return [
            (
                e.action,
                e.from_status,
                e.to_status,
                e.actor.username if e.actor else None,
                e.note,
            )
            for e in _case(code).events
        ]


def case_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Case.id)))


def attachment_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Attachment.id)))


def post_step(client, code: str, step: str, lang: str = "en", **data):
    """POST one workflow form of a case page, with a real CSRF token."""
    token = csrf_token(client, "/cases/")
    return client.post(f"/cases/{code}/{step}?lang={lang}", data={"csrf_token": token, **data})


def listed(client, query: str = "") -> list[str]:
    """The codes the case list shows, in order."""
    response = client.get(f"/cases/?{query}")
    assert response.status_code == 200
    return LISTED_RE.findall(response.get_data(as_text=True))


def post_bulk(client, codes: list[str], lang: str = "en", **data):
    """POST the list's bulk form with these cases ticked."""
    form = {"csrf_token": csrf_token(client, "/cases/"), "codes": codes, "unit_id": "0", **data}
    return client.post(f"/cases/bulk?lang={lang}", data=form)


# --- creating a case at the desk ----------------------------------------------------------------


def test_clerk_creates_a_case_and_lands_on_its_page(app, clerk, district):
    response = post_new_case(clerk, district["desk_a"], content="Phòng chờ thiếu ghế ngồi.")
    code = code_from(response)
    assert CODE_RE.fullmatch(code)
    shown = clerk.get(f"/cases/{code}?lang=en")
    assert shown.status_code == 200
    body = page(shown)
    assert "Phòng chờ thiếu ghế ngồi." in body
    assert "History" in body
    assert "received → Received" in body
    assert f"Case {code} created." in body
    with app.app_context():
        case = _case(code)
        assert case.status == CaseStatus.RECEIVED
        assert case.channel == CaseChannel.WALK_IN
        assert case.service_point_id == district["desk_a"]
        assert case.unit_id == district["ward_a"]
    assert events(app, code) == [("received", None, "received", "clerk", "")]


def test_tracking_codes_use_only_unambiguous_characters(app, clerk, district):
    codes = [code_from(post_new_case(clerk, district["desk_a"])) for _ in range(5)]
    assert len(set(codes)) == 5
    for code in codes:
        assert len(code) == 8
        assert not set(code) & set("0O1IL")


def test_resubmitting_the_same_form_lands_on_the_same_case_without_a_second_one(
    app, clerk, district
):
    token = "b2c4e6a8d0f24680acebdf1357924680"
    first = code_from(post_new_case(clerk, district["desk_a"], token=token))
    again = post_new_case(clerk, district["desk_a"], token=token, content="Gửi lại lần hai.")
    assert code_from(again) == first
    assert case_count(app) == 1
    with app.app_context():
        assert _case(first).content == CONTENT
    assert "This form was already sent" in page(clerk.get(f"/cases/{first}?lang=en"))


@pytest.mark.parametrize("content", ["", "   \n  "], ids=["empty", "blank"])
def test_case_without_content_is_refused_and_nothing_is_stored(app, clerk, district, content):
    response = post_new_case(clerk, district["desk_a"], content=content)
    assert response.status_code == 400
    assert "Write what the citizen said." in page(response)
    assert case_count(app) == 0


def test_content_over_5000_characters_is_refused(app, clerk, district):
    response = post_new_case(clerk, district["desk_a"], content="a" * 5001)
    assert response.status_code == 400
    assert "At most 5000 characters." in page(response)
    assert case_count(app) == 0


def test_content_of_exactly_5000_characters_is_accepted(app, clerk, district):
    code_from(post_new_case(clerk, district["desk_a"], content="a" * 5000))
    assert case_count(app) == 1


def test_received_time_in_the_future_is_refused(app, clerk, district):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = post_new_case(clerk, district["desk_a"], received_at=tomorrow)
    assert response.status_code == 400
    assert "The date cannot be in the future." in page(response)
    assert case_count(app) == 0


def test_received_time_in_year_one_is_refused_without_an_error_page(app, clerk, district):
    response = post_new_case(clerk, district["desk_a"], received_at="0001-01-01T00:00")
    assert response.status_code == 400
    assert "Enter a date from the year 2000 on." in page(response)
    assert case_count(app) == 0


@pytest.mark.parametrize("typed", ["yesterday", "2025-13-45T99:99"])
def test_received_time_that_is_not_a_date_is_refused(app, clerk, district, typed):
    response = post_new_case(clerk, district["desk_a"], received_at=typed)
    assert response.status_code == 400
    assert case_count(app) == 0


@pytest.mark.parametrize("token", ["x" * 200, "not-a-token", ""], ids=["long", "junk", "empty"])
def test_form_without_a_valid_one_time_token_is_refused(app, clerk, district, token):
    body = clerk.get("/cases/new").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(clerk, "/cases/new"),
        "form_token": token,
        "service_point_id": district["desk_a"],
        "kind": "feedback",
        "content": CONTENT,
    }
    assert FORM_TOKEN_RE.search(body)
    response = clerk.post("/cases/new?lang=en", data=data)
    assert response.status_code == 400
    assert "The form is incomplete. Reload the page and try again." in page(response)
    assert case_count(app) == 0


def test_nul_characters_are_refused_and_nothing_is_stored(app, clerk, district):
    response = post_new_case(clerk, district["desk_a"], content="Chờ\x00 lâu", subject="a\x00b")
    assert response.status_code == 400
    assert case_count(app) == 0


def test_desk_outside_the_users_scope_cannot_receive_a_case(app, district):
    client = sign_in(app.test_client(), "manager_a")
    response = post_new_case(client, district["desk_b"])
    assert response.status_code == 400
    assert case_count(app) == 0


def test_attachment_that_is_not_jpeg_png_or_pdf_stores_neither_case_nor_file(app, clerk, district):
    fake = (io.BytesIO(b"just some text, not an image"), "x.png")
    response = post_new_case(clerk, district["desk_a"], attachment=fake)
    assert response.status_code == 400
    assert "Only JPEG, PNG or PDF files can be attached." in page(response)
    assert case_count(app) == 0
    assert attachment_count(app) == 0


def test_form_refused_for_its_attachment_can_be_sent_again_with_a_good_file(app, clerk, district):
    token = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    fake = (io.BytesIO(b"not an image"), "x.png")
    assert post_new_case(clerk, district["desk_a"], token=token, attachment=fake).status_code == 400
    good = (io.BytesIO(tiny_png()), "phieu.png")
    code_from(post_new_case(clerk, district["desk_a"], token=token, attachment=good))
    assert case_count(app) == 1
    assert attachment_count(app) == 1


def test_png_attachment_is_stored_and_downloadable_only_within_scope(app, clerk, district):
    content = tiny_png()
    code = code_from(
        post_new_case(clerk, district["desk_a"], attachment=(io.BytesIO(content), "phieu.png"))
    )
    with app.app_context():
        case = _case(code)
        assert [a.content_type for a in case.attachments] == ["image/png"]
        attachment = case.attachments[0].id
        assert [e.action for e in case.events] == ["received", "attached"]
    assert f'href="/cases/attachments/{attachment}"' in page(clerk.get(f"/cases/{code}"))

    for username in ("clerk", "manager_a", "reform"):
        download = sign_in(app.test_client(), username).get(f"/cases/attachments/{attachment}")
        assert download.status_code == 200, username
        assert download.data == content
        assert download.mimetype == "image/png"
        download.close()  # send_file keeps the file open until the response is closed
    url = f"/cases/attachments/{attachment}"
    assert sign_in(app.test_client(), "manager_b").get(url).status_code == 404
    assert sign_in(app.test_client(), "counter_a").get(url).status_code == 403


def test_download_of_an_attachment_whose_file_is_gone_is_404(app, clerk, district):
    code = code_from(
        post_new_case(clerk, district["desk_a"], attachment=(io.BytesIO(tiny_png()), "a.png"))
    )
    with app.app_context():
        item = _case(code).attachments[0]
        storage.path_for(item).unlink()
        attachment = item.id
    assert clerk.get(f"/cases/attachments/{attachment}").status_code == 404


@pytest.mark.parametrize("number", ["999999", "99999999999999999999"])
def test_unknown_attachment_and_template_numbers_are_404(app, reform, district, number):
    assert reform.get(f"/cases/attachments/{number}").status_code == 404
    token = csrf_token(reform, "/cases/templates")
    response = reform.post(f"/cases/templates/{number}/toggle", data={"csrf_token": token})
    assert response.status_code == 404


# --- deadlines ----------------------------------------------------------------------------------


def test_case_received_on_a_friday_is_due_ten_working_days_later(app, clerk, district):
    code = code_from(post_new_case(clerk, district["desk_a"], received_at=FRIDAY))
    with app.app_context():
        case = _case(code)
        assert case.answer_due == date(2025, 3, 21)  # two weekends skipped
        assert case.classify_due == date(2025, 3, 14)


def test_case_received_just_before_tet_skips_the_tet_holidays(app, clerk, district):
    with app.app_context():
        calendar.load_year(2025)
        db.session.commit()
    code = code_from(post_new_case(clerk, district["desk_a"], received_at=BEFORE_TET))
    with app.app_context():
        case = _case(code)
        # 27 Jan, then 28 Jan – 1 Feb are Tết: the ten days end on 13 February, not 7 February.
        assert case.answer_due == date(2025, 2, 13)
        assert case.classify_due == date(2025, 2, 6)


def test_complaint_gets_the_forward_deadline_for_its_first_step(app, clerk, district):
    with app.app_context():
        calendar.set_deadline_days("forward", 3, None)
        db.session.commit()
    complaint = code_from(
        post_new_case(clerk, district["desk_a"], kind="complaint", received_at=FRIDAY)
    )
    feedback = code_from(post_new_case(clerk, district["desk_a"], received_at=FRIDAY))
    with app.app_context():
        assert _case(complaint).classify_due == date(2025, 3, 12)  # 3 working days: forward
        assert _case(feedback).classify_due == date(2025, 3, 14)  # 5 working days: classify
        assert _case(complaint).due_on == date(2025, 3, 12)


def test_changing_the_deadline_policy_changes_the_due_date_of_new_cases(app, clerk, district):
    before = code_from(post_new_case(clerk, district["desk_a"], received_at=FRIDAY))
    with app.app_context():
        calendar.set_deadline_days("answer", 15, None)
        db.session.commit()
    after = code_from(post_new_case(clerk, district["desk_a"], received_at=FRIDAY))
    with app.app_context():
        assert _case(after).answer_due == date(2025, 3, 28)
        assert _case(before).answer_due == date(2025, 3, 21)  # an existing case keeps its date


# --- the workflow -------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["reform", "manager_a"])
def test_case_goes_from_classification_to_close_with_an_event_for_each_step(
    app, district, username
):
    code = make_case(app, district["desk_a"])
    client = sign_in(app.test_client(), username)

    steps = [
        ("classify", {"kind": "proposal", "subject": "Ghế chờ", "note": "Kiến nghị."}),
        ("assign", {"unit_id": district["ward_a"], "note": "Phường xử lý."}),
        ("answer", {"answer": "Đã bổ sung ghế chờ.", "publish": "y"}),
        ("close", {"note": "Xong."}),
    ]
    for step, data in steps:
        response = post_step(client, code, step, **data)
        assert response.status_code == 302, (step, page(response))
        assert urlsplit(response.headers["Location"]).path == f"/cases/{code}"

    assert events(app, code) == [
        ("received", None, "received", None, ""),
        ("classified", "received", "classified", username, "Kiến nghị."),
        ("assigned", "classified", "assigned", username, "Phường xử lý."),
        ("answered", "assigned", "answered", username, "Đã bổ sung ghế chờ."),
        ("published", None, None, username, ""),
        ("closed", "answered", "closed", username, "Xong."),
    ]
    with app.app_context():
        case = _case(code)
        assert case.status == CaseStatus.CLOSED
        assert case.kind == CaseKind.PROPOSAL
        assert case.subject == "Ghế chờ"
        assert case.unit_id == district["ward_a"]
        assert case.answer == "Đã bổ sung ghế chờ."
        assert case.published
        assert case.answered_at is not None and case.closed_at is not None
        assert case.due_on is None
    body = page(client.get(f"/cases/{code}?lang=en"))
    assert "Đã bổ sung ghế chờ." in body
    assert "closed → Closed" in body


def test_reform_office_assigns_a_ward_b_case_to_ward_a(app, reform, district):
    code = make_case(app, district["desk_b"])
    assert post_step(reform, code, "assign", unit_id=district["ward_a"]).status_code == 302
    with app.app_context():
        assert _case(code).unit_id == district["ward_a"]
        assert _case(code).events[-1].detail == {"unit": ["00346", "00343"]}


@pytest.mark.parametrize(
    ("before", "step", "data", "message"),
    [
        ((), "close", {}, "A case that is “Received” cannot be closed."),
        (
            ("classify", "answer", "close"),
            "answer",
            {"answer": "Trả lời lần hai."},
            "A case that is “Closed” cannot be answered.",
        ),
        ((), "reject", {"reason": ""}, "Give the reason for rejecting it."),
        ((), "reject", {"reason": "   "}, "Give the reason for rejecting it."),
        (
            ("classify",),
            "classify",
            {"kind": "praise"},
            "A case that is “Classified” cannot be classified.",
        ),
        (
            ("classify", "answer"),
            "forward",
            {"agency": "Sở Tư pháp"},
            "A case that is “Answered” cannot be forwarded.",
        ),
        ((), "forward", {"agency": ""}, "Name the agency it is forwarded to."),
        (("classify",), "answer", {"answer": ""}, "Write the answer."),
    ],
    ids=[
        "close-received",
        "answer-closed",
        "reject-without-reason",
        "reject-with-blank-reason",
        "classify-twice",
        "forward-answered",
        "forward-without-agency",
        "empty-answer",
    ],
)
def test_refused_step_says_why_with_400_and_changes_nothing(
    app, reform, district, before, step, data, message
):
    code = make_case(app, district["desk_a"])
    advance(app, code, *before)
    unchanged = state(app, code)
    response = post_step(reform, code, step, **data)
    assert response.status_code == 400
    assert message in page(response)
    assert state(app, code) == unchanged


def test_a_refused_step_is_not_remembered_for_the_next_page(app, reform, district):
    code = make_case(app, district["desk_a"])
    post_step(reform, code, "close")
    assert "cannot be closed" not in page(reform.get(f"/cases/{code}?lang=en"))


def test_case_page_offers_only_the_steps_its_status_allows(app, reform, district):
    code = make_case(app, district["desk_a"])
    body = page(reform.get(f"/cases/{code}"))
    assert f'action="/cases/{code}/classify"' in body
    assert f'action="/cases/{code}/close"' not in body
    advance(app, code, "classify", "answer", "close")
    body = page(reform.get(f"/cases/{code}"))
    for step in ("classify", "assign", "answer", "close", "reject", "forward"):
        assert f'action="/cases/{code}/{step}"' not in body


@pytest.mark.parametrize("step", ["assign", "answer"])
def test_complaint_cannot_be_assigned_or_answered(app, reform, district, step):
    code = make_case(app, district["desk_a"], kind=CaseKind.COMPLAINT)
    advance(app, code, "classify")
    unchanged = state(app, code)
    data = {"unit_id": district["ward_a"]} if step == "assign" else {"answer": "Trả lời."}
    response = post_step(reform, code, step, **data)
    assert response.status_code == 400
    assert "Complaints and denunciations follow their own laws: forward them." in page(response)
    assert state(app, code) == unchanged


def test_case_classified_as_a_complaint_can_no_longer_be_assigned(app, reform, district):
    code = make_case(app, district["desk_a"])
    assert post_step(reform, code, "classify", kind="complaint").status_code == 302
    response = post_step(reform, code, "assign", unit_id=district["ward_a"])
    assert response.status_code == 400
    assert state(app, code)["status"] == CaseStatus.CLASSIFIED


def test_complaint_is_forwarded_to_a_named_agency(app, reform, district):
    code = make_case(app, district["desk_a"], kind=CaseKind.COMPLAINT)
    response = post_step(reform, code, "forward", agency="Thanh tra quận Thanh Xuân")
    assert response.status_code == 302
    with app.app_context():
        case = _case(code)
        assert case.status == CaseStatus.FORWARDED
        assert case.forwarded_to == "Thanh tra quận Thanh Xuân"
        assert case.closed_at is not None and case.due_on is None
        assert case.events[-1].detail == {"agency": "Thanh tra quận Thanh Xuân"}
    assert events(app, code)[-1][:4] == ("forwarded", "received", "forwarded", "reform")


def test_complaint_can_be_rejected_with_a_reason(app, reform, district):
    code = make_case(app, district["desk_a"], kind=CaseKind.DENUNCIATION)
    response = post_step(reform, code, "reject", reason="Không có nội dung cụ thể.")
    assert response.status_code == 302
    with app.app_context():
        case = _case(code)
        assert case.status == CaseStatus.REJECTED
        assert case.reject_reason == "Không có nội dung cụ thể."
    assert events(app, code)[-1] == (
        "rejected",
        "received",
        "rejected",
        "reform",
        "Không có nội dung cụ thể.",
    )


def test_manager_cannot_assign_a_case_to_a_unit_outside_their_scope(app, district):
    code = make_case(app, district["desk_a"])
    client = sign_in(app.test_client(), "manager_a")
    unchanged = state(app, code)
    for unit in ("ward_b", "district"):
        response = post_step(client, code, "assign", unit_id=district[unit])
        assert response.status_code == 400
        assert state(app, code) == unchanged


def test_counter_staff_are_not_allowed_into_cases(app, district):
    code = make_case(app, district["desk_a"])
    client = sign_in(app.test_client(), "counter_a")
    assert client.get("/cases/").status_code == 403
    assert client.get(f"/cases/{code}").status_code == 403
    assert client.get("/cases/new").status_code == 403


def test_clerk_sees_a_case_but_cannot_classify_it(app, clerk, district):
    code = make_case(app, district["desk_a"])
    body = page(clerk.get(f"/cases/{code}"))
    assert f'action="/cases/{code}/classify"' not in body
    unchanged = state(app, code)
    token = csrf_token(clerk, f"/cases/{code}")
    response = clerk.post(
        f"/cases/{code}/classify", data={"csrf_token": token, "kind": "praise", "subject": "x"}
    )
    assert response.status_code == 403
    assert state(app, code) == unchanged


def test_clerk_adds_a_note_to_the_history(app, clerk, district):
    code = make_case(app, district["desk_a"])
    assert post_step(clerk, code, "note", note="Công dân gọi lại hỏi tiến độ.").status_code == 302
    assert events(app, code)[-1] == ("note", None, None, "clerk", "Công dân gọi lại hỏi tiến độ.")
    assert state(app, code)["status"] == CaseStatus.RECEIVED


def test_answer_is_published_and_hidden_again_with_the_publish_button(app, reform, district):
    code = make_case(app, district["desk_a"])
    advance(app, code, "classify", "answer")
    assert post_step(reform, code, "publish").status_code == 302
    assert state(app, code)["published"]
    assert post_step(reform, code, "publish").status_code == 302
    assert not state(app, code)["published"]
    assert [e[0] for e in events(app, code)][-2:] == ["published", "unpublished"]


def test_unanswered_case_cannot_be_published(app, reform, district):
    code = make_case(app, district["desk_a"])
    unchanged = state(app, code)
    response = post_step(reform, code, "publish")
    assert response.status_code == 400
    assert "Only an answered case can be published." in page(response)
    assert state(app, code) == unchanged


# --- scope --------------------------------------------------------------------------------------


def test_manager_of_another_ward_neither_opens_nor_lists_a_ward_a_case(app, district):
    code = make_case(app, district["desk_a"])
    own = make_case(app, district["desk_b"])
    client = sign_in(app.test_client(), "manager_b")
    assert client.get(f"/cases/{code}").status_code == 404
    assert listed(client) == [own]
    unchanged = state(app, code)
    assert post_step(client, code, "reject", reason="Không thuộc phường.").status_code == 404
    assert state(app, code) == unchanged


def test_manager_sees_their_own_wards_cases(app, district):
    code = make_case(app, district["desk_a"])
    client = sign_in(app.test_client(), "manager_a")
    assert client.get(f"/cases/{code}").status_code == 200
    assert listed(client) == [code]


def test_reform_office_sees_the_cases_of_both_wards(app, reform, district):
    in_a = make_case(app, district["desk_a"])
    in_b = make_case(app, district["desk_b"])
    assert sorted(listed(reform)) == sorted([in_a, in_b])
    assert reform.get(f"/cases/{in_a}").status_code == 200
    assert reform.get(f"/cases/{in_b}").status_code == 200


def test_case_code_in_the_address_is_read_case_insensitively(app, reform, district):
    code = make_case(app, district["desk_a"])
    assert reform.get(f"/cases/{code.lower()}").status_code == 200
    assert reform.get("/cases/ZZZZZZZZ").status_code == 404


# --- the list -----------------------------------------------------------------------------------


@pytest.fixture
def three_cases(app, district):
    """Ward A walk-in feedback (received), ward B box praise (classified), ward A hotline
    proposal (assigned). Returns their codes by letter."""
    a = make_case(app, district["desk_a"], content="Thủ tục rườm rà.")
    b = make_case(
        app,
        district["desk_b"],
        content="Cảm ơn cán bộ.",
        kind=CaseKind.PRAISE,
        channel=CaseChannel.BOX,
    )
    c = make_case(
        app,
        district["desk_a"],
        content="Nên có thêm quầy.",
        kind=CaseKind.PROPOSAL,
        channel=CaseChannel.HOTLINE_CALL,
    )
    advance(app, b, "classify")
    advance(app, c, "classify", "assign")
    return {"a": a, "b": b, "c": c}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "abc"),
        ("status=received", "a"),
        ("status=classified", "b"),
        ("status=assigned", "c"),
        ("status=closed", ""),
        ("channel=box", "b"),
        ("channel=hotline_call", "c"),
        ("channel=walk_in", "a"),
        ("kind=praise", "b"),
        ("kind=proposal", "c"),
        ("kind=feedback", "a"),
        ("unit={ward_a}", "ac"),
        ("unit={ward_b}", "b"),
        ("unit={ward_a}&channel=walk_in", "a"),
        ("status=nonsense", "abc"),
    ],
)
def test_list_filters(app, reform, district, three_cases, query, expected):
    codes = listed(reform, query.format(**district))
    assert sorted(codes) == sorted(three_cases[letter] for letter in expected)


def test_list_masks_phone_numbers_in_the_content(app, reform, district):
    make_case(app, district["desk_a"], content="Gọi lại cho tôi số 0912345678 nhé.")
    body = page(reform.get("/cases/"))
    assert "0912345678" not in body
    assert "091*****78" in body


def test_list_shows_newest_first(app, reform, district):
    old = make_case(app, district["desk_a"], received_at=datetime(2025, 3, 3, 2, tzinfo=UTC))
    new = make_case(app, district["desk_a"], received_at=datetime(2025, 3, 5, 2, tzinfo=UTC))
    assert listed(reform) == [new, old]


def test_overdue_only_lists_open_cases_past_their_deadline(app, reform, district):
    long_ago = datetime.now(UTC) - timedelta(days=60)
    late = make_case(app, district["desk_a"], received_at=long_ago)
    late_but_closed = make_case(app, district["desk_a"], received_at=long_ago)
    advance(app, late_but_closed, "classify", "answer", "close")
    fresh = make_case(app, district["desk_a"])
    assert sorted(listed(reform)) == sorted([late, late_but_closed, fresh])
    assert listed(reform, "overdue=y") == [late]


def test_overdue_rows_carry_the_overdue_class(app, reform, district):
    late = make_case(app, district["desk_a"], received_at=datetime.now(UTC) - timedelta(days=60))
    fresh = make_case(app, district["desk_a"])
    body = reform.get("/cases/").get_data(as_text=True)
    rows = {code: row for row in body.split("<tr")[1:] for code in LISTED_RE.findall(row)}
    assert rows[late].startswith(' class="overdue"')
    assert not rows[fresh].startswith(' class="overdue"')


@pytest.mark.parametrize("q", ["thai do", "THÁI ĐỘ", "thái do", "Thai Do Can"])
def test_search_ignores_vietnamese_diacritics(app, reform, district, q):
    hit = make_case(app, district["desk_a"], content="Thái độ cán bộ chưa niềm nở.")
    make_case(app, district["desk_a"], content="Thời gian chờ quá lâu.")
    assert listed(reform, urlencode({"q": q})) == [hit]


def test_search_without_diacritics_in_the_content_finds_an_accented_query(app, reform, district):
    hit = make_case(app, district["desk_a"], content="thai do can bo chua niem no")
    make_case(app, district["desk_a"], content="Thời gian chờ quá lâu.")
    assert listed(reform, urlencode({"q": "Thái độ cán bộ"})) == [hit]


def test_search_finds_a_case_by_its_code(app, reform, district):
    hit = make_case(app, district["desk_a"])
    make_case(app, district["desk_a"])
    assert listed(reform, f"q={hit.lower()}") == [hit]


@pytest.mark.parametrize(
    ("q", "expected"), [("%", ["percent"]), ("_", []), ("ph_ cao", []), ("50%", ["percent"])]
)
def test_percent_and_underscore_in_a_search_are_not_wildcards(app, reform, district, q, expected):
    cases = {
        "percent": make_case(app, district["desk_a"], content="Giảm 50% lệ phí."),
        "plain": make_case(app, district["desk_a"], content="Phí cao quá."),
    }
    assert listed(reform, urlencode({"q": q})) == [cases[k] for k in expected]


def test_list_pages_by_fifty(app, reform, district):
    with app.app_context():
        point = db.session.get(ServicePoint, district["desk_a"])
        start = datetime(2025, 3, 3, 2, tzinfo=UTC)
        for i in range(51):
            service.create_case(
                service.NewCase(
                    channel=CaseChannel.WALK_IN,
                    content=f"Góp ý số {i}",
                    service_point=point,
                    received_at=start + timedelta(minutes=i),
                )
            )
        db.session.commit()
    first = reform.get("/cases/")
    first_codes = LISTED_RE.findall(first.get_data(as_text=True))
    assert len(first_codes) == 50
    assert 'href="/cases/?page=2"' in first.get_data(as_text=True)
    second = reform.get("/cases/?page=2")
    second_codes = LISTED_RE.findall(second.get_data(as_text=True))
    assert len(second_codes) == 1
    assert 'href="/cases/?page=3"' not in second.get_data(as_text=True)
    assert 'href="/cases/?page=1"' in second.get_data(as_text=True)
    assert len(set(first_codes) | set(second_codes)) == 51
    with app.app_context():
        oldest = db.session.scalar(select(Case.code).where(Case.content == "Góp ý số 0"))
    assert second_codes == [oldest]


@pytest.mark.parametrize("number", ["3", "99999999999999999999", "0", "-4", "x"])
def test_page_numbers_out_of_range_never_fail(app, reform, district, number):
    code = make_case(app, district["desk_a"])
    response = reform.get(f"/cases/?page={number}&lang=en")
    assert response.status_code == 200
    shown = LISTED_RE.findall(response.get_data(as_text=True))
    assert shown == ([code] if number in ("0", "-4", "x") else [])


def test_search_with_a_nul_character_is_a_clear_400_not_a_failure(app, reform, district):
    make_case(app, district["desk_a"])
    response = reform.get("/cases/?q=a%00b&lang=en")
    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True)


def test_pager_keeps_the_filters(app, reform, district):
    with app.app_context():
        point = db.session.get(ServicePoint, district["desk_a"])
        for i in range(51):
            service.create_case(
                service.NewCase(channel=CaseChannel.BOX, content=f"Phiếu {i}", service_point=point)
            )
        db.session.commit()
    body = reform.get("/cases/?channel=box").get_data(as_text=True)
    assert 'href="/cases/?channel=box&amp;page=2"' in body


# --- bulk steps ---------------------------------------------------------------------------------


def test_reform_office_assigns_three_ticked_cases_to_a_ward_in_one_post(app, reform, district):
    codes = [
        make_case(app, district["desk_district"]),
        make_case(app, district["desk_b"]),
        make_case(app, district["desk_a"]),
    ]
    untouched = make_case(app, district["desk_b"])
    advance(app, codes[1], "classify")
    response = post_bulk(reform, codes, action="assign", unit_id=district["ward_a"])
    assert response.status_code == 302
    assert "3 cases updated." in page(reform.get("/cases/?lang=en"))
    for code in codes:
        assert state(app, code)["status"] == CaseStatus.ASSIGNED
        assert state(app, code)["unit_id"] == district["ward_a"]
        assigned = [e for e in events(app, code) if e[0] == "assigned"]
        assert len(assigned) == 1
        assert assigned[0][3:] == ("reform", "Bulk assignment")
    assert state(app, untouched)["status"] == CaseStatus.RECEIVED


def create_template(client, title: str, body: str):
    """POST the new-template form."""
    token = csrf_token(client, "/cases/templates")
    return client.post("/cases/templates", data={"csrf_token": token, "title": title, "body": body})


def template_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(AnswerTemplate.id).where(AnswerTemplate.title == title))


def test_bulk_close_with_a_template_answers_and_closes_every_ticked_case(app, reform, district):
    assert (
        create_template(reform, "Đã chấn chỉnh", "Cảm ơn ông/bà, đơn vị đã chấn chỉnh.").status_code
        == 302
    )
    classified = make_case(app, district["desk_a"])
    assigned = make_case(app, district["desk_b"])
    advance(app, classified, "classify")
    advance(app, assigned, "classify", "assign")
    response = post_bulk(
        reform,
        [classified, assigned],
        action="close",
        template=str(template_id(app, "Đã chấn chỉnh")),
        publish="y",
    )
    assert response.status_code == 302
    for code in (classified, assigned):
        now = state(app, code)
        assert now["status"] == CaseStatus.CLOSED
        assert now["answer"] == "Cảm ơn ông/bà, đơn vị đã chấn chỉnh."
        assert now["published"]
        assert [e[0] for e in events(app, code)][-3:] == ["answered", "published", "closed"]


def test_bulk_is_all_or_nothing_and_names_the_case_that_cannot_take_the_step(app, reform, district):
    ready = [make_case(app, district["desk_a"]), make_case(app, district["desk_b"])]
    for code in ready:
        advance(app, code, "classify", "assign")
    blocked = make_case(app, district["desk_a"], kind=CaseKind.COMPLAINT)  # routed, never answered
    before = {code: state(app, code) for code in [*ready, blocked]}
    response = post_bulk(reform, [*ready, blocked], action="close", answer="Đã xử lý xong.")
    assert response.status_code == 302
    body = page(reform.get("/cases/?lang=en"))
    assert f"{blocked}: Complaints and denunciations follow their own laws" in body
    for code, was in before.items():
        assert state(app, code) == was


def test_bulk_close_of_received_slips_classifies_answers_and_closes_them(app, reform, district):
    codes = [make_case(app, district["desk_a"]), make_case(app, district["desk_b"])]
    post_bulk(reform, codes, action="close", answer="Cảm ơn ý kiến của ông/bà.")
    with app.app_context():
        for code in codes:
            case = _case(code)
            assert case.status == CaseStatus.CLOSED
            assert [e.action for e in case.events] == [
                "received",
                "classified",
                "answered",
                "closed",
            ]


def test_bulk_assign_stops_at_a_complaint_and_changes_nothing(app, reform, district):
    fine = make_case(app, district["desk_b"])
    complaint = make_case(app, district["desk_b"], kind=CaseKind.COMPLAINT)
    before = {code: state(app, code) for code in (fine, complaint)}
    post_bulk(reform, [fine, complaint], action="assign", unit_id=district["ward_a"])
    assert complaint in page(reform.get("/cases/?lang=en"))
    for code, was in before.items():
        assert state(app, code) == was


def test_bulk_with_nothing_ticked_shows_an_error_and_changes_nothing(app, reform, district):
    code = make_case(app, district["desk_a"])
    unchanged = state(app, code)
    response = post_bulk(reform, [], action="assign", unit_id=district["ward_a"])
    assert response.status_code == 302
    assert "Tick at least one case and choose an action." in page(reform.get("/cases/?lang=en"))
    assert state(app, code) == unchanged


def test_bulk_close_without_an_answer_or_template_changes_nothing(app, reform, district):
    code = make_case(app, district["desk_a"])
    advance(app, code, "classify")
    unchanged = state(app, code)
    post_bulk(reform, [code], action="close", answer="", template="")
    assert f"{code}: Write the answer." in page(reform.get("/cases/?lang=en"))
    assert state(app, code) == unchanged


@pytest.mark.parametrize("template", ["abc", "99999999999999999999", "-1"])
def test_bulk_close_with_a_bogus_template_changes_nothing(app, reform, district, template):
    code = make_case(app, district["desk_a"])
    advance(app, code, "classify")
    unchanged = state(app, code)
    response = post_bulk(reform, [code], action="close", template=template)
    assert response.status_code == 302
    assert f"{code}: Write the answer." in page(reform.get("/cases/?lang=en"))
    assert state(app, code) == unchanged


def test_bulk_message_counts_one_case_in_the_singular(app, reform, district):
    code = make_case(app, district["desk_a"])
    post_bulk(reform, [code], action="assign", unit_id=district["ward_a"])
    body = page(reform.get("/cases/?lang=en"))
    assert "1 case updated." in body
    assert "1 cases updated." not in body


def test_bulk_steps_need_the_handle_cases_permission(app, clerk, district):
    code = make_case(app, district["desk_a"])
    response = post_bulk(clerk, [code], action="assign", unit_id=district["ward_a"])
    assert response.status_code == 403
    assert state(app, code)["status"] == CaseStatus.RECEIVED


def test_bulk_leaves_cases_outside_the_users_scope_alone(app, district):
    other = make_case(app, district["desk_b"])
    unchanged = state(app, other)
    client = sign_in(app.test_client(), "manager_a")
    post_bulk(client, [other], action="assign", unit_id=district["ward_a"])
    assert "None of the ticked cases is within your scope." in page(client.get("/cases/?lang=en"))
    assert state(app, other) == unchanged


# --- answer templates ---------------------------------------------------------------------------


def test_answer_templates_are_created_retired_and_no_longer_offered(app, reform, district):
    make_case(app, district["desk_a"])  # the bulk form shows only when the list has cases
    assert create_template(reform, "Cảm ơn", "Cảm ơn ý kiến của ông/bà.").status_code == 302
    assert create_template(reform, "Đã chấn chỉnh", "Đơn vị đã chấn chỉnh.").status_code == 302
    thanks, fixed = template_id(app, "Cảm ơn"), template_id(app, "Đã chấn chỉnh")
    templates_page = page(reform.get("/cases/templates"))
    assert "Cảm ơn ý kiến của ông/bà." in templates_page
    list_page = page(reform.get("/cases/"))
    assert f'<option value="{thanks}">Cảm ơn</option>' in list_page
    assert f'<option value="{fixed}">Đã chấn chỉnh</option>' in list_page

    token = csrf_token(reform, "/cases/templates")
    response = reform.post(f"/cases/templates/{thanks}/toggle", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.get(AnswerTemplate, thanks).active
    assert "(retired)" in page(reform.get("/cases/templates?lang=en"))
    list_page = page(reform.get("/cases/"))
    assert f'<option value="{thanks}">' not in list_page
    assert f'<option value="{fixed}">Đã chấn chỉnh</option>' in list_page

    reform.post(f"/cases/templates/{thanks}/toggle", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(AnswerTemplate, thanks).active


def test_a_retired_template_cannot_close_cases(app, reform, district):
    create_template(reform, "Cũ", "Mẫu đã bỏ.")
    old = template_id(app, "Cũ")
    token = csrf_token(reform, "/cases/templates")
    reform.post(f"/cases/templates/{old}/toggle", data={"csrf_token": token})
    code = make_case(app, district["desk_a"])
    advance(app, code, "classify")
    unchanged = state(app, code)
    post_bulk(reform, [code], action="close", template=str(old))
    assert state(app, code) == unchanged


def test_template_needs_a_title_and_a_text(app, reform, district):
    token = csrf_token(reform, "/cases/templates")
    response = reform.post(
        "/cases/templates?lang=en", data={"csrf_token": token, "title": "", "body": ""}
    )
    assert response.status_code == 400
    assert "Give the template a title." in page(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(AnswerTemplate.id))) == 0


def test_clerk_cannot_manage_templates(app, clerk, district):
    assert clerk.get("/cases/templates").status_code == 403


# --- every page, every role, both languages ---------------------------------------------------

ROLE_STATUS = {
    # role: (list, new, case in ward A, templates)
    "admin": (200, 200, 200, 200),
    "reform": (200, 200, 200, 200),
    "manager_a": (200, 200, 200, 200),
    "manager_b": (200, 200, 404, 200),
    "clerk": (200, 200, 200, 403),
    "hotline": (200, 200, 200, 403),
    "counter_a": (403, 403, 403, 403),
}


def test_every_case_page_renders_for_every_role_in_both_languages(app, district):
    rejected = make_case(
        app, district["desk_a"], sender_name="Nguyễn Văn Bình", sender_phone="0912345678"
    )
    answered = make_case(app, district["desk_a"], kind=CaseKind.QUESTION)
    advance(app, answered, "classify", "answer")
    closed = make_case(app, district["desk_a"], received_at=datetime(2025, 1, 24, 2, tzinfo=UTC))
    advance(app, closed, "classify", "assign", "answer", "close")
    forwarded = make_case(app, district["desk_a"], kind=CaseKind.COMPLAINT)
    with app.app_context():
        service.forward(_case(forwarded), agency="Thanh tra quận", actor=_user("reform"))
        service.reject(_case(rejected), reason="Trùng đơn.", actor=_user("reform"))
        db.session.commit()
    overdue = make_case(app, district["desk_a"], received_at=datetime.now(UTC) - timedelta(days=40))
    codes = [rejected, answered, closed, forwarded, overdue]

    for username, (list_status, new_status, case_status, templates_status) in ROLE_STATUS.items():
        client = sign_in(app.test_client(), username)
        for lang in ("vi", "en"):
            expected = {
                "/cases/": list_status,
                "/cases/?overdue=y&q=thai": list_status,
                "/cases/new": new_status,
                "/cases/templates": templates_status,
                **{f"/cases/{code}": case_status for code in codes},
            }
            for url, status in expected.items():
                sep = "&" if "?" in url else "?"
                response = client.get(f"{url}{sep}lang={lang}")
                assert response.status_code == status, (username, lang, url)
                assert f'<html lang="{lang}">' in response.get_data(as_text=True)
