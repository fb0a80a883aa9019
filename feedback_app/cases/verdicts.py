"""The citizen's verdict on a published answer: "Hài lòng" or "Không hài lòng".

Once a case's answer is published, the tracking page offers the two buttons. One verdict per case,
which the citizen may change until the 30th day (Vietnam time) after the answer was published;
then it is frozen. QĐ 766/QĐ-TTg indicator 5.3 counts the answers marked "không hài lòng"
(`Case.verdict`). The verdict is anonymous: nothing about who gave it is stored (no account, no
address); each change is written to the case's history as a "verdict" event without an actor.

When was the answer published? The case's history says so: the latest "published" event (a
case that was hidden and published again, perhaps with a corrected answer, gives the citizen
30 days from the answer now shown). A case published without such an event (bulk-loaded data)
counts from `answered_at`.

No commits here: the caller commits.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import Case, CaseEvent, CaseStatus, CaseVerdict
from ..timeutil import as_utc, local_date, local_today, now_utc
from .service import CaseError

# Days after publication during which the verdict may be given or changed.
VERDICT_DAYS = 30
# A reopened case (answered → assigned) is being answered again: nothing to rate until then.
RATEABLE_STATUSES = frozenset({CaseStatus.ANSWERED, CaseStatus.CLOSED})


class VerdictRefused(CaseError):
    """The verdict cannot be recorded: no published answer, an unknown value, or too late."""


def published_at(case: Case) -> datetime | None:
    """When the answer the tracking page shows was published; None while none is shown."""
    if not (case.published and case.answer) or case.status not in RATEABLE_STATUSES:
        return None
    latest = db.session.scalar(
        select(func.max(CaseEvent.at)).where(
            CaseEvent.case_id == case.id, CaseEvent.action == "published"
        )
    )
    moment = latest or case.answered_at
    return as_utc(moment) if moment is not None else None


def last_day(case: Case) -> date | None:
    """The last day (Vietnam time) on which the verdict may be given or changed."""
    published = published_at(case)
    return local_date(published) + timedelta(days=VERDICT_DAYS) if published else None


@dataclass(frozen=True)
class VerdictView:
    """What the tracking page says about the verdict."""

    verdict: CaseVerdict | None
    last_day: date
    open: bool  # the buttons are offered


def verdict_view(case: Case, today: date | None = None) -> VerdictView | None:
    """The verdict panel of the tracking page; None when there is no published answer."""
    until = last_day(case)
    if until is None:
        return None
    return VerdictView(case.verdict, until, (today or local_today()) <= until)


def record(case: Case, value: str | None, today: date | None = None) -> bool:
    """Record the citizen's verdict (`hai_long` or `khong_hai_long`); True if it changed.

    The same verdict again changes nothing (a resent form). Raises VerdictRefused, with a
    translated message, when there is no published answer, the value is unknown, or the 30 days
    are over.
    """
    until = last_day(case)
    if until is None:
        raise VerdictRefused(_("This case has no published answer to rate yet."))
    try:
        verdict = CaseVerdict(value or "")
    except ValueError:
        raise VerdictRefused(_("Choose “Satisfied” or “Not satisfied”."), "verdict") from None
    if (today or local_today()) > until:
        raise VerdictRefused(
            _("The time to rate this answer ended on %(date)s.", date=format_date(until, "long"))
        )
    if case.verdict == verdict:
        return False
    previous = case.verdict
    case.verdict = verdict
    case.verdict_at = now_utc()
    detail = {"verdict": verdict.value, "previous": previous.value if previous else None}
    db.session.add(CaseEvent(case=case, actor_id=None, action="verdict", note="", detail=detail))
    return True
