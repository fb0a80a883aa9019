"""Home page for staff, landing page for everyone else, and /healthz for operations."""

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..security import PERMISSION_LABELS, can

bp = Blueprint("main", __name__, template_folder="templates")


@bp.get("/")
def index():
    """Staff see what their role lets them do; others see the public entry points."""
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    abilities = [label for key, label in PERMISSION_LABELS.items() if can(current_user, key)]
    return render_template("main/home.html", abilities=abilities)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "unavailable", "database": "down"}), 503
    return jsonify({"status": "ok", "database": "ok"})
