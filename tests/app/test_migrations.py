"""Migrations, the only way the schema changes, build it from nothing and match the models."""

import os

import pytest
from sqlalchemy import inspect, text

from feedback_app import create_app
from feedback_app.extensions import db


def _database_urls():
    urls = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("TEST_DATABASE_URL"):
        urls.append(pytest.param("postgresql", id="postgresql"))
    return urls


def _tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def _detected(output: str) -> str:
    """Alembic's one-line summaries of each difference, without the long repr that follows."""
    return "\n".join(
        line.strip()
        for line in output.splitlines()
        if "[alembic.autogenerate" in line and "Detected" in line
    )


def _empty_database(app) -> None:
    """Drop the models' tables and Alembic's bookkeeping (PostgreSQL outlives the test)."""
    with app.app_context():
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.mark.parametrize("backend", _database_urls())
def test_upgrade_from_empty_matches_the_models_and_downgrade_removes_everything(
    tmp_path, logging_restored, backend
):
    url = (
        f"sqlite:///{tmp_path / 'migrated.db'}"
        if backend == "sqlite"
        else os.environ["TEST_DATABASE_URL"]
    )
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    runner = app.test_cli_runner()
    _empty_database(app)
    try:
        upgrade = runner.invoke(args=["db", "upgrade"])
        assert upgrade.exit_code == 0, upgrade.output
        assert {"admin_units", "users", "audit_events", "alembic_version"} <= _tables(app)

        check = runner.invoke(args=["db", "check"])
        # `db check` exits 1 when the models need operations the migrations lack. (Its "No new
        # upgrade operations" line goes to the stdout Alembic bound at import, not to the runner.)
        assert check.exit_code == 0, "models and migrations differ:\n" + _detected(check.output)
        assert _detected(check.output) == ""

        downgrade = runner.invoke(args=["db", "downgrade", "base"])
        assert downgrade.exit_code == 0, downgrade.output
        assert _tables(app) <= {"alembic_version"}
    finally:
        _empty_database(app)
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("backend", _database_urls())
def test_a_district_with_data_upgrades_through_every_migration_since_the_rollups(
    tmp_path, logging_restored, backend
):
    """A live database: batch migrations that copy a table other rows point to (responses,
    answered by answers) keep every row and every reference, and the new columns are filled
    from the data (responses.commented from the stored comments)."""
    url = (
        f"sqlite:///{tmp_path / 'live.db'}"
        if backend == "sqlite"
        else os.environ["TEST_DATABASE_URL"]
    )
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "DEMO_LOGINS_FILE": str(tmp_path / "logins.txt"),
        }
    )
    runner = app.test_cli_runner()
    _empty_database(app)
    # A multi_choice question's answers (the reasons) cannot go below the migration that made
    # the kind, which deletes them: the rest must come through whole.
    counts = text(
        "SELECT (SELECT count(*) FROM responses), (SELECT count(*) FROM answers a "
        "JOIN questions q ON q.id = a.question_id WHERE q.kind <> 'multi_choice'), "
        "(SELECT count(*) FROM answers WHERE text IS NOT NULL AND text <> '')"
    )
    try:
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        seeded = runner.invoke(
            args=[
                "demo",
                "seed",
                "--responses",
                "400",
                "--from",
                "2025-01-01",
                "--to",
                "2025-03-31",
            ]
        )
        assert seeded.exit_code == 0, seeded.output
        with app.app_context():
            before = db.session.execute(counts).one()
            db.session.remove()
        assert before[0] > 0 and before[2] > 0  # responses, some with comments
        # Back to before the rollups (and the columns added to responses since), and up again.
        down = runner.invoke(args=["db", "downgrade", "a7b8c9d0e1f2"])
        assert down.exit_code == 0, down.output
        up = runner.invoke(args=["db", "upgrade"])
        assert up.exit_code == 0, up.output
        with app.app_context():
            assert db.session.execute(counts).one() == before
            commented = db.session.scalar(text("SELECT count(*) FROM responses WHERE commented"))
            assert commented == before[2]
            db.session.remove()
    finally:
        _empty_database(app)
        with app.app_context():
            db.engine.dispose()
