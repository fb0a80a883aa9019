"""The citizen's verdict on a published answer: given, changed, frozen after 30 days, refused
before publication, throttled, audited, shown to staff (QĐ 766 indicator 5.3)."""

from datetime import timedelta

from flask_babel import format_date
from sqlalchemy import select, update

from feedback_app.cases import service, verdicts
from feedback_app.extensions import db
from feedback_app.models import AdminUnit, Case, CaseEvent, CaseVerdict, User
from feedback_app.timeutil import local_date, local_today, now_utc
from tests.cases.test_track import act, answered_case
from tests.conftest import csrf_token, page, sign_in, translated

CITIZEN_ADDRESS = "203.0.113.9"


def verdict_post(client, code: str, verdict: str | None, *, token=True, lang="", address=None):
    """POST /track/<code>/verdict as the tracking page's form does, with the session's CSRF token
    (read from the sign-in page: a page without buttons has none to give)."""
    data = {} if verdict is None else {"verdict": verdict}
    if token:
        data["csrf_token"] = csrf_token(client)
    environ = {"REMOTE_ADDR": address} if address else {}
    query = f"?lang={lang}" if lang else ""
    return client.post(f"/track/{code}/verdict{query}", data=data, environ_base=environ)


def stored(app, code: str) -> tuple[CaseVerdict | None, list[dict]]:
    """The case's verdict and the details of its "verdict" history events."""
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.code == code))
        events = db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.action == "verdict")
            .order_by(CaseEvent.id)
        ).all()
        return case.verdict, [{"actor_id": e.actor_id, "note": e.note, **e.detail} for e in events]


def published_days_ago(app, code: str, days: int) -> None:
    """Move the answer's publication (and the answer itself) `days` days into the past."""
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.code == code))
        moment = now_utc() - timedelta(days=days)
        case.answered_at = moment
        db.session.execute(
            update(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.action == "published")
            .values(at=moment)
        )
        db.session.commit()


def last_day_text(app, code: str, lang: str) -> str:
    """The last day to change the verdict as the page writes it (publication + 30 days)."""
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.code == code))
        published = db.session.scalar(
            select(CaseEvent.at).where(
                CaseEvent.case_id == case.id, CaseEvent.action == "published"
            )
        )
    with app.test_request_context(f"/?lang={lang}"):
        return format_date(local_date(published) + timedelta(days=30), "long")


def test_a_published_answer_offers_the_two_buttons_in_both_languages(client, app, district):
    code = answered_case(app, district, publish=True)
    for lang, satisfied, not_satisfied in (
        ("vi", translated("Satisfied"), translated("Not satisfied")),
        ("en", "Satisfied", "Not satisfied"),
    ):
        body = page(client.get(f"/track/{code}?lang={lang}"))
        assert f'action="/track/{code}/verdict"' in body
        assert f'name="verdict" value="hai_long">{satisfied}</button>' in body
        assert f'name="verdict" value="khong_hai_long">{not_satisfied}</button>' in body
    assert translated("Satisfied") == "Hài lòng"
    assert translated("Not satisfied") == "Không hài lòng"


def test_before_publication_there_are_no_buttons_and_a_verdict_is_a_translated_400(
    client, app, district
):
    code = answered_case(app, district, publish=False)
    assert 'name="verdict"' not in page(client.get(f"/track/{code}"))
    response = verdict_post(client, code, "hai_long")
    assert response.status_code == 400
    assert translated("This case has no published answer to rate yet.") in page(response)
    assert stored(app, code) == (None, [])


def test_a_reopened_case_takes_no_verdict_until_it_is_answered_again(client, app, district):
    code = answered_case(app, district, publish=True)
    with app.test_request_context():
        case = db.session.scalar(select(Case).where(Case.code == code))
        reform = db.session.scalar(select(User).where(User.username == "reform"))
        service.assign(case, unit=db.session.get(AdminUnit, district["ward_a"]), actor=reform)
        db.session.commit()
    # The old answer is still shown, but there is nothing to rate until the new one is given.
    assert 'name="verdict"' not in page(client.get(f"/track/{code}"))
    assert verdict_post(client, code, "hai_long", lang="en").status_code == 400
    assert stored(app, code) == (None, [])


def test_the_verdict_is_recorded_audited_and_shown_with_the_last_day_to_change_it(
    client, app, district
):
    code = answered_case(app, district, publish=True)
    response = verdict_post(client, code, "hai_long", lang="en")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/track/{code}")
    verdict, events = stored(app, code)
    assert verdict == CaseVerdict.SATISFIED
    # The history names the verdict and nothing about who gave it.
    assert events == [{"actor_id": None, "note": "", "verdict": "hai_long", "previous": None}]

    body = page(client.get(f"/track/{code}?lang=en"))
    assert "Thank you. Your rating of the answer is recorded." in body
    assert (
        "You rated this answer: Satisfied. You can change your rating until "
        f"{last_day_text(app, code, 'en')}." in body
    )
    assert 'value="hai_long" aria-pressed="true"' in body
    vi = page(client.get(f"/track/{code}?lang=vi"))
    assert f"Bạn đã đánh giá: Hài lòng, có thể đổi đến ngày {last_day_text(app, code, 'vi')}" in vi


def test_the_verdict_can_be_changed_and_a_resend_changes_nothing(client, app, district):
    code = answered_case(app, district, publish=True)
    assert verdict_post(client, code, "hai_long").status_code == 302
    assert verdict_post(client, code, "khong_hai_long").status_code == 302
    assert verdict_post(client, code, "khong_hai_long").status_code == 302
    verdict, events = stored(app, code)
    assert verdict == CaseVerdict.DISSATISFIED
    assert [(e["verdict"], e["previous"]) for e in events] == [
        ("hai_long", None),
        ("khong_hai_long", "hai_long"),
    ]
    with app.app_context():
        assert db.session.scalar(select(Case.verdict_at).where(Case.code == code)) is not None


def test_the_verdict_can_be_changed_on_the_thirtieth_day_and_is_frozen_after_it(
    client, app, district
):
    code = answered_case(app, district, publish=True)
    assert verdict_post(client, code, "hai_long").status_code == 302
    published_days_ago(app, code, 30)
    assert verdict_post(client, code, "khong_hai_long").status_code == 302

    published_days_ago(app, code, 31)
    body = page(client.get(f"/track/{code}?lang=en"))
    assert 'name="verdict"' not in body
    assert "You rated this answer: Not satisfied." in body
    assert "You can change" not in body
    ended = last_day_text(app, code, "en")
    assert f"The time to rate this answer ended on {ended}." in body

    response = verdict_post(client, code, "hai_long", lang="en")
    assert response.status_code == 400
    assert f"The time to rate this answer ended on {ended}." in page(response)
    verdict, events = stored(app, code)
    assert verdict == CaseVerdict.DISSATISFIED
    assert len(events) == 2


def test_no_verdict_is_taken_after_30_days_even_if_none_was_given(client, app, district):
    code = answered_case(app, district, publish=True)
    published_days_ago(app, code, 45)
    response = verdict_post(client, code, "khong_hai_long")
    assert response.status_code == 400
    assert '<html lang="vi"' in page(response)
    assert stored(app, code) == (None, [])


def test_republishing_the_answer_gives_30_days_from_the_new_publication(client, app, district):
    code = answered_case(app, district, publish=True)
    published_days_ago(app, code, 40)
    act(app, code, service.set_published, published=False)
    act(app, code, service.set_published, published=True)
    assert verdict_post(client, code, "hai_long").status_code == 302
    assert stored(app, code)[0] == CaseVerdict.SATISFIED


def test_an_unknown_or_missing_verdict_is_a_translated_400_and_changes_nothing(
    client, app, district
):
    code = answered_case(app, district, publish=True)
    for value in ("rat_hai_long", "HAI_LONG", "", None):
        response = verdict_post(client, code, value, lang="en")
        assert response.status_code == 400, value
        body = page(response)
        assert "Choose “Satisfied” or “Not satisfied”." in body
        assert 'name="verdict" value="hai_long"' in body  # the buttons are offered again
    response = verdict_post(client, code, "1", lang="vi")
    assert translated("Choose “Satisfied” or “Not satisfied”.") in page(response)
    assert stored(app, code) == (None, [])


def test_an_unknown_case_is_a_translated_404(client, app, district):
    token = csrf_token(client, f"/track/{answered_case(app, district, publish=True)}")  # its form
    response = client.post(
        "/track/ABCDEFGH/verdict", data={"verdict": "hai_long", "csrf_token": token}
    )
    assert response.status_code == 404
    assert translated("Not found") in page(response)


def test_a_verdict_without_the_csrf_token_is_refused(client, app, district):
    code = answered_case(app, district, publish=True)
    client.get(f"/track/{code}")  # the session exists; only the token is missing
    response = verdict_post(client, code, "hai_long", token=False, lang="en")
    assert response.status_code == 400
    assert "The form expired or was sent twice." in page(response)
    assert stored(app, code) == (None, [])


def test_verdicts_are_throttled_per_address_and_the_address_is_never_stored(client, app, district):
    app.config["VERDICT_RATELIMIT"] = "3 per hour"
    code = answered_case(app, district, publish=True)
    for value in ("hai_long", "khong_hai_long", "hai_long"):
        assert verdict_post(client, code, value, address=CITIZEN_ADDRESS).status_code == 302
    throttled = verdict_post(client, code, "khong_hai_long", address=CITIZEN_ADDRESS)
    assert throttled.status_code == 429
    assert translated("Too many attempts") in page(throttled)
    assert stored(app, code)[0] == CaseVerdict.SATISFIED
    # Another address is not held back by the first one.
    other = verdict_post(client, code, "khong_hai_long", address="198.51.100.2")
    assert other.status_code == 302
    with app.app_context(), db.engine.connect() as sql:
        for table in db.metadata.sorted_tables:
            for row in sql.execute(table.select()):
                assert CITIZEN_ADDRESS not in repr(tuple(row)), table.name


def test_the_staff_case_page_shows_the_verdict_and_its_history(client, app, district):
    code = answered_case(app, district, publish=True)
    assert verdict_post(client, code, "khong_hai_long").status_code == 302
    staff = sign_in(app.test_client(), "reform")
    body = page(staff.get(f"/cases/{code}?lang=en"))
    assert "Citizen's rating of the answer" in body
    assert '<span class="badge danger">Not satisfied</span>' in body
    assert "citizen rated the answer: Not satisfied" in body
    vi = page(staff.get(f"/cases/{code}?lang=vi"))
    assert translated("Citizen's rating of the answer") in vi
    assert "Không hài lòng" in vi


def test_the_verdict_window_counts_from_the_answer_when_no_publication_is_recorded(app, district):
    code = answered_case(app, district, publish=True)
    with app.test_request_context():
        case = db.session.scalar(select(Case).where(Case.code == code))
        db.session.execute(
            update(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.action == "published")
            .values(action="note")
        )
        case.answered_at = now_utc() - timedelta(days=10)
        assert verdicts.last_day(case) == local_date(case.answered_at) + timedelta(days=30)
        view = verdicts.verdict_view(case, today=local_today())
        assert view is not None and view.open and view.verdict is None
