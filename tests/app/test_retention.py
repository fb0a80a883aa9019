"""`flask retention purge`: personal data of settled matters goes after RETENTION_DAYS; the
matters themselves, open cases and opt-outs stay."""

import io
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from feedback_app import storage
from feedback_app.cases import service as cases
from feedback_app.extensions import db
from feedback_app.models import (
    AdminUnit,
    AuditEvent,
    Case,
    CaseChannel,
    CaseStatus,
    Counter,
    HotlineCall,
    KioskInvitation,
    SmsMessage,
    SmsOptOut,
)
from feedback_app.models.hotline import CallStatus, Provider
from feedback_app.timeutil import now_utc

NAME, PHONE, ADDRESS = "Trần Thị Bích", "0912345678", "12 Nguyễn Trãi, Thanh Xuân"
CALLER = "+84987654321"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64
OLD = timedelta(days=400)  # past the default 365 days
RECENT = timedelta(days=30)


def make_case(app, unit: int, *, status: CaseStatus, age: timedelta) -> int:
    """A case with the sender's details, in a status, last changed `age` ago."""
    with app.app_context():
        case, _created = cases.create_case(
            cases.NewCase(
                channel=CaseChannel.WALK_IN,
                content="Phòng chờ thiếu ghế",
                unit=db.session.get(AdminUnit, unit),
                sender_name=NAME,
                sender_phone=PHONE,
                sender_address=ADDRESS,
            )
        )
        db.session.flush()
        case.status = status
        case.updated_at = now_utc() - age
        db.session.commit()
        return case.id


def make_voicemail(app, unit: int, case_id: int, *, age: timedelta, audio: bytes = MP3) -> int:
    """A call with its downloaded recording, attached to a case, `age` ago."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        call = HotlineCall(
            provider=Provider.TWILIO,
            provider_id=f"CA{uuid.uuid4().hex}",
            unit_id=unit,
            from_number=CALLER,
            started_at=now_utc() - age,
            status=CallStatus.COMPLETED,
            recording_sid=f"RE{uuid.uuid4().hex}",
            recording_url="https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
            recording_seconds=12,
            case=case,
            recording=storage.store(
                io.BytesIO(audio), original_name="voicemail.mp3", case=case, audio=True
            ),
        )
        db.session.add(call)
        db.session.commit()
        return call.id


def make_sms(app, unit: int, case_id: int | None, *, age: timedelta) -> int:
    with app.app_context():
        sms = SmsMessage(
            provider=Provider.TWILIO,
            provider_id=f"SM{uuid.uuid4().hex}",
            unit_id=unit,
            from_number=CALLER,
            body="Phường làm hồ sơ chậm",
            received_at=now_utc() - age,
            case_id=case_id,
        )
        db.session.add(sms)
        db.session.commit()
        return sms.id


def call_state(app, call_id: int) -> dict:
    with app.app_context():
        call = db.session.get(HotlineCall, call_id)
        recording = call.recording
        return {
            "from_number": call.from_number,
            "recording": recording is not None,
            "recording_url": call.recording_url,
            "file": storage.path_for(recording) if recording else None,
        }


def case_state(app, case_id: int) -> dict:
    with app.app_context():
        case = db.session.get(Case, case_id)
        return {
            "sender": (case.sender_name, case.sender_phone, case.sender_address),
            "content": case.content,
            "status": case.status,
            "search_text": case.search_text,
        }


@pytest.fixture
def unit(district) -> int:
    return district["district"]


def purge(runner, *args: str):
    result = runner.invoke(args=["retention", "purge", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_settled_old_cases_lose_the_senders_details_and_keep_the_rest(app, runner, unit):
    old_closed = make_case(app, unit, status=CaseStatus.CLOSED, age=OLD)
    old_answered = make_case(app, unit, status=CaseStatus.ANSWERED, age=OLD)
    old_open = make_case(app, unit, status=CaseStatus.ASSIGNED, age=OLD)
    recent_closed = make_case(app, unit, status=CaseStatus.CLOSED, age=RECENT)
    assert "tran thi bich" in case_state(app, old_closed)["search_text"]

    output = purge(runner)

    for purged in (old_closed, old_answered):
        state = case_state(app, purged)
        assert state["sender"] == (None, None, None)
        assert state["content"] == "Phòng chờ thiếu ghế"
        assert "tran thi bich" not in state["search_text"]
    for kept in (old_open, recent_closed):
        assert case_state(app, kept)["sender"] == (NAME, PHONE, ADDRESS)
    assert "2 " in output and "settled cases" in output


def test_old_calls_and_messages_lose_the_number_and_the_voicemail(app, runner, unit):
    settled = make_case(app, unit, status=CaseStatus.CLOSED, age=OLD)
    still_open = make_case(app, unit, status=CaseStatus.RECEIVED, age=OLD)
    old_call = make_voicemail(app, unit, settled, age=OLD, audio=MP3 + b"old")
    open_call = make_voicemail(app, unit, still_open, age=OLD, audio=MP3 + b"open")
    recent_call = make_voicemail(app, unit, settled, age=RECENT, audio=MP3 + b"recent")
    old_file = call_state(app, old_call)["file"]
    old_sms = make_sms(app, unit, settled, age=OLD)
    lone_sms = make_sms(app, unit, None, age=OLD)
    open_sms = make_sms(app, unit, still_open, age=OLD)
    recent_sms = make_sms(app, unit, None, age=RECENT)
    with app.app_context():
        db.session.add(SmsOptOut(number=CALLER, keyword="HUY"))
        db.session.commit()

    purge(runner)

    assert call_state(app, old_call) == {
        "from_number": None,
        "recording": False,
        "recording_url": None,
        "file": None,
    }
    assert not Path(old_file).exists()
    for kept in (open_call, recent_call):
        state = call_state(app, kept)
        assert state["from_number"] == CALLER
        assert state["recording"] and Path(state["file"]).exists()
    with app.app_context():
        numbers = {m.id: m.from_number for m in db.session.scalars(select(SmsMessage))}
        opt_outs = db.session.scalars(select(SmsOptOut.number)).all()
    assert numbers == {old_sms: None, lone_sms: None, open_sms: CALLER, recent_sms: CALLER}
    assert opt_outs == [CALLER]  # honouring "no more messages" needs the number


def test_a_recording_file_shared_with_another_attachment_stays(app, runner, unit):
    settled = make_case(app, unit, status=CaseStatus.CLOSED, age=OLD)
    recent = make_case(app, unit, status=CaseStatus.CLOSED, age=RECENT)
    old_call = make_voicemail(app, unit, settled, age=OLD)
    recent_call = make_voicemail(app, unit, recent, age=RECENT)  # the same bytes
    shared_file = call_state(app, recent_call)["file"]
    assert call_state(app, old_call)["file"] == shared_file

    purge(runner)

    assert call_state(app, old_call)["recording"] is False
    assert Path(shared_file).exists()
    assert call_state(app, recent_call)["recording"] is True


def test_a_dry_run_counts_and_changes_nothing(app, runner, unit):
    settled = make_case(app, unit, status=CaseStatus.CLOSED, age=OLD)
    call = make_voicemail(app, unit, settled, age=OLD)
    make_sms(app, unit, settled, age=OLD)

    output = purge(runner, "--dry-run")

    assert "Would remove" in output
    assert [line.split()[0] for line in output.splitlines()[1:]] == ["1", "1", "1", "1", "0"]
    assert case_state(app, settled)["sender"] == (NAME, PHONE, ADDRESS)
    assert call_state(app, call)["recording"] is True
    with app.app_context():
        assert db.session.scalars(select(SmsMessage.from_number)).all() == [CALLER]
        assert (
            db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention_purged"))
            is None
        )


def test_the_purge_is_audited_and_a_second_run_finds_nothing(app, runner, unit):
    make_case(app, unit, status=CaseStatus.CLOSED, age=OLD)
    purge(runner)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention_purged"))
        assert event.detail["cases"] == 1

    again = purge(runner)
    assert [line.split()[0] for line in again.splitlines()[1:]] == ["0", "0", "0", "0", "0"]


def test_the_retention_period_is_a_setting(app, runner, unit):
    older = make_case(app, unit, status=CaseStatus.CLOSED, age=timedelta(days=100))
    newer = make_case(app, unit, status=CaseStatus.CLOSED, age=timedelta(days=50))
    app.config["RETENTION_DAYS"] = 60
    purge(runner)
    assert case_state(app, older)["sender"] == (None, None, None)
    assert case_state(app, newer)["sender"] == (NAME, PHONE, ADDRESS)


@pytest.mark.parametrize("days", [0, 7, "a year"])
def test_an_implausible_retention_period_is_refused(app, runner, unit, days):
    case = make_case(app, unit, status=CaseStatus.CLOSED, age=OLD)
    app.config["RETENTION_DAYS"] = days
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code != 0
    assert "RETENTION_DAYS" in result.output
    assert case_state(app, case)["sender"] == (NAME, PHONE, ADDRESS)


def test_invitations_to_rate_go_after_a_week(app, runner, kiosk):
    with app.app_context():
        counter = db.session.get(Counter, kiosk["counter"])
        for days in (8, 6):
            made = now_utc() - timedelta(days=days)
            db.session.add(
                KioskInvitation(
                    counter=counter,
                    dossier_code=f"H26-{days}",
                    created_at=made,
                    expires_at=made + timedelta(minutes=5),
                )
            )
        db.session.commit()
    dry = runner.invoke(args=["retention", "purge", "--dry-run"]).output
    assert "1  invitations to rate" in dry
    assert runner.invoke(args=["retention", "purge"]).exit_code == 0
    with app.app_context():
        assert db.session.scalars(select(KioskInvitation.dossier_code)).all() == ["H26-6"]
