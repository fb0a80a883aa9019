"""The report formulas of DESIGN.md §4, as pure functions over counts (no database, no request).

Shares, indices and interval bounds are in percent with one decimal; means have two. Rounding is
half away from zero on the decimal value (12.25 → 12.3), as a person checking a report by hand
rounds, not Python's round-half-to-even on binary floats. Figures built from other rounded figures
(factor indices, the satisfaction index, TT 01 totals, 766 points) use the rounded values shown,
so a reader can re-add every number from the summary itself.

Legal tables (TT 01/2018 bands, QĐ 766 points and thresholds) are data, not branches: a revision
changes a row, not the code.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

Number = int | float | Fraction

LIKERT_VALUES = (1, 2, 3, 4, 5)
# Hài lòng (4) and Rất hài lòng (5).
SATISFIED_VALUES = (4, 5)
FACTORS = ("F1", "F2", "F3", "F4", "F5")


# --- rounding and shares -------------------------------------------------------------------


def _exact(value: Number) -> Fraction:
    """A number as an exact fraction; a float is taken at its shortest decimal form."""
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def rounded(value: Number | None, places: int = 1) -> float | None:
    """`value` rounded half away from zero to `places` decimals (None stays None)."""
    if value is None:
        return None
    scaled = _exact(value) * 10**places
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return float(Fraction(whole if scaled >= 0 else -whole, 10**places))


def pct(part: int | None, whole: int | None) -> float | None:
    """part / whole × 100 with one decimal; None when there is no whole to take a share of."""
    if part is None or not whole:
        return None
    return rounded(Fraction(part * 100, whole))


def wilson(k: int, n: int, z: float = 1.96) -> list[float] | None:
    """Wilson score interval of the share k/n (95% for z = 1.96), in percent, one decimal.

    Unlike p ± z·√(p(1−p)/n) it stays inside 0–100 and is not empty at 0/n or n/n, which small
    wards see often. None when n is 0.
    """
    if not n:
        return None
    if not 0 <= k <= n:
        raise ValueError(f"{k} successes out of {n}")
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    low = min(100.0, max(0.0, (centre - half_width) * 100))
    high = min(100.0, max(0.0, (centre + half_width) * 100))
    return [rounded(low), rounded(high)]


def intervals_overlap(a: Sequence[float] | None, b: Sequence[float] | None) -> bool | None:
    """Whether two intervals share a point (touching counts); None when either is missing.

    A change is flagged as real only when the two periods' 95% intervals do not overlap.
    """
    if a is None or b is None:
        return None
    return a[0] <= b[1] and b[0] <= a[1]


def change(current: float | None, previous: float | None) -> float | None:
    """current − previous in points, one decimal; None when either is missing."""
    if current is None or previous is None:
        return None
    return rounded(_exact(current) - _exact(previous))


def _mean(values: Iterable[Number], places: int = 1) -> float | None:
    values = [_exact(v) for v in values]
    if not values:
        return None
    return rounded(sum(values, Fraction(0)) / len(values), places)


# --- questions, factors, the satisfaction index -------------------------------------------


def likert_question(levels: Mapping[int, int], min_cell: int) -> dict:
    """Statistics of one 5-level question from its counts per value {1: c1, …, 5: c5}.

    Only values 1–5 are valid answers: "no opinion" is left out of n (the caller leaves it out;
    any other key is ignored as well). With fewer than `min_cell` answers the cell is suppressed:
    n is given, every other figure is None ("chưa đủ số phiếu").
    """
    counts = {value: _count(levels, value) for value in LIKERT_VALUES}
    n = sum(counts.values())
    if n == 0 or n < min_cell:
        return {"n": n, "mean": None, "satisfied_pct": None, "ci95": None, "levels": None}
    satisfied = sum(counts[value] for value in SATISFIED_VALUES)
    return {
        "n": n,
        "mean": rounded(Fraction(sum(value * c for value, c in counts.items()), n), 2),
        "satisfied_pct": pct(satisfied, n),
        "ci95": wilson(satisfied, n),
        "levels": {str(value): counts[value] for value in LIKERT_VALUES},
    }


def _count(levels: Mapping, key: int | str) -> int:
    """The count under `key`, whether the caller used the number or its text (JSON keys)."""
    found = levels.get(key)
    if found is None:
        found = levels.get(str(key), 0)
    return int(found or 0)


def scored_answers(levels: Mapping[str, int], points: Mapping[str, int | None]) -> tuple[int, int]:
    """(sum of points, number of answers that carry points) of a choice question.

    An option without points (None, or a code no longer in the question) is like "no opinion":
    counted in `levels`, left out of n and of the points. The TT 01 index of the question is
    `tt01_index(*scored_answers(levels, points))`.
    """
    total = n = 0
    for code, count in levels.items():
        value = points.get(code)
        if value is None or not count:
            continue
        total += value * count
        n += count
    return total, n


def choice_question(
    levels: Mapping[str, int], points: Mapping[str, int | None], min_cell: int
) -> dict:
    """Statistics of a `choice_scored` or `yes_no` question from its counts per option code.

    n and the mean count only the options that carry points (see `scored_answers`); `levels`
    lists every option of `points` (zeros included) and any other code that was answered.
    There is no "satisfied" share for these questions, so satisfied_pct and ci95 are None.
    Suppressed below `min_cell` like a Likert question.
    """
    points_sum, n = scored_answers(levels, points)
    if n == 0 or n < min_cell:
        return {"n": n, "mean": None, "satisfied_pct": None, "ci95": None, "levels": None}
    shown = {code: int(levels.get(code, 0) or 0) for code in points}
    shown.update({code: int(c or 0) for code, c in levels.items() if code not in shown})
    return {
        "n": n,
        "mean": rounded(Fraction(points_sum, n), 2),
        "satisfied_pct": None,
        "ci95": None,
        "levels": shown,
    }


def question_index(stats: Mapping) -> float | None:
    """A question's index: its satisfied share (None when suppressed or not a Likert question)."""
    return stats.get("satisfied_pct")


def factor_indices(questions: Mapping[str, Mapping], factors: Mapping[str, str]) -> dict:
    """{"F1": {"index", "n"}, …, "F5": …}: each SIPAS factor from its questions' statistics.

    `questions` maps a question code to its statistics, `factors` a question code to its factor
    ("F1".."F5"; "overall" and "" belong to none). index = mean of the factor's non-null question
    indices (None when none has one: a missing factor). n = the largest n among its questions,
    suppressed ones included: the most answers any of its questions got, which says how much
    the factor rests on (a sum would count one citizen once per question).
    """
    result = {}
    for factor in FACTORS:
        codes = [code for code, f in factors.items() if f == factor and code in questions]
        indices = [question_index(questions[code]) for code in codes]
        result[factor] = {
            "index": _mean(i for i in indices if i is not None),
            "n": max((questions[code].get("n") or 0 for code in codes), default=0),
        }
    return result


def satisfaction_ci95(
    questions: Mapping[str, Mapping], factors: Mapping[str, str]
) -> list[float] | None:
    """A 95% interval of the satisfaction index: each bound is averaged the way the index is
    (over a factor's questions, then over the factors present) from the questions' Wilson
    intervals.

    Averaging bounds treats the questions' errors as perfectly correlated, so the interval is
    at least as wide as one that assumed them independent: a conservative interval, honest
    about answers that one citizen gives to every question at once. None when the index is."""
    per_factor = []
    for factor in FACTORS:
        bounds = [
            questions[code]["ci95"]
            for code, f in factors.items()
            if f == factor
            and code in questions
            and question_index(questions[code]) is not None
            and questions[code].get("ci95")
        ]
        if bounds:
            per_factor.append(
                (sum(b[0] for b in bounds) / len(bounds), sum(b[1] for b in bounds) / len(bounds))
            )
    if not per_factor:
        return None
    return [
        round(sum(b[0] for b in per_factor) / len(per_factor), 1),
        round(sum(b[1] for b in per_factor) / len(per_factor), 1),
    ]


def satisfaction_index(factors: Mapping[str, Mapping | float | None]) -> float | None:
    """Chỉ số hài lòng: the mean of the F1..F5 indices present, one decimal (None if none is).

    Takes the output of `factor_indices` (or a plain mapping of factor to index).
    """
    values = []
    for factor in FACTORS:
        entry = factors.get(factor)
        value = entry.get("index") if isinstance(entry, Mapping) else entry
        if value is not None:
            values.append(value)
    return _mean(values)


# --- reasons behind low ratings, kiosk completion ---------------------------------------

# The `overall` ratings a reason is asked after: Rất không hài lòng (1), Không hài lòng (2).
LOW_VALUES = (1, 2)


def reasons(
    counts: Mapping[str, int], order: Sequence[str], low_ratings: int, min_cell: int
) -> dict:
    """Lý do chưa hài lòng: {"low_ratings", "items": [{"code", "count", "pct_of_low"}]}.

    `counts` maps a reason code to how often it was chosen (a citizen may choose several),
    `order` lists the reasons to show (the instrument's, zeros included; any other code counted
    comes after them), `low_ratings` the `overall` answers of 1 or 2 the reasons stand beside.
    pct_of_low = count / low_ratings × 100, one decimal, None when there is no low rating. The
    low ratings are the cell: below `min_cell` of them every count and share is None, as a
    question's levels are (a count beside its denominator is its share again); low_ratings is
    given, like a question's n. A share may exceed 100 when citizens who rated higher chose a
    reason too (the page without JavaScript shows every question).
    """
    codes = list(dict.fromkeys([*order, *(code for code in counts if code not in order)]))
    shown = low_ratings >= min_cell and low_ratings > 0
    return {
        "low_ratings": low_ratings,
        "items": [
            {
                "code": code,
                "count": int(counts.get(code, 0)) if shown else None,
                "pct_of_low": pct(int(counts.get(code, 0)), low_ratings) if shown else None,
            }
            for code in codes
        ],
    }


def completion(completed: int, partial: int, abandoned: int) -> dict:
    """Surveys at the tablets: {"started", "completed", "partial", "abandoned", "completion_pct"}.

    started = completed + partial + abandoned (a survey left with no rating at all is
    abandoned; one left with some is partial); completion_pct = completed / started × 100, one
    decimal, None when none started. Counts of surveys, not of citizens: no small-cell rule.
    """
    started = completed + partial + abandoned
    return {
        "started": started,
        "completed": completed,
        "partial": partial,
        "abandoned": abandoned,
        "completion_pct": pct(completed, started),
    }


# --- Thông tư 01/2018/TT-VPCP ------------------------------------------------------------

TT01_INDEX_MAX = 2
TT01_AGENCY_INDICES = (1, 2, 3, 4, 5, 6, 7, 8, 9)
TT01_OFFICER_INDICES = (1, 2, 3, 4, 7)


@dataclass(frozen=True)
class Band:
    """One grade of a TT 01 total: reached from `minimum` points (inclusive) upward."""

    code: str
    minimum: float
    label: LazyString


# TT 01/2018 Điều 15: agency total over the 9 indices (max 18). Highest band first.
TT01_AGENCY_BANDS: tuple[Band, ...] = (
    Band("excellent", 15, _l("Excellent")),
    Band("good", 12, _l("Good")),
    Band("fair", 9, _l("Fair")),
    Band("average", 6, _l("Average")),
    Band("poor", 0, _l("Poor")),
)
# TT 01/2018 Điều 15: an officer's total over indices 1, 2, 3, 4 and 7 (max 10).
TT01_OFFICER_BANDS: tuple[Band, ...] = (
    Band("full", 5, _l("Fully completed")),
    Band("from_70", 3.5, _l("Completed 70% to under 100%")),
    Band("under_70", 0, _l("Completed under 70%")),
)


def band_for(score: float, bands: Sequence[Band]) -> Band:
    """The highest band whose minimum the score reaches."""
    for band in sorted(bands, key=lambda b: b.minimum, reverse=True):
        if score >= band.minimum:
            return band
    return min(bands, key=lambda b: b.minimum)


def band_label(code: str | None) -> str | None:
    """The translated name of a band code from either table (for renderers)."""
    for band in (*TT01_AGENCY_BANDS, *TT01_OFFICER_BANDS):
        if band.code == code:
            return str(band.label)
    return None


def tt01_index(points_sum: int, dossiers: int | None) -> float | None:
    """A TT 01 index: sum of the dossiers' points / number of dossiers, one decimal.

    None without data (Điều 15: indices without data are left out).
    """
    if not dossiers:
        return None
    return rounded(Fraction(points_sum, dossiers))


def _tt01(
    indices: Mapping[int, float | None], numbers: Sequence[int], bands: Sequence[Band], official
) -> dict:
    values = {number: _index_value(indices, number) for number in numbers}
    present = [value for value in values.values() if value is not None]
    missing = [number for number, value in values.items() if value is None]
    score = rounded(sum((_exact(v) for v in present), Fraction(0))) if present else None
    return {
        "score": score,
        "max": TT01_INDEX_MAX * len(present),
        # A band on a partial total would compare it with thresholds made for the full one.
        "band": band_for(score, bands).code if not missing else None,
        "missing": missing,
        "official": bool(official),
    }


def _index_value(indices: Mapping, number: int) -> float | None:
    value = indices.get(number)
    return value if value is not None else indices.get(str(number))


def tt01_total(indices: Mapping[int, float | None], official: bool) -> dict:
    """The agency's TT 01 total: {"score", "max", "band", "missing", "official"}.

    score = sum of the indices with data (one decimal) out of max = 2 × their number; band (a
    code of TT01_AGENCY_BANDS) only when all nine have data, otherwise None and `missing` lists
    the index numbers without data. `official` is False for periods after 30/6/2025 (shown as
    "tham chiếu TT 01/2018 (nội bộ)"). Keys of `indices` may be numbers or their text.
    """
    return _tt01(indices, TT01_AGENCY_INDICES, TT01_AGENCY_BANDS, official)


def tt01_officer_total(indices: Mapping[int, float | None], *, official: bool = False) -> dict:
    """An officer's TT 01 total over indices 1, 2, 3, 4 and 7 (max 10), shaped like tt01_total.

    `official` defaults to False so a caller that forgets it never claims a legal standing.
    """
    return _tt01(indices, TT01_OFFICER_INDICES, TT01_OFFICER_BANDS, official)


# --- QĐ 766/QĐ-TTg group 5 (Mức độ hài lòng), estimated from our own data ------------------

# criterion → (maximum points, % from which the maximum is reached). Settings override them
# (a revision of 766 is expected).
QD766_DEFAULTS: dict[str, tuple[float, float]] = {
    "5.2": (6, 100),
    "5.3": (6, 100),
    "5.4": (6, 90),
}


def qd766_settings(
    points: Mapping[str, float] | None = None, thresholds: Mapping[str, float] | None = None
) -> dict[str, tuple[float, float]]:
    """QD766_DEFAULTS with maxima and thresholds from two config mappings (either may be None)."""
    points, thresholds = points or {}, thresholds or {}
    return {
        criterion: (points.get(criterion, maximum), thresholds.get(criterion, threshold))
        for criterion, (maximum, threshold) in QD766_DEFAULTS.items()
    }


def _qd766_points(share: float | None, maximum: float, threshold: float) -> float | None:
    if share is None:
        return None
    return rounded(_exact(maximum) * min(Fraction(1), _exact(share) / _exact(threshold)), 2)


def _share(part: Fraction, whole: int) -> float | None:
    if not whole:
        return None
    # Overlapping subtractions (a late answer the citizen also rejected) must not go below 0.
    return rounded(max(Fraction(0), min(Fraction(100), part * 100 / whole)))


def qd766(
    settled_on_time: int,
    settled_late: int,
    open_overdue: int,
    dissatisfied_verdicts: int,
    late_dossiers: int | None,
    resolved_dossiers: int | None,
    dissatisfied_ratings: int,
    ratings: int,
    settings: Mapping[str, Sequence[float]] | None = None,
) -> dict:
    """QĐ 766 group 5 estimates: {"5.2"|"5.3"|"5.4": {"pct", "points", "max"}}.

    Over the PAKN cases settled in the period plus those open and overdue at its end (total):
    5.2 = settled on or before the due date / total; 5.3 = (total − settled late − open overdue
    − answers marked "không hài lòng") / total; 5.4 = 100 − late / resolved dossiers × 100 −
    dissatisfied ratings / ratings × 100, None without dossier figures (no resolved dossiers).
    With no ratings the last term is 0. A share is None when its total is 0 and is kept within
    0–100. points = max × min(1, pct / threshold), two decimals. `settings` maps a criterion to
    (max points, threshold %), overriding QD766_DEFAULTS (see `qd766_settings`).
    """
    table = dict(QD766_DEFAULTS)
    for criterion, pair in (settings or {}).items():
        if criterion in table:
            table[criterion] = (pair[0], pair[1])
    if any(threshold <= 0 for _maximum, threshold in table.values()):
        raise ValueError(f"QĐ 766 thresholds must be above 0: {table}")
    total = settled_on_time + settled_late + open_overdue
    satisfied = total - settled_late - open_overdue - dissatisfied_verdicts
    shares = {
        "5.2": _share(Fraction(settled_on_time), total),
        "5.3": _share(Fraction(satisfied), total),
        "5.4": None,
    }
    if resolved_dossiers:
        dissatisfied = Fraction(dissatisfied_ratings, ratings) if ratings else Fraction(0)
        late = Fraction(late_dossiers or 0, resolved_dossiers)
        shares["5.4"] = _share(1 - late - dissatisfied, 1)
    result = {}
    for criterion, (maximum, threshold) in table.items():
        result[criterion] = {
            "pct": shares[criterion],
            "points": _qd766_points(shares[criterion], maximum, threshold),
            "max": maximum,
        }
    return result


# --- dossiers (Biểu 06) -----------------------------------------------------------------


def coverage_pct(responses: int, resolved_dossiers: int | None) -> float | None:
    """Coverage (tỷ lệ phản hồi): responses per dossier resolved at the same desks × 100.

    None without dossier figures. It can exceed 100 (several ratings for one dossier).
    """
    return pct(responses, resolved_dossiers)


def on_time_pct(early: int, on_time: int, resolved: int | None) -> float | None:
    """Tỷ lệ đúng hạn: dossiers resolved early or on time / resolved × 100, one decimal."""
    return pct(early + on_time, resolved)
