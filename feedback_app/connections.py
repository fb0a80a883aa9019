"""Where a service's statements run: a caller's own connection, or the request's session.

The hot intake paths (a kiosk submission, an SMS) run in one Core transaction of their own and
pass its connection down; everything else runs in the session's transaction. A service that
serves both takes `sql: Connection | None` and asks `run_on(sql)`.
"""

from sqlalchemy import Connection

from .extensions import db


def run_on(sql: Connection | None) -> Connection:
    """`sql` if given; else the session's connection, in its transaction, after flushing what
    the session holds (as the session's own execute would), so that a Core statement sees the
    rows ORM code just added. Statements run on it directly, without the ORM's per-statement
    work: they touch no loaded objects."""
    if sql is not None:
        return sql
    db.session.flush()
    return db.session.connection()
