"""One commit per request: a view that writes and answers with success without committing is an
error page, and nothing it wrote is kept (feedback_app/changes.py)."""

from datetime import date

import pytest
from sqlalchemy import func, insert, select

from feedback_app.changes import UncommittedChange
from feedback_app.connections import connection_of, run_on
from feedback_app.extensions import db
from feedback_app.models import Holiday


def _holidays(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Holiday))


def _add_views(app) -> None:
    def orm_write():
        db.session.add(Holiday(day=date(2026, 9, 2), name="Quốc khánh"))
        db.session.flush()
        return "saved"

    def core_write():
        run_on(None).execute(insert(Holiday.__table__), {"day": date(2026, 9, 2), "name": "QK"})
        return "saved"

    def connection_write():
        connection_of(None).execute(
            insert(Holiday.__table__), {"day": date(2026, 9, 2), "name": "QK"}
        )
        return "saved"

    def committed_write():
        db.session.add(Holiday(day=date(2026, 9, 2), name="Quốc khánh"))
        db.session.commit()
        return "saved"

    def refused_write():
        db.session.add(Holiday(day=date(2026, 9, 2), name="Quốc khánh"))
        db.session.flush()
        return "refused", 400

    for view in (orm_write, core_write, connection_write, committed_write, refused_write):
        app.add_url_rule(f"/test/{view.__name__}", view_func=view)


def test_a_view_that_forgets_to_commit_fails_its_test(app):
    _add_views(app)
    with pytest.raises(UncommittedChange, match="orm_write wrote to the database"):
        app.test_client().get("/test/orm_write")
    assert _holidays(app) == 0


def test_a_view_that_forgets_to_commit_is_an_error_page_and_keeps_nothing(app, caplog):
    _add_views(app)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    client = app.test_client()
    for path in ("/test/orm_write", "/test/core_write", "/test/connection_write"):
        response = client.get(path, headers={"Accept-Language": "vi"})
        assert response.status_code == 500, path
        assert "saved" not in response.get_data(as_text=True)
        assert _holidays(app) == 0, path
    assert "wrote to the database without committing" in caplog.text


def test_a_committed_write_is_kept_and_a_refused_one_is_rolled_back(app):
    _add_views(app)
    client = app.test_client()
    refused = client.get("/test/refused_write")
    assert (refused.status_code, _holidays(app)) == (400, 0)
    saved = client.get("/test/committed_write")
    assert (saved.status_code, saved.get_data(as_text=True)) == (200, "saved")
    assert _holidays(app) == 1
