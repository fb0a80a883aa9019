"""The period summary's reads. Nothing here writes; every SELECT is limited to the desks or units
of one unit's tree (the caller has checked the user may see that unit), and every count is made
by the database (GROUP BY), never by looping over rows here."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Select, and_, case, cast, func, or_, select, union_all
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    AdminUnit,
    Answer,
    BoxOpening,
    Case,
    CaseChannel,
    CaseKind,
    CaseStatus,
    Counter,
    DossierStat,
    HotlineCall,
    Instrument,
    InstrumentStatus,
    Kiosk,
    KioskAbandon,
    Question,
    QuestionKind,
    Response,
    RollupDay,
    RollupDetailMonth,
    RollupMonth,
    ServicePoint,
    SmsMessage,
)
from ..timeutil import LOCAL_TZ

# Cases the citizen's comments and proposals are counted from (PAKN: phản ánh, kiến nghị, góp ý).
PAKN_KINDS = (CaseKind.FEEDBACK, CaseKind.PROPOSAL, CaseKind.SUGGESTION)


def desks_in_tree(unit: AdminUnit) -> Select:
    """The ids of the desks of a unit and of every unit below it."""
    return (
        select(ServicePoint.id)
        .join(AdminUnit, AdminUnit.id == ServicePoint.unit_id)
        .where(AdminUnit.path.startswith(unit.path))
    )


def units_in_tree(unit: AdminUnit) -> Select:
    """The ids of a unit and of every unit below it."""
    return select(AdminUnit.id).where(AdminUnit.path.startswith(unit.path))


def desk_paths(unit: AdminUnit) -> dict[int, str]:
    """Each desk of the tree with its unit's path, to tell which child unit it belongs to."""
    rows = db.session.execute(
        select(ServicePoint.id, AdminUnit.path)
        .join(AdminUnit, AdminUnit.id == ServicePoint.unit_id)
        .where(AdminUnit.path.startswith(unit.path))
    )
    return dict(rows.all())


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in Vietnam, as the aware instants a timestamp is compared to."""
    first = datetime.combine(start, datetime.min.time(), tzinfo=LOCAL_TZ)
    last = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=LOCAL_TZ)
    return first, last


# --- Ratings, from the rollups -----------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """Answers (or, for question 0, rated responses) of one kind at one desk."""

    desk: int
    channel: str
    suspicious: bool
    question_id: int
    answer_key: str
    count: int


def _whole_months(start: date, end: date) -> tuple[date | None, date | None]:
    """The first days of the first and last months lying wholly inside [start, end], if any."""
    first = start if start.day == 1 else _next_month(start)
    last = end.replace(day=1)
    if (end + timedelta(days=1)).day != 1:  # the end's own month is not whole
        last = (last - timedelta(days=1)).replace(day=1)
    if first > last:
        return None, None
    return first, last


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


# What the counts are grouped by: per desk and channel for the summary, per counter and officer
# for a desk's breakdown.
_COUNT_KEYS = ("service_point_id", "channel", "suspicious", "question_id", "answer_key")
_DETAIL_KEYS = ("counter_id", "officer_id", "question_id", "answer_key")


def _summed(month_table, keys, start: date, end: date, narrow, normalise=tuple) -> dict:
    """Counts over [start, end] (Vietnamese days) per `keys`: whole months from `month_table`,
    the days around them from the daily rollup; `narrow(table)` gives the conditions both
    tables are read with, `normalise(row)` the key a row is added up under."""
    first_month, last_month = _whole_months(start, end)
    parts = []
    if first_month is not None:
        parts.append((month_table, month_table.month.between(first_month, last_month)))
    day_ranges = _days_outside(start, end, first_month, last_month)
    if day_ranges:
        parts.append((RollupDay, or_(*(RollupDay.day.between(a, b) for a, b in day_ranges))))
    totals: dict[tuple, int] = {}
    for table, within in parts:
        columns = [getattr(table, key) for key in keys]
        query = (
            select(*columns, func.sum(table.count)).where(within, *narrow(table)).group_by(*columns)
        )
        for *row, n in db.session.execute(query):
            index = normalise(row)
            totals[index] = totals.get(index, 0) + int(n)
    return totals


def rating_counts(desks: Select, start: date, end: date) -> list[Count]:
    """Every answer count of the desks over [start, end] (Vietnamese days)."""
    totals = _summed(
        RollupMonth,
        _COUNT_KEYS,
        start,
        end,
        lambda table: [table.service_point_id.in_(desks)],
        lambda row: (row[0], str(row[1]), bool(row[2]), row[3], row[4]),
    )
    return [Count(*index, count) for index, count in totals.items()]


def monthly_counts(desks: Select, first_month: date, last_month: date) -> list[tuple[date, Count]]:
    """(month, counts of the whole tree in it) for every month in [first_month, last_month] that
    has any: the monthly trend, read from the monthly rollup only."""
    rows = db.session.execute(
        select(
            RollupMonth.month,
            RollupMonth.channel,
            RollupMonth.suspicious,
            RollupMonth.question_id,
            RollupMonth.answer_key,
            func.sum(RollupMonth.count),
        )
        .where(
            RollupMonth.service_point_id.in_(desks),
            RollupMonth.month.between(first_month, last_month),
        )
        .group_by(
            RollupMonth.month,
            RollupMonth.channel,
            RollupMonth.suspicious,
            RollupMonth.question_id,
            RollupMonth.answer_key,
        )
    )
    return [
        (month, Count(0, str(channel), bool(suspicious), question, key, int(n)))
        for month, channel, suspicious, question, key, n in rows
    ]


def _days_outside(
    start: date, end: date, first_month: date | None, last_month: date | None
) -> list[tuple[date, date]]:
    if first_month is None:
        return [(start, end)]
    ranges = []
    if start < first_month:
        ranges.append((start, first_month - timedelta(days=1)))
    after_last = _next_month(last_month)
    if after_last <= end:
        ranges.append((after_last, end))
    return ranges


def detail_counts(desk_id: int, start: date, end: date) -> list[tuple[int, int, int, str, int]]:
    """(counter id, officer id, question id, answer key, count) at one desk over [start, end],
    not counting burst-flagged answers (the monthly detail holds none)."""

    def narrow(table):
        at_desk = [table.service_point_id == desk_id]
        return at_desk + [RollupDay.suspicious.is_(False)] if table is RollupDay else at_desk

    totals = _summed(RollupDetailMonth, _DETAIL_KEYS, start, end, narrow)
    return [(*index, n) for index, n in totals.items()]


def questions(ids: Iterable[int]) -> list[Question]:
    """The questions counted, newest version first (their codes name them across versions)."""
    ids = [i for i in set(ids) if i]
    if not ids:
        return []
    return list(
        db.session.scalars(select(Question).where(Question.id.in_(ids)).order_by(Question.id))
    )


def kiosk_abandons(desks: Select, start: date, end: date) -> list[tuple[int, int]]:
    """(desk id, surveys abandoned with no rating) at the tablets of the desks' counters over
    [start, end] (the Vietnamese days the tablets reported): a row per abandoned survey, counted
    here by the database, not rolled up (far fewer than answers)."""
    return db.session.execute(
        select(Counter.service_point_id, func.count())
        .select_from(KioskAbandon)
        .join(Kiosk, Kiosk.id == KioskAbandon.kiosk_id)
        .join(Counter, Counter.id == Kiosk.counter_id)
        .where(
            Counter.service_point_id.in_(desks),
            KioskAbandon.day.between(start, end),
        )
        .group_by(Counter.service_point_id)
    ).all()


def published_multi_choice() -> list[int]:
    """The ids of the multi_choice questions (the reasons) of the published instruments: their
    options are listed even in a period when nobody chose one."""
    return list(
        db.session.scalars(
            select(Question.id)
            .join(Instrument, Instrument.id == Question.instrument_id)
            .where(
                Question.kind == QuestionKind.MULTI_CHOICE,
                Instrument.status == InstrumentStatus.PUBLISHED,
            )
        )
    )


# --- Cases, hotline, paper -----------------------------------------------------------------------


def _received_in(first: datetime, last: datetime):
    return and_(Case.received_at >= first, Case.received_at < last)


def cases_received(units: Select, first: datetime, last: datetime):
    """Cases received in the period per (unit id, channel, kind, status)."""
    return db.session.execute(
        select(Case.unit_id, Case.channel, Case.kind, Case.status, func.count())
        .where(Case.unit_id.in_(units), _received_in(first, last))
        .group_by(Case.unit_id, Case.channel, Case.kind, Case.status)
    ).all()


def cases_answered(units: Select, first: datetime, last: datetime):
    """Cases answered in the period per (unit id, PAKN or not, on time or not, the citizen's
    verdict or None): one index-only range of the answered-at index."""
    answered = (
        select(
            Case.unit_id.label("unit_id"),
            case((Case.kind.in_(PAKN_KINDS), True), else_=False).label("pakn"),
            _answered_on_time().label("on_time"),
            Case.verdict.label("verdict"),
        )
        .where(
            Case.unit_id.in_(units),
            Case.answered_at.is_not(None),
            Case.answered_at >= first,
            Case.answered_at < last,
        )
        .subquery()
    )
    return db.session.execute(
        select(
            answered.c.unit_id,
            answered.c.pakn,
            answered.c.on_time,
            answered.c.verdict,
            func.count(),
        ).group_by(answered.c.unit_id, answered.c.pakn, answered.c.on_time, answered.c.verdict)
    ).all()


def _answered_on_time():
    """Answered on or before the answer's due date (the Vietnamese day of the answer)."""
    return case((local_date_of(Case.answered_at) <= Case.answer_due, True), else_=False)


def local_date_of(column):
    """The Vietnamese calendar day of a stored instant, in SQL (Vietnam keeps no summer time, so
    SQLite's fixed +7 hours is the zone)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("Asia/Ho_Chi_Minh", column), Date)
    return func.date(column, "+7 hours")


def open_overdue(units: Select, last: datetime, end: date):
    """Cases open at the end of the period whose answer was due before its last day, per
    (unit id, PAKN or not). "Open at the end" is two index ranges, never the whole history:
    not answered at all, or answered after the period."""

    def still_open(answered):
        return select(
            Case.unit_id.label("unit_id"),
            case((Case.kind.in_(PAKN_KINDS), True), else_=False).label("pakn"),
        ).where(
            Case.unit_id.in_(units),
            answered,
            Case.received_at < last,
            Case.status.not_in((CaseStatus.REJECTED, CaseStatus.FORWARDED)),
            Case.kind.not_in((CaseKind.COMPLAINT, CaseKind.DENUNCIATION)),
            Case.answer_due < end,
        )

    overdue = union_all(
        still_open(Case.answered_at.is_(None)), still_open(Case.answered_at >= last)
    ).subquery()
    return db.session.execute(
        select(overdue.c.unit_id, overdue.c.pakn, func.count()).group_by(
            overdue.c.unit_id, overdue.c.pakn
        )
    ).all()


def hotline_counts(units: Select, first: datetime, last: datetime):
    """Per unit id: calls, missed calls, voicemails, SMS, and call-backs still pending at the
    period's end."""
    calls = db.session.execute(
        select(
            HotlineCall.unit_id,
            func.count(),
            func.count().filter(HotlineCall.missed.is_(True)),
            func.count().filter(HotlineCall.recording_sid.is_not(None)),
        )
        .where(
            HotlineCall.unit_id.in_(units),
            HotlineCall.started_at >= first,
            HotlineCall.started_at < last,
        )
        .group_by(HotlineCall.unit_id)
    ).all()
    sms = db.session.execute(
        select(SmsMessage.unit_id, func.count())
        .where(
            SmsMessage.unit_id.in_(units),
            SmsMessage.received_at >= first,
            SmsMessage.received_at < last,
        )
        .group_by(SmsMessage.unit_id)
    ).all()
    pending = db.session.execute(
        select(HotlineCall.unit_id, func.count())
        .where(
            HotlineCall.unit_id.in_(units),
            HotlineCall.callback_due.is_not(None),
            HotlineCall.started_at < last,
            or_(HotlineCall.callback_done_at.is_(None), HotlineCall.callback_done_at >= last),
        )
        .group_by(HotlineCall.unit_id)
    ).all()
    return calls, sms, pending


def paper_counts(desks: Select, first: datetime, last: datetime):
    """Per desk id: box openings and slips counted, slips entered, comment-book entries."""
    in_period = and_(
        BoxOpening.service_point_id.in_(desks),
        BoxOpening.opened_at >= first,
        BoxOpening.opened_at < last,
    )
    openings = db.session.execute(
        select(BoxOpening.service_point_id, func.count(), func.sum(BoxOpening.slips_counted))
        .where(in_period)
        .group_by(BoxOpening.service_point_id)
    ).all()
    entered = db.session.execute(
        select(BoxOpening.service_point_id, func.count())
        .select_from(Case)
        .join(BoxOpening, BoxOpening.id == Case.box_opening_id)
        .where(in_period)
        .group_by(BoxOpening.service_point_id)
    ).all()
    books = db.session.execute(
        select(Case.service_point_id, func.count())
        .where(
            Case.service_point_id.in_(desks),
            Case.channel == CaseChannel.BOOK,
            _received_in(first, last),
        )
        .group_by(Case.service_point_id)
    ).all()
    return openings, entered, books


# --- Comments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    """One free-text comment of a response, as the comments list shows it."""

    hour: datetime
    desk: str
    unit: str
    overall: int | None
    text: str
    case_code: str | None


def comments_page(
    desks: Select, first: datetime, last: datetime, overall: int | None, page: int, size: int
) -> tuple[list[Comment], bool]:
    """A page of the period's comments at the desks, newest first, optionally only those whose
    overall rating is `overall`; and whether there is a next page. Burst-flagged responses are
    left out, like from every figure."""

    # The few question ids first: joined by id, each answer is one index lookup per response
    # (joined by code or factor, SQLite scanned the questions table for every response).
    comment_ids = db.session.scalars(select(Question.id).where(Question.code == "comment")).all()
    overall_ids = db.session.scalars(select(Question.id).where(Question.factor == "overall")).all()
    comment = aliased(Answer)
    rating = aliased(Answer)
    query = (
        select(
            Response.submitted_hour,
            Response.service_point_id,
            rating.value,
            comment.text,
            Case.code,
        )
        .join(
            comment,
            and_(comment.response_id == Response.id, comment.question_id.in_(comment_ids)),
        )
        .outerjoin(
            rating,
            and_(rating.response_id == Response.id, rating.question_id.in_(overall_ids)),
        )
        .outerjoin(Case, Case.id == Response.case_id)
        .where(
            Response.service_point_id.in_(desks),
            Response.submitted_hour >= first,
            Response.submitted_hour < last,
            Response.commented,
            Response.suspicious.is_(False),
            comment.text.is_not(None),
            comment.text != "",
        )
        .order_by(Response.submitted_hour.desc(), Response.id.desc())
        .limit(size + 1)
        .offset((page - 1) * size)
    )
    if overall is not None:
        query = query.where(rating.value == overall)
    rows = db.session.execute(query).all()
    # The desks' and units' names once, not joined onto every comment.
    names = {
        desk: (desk_name, unit_name)
        for desk, desk_name, unit_name in db.session.execute(
            select(ServicePoint.id, ServicePoint.name, AdminUnit.name)
            .join(AdminUnit, AdminUnit.id == ServicePoint.unit_id)
            .where(ServicePoint.id.in_({row[1] for row in rows}))
        )
    }
    found = [
        Comment(hour, *names.get(desk, ("", "")), overall, text, code)
        for hour, desk, overall, text, code in rows[:size]
    ]
    return found, len(rows) > size


def dossier_counts(desks: Select, first_month: date, last_month: date):
    """Per desk that entered figures for the months: (desk, received, resolved, early, on time,
    late, pending overdue at the last month's end). Pending is a stock, not a flow: only the
    last month's count is taken."""

    at_end = DossierStat.month == last_month
    return db.session.execute(
        select(
            DossierStat.service_point_id,
            func.sum(DossierStat.received_total),
            func.sum(DossierStat.resolved_total),
            func.sum(DossierStat.resolved_early),
            func.sum(DossierStat.resolved_on_time),
            func.sum(DossierStat.resolved_late),
            func.sum(case((at_end, DossierStat.pending_overdue), else_=0)),
        )
        .where(
            DossierStat.service_point_id.in_(desks),
            DossierStat.month.between(first_month, last_month),
        )
        .group_by(DossierStat.service_point_id)
    ).all()
