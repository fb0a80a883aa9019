"""Report periods (kỳ báo cáo): a year, a half-year, a quarter, a month or a custom range of days.

Pure values: no database, no request. A period is a run of Vietnamese calendar days; `utc_bounds`
turns it into the instants stored rows are compared with. Labels are the canonical, shareable form
used in URLs and on the command line: `2022`, `2022-H1`, `2022-Q3`, `2022-06`,
`2022-01-01..2022-06-30` (DESIGN.md §4).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import UserError
from ..timeutil import LOCAL_TZ

# NĐ 118/2025/NĐ-CP replaced NĐ 61/2018/NĐ-CP for the one-stop desks from this day: TT 01/2018
# scoring is official for periods that end before it and an internal reference after it.
REFORM_DAY = date(2025, 7, 1)

KINDS = ("year", "half", "quarter", "month", "custom")
FIRST_YEAR = 2000
LAST_YEAR = 2100
# Three years including one leap day: long enough for any trend, short enough to stay fast.
MAX_CUSTOM_DAYS = 1096

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

# One whole title per period rather than pieces glued together, so each language can order the
# words its own way (vi "Quý I năm 2022", en "Q1 2022").
_YEAR_TITLE = _l("Year %(year)d")
_HALF_TITLES = {1: _l("First half of %(year)d"), 2: _l("Second half of %(year)d")}
_QUARTER_TITLES = {
    1: _l("Q1 %(year)d"),
    2: _l("Q2 %(year)d"),
    3: _l("Q3 %(year)d"),
    4: _l("Q4 %(year)d"),
}
_MONTH_TITLES = {
    1: _l("January %(year)d"),
    2: _l("February %(year)d"),
    3: _l("March %(year)d"),
    4: _l("April %(year)d"),
    5: _l("May %(year)d"),
    6: _l("June %(year)d"),
    7: _l("July %(year)d"),
    8: _l("August %(year)d"),
    9: _l("September %(year)d"),
    10: _l("October %(year)d"),
    11: _l("November %(year)d"),
    12: _l("December %(year)d"),
}

# ASCII digits only: `\d` would also take Arabic-Indic or full-width digits, which int() reads.
_YEAR_RE = re.compile(r"([0-9]{4})", re.ASCII)
_HALF_RE = re.compile(r"([0-9]{4})-[Hh]([0-9])", re.ASCII)
_QUARTER_RE = re.compile(r"([0-9]{4})-[Qq]([0-9])", re.ASCII)
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_RANGE_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})", re.ASCII)
# Long input is echoed back in the message: keep it readable.
_ECHO_LIMIT = 40


class PeriodError(UserError):
    """A period label that cannot be read."""

    def __init__(self, message: str, label: str = ""):
        super().__init__(message, "period")
        self.label = label


@dataclass(frozen=True)
class Period:
    """Kỳ báo cáo: the days `start`..`end` (both included) and the label that names them."""

    kind: str
    start: date
    end: date
    label: str

    def __post_init__(self) -> None:
        """Refuse a period that cannot exist (a programming error, not user input)."""
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if self.end < self.start:
            raise ValueError(f"period {self.label!r} ends before it starts")

    @property
    def days(self) -> int:
        """How many calendar days the period covers."""
        return (self.end - self.start).days + 1

    @property
    def tt01_official(self) -> bool:
        """TT 01/2018 scoring is the official one: the period ends before NĐ 118/2025 applied."""
        return self.end < REFORM_DAY

    @property
    def spans_reform(self) -> bool:
        """The period has days both before and from 1 July 2025 (reports must say so)."""
        return self.start < REFORM_DAY <= self.end

    def previous(self) -> "Period":
        """The period of the same length just before this one, the one it is compared with.

        Calendar periods step back one of their kind (2022-H1 → 2021-H2, 2022-Q1 → 2021-Q4,
        2022-01 → 2021-12); a custom range gives the same number of days ending the day before
        it starts. The result may fall before FIRST_YEAR: only `parse` limits years.
        """
        year = self.start.year
        if self.kind == "year":
            return year_period(year - 1)
        if self.kind == "half":
            half = _half_of(self.start)
            return half_period(year, 1) if half == 2 else half_period(year - 1, 2)
        if self.kind == "quarter":
            quarter = _quarter_of(self.start)
            return quarter_period(year, quarter - 1) if quarter > 1 else quarter_period(year - 1, 4)
        if self.kind == "month":
            month = self.start.month
            return month_period(year, month - 1) if month > 1 else month_period(year - 1, 12)
        end = self.start - timedelta(days=1)
        return custom_period(end - timedelta(days=self.days - 1), end)

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[first day 00:00, day after the last 00:00) in Vietnam, as aware UTC instants."""
        start = datetime.combine(self.start, time(), tzinfo=LOCAL_TZ)
        end = datetime.combine(self.end + timedelta(days=1), time(), tzinfo=LOCAL_TZ)
        return start.astimezone(UTC), end.astimezone(UTC)

    def title(self) -> str:
        """The period in words, in the current language ("Quý I năm 2022", "Q1 2022")."""
        year = self.start.year
        if self.kind == "year":
            return _YEAR_TITLE % {"year": year}
        if self.kind == "half":
            return _HALF_TITLES[_half_of(self.start)] % {"year": year}
        if self.kind == "quarter":
            return _QUARTER_TITLES[_quarter_of(self.start)] % {"year": year}
        if self.kind == "month":
            return _MONTH_TITLES[self.start.month] % {"year": year}
        # Translators: a CLDR date pattern for the two ends of a custom period; Vietnamese
        # reports write dates as dd/MM/y (01/01/2022).
        pattern = _("d MMM y")
        return _(
            "From %(start)s to %(end)s",
            start=format_date(self.start, pattern),
            end=format_date(self.end, pattern),
        )

    def __str__(self) -> str:
        """The canonical label, so a period can go straight into a URL or a file name."""
        return self.label


def _half_of(day: date) -> int:
    return 1 if day.month <= 6 else 2


def _quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _last_day_of_month(year: int, month: int) -> date:
    first_of_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first_of_next - timedelta(days=1)


def year_period(year: int) -> Period:
    """The calendar year (năm)."""
    return Period("year", date(year, 1, 1), date(year, 12, 31), f"{year:04d}")


def half_period(year: int, half: int) -> Period:
    """The first (1) or second (2) half of a year (6 tháng đầu / cuối năm)."""
    if half not in (1, 2):
        raise ValueError(f"half must be 1 or 2, not {half!r}")
    start = date(year, 1, 1) if half == 1 else date(year, 7, 1)
    end = date(year, 6, 30) if half == 1 else date(year, 12, 31)
    return Period("half", start, end, f"{year:04d}-H{half}")


def quarter_period(year: int, quarter: int) -> Period:
    """A quarter 1–4 of a year (quý)."""
    if quarter not in _ROMAN:
        raise ValueError(f"quarter must be 1 to 4, not {quarter!r}")
    first_month = 3 * quarter - 2
    start = date(year, first_month, 1)
    return Period(
        "quarter", start, _last_day_of_month(year, first_month + 2), f"{year:04d}-Q{quarter}"
    )


def month_period(year: int, month: int) -> Period:
    """A calendar month (tháng)."""
    start = date(year, month, 1)
    return Period("month", start, _last_day_of_month(year, month), f"{year:04d}-{month:02d}")


def custom_period(start: date, end: date) -> Period:
    """Any run of days, both ends included; labelled `YYYY-MM-DD..YYYY-MM-DD`."""
    return Period("custom", start, end, f"{start.isoformat()}..{end.isoformat()}")


def _refuse(label: str, reason: str) -> PeriodError:
    shown = label if len(label) <= _ECHO_LIMIT else label[: _ECHO_LIMIT - 1] + "…"
    return PeriodError(
        _(
            "“%(label)s” is not a report period: %(reason)s. Use a year (2022), a half-year "
            "(2022-H1 or 2022-H2), a quarter (2022-Q1 to 2022-Q4), a month (2022-06) or a range "
            "of days (2022-01-01..2022-06-30).",
            label=shown,
            reason=reason,
        ),
        label,
    )


def _year(text: str, label: str) -> int:
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise _refuse(
            label,
            _("years run from %(first)d to %(last)d", first=FIRST_YEAR, last=LAST_YEAR),
        )
    return year


def _day(text: str, label: str) -> date:
    _year(text[:4], label)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _refuse(label, _("%(day)s is not a date in the calendar", day=text)) from None


def parse(label: str) -> Period:
    """Read a period label (`2022`, `2022-H1`, `2022-Q3`, `2022-06`, `2022-01-01..2022-06-30`).

    Surrounding spaces and a lowercase `h`/`q` are accepted; anything else raises PeriodError.
    """
    if not isinstance(label, str):
        raise _refuse("", _("no period was given"))
    text = label.strip()
    if not text:
        raise _refuse(text, _("no period was given"))
    if match := _YEAR_RE.fullmatch(text):
        return year_period(_year(match[1], text))
    if match := _HALF_RE.fullmatch(text):
        year, half = _year(match[1], text), int(match[2])
        if half not in (1, 2):
            raise _refuse(text, _("a year has two halves, H1 and H2"))
        return half_period(year, half)
    if match := _QUARTER_RE.fullmatch(text):
        year, quarter = _year(match[1], text), int(match[2])
        if quarter not in _ROMAN:
            raise _refuse(text, _("a year has four quarters, Q1 to Q4"))
        return quarter_period(year, quarter)
    if match := _MONTH_RE.fullmatch(text):
        year, month = _year(match[1], text), int(match[2])
        if not 1 <= month <= 12:
            raise _refuse(text, _("months run from 01 to 12"))
        return month_period(year, month)
    if match := _RANGE_RE.fullmatch(text):
        start, end = _day(match[1], text), _day(match[2], text)
        if end < start:
            raise _refuse(text, _("the range ends before it starts"))
        if (end - start).days + 1 > MAX_CUSTOM_DAYS:
            raise _refuse(text, _("a range may cover at most %(days)d days", days=MAX_CUSTOM_DAYS))
        return custom_period(start, end)
    raise _refuse(text, _("this form is not one of those accepted"))


def current(kind: str, today: date) -> Period:
    """The year, half, quarter or month that contains `today`."""
    if kind == "year":
        return year_period(today.year)
    if kind == "half":
        return half_period(today.year, _half_of(today))
    if kind == "quarter":
        return quarter_period(today.year, _quarter_of(today))
    if kind == "month":
        return month_period(today.year, today.month)
    raise ValueError(f"no current period of kind {kind!r}")


def last_closed(kind: str, today: date) -> Period:
    """The most recent year, half, quarter or month that ended before `today`.

    The published results (NĐ 61/2018 Điều 32) show the last closed quarter and half-year.
    """
    # The period containing today has not ended (its end is today or later); the one before it
    # ended yesterday at the latest.
    return current(kind, today).previous()


def month_starts(period: Period) -> list[date]:
    """The first day of every month the period touches, in order (for monthly trends)."""
    starts = []
    month = date(period.start.year, period.start.month, 1)
    while month <= period.end:
        starts.append(month)
        month = _last_day_of_month(month.year, month.month) + timedelta(days=1)
    return starts
