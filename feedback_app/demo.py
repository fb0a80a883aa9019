"""The demo district: Hà Nội › quận Thanh Xuân › its 11 wards (2022), desks, people, accounts.

Idempotent: running it again finds what it made and adds only what is missing.
"""

import bisect
import hashlib
import hmac
import io
import json
import random
import secrets
import uuid
import wave
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from itertools import accumulate

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, text

from .auth import service as accounts
from .extensions import db
from .models import (
    AdminUnit,
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
    Holiday,
    HolidayKind,
    HotlineLine,
    Kiosk,
    KioskAbandon,
    QuestionKind,
    Response,
    ResponseChannel,
    Role,
    ServicePoint,
    UnitLevel,
    User,
)
from .surveys import instruments
from .surveys import service as kiosk_service
from .surveys.defaults import REASONS
from .timeutil import LOCAL_TZ, local_date, now_utc
from .units import calendar as work_calendar
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
    for _number in range(2):
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


# --- Demo activity: ratings, cases, hotline, paper and dossier figures ------------------------
#
# `seed_responses(n, start, end, seed)` makes a district's worth of activity between two days.
# Everything comes from seeded generators, so the same seed (and dates) gives the same data, and
# every row carries a key made from the seed (a response's client_uuid, a case's intake key, a
# call's provider id, a desk's month), so running it again finds what it made and adds nothing
# twice. Rows are built as plain dicts and written with one executemany INSERT per table and
# chunk, no ORM object per response or answer; where other rows point at them, their ids come
# back from the INSERT (SQLite: RETURNING) or are reserved first (PostgreSQL: the sequence).
#
# The district has a character that does not depend on N or the dates: some desks are clearly
# better than others, one or two officers clearly weaker; ratings, late answers and late
# dossiers follow it, so the summary shows a spread worth reading.

F = CaseKind.FEEDBACK
P = CaseKind.PROPOSAL
G = CaseKind.SUGGESTION
K = CaseKind.PRAISE
H = CaseKind.QUESTION
C = CaseKind.COMPLAINT
D = CaseKind.DENUNCIATION

# Comments left on a rating, with the kind of case each becomes when it needs an answer.
COMMENTS_BAD = [
    ("Chờ quá lâu mới đến lượt, đề nghị bố trí thêm cán bộ.", F),
    ("Cán bộ hướng dẫn chưa rõ, tôi phải bổ sung hồ sơ hai lần.", F),
    ("Phòng chờ nóng, thiếu ghế cho người cao tuổi.", P),
    ("Hẹn trả kết quả thứ Hai nhưng đến nơi vẫn chưa có, phải đi lại nhiều lần.", F),
    ("Máy lấy số thứ tự hỏng cả buổi sáng, người dân phải chen lấn.", F),
    ("Đề nghị cho nộp trực tuyến thủ tục chứng thực để đỡ phải xếp hàng.", P),
    ("Tôi gọi số 0912 345 678 của bộ phận nhiều lần nhưng không ai nghe máy.", F),
    ("Hồ sơ của tôi quá hẹn mà không ai báo lý do, khi nào có kết quả?", H),
]
COMMENTS_NEUTRAL = [
    ("Nên niêm yết rõ hơn thời gian trả kết quả của từng thủ tục.", G),
    ("Đề nghị bố trí chỗ để xe cho người đến làm thủ tục.", P),
    ("Cho tôi hỏi làm bản sao giấy khai sinh cần mang theo giấy tờ gì?", H),
    ("Nên có sẵn bút và tờ khai mẫu ở bàn hướng dẫn.", G),
]
COMMENTS_GOOD = [
    ("Cán bộ hướng dẫn nhiệt tình, chu đáo.", K),
    ("Thủ tục nhanh gọn, trả kết quả đúng hẹn. Cảm ơn bộ phận một cửa.", K),
    ("Phòng chờ sạch sẽ, có nước uống, rất hài lòng.", K),
    ("Đề nghị duy trì làm việc sáng thứ Bảy, rất tiện cho người đi làm.", G),
]
# What citizens write on box slips and in comment books, or say at the desk, by kind.
PAPER_TEXTS = {
    F: [
        "Cán bộ quầy tiếp nhận đến muộn, người dân phải chờ từ 7 giờ 30.",
        "Hướng dẫn thủ tục đăng ký hộ kinh doanh mỗi lần một khác.",
        "Nhà vệ sinh khu vực một cửa xuống cấp, không có nước.",
    ],
    P: [
        "Đề nghị lắp thêm quạt và ghế ở phòng chờ tầng 1.",
        "Kiến nghị bố trí quầy riêng cho người cao tuổi và người khuyết tật.",
        "Đề nghị nhắn tin báo khi có kết quả để người dân không phải đến hỏi.",
    ],
    G: [
        "Nên dán bảng hướng dẫn các bước nộp hồ sơ trực tuyến ở cửa ra vào.",
        "Biển chỉ dẫn đến bộ phận một cửa còn khó thấy.",
        "Nên có người hướng dẫn người cao tuổi dùng máy tính bảng đánh giá.",
    ],
    K: [
        "Cảm ơn chị cán bộ quầy 2 đã hướng dẫn tận tình cho bố tôi.",
        "Bộ phận một cửa làm việc đúng giờ, thái độ niềm nở.",
        "Thủ tục chứng thực rất nhanh, cảm ơn các cán bộ.",
    ],
    H: [
        "Xin hỏi đăng ký kết hôn có cần giấy xác nhận tình trạng hôn nhân không?",
        "Cấp lại giấy chứng nhận quyền sử dụng đất bị mất cần những giấy tờ gì?",
        "Bộ phận một cửa có làm việc giờ nghỉ trưa không?",
    ],
    C: [
        "Khiếu nại quyết định xử phạt vi phạm hành chính về trật tự xây dựng.",
        "Tôi khiếu nại việc từ chối cấp phép sửa chữa nhà mà không nêu rõ lý do.",
    ],
    D: ["Tố cáo một cán bộ yêu cầu nộp thêm tiền ngoài quy định để làm nhanh hồ sơ."],
}
SUBJECTS = {
    F: ("Thời gian chờ", "Thái độ phục vụ", "Cơ sở vật chất", "Trả kết quả trễ hẹn"),
    P: ("Cơ sở vật chất", "Cải tiến thủ tục"),
    G: ("Hướng dẫn thủ tục", "Cơ sở vật chất"),
    K: ("Khen cán bộ",),
    H: ("Hỏi thủ tục",),
    C: ("Khiếu nại quyết định hành chính",),
    D: ("Tố cáo cán bộ",),
}
ANSWERS = {
    F: [
        "UBND đã kiểm tra, nhắc nhở cán bộ liên quan và bố trí thêm người trực quầy vào giờ cao "
        "điểm. Cảm ơn ông/bà đã phản ánh.",
        "Đơn vị đã khắc phục và rút kinh nghiệm; kết quả hồ sơ của ông/bà đã được trả.",
    ],
    P: [
        "Kiến nghị đã được tiếp thu; đơn vị sẽ bổ sung ghế chờ và quạt trong tháng tới.",
        "UBND ghi nhận kiến nghị và đưa vào kế hoạch cải cách hành chính năm nay.",
    ],
    G: ["Cảm ơn ông/bà đã góp ý; ý kiến đã được chuyển bộ phận phụ trách để thực hiện."],
    K: ["Cảm ơn ông/bà đã ghi nhận; ý kiến đã được chuyển tới cán bộ và lãnh đạo đơn vị."],
    H: [
        "Ông/bà mang CCCD và bản chính giấy tờ cần chứng thực; thủ tục giải quyết trong ngày.",
        "Hồ sơ gồm tờ khai theo mẫu, CCCD và giấy tờ chứng minh; thời hạn giải quyết 5 ngày "
        "làm việc.",
    ],
}
REJECT_REASONS = (
    "Nội dung không rõ ràng và không có thông tin liên hệ để làm rõ.",
    "Trùng với ý kiến đã được trả lời trước đó.",
)
OTHER_AGENCIES = ("Điện lực Thanh Xuân", "Công an quận Thanh Xuân", "Sở Xây dựng Hà Nội")
ROUTED_AGENCY = "Thanh tra quận Thanh Xuân"
BOX_DISCREPANCY = "Một phiếu để trống, không có nội dung."
HOTLINE_TOPICS = [
    ("Hỏi thủ tục cấp bản sao giấy khai sinh", "Đã hướng dẫn công dân mang theo CCCD."),
    ("Hỏi giờ làm việc thứ Bảy", "Đã trả lời: sáng thứ Bảy có tiếp nhận hồ sơ."),
    ("Phản ánh chờ lâu tại quầy", "Công dân chờ hơn một giờ mới được tiếp nhận."),
]
HOTLINE_VOICEMAILS = [
    ("Tôi nộp hồ sơ đăng ký kinh doanh tuần trước, xin cho biết khi nào có kết quả.", H),
    ("Đề nghị phường bố trí thêm ghế ở phòng chờ cho người cao tuổi.", P),
    ("Cán bộ quầy hẹn trả kết quả hôm nay nhưng tôi đến thì chưa có.", F),
]
HOTLINE_SMS = [
    ("Cho tôi hỏi làm lại CCCD cần mang giấy tờ gì?", H),
    ("Cán bộ quầy 2 hướng dẫn rất nhiệt tình, cảm ơn.", K),
    ("Hồ sơ của tôi đã quá hẹn 3 ngày mà chưa có kết quả.", F),
]
# The first case kinds of the paper channels, so even a small seed has one case of every kind.
KIND_SHOWCASE = (F, P, G, K, H, C, D)
PAPER_KIND_WEIGHTS = ((F, P, G, K, H, C, D), (30, 16, 22, 16, 10, 5, 1))
BOOK_KIND_WEIGHTS = ((F, P, G, K, H), (20, 10, 28, 38, 4))
WALK_IN_KIND_WEIGHTS = ((F, P, H, C), (40, 20, 35, 5))
VOICEMAIL_SECONDS = (9, 14, 18, 23, 31, 38)

# The most `demo seed --responses` makes: a large province's year, and then some.
MAX_RESPONSES = 10_000_000
# Responses folded into the rollups per transaction after a seed (see fold_into_rollups).
FOLD_BATCH = 1_000_000
# Responses are generated and written this many at a time; cases this many per INSERT.
CHUNK = 10_000
CASE_CHUNK = 2_000
# Local hours the desks receive citizens (weights: the morning is busier); Saturday mornings too.
WEEKDAY_HOURS = ((7, 8, 9, 10, 11, 13, 14, 15, 16), (5, 14, 16, 14, 8, 6, 12, 13, 9))
SATURDAY_HOURS = ((8, 9, 10, 11), (3, 4, 4, 2))
SATURDAY_WEIGHT = 0.3
# Where ratings come from: mostly the counter tablets, then paper forms typed in, then the web.
CHANNELS = (
    (ResponseChannel.KIOSK, 0.78),
    (ResponseChannel.PAPER, 0.14),
    (ResponseChannel.WEB, 0.08),
)
CASE_CHANNEL = {
    ResponseChannel.KIOSK: CaseChannel.KIOSK_COMMENT,
    ResponseChannel.WEB: CaseChannel.WEB,
    ResponseChannel.PAPER: CaseChannel.WALK_IN,
}
# Each question's usual distance from the citizen's overall mood (the waiting area and the
# handling of comments score lower, as they do in SIPAS surveys), and how much the officer who
# served weighs on it.
QUESTION_OFFSETS = {
    "f1_access": -0.25,
    "f2_procedure": -0.05,
    "f3_officer": 0.05,
    "f4_result": -0.1,
    "f5_feedback": -0.3,
    "overall": 0.0,
}
OFFICER_WEIGHT = {"f3_officer": 1.6, "overall": 1.0}
MOOD = 4.45  # a citizen's mean mood on the 1–5 scale at an average desk
NO_OPINION_RATE = 0.025
BURST_EVERY, BURST_AT = 2_000, 150  # a burst from one tablet every so many responses
BURST_FREE = 5  # the first answers of a burst are within KIOSK_BURST_COUNT, so not flagged
# Responses whose channel and comment are set, so a small seed still has every kind of them.
SHOWCASE = {
    2: (ResponseChannel.WEB, "reply"),
    5: (ResponseChannel.PAPER, "bad"),
    9: (ResponseChannel.KIOSK, "bad"),
    13: (ResponseChannel.KIOSK, "good"),
}


@dataclass
class ActivityResult:
    """What `seed_responses` added (nothing that was already there)."""

    responses: int = 0
    cases: int = 0
    calls: int = 0
    sms: int = 0
    box_openings: int = 0
    book_entries: int = 0
    dossier_rows: int = 0

    def __str__(self) -> str:
        return (
            f"cases {self.cases}, hotline calls {self.calls}, SMS {self.sms}, box openings "
            f"{self.box_openings}, comment-book entries {self.book_entries}, dossier figures "
            f"{self.dossier_rows} desk-months"
        )


@dataclass
class _Desk:
    index: int
    id: int
    unit_id: int
    code: str  # its unit's code
    weight: float  # share of the district's citizens
    quality: float  # added to every citizen's mood here
    late_share: float  # of dossiers resolved late
    ratio: float  # dossiers resolved per response
    ward: bool  # a commune's desk (not the district's own)
    counters: list[tuple[int, int | None]]  # (counter id, kiosk id), by code
    officers: list[int]  # by id
    officer_names: list[str]


def seed_responses(n: int, start: date, end: date, seed: int = 1) -> ActivityResult:
    """N synthetic ratings between two days, with the cases their comments open, box openings
    and their slips, comment-book entries, walk-in cases, hotline calls and SMS, and the desks'
    monthly dossier figures. Deterministic for a seed; already present rows are skipped. The
    responses are left for the rollups (the caller brings them up to date after committing)."""
    activity = _Activity(n, start, end, seed)
    activity.ratings()
    activity.box_openings()
    activity.books()
    activity.walk_ins()
    activity.hotline()
    activity.dossier_figures()
    return activity.result


_RESERVE_IDS = text(
    "SELECT nextval(pg_get_serial_sequence(:name, 'id')) FROM generate_series(1, :n)"
)


def fold_into_rollups() -> int:
    """Count the seeded responses into the rollups, so the first summary has nothing to fold;
    returns how many. A summary folds what it finds BATCH_SIZE (20,000) at a time, which suits
    the few responses it ever finds; but each fold also reads through the whole answers table
    (both databases plan the join from the answers, not from the batch), so a bulk load folded
    that way makes a pass over the table per 20,000 responses: 70 s rather than 16 s for
    300,000 responses on SQLite, and growing with the square of N. Here FOLD_BATCH at a time,
    each in its own transaction (rollups.fold_batch), then rollups.bring_up_to_date()."""
    from .reports import rollups

    folded = 0
    with db.engine.connect() as sql:
        while True:
            with sql.begin():
                batch = rollups.fold_batch(sql, FOLD_BATCH)
            folded += batch
            if batch < FOLD_BATCH:
                break
    return folded + rollups.bring_up_to_date()


def _write(model, rows: list[dict], returning: bool = False) -> list[int]:
    """One executemany INSERT of plain rows into a model's table, and the new ids in the rows'
    order when asked. Core on the table, not the ORM's bulk path: that one splits the rows into
    a statement per set of columns left empty, and splices the RETURNING rows back together
    one by one (minutes for 300,000 responses)."""
    if not rows:
        return []
    table = model.__table__
    if not returning:
        db.session.execute(insert(table), rows)
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        # Ids reserved from the table's own sequence (safe beside other writers), then a plain
        # executemany, which psycopg pipelines: a multi-row INSERT … RETURNING of thousands of
        # parameters spends most of its time in psycopg parsing the statement.
        ids = list(db.session.scalars(_RESERVE_IDS, {"name": table.name, "n": len(rows)}))
        for row, new_id in zip(rows, ids, strict=True):
            row["id"] = new_id
        db.session.execute(insert(table), rows)
        return ids
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.execute(statement, rows).scalars())


def _months(first: date, last: date) -> list[date]:
    month, months = first.replace(day=1), []
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


class _Calendar:
    """Working days (weekends and the calendar's holidays skipped, make-up days counted) over a
    window, read once: the same rule as units.calendar, without a query per case."""

    def __init__(self, first: date, last: date):
        self.first, self.last = first, last
        rows = db.session.execute(
            select(Holiday.day, Holiday.kind).where(Holiday.day.between(first, last))
        ).all()
        self.exceptions = dict(rows)
        self._added: dict[tuple[date, int], date] = {}

    def is_working(self, day: date) -> bool:
        kind = self.exceptions.get(day)
        if kind is not None:
            return kind == HolidayKind.MAKEUP_WORKDAY
        return day.weekday() < 5

    def is_holiday(self, day: date) -> bool:
        return self.exceptions.get(day) == HolidayKind.HOLIDAY

    def add(self, start: date, n: int) -> date:
        """The day n working days after start (start not counted)."""
        key = (start, n)
        found = self._added.get(key)
        if found is None:
            if start > self.last:  # beyond the window: the calendar module reads what it needs
                found = work_calendar.add_working_days(start, n)
            else:
                day, left = start, n
                while left:
                    day += timedelta(days=1)
                    if day > self.last:
                        day = work_calendar.add_working_days(day - timedelta(days=1), left)
                        break
                    left -= self.is_working(day)
                found = day
            self._added[key] = found
        return found

    def next_working(self, day: date) -> date:
        while not self.is_working(day):
            day += timedelta(days=1)
        return day


class _Activity:
    """One run of the demo's activity: the district's character, the days, and the writers."""

    def __init__(self, n: int, start: date, end: date, seed: int):
        self.n, self.start, self.end, self.seed = n, start, end, seed
        self.now = now_utc()
        self.today = local_date(self.now)
        self.last = min(end, self.today) if start <= self.today else end
        self.result = ActivityResult()
        self.prefix = f"demo:{seed}:"
        self.instrument = instruments.active_instrument() or instruments.seed_default()[0]
        self._load_calendar()
        self.desks = self._desks()
        self.ward_units = [d.unit_id for d in self.desks if d.ward]
        self.unit_codes = dict(db.session.execute(select(AdminUnit.id, AdminUnit.code)).all())
        self.users = dict(
            db.session.execute(
                select(User.username, User.id).where(
                    User.username.in_([a[0] for a in DEMO_ACCOUNTS])
                )
            ).all()
        )
        self.manager_unit = db.session.scalar(
            select(User.unit_id).where(User.username == "manager")
        )
        self.policies = work_calendar.deadline_policies()
        self.tallies: dict[tuple[int, date], int] = defaultdict(int)
        self._days()
        self._codes: set[str] | None = None
        self.secret = str(current_app.config.get("SECRET_KEY") or "").encode()
        self.paper_kinds = iter(KIND_SHOWCASE)

    # --- the district's character and calendar -------------------------------------------------

    def _load_calendar(self) -> None:
        """The public holidays of the years covered (desks are closed on them), then the days."""
        for year in range(self.start.year, self.end.year + 2):
            if work_calendar.FIRST_YEAR <= year <= work_calendar.LAST_YEAR:
                work_calendar.load_year(year)
        self.calendar = _Calendar(self.start - timedelta(days=7), self.end + timedelta(days=120))

    def _desks(self) -> list[_Desk]:
        from .models import Counter, Officer

        rows = db.session.execute(
            select(ServicePoint.id, ServicePoint.unit_id, AdminUnit.code, AdminUnit.level)
            .join(AdminUnit, AdminUnit.id == ServicePoint.unit_id)
            .where(ServicePoint.active)
            .order_by(ServicePoint.id)
        ).all()
        kiosks = dict(
            db.session.execute(
                select(Kiosk.counter_id, func.min(Kiosk.id))
                .where(Kiosk.active)
                .group_by(Kiosk.counter_id)
            ).all()
        )
        counters = defaultdict(list)
        for counter_id, desk_id in db.session.execute(
            select(Counter.id, Counter.service_point_id)
            .where(Counter.active)
            .order_by(Counter.service_point_id, Counter.code)
        ):
            counters[desk_id].append((counter_id, kiosks.get(counter_id)))
        officers = defaultdict(list)
        for officer_id, desk_id, name in db.session.execute(
            select(Officer.id, Officer.service_point_id, Officer.name)
            .where(Officer.active)
            .order_by(Officer.id)
        ):
            officers[desk_id].append((officer_id, name))
        # The district's character: from the seed alone, never from N or the dates.
        shape = random.Random(f"{self.prefix}shape")  # noqa: S311 - reproducible demo data
        wards = [i for i, row in enumerate(rows) if row.level == UnitLevel.COMMUNE]
        picked = shape.sample(wards, min(3, len(wards)))
        special = dict(zip(picked, (0.45, -0.55, -0.4), strict=False))
        desks = []
        for i, row in enumerate(rows):
            quality = special.get(i, shape.uniform(-0.15, 0.15))
            district_desk = row.level != UnitLevel.COMMUNE
            desks.append(
                _Desk(
                    index=i,
                    id=row.id,
                    unit_id=row.unit_id,
                    code=row.code,
                    weight=2.2 if district_desk else shape.uniform(0.7, 1.3),
                    quality=quality,
                    late_share=min(0.3, 0.015 + 0.14 * max(0.0, -quality)),
                    ratio=shape.uniform(3.3, 5.7),
                    ward=not district_desk,
                    counters=counters[row.id],
                    officers=[o for o, _name in officers[row.id]],
                    officer_names=[name for _o, name in officers[row.id]],
                )
            )
        everyone = [o for d in desks for o in d.officers]
        self.officer_effect = {o: shape.uniform(-0.15, 0.2) for o in everyone}
        # The weak officers work at ordinary desks, where they stand out beside their colleague.
        ordinary = [o for i, d in enumerate(desks) if i not in picked for o in d.officers]
        weak = shape.sample(ordinary or everyone, min(2, len(ordinary or everyone)))
        for officer, effect in zip(weak, (-0.9, -0.6), strict=False):
            self.officer_effect[officer] = effect
        return [d for d in desks if d.counters]

    def _days(self) -> None:
        """The days citizens come (working days, Saturday mornings), and the desks' weights."""
        days, weights = [], []
        day = self.start
        while day <= self.last:
            saturday = day.weekday() == 5 and not self.calendar.is_holiday(day)
            if self.calendar.is_working(day) or saturday:
                days.append(day)
                weights.append(1.0 if self.calendar.is_working(day) else SATURDAY_WEIGHT)
            day += timedelta(days=1)
        if not days:  # a range of holidays only: spread over it all the same
            days = [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]
            weights = [1.0] * len(days)
        self.day_list = days
        self.day_cum = list(accumulate(weights))
        self.desk_cum = list(accumulate(d.weight for d in self.desks))
        self._hours: dict[tuple[date, int], datetime] = {}

    def _hour(self, day: date, hour: int) -> datetime:
        """The stored hour (UTC) of a local hour; never later than now."""
        key = (day, hour)
        found = self._hours.get(key)
        if found is None:
            found = datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC)
            if found > self.now:
                found = self.now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
            self._hours[key] = found
        return found

    # --- ratings ---------------------------------------------------------------------------------

    def ratings(self) -> None:
        """N responses, written CHUNK at a time."""
        questions = [q for q in self.instrument.questions if q.kind != QuestionKind.TEXT]
        self.likert = [
            (
                q.id,
                QUESTION_OFFSETS.get(q.code, -0.1),
                OFFICER_WEIGHT.get(q.code, 0.6),
                q.allows_no_opinion,
                q.required,
            )
            for q in questions
            if q.kind == QuestionKind.LIKERT5
        ]
        self.overall_id = next(
            (q.id for q in questions if q.kind == QuestionKind.LIKERT5 and q.factor == "overall"),
            None,
        )
        self.scored = [
            (q.id, sorted(q.options, key=lambda o: -(o.get("points") or 0)))
            for q in questions
            if q.kind == QuestionKind.CHOICE_SCORED and q.options
        ]
        by_code = {q.code: q for q in self.instrument.questions}
        self.comment_id = by_code["comment"].id if "comment" in by_code else None
        want = by_code.get("want_reply")
        self.want_reply = (
            (want.id, {o["code"]: o.get("points") for o in want.options}) if want else None
        )
        reasons = by_code.get(REASONS)
        self.reasons = (
            (reasons.id, [o["code"] for o in reasons.options])
            if reasons is not None and reasons.kind == QuestionKind.MULTI_CHOICE
            else None
        )
        stream = random.Random(self.seed)  # noqa: S311 - reproducible demo data, not a secret
        # Reasons, partial answers and abandoned surveys draw from a stream of their own, so
        # that the ratings a seed gave before they existed stay the same.
        self.extra = random.Random(self.seed + 1)  # noqa: S311 - as above
        self.abandons: list[dict] = []
        self.burst: dict | None = None
        for first in range(0, self.n, CHUNK):
            batch = [self._response(stream, i) for i in range(first, min(self.n, first + CHUNK))]
            self._store_responses(batch)
        self._store_abandons()

    def _response(self, rng: random.Random, i: int) -> tuple[dict, list, dict | None]:
        """One response: its row, its answers (question id, value, option, text), its case."""
        client_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if self.burst is None and i % BURST_EVERY == BURST_AT:
            desk = self.desks[bisect.bisect(self.desk_cum, rng.random() * self.desk_cum[-1])]
            slot = rng.randrange(len(desk.counters))
            counter_id, kiosk_id = desk.counters[slot]
            day = self.day_list[bisect.bisect(self.day_cum, rng.random() * self.day_cum[-1])]
            self.burst = {
                "officer": self._on_duty(desk, slot, day),
                "left": rng.randint(8, 14),
                "done": 0,
                "desk": desk,
                "counter": counter_id,
                "kiosk": kiosk_id,
                "hour": self._hour(day, rng.choice(WEEKDAY_HOURS[0])),
                "value": 5 if rng.random() < 0.7 else 1,
            }
        if self.burst is not None:
            return self._burst_response(client_uuid)
        desk = self.desks[bisect.bisect(self.desk_cum, rng.random() * self.desk_cum[-1])]
        day = self.day_list[bisect.bisect(self.day_cum, rng.random() * self.day_cum[-1])]
        hours, weights = SATURDAY_HOURS if day.weekday() == 5 else WEEKDAY_HOURS
        hour = rng.choices(hours, weights)[0]
        showcase = SHOWCASE.get(i)
        pick = rng.random()
        channel = ResponseChannel.WEB
        for candidate, share in CHANNELS:
            if pick < share:
                channel = candidate
                break
            pick -= share
        if showcase:
            channel = showcase[0]
        slot = rng.randrange(len(desk.counters))
        counter_id, kiosk_id = desk.counters[slot]
        officer = self._on_duty(desk, slot, day)
        effect = self.officer_effect.get(officer, 0.0)
        mood = MOOD + desk.quality + rng.gauss(0.0, 0.7)
        answers = []
        overall = None
        skipped = False
        for question_id, offset, weight, no_opinion, required in self.likert:
            if not required and rng.random() < 0.15:
                skipped = True
                continue  # an optional question left out
            if no_opinion and rng.random() < NO_OPINION_RATE:
                answers.append((question_id, None, "no_opinion", None))
                continue
            value = round(mood + offset + weight * effect + rng.gauss(0.0, 0.5))
            value = 1 if value < 1 else 5 if value > 5 else value
            if question_id == self.overall_id:
                overall = value
            answers.append((question_id, value, None, None))
        if self.scored and rng.random() < 0.8:
            top = min(0.95, max(0.4, 0.72 + 0.3 * desk.quality))
            for question_id, options in self.scored:
                pick = rng.random()
                if pick < top or len(options) == 1:
                    option = options[0]
                elif pick < top + (1 - top) * 0.7 or len(options) == 2:
                    option = options[1]
                else:
                    option = options[-1]
                answers.append((question_id, option.get("points"), option["code"], None))
        comment, case = self._comment(rng, overall, showcase)
        row = {
            "client_uuid": client_uuid,
            "instrument_id": self.instrument.id,
            "channel": channel,
            "service_point_id": desk.id,
            "counter_id": counter_id if channel != ResponseChannel.WEB else None,
            # Only a kiosk rating is given while its officer serves; paper is typed in later.
            "officer_id": officer if channel == ResponseChannel.KIOSK else None,
            "kiosk_id": kiosk_id if channel == ResponseChannel.KIOSK else None,
            "dossier_code": None,
            "procedure_code": None,
            "submitted_hour": self._hour(day, hour),
            "language": "vi" if rng.random() < 0.95 else "en",
            "suspicious": False,
            "case_id": None,
            "reply": {"case_code": None},
            "rolled_up": False,
            "commented": False,
            "partial": False,
        }
        if channel == ResponseChannel.KIOSK and rng.random() < 0.3:
            row["dossier_code"] = f"H26.{desk.code}-{day:%y%m%d}-{rng.randrange(1, 400):04d}"
        if channel == ResponseChannel.KIOSK:
            self._kiosk_extras(row, answers, overall, skipped, desk, kiosk_id, day)
        if comment is not None:
            text, kind, wants = comment
            if self.comment_id is not None:
                answers.append((self.comment_id, None, None, text))
                row["commented"] = True
            if self.want_reply is not None:
                question_id, points = self.want_reply
                code = "yes" if wants else "no"
                answers.append((question_id, points.get(code), code, None))
            if case is not None:
                case = {
                    "key": f"response:{client_uuid}",
                    "channel": CASE_CHANNEL[channel],
                    "kind": kind,
                    "received_at": row["submitted_hour"],
                    "desk": desk,
                    "unit_id": desk.unit_id,
                    "content": text,
                    "sender_phone": f"09{rng.randrange(10**8):08d}" if wants else None,
                }
        self.tallies[desk.index, day.replace(day=1)] += 1
        return row, answers, case

    def _kiosk_extras(self, row, answers, overall, skipped, desk, kiosk_id, day) -> None:
        """What the one-tap kiosk adds: the reasons behind a low rating (one ward's waiting
        time stands out), a walk-away now and then, and surveys left with no rating at all."""
        extra = self.extra
        row["partial"] = skipped and extra.random() < 0.5
        if self.reasons is not None and overall is not None and overall <= 2:
            question_id, codes = self.reasons
            weights = [3 if code == "wait_time" and desk.index % 4 == 1 else 1 for code in codes]
            chosen = {extra.choices(codes, weights)[0] for _ in range(extra.randint(1, 2))}
            answers.extend((question_id, None, code, None) for code in sorted(chosen))
        if kiosk_id is not None and extra.random() < 0.08:
            self.abandons.append(
                {
                    "client_uuid": str(uuid.UUID(int=extra.getrandbits(128), version=4)),
                    "kiosk_id": kiosk_id,
                    "day": day,
                    "invited": extra.random() < 0.4,
                }
            )

    def _store_abandons(self) -> None:
        """The surveys left with no rating, skipping any a previous run stored."""
        uuids = [row["client_uuid"] for row in self.abandons]
        known: set[str] = set()
        # In slices: one IN list of them all passes PostgreSQL's 65,535 parameters at about
        # 3,000,000 responses.
        for first in range(0, len(uuids), CHUNK):
            known.update(
                db.session.scalars(
                    select(KioskAbandon.client_uuid).where(
                        KioskAbandon.client_uuid.in_(uuids[first : first + CHUNK])
                    )
                )
            )
        fresh = [row for row in self.abandons if row["client_uuid"] not in known]
        for first in range(0, len(fresh), 5 * CHUNK):
            _write(KioskAbandon, fresh[first : first + 5 * CHUNK])

    @staticmethod
    def _on_duty(desk: _Desk, slot: int, day: date) -> int | None:
        """Who serves at a desk's counter on a day: its officers swap counters every week."""
        if not desk.officers:
            return None
        week = day.isocalendar()[1]
        return desk.officers[(slot + week + desk.index) % len(desk.officers)]

    def _comment(self, rng: random.Random, overall: int | None, showcase):
        """(text, kind, wants a reply) of a comment, if any, and whether it opens a case."""
        mood = showcase[1] if showcase else None
        if mood is None:
            chance = 0.3 if overall is not None and overall <= 2 else 0.05
            if rng.random() >= chance:
                return None, None
        low = overall is not None and overall <= 2
        if mood == "bad" or (mood is None and low):
            pool = COMMENTS_BAD
        elif mood == "good" or (mood is None and (overall or 0) >= 4 and rng.random() < 0.6):
            pool = COMMENTS_GOOD
        else:
            pool = COMMENTS_NEUTRAL
        text, kind = rng.choice(pool)
        wants = rng.random() < 0.3 or mood == "reply" or (mood == "bad" and not low)
        # As the app decides: a comment needs an answer when its author asked for one, or
        # rated the service 1–2 overall.
        return (text, kind, wants), (True if wants or low else None)

    def _burst_response(self, client_uuid: str) -> tuple[dict, list, None]:
        """Answers typed in a hurry on one tablet: all the same, the later ones flagged."""
        burst = self.burst
        value = burst["value"]
        answers = [
            (question_id, value, None, None)
            for question_id, _offset, _weight, _no, required in self.likert
            if required
        ]
        row = {
            "client_uuid": client_uuid,
            "instrument_id": self.instrument.id,
            "channel": ResponseChannel.KIOSK,
            "service_point_id": burst["desk"].id,
            "counter_id": burst["counter"],
            "officer_id": burst["officer"],
            "kiosk_id": burst["kiosk"],
            "dossier_code": None,
            "procedure_code": None,
            "submitted_hour": burst["hour"],
            "language": "vi",
            "suspicious": burst["done"] >= BURST_FREE,
            "case_id": None,
            "reply": {"case_code": None},
            "rolled_up": False,
            "commented": False,
            "partial": False,
        }
        if not row["suspicious"]:
            month = local_date(burst["hour"]).replace(day=1)
            self.tallies[burst["desk"].index, month] += 1
        burst["done"] += 1
        burst["left"] -= 1
        if burst["left"] == 0:
            self.burst = None
        return row, answers, None

    def _store_responses(self, batch: list) -> None:
        """Write the new responses of a batch, their cases first (a response names its case)."""
        uuids = [row["client_uuid"] for row, _answers, _case in batch]
        known = set(
            db.session.scalars(select(Response.client_uuid).where(Response.client_uuid.in_(uuids)))
        )
        fresh = [item for item in batch if item[0]["client_uuid"] not in known]
        if not fresh:
            return
        plans = [(row, case) for row, _answers, case in fresh if case is not None]
        refs = self._insert_cases([case for _row, case in plans])
        for (row, _case), (case_id, code) in zip(plans, refs, strict=True):
            row["case_id"], row["reply"] = case_id, {"case_code": code}
        ids = _write(Response, [row for row, _answers, _case in fresh], returning=True)
        rows = [
            {
                "response_id": response_id,
                "question_id": question_id,
                "value": value,
                "option_code": option,
                "text": text,
            }
            for response_id, (_row, answers, _case) in zip(ids, fresh, strict=True)
            for question_id, value, option, text in answers
        ]
        for first in range(0, len(rows), 5 * CHUNK):
            _write(Answer, rows[first : first + 5 * CHUNK])
        self.result.responses += len(fresh)

    # --- cases -----------------------------------------------------------------------------------

    def _code(self, key: str) -> str:
        """A tracking code for a demo case: the same for the same seed on this installation (a
        keyed hash, so nobody without the secret key can work codes out), unique."""
        from .cases import service as cases

        if self._codes is None:
            self._codes = set(db.session.scalars(select(Case.code)))
        alphabet = cases.CODE_ALPHABET
        attempt = 0
        while True:
            digest = hmac.new(self.secret, f"{key}:{attempt}".encode(), hashlib.sha256).digest()
            code = "".join(alphabet[b % len(alphabet)] for b in digest[: cases.CODE_LENGTH])
            if code not in self._codes:
                self._codes.add(code)
                return code
            attempt += 1

    def _known_keys(self, *prefixes: str) -> set[str]:
        """Intake keys of cases already made with these prefixes."""
        found = set()
        for prefix in prefixes:
            found.update(
                db.session.scalars(
                    select(Case.intake_key).where(Case.intake_key.like(prefix + "%"))
                )
            )
        return found

    def _insert_cases(self, plans: list[dict]) -> list[tuple[int, str]]:
        """Write cases with their history; (id, code) of each, in order."""
        refs = []
        for first in range(0, len(plans), CASE_CHUNK):
            part = [self._case(plan) for plan in plans[first : first + CASE_CHUNK]]
            ids = _write(Case, [row for row, _events in part], returning=True)
            events = [
                {**event, "case_id": case_id}
                for case_id, (_row, case_events) in zip(ids, part, strict=True)
                for event in case_events
            ]
            _write(CaseEvent, events)
            refs += [(case_id, row["code"]) for case_id, (row, _e) in zip(ids, part, strict=True)]
        self.result.cases += len(refs)
        return refs

    def _case(self, plan: dict) -> tuple[dict, list[dict]]:
        """A case's columns and history: received, classified, assigned, answered on time or
        late (or still open, perhaps overdue), published, closed, rated by the citizen; or
        rejected, or forwarded (khiếu nại and tố cáo always are)."""
        from .cases import service as cases
        from .models.cases import ROUTED_KINDS

        rng = random.Random(self.prefix + plan["key"])  # noqa: S311 - reproducible demo data
        kind, channel = plan["kind"], plan["channel"]
        received = plan["received_at"]
        start = local_date(received)
        routed = kind in ROUTED_KINDS
        # A clerk typing in a slip, a book entry or what a citizen said at the desk gives its
        # kind; anything else arrives as phản ánh and gets its kind when classified.
        initial = kind if plan.get("typed") else CaseKind.FEEDBACK
        first_step = "forward" if initial in ROUTED_KINDS else "classify"
        classify_due = self.calendar.add(start, self.policies[first_step])
        answer_due = self.calendar.add(start, self.policies["answer"])
        code = self._code(plan["key"])
        desk = plan.get("desk")
        clerk, reform = self.users.get("clerk"), self.users.get("reform")
        receiver = {
            CaseChannel.BOX: clerk,
            CaseChannel.BOOK: clerk,
            CaseChannel.WALK_IN: clerk,
            CaseChannel.HOTLINE_CALL: self.users.get("hotline") if plan.get("logged") else None,
        }.get(channel)
        row = {
            "code": code,
            "keypad_code": cases.keypad_digits(code),
            "channel": channel,
            "kind": initial,
            "status": CaseStatus.RECEIVED,
            "received_at": received,
            "service_point_id": desk.id if desk else None,
            "unit_id": plan["unit_id"],
            "subject": "",
            "content": plan["content"],
            "sender_name": plan.get("sender_name"),
            "sender_phone": plan.get("sender_phone"),
            "sender_address": None,
            "classify_due": classify_due,
            "answer_due": answer_due,
            "due_on": classify_due,
            "answer": None,
            "answered_at": None,
            "closed_at": None,
            "published": False,
            "verdict": None,
            "verdict_at": None,
            "reject_reason": None,
            "forwarded_to": None,
            "box_opening_id": plan.get("box_opening_id"),
            "slip_number": plan.get("slip_number"),
            "book_id": plan.get("book_id"),
            "book_entry_number": plan.get("book_entry_number"),
            "book_page": plan.get("book_page"),
            "intake_key": plan["key"],
            "created_at": received,
            "updated_at": received,
        }
        events: list[dict] = []
        clock_ = [received]

        def event(at, actor, action, to=None, note="", **detail) -> bool:
            """Add a step at `at` (after the one before); False when that is still to come."""
            at = max(at, clock_[0] + timedelta(minutes=1)) if events else at
            if at > self.now:
                return False
            before = row["status"]
            if to is not None:
                row["status"] = to
            events.append(
                {
                    "at": at,
                    "actor_id": actor,
                    "action": action,
                    "from_status": before.value if to is not None and events else None,
                    "to_status": to.value if to is not None else None,
                    "note": note,
                    "detail": detail,
                }
            )
            clock_[0] = row["updated_at"] = at
            return True

        def on(days: int) -> datetime:
            day = self.calendar.add(start, days) if days else start
            local = datetime.combine(day, time(rng.randint(8, 16), rng.randrange(60)), LOCAL_TZ)
            return local.astimezone(UTC)

        event(received, receiver, "received", CaseStatus.RECEIVED)
        stays_open = rng.random() < 0.04
        step = on(rng.choice((0, 1, 1, 2, 3)))
        if stays_open and rng.random() < 0.3 or step > self.now:
            return self._finish(row), events  # not even classified yet
        row["kind"] = kind
        row["subject"] = rng.choice(SUBJECTS[kind])
        event(step, clerk, "classified", CaseStatus.CLASSIFIED, kind=[initial, kind])
        if routed:
            if not stays_open:
                row["forwarded_to"] = ROUTED_AGENCY
                if event(step, clerk, "forwarded", CaseStatus.FORWARDED, agency=ROUTED_AGENCY):
                    row["closed_at"] = clock_[0]
            return self._finish(row), events
        outcome = rng.random()
        if outcome < 0.03:
            reason = rng.choice(REJECT_REASONS)
            if event(step, clerk, "rejected", CaseStatus.REJECTED, reason):
                row["reject_reason"], row["closed_at"] = reason, clock_[0]
            return self._finish(row), events
        if outcome < 0.06:
            agency = rng.choice(OTHER_AGENCIES)
            if event(step, clerk, "forwarded", CaseStatus.FORWARDED, agency=agency):
                row["forwarded_to"], row["closed_at"] = agency, clock_[0]
            return self._finish(row), events
        unit_id = plan["unit_id"]
        if plan.get("district") and self.ward_units and rng.random() < 0.5:
            unit_id = rng.choice(self.ward_units)
        codes = self.unit_codes
        moved = [codes.get(row["unit_id"]), codes.get(unit_id)]
        event(step, reform, "assigned", CaseStatus.ASSIGNED, unit=moved)
        row["unit_id"] = unit_id
        if stays_open:
            return self._finish(row), events
        answer_days = self.policies["answer"]
        quality = desk.quality if desk else plan.get("quality", 0.0)
        late = rng.random() < 0.06 + 0.3 * max(0.0, -quality)
        days = (
            rng.randint(answer_days + 1, answer_days + 8)
            if late
            else rng.randint(1, max(1, answer_days))
        )
        answerer = self.users.get("manager") if unit_id == self.manager_unit else reform
        text = rng.choice(ANSWERS[kind])
        if not event(on(days), answerer, "answered", CaseStatus.ANSWERED, text):
            return self._finish(row), events
        row["answer"], row["answered_at"] = text, clock_[0]
        published = rng.random() < 0.7
        if published and event(clock_[0], answerer, "published"):
            row["published"] = True
        if rng.random() < 0.8:
            closed = clock_[0] + timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 5))
            if event(closed, answerer, "closed", CaseStatus.CLOSED):
                row["closed_at"] = clock_[0]
        if row["published"] and rng.random() < 0.55:
            satisfied = rng.random() < (0.6 if late else 0.9)
            verdict = CaseVerdict.SATISFIED if satisfied else CaseVerdict.DISSATISFIED
            at = row["answered_at"] + timedelta(hours=rng.randint(2, 24 * 10))
            if event(at, None, "verdict", verdict=verdict.value, previous=None):
                row["verdict"], row["verdict_at"] = verdict, clock_[0]
        return self._finish(row), events

    @staticmethod
    def _finish(row: dict) -> dict:
        """Due date and search text as the case now stands."""
        from .models.cases import OPEN_STATUSES
        from .privacy import normalise_for_search

        status = row["status"]
        if status not in OPEN_STATUSES:
            row["due_on"] = None
        else:
            row["due_on"] = (
                row["classify_due"] if status == CaseStatus.RECEIVED else row["answer_due"]
            )
        parts = (row["code"], row["subject"], row["content"], row["sender_name"] or "")
        row["search_text"] = normalise_for_search(" ".join(p for p in parts if p))
        return row

    def _month_volume(self, desk: _Desk, day: date) -> int:
        return self.tallies.get((desk.index, day.replace(day=1)), 0)

    def _paper_kind(self, rng: random.Random, weights) -> CaseKind:
        """The first paper cases show every kind; then as citizens write them."""
        kind = next(self.paper_kinds, None)
        return kind if kind is not None else rng.choices(*weights)[0]

    # --- paper: box openings, comment books, walk-ins ---------------------------------------

    def box_openings(self) -> None:
        """Each desk's suggestion box opened about every four weeks before witnesses, its slips
        typed in (the latest opening perhaps still being typed in)."""
        known = set(
            db.session.scalars(
                select(BoxOpening.intake_key).where(BoxOpening.intake_key.like(self.prefix + "%"))
            )
        )
        openings, slips = [], []
        for desk in self.desks:
            rng = random.Random(f"{self.prefix}box:{desk.code}")  # noqa: S311 - demo data
            day = self.start + timedelta(days=rng.randint(7, 27))
            number = 0
            while day <= self.last:
                number += 1
                day = self.calendar.next_working(day)
                local = datetime.combine(day, time(rng.randint(9, 15), rng.choice((0, 30))))
                opened_at = local.replace(tzinfo=LOCAL_TZ).astimezone(UTC)
                counted = rng.randint(0, 2) + min(10, self._month_volume(desk, day) // 700)
                recent = self.now - opened_at < timedelta(days=3)
                entered, reason = counted, None
                if recent and counted:
                    entered = rng.randint(0, counted - 1)
                elif counted and rng.random() < 0.1:
                    entered, reason = counted - 1, BOX_DISCREPANCY
                closed_at = None if recent else opened_at + timedelta(days=rng.randint(1, 3))
                key = f"{self.prefix}box:{desk.code}:{number}"
                texts = [self._slip(rng) for _ in range(entered)]
                day += timedelta(days=rng.randint(24, 35))
                if opened_at > self.now or key in known:
                    continue
                witnesses = [*desk.officer_names[:2], "Đại diện Ban Thanh tra nhân dân"]
                openings.append(
                    {
                        "service_point_id": desk.id,
                        "box_label": "Hòm thư góp ý tầng 1",
                        "opened_at": opened_at,
                        "witnesses": "\n".join(witnesses),
                        "slips_counted": counted,
                        "status": BoxStatus.OPEN if closed_at is None else BoxStatus.CLOSED,
                        "closed_at": min(closed_at, self.now) if closed_at else None,
                        "discrepancy_reason": reason,
                        "opened_by_id": self.users.get("clerk"),
                        "intake_key": key,
                        "created_at": opened_at,
                    }
                )
                slips.append((desk, key, opened_at, texts))
        if not openings:
            return
        ids = _write(BoxOpening, openings, returning=True)
        plans = [
            {
                "key": f"{key}:slip:{number}",
                "channel": CaseChannel.BOX,
                "typed": True,
                "kind": kind,
                "received_at": opened_at,
                "desk": desk,
                "unit_id": desk.unit_id,
                "content": text,
                "sender_name": name,
                "box_opening_id": opening_id,
                "slip_number": number,
            }
            for opening_id, (desk, key, opened_at, texts) in zip(ids, slips, strict=True)
            for number, (kind, text, name) in enumerate(texts, start=1)
        ]
        self._insert_cases(plans)
        self.result.box_openings += len(openings)

    def _slip(self, rng: random.Random) -> tuple[CaseKind, str, str | None]:
        kind = self._paper_kind(rng, PAPER_KIND_WEIGHTS)
        name = (
            rng.choice(("Nguyễn Văn Bình", "Trần Thị Hà", "Lê Văn Tâm"))
            if rng.random() < 0.3
            else None
        )
        return kind, rng.choice(PAPER_TEXTS[kind]), name

    def books(self) -> None:
        """Each desk's comment book of every year covered, its entries numbered from 1. A book
        that already has entries is left as it is (its numbering must stay continuous)."""
        years = range(self.start.year, self.last.year + 1)
        books = {
            (desk_id, year): (book_id, entries)
            for desk_id, year, book_id, entries in db.session.execute(
                select(
                    CommentBook.service_point_id,
                    CommentBook.year,
                    CommentBook.id,
                    func.count(Case.id),
                )
                .outerjoin(Case, Case.book_id == CommentBook.id)
                .where(CommentBook.year.in_(list(years)))
                .group_by(CommentBook.service_point_id, CommentBook.year, CommentBook.id)
            )
        }
        plans = []
        for desk in self.desks:
            for year in years:
                rng = random.Random(f"{self.prefix}book:{desk.code}:{year}")  # noqa: S311
                days = []
                for month in _months(
                    max(self.start, date(year, 1, 1)), min(self.last, date(year, 12, 31))
                ):
                    count = rng.randint(0, 1) + min(6, self._month_volume(desk, month) // 1500)
                    first = max(month, self.start)
                    last = min(
                        (month + timedelta(days=32)).replace(day=1) - timedelta(days=1), self.last
                    )
                    span = (last - first).days
                    for _entry in range(count):
                        day = self.calendar.next_working(first + timedelta(rng.randint(0, span)))
                        days.append(min(day, last))
                days.sort()
                if not days:
                    continue
                found = books.get((desk.id, year))
                if found is not None and found[1]:
                    continue
                book_id = found[0] if found else self._open_book(desk, year)
                for number, day in enumerate(days, start=1):
                    kind = self._paper_kind(rng, BOOK_KIND_WEIGHTS)
                    plans.append(
                        {
                            "key": f"{self.prefix}book:{desk.code}:{year}:{number}",
                            "channel": CaseChannel.BOOK,
                            "typed": True,
                            "kind": kind,
                            # As the intake form records it: the local midnight of the day written.
                            "received_at": datetime.combine(day, time(), LOCAL_TZ).astimezone(UTC),
                            "desk": desk,
                            "unit_id": desk.unit_id,
                            "content": rng.choice(PAPER_TEXTS[kind]),
                            "sender_name": rng.choice(("Phạm Văn Lực", "Đỗ Thị Xuân", None)),
                            "book_id": book_id,
                            "book_entry_number": number,
                            "book_page": 1 + (number - 1) // 3,
                        }
                    )
        self._insert_cases(plans)
        self.result.book_entries += len(plans)

    def _open_book(self, desk: _Desk, year: int) -> int:
        opened = datetime.combine(date(year, 1, 2), time(8), LOCAL_TZ).astimezone(UTC)
        closed = None
        if year < self.today.year:
            closed = datetime.combine(date(year, 12, 31), time(17), LOCAL_TZ).astimezone(UTC)
        book = CommentBook(
            service_point_id=desk.id, year=year, opened_at=min(opened, self.now), closed_at=closed
        )
        db.session.add(book)
        db.session.flush()
        return book.id

    def walk_ins(self) -> None:
        """Citizens who come to the desk to say something in person (tiếp công dân)."""
        known = self._known_keys(f"{self.prefix}walk_in:")
        plans = []
        for desk in self.desks:
            rng = random.Random(f"{self.prefix}walk_in:{desk.code}")  # noqa: S311 - demo data
            for month in _months(self.start, self.last):
                count = rng.randint(0, 1) + self._month_volume(desk, month) // 2500
                for number in range(count):
                    span = max(
                        0,
                        (min(self.last, month + timedelta(days=27)) - max(month, self.start)).days,
                    )
                    day = self.calendar.next_working(
                        max(month, self.start) + timedelta(days=rng.randint(0, span))
                    )
                    received = datetime.combine(day, time(rng.randint(8, 16)), LOCAL_TZ)
                    kind = rng.choices(*WALK_IN_KIND_WEIGHTS)[0]
                    key = f"{self.prefix}walk_in:{desk.code}:{month:%Y-%m}:{number}"
                    text = rng.choice(PAPER_TEXTS[kind])
                    name = "Nguyễn Thị Minh" if rng.random() < 0.5 else None
                    # Every draw is made before this: a skipped case leaves the others as they were.
                    if key in known or received.astimezone(UTC) > self.now:
                        continue
                    plans.append(
                        {
                            "key": key,
                            "channel": CaseChannel.WALK_IN,
                            "typed": True,
                            "kind": kind,
                            "received_at": received.astimezone(UTC),
                            "desk": desk,
                            "unit_id": desk.unit_id,
                            "content": text,
                            "sender_name": name,
                        }
                    )
        self._insert_cases(plans)

    # --- hotline ---------------------------------------------------------------------------

    def hotline(self) -> None:
        """Calls (answered, missed, after hours, voicemail) and SMS on the district's line."""
        from .hotline import hours
        from .hotline.service import sms_reply
        from .models import CallOutcome, CallStatus, HotlineCall, Provider, SmsMessage

        line = db.session.scalar(select(HotlineLine).where(HotlineLine.number == DEMO_HOTLINE))
        if line is None:
            return
        operator = self.users.get("hotline")
        district = next((d for d in self.desks if not d.ward), None)
        known_calls = set(
            db.session.scalars(
                select(HotlineCall.provider_id).where(
                    HotlineCall.provider_id.like(self.prefix + "%")
                )
            )
        )
        calls, plans = [], []
        for i in range(max(4, self.n // 100)):
            call_id = f"{self.prefix}call:{i}"
            rng = random.Random(call_id)  # noqa: S311 - reproducible demo data
            kind = ("answered", "missed", "after_hours", "voicemail")[i % 4]
            started = self._call_moment(rng, i, evening=kind in ("after_hours", "voicemail"))
            if call_id in known_calls:
                continue
            provider = Provider.MANUAL if kind == "answered" else Provider.TWILIO
            after_hours = not hours.is_open(started)
            old = started < self.now - timedelta(days=2)
            call = {
                "provider": provider,
                "provider_id": call_id,
                "line_id": line.id if provider is Provider.TWILIO else None,
                "unit_id": line.unit_id,
                "from_number": f"0900{rng.randrange(10**6):06d}",
                "to_number": line.number,
                "direction": "inbound",
                "started_at": started,
                "status": CallStatus.COMPLETED,
                "status_sequence": -1,
                "duration_seconds": rng.randint(40, 400),
                "ivr_choice": "",
                "unknown_start": False,
                "after_hours": after_hours,
                "missed": False,
                "callback_due": None,
                "callback_done_at": None,
                "callback_done_by_id": None,
                "recording_sid": None,
                "recording_url": None,
                "recording_seconds": None,
                "recording_id": None,
                "transcript": None,
                "transcribed_at": None,
                "transcribed_by_id": None,
                "operator_id": None,
                "topic": "",
                "summary": "",
                "outcome": None,
                "case_id": None,
                "created_at": started,
            }
            plan = None
            if kind == "answered":
                topic, summary = rng.choice(HOTLINE_TOPICS)
                call.update(topic=topic, summary=summary, outcome=CallOutcome.INFORMED)
                call["operator_id"] = operator
                if rng.random() < 0.25:
                    call["outcome"] = CallOutcome.CASE_OPENED
                    plan = {"content": f"{topic}. {summary}", "kind": F, "logged": True}
            elif kind == "missed":
                call.update(status=CallStatus.NO_ANSWER, missed=True, duration_seconds=0)
                call["callback_due"] = hours.callback_due(started, after_hours)
            elif kind == "after_hours":
                call["ivr_choice"] = "2"
                call["callback_due"] = hours.callback_due(started, True)
            else:
                seconds = rng.choice(VOICEMAIL_SECONDS)
                transcript, case_kind = rng.choice(HOTLINE_VOICEMAILS)
                call.update(
                    ivr_choice="1",
                    recording_sid=f"{self.prefix}recording:{i}",
                    recording_seconds=seconds,
                    duration_seconds=seconds + 25,  # the menu, then the message
                    callback_due=hours.callback_due(started, after_hours),
                    transcript=transcript if old else None,
                )
                if old:
                    call["transcribed_at"] = call["callback_due"]
                    call["transcribed_by_id"] = operator
                content = (
                    transcript if old else f"Tin nhắn thoại {seconds} giây, chờ ghi lại nội dung."
                )
                plan = {"content": content, "kind": case_kind if old else F, "seconds": seconds}
            if call["callback_due"] is not None and old:
                call["callback_done_at"] = call["callback_due"]
                call["callback_done_by_id"] = operator
            if plan is not None:
                plan.update(
                    key=f"recording:{call_id}" if "seconds" in plan else f"{call_id}:case",
                    channel=CaseChannel.HOTLINE_CALL,
                    received_at=started,
                    desk=None,
                    unit_id=line.unit_id,
                    district=True,
                    sender_phone=call["from_number"],
                    quality=district.quality if district else 0.0,
                )
                plans.append((len(calls), plan))
            calls.append(call)
        refs = self._insert_cases([plan for _i, plan in plans])
        recordings = []
        for (index, plan), (case_id, _code) in zip(plans, refs, strict=True):
            calls[index]["case_id"] = case_id
            if "seconds" in plan:
                recordings.append((index, case_id, plan["seconds"]))
        for index, recording_id in zip(
            [r[0] for r in recordings], self._recordings(recordings), strict=True
        ):
            calls[index]["recording_id"] = recording_id
        _write(HotlineCall, calls)
        self.result.calls += len(calls)

        known_sms = set(
            db.session.scalars(
                select(SmsMessage.provider_id).where(SmsMessage.provider_id.like(self.prefix + "%"))
            )
        )
        messages, plans = [], []
        for i in range(max(3, self.n // 150)):
            message_id = f"{self.prefix}sms:{i}"
            rng = random.Random(message_id)  # noqa: S311 - reproducible demo data
            received = self._call_moment(rng, i, evening=False)
            sender = f"0900{rng.randrange(10**6):06d}"
            text, kind = rng.choice(HOTLINE_SMS)
            if message_id in known_sms:
                continue
            plans.append(
                {
                    "key": f"sms:{Provider.GATEWAY.value}:{message_id}",
                    "channel": CaseChannel.HOTLINE_SMS,
                    "kind": kind,
                    "received_at": received,
                    "desk": None,
                    "unit_id": line.unit_id,
                    "district": True,
                    "content": text,
                    "sender_phone": sender,
                }
            )
            messages.append(
                {
                    "provider": Provider.GATEWAY,
                    "provider_id": message_id,
                    "line_id": line.id,
                    "unit_id": line.unit_id,
                    "from_number": sender,
                    "to_number": line.number,
                    "body": text,
                    "received_at": received,
                    "keyword": None,
                    "reply": None,
                    "case_id": None,
                    "created_at": received,
                }
            )
        with force_locale("vi"):
            for message, (case_id, code) in zip(messages, self._insert_cases(plans), strict=True):
                message["case_id"] = case_id
                message["reply"] = sms_reply(_("Received. Tracking code: %(code)s", code=code))
        _write(SmsMessage, messages)
        self.result.sms += len(messages)

    def _call_moment(self, rng: random.Random, index: int, evening: bool) -> datetime:
        """When a call or message came: the first few on the last day, the others any day (calls
        in the day on days the desks work, calls in the evening any day); never in the future."""
        if index < 4:
            day = self.last
        elif evening:
            day = self.start + timedelta(days=rng.randrange((self.last - self.start).days + 1))
        else:
            day = self.day_list[rng.randrange(len(self.day_list))]
        hour = rng.randint(18, 21) if evening else rng.choice((8, 9, 10, 14, 15, 16))
        when = datetime.combine(day, time(hour, rng.randrange(60)), LOCAL_TZ).astimezone(UTC)
        return when - timedelta(days=1) if when > self.now else when

    def _recordings(self, recordings: list[tuple[int, int, int]]) -> list[int]:
        """An attachment per voicemail: each length's silent recording is stored once (as a
        provider's download would be), and every voicemail of that length points at it."""
        from . import storage

        stored: dict[int, dict] = {}
        rows, ids = [], []
        for _index, case_id, seconds in recordings:
            if seconds not in stored:
                item = storage.store(
                    io.BytesIO(_silent_wav(seconds)), original_name="voicemail.wav", audio=True
                )
                item.case_id = case_id
                stored[seconds] = {
                    "sha256": item.sha256,
                    "content_type": item.content_type,
                    "size": item.size,
                    "original_name": item.original_name,
                }
                db.session.flush()
                ids.append(item.id)
                rows.append(None)
            else:
                ids.append(None)
                rows.append({**stored[seconds], "case_id": case_id, "uploaded_by_id": None})
        fresh = [row for row in rows if row is not None]
        if fresh:
            new_ids = iter(_write(Attachment, fresh, returning=True))
            ids = [found if found is not None else next(new_ids) for found in ids]
        return ids

    # --- dossier figures -------------------------------------------------------------------

    def dossier_figures(self) -> None:
        """Biểu 06 figures per desk and month: resolved dossiers 3–6 times the ratings, late
        ones more frequent where ratings are worse; each month carries over the last one's
        pending dossiers. A desk's month that has figures already is left as it is."""
        present = set(
            db.session.execute(select(DossierStat.service_point_id, DossierStat.month)).all()
        )
        rows = []
        for desk in self.desks:
            rng = random.Random(f"{self.prefix}dossiers:{desk.code}")  # noqa: S311 - demo data
            pending = None
            for month in _months(self.start, self.last):
                resolved = round(
                    self._month_volume(desk, month) * desk.ratio * rng.uniform(0.9, 1.1)
                )
                late_share = max(0.0, desk.late_share + rng.uniform(-0.01, 0.01))
                late = round(resolved * late_share)
                early = round((resolved - late) * rng.uniform(0.15, 0.3))
                carried = (
                    pending if pending is not None else round(resolved * rng.uniform(0.08, 0.12))
                )
                pending = round(resolved * rng.uniform(0.08, 0.14))
                new = resolved + pending - carried
                if new < 0:  # fewer dossiers came in than were left: more stay pending
                    pending, new = pending - new, 0
                overdue = round(pending * min(0.6, 0.02 + 0.25 * max(0.0, -desk.quality)))
                online = round(new * rng.uniform(0.3, 0.55))
                if (desk.id, month) in present:
                    continue
                rows.append(
                    {
                        "service_point_id": desk.id,
                        "month": month,
                        "field": "",
                        "received_total": new + carried,
                        "received_online": online,
                        "received_direct": new - online,
                        "received_carried_over": carried,
                        "resolved_total": resolved,
                        "resolved_early": early,
                        "resolved_on_time": resolved - early - late,
                        "resolved_late": late,
                        "pending_total": pending,
                        "pending_in_time": pending - overdue,
                        "pending_overdue": overdue,
                        "entered_by_id": self.users.get("clerk"),
                        "updated_at": self.now,
                    }
                )
        _write(DossierStat, rows)
        self.result.dossier_rows += len(rows)


def _silent_wav(seconds: int) -> bytes:
    """A short silent recording, so the demo's voicemails can be played."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(b"\x80" * 8000 * seconds)
    return buffer.getvalue()
