"""Paper intake pages: suggestion-box openings and comment books, within the user's scope.

Reading needs "view_units"; writing needs "enter_paper" (intake clerks, admins). Every row is
loaded through the user's unit scope, so another unit's opening or book is a 404.
"""

import uuid
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..changes import commit_or_show
from ..extensions import db
from ..forms import form_key
from ..models import BoxOpening, CaseKind, CommentBook, ServicePoint
from ..pagination import page_arg, page_of
from ..security import can, in_scope, permission_required
from ..timeutil import LOCAL_TZ, local_today
from ..units.service import desk_in_scope, desks_in_scope
from . import service
from .forms import BookEntryForm, BookForm, BoxOpeningForm, CloseOpeningForm, EmptyForm, SlipForm

bp = Blueprint("intake", __name__, template_folder="templates")

PAGE_SIZE = 50


def _new_token() -> str:
    """A one-time token for a form that creates something."""
    return str(uuid.uuid4())


def _desk_choices() -> list[SelectChoice]:
    """The active desks in the user's scope, for a select."""
    return [SelectChoice(p.id, p.name) for p in desks_in_scope(current_user, active_only=True)]


def _opening_in_scope(opening_id: int) -> BoxOpening:
    return db.first_or_404(
        select(BoxOpening)
        .join(BoxOpening.service_point)
        .where(BoxOpening.id == opening_id, in_scope(ServicePoint.unit_id, current_user))
    )


def _book_in_scope(book_id: int) -> CommentBook:
    return db.first_or_404(
        select(CommentBook)
        .join(CommentBook.service_point)
        .where(CommentBook.id == book_id, in_scope(ServicePoint.unit_id, current_user))
    )


def _paper_text(form) -> service.PaperText:
    return service.PaperText(
        content=form.content.data,
        kind=CaseKind(form.kind.data),
        subject=form.subject.data or "",
        sender_name=form.sender_name.data,
        sender_phone=form.sender_phone.data,
        sender_address=form.sender_address.data,
    )


# --- Suggestion box -------------------------------------------------------------------------


@bp.get("/box")
@permission_required("view_units")
def list_openings():
    """Hòm thư góp ý: the openings in scope, newest first, with slips entered vs counted."""
    page = page_arg()
    rows, has_next = page_of(service.openings_query(current_user), page, PAGE_SIZE, rows=True)
    return render_template("intake/openings.html", rows=rows, page=page, has_next=has_next)


@bp.route("/box/new", methods=["GET", "POST"])
@permission_required("enter_paper")
def create_opening():
    """Record an opening of a suggestion box, with its witnesses and slip count."""
    form = BoxOpeningForm()
    form.service_point_id.choices = _desk_choices()
    if request.method == "GET":
        form.form_token.data = _new_token()
        form.opened_at.data = datetime.now(LOCAL_TZ).replace(tzinfo=None, second=0, microsecond=0)
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: service.open_box(
                desk_in_scope(form.service_point_id.data, current_user),
                box_label=form.box_label.data,
                opened_at_local=form.opened_at.data,
                witnesses=form.witnesses.data,
                slips_counted=form.slips_counted.data,
                intake_key=form_key(form),
                actor=current_user,
            ),
        )
        if done:
            opening, created = done.value
            if created:
                flash(_("Opening recorded. Now type in each slip."), "success")
            else:
                flash(_("This form was already sent; here is the opening it recorded."), "info")
            return redirect(url_for("intake.show_opening", opening_id=opening.id))
    status = 400 if request.method == "POST" else 200
    return render_template("intake/opening_form.html", form=form), status


def _render_opening(opening: BoxOpening, status: int = 200, **forms):
    slip_form = forms.get("slip_form")
    if slip_form is None:
        slip_form = SlipForm(formdata=None)
        slip_form.form_token.data = _new_token()
    return render_template(
        "intake/opening.html",
        opening=opening,
        slips=service.slips_of(opening),
        entered=service.entered_count(opening),
        slip_form=slip_form,
        close_form=forms.get("close_form") or CloseOpeningForm(formdata=None),
        may_enter=can(current_user, "enter_paper"),
    ), status


@bp.get("/box/<int:opening_id>")
@permission_required("view_units")
def show_opening(opening_id: int):
    """One opening: entered vs counted, the slips typed in so far, and the form for the next."""
    return _render_opening(_opening_in_scope(opening_id))


@bp.post("/box/<int:opening_id>/slips")
@permission_required("enter_paper")
def add_slip(opening_id: int):
    """Type in one slip: it becomes a case numbered next within the opening."""
    opening = _opening_in_scope(opening_id)
    form = SlipForm()
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: service.add_slip(
                opening,
                _paper_text(form),
                token=form_key(form),
                scan=form.scan.data,
                actor=current_user,
            ),
        )
        if done:
            case, created = done.value
            if created:
                n, code = case.slip_number, case.code
                flash(_("Slip %(n)d saved as case %(code)s.", n=n, code=code), "success")
            else:
                flash(_("This slip was already saved as case %(code)s.", code=case.code), "info")
            return redirect(url_for("intake.show_opening", opening_id=opening_id))
    return _render_opening(opening, 400, slip_form=form)


@bp.post("/box/<int:opening_id>/close")
@permission_required("enter_paper")
def close_opening(opening_id: int):
    """Reconcile and close: a difference between entered and counted needs a reason."""
    opening = _opening_in_scope(opening_id)
    form = CloseOpeningForm()
    if form.validate_on_submit() and commit_or_show(
        form, lambda: service.close_opening(opening, reason=form.reason.data, actor=current_user)
    ):
        flash(_("The opening is closed."), "success")
        return redirect(url_for("intake.show_opening", opening_id=opening_id))
    return _render_opening(opening, 400, close_form=form)


# --- Comment book ---------------------------------------------------------------------------


def _render_books(form: BookForm, status: int = 200):
    page = page_arg()
    rows, has_next = page_of(service.books_query(current_user), page, PAGE_SIZE, rows=True)
    return render_template(
        "intake/books.html",
        rows=rows,
        page=page,
        has_next=has_next,
        form=form,
        may_enter=can(current_user, "enter_paper"),
    ), status


@bp.get("/books")
@permission_required("view_units")
def list_books():
    """Sổ góp ý: the books in scope, newest year first, and the form to open one."""
    form = BookForm(formdata=None, year=local_today().year)
    form.service_point_id.choices = _desk_choices()
    return _render_books(form)


@bp.post("/books")
@permission_required("enter_paper")
def open_book():
    """Open a desk's comment book for a year (one per desk per year)."""
    form = BookForm()
    form.service_point_id.choices = _desk_choices()
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: service.open_book(
                desk_in_scope(form.service_point_id.data, current_user),
                year=form.year.data,
                actor=current_user,
            ),
        )
        if done:
            book = done.value
            flash(_("Comment book for %(year)d opened.", year=book.year), "success")
            return redirect(url_for("intake.show_book", book_id=book.id))
    return _render_books(form, 400)


def _render_book(book: CommentBook, status: int = 200, entry_form: BookEntryForm | None = None):
    next_number = service.next_entry_number(book)
    if entry_form is None:
        today = local_today()
        entry_form = BookEntryForm(
            formdata=None,
            entry_number=next_number,
            written_on=today if today.year == book.year else None,
        )
        entry_form.form_token.data = _new_token()
    return render_template(
        "intake/book.html",
        book=book,
        entries=service.entries_of(book),
        next_number=next_number,
        entry_form=entry_form,
        may_enter=can(current_user, "enter_paper"),
    ), status


@bp.get("/books/<int:book_id>")
@permission_required("view_units")
def show_book(book_id: int):
    """One book: its entries and the form for the next one."""
    return _render_book(_book_in_scope(book_id))


@bp.post("/books/<int:book_id>/entries")
@permission_required("enter_paper")
def add_entry(book_id: int):
    """Copy one entry from the book: it becomes a case with the book's number and page."""
    book = _book_in_scope(book_id)
    form = BookEntryForm()
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: service.add_entry(
                book,
                _paper_text(form),
                entry_number=form.entry_number.data,
                page=form.page.data,
                written_on=form.written_on.data,
                token=form_key(form),
                scan=form.scan.data,
                actor=current_user,
            ),
        )
        if done:
            case, created = done.value
            n, code = case.book_entry_number, case.code
            if created:
                flash(_("Entry %(n)d saved as case %(code)s.", n=n, code=code), "success")
            else:
                flash(_("This entry was already saved as case %(code)s.", code=code), "info")
            return redirect(url_for("intake.show_book", book_id=book_id))
    return _render_book(book, 400, form)


@bp.post("/books/<int:book_id>/close")
@permission_required("enter_paper")
def close_book(book_id: int):
    """Close the book (at year end): no more entries."""
    book = _book_in_scope(book_id)
    form = EmptyForm()
    if form.validate_on_submit():
        if not commit_or_show(form, lambda: service.close_book(book, actor=current_user)):
            return _render_book(book, 400)
        flash(_("The comment book is closed."), "success")
    return redirect(url_for("intake.show_book", book_id=book_id))
