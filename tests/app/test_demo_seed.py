"""`flask demo seed --responses N`: a district's activity on every channel, deterministic and
idempotent, written in bulk, every response already in the rollups when the command ends."""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import (
    Answer,
    Attachment,
    BoxOpening,
    BoxStatus,
    Case,
    CaseChannel,
    CaseEvent,
    CaseKind,
    CaseStatus,
    CaseVerdict,
    CommentBook,
    DossierStat,
    HotlineCall,
    Question,
    Response,
    ResponseChannel,
    RollupDay,
    RollupMonth,
    SmsMessage,
)
from feedback_app.models.cases import OPEN_STATUSES
from feedback_app.models.dossiers import FIGURES, SUMS
from feedback_app.models.reports import RESPONSES_ROW
from feedback_app.timeutil import local_date

SEED = ["demo", "seed", "--responses", "300", "--from", "2025-01-01", "--to", "2025-06-30"]
SUMMARY = ["reports", "summary", "--period", "2025-H1", "--unit", "009"]


def _seed(runner, *extra):
    result = runner.invoke(args=[*SEED, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _snapshot(app, runner) -> tuple[dict, dict]:
    """Rows per table, and the district's half-year summary."""
    with app.app_context():
        counts = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
    result = runner.invoke(args=SUMMARY)
    assert result.exit_code == 0, result.output
    return counts, json.loads(result.output)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def seeded(app, runner):
    """The demo district with 300 responses over the first half of 2025."""
    _seed(runner)
    return app


def test_same_seed_same_data_and_a_second_run_adds_nothing(app, runner):
    first = _seed(runner, "--seed", "3")
    assert "Responses created: 300 " in first
    assert "Rollups brought up to date: 300 responses" in first
    counts, summary = _snapshot(app, runner)
    assert counts["responses"] == 300 and counts["cases"] > 50

    again = _seed(runner, "--seed", "3")
    assert "Responses created: 0 " in again
    assert "cases 0, hotline calls 0, SMS 0, box openings 0, comment-book entries 0" in again
    assert "dossier figures 0 desk-months" in again
    assert _snapshot(app, runner) == (counts, summary)

    # A second database (the same one emptied) seeded alike holds the same data.
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
    _seed(runner, "--seed", "3")
    assert _snapshot(app, runner) == (counts, summary)


def test_another_seed_gives_other_data(app, runner):
    _seed(runner, "--seed", "1")
    with app.app_context():
        first = db.session.scalars(select(Response.client_uuid).order_by(Response.id)).all()
    _seed(runner, "--seed", "2")
    with app.app_context():
        assert _count(Response) == 600
        later = db.session.scalars(select(Response.client_uuid).order_by(Response.id)).all()
    assert later[:300] == first and not set(later[300:]) & set(first)


def test_without_responses_there_is_no_activity_at_all(app, runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        for model in (Response, Case, HotlineCall, SmsMessage, BoxOpening, CommentBook):
            assert _count(model) == 0, model
        assert _count(DossierStat) == 0


def test_ratings_come_from_every_channel_with_the_shapes_reports_must_handle(seeded):
    with seeded.app_context():
        channels = dict(
            db.session.execute(
                select(Response.channel, func.count()).group_by(Response.channel)
            ).all()
        )
        assert set(channels) == {ResponseChannel.KIOSK, ResponseChannel.PAPER, ResponseChannel.WEB}
        assert channels[ResponseChannel.KIOSK] > channels[ResponseChannel.PAPER]
        assert channels[ResponseChannel.PAPER] > channels[ResponseChannel.WEB]
        # Stored to the hour, within the dates (Vietnam's days), on days the desks open.
        for hour in db.session.scalars(select(Response.submitted_hour)):
            assert hour.minute == 0
            assert date(2025, 1, 1) <= local_date(hour) <= date(2025, 6, 30)
            assert local_date(hour).weekday() != 6
        # Kiosk ratings name the officer on duty; paper and web ones do not.
        assert _count(Response, Response.officer_id.is_not(None)) == _count(
            Response, Response.channel == ResponseChannel.KIOSK
        )
        assert _count(Response, Response.suspicious.is_(True)) > 0
        assert _count(Answer, Answer.option_code == "no_opinion") > 0
        codes = dict(db.session.execute(select(Question.id, Question.code)).all())
        by_code = {
            codes[question_id]: n
            for question_id, n in db.session.execute(
                select(Answer.question_id, func.count()).group_by(Answer.question_id)
            )
        }
        # Some answered only part of the survey; TT 01 questions and comments are there.
        assert by_code["f5_feedback"] < by_code["overall"] == 300
        assert 0 < by_code["tt01_returns"] < 300 and by_code["comment"] > 0
        # A comment that needs an answer opened a case, and the response says which.
        linked = db.session.execute(
            select(Response.reply, Case.code, Case.channel).join(Case, Case.id == Response.case_id)
        ).all()
        assert linked
        for reply, code, channel in linked:
            assert reply == {"case_code": code}
            assert channel in (CaseChannel.KIOSK_COMMENT, CaseChannel.WALK_IN, CaseChannel.WEB)


def test_cases_of_every_kind_through_every_channel_with_every_outcome(seeded):
    with seeded.app_context():
        cases = db.session.scalars(select(Case)).all()
        assert {c.channel for c in cases} == set(CaseChannel)
        assert {c.kind for c in cases} == set(CaseKind)
        statuses = {c.status for c in cases}
        assert {CaseStatus.ANSWERED, CaseStatus.CLOSED, CaseStatus.REJECTED} <= statuses
        assert CaseStatus.FORWARDED in statuses and statuses & OPEN_STATUSES
        routed = [c for c in cases if c.kind in (CaseKind.COMPLAINT, CaseKind.DENUNCIATION)]
        assert all(c.answer is None for c in routed)
        assert any(c.status == CaseStatus.FORWARDED for c in routed)
        answered = [c for c in cases if c.answered_at is not None]
        on_time = [c for c in answered if local_date(c.answered_at) <= c.answer_due]
        assert len(answered) * 0.7 < len(on_time) < len(answered)  # most on time, some late
        today = local_date(max(c.received_at for c in cases)) + timedelta(days=400)
        assert any(c.is_overdue(today) for c in cases)
        verdicts = [c.verdict for c in cases if c.verdict is not None]
        assert all(c.published for c in cases if c.verdict is not None)
        assert verdicts.count(CaseVerdict.SATISFIED) > verdicts.count(CaseVerdict.DISSATISFIED) > 0
        for case in cases:
            assert case.due_on == (case.due_date() if case.is_open() else None)
            assert case.code.isalnum() and len(case.code) == 8
            events = db.session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
            ).all()
            assert events[0].action == "received"
            assert [e.at for e in events] == sorted(e.at for e in events)
            assert events[-1].to_status in (None, case.status.value) or case.verdict


def test_paper_and_hotline_are_numbered_and_reconciled(seeded):
    with seeded.app_context():
        openings = db.session.scalars(select(BoxOpening)).all()
        assert openings and all(o.witnesses.count("\n") >= 1 for o in openings)
        for opening in openings:
            numbers = db.session.scalars(
                select(Case.slip_number).where(Case.box_opening_id == opening.id)
            ).all()
            assert sorted(numbers) == list(range(1, len(numbers) + 1))
            if opening.status == BoxStatus.CLOSED and len(numbers) != opening.slips_counted:
                assert opening.discrepancy_reason
        for book in db.session.scalars(select(CommentBook)):
            entries = db.session.execute(
                select(Case.book_entry_number, Case.received_at)
                .where(Case.book_id == book.id)
                .order_by(Case.book_entry_number)
            ).all()
            assert [n for n, _at in entries] == list(range(1, len(entries) + 1))
            assert [at for _n, at in entries] == sorted(at for _n, at in entries)
            assert all(local_date(at).year == book.year for _n, at in entries)
        calls = db.session.scalars(select(HotlineCall)).all()
        assert any(c.missed for c in calls) and any(c.after_hours for c in calls)
        voicemails = [c for c in calls if c.recording_sid]
        assert voicemails and all(c.case_id and c.recording_id for c in voicemails)
        assert {a.content_type for a in db.session.scalars(select(Attachment))} == {"audio/wav"}
        texts = db.session.scalars(select(SmsMessage)).all()
        assert texts and all(t.case_id and t.reply and "Mã tra cứu" in t.reply for t in texts)


def test_dossier_figures_add_up_and_follow_the_ratings(seeded):
    with seeded.app_context():
        rows = db.session.scalars(select(DossierStat)).all()
        desks = {row.service_point_id for row in rows}
        assert len(desks) == 12
        assert {row.month for row in rows} == {date(2025, m, 1) for m in range(1, 7)}
        assert len(rows) == 12 * 6
        for row in rows:
            figures = row.figures()
            assert all(figures[name] >= 0 for name in FIGURES)
            for total, parts in SUMS:
                assert sum(figures[p] for p in parts) == figures[total], (row.id, total)
        resolved = sum(row.resolved_total for row in rows)
        assert 3 * 300 <= resolved <= 6 * 300
        assert 0 < sum(row.resolved_late for row in rows) < resolved * 0.1


def test_every_response_is_in_the_rollups(seeded):
    with seeded.app_context():
        assert _count(Response, Response.rolled_up.is_(False)) == 0
        counted = db.session.scalar(
            select(func.sum(RollupDay.count)).where(RollupDay.question_id == RESPONSES_ROW)
        )
        assert counted == 300
        assert (
            db.session.scalar(
                select(func.sum(RollupMonth.count)).where(RollupMonth.question_id == RESPONSES_ROW)
            )
            == counted
        )
