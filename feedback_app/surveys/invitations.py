"""Mời đánh giá: the counter officer invites the citizen just served to rate. Callers commit.

The officer's page makes an invitation (with the dossier code from the receipt, if given); the
counter's tablet polls for it (`current`), shows it, and sends its id with the next rating, which
takes the invitation's dossier code and officer (`claim`). It lapses after
KIOSK_INVITATION_SECONDS, when used, or when a newer one is made at the same counter. The officer
is told whether it was used, never the rating.

The tablet's two calls run on every poll and submission, so they are Core statements on the
caller's connection; the officer's side uses the ORM.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Connection, and_, bindparam, select, update

from .. import audit
from ..connections import run_on
from ..errors import UserError
from ..extensions import db
from ..models import Counter, KioskInvitation, Officer, User
from ..textutil import clean_text
from ..timeutil import as_utc, now_utc

# The receipt's code (Mẫu 01): the provincial `<unit code>-YYMMDD-XXXX` and the national
# `MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX` (Thông tư 4/2025) alike; never refused for its shape beyond
# the characters a code is made of.
DOSSIER_CODE = re.compile(r"^[A-Za-z0-9.\-]{1,40}$")
MAX_PROCEDURE = 120
# How much earlier than the invitation a tablet may date the rating that answers it (its clock
# follows the server's Date header, to within a request's time).
CLOCK_SKEW = timedelta(seconds=30)
# The same invitation sent again this soon (a double tap on the button) is the same invitation.
RESEND_WINDOW = timedelta(seconds=15)

INVITATIONS = KioskInvitation.__table__
OFFICERS = Officer.__table__
_OPEN = and_(
    INVITATIONS.c.used_at.is_(None),
    INVITATIONS.c.cancelled_at.is_(None),
)
_CURRENT = (
    select(
        INVITATIONS.c.id,
        INVITATIONS.c.dossier_code,
        INVITATIONS.c.procedure,
        INVITATIONS.c.expires_at,
        INVITATIONS.c.shown_at,
        OFFICERS.c.name.label("officer"),
    )
    .outerjoin(OFFICERS, OFFICERS.c.id == INVITATIONS.c.officer_id)
    .where(
        INVITATIONS.c.counter_id == bindparam("counter_id"),
        _OPEN,
        INVITATIONS.c.expires_at > bindparam("now"),
    )
    .order_by(INVITATIONS.c.id.desc())
    .limit(1)
)
_SHOWN = (
    update(INVITATIONS)
    .where(INVITATIONS.c.id == bindparam("invitation_id"), INVITATIONS.c.shown_at.is_(None))
    .values(shown_at=bindparam("now"))
)
_CLAIMABLE = select(
    INVITATIONS.c.officer_id,
    INVITATIONS.c.dossier_code,
    INVITATIONS.c.created_at,
    INVITATIONS.c.expires_at,
).where(
    INVITATIONS.c.id == bindparam("invitation_id"),
    INVITATIONS.c.counter_id == bindparam("counter_id"),
    _OPEN,
)
_USED = (
    update(INVITATIONS)
    .where(INVITATIONS.c.id == bindparam("invitation_id"), _OPEN)
    .values(used_at=bindparam("now"))
)


class InvitationInvalid(UserError):
    """What the officer typed cannot make an invitation."""


@dataclass(frozen=True)
class Claimed:
    """What a rating takes from the invitation it answers."""

    officer_id: int | None
    dossier_code: str | None


def invite(
    counter: Counter, actor: User, dossier_code: str = "", procedure: str = ""
) -> KioskInvitation:
    """A new invitation at this counter (an older open one there lapses)."""
    code = (dossier_code or "").strip().upper()
    if code and not DOSSIER_CODE.match(code):
        raise InvitationInvalid(
            _("A dossier code has letters, digits, dots and dashes."), "dossier_code"
        )
    procedure = clean_text(procedure or "").strip()
    if len(procedure) > MAX_PROCEDURE:
        raise InvitationInvalid(_("At most %(n)d characters.", n=MAX_PROCEDURE), "procedure")
    now = now_utc()
    same = db.session.scalar(
        select(KioskInvitation).where(
            KioskInvitation.counter_id == counter.id,
            KioskInvitation.created_by_id == actor.id,
            KioskInvitation.created_at >= now - RESEND_WINDOW,
            KioskInvitation.dossier_code.is_(None)
            if not code
            else KioskInvitation.dossier_code == code,
            KioskInvitation.procedure == procedure,
            KioskInvitation.expires_at > now,
            _OPEN,
        )
    )
    if same is not None:
        return same  # the form sent twice: the tablet keeps the one it shows
    db.session.execute(
        update(KioskInvitation)
        .where(KioskInvitation.counter_id == counter.id, _OPEN)
        .values(cancelled_at=now)
    )
    invitation = KioskInvitation(
        counter=counter,
        officer_id=counter.officer_on_duty_id,
        dossier_code=code or None,
        procedure=procedure,
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(seconds=current_app.config["KIOSK_INVITATION_SECONDS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record("kiosk_invitation", actor=actor, target=counter, invitation=invitation.id)
    return invitation


def latest(counter_ids: list[int]) -> dict[int, KioskInvitation]:
    """The last invitation made at each of these counters (for the officer's page)."""
    if not counter_ids:
        return {}
    newest = (
        select(KioskInvitation.counter_id, db.func.max(KioskInvitation.id).label("id"))
        .where(KioskInvitation.counter_id.in_(counter_ids))
        .group_by(KioskInvitation.counter_id)
        .subquery()
    )
    rows = db.session.scalars(
        select(KioskInvitation).join(newest, newest.c.id == KioskInvitation.id)
    )
    return {invitation.counter_id: invitation for invitation in rows}


def state(invitation: KioskInvitation) -> str:
    """waiting / shown / used / expired / replaced: all the officer is told."""
    if invitation.used_at is not None:
        return "used"
    if invitation.cancelled_at is not None:
        return "replaced"
    if as_utc(invitation.expires_at) <= now_utc():
        return "expired"
    return "shown" if invitation.shown_at is not None else "waiting"


def current(counter_id: int, sql: Connection | None = None, mark: bool = True) -> dict | None:
    """The open invitation at this counter, as the tablet gets it, marked shown (unless `mark`
    is false: a HEAD request shows nothing); or None."""
    now = now_utc()
    row = run_on(sql).execute(_CURRENT, {"counter_id": counter_id, "now": now}).first()
    if row is None:
        return None
    if mark and row.shown_at is None:
        run_on(sql).execute(_SHOWN, {"invitation_id": row.id, "now": now})
    return {
        "id": row.id,
        "officer": row.officer,
        "dossier_code": row.dossier_code,
        "procedure": row.procedure or None,
        "expires_at": as_utc(row.expires_at).isoformat(),
    }


def claim(
    invitation_id: int, counter_id: int, answered_at: datetime, sql: Connection
) -> Claimed | None:
    """Mark the invitation used by the rating answered at `answered_at`, if it still may be:
    made at this counter, not used or replaced, and answered while it was open (a tablet's clock
    may be a little off; a rating queued offline may arrive after the invitation expired, and
    still counts). None otherwise: the rating is stored all the same, without it."""
    params = {"invitation_id": invitation_id, "counter_id": counter_id}
    row = sql.execute(_CLAIMABLE, params).first()
    if row is None:
        return None
    opened = as_utc(row.created_at) - CLOCK_SKEW
    if not opened <= answered_at <= as_utc(row.expires_at):
        return None
    if sql.execute(_USED, {"invitation_id": invitation_id, "now": now_utc()}).rowcount != 1:
        return None  # another rating took it a moment ago
    return Claimed(officer_id=row.officer_id, dossier_code=row.dossier_code)
