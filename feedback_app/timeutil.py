"""Times are stored in UTC and read in Vietnam's time zone (Asia/Ho_Chi_Minh)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now_utc() -> datetime:
    """The current instant, timezone-aware."""
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date in Vietnam."""
    return datetime.now(LOCAL_TZ).date()


def local_date(moment: datetime) -> date:
    """The Vietnamese calendar day of an instant (naive values are taken as UTC)."""
    return as_utc(moment).astimezone(LOCAL_TZ).date()


def from_local(naive: datetime) -> datetime:
    """A wall-clock time typed in Vietnam, as an aware UTC instant."""
    return naive.replace(tzinfo=LOCAL_TZ).astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored instant, timezone-aware (SQLite gives back naive UTC values)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
