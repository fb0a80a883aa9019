"""Sign-in, sign-out and the staff-accounts pages."""

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db, limiter, login_manager
from ..models import AdminUnit, User
from ..security import in_scope, permission_required
from ..units.service import unit_options, units_in_scope
from . import service
from .forms import LoginForm, UserForm

bp = Blueprint("auth", __name__, template_folder="templates")

login_manager.login_view = "auth.login"
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the active account with this id."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


@login_manager.unauthorized_handler
def unauthorized():
    """Send people to the sign-in page, remembering where they were going."""
    flash(_("Please sign in to see this page."), "info")
    return redirect(url_for("auth.login", next=request.full_path))


def _login_key() -> str:
    """Throttle per account, never per address: a whole office shares one IP."""
    return "login:" + service.normalise_username(request.form.get("username", ""))[:64]


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATELIMIT"],
    key_func=_login_key,
    methods=["POST"],
    deduct_when=_login_failed,
    error_message=lambda: _(
        "Too many failed sign-in attempts for this account. Wait 15 minutes and try again."
    ),
)
def login():
    """Đăng nhập."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.username.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        g.login_failed = True
        db.session.commit()
        form.password.errors.append(_("Wrong username or password."))
    return render_template("auth/login.html", form=form)


def _safe_next(target: str | None) -> str:
    """Only ever redirect within this site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.index")


@bp.post("/logout")
@login_required
def logout():
    """Đăng xuất."""
    logout_user()
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
                user = service.create_user(
                    username=form.username.data,
                    full_name=form.full_name.data or "",
                    role=form.role.data,
                    unit=db.session.get(AdminUnit, form.unit_id.data),
                    password=form.password.data,
                    actor=current_user,
                )
            except service.AccountError:
                db.session.rollback()
                form.username.errors.append(_("This username is already taken."))
            else:
                db.session.commit()
                flash(_("Account %(name)s created.", name=user.username), "success")
                return redirect(url_for("auth.list_users"))
    return render_template("auth/user_form.html", form=form, user=None)


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
    if form.validate_on_submit():
        try:
            service.update_user(
                user,
                actor=current_user,
                role=form.role.data,
                unit=db.session.get(AdminUnit, form.unit_id.data),
                full_name=form.full_name.data or "",
                active=form.active.data,
                password=form.password.data or None,
            )
        except service.AccountError:
            db.session.rollback()
            form.active.errors.append(_("You cannot disable your own account."))
        else:
            db.session.commit()
            flash(_("Account %(name)s saved.", name=user.username), "success")
            return redirect(url_for("auth.list_users"))
    return render_template("auth/user_form.html", form=form, user=user)
