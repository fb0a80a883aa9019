"""Fixtures for the pure report modules: a request in a chosen language, no database."""

import pytest

from feedback_app import create_app
from feedback_app.extensions import db


@pytest.fixture(scope="module")
def babel_app():
    """The app for its translations only: periods and formulas never touch a database, so one
    app per module spares each test the fresh database of the shared `app` fixture."""
    app = create_app(
        {
            "TESTING": True,
            "ENV": "testing",
            "SECRET_KEY": "tests",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def english(babel_app):
    """Inside a request asking for English."""
    with babel_app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def vietnamese(babel_app):
    """Inside a request asking for Vietnamese."""
    with babel_app.test_request_context("/?lang=vi"):
        yield
