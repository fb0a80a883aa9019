"""Paper intake: suggestion-box openings with their slips, and comment books with their entries."""

import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.intake import service as intake_service
from feedback_app.models import (
    Attachment,
    AuditEvent,
    BoxOpening,
    BoxStatus,
    Case,
    CaseChannel,
    CaseKind,
    CommentBook,
)
from feedback_app.timeutil import LOCAL_TZ, local_today
from tests.conftest import aware, count_rows, csrf_token, form_token, page, sign_in, user_id

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
OPENED_AT = "2026-03-14T09:30"  # Vietnam time
OPENED_AT_UTC = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)


# --- builders ---------------------------------------------------------------------------------


def open_box(client, desk: int, *, counted: int = 3, token: str | None = None, lang="", **fields):
    """POST the new-opening form as a browser would; returns the response."""
    url = "/intake/box/new"
    data = {
        "csrf_token": csrf_token(client, url),
        "form_token": token or form_token(client, url),
        "service_point_id": desk,
        "box_label": "Hòm thư tầng 1",
        "opened_at": OPENED_AT,
        "witnesses": "Nguyễn Văn An\nTrần Thị Bình",
        "slips_counted": counted,
        **fields,
    }
    return client.post(url + (f"?lang={lang}" if lang else ""), data=data)


def opening_id_from(response) -> int:
    """The opening a redirect points to."""
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def add_slip(
    client, opening: int, content="Cán bộ hướng dẫn tận tình.", *, token=None, lang="", **fields
):
    """POST the slip form of an opening; returns the response."""
    url = f"/intake/box/{opening}"
    data = {
        "csrf_token": csrf_token(client, url),
        "form_token": token or form_token(client, url),
        "content": content,
        "kind": "praise",
        **fields,
    }
    return client.post(f"{url}/slips" + (f"?lang={lang}" if lang else ""), data=data)


def close_opening(client, opening: int, reason: str = "", lang=""):
    """POST the close form of an opening."""
    url = f"/intake/box/{opening}"
    data = {"csrf_token": csrf_token(client, url), "reason": reason}
    return client.post(f"{url}/close" + (f"?lang={lang}" if lang else ""), data=data)


def open_book(client, desk: int, year: int | None = None, lang=""):
    """POST the open-book form."""
    data = {
        "csrf_token": csrf_token(client, "/intake/books"),
        "service_point_id": desk,
        "year": year or local_today().year,
    }
    return client.post("/intake/books" + (f"?lang={lang}" if lang else ""), data=data)


def book_id_from(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def add_entry(
    client, book: int, number: int, *, page_no=1, written_on=None, token=None, lang="", **fields
):
    """POST the next-entry form of a book."""
    url = f"/intake/books/{book}"
    data = {
        "csrf_token": csrf_token(client, url),
        "form_token": token or form_token(client, url),
        "entry_number": number,
        "page": page_no,
        "written_on": (written_on or local_today()).isoformat(),
        "content": "Đề nghị bố trí thêm ghế chờ.",
        "kind": "proposal",
        **fields,
    }
    return client.post(f"{url}/entries" + (f"?lang={lang}" if lang else ""), data=data)


def close_book(client, book: int):
    url = f"/intake/books/{book}"
    return client.post(f"{url}/close", data={"csrf_token": csrf_token(client, url)})


def cases(app, **where) -> list[Case]:
    """Cases matching column values, oldest first (detached, attributes loaded)."""
    with app.app_context():
        query = select(Case).filter_by(**where).order_by(Case.id)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def audit_actions(app) -> list[str]:
    """The intake actions in the audit trail, in order (sign-ins left out)."""
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    return [a for a in actions if a.startswith(("box_", "book_"))]


def opening_row(app, opening: int) -> BoxOpening:
    with app.app_context():
        row = db.session.get(BoxOpening, opening)
        db.session.expunge(row)
        return row


# --- suggestion box ---------------------------------------------------------------------------


def test_clerk_opens_a_box_with_witnesses_and_it_is_listed_and_audited(app, clerk, district):
    response = open_box(clerk, district["desk_a"], counted=4)
    opening = opening_id_from(response)
    row = opening_row(app, opening)
    assert row.service_point_id == district["desk_a"]
    assert row.box_label == "Hòm thư tầng 1"
    assert aware(row.opened_at) == OPENED_AT_UTC
    assert row.witnesses == "Nguyễn Văn An\nTrần Thị Bình"
    assert row.slips_counted == 4
    assert row.status == BoxStatus.OPEN
    assert row.opened_by_id == user_id(app, "clerk")
    body = page(clerk.get("/intake/box"))
    assert f'href="/intake/box/{opening}"' in body
    assert "Nguyễn Văn An, Trần Thị Bình" in body
    assert audit_actions(app) == ["box_opened"]


def test_new_opening_form_says_two_witnesses_are_needed_and_offers_only_desks_in_scope(
    ward_clerk, district
):
    body = page(ward_clerk.get("/intake/box/new?lang=en"))
    assert "At least two people must witness the opening: one name per line." in body
    desks = re.findall(r'<option[^>]*value="(\d+)"', body)
    assert desks == [str(district["desk_a"])]


def test_opening_with_one_witness_is_refused_and_nothing_is_stored(app, clerk, district):
    response = open_box(clerk, district["desk_a"], witnesses="Nguyễn Văn An\n\n", lang="en")
    assert response.status_code == 400
    assert "Write the names of at least 2 witnesses, one per line." in page(response)
    assert count_rows(app, BoxOpening) == 0


def test_opening_in_the_future_is_refused(app, clerk, district):
    tomorrow = (datetime.now(LOCAL_TZ) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = open_box(clerk, district["desk_a"], opened_at=tomorrow, lang="en")
    assert response.status_code == 400
    assert "The date cannot be in the future." in page(response)
    assert count_rows(app, BoxOpening) == 0


def test_negative_slip_count_and_bad_date_are_translated_400s(app, clerk, district):
    response = open_box(clerk, district["desk_a"], counted=-1, opened_at="14/03", lang="en")
    body = page(response)
    assert response.status_code == 400
    assert "Enter a number from 0 to 100000." in body
    assert "Enter a date and time such as 2025-03-14 09:30." in body
    assert count_rows(app, BoxOpening) == 0


def test_resending_the_opening_form_leads_to_the_same_opening(app, clerk, district):
    token = form_token(clerk, "/intake/box/new")
    first = open_box(clerk, district["desk_a"], token=token)
    again = open_box(clerk, district["desk_a"], token=token, lang="en")
    assert opening_id_from(again) == opening_id_from(first)
    assert count_rows(app, BoxOpening) == 1
    assert "This form was already sent; here is the opening it recorded." in page(
        clerk.get(again.headers["Location"])
    )


def test_each_slip_becomes_a_box_case_numbered_from_one_at_the_opening_time(app, clerk, district):
    opening = opening_id_from(open_box(clerk, district["desk_a"], counted=3))
    for n in range(3):
        assert add_slip(clerk, opening, f"Thư số {n + 1}").status_code == 302
    rows = cases(app, box_opening_id=opening)
    assert [c.slip_number for c in rows] == [1, 2, 3]
    assert [c.content for c in rows] == ["Thư số 1", "Thư số 2", "Thư số 3"]
    assert {c.channel for c in rows} == {CaseChannel.BOX}
    assert {c.kind for c in rows} == {CaseKind.PRAISE}
    assert {c.service_point_id for c in rows} == {district["desk_a"]}
    assert {c.unit_id for c in rows} == {district["ward_a"]}
    assert {aware(c.received_at) for c in rows} == {OPENED_AT_UTC}
    assert {c.sender_name for c in rows} == {None}  # anonymous unless the citizen signed
    body = page(clerk.get(f"/intake/box/{opening}"))
    for case in rows:
        assert f'href="/cases/{case.code}"' in body


def test_slip_keeps_the_optional_sender_and_subject(app, clerk, district):
    opening = opening_id_from(open_box(clerk, district["desk_a"]))
    add_slip(
        clerk,
        opening,
        subject="Thái độ cán bộ",
        sender_name="Lê Văn Cường",
        sender_phone="0912345678",
        sender_address="12 Nguyễn Trãi",
    )
    (case,) = cases(app, box_opening_id=opening)
    assert (case.subject, case.sender_name, case.sender_phone, case.sender_address) == (
        "Thái độ cán bộ",
        "Lê Văn Cường",
        "0912345678",
        "12 Nguyễn Trãi",
    )


def test_slip_list_shows_first_words_with_phone_numbers_masked(app, clerk, district):
    opening = opening_id_from(open_box(clerk, district["desk_a"]))
    add_slip(clerk, opening, "Gọi lại cho tôi số 0912345678. " + "Rất mong được trả lời. " * 10)
    body = page(clerk.get(f"/intake/box/{opening}"))
    assert "Gọi lại cho tôi số 091*****78." in body
    assert "0912345678" not in body
    assert "…" in body


def test_the_same_slip_sent_twice_makes_one_case(app, clerk, district):
    opening = opening_id_from(open_box(clerk, district["desk_a"]))
    token = form_token(clerk, f"/intake/box/{opening}")
    assert add_slip(clerk, opening, token=token).status_code == 302
    again = add_slip(clerk, opening, token=token, lang="en")
    assert again.status_code == 302
    (case,) = cases(app, box_opening_id=opening)
    assert f"This slip was already saved as case {case.code}." in page(
        clerk.get(again.headers["Location"])
    )


def test_opening_page_shows_slips_entered_against_slips_counted(clerk, district):
    opening = opening_id_from(open_box(clerk, district["desk_a"], counted=3))
    assert "Entered 0 of 3 counted" in page(clerk.get(f"/intake/box/{opening}?lang=en"))
    add_slip(clerk, opening)
    add_slip(clerk, opening)
    assert "Entered 2 of 3 counted" in page(clerk.get(f"/intake/box/{opening}?lang=en"))
    row = page(clerk.get("/intake/box"))
    assert re.search(r'class="num">3</td>\s*<td class="num">2</td>', row)


def test_close_is_refused_while_entered_differs_from_counted_unless_a_reason_is_given(
    app, clerk, district
):
    opening = opening_id_from(open_box(clerk, district["desk_a"], counted=3))
    add_slip(clerk, opening)
    add_slip(clerk, opening)
    refused = close_opening(clerk, opening, lang="en")
    assert refused.status_code == 400
    message = "Slips entered: 2; slips counted: 3. Give the reason for the difference."
    assert message in page(refused)
    assert opening_row(app, opening).status == BoxStatus.OPEN
    assert "box_closed" not in audit_actions(app)

    reason = "Hai thư được ghim chung một tờ."
    assert close_opening(clerk, opening, reason=reason).status_code == 302
    row = opening_row(app, opening)
    assert row.status == BoxStatus.CLOSED
    assert row.closed_at is not None
    assert row.discrepancy_reason == reason
    assert audit_actions(app)[-1] == "box_closed"
    assert reason in page(clerk.get(f"/intake/box/{opening}"))


def test_reconciled_opening_closes_without_a_reason_and_is_audited(app, clerk, district):
    opening = opening_id_from(open_box(clerk, district["desk_a"], counted=1))
    add_slip(clerk, opening)
    assert close_opening(clerk, opening).status_code == 302
    row = opening_row(app, opening)
    assert (row.status, row.discrepancy_reason) == (BoxStatus.CLOSED, None)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "box_closed"))
        assert event.actor_id == user_id(app, "clerk")
        assert event.target_id == opening
        assert event.detail["entered"] == event.detail["counted"] == 1


def test_empty_box_with_zero_counted_closes_at_once(app, clerk, district):
    opening = opening_id_from(open_box(clerk, district["desk_a"], counted=0))
    assert close_opening(clerk, opening).status_code == 302
    assert opening_row(app, opening).status == BoxStatus.CLOSED


def test_closed_opening_refuses_slips_and_shows_no_slip_form(app, clerk, district):
    opening = opening_id_from(open_box(clerk, district["desk_a"], counted=1))
    token = form_token(clerk, f"/intake/box/{opening}")
    add_slip(clerk, opening)
    close_opening(clerk, opening)
    refused = add_slip(clerk, opening, token=token, lang="en")
    assert refused.status_code == 400
    assert "This opening is closed: no more slips can be added." in page(refused)
    assert len(cases(app, box_opening_id=opening)) == 1
    assert 'name="form_token"' not in page(clerk.get(f"/intake/box/{opening}"))
    assert close_opening(clerk, opening).status_code == 400


def test_slip_with_empty_content_is_a_translated_400_and_stores_nothing(app, clerk, district):
    opening = opening_id_from(open_box(clerk, district["desk_a"]))
    english = add_slip(clerk, opening, content="   ", lang="en")
    assert english.status_code == 400
    assert "Write what the citizen wrote." in page(english)
    vietnamese = add_slip(clerk, opening, content="", lang="vi")
    assert vietnamese.status_code == 400
    assert '<html lang="vi"' in page(vietnamese)
    assert cases(app) == []


def test_slip_with_a_scan_keeps_the_file_with_the_case(app, clerk, district):
    opening = opening_id_from(open_box(clerk, district["desk_a"]))
    response = add_slip(clerk, opening, scan=(io.BytesIO(PNG), "thu-1.png"))
    assert response.status_code == 302
    (case,) = cases(app, box_opening_id=opening)
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert (attachment.case_id, attachment.content_type) == (case.id, "image/png")
        assert attachment.uploaded_by_id == user_id(app, "clerk")


def _stored_files(app) -> list[Path]:
    root = Path(app.instance_path) / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_slip_with_a_file_that_is_not_an_image_or_pdf_stores_nothing(app, clerk, district):
    opening = opening_id_from(open_box(clerk, district["desk_a"]))
    fake = (io.BytesIO(b"<html>not a photo</html>"), "thu.jpg")
    response = add_slip(clerk, opening, scan=fake, lang="en")
    assert response.status_code == 400
    assert "Only JPEG, PNG or PDF files can be attached." in page(response)
    assert cases(app) == []
    assert count_rows(app, Attachment) == 0
    assert _stored_files(app) == []


def test_slip_with_a_file_over_the_limit_stores_nothing(app, clerk, district):
    app.config["ATTACHMENT_MAX_BYTES"] = 4096  # small: big uploads spill to temp files
    opening = opening_id_from(open_box(clerk, district["desk_a"]))
    big = (io.BytesIO(PNG + b"\x00" * 5000), "thu.png")
    response = add_slip(clerk, opening, scan=big, lang="en")
    assert response.status_code == 400
    assert "A file can be at most 1 MB." in page(response)
    assert cases(app) == []
    assert count_rows(app, Attachment) == 0


def test_every_slip_is_recorded_in_the_audit_trail(app, clerk, district):
    opening = opening_id_from(open_box(clerk, district["desk_a"]))
    add_slip(clerk, opening)
    assert audit_actions(app) == ["box_opened", "box_slip_entered"]


# --- scope and permissions --------------------------------------------------------------------


def test_opening_of_another_ward_is_404_and_unlisted(app, client, district):
    sign_in(client, "clerk")
    at_a = opening_id_from(open_box(client, district["desk_a"]))
    at_b = opening_id_from(open_box(client, district["desk_b"]))
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, "manager_b")
    assert client.get(f"/intake/box/{at_a}").status_code == 404
    assert client.get(f"/intake/box/{at_b}").status_code == 200
    body = page(client.get("/intake/box"))
    assert f'href="/intake/box/{at_b}"' in body
    assert f'href="/intake/box/{at_a}"' not in body


def test_clerk_of_one_ward_cannot_touch_another_wards_opening(app, clerk, ward_clerk, district):
    at_b = opening_id_from(open_box(clerk, district["desk_b"], counted=1))
    token = str(uuid.uuid4())
    data = {"csrf_token": csrf_token(ward_clerk, "/"), "form_token": token, "content": "x"}
    assert ward_clerk.post(f"/intake/box/{at_b}/slips", data=data).status_code == 404
    reason = {"csrf_token": csrf_token(ward_clerk, "/"), "reason": "x"}
    assert ward_clerk.post(f"/intake/box/{at_b}/close", data=reason).status_code == 404
    assert cases(app) == []
    assert opening_row(app, at_b).status == BoxStatus.OPEN
    refused = open_box(ward_clerk, district["desk_b"])
    assert refused.status_code == 400
    assert count_rows(app, BoxOpening) == 1


def test_unit_manager_may_read_but_not_write(client, district):
    sign_in(client, "manager_b")
    assert client.get("/intake/box").status_code == 200
    assert client.get("/intake/books").status_code == 200
    assert client.get("/intake/box/new").status_code == 403
    token = csrf_token(client, "/")
    data = {"csrf_token": token, "service_point_id": district["desk_b"], "year": 2026}
    assert client.post("/intake/books", data=data).status_code == 403
    assert "New opening" not in page(client.get("/intake/box?lang=en"))


@pytest.mark.parametrize(
    "url", ["/intake/box", "/intake/box/new", "/intake/books", "/intake/box/1", "/intake/books/1"]
)
def test_counter_staff_is_refused_every_intake_page(client, district, url):
    sign_in(client, "counter_a")
    assert client.get(url).status_code == 403


def test_signed_out_visitor_is_sent_to_sign_in(client, district):
    response = client.get("/intake/box")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_clerk_finds_the_intake_pages_from_home_and_the_menu(clerk):
    body = page(clerk.get("/?lang=en"))
    assert body.count('href="/intake/box"') == 2
    assert body.count('href="/intake/books"') == 2


def test_unit_manager_has_no_intake_links_in_the_menu(client, district):
    sign_in(client, "manager_b")
    body = page(client.get("/"))
    assert 'href="/intake/box"' not in body


# --- comment book -----------------------------------------------------------------------------


def test_clerk_opens_a_book_and_entries_become_book_cases_numbered_from_one(app, clerk, district):
    book = book_id_from(open_book(clerk, district["desk_a"]))
    assert 'value="1"' in page(clerk.get(f"/intake/books/{book}"))  # pre-filled number
    assert add_entry(clerk, book, 1, page_no=1).status_code == 302
    body = page(clerk.get(f"/intake/books/{book}?lang=en"))
    assert "the next entry is number 2" in body
    assert add_entry(clerk, book, 2, page_no=3, content="Thêm một ý kiến.").status_code == 302
    rows = cases(app, book_id=book)
    assert [(c.book_entry_number, c.book_page) for c in rows] == [(1, 1), (2, 3)]
    assert {c.channel for c in rows} == {CaseChannel.BOOK}
    assert {c.kind for c in rows} == {CaseKind.PROPOSAL}
    assert {c.service_point_id for c in rows} == {district["desk_a"]}
    received = aware(rows[0].received_at).astimezone(LOCAL_TZ)
    assert received.date() == local_today()
    listing = page(clerk.get("/intake/books"))
    assert f'href="/intake/books/{book}"' in listing
    assert audit_actions(app) == ["book_opened", "book_entry_entered", "book_entry_entered"]


def test_an_entry_number_that_is_not_the_next_one_is_refused(app, clerk, district):
    book = book_id_from(open_book(clerk, district["desk_a"]))
    skipped = add_entry(clerk, book, 2, lang="en")
    assert skipped.status_code == 400
    assert "The next entry in this book is number 1." in page(skipped)
    add_entry(clerk, book, 1)
    repeated = add_entry(clerk, book, 1, lang="en")
    assert repeated.status_code == 400
    assert "The next entry in this book is number 2." in page(repeated)
    assert [c.book_entry_number for c in cases(app, book_id=book)] == [1]


def test_the_same_entry_sent_twice_makes_one_case(app, clerk, district):
    book = book_id_from(open_book(clerk, district["desk_a"]))
    token = form_token(clerk, f"/intake/books/{book}")
    assert add_entry(clerk, book, 1, token=token).status_code == 302
    again = add_entry(clerk, book, 1, token=token, lang="en")
    assert again.status_code == 302
    (case,) = cases(app, book_id=book)
    assert f"This entry was already saved as case {case.code}." in page(
        clerk.get(again.headers["Location"])
    )


def test_the_unique_entry_number_is_the_last_guard_against_a_race(
    app, clerk, district, monkeypatch
):
    book = book_id_from(open_book(clerk, district["desk_a"]))
    add_entry(clerk, book, 1)
    # Another clerk's entry 1 was saved between our check and our insert.
    monkeypatch.setattr(intake_service, "next_entry_number", lambda book: 1)
    response = add_entry(clerk, book, 1, lang="en")
    assert response.status_code == 400
    assert "Another entry was saved at the same moment. Reload the page and check." in page(
        response
    )
    assert len(cases(app, book_id=book)) == 1


def test_entry_page_and_date_are_checked(app, clerk, district):
    book = book_id_from(open_book(clerk, district["desk_a"]))
    tomorrow = local_today() + timedelta(days=1)
    future = add_entry(clerk, book, 1, written_on=tomorrow, lang="en")
    assert future.status_code == 400
    assert "The date cannot be in the future." in page(future)
    last_year = local_today().replace(year=local_today().year - 1)
    other_year = add_entry(clerk, book, 1, written_on=last_year, lang="en")
    assert other_year.status_code == 400
    assert f"This is the book for {local_today().year}: the date must be in that year." in page(
        other_year
    )
    no_page = add_entry(clerk, book, 1, page_no=0, lang="en")
    assert no_page.status_code == 400
    assert "Page numbers start at 1." in page(no_page)
    assert cases(app) == []


def test_entry_with_empty_content_is_a_translated_400(app, clerk, district):
    book = book_id_from(open_book(clerk, district["desk_a"]))
    response = add_entry(clerk, book, 1, content="", lang="en")
    assert response.status_code == 400
    assert "Write what the citizen wrote." in page(response)
    assert add_entry(clerk, book, 1, content="").status_code == 400
    assert cases(app) == []


def test_entry_with_a_bad_scan_stores_nothing(app, clerk, district):
    book = book_id_from(open_book(clerk, district["desk_a"]))
    response = add_entry(clerk, book, 1, scan=(io.BytesIO(b"GIF89a...."), "so.gif"), lang="en")
    assert response.status_code == 400
    assert "Only JPEG, PNG or PDF files can be attached." in page(response)
    assert cases(app) == [] and count_rows(app, Attachment) == 0


def test_a_second_book_for_the_same_desk_and_year_is_refused(app, clerk, district):
    assert open_book(clerk, district["desk_a"]).status_code == 302
    again = open_book(clerk, district["desk_a"], lang="en")
    assert again.status_code == 400
    assert f"This desk already has a comment book for {local_today().year}." in page(again)
    assert open_book(clerk, district["desk_b"]).status_code == 302
    assert count_rows(app, CommentBook) == 2


def test_a_book_for_a_future_year_is_refused(app, clerk, district):
    response = open_book(clerk, district["desk_a"], year=local_today().year + 1, lang="en")
    assert response.status_code == 400
    assert "The year cannot be in the future." in page(response)
    assert count_rows(app, CommentBook) == 0


def test_closed_book_refuses_entries_and_next_years_book_is_opened(app, clerk, district):
    year = local_today().year
    old = book_id_from(open_book(clerk, district["desk_a"], year=year - 1))
    add_entry(clerk, old, 1, written_on=local_today().replace(year=year - 1, month=12, day=30))
    token = form_token(clerk, f"/intake/books/{old}")
    assert close_book(clerk, old).status_code == 302
    with app.app_context():
        assert db.session.get(CommentBook, old).closed_at is not None
    refused = add_entry(clerk, old, 2, token=token, lang="en")
    assert refused.status_code == 400
    assert "This book is closed: no more entries can be added." in page(refused)
    assert len(cases(app, book_id=old)) == 1
    new = book_id_from(open_book(clerk, district["desk_a"], year=year))
    assert add_entry(clerk, new, 1).status_code == 302
    assert audit_actions(app).count("book_closed") == 1
    listing = page(clerk.get("/intake/books?lang=en"))
    assert '<span class="badge ok">Closed</span>' in listing
    assert '<span class="badge">Open</span>' in listing


def test_book_of_another_ward_is_404(app, client, district):
    sign_in(client, "clerk")
    at_a = book_id_from(open_book(client, district["desk_a"]))
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, "manager_b")
    assert client.get(f"/intake/books/{at_a}").status_code == 404
    assert f'href="/intake/books/{at_a}"' not in page(client.get("/intake/books"))


def test_unknown_opening_and_book_are_404(clerk):
    assert clerk.get("/intake/box/999").status_code == 404
    assert clerk.get("/intake/books/999").status_code == 404
