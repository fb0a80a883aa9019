"""Fixtures of the production tests: gunicorn servers that are always stopped, and a Redis key
prefix of the test's own that is emptied afterwards."""

import uuid

import pytest
import redis

from tests.production.gunicorn_support import Server, server_env

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def start_server(app, tmp_path):
    """Starts a gunicorn server of deploy/gunicorn.conf.py on the test database:
    `start_server(workers=2, **FEEDBACK_settings)`, ready when returned (`ready=False`: call
    its `wait_ready()`, to start several at once). Every server is stopped (its whole process
    group) before the database is dropped: this fixture depends on `app`."""
    servers: list[Server] = []
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]

    def start(workers: int = 2, ready: bool = True, **settings: str) -> Server:
        log = tmp_path / f"gunicorn-{len(servers) + 1}.log"
        server = Server(server_env(database_url, workers, **settings), log)
        servers.append(server)
        return server.wait_ready() if ready else server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def shared_redis():
    """Redis as production uses it, with keys under a prefix of this test's own (set through
    the limiter's storage, so that every counter of the app gets it); those keys are deleted
    afterwards, leaving Redis as it was. Returns (client, settings for the servers)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis must run on {REDIS_URL} for the production tests: {exc}")
    prefix = f"feedback-test-{uuid.uuid4().hex}"
    settings = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_STORAGE_OPTIONS": f'{{"key_prefix": "{prefix}"}}',
    }
    try:
        yield client, prefix, settings
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        left = list(client.scan_iter(match=f"{prefix}:*"))
        client.close()
        assert not left, f"Redis keys left behind: {left}"
