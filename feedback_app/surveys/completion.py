"""How surveys at each tablet end: completed, partial, or abandoned with no answer. Counts only.

A survey a citizen began (touched the screen, or an invitation was shown) ends one of three
ways: every step answered (a response), stopped early with at least one rating (a response
marked partial), or left with no rating at all, which the tablet reports here, through its
offline queue, idempotent on its own UUID. Nothing identifies the citizen: a kiosk, a day, and
whether an invitation was shown.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Connection, and_, bindparam, case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Kiosk, KioskAbandon, Response, ResponseChannel
from ..reports.formulas import pct
from ..timeutil import from_local, local_date, now_utc
from .service import MAX_AGE_DAYS, SubmissionInvalid, parse_answered_at, parse_client_uuid

ABANDONS = KioskAbandon.__table__
_NEW_ABANDON = {
    name: dialect_insert(ABANDONS)
    .on_conflict_do_nothing(index_elements=["client_uuid"])
    .returning(ABANDONS.c.id)
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_ABANDON_BY_UUID = select(ABANDONS.c.id, ABANDONS.c.kiosk_id).where(
    ABANDONS.c.client_uuid == bindparam("client_uuid")
)
# An abandon report naming a stored response is refused: that survey did end with a rating.
# (The other order, a report then a response with its identifier, is not checked: kiosk.js never
# sends it, and checking would cost every submission a look-up.)
_IS_RESPONSE = select(Response.__table__.c.id).where(
    Response.__table__.c.client_uuid == bindparam("client_uuid")
)


def record_abandoned(kiosk_id: int, payload, sql: Connection) -> tuple[dict, bool]:
    """A survey left with no rating: ({id}, created); the same UUID again gives the first."""
    if not isinstance(payload, dict):
        raise SubmissionInvalid({"body": _("Send a JSON object.")})
    client_uuid = parse_client_uuid(payload.get("client_uuid"))
    errors: dict[str, str] = {}
    moment = parse_answered_at(payload.get("answered_at"), MAX_AGE_DAYS, errors)
    invited = payload.get("invited", False)
    if not isinstance(invited, bool):
        errors["invited"] = _("Say true or false.")
    if errors:
        previous = sql.execute(_ABANDON_BY_UUID, {"client_uuid": client_uuid}).first()
        if previous is not None and previous.kiosk_id == kiosk_id:
            return {"id": previous.id}, False
        raise SubmissionInvalid(errors)
    if sql.execute(_IS_RESPONSE, {"client_uuid": client_uuid}).first() is not None:
        message = _("This identifier belongs to another answer. Start a new survey.")
        raise SubmissionInvalid({"client_uuid": message})
    row = {
        "client_uuid": client_uuid,
        "kiosk_id": kiosk_id,
        "day": local_date(moment),
        "invited": invited,
    }
    new_id = sql.scalar(_NEW_ABANDON[sql.dialect.name], row)
    if new_id is not None:
        return {"id": new_id}, True
    previous = sql.execute(_ABANDON_BY_UUID, {"client_uuid": client_uuid}).first()
    if previous.kiosk_id != kiosk_id:
        message = _("This identifier belongs to another answer. Start a new survey.")
        raise SubmissionInvalid({"client_uuid": message})
    return {"id": previous.id}, False


@dataclass
class Completion:
    """One kiosk's surveys over some days."""

    completed: int = 0
    partial: int = 0
    abandoned: int = 0

    @property
    def started(self) -> int:
        return self.completed + self.partial + self.abandoned

    @property
    def completion_pct(self) -> float | None:
        """Completed / started × 100, one decimal rounded as the summary rounds; None before
        any survey."""
        return pct(self.completed, self.started)


def per_kiosk(kiosks: list[Kiosk], days: int = 7) -> dict[int, Completion]:
    """The last `days` Vietnamese calendar days (today included) of each kiosk."""
    if not kiosks:
        return {}
    first_day = first_day_of(days)
    since = from_local(datetime.combine(first_day, datetime.min.time()))
    ids = [k.id for k in kiosks]
    points = {k.counter.service_point_id for k in kiosks}
    figures = {kiosk_id: Completion() for kiosk_id in ids}
    # By desk and hour first (the responses' index), then by kiosk; burst-flagged left out.
    responses = db.session.execute(
        select(
            Response.kiosk_id,
            func.sum(case((Response.partial, 0), else_=1)),
            func.sum(case((Response.partial, 1), else_=0)),
        )
        .where(
            Response.service_point_id.in_(points),
            Response.submitted_hour >= since,
            Response.channel == ResponseChannel.KIOSK,
            Response.kiosk_id.in_(ids),
            Response.suspicious.is_(False),
        )
        .group_by(Response.kiosk_id)
    )
    for kiosk_id, completed, partial in responses:
        figures[kiosk_id].completed = int(completed or 0)
        figures[kiosk_id].partial = int(partial or 0)
    abandons = db.session.execute(
        select(KioskAbandon.kiosk_id, func.count())
        .where(and_(KioskAbandon.kiosk_id.in_(ids), KioskAbandon.day >= first_day))
        .group_by(KioskAbandon.kiosk_id)
    )
    for kiosk_id, count in abandons:
        figures[kiosk_id].abandoned = int(count)
    return figures


def first_day_of(days: int) -> date:
    """The first day the kiosk page's figures cover."""
    return local_date(now_utc()) - timedelta(days=days - 1)
