"""The floor for bench/kiosk_submissions.py: the least a kiosk endpoint can do.

`POST /api/v1/kiosk/<token>/responses` stores the raw body as one row and answers 201 {"id": n}:
no validation, no ORM, no sessions, no rate limit. Same database (DATABASE_URL), same driver and
the same SQLite settings (WAL, busy timeout) as the real app, so the gap between the two is what
the real submit path costs.

  gunicorn -w 2 bench.floor_app:app       (DATABASE_URL set; call create_table(url) first)
"""

import os
import sqlite3

from flask import Flask, jsonify, request
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, event, insert, text

metadata = MetaData()
floor_rows = Table(
    "floor_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", Text, nullable=False),
)


def engine_for(url: str):
    """An engine set up like the real app's (psycopg 3; SQLite in WAL with a busy timeout)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite"):
        engine = create_engine(url, pool_pre_ping=True, connect_args={"timeout": 5.0})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record) -> None:
            if isinstance(dbapi_connection, sqlite3.Connection):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def create_table(url: str) -> None:
    """Create floor_rows (called once by the benchmark, before the server starts)."""
    engine = engine_for(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    engine.dispose()


def create_app(url: str | None = None) -> Flask:
    """The floor app on a database URL (DATABASE_URL by default)."""
    app = Flask(__name__)
    engine = engine_for(url or os.environ["DATABASE_URL"])

    @app.post("/api/v1/kiosk/<token>/responses")
    def store(token: str):
        """Keep the raw body, nothing else."""
        body = request.get_data(as_text=True)
        with engine.begin() as conn:
            row_id = conn.execute(insert(floor_rows).values(body=body)).inserted_primary_key[0]
        return jsonify({"id": row_id}), 201

    @app.get("/healthz")
    def healthz():
        """200 when the database answers (the benchmark waits for it)."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"

    return app


if os.environ.get("DATABASE_URL"):
    # gunicorn imports `bench.floor_app:app`; importing for create_table() needs no app.
    app = create_app()
