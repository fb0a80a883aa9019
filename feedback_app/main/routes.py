"""Home page for staff, landing page for everyone else, and /healthz for operations."""

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..errors import note_database_outage, retry_after
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
    """200 when the database answers and would take a write, 503 (with Retry-After) otherwise."""
    try:
        _probe_database()
    except SQLAlchemyError as exc:
        note_database_outage(exc)
        return jsonify({"status": "unavailable", "database": "down"}), 503, retry_after()
    return jsonify({"status": "ok", "database": "ok"})


def _probe_database() -> None:
    """PostgreSQL: a round trip. SQLite: its one write lock, taken and let go at once. Readers
    never wait in WAL mode, so a plain SELECT would answer while every intake fails: a writer
    holding the lock past the busy timeout must show here as it does at the kiosks."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("SELECT 1")
        connection.rollback()
