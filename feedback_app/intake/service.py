"""Paper intake: suggestion-box openings (hòm thư góp ý) and comment books (sổ góp ý).

Every slip and every book entry becomes a Case (channel `box` or `book`) through
cases.service.create_case, keyed by the form's one-time token so a repeat never makes a second
case. Thông tư 01/2018 Điều 10.2: a book is opened each year and its entries are numbered
continuously from 1; letters from the box count as petitions and each must be numbered.

No commits here: the caller commits once, or rolls back when an IntakeError is raised.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from .. import audit, storage
from ..cases import service as cases
from ..errors import UserError
from ..extensions import db
from ..models import (
    AdminUnit,
    BoxOpening,
    BoxStatus,
    Case,
    CaseChannel,
    CaseKind,
    CommentBook,
    ServicePoint,
    User,
)
from ..security import in_scope
from ..timeutil import as_utc, from_local, local_today, now_utc

MIN_WITNESSES = 2
MAX_REASON = 2000
FIRST_BOOK_YEAR = 2000
# A clock a few minutes ahead of the server's is not "the future".
CLOCK_SLACK = timedelta(minutes=5)


class IntakeError(UserError):
    """A box opening, slip or comment-book entry that cannot be recorded."""


class OpeningClosed(IntakeError):
    """The box opening is reconciled and closed: no more slips."""


class BookClosed(IntakeError):
    """The comment book is closed: no more entries."""


class DuplicateBook(IntakeError):
    """The desk already has a book for that year."""


class WrongEntryNumber(IntakeError):
    """The number copied from the book is not the next one."""


@dataclass
class PaperText:
    """What a slip or a book entry says, as the clerk typed it."""

    content: str
    kind: CaseKind = CaseKind.FEEDBACK
    subject: str = ""
    sender_name: str | None = None
    sender_phone: str | None = None
    sender_address: str | None = None


def _new_case(
    text: PaperText, channel: CaseChannel, point: ServicePoint, received_at, key: str, extra
) -> cases.NewCase:
    return cases.NewCase(
        channel=channel,
        content=text.content,
        service_point=point,
        kind=text.kind,
        subject=text.subject or "",
        sender_name=text.sender_name,
        sender_phone=text.sender_phone,
        sender_address=text.sender_address,
        received_at=received_at,
        intake_key=key,
        extra=extra,
    )


def _create_paper_case(new: cases.NewCase, scan: FileStorage | None, actor: User) -> Case:
    """The case and, if a file came with it, its scan: both or neither (the caller rolls back)."""
    try:
        case, _created = cases.create_case(new, actor)
        if scan is not None and scan.filename:
            storage.store(scan, original_name=scan.filename, case=case, uploaded_by=actor)
    except cases.CaseError as exc:
        raise IntakeError(exc.message, exc.field) from exc
    except storage.AttachmentRejected as exc:
        raise IntakeError(exc.message, "scan") from exc
    except IntegrityError as exc:
        # Two requests with the same token (or the same book number) at the same moment: the
        # other one won. The caller rolls back; the page shows what was saved.
        raise IntakeError(
            _("Another entry was saved at the same moment. Reload the page and check.")
        ) from exc
    return case


# --- Suggestion box -------------------------------------------------------------------------


def parse_witnesses(text: str | None) -> list[str]:
    """One name per line, blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def find_opening_by_key(key: str | None) -> BoxOpening | None:
    """The opening a form token already created, if any."""
    if not key:
        return None
    return db.session.scalar(select(BoxOpening).where(BoxOpening.intake_key == key))


def open_box(
    point: ServicePoint,
    *,
    box_label: str,
    opened_at_local: datetime,
    witnesses: str,
    slips_counted: int,
    intake_key: str,
    actor: User,
) -> tuple[BoxOpening, bool]:
    """Mở hòm thư: record an opening with its witnesses and slip count; (opening, created).

    `opened_at_local` is the wall-clock time typed in Vietnam. A repeat of the same form token
    returns the opening it made the first time.
    """
    existing = find_opening_by_key(intake_key)
    if existing is not None:
        return existing, False
    opened_at = from_local(opened_at_local)
    if opened_at > now_utc() + CLOCK_SLACK:
        raise IntakeError(_("The date cannot be in the future."), "opened_at")
    names = parse_witnesses(witnesses)
    if len(names) < MIN_WITNESSES:
        raise IntakeError(
            _("Write the names of at least %(n)d witnesses, one per line.", n=MIN_WITNESSES),
            "witnesses",
        )
    if slips_counted < 0:
        raise IntakeError(_("The number of slips cannot be negative."), "slips_counted")
    opening = BoxOpening(
        service_point=point,
        box_label=box_label.strip(),
        opened_at=opened_at,
        witnesses="\n".join(names),
        slips_counted=slips_counted,
        status=BoxStatus.OPEN,
        opened_by_id=actor.id,
        intake_key=intake_key,
    )
    db.session.add(opening)
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise IntakeError(
            _("This form was sent twice at the same moment. Reload the page.")
        ) from exc
    audit.record(
        "box_opened",
        actor=actor,
        target=opening,
        service_point=point.id,
        box=opening.box_label,
        slips_counted=slips_counted,
    )
    return opening, True


def _entered_by_opening():
    return (
        select(Case.box_opening_id, func.count(Case.id).label("entered"))
        .where(Case.box_opening_id.is_not(None))
        .group_by(Case.box_opening_id)
        .subquery()
    )


def openings_query(user: User) -> Select:
    """(opening, slips entered) in the user's scope, newest first."""
    entered = _entered_by_opening()
    return (
        select(BoxOpening, func.coalesce(entered.c.entered, 0))
        .join(BoxOpening.service_point)
        .outerjoin(entered, entered.c.box_opening_id == BoxOpening.id)
        .where(in_scope(ServicePoint.unit_id, user))
        .order_by(BoxOpening.opened_at.desc(), BoxOpening.id.desc())
    )


def entered_count(opening: BoxOpening) -> int:
    """How many slips of this opening have been typed in."""
    return db.session.scalar(select(func.count(Case.id)).where(Case.box_opening_id == opening.id))


def slips_of(opening: BoxOpening) -> list[Case]:
    """The cases made from this opening's slips, by slip number."""
    return db.session.scalars(
        select(Case).where(Case.box_opening_id == opening.id).order_by(Case.slip_number, Case.id)
    ).all()


def _lock(row) -> None:
    """Reload the row and, on PostgreSQL, lock it until commit: numbering is one at a time."""
    db.session.refresh(row, with_for_update=True)


def add_slip(
    opening: BoxOpening,
    text: PaperText,
    *,
    token: str,
    scan: FileStorage | None,
    actor: User,
) -> tuple[Case, bool]:
    """Nhập thư góp ý: one slip becomes a case numbered next within the opening; (case, created).

    The slip was received when the box was opened. A repeat of the same form token returns the
    case it made the first time.
    """
    _lock(opening)  # after the lock, a twin request's case is visible here
    key = f"slip:{token}"
    existing = cases.find_by_intake_key(key)
    if existing is not None:
        if existing.box_opening_id != opening.id:
            raise IntakeError(_("This form belongs to another page. Reload the page."))
        return existing, False
    if opening.status == BoxStatus.CLOSED:
        raise OpeningClosed(_("This opening is closed: no more slips can be added."))
    number = 1 + (
        db.session.scalar(
            select(func.max(Case.slip_number)).where(Case.box_opening_id == opening.id)
        )
        or 0
    )
    extra = {"box_opening_id": opening.id, "slip_number": number}
    received_at = as_utc(opening.opened_at)
    new = _new_case(text, CaseChannel.BOX, opening.service_point, received_at, key, extra)
    case = _create_paper_case(new, scan, actor)
    audit.record("box_slip_entered", actor=actor, target=opening, case=case.code, slip=number)
    return case, True


def close_opening(opening: BoxOpening, *, reason: str | None, actor: User) -> int:
    """Đóng: reconcile the opening; a difference between entered and counted needs a reason.

    Returns the number of slips entered.
    """
    _lock(opening)
    if opening.status == BoxStatus.CLOSED:
        raise OpeningClosed(_("This opening is already closed."))
    reason = (reason or "").strip()
    entered = entered_count(opening)
    if entered != opening.slips_counted and not reason:
        raise IntakeError(
            _(
                "Slips entered: %(entered)d; slips counted: %(counted)d. "
                "Give the reason for the difference.",
                entered=entered,
                counted=opening.slips_counted,
            ),
            "reason",
        )
    if len(reason) > MAX_REASON:
        raise IntakeError(_("At most %(n)d characters.", n=MAX_REASON), "reason")
    opening.status = BoxStatus.CLOSED
    opening.closed_at = now_utc()
    opening.discrepancy_reason = reason or None
    db.session.flush()
    audit.record(
        "box_closed",
        actor=actor,
        target=opening,
        entered=entered,
        counted=opening.slips_counted,
        reason=reason,
    )
    return entered


# --- Comment book ---------------------------------------------------------------------------


def open_book(point: ServicePoint, *, year: int, actor: User) -> CommentBook:
    """Mở sổ: the desk's comment book for a year; one per desk per year, never in the future."""
    if year > local_today().year:
        raise IntakeError(_("The year cannot be in the future."), "year")
    if year < FIRST_BOOK_YEAR:
        raise IntakeError(_("Enter a four-digit year."), "year")
    taken = _("This desk already has a comment book for %(year)d.", year=year)
    exists = select(CommentBook.id).where(
        CommentBook.service_point_id == point.id, CommentBook.year == year
    )
    if db.session.scalar(exists) is not None:
        raise DuplicateBook(taken, "year")
    book = CommentBook(service_point=point, year=year, opened_at=now_utc())
    db.session.add(book)
    try:
        db.session.flush()
    except IntegrityError as exc:  # opened by someone else at the same moment
        raise DuplicateBook(taken, "year") from exc
    audit.record("book_opened", actor=actor, target=book, service_point=point.id, year=year)
    return book


def books_query(user: User) -> Select:
    """(book, entries) in the user's scope, newest year first."""
    entries = (
        select(Case.book_id, func.count(Case.id).label("entries"))
        .where(Case.book_id.is_not(None))
        .group_by(Case.book_id)
        .subquery()
    )
    return (
        select(CommentBook, func.coalesce(entries.c.entries, 0))
        .join(CommentBook.service_point)
        .join(ServicePoint.unit)
        .outerjoin(entries, entries.c.book_id == CommentBook.id)
        .where(in_scope(ServicePoint.unit_id, user))
        .order_by(CommentBook.year.desc(), AdminUnit.path, ServicePoint.name)
    )


def entries_of(book: CommentBook) -> list[Case]:
    """The cases copied from this book, by entry number."""
    return db.session.scalars(
        select(Case).where(Case.book_id == book.id).order_by(Case.book_entry_number)
    ).all()


def next_entry_number(book: CommentBook) -> int:
    """The number the next entry must carry: numbering is continuous from 1."""
    last = db.session.scalar(
        select(func.max(Case.book_entry_number)).where(Case.book_id == book.id)
    )
    return (last or 0) + 1


def add_entry(
    book: CommentBook,
    text: PaperText,
    *,
    entry_number: int,
    page: int,
    written_on: date,
    token: str,
    scan: FileStorage | None,
    actor: User,
) -> tuple[Case, bool]:
    """Chép sổ: one book entry becomes a case; its number must be the next one; (case, created)."""
    _lock(book)  # after the lock, a twin request's case is visible here
    key = f"book:{token}"
    existing = cases.find_by_intake_key(key)
    if existing is not None:
        if existing.book_id != book.id:
            raise IntakeError(_("This form belongs to another page. Reload the page."))
        return existing, False
    if book.closed_at is not None:
        raise BookClosed(_("This book is closed: no more entries can be added."))
    expected = next_entry_number(book)
    if entry_number != expected:
        raise WrongEntryNumber(
            _("The next entry in this book is number %(n)d.", n=expected), "entry_number"
        )
    if page < 1:
        raise IntakeError(_("Page numbers start at 1."), "page")
    if written_on > local_today():
        raise IntakeError(_("The date cannot be in the future."), "written_on")
    if written_on.year != book.year:
        raise IntakeError(
            _("This is the book for %(year)d: the date must be in that year.", year=book.year),
            "written_on",
        )
    extra = {"book_id": book.id, "book_entry_number": entry_number, "book_page": page}
    received_at = from_local(datetime.combine(written_on, time.min))
    new = _new_case(text, CaseChannel.BOOK, book.service_point, received_at, key, extra)
    case = _create_paper_case(new, scan, actor)
    audit.record("book_entry_entered", actor=actor, target=book, case=case.code, entry=entry_number)
    return case, True


def close_book(book: CommentBook, *, actor: User) -> int:
    """Khóa sổ: no more entries; returns how many entries the book holds."""
    _lock(book)
    if book.closed_at is not None:
        raise BookClosed(_("This book is already closed."))
    book.closed_at = now_utc()
    db.session.flush()
    entries = next_entry_number(book) - 1
    audit.record("book_closed", actor=actor, target=book, year=book.year, entries=entries)
    return entries
