"""The period summary: one computation, the object every renderer takes (DESIGN §4 and §5).

`summary(period, unit)` reads a handful of grouped queries for the whole unit tree (ratings from
the rollups, cases, hotline, paper, dossier figures, surveys abandoned at the tablets), for the
period and the one before it, then adds them up per unit here — over aggregated rows, never raw
answers. The reasons chosen with a low rating (multi_choice questions) come from the same rollup
rows as every answer, and so do the kiosk's finished and partial responses (question 0's keys).
The page, the JSON API, the CLI and every export render what it returns and compute nothing of
their own.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..cache import TimedCache
from ..extensions import db
from ..i18n import current_language
from ..models import (
    AdminUnit,
    AuditEvent,
    CaseEvent,
    CaseStatus,
    Counter,
    Officer,
    Question,
    QuestionKind,
    ResponseChannel,
    Role,
    RollupState,
    ServicePoint,
)
from ..models.reports import NONE, RESPONSES_ROW
from ..privacy import mask_personal_numbers
from ..security import unit_in_scope
from ..timeutil import local_today, now_utc
from . import formulas, queries, rollups
from .periods import Period

OVERALL_FACTOR = "overall"
NO_OPINION = "no_opinion"


class _Questions:
    """What the summary needs to know of the questions counted, by id and by code; and of the
    reasons (the options of multi_choice questions, those of the published instruments even when
    nobody chose one), with their labels in `language`."""

    def __init__(self, ids: Iterable[int], language: str = "vi"):
        self.by_id = {}
        self.order: list[str] = []
        self.meta: dict[str, dict] = {}
        self.reason_ids: set[int] = set()
        self.reason_labels: dict[str, str] = {}
        reason_orders: list[list[str]] = []
        # Oldest first, so a later version's wording and factor win for a shared code.
        for question in queries.questions([*ids, *queries.published_multi_choice()]):
            if question.kind == QuestionKind.MULTI_CHOICE:
                self.reason_ids.add(question.id)
                options = question.options or []
                reason_orders.append([o["code"] for o in options])
                self.reason_labels.update({o["code"]: _option_label(o, language) for o in options})
                continue  # reasons are counted apart, never as a question's figures
            self.by_id[question.id] = question.code
            if question.code not in self.meta:
                self.order.append(question.code)
            self.meta[question.code] = {
                "kind": question.kind,
                "factor": question.factor or "",
                "tt01_index": question.tt01_index,
                "points": {o["code"]: o.get("points") for o in question.options or []},
            }
        # The newest version's order of the reasons, then any code only older ones had.
        self.reason_order = list(
            dict.fromkeys(code for codes in reversed(reason_orders) for code in codes)
        )

    def reasons(self, counts: dict[str, int], low_ratings: int, min_cell: int) -> dict:
        """The reasons figure (formulas.reasons), each item with its label."""
        figures = formulas.reasons(counts, self.reason_order, low_ratings, min_cell)
        figures["items"] = [
            {"code": item["code"], "label": self.reason_labels.get(item["code"], item["code"])}
            | item
            for item in figures["items"]
        ]
        return figures


def _option_label(option: dict, language: str) -> str:
    """An option's label in a language (Vietnamese when it has none in that one)."""
    english = language == "en" and option.get("label_en")
    return option.get("label_en") if english else option.get("label_vi") or option["code"]


def _ratings(counts: Iterable[queries.Count], questions: _Questions, min_cell: int) -> dict:
    """The satisfaction figures of some rollup counts (already narrowed to some desks), the
    reasons chosen beside the low ratings, and the kiosk's finished and partial responses."""
    levels: dict[str, dict] = defaultdict(dict)
    chosen: dict[str, int] = defaultdict(int)
    channels = {channel.value: 0 for channel in ResponseChannel}
    responses = suspicious = 0
    kiosk = {"": 0, rollups.PARTIAL_KEY: 0}
    for c in counts:
        if c.question_id == RESPONSES_ROW:
            if c.suspicious:
                suspicious += c.count
            else:
                # Finished and partial responses alike: each counts in what it answered.
                responses += c.count
                channels[c.channel] = channels.get(c.channel, 0) + c.count
                if c.channel == ResponseChannel.KIOSK and c.answer_key in kiosk:
                    kiosk[c.answer_key] += c.count
            continue
        if c.suspicious:
            continue  # burst-flagged answers are counted apart and left out of every figure
        if c.question_id in questions.reason_ids:
            chosen[c.answer_key] += c.count
            continue
        code = questions.by_id.get(c.question_id)
        if code is None:
            continue
        key = c.answer_key
        meta = questions.meta[code]
        if meta["kind"] == QuestionKind.LIKERT5:
            if key == NO_OPINION or not key.isdigit():
                continue  # "no opinion" is not a valid answer: left out of n
            key = int(key)
        levels[code][key] = levels[code].get(key, 0) + c.count
    stats = {}
    for code in questions.order:
        if code not in levels:
            continue
        meta = questions.meta[code]
        if meta["kind"] == QuestionKind.LIKERT5:
            stats[code] = formulas.likert_question(levels[code], min_cell)
        else:
            stats[code] = formulas.choice_question(levels[code], meta["points"], min_cell)
    factor_of = {code: questions.meta[code]["factor"] for code in stats}
    factors = formulas.factor_indices(stats, factor_of)
    tt01 = _tt01(levels, questions, min_cell)
    overall = next((c for c in stats if factor_of[c] == OVERALL_FACTOR), None)
    overall_levels = levels.get(overall, {}) if overall else {}
    low = sum(overall_levels.get(value, 0) for value in formulas.LOW_VALUES)
    return {
        "responses": responses,
        "suspicious": suspicious,
        "satisfaction_index": formulas.satisfaction_index(factors),
        "satisfaction_ci95": formulas.satisfaction_ci95(stats, factor_of),
        "overall_satisfied_pct": stats[overall]["satisfied_pct"] if overall else None,
        "factors": factors,
        "questions": stats,
        "channels": channels,
        "tt01": tt01,
        # The reasons' figure is made only where shown (_figures, _desks), not per channel or month.
        "_chosen": (chosen, low),
        "_ratings": sum(overall_levels.values()),
        "_dissatisfied": low,
        "_kiosk": (kiosk[""], kiosk[rollups.PARTIAL_KEY]),
    }


def _by_channel(counts, questions: _Questions, min_cell: int) -> dict[str, dict]:
    """The headline figures of each channel that had responses (kiosk, paper, web…)."""
    result = {}
    channels = sorted({c.channel for c in counts if c.question_id == RESPONSES_ROW})
    for channel in channels:
        figures = _ratings([c for c in counts if c.channel == channel], questions, min_cell)
        result[channel] = {
            "responses": figures["responses"],
            "satisfaction_index": figures["satisfaction_index"],
            "overall_satisfied_pct": figures["overall_satisfied_pct"],
        }
    return result


def _tt01(levels: dict, questions: _Questions, min_cell: int) -> dict[str, float | None]:
    """TT 01/2018 indices 1..9: points / dossiers of the questions carrying each index."""
    sums: dict[int, list[int]] = {number: [0, 0] for number in formulas.TT01_AGENCY_INDICES}
    for code, counted in levels.items():
        meta = questions.meta[code]
        number = meta["tt01_index"]
        if number not in sums or meta["kind"] == QuestionKind.LIKERT5:
            continue
        points, n = formulas.scored_answers(counted, meta["points"])
        sums[number][0] += points
        sums[number][1] += n
    return {
        str(number): formulas.tt01_index(points, n) if n >= min_cell else None
        for number, (points, n) in sums.items()
    }


class _PeriodData:
    """Cases, hotline and paper of the whole tree in one period, grouped by unit or desk by the
    database (a few queries per period, whatever the number of child units); `figures` adds up
    the groups of one target unit."""

    def __init__(self, units, desks, period: Period):
        first, last = period.utc_bounds()
        self.received = queries.cases_received(units, first, last)
        self.answered = queries.cases_answered(units, first, last)
        # Overdue "at the end" of a period still running means overdue today, not at its end.
        today = local_today()
        self.overdue = queries.open_overdue(units, min(last, now_utc()), min(period.end, today))
        self.calls, self.sms, self.pending = queries.hotline_counts(units, first, last)
        self.openings, self.entered, self.books = queries.paper_counts(desks, first, last)
        months = (period.start.replace(day=1), period.end.replace(day=1))
        self.dossier_rows = queries.dossier_counts(desks, *months)
        self.abandons = queries.kiosk_abandons(desks, period.start, period.end)

    def abandoned(self, within_desk: Callable[[int], bool]) -> int:
        """Surveys begun at the tablets of the desks `within_desk` and left with no rating."""
        return sum(n for desk, n in self.abandons if within_desk(desk))

    def cases(self, within: Callable[[int], bool]) -> dict:
        """The cases section, and the inputs of QĐ 766 5.2 / 5.3, for the units `within`."""
        by_channel: dict[str, int] = defaultdict(int)
        by_kind: dict[str, int] = defaultdict(int)
        received = forwarded = rejected = 0
        for unit_id, channel, kind, status, n in self.received:
            if not within(unit_id):
                continue
            received += n
            by_channel[_value(channel)] += n
            by_kind[_value(kind)] += n
            forwarded += n if status == CaseStatus.FORWARDED else 0
            rejected += n if status == CaseStatus.REJECTED else 0
        answered = on_time = pakn_on_time = pakn_late = 0
        verdicts = {"hai_long": 0, "khong_hai_long": 0}
        for unit_id, is_pakn, in_time, verdict, n in self.answered:
            if not within(unit_id):
                continue
            answered += n
            on_time += n if in_time else 0
            if is_pakn:
                pakn_on_time += n if in_time else 0
                pakn_late += 0 if in_time else n
            if verdict is not None and _value(verdict) in verdicts:
                verdicts[_value(verdict)] += n
        overdue = sum(n for unit_id, _pakn, n in self.overdue if within(unit_id))
        pakn_overdue = sum(n for unit_id, pakn, n in self.overdue if pakn and within(unit_id))
        return {
            "received": received,
            "answered": answered,
            "answered_on_time_pct": formulas.pct(on_time, answered),
            "overdue": overdue,
            "forwarded": forwarded,
            "rejected": rejected,
            "verdicts": verdicts,
            "by_channel": dict(by_channel),
            "by_kind": dict(by_kind),
            "_pakn": (pakn_on_time, pakn_late, pakn_overdue, verdicts["khong_hai_long"]),
        }

    def hotline(self, within: Callable[[int], bool]) -> dict:
        """Calls, missed, voicemails, SMS and pending call-backs of the units `within`."""
        calls = [row for row in self.calls if within(row[0])]
        return {
            "calls": sum(row[1] for row in calls),
            "missed": sum(row[2] for row in calls),
            "voicemails": sum(row[3] for row in calls),
            "sms": sum(n for unit_id, n in self.sms if within(unit_id)),
            "callbacks_pending": sum(n for unit_id, n in self.pending if within(unit_id)),
        }

    def paper(self, within_desk: Callable[[int], bool]) -> dict:
        """Box openings, slips counted and entered, book entries at the desks `within_desk`."""
        openings = [row for row in self.openings if within_desk(row[0])]
        return {
            "box_openings": sum(row[1] for row in openings),
            "slips_counted": sum(int(row[2] or 0) for row in openings),
            "slips_entered": sum(n for desk, n in self.entered if within_desk(desk)),
            "book_entries": sum(n for desk, n in self.books if within_desk(desk)),
        }

    def dossiers(self, within_desk: Callable[[int], bool]) -> dict | None:
        """The Biểu 06 figures of the desks `within_desk` that entered any (None if none did),
        with those desks' ids: coverage and 5.4 compare ratings with dossiers at the same desks."""
        rows = [row for row in self.dossier_rows if within_desk(row[0])]
        if not rows:
            return None
        received, resolved, early, on_time, late, overdue = (
            sum(int(row[i] or 0) for row in rows) for i in range(1, 7)
        )
        return {
            "received": received,
            "resolved": resolved,
            "on_time_pct": formulas.on_time_pct(early, on_time, resolved),
            "late": late,
            "pending_overdue": overdue,
            "_desks": {row[0] for row in rows},
        }


def _rated_at(counts, desks: set[int]) -> int:
    """Responses (burst-flagged ones left out) given at some desks."""
    return sum(
        c.count
        for c in counts
        if c.question_id == RESPONSES_ROW and not c.suspicious and c.desk in desks
    )


def _value(member) -> str:
    """An enum member's value, or the plain string a database gave back."""
    return str(getattr(member, "value", member))


def _figures(unit: AdminUnit, period: Period, counts, questions, data, within, within_desk):
    """Every figure of one unit (its tree) for one period, without children or comparison."""
    config = current_app.config
    ratings = _ratings(counts, questions, config["MIN_CELL"])
    ratings["reasons"] = questions.reasons(*ratings.pop("_chosen"), config["MIN_CELL"])
    ratings["by_channel"] = _by_channel(counts, questions, config["MIN_CELL"])
    completed, partial = ratings.pop("_kiosk")
    kiosk = formulas.completion(completed, partial, data.abandoned(within_desk))
    case_figures = data.cases(within)
    dossiers = data.dossiers(within_desk)
    dossier_desks = dossiers.pop("_desks") if dossiers else set()
    on_time, late, overdue, dissatisfied = case_figures.pop("_pakn")
    qd766 = formulas.qd766(
        settled_on_time=on_time,
        settled_late=late,
        open_overdue=overdue,
        dissatisfied_verdicts=dissatisfied,
        late_dossiers=dossiers["late"] if dossiers else None,
        resolved_dossiers=dossiers["resolved"] if dossiers else None,
        dissatisfied_ratings=ratings.pop("_dissatisfied"),
        ratings=ratings.pop("_ratings"),
        settings=formulas.qd766_settings(
            config.get("QD766_POINTS"), config.get("QD766_THRESHOLDS")
        ),
    )
    tt01_numbers = {int(k): v for k, v in ratings["tt01"].items()}
    return {
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "title": period.title(),
            "tt01_official": period.tt01_official,
            "spans_reform": period.spans_reform,
        },
        "unit": {"code": unit.code, "name": unit.name},
        **ratings,
        # Ratings per resolved dossier at the same desks (those that entered dossier figures).
        "coverage_pct": formulas.coverage_pct(
            _rated_at(counts, dossier_desks), dossiers["resolved"] if dossiers else None
        ),
        "tt01_total": formulas.tt01_total(tt01_numbers, official=period.tt01_official),
        "qd766": qd766,
        "cases": case_figures,
        "hotline": data.hotline(within),
        "paper": data.paper(within_desk),
        "dossiers": dossiers,
        "kiosk": kiosk,
    }


def _changes(current: dict, previous: dict) -> dict:
    """Each headline and question figure's change since the previous period, and whether it is
    a real one (the two 95% intervals do not overlap)."""
    questions = {}
    for code, stats in current["questions"].items():
        before = previous["questions"].get(code) or {}
        overlap = formulas.intervals_overlap(stats.get("ci95"), before.get("ci95"))
        questions[code] = {
            "satisfied_pct": formulas.change(
                stats.get("satisfied_pct"), before.get("satisfied_pct")
            ),
            "significant": None if overlap is None else not overlap,
        }
    return {
        "satisfaction_index": formulas.change(
            current["satisfaction_index"], previous["satisfaction_index"]
        ),
        "responses": current["responses"] - previous["responses"],
        "questions": questions,
        "kiosk": {
            "completion_pct": formulas.change(
                current["kiosk"]["completion_pct"], previous["kiosk"]["completion_pct"]
            )
        },
    }


class _Tree:
    """The unit's desks and units, and which child each belongs to."""

    def __init__(self, unit: AdminUnit):
        self.unit = unit
        self.desk_paths = queries.desk_paths(unit)
        self.unit_paths = dict(
            db.session.execute(
                select(AdminUnit.id, AdminUnit.path).where(AdminUnit.path.startswith(unit.path))
            ).all()
        )
        self.children = sorted(unit.children, key=lambda child: (child.name, child.id))

    def desk_within(self, prefix: str) -> Callable[[int], bool]:
        return lambda desk: self.desk_paths.get(desk, "").startswith(prefix)

    def unit_within(self, prefix: str) -> Callable[[int], bool]:
        return lambda unit_id: self.unit_paths.get(unit_id, "").startswith(prefix)


def summary(period: Period, unit: AdminUnit, *, officers: bool = False) -> dict:
    """The summary object of DESIGN §5 for a unit (with everything below it) and a period,
    beside the previous period, with the same object for each child unit, and per desk of the
    unit itself its reasons, its tablets' completion and its counters (and its officers when
    `officers`, for reform office and admins). Reason labels are in the request's language."""
    rollups.bring_up_to_date()
    tree = _Tree(unit)
    previous = period.previous()
    desks = queries.desks_in_tree(unit)
    units = queries.units_in_tree(unit)
    current_counts = queries.rating_counts(desks, period.start, period.end)
    previous_counts = queries.rating_counts(desks, previous.start, previous.end)
    questions = _Questions(
        {c.question_id for c in current_counts + previous_counts}, current_language()
    )
    current_data = _PeriodData(units, desks, period)
    previous_data = _PeriodData(units, desks, previous)

    # Each period: its counts grouped by desk once, and its cases, hotline and paper figures.
    periods = (
        (period, _by_desk(current_counts), current_data),
        (previous, _by_desk(previous_counts), previous_data),
    )

    def both(target: AdminUnit) -> dict:
        within_desk = tree.desk_within(target.path)
        within_unit = tree.unit_within(target.path)
        desks_here = [desk for desk in tree.desk_paths if within_desk(desk)]
        now, before = (
            _figures(
                target,
                when,
                [c for desk in desks_here for c in by_desk.get(desk, ())],
                questions,
                data,
                within_unit,
                within_desk,
            )
            for when, by_desk, data in periods
        )
        now["previous"] = before
        now["changes"] = _changes(now, before)
        return now

    result = both(unit)
    result["children"] = [{**both(child), "children": []} for child in tree.children]
    result["desks"] = _desks(unit, period, questions, officers, *periods[0][1:])
    result["trend"] = _trend(desks, period)
    return result


TREND_MONTHS = 12


def _trend(desks, period: Period) -> list[dict]:
    """The index and responses of each of the 12 months that end with the period's last month
    (oldest first): the monthly trend the charts and the public page draw."""
    last = period.end.replace(day=1)
    months = [last]
    while len(months) < TREND_MONTHS:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    months.reverse()
    by_month: dict[date, list[queries.Count]] = defaultdict(list)
    for month, count in queries.monthly_counts(desks, months[0], last):
        by_month[month].append(count)
    questions = _Questions({c.question_id for counts in by_month.values() for c in counts})
    min_cell = current_app.config["MIN_CELL"]
    trend = []
    for month in months:
        figures = _ratings(by_month.get(month, ()), questions, min_cell)
        trend.append(
            {
                "month": month.strftime("%Y-%m"),
                "responses": figures["responses"],
                "satisfaction_index": figures["satisfaction_index"],
            }
        )
    return trend


def _by_desk(counts: list[queries.Count]) -> dict[int, list[queries.Count]]:
    """The counts grouped by desk once, so each unit takes its desks' lists, not a scan."""
    grouped: dict[int, list[queries.Count]] = defaultdict(list)
    for count in counts:
        grouped[count.desk].append(count)
    return grouped


def _desks(
    unit: AdminUnit,
    period: Period,
    questions: _Questions,
    officers: bool,
    counts_by_desk: dict[int, list[queries.Count]],
    data: _PeriodData,
) -> list[dict]:
    """Each desk of the unit itself: the reasons chosen there and its tablets' completion (from
    the period's counts already read), then its counters and, for those allowed, its officers."""
    min_cell = current_app.config["MIN_CELL"]
    result = []
    points = db.session.scalars(
        select(ServicePoint).where(ServicePoint.unit_id == unit.id).order_by(ServicePoint.name)
    ).all()
    for point in points:
        detail = queries.detail_counts(point.id, period.start, period.end)
        names = dict(
            db.session.execute(
                select(Counter.id, Counter.code).where(Counter.service_point_id == point.id)
            ).all()
        )
        entry = {"id": point.id, "name": point.name}
        figures = _ratings(counts_by_desk.get(point.id, ()), questions, min_cell)
        entry["reasons"] = questions.reasons(*figures["_chosen"], min_cell)
        entry["kiosk"] = formulas.completion(
            *figures["_kiosk"], data.abandoned(lambda desk, here=point.id: desk == here)
        )
        entry["counters"] = _breakdown(point.id, period, detail, 0, names, questions, min_cell)
        if officers:
            names = dict(
                db.session.execute(
                    select(Officer.id, Officer.name).where(Officer.service_point_id == point.id)
                ).all()
            )
            entry["officers"] = _breakdown(point.id, period, detail, 1, names, questions, min_cell)
        result.append(entry)
    return result


def _breakdown(desk_id, period, detail, by, names, questions, min_cell) -> list[dict]:
    """The figures per counter (`by` 0) or per officer (`by` 1) of one desk's detail counts."""
    grouped: dict[int, dict[tuple, int]] = defaultdict(dict)
    for row in detail:
        who, question_id, key, n = row[by], row[2], row[3], row[4]
        counts = grouped[who]
        counts[(question_id, key)] = counts.get((question_id, key), 0) + n
    rows = []
    for who, counts in grouped.items():
        figures = _ratings(
            [queries.Count(desk_id, "", False, q, key, n) for (q, key), n in counts.items()],
            questions,
            min_cell,
        )
        rows.append(
            {
                "id": who if who != NONE else None,
                "name": names.get(who, ""),
                "responses": figures["responses"],
                "satisfaction_index": figures["satisfaction_index"],
                "overall_satisfied_pct": figures["overall_satisfied_pct"],
                "tt01": figures["tt01"],
                "tt01_total": formulas.tt01_officer_total(
                    {int(k): v for k, v in figures["tt01"].items()},
                    official=period.tt01_official,
                ),
            }
        )
    return sorted(rows, key=lambda row: (row["id"] is None, row["name"]))


# --- What the figures were made from, and recent summaries kept a while ------------------------

SUMMARY_CACHE_ENTRIES = 32
DEFAULT_CACHE_SECONDS = 60


def data_version() -> tuple:
    """A cheap fingerprint of what a summary reads: the responses folded into the rollups, the
    newest audit event and the newest case event (every change to a case, a verdict, a dossier
    import writes one). Reading it folds nothing and writes nothing."""

    return tuple(
        db.session.execute(
            select(
                select(RollupState.responses_folded)
                .where(RollupState.id == rollups.STATE_ID)
                .scalar_subquery(),
                select(func.max(AuditEvent.id)).scalar_subquery(),
                select(func.max(CaseEvent.id)).scalar_subquery(),
            )
        ).one()
    )


def _cache() -> TimedCache:
    return current_app.extensions.setdefault("summary_cache", TimedCache(SUMMARY_CACHE_ENTRIES))


def cache_seconds() -> float:
    """How long a summary (or a chart of it) may be reused while nothing it reads changed."""
    return float(current_app.config.get("REPORTS_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


def fresh_summary(period: Period, unit: AdminUnit, *, officers: bool = False) -> dict:
    """`summary`, kept for the charts and downloads that follow a page view."""
    result = summary(period, unit, officers=officers)
    _cache().put(_summary_key(period, unit, officers), result)
    return result


def recent_summary(period: Period, unit: AdminUnit, *, officers: bool = False) -> dict:
    """The summary made since the figures last changed (a page view's), or a fresh one. The
    waiting answers are folded first: they move the figures (and so the cache key) on, and a
    download made right after a rating reached another worker must count it (one index lookup
    when nothing waits)."""
    rollups.bring_up_to_date()
    return _cache().get(
        _summary_key(period, unit, officers),
        cache_seconds(),
        lambda: fresh_summary(period, unit, officers=officers),
    )


def _summary_key(period: Period, unit: AdminUnit, officers: bool) -> tuple:
    """A summary's cache key: the language too, since the reasons' labels are in it."""
    return ("summary", period.label, unit.id, officers, current_language(), data_version())


# --- What a viewer asked for -------------------------------------------------------------------


class ReportRefused(LookupError):
    """No such unit within the viewer's scope (shown as a 404, like any unit out of scope)."""


def unit_for(code: str | None, viewer, on: date) -> AdminUnit:
    """The unit a viewer asked for by code (their own scope unit when none), the version in
    force on `on` among those in their scope; ReportRefused when there is none."""

    if not code:
        return viewer.unit
    versions = db.session.scalars(
        select(AdminUnit).where(AdminUnit.code == code).order_by(AdminUnit.valid_from.desc())
    ).all()
    allowed = [unit for unit in versions if unit_in_scope(unit, viewer)]
    for unit in allowed:
        if unit.valid_from <= on and (unit.valid_to is None or on <= unit.valid_to):
            return unit
    if allowed:
        return allowed[0]
    raise ReportRefused(code)


def sees_officers(viewer) -> bool:
    """Officer figures are for the reform office and admins only (DESIGN §1)."""

    return viewer.role in (Role.REFORM_OFFICE, Role.ADMIN)


def question_info(codes: Iterable[str], language: str) -> dict[str, dict]:
    """Each question code's wording (in a language) and factor, from the newest version."""

    codes = list(codes)
    info: dict[str, dict] = {}
    if not codes:
        return info
    for question in db.session.scalars(
        select(Question).where(Question.code.in_(codes)).order_by(Question.id)
    ):
        english = language == "en" and question.text_en
        info[question.code] = {
            "text": question.text_en if english else question.text_vi,
            "factor": question.factor or "",
        }
    return info


def best_first(children: list[dict]) -> list[dict]:
    """Child units from the highest satisfaction index down; those without one last, by name."""
    rated = [c for c in children if c["satisfaction_index"] is not None]
    other = [c for c in children if c["satisfaction_index"] is None]
    return sorted(rated, key=lambda c: -c["satisfaction_index"]) + other


def weakest_first(questions: dict) -> list[tuple[str, dict]]:
    """Questions from the lowest satisfied share up; those without one (scored or too few
    answers) after them, in instrument order."""
    rated = [(c, q) for c, q in questions.items() if q.get("satisfied_pct") is not None]
    other = [(c, q) for c, q in questions.items() if q.get("satisfied_pct") is None]
    return sorted(rated, key=lambda item: item[1]["satisfied_pct"]) + other


def breakdown_rows(summary: dict) -> list[dict]:
    """The unit itself, each child unit and each desk of the unit itself, as rows of the page's
    and the annex's reasons and kiosk tables: {"level": "unit" | "child" | "desk", "code" (a
    unit's code, None for a desk), "name", "reasons", "kiosk"}."""
    rows = [
        {"level": "unit", "code": summary["unit"]["code"], "name": summary["unit"]["name"]}
        | _parts(summary)
    ]
    rows += [
        {"level": "child", "code": child["unit"]["code"], "name": child["unit"]["name"]}
        | _parts(child)
        for child in summary.get("children") or ()
    ]
    rows += [
        {"level": "desk", "code": None, "name": desk.get("name", "")} | _parts(desk)
        for desk in summary.get("desks") or ()
    ]
    return rows


def _parts(figures: dict) -> dict:
    return {"reasons": figures.get("reasons"), "kiosk": figures.get("kiosk")}


def reason_columns(rows: Iterable[dict]) -> list[tuple[str, str]]:
    """(code, label) of every reason listed in any row, in the order first met."""
    columns: dict[str, str] = {}
    for row in rows:
        for item in (row.get("reasons") or {}).get("items") or ():
            columns.setdefault(item["code"], item.get("label") or item["code"])
    return list(columns.items())


def reason_cell(reasons: dict | None, code: str) -> dict | None:
    """One reason's item in a reasons figure, or None when that figure does not list it."""
    for item in (reasons or {}).get("items") or ():
        if item["code"] == code:
            return item
    return None


def reason_labels(language: str) -> dict[str, str]:
    """Each reason's label in a language, from the newest question that offers it: renderers of
    a fixed language (the Vietnamese report) take these, not the labels of a summary made for
    whichever reader asked first."""
    labels: dict[str, str] = {}
    for question in db.session.scalars(
        select(Question).where(Question.kind == QuestionKind.MULTI_CHOICE).order_by(Question.id)
    ):
        labels.update({o["code"]: _option_label(o, language) for o in question.options or []})
    return labels


def comments(period: Period, unit: AdminUnit, rating: int | None, page: int, size: int):
    """A page of the period's comments in the unit's tree, phone and ID numbers masked."""

    first, last = period.utc_bounds()
    found, has_next = queries.comments_page(
        queries.desks_in_tree(unit), first, last, rating, page, size
    )
    masked = [replace(c, text=mask_personal_numbers(c.text)) for c in found]
    return masked, has_next
