"""Extensions, created unbound here and bound to the app in create_app()."""

import sqlite3

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic batch migrations work on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _no_key() -> str:
    """Limits here always name their own key (per account, per kiosk); never the client IP."""
    return "global"


# On a session's info: it wrote since its last commit or rollback (an INSERT, UPDATE or DELETE
# run through it, noted below; an ORM flush, noted by `changes`; a raw write on its connection,
# noted by `connections.connection_of`). Read by the forgotten-commit check in `changes`.
WROTE = "feedback_wrote"


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, noting when a statement it runs writes (see `changes`): one
    attribute test per statement, where a `do_orm_execute` listener would build an execution
    state for every read as well."""

    def execute(self, statement, *args, **kwargs):
        if getattr(statement, "is_dml", False):
            self.info[WROTE] = True
        return super().execute(statement, *args, **kwargs)

    def scalar(self, statement, *args, **kwargs):
        if getattr(statement, "is_dml", False):
            self.info[WROTE] = True
        return super().scalar(statement, *args, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=_no_key, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_wal(dbapi_connection, connection_record) -> None:
    """SQLite: write-ahead logging (readers never block the writer) and enforced foreign keys.

    The busy timeout is the driver's `timeout`, set from SQLITE_BUSY_TIMEOUT_MS in create_app.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
