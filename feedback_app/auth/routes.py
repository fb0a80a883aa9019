"""Sign-in, sign-out and the staff-accounts pages."""

import unicodedata
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import TooManyRequests

from ..changes import commit_or_show
from ..extensions import db, login_manager
from ..hardening import MAX_DB_INT
from ..models import AdminUnit, User
from ..security import in_scope, permission_required
from ..units.service import unit_options, units_in_scope
from . import service, sessions, throttle
from .forms import LoginForm, UserForm

bp = Blueprint("auth", __name__, template_folder="templates")

login_manager.login_view = "auth.login"
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the active account of a session that has not ended (signed out,
    password changed, idle too long or past its lifetime: see auth.sessions)."""
    parsed = sessions.parse_id(session_id)
    if parsed is None or parsed[0] > MAX_DB_INT:
        return None
    user = db.session.get(User, parsed[0])
    if user is None or not user.active or user.session_version != parsed[1]:
        return None
    return None if sessions.expired() else user


@login_manager.unauthorized_handler
def unauthorized():
    """Send people to the sign-in page, remembering where they were going; say so when it is
    their session that ended."""
    if session.get("_user_id"):
        sessions.end(None)
        flash(_("Your session has ended. Please sign in again."), "info")
    else:
        flash(_("Please sign in to see this page."), "info")
    return redirect(url_for("auth.login", next=request.full_path))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Đăng nhập."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        attempt = throttle.Attempt(service.normalise_username(form.username.data)[:64])
        try:
            attempt.count()
        except throttle.Refused as refused:
            raise TooManyRequests(str(refused.message), retry_after=refused.retry_after) from None
        user = service.authenticate(form.username.data, form.password.data)
        db.session.commit()
        if user is not None:
            attempt.give_back()  # a right password never counts against anyone
            sessions.begin(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong username or password."))
    return render_template("auth/login.html", form=form)


def _safe_next(target: str | None) -> str:
    """Only ever redirect to a path of this site.

    Browsers drop tabs and newlines from a Location and read a backslash as a slash, so
    "/\t/evil.example" would become "//evil.example" (another site): any control character,
    space or backslash refuses the target, and what is left must parse as a bare path.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return url_for("main.index")
    if any(ch.isspace() or ch == "\\" or unicodedata.category(ch)[0] == "C" for ch in target):
        return url_for("main.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("main.index")
    return target


@bp.post("/logout")
@login_required
def logout():
    """Đăng xuất: this session ends, and so does every copy of it and every other session of
    the account."""
    sessions.end(current_user._get_current_object())
    db.session.commit()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/users")
@permission_required("manage_users")
def list_users():
    """Accounts within the admin's scope."""
    users = db.session.scalars(
        select(User).where(in_scope(User.unit_id, current_user)).order_by(User.username)
    ).all()
    return render_template("auth/users.html", users=users)


def _unit_choices():
    return unit_options(units_in_scope(current_user))


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required("manage_users")
def create_user():
    """A new staff account."""
    form = UserForm()
    form.unit_id.choices = _unit_choices()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Enter a password for the new account."))
        else:
            try:
                done = commit_or_show(
                    form,
                    lambda: service.create_user(
                        username=form.username.data,
                        full_name=form.full_name.data or "",
                        role=form.role.data,
                        unit=db.session.get(AdminUnit, form.unit_id.data),
                        password=form.password.data,
                        actor=current_user,
                    ),
                )
            except IntegrityError:  # the same name created at the same moment by another request
                db.session.rollback()
                form.username.errors.append(_("This username is already taken."))
                done = None
            if done:
                flash(_("Account %(name)s created.", name=done.value.username), "success")
                return redirect(url_for("auth.list_users"))
    status = 400 if form.errors else 200
    return render_template("auth/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required("manage_users")
def edit_user(user_id: int):
    """Change role, unit, name, password or whether the account is active."""
    user = db.first_or_404(
        select(User).where(User.id == user_id, in_scope(User.unit_id, current_user))
    )
    form = UserForm(obj=user)
    form.unit_id.choices = _unit_choices()
    del form.username
    if request.method == "GET":
        form.role.data = user.role.value
    if form.validate_on_submit() and commit_or_show(
        form,
        lambda: service.update_user(
            user,
            actor=current_user,
            role=form.role.data,
            unit=db.session.get(AdminUnit, form.unit_id.data),
            full_name=form.full_name.data or "",
            active=form.active.data,
            password=form.password.data or None,
        ),
    ):
        if user.id == current_user.id and form.password.data:
            sessions.begin(user)  # their own new password ends their other sessions only
        flash(_("Account %(name)s saved.", name=user.username), "success")
        return redirect(url_for("auth.list_users"))
    status = 400 if form.errors else 200
    return render_template("auth/user_form.html", form=form, user=user), status
