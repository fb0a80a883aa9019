"""A form's one-time token is bound to the user who was given it: replaying a token taken from
another ward's page neither finds their record nor reveals where it is; it is a new form."""

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import BoxOpening, Case, HotlineCall, Role
from tests.cases.test_cases import code_from, post_new_case
from tests.conftest import add_user, count_rows, sign_in
from tests.hotline.test_hotline_console import call_id_from, log_call
from tests.intake.test_intake import add_entry, add_slip, book_id_from, open_book, open_box
from tests.intake.test_intake import opening_id_from as opening_from

TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


@pytest.fixture
def ward_users(app, district):
    """Two signed-in clients per role, one in each ward."""
    clients = {}
    for ward in ("a", "b"):
        for role, name in ((Role.INTAKE_CLERK, "clerk"), (Role.HOTLINE_OPERATOR, "operator")):
            username = add_user(app, f"{name}_{ward}", role, district[f"ward_{ward}"])
            clients[username] = sign_in(app.test_client(), username)
    return clients


def test_another_wards_case_token_makes_a_new_case_and_reveals_nothing(app, district, ward_users):
    theirs = code_from(post_new_case(ward_users["clerk_a"], district["desk_a"], token=TOKEN))
    replay = post_new_case(ward_users["clerk_b"], district["desk_b"], token=TOKEN)
    mine = code_from(replay)
    assert mine != theirs and theirs not in replay.headers["Location"]
    assert count_rows(app, Case) == 2
    # The same user sending the same form again still lands on their own first case.
    assert code_from(post_new_case(ward_users["clerk_b"], district["desk_b"], token=TOKEN)) == mine
    assert count_rows(app, Case) == 2


def test_another_wards_box_opening_token_opens_a_new_opening(app, district, ward_users):
    theirs = opening_from(open_box(ward_users["clerk_a"], district["desk_a"], token=TOKEN))
    mine = opening_from(open_box(ward_users["clerk_b"], district["desk_b"], token=TOKEN))
    assert mine != theirs
    assert count_rows(app, BoxOpening) == 2


def test_another_users_slip_token_is_a_new_slip(app, district, ward_users, clerk):
    """Two clerks typing slips of one opening at the district: each token is their own."""
    first = ward_users["clerk_a"]
    opening = opening_from(open_box(first, district["desk_a"], counted=2))
    other = clerk  # a second browser, signed in as another clerk
    assert add_slip(first, opening, "Thư thứ nhất", token=TOKEN).status_code == 302
    assert add_slip(other, opening, "Thư thứ hai", token=TOKEN).status_code == 302
    with app.app_context():
        contents = db.session.scalars(
            select(Case.content).where(Case.box_opening_id == opening).order_by(Case.id)
        ).all()
    assert contents == ["Thư thứ nhất", "Thư thứ hai"]


def test_another_users_book_entry_token_is_a_new_entry(app, district, ward_users, clerk):
    first = ward_users["clerk_a"]
    book = book_id_from(open_book(first, district["desk_a"]))
    other = clerk
    assert add_entry(first, book, 1, token=TOKEN).status_code == 302
    assert add_entry(other, book, 2, token=TOKEN).status_code == 302
    with app.app_context():
        numbers = db.session.scalars(
            select(Case.book_entry_number).where(Case.book_id == book)
        ).all()
    assert sorted(numbers) == [1, 2]


def test_another_wards_call_token_logs_a_new_call(app, district, ward_users):
    theirs = call_id_from(log_call(ward_users["operator_a"], district["ward_a"], token=TOKEN))
    response = log_call(ward_users["operator_b"], district["ward_b"], token=TOKEN)
    mine = call_id_from(response)
    assert mine != theirs and f"/calls/{theirs}" not in response.headers["Location"]
    assert count_rows(app, HotlineCall) == 2
