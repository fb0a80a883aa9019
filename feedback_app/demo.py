"""The demo district: Hà Nội › quận Thanh Xuân › its 11 wards (2022), desks, people, accounts.

Idempotent: running it again finds what it made and adds only what is missing.
"""

import json
import secrets
from dataclasses import dataclass, field
from datetime import date
from importlib import resources

from sqlalchemy import select

from .auth import service as accounts
from .extensions import db
from .models import AdminUnit, HotlineLine, Kiosk, Role, ServicePoint, UnitLevel, User
from .surveys import instruments
from .surveys import service as kiosk_service
from .units import service as units

DEMO_ACCOUNTS = (
    ("admin", Role.ADMIN, "01", "Quản trị hệ thống"),
    ("reform", Role.REFORM_OFFICE, "009", "Phòng Nội vụ"),
    ("manager", Role.UNIT_MANAGER, "00343", "Lãnh đạo UBND phường Nhân Chính"),
    ("clerk", Role.INTAKE_CLERK, "009", "Cán bộ tiếp nhận"),
    ("hotline", Role.HOTLINE_OPERATOR, "009", "Trực đường dây nóng"),
    ("counter", Role.COUNTER_STAFF, "00343", "Cán bộ quầy phường Nhân Chính"),
)
DEMO_HOTLINE = "+842438581234"
DEMO_HOTLINE_LABEL = "Đường dây nóng quận Thanh Xuân"


@dataclass
class SeedResult:
    """What the seed made, with the passwords of accounts it created (shown once) and, under
    "kiosk", the token of the first kiosk it registered."""

    units_created: int = 0
    desks_created: int = 0
    new_logins: dict[str, str] = field(default_factory=dict)


def load_seed_data() -> dict:
    """The shipped description of the demo district."""
    text = resources.files("feedback_app").joinpath("data/thanh_xuan_2022.json").read_text("utf-8")
    return json.loads(text)


def seed() -> SeedResult:
    """Create whatever part of the demo district is missing. The caller commits."""
    data = load_seed_data()
    result = SeedResult()
    counts = units.ImportResult()
    p, d = data["province"], data["district"]
    province = units.ensure_unit(
        code=p["code"],
        name=p["name"],
        level=UnitLevel.PROVINCE,
        parent=None,
        valid_from=date.fromisoformat(p["valid_from"]),
        result=counts,
    )
    district_dates = {
        "valid_from": date.fromisoformat(d["valid_from"]),
        "valid_to": date.fromisoformat(d["valid_to"]),
    }
    district = units.ensure_unit(
        code=d["code"],
        name=d["name"],
        level=UnitLevel.DISTRICT,
        parent=province,
        result=counts,
        **district_dates,
    )
    wards = [
        units.ensure_unit(
            code=w["code"],
            name=w["name"],
            level=UnitLevel.COMMUNE,
            parent=district,
            result=counts,
            **district_dates,
        )
        for w in data["wards"]
    ]
    result.units_created = counts.created
    names = iter(data["officer_names"] * 2)
    for unit in [district, *wards]:
        if _ensure_desk(unit, names):
            result.desks_created += 1
    result.new_logins = _ensure_accounts()
    instruments.seed_default()
    result.new_logins.update(_ensure_kiosks([district, *wards]))
    _ensure_hotline_line(district)
    return result


def _ensure_hotline_line(district: AdminUnit) -> None:
    """The district's hotline number; calls with no operator's phone go to voicemail."""
    if db.session.scalar(select(HotlineLine.id).where(HotlineLine.number == DEMO_HOTLINE)):
        return
    db.session.add(
        HotlineLine(
            number=DEMO_HOTLINE, label=DEMO_HOTLINE_LABEL, unit=district, operator_number=""
        )
    )
    db.session.flush()


def _ensure_kiosks(units_: list[AdminUnit]) -> dict[str, str]:
    """A kiosk for every counter without one; returns the first new one's token as "kiosk"."""
    made = {}
    with_kiosk = set(db.session.scalars(select(Kiosk.counter_id)))
    for unit in units_:
        for point in unit.service_points:
            for counter in point.counters:
                if counter.id in with_kiosk:
                    continue
                _kiosk, token = kiosk_service.create_kiosk(counter, label=f"Quầy {counter.code}")
                made.setdefault("kiosk", token)
    return made


def _ensure_desk(unit: AdminUnit, names) -> bool:
    """One desk per unit with two counters and two officers; False when it already exists."""
    if db.session.scalar(select(ServicePoint.id).where(ServicePoint.unit_id == unit.id)):
        next(names), next(names)
        return False
    short = (
        unit.name.replace("Thành phố ", "").replace("Quận ", "quận ").replace("Phường ", "phường ")
    )
    point = ServicePoint(unit=unit, name=f"Bộ phận Một cửa {short}", address=f"UBND {short}")
    db.session.add(point)
    db.session.flush()
    for code in ("1", "2"):
        units.add_counter(point, code, f"Quầy {code}", actor=None)
    for _ in range(2):
        units.add_officer(point, next(names), "Công chức Bộ phận Một cửa", actor=None)
    return True


def _ensure_accounts() -> dict[str, str]:
    """One account per role; returns the passwords of the accounts created now."""
    created = {}
    for username, role, unit_code, full_name in DEMO_ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.username == username)):
            continue
        unit = units.find_unit(unit_code, date(2022, 6, 30))
        password = secrets.token_urlsafe(9)
        accounts.create_user(
            username=username, role=role, unit=unit, password=password, full_name=full_name
        )
        created[username] = password
    return created


def is_empty() -> bool:
    """Whether the database holds no unit yet."""
    return db.session.scalar(select(AdminUnit.id).limit(1)) is None


COMMENTS_BAD = [
    "Chờ quá lâu mới đến lượt, đề nghị bố trí thêm cán bộ.",
    "Cán bộ hướng dẫn chưa rõ, tôi phải bổ sung hồ sơ hai lần.",
    "Phòng chờ nóng, thiếu ghế cho người cao tuổi.",
]


def seed_responses(n: int, start: date, end: date, seed: int = 1) -> int:
    """N synthetic kiosk responses spread over working hours between two dates, with a few
    comments that open cases. Deterministic for a seed; already present ones are skipped."""
    import random
    import uuid
    from datetime import UTC, datetime, time, timedelta

    from sqlalchemy import insert

    from .cases import service as cases
    from .models import Answer, CaseChannel, Counter, Response, ResponseChannel
    from .timeutil import LOCAL_TZ

    # One generator names the responses; each response's content comes from its own generator,
    # so skipping the ones already present leaves the rest unchanged (idempotent per seed).
    ids = random.Random(seed)  # noqa: S311 - reproducible demo data, not a secret
    instrument = instruments.active_instrument() or instruments.seed_default()[0]
    questions = {q.code: q for q in instrument.questions}
    counters = db.session.scalars(select(Counter).order_by(Counter.id)).all()
    kiosks = {k.counter_id: k.id for k in db.session.scalars(select(Kiosk))}
    known = set(db.session.scalars(select(Response.client_uuid)))
    days = max((end - start).days, 0) + 1
    made = 0
    for _ in range(n):
        client_uuid = str(uuid.UUID(int=ids.getrandbits(128), version=4))
        if client_uuid in known:
            continue
        known.add(client_uuid)
        rng = random.Random(client_uuid)  # noqa: S311 - reproducible demo data
        counter = rng.choice(counters)
        day = start + timedelta(days=rng.randrange(days))
        local = datetime.combine(day, time(rng.randint(7, 16), rng.randrange(60)), LOCAL_TZ)
        mood = rng.random()
        base = 5 if mood < 0.55 else 4 if mood < 0.85 else 3 if mood < 0.93 else 2
        scores = {
            code: max(1, min(5, base + rng.choice((-1, 0, 0, 0, 1))))
            for code, q in questions.items()
            if q.kind.value == "likert5"
        }
        row = {
            "client_uuid": client_uuid,
            "instrument_id": instrument.id,
            "channel": ResponseChannel.KIOSK,
            "service_point_id": counter.service_point_id,
            "counter_id": counter.id,
            "officer_id": counter.officer_on_duty_id,
            "kiosk_id": kiosks.get(counter.id),
            "submitted_hour": local.replace(minute=0).astimezone(UTC),
            "language": "vi" if rng.random() < 0.95 else "en",
            "suspicious": False,
            "reply": {},
        }
        response_id = db.session.execute(insert(Response).returning(Response.id), [row]).scalar()
        answers = [
            {"response_id": response_id, "question_id": questions[c].id, "value": v}
            for c, v in scores.items()
        ]
        for code in ("tt01_returns", "tt01_offices"):
            if code in questions and rng.random() < 0.8:
                option = rng.choices(questions[code].options, weights=(7, 2, 1))[0]
                answers.append(
                    {
                        "response_id": response_id,
                        "question_id": questions[code].id,
                        "value": option["points"],
                        "option_code": option["code"],
                    }
                )
        db.session.execute(insert(Answer), answers)
        reply = {"id": response_id, "case_code": None}
        case_id = None
        if base <= 2 and rng.random() < 0.5:
            case, _created = cases.create_case(
                cases.NewCase(
                    channel=CaseChannel.KIOSK_COMMENT,
                    content=rng.choice(COMMENTS_BAD),
                    service_point=db.session.get(ServicePoint, counter.service_point_id),
                    received_at=local,
                    intake_key=f"response:{client_uuid}",
                )
            )
            reply["case_code"], case_id = case.code, case.id
        db.session.execute(
            Response.__table__.update()
            .where(Response.id == response_id)
            .values(case_id=case_id, reply=reply)
        )
        made += 1
    seed_hotline(n, start, end, seed)
    return made


HOTLINE_TOPICS = [
    ("Hỏi thủ tục cấp bản sao giấy khai sinh", "Đã hướng dẫn công dân mang theo CCCD."),
    ("Hỏi giờ làm việc thứ Bảy", "Đã trả lời: sáng thứ Bảy có tiếp nhận hồ sơ."),
    ("Phản ánh chờ lâu tại quầy", "Công dân chờ hơn một giờ mới được tiếp nhận."),
]
HOTLINE_VOICEMAILS = [
    "Tôi nộp hồ sơ đăng ký kinh doanh tuần trước, xin cho biết khi nào có kết quả.",
    "Đề nghị phường bố trí thêm ghế ở phòng chờ cho người cao tuổi.",
]
HOTLINE_SMS = [
    "Cho tôi hỏi làm lại CCCD cần mang giấy tờ gì?",
    "Cán bộ quầy 2 hướng dẫn rất nhiệt tình, cảm ơn.",
    "Hồ sơ của tôi đã quá hẹn 3 ngày mà chưa có kết quả.",
]


def _silent_wav(seconds: int) -> bytes:
    """A short silent recording, so the demo's voicemails can be played."""
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(b"\x80" * 8000 * seconds)
    return buffer.getvalue()


def seed_hotline(n: int, start: date, end: date, seed: int = 1) -> int:
    """A few synthetic hotline calls (answered, missed, after hours, voicemail) and SMS messages
    for N responses, the first ones on the last day. Deterministic for a seed; already present
    ones are skipped. Returns how many calls and messages were made."""
    import io
    import random
    from datetime import UTC, datetime, time, timedelta

    from .cases import attachments
    from .cases import service as cases
    from .hotline import hours
    from .hotline import service as hotline
    from .hotline.gateways import InboundSms
    from .models import CallOutcome, CallStatus, CaseChannel, HotlineCall, Provider
    from .timeutil import LOCAL_TZ, now_utc

    line = db.session.scalar(select(HotlineLine).where(HotlineLine.number == DEMO_HOTLINE))
    if line is None:
        return 0
    operator = db.session.scalar(select(User).where(User.role == Role.HOTLINE_OPERATOR))
    now = now_utc()
    days = max((end - start).days, 0) + 1

    def moment(rng: random.Random, index: int, evening: bool) -> datetime:
        day = end if index < 4 else start + timedelta(days=rng.randrange(days))
        hour = rng.randint(18, 21) if evening else rng.choice((8, 9, 10, 14, 15, 16))
        local = datetime.combine(day, time(hour, rng.randrange(60)), LOCAL_TZ)
        when = local.astimezone(UTC)
        return when - timedelta(days=1) if when > now else when  # nothing in the future

    made = 0
    for i in range(max(4, n // 25)):
        call_id = f"demo:{seed}:call:{i}"
        kind = ("answered", "missed", "after_hours", "voicemail")[i % 4]
        provider = Provider.MANUAL if kind == "answered" else Provider.TWILIO
        if hotline.find_call(provider, call_id) is not None:
            continue
        rng = random.Random(call_id)  # noqa: S311 - reproducible demo data
        started = moment(rng, i, evening=kind in ("after_hours", "voicemail"))
        call = HotlineCall(
            provider=provider,
            provider_id=call_id,
            line=line if provider is Provider.TWILIO else None,
            unit=line.unit,
            from_number=f"0900{rng.randrange(10**6):06d}",
            to_number=line.number,
            started_at=started,
            status=CallStatus.COMPLETED,
            duration_seconds=rng.randint(40, 400),
            after_hours=not hours.is_open(started),
        )
        old = started < now - timedelta(days=2)
        if kind == "answered":
            topic, summary = rng.choice(HOTLINE_TOPICS)
            call.topic, call.summary, call.outcome = topic, summary, CallOutcome.INFORMED
            call.operator_id = operator.id if operator else None
        elif kind == "missed":
            call.status, call.missed, call.duration_seconds = CallStatus.NO_ANSWER, True, 0
            call.callback_due = hours.callback_due(started, call.after_hours)
        elif kind == "after_hours":
            call.ivr_choice = "2"
            call.callback_due = hours.callback_due(started, True)
        if call.callback_due is not None and old:
            call.callback_done_at = call.callback_due
        db.session.add(call)
        db.session.flush()
        if kind == "voicemail":
            seconds = rng.randint(8, 40)
            transcript = rng.choice(HOTLINE_VOICEMAILS)
            case, _created = cases.create_case(
                cases.NewCase(
                    channel=CaseChannel.HOTLINE_CALL,
                    content=transcript
                    if old
                    else f"Tin nhắn thoại {seconds} giây, chờ ghi lại nội dung.",
                    unit=line.unit,
                    sender_phone=call.from_number,
                    received_at=started,
                    intake_key=f"recording:demo:{call_id}",
                )
            )
            call.ivr_choice = "1"
            call.case = case
            call.recording_sid = f"demo:{seed}:recording:{i}"
            call.recording_seconds = seconds
            call.duration_seconds = seconds + 25  # the menu, then the message
            call.recording = attachments.store(
                io.BytesIO(_silent_wav(seconds)),
                original_name="voicemail.wav",
                case=case,
                audio=True,
            )
            call.transcript = transcript if old else None
            call.callback_due = hours.callback_due(started, call.after_hours)
            if old:
                call.transcribed_at = call.callback_done_at = call.callback_due
        made += 1
    for i in range(max(3, n // 40)):
        message_id = f"demo:{seed}:sms:{i}"
        if hotline.find_sms(Provider.GATEWAY, message_id) is not None:
            continue
        rng = random.Random(message_id)  # noqa: S311 - reproducible demo data
        hotline.receive_sms(
            InboundSms(
                provider=Provider.GATEWAY,
                message_id=message_id,
                sender=f"0900{rng.randrange(10**6):06d}",
                recipient=line.number,
                text=rng.choice(HOTLINE_SMS),
                received_at=moment(rng, i, evening=False),
            )
        )
        made += 1
    return made
