"""`flask backup create` and `flask backup restore`: a copy made while the app serves comes back
into an empty database with every row and the same summary; what cannot be restored is refused
and changes nothing; and a district moves from SQLite to PostgreSQL (export, `db upgrade` on
the new database, import)."""

import json
import os
import sqlite3
import stat
import uuid
from contextlib import closing
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import UnitLevel
from tests.conftest import make_unit

SEED = ["demo", "seed", "--responses", "300", "--from", "2025-01-01", "--to", "2025-06-30"]
SUMMARY = ["reports", "summary", "--period", "2025-H1", "--unit", "009"]
HEADERS = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}


def _ok(runner, *args: str, input: str | None = None) -> str:
    result = runner.invoke(args=list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def _refused(runner, *args: str) -> str:
    """A command that must fail with a message, not a traceback."""
    result = runner.invoke(args=list(args))
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith("Error: ")
    return result.output


def _summary(runner) -> dict:
    return json.loads(_ok(runner, *SUMMARY))


def _backend(app) -> str:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()


def _contents(app) -> dict[str, list[tuple]]:
    """Every row of every table of the app, in key order; stored times as UTC (SQLite keeps no
    zone), so that the same rows compare equal on both databases."""
    with app.app_context():
        contents = {}
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns))
            contents[table.name] = [
                tuple(
                    v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v
                    for v in row
                )
                for row in rows
            ]
        db.session.remove()
    return contents


def _rows(app) -> int:
    """Rows in the app's tables (those present)."""
    with app.app_context():
        present = set(inspect(db.engine).get_table_names())
        total = sum(
            db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
            if table.name in present
        )
        db.session.remove()
    return total


def _empty(app, schema: bool) -> None:
    """No rows left: the app's tables dropped (and Alembic's), then made again if `schema`, as
    `flask db upgrade` leaves a new database."""
    with app.app_context():
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if schema:
            db.create_all()
        db.engine.dispose()


def test_a_backup_restored_into_an_empty_database_has_every_row_and_the_same_summary(
    app, runner, tmp_path
):
    _ok(runner, *SEED)
    before, summary = _contents(app), _summary(runner)
    copy = tmp_path / "district.backup"

    made = _ok(runner, "backup", "create", "--output", str(copy))
    assert "31 tables, " in made and "responses 300" in made
    assert copy.read_bytes().startswith(HEADERS[_backend(app)])
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600  # it holds personal data
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    written = copy.read_bytes()
    assert "already exists" in _refused(runner, "backup", "create", "--output", str(copy))
    assert copy.read_bytes() == written
    _ok(runner, "backup", "create", "--output", str(copy), "--force")

    # Into a database with no tables, then into the schema `db upgrade` leaves (no rows).
    # (The dump of the test database has no alembic_version: nothing outlives the fixture.)
    for schema in (False, True):
        _empty(app, schema)
        assert _rows(app) == 0
        restored = _ok(runner, "backup", "restore", str(copy))
        assert "responses 300" in restored
        assert _contents(app) == before
        assert _summary(runner) == summary
    # The ids go on from the restored ones.
    _ok(runner, "users", "create", "newcomer", "--role", "admin", "--unit", "009",
        "--password-stdin", input="a-long-enough-password\n")  # fmt: skip


def test_restore_refuses_a_database_that_has_rows_and_changes_nothing(
    app, runner, district, tmp_path
):
    copy = tmp_path / "district.backup"
    _ok(runner, "backup", "create", "--output", str(copy))
    before = _contents(app)

    said = _refused(runner, "backup", "restore", str(copy))
    assert "The database is not empty: admin_units, " in said
    assert "only `flask db upgrade` has run" in said
    assert _contents(app) == before


def test_restore_refuses_what_is_not_a_whole_backup_and_changes_nothing(
    app, runner, district, tmp_path
):
    whole = tmp_path / "whole.backup"
    _ok(runner, "backup", "create", "--output", str(whole))
    data = whole.read_bytes()
    (tmp_path / "truncated").write_bytes(data[: len(data) // 2])
    (tmp_path / "garbage").write_bytes(b"PK\x03\x04 a spreadsheet, say")
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "zeros").write_bytes(HEADERS["sqlite"] + bytes(84))
    with closing(sqlite3.connect(tmp_path / "other.sqlite")) as other:
        other.execute("CREATE TABLE contacts (name TEXT)")
    _empty(app, schema=True)
    expected = {
        "missing": "cannot be read: No such file or directory",
        "garbage": "is not a backup: it is neither a SQLite database nor a pg_dump archive",
        "empty": "is not a backup",
        "truncated": "is damaged or incomplete: ",
        "zeros": "is damaged or incomplete: ",
        "other.sqlite": "is a SQLite database without this application's tables",
    }
    if _backend(app) == "sqlite":
        (tmp_path / "dump").write_bytes(b"PGDMP" + data[5:])
        expected["dump"] = "A pg_dump backup cannot be restored into SQLite"
    for name, message in expected.items():
        said = _refused(runner, "backup", "restore", str(tmp_path / name))
        assert message in said, (name, said)
        assert _rows(app) == 0
    with app.app_context():
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())
        db.session.remove()


# --- SQLite → PostgreSQL ---------------------------------------------------------------------


def _postgresql_server() -> str | None:
    """The PostgreSQL server the suite may use: TEST_DATABASE_URL's, or one on this machine;
    None if none answers."""
    configured = os.environ.get("TEST_DATABASE_URL", "")
    url = (
        make_url(configured).set(database="postgres")
        if configured.startswith("postgresql")
        else make_url("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    )
    engine = create_engine(url, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return url.render_as_string(hide_password=False)
    except OperationalError:
        return None
    finally:
        engine.dispose()


@pytest.fixture
def scratch_postgresql():
    """A new, empty PostgreSQL database of its own (dropped afterwards, whatever happens)."""
    server = _postgresql_server()
    if server is None:
        pytest.skip("no PostgreSQL server answers")
    name = f"h_backup_move_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A server on Vietnam's time: a time without its zone would be read as UTC+7.
        connection.execute(text(f"ALTER DATABASE \"{name}\" SET timezone = 'Asia/Ho_Chi_Minh'"))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _app(url: str, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "DEMO_LOGINS_FILE": str(tmp_path / f"logins-{uuid.uuid4().hex}.txt"),
        }
    )
    app.instance_path = str(tmp_path / "instance")
    return app


def _upgraded(app) -> None:
    """The schema as `flask db upgrade` makes it: the models' tables (the migrations build
    exactly these: tests/app/test_migrations.py) and Alembic's revision stamped."""
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    _ok(app.test_cli_runner(), "db", "stamp", "head")


@pytest.mark.usefixtures("logging_restored")
def test_a_district_moves_from_sqlite_to_postgresql_with_every_row(scratch_postgresql, tmp_path):
    district = _app(f"sqlite:///{tmp_path / 'district.db'}", tmp_path)
    city = _app(scratch_postgresql, tmp_path)
    export = tmp_path / "district.backup"
    try:
        _upgraded(district)
        _ok(district.test_cli_runner(), *SEED)
        with district.app_context():
            # A unit made before its parent (a merger's new district): its row comes first.
            ward = make_unit("99901", "Phường Mới")
            ward.set_parent(make_unit("999", "Quận Mới", UnitLevel.DISTRICT))
            db.session.commit()
        before, summary = _contents(district), _summary(district.test_cli_runner())
        _ok(district.test_cli_runner(), "backup", "create", "--output", str(export))

        runner = city.test_cli_runner()
        said = _refused(runner, "backup", "restore", str(export))
        assert "has no tables yet: run `flask db upgrade` against it first" in said
        _upgraded(city)
        moved = _ok(runner, "backup", "restore", str(export))
        assert "(SQLite to PostgreSQL): 31 tables" in moved

        # Booleans, times, enums and JSON come across as they were; the figures too.
        assert _contents(city) == before
        assert _summary(runner) == summary
        with city.app_context():
            assert db.session.scalar(text("SELECT version_num FROM alembic_version"))
            db.session.remove()
        # Every sequence goes on after the copied ids, and a second import is refused.
        _ok(runner, "users", "create", "newcomer", "--role", "admin", "--unit", "009",
            "--password-stdin", input="a-long-enough-password\n")  # fmt: skip
        assert "The database is not empty" in _refused(runner, "backup", "restore", str(export))
    finally:
        for app in (district, city):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
