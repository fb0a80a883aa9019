"""Fixtures every test shares: a fresh database per test (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), the `district` map, one signed-in client per role, and the builders and
readers the feature folders have in common (defined once here, used everywhere)."""

import functools
import html
import logging
import os
import re
import shutil
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import func, select, text
from werkzeug.security import generate_password_hash

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import AdminUnit, Counter, Officer, Role, ServicePoint, UnitLevel, User
from feedback_app.surveys.instruments import seed_default
from tests.surveys.kiosk_support import make_kiosk

PASSWORD = "correct-horse-battery"
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)
FORM_TOKEN_RE = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def database_url(tmp_path) -> str:
    """PostgreSQL when CI asks for it, otherwise a throw-away SQLite file."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"


def _test_app(url: str, instance: Path):
    app = create_app(
        {
            "TESTING": True,
            "ENV": "testing",
            "SECRET_KEY": "tests",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
        }
    )
    app.instance_path = str(instance)
    return app


@pytest.fixture(scope="session")
def empty_schema(tmp_path_factory):
    """Where each test's empty tables come from, made once per run (building the schema costs
    more than most tests): on SQLite a database file each test gets a copy of; on PostgreSQL the
    `test` database itself, emptied after each test (see `app`) and dropped at the end, so it is
    left as it was found."""
    shared = os.environ.get("TEST_DATABASE_URL")
    template = tmp_path_factory.mktemp("schema") / "empty.db"
    app = _test_app(shared or f"sqlite:///{template}", template.parent / "instance")
    with app.app_context():
        if shared:
            _drop_everything()
        db.create_all()
        db.engine.dispose()
    yield None if shared else template
    if shared:
        with app.app_context():
            _drop_everything()
            db.engine.dispose()


def _drop_everything() -> None:
    """Every table of the public schema: the models' and whatever a test made beside them
    (`alembic_version` after a migration test, say)."""
    db.drop_all()
    with db.engine.begin() as sql:
        for name in _public_tables(sql):
            sql.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))


def _public_tables(sql) -> set[str]:
    return set(sql.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))


def _ready_shared_database() -> None:
    """Before a test on PostgreSQL: the models' tables, as the last test left them (empty), or
    made again if something changed the schema (a migration or a restore test, which may not
    use this fixture at all)."""
    with db.engine.connect() as sql:
        ready = _public_tables(sql) == set(db.metadata.tables)
    if not ready:
        _drop_everything()
        db.create_all()


def _empty_shared_database() -> None:
    """After a test on PostgreSQL: the models' tables emptied and their id sequences restarted,
    as `create_all` would leave them (DELETE, children first, in one round trip: TRUNCATE of
    every table measured 80 ms a test, this 7 ms). A test that changed the schema is left to
    `_ready_shared_database`."""
    db.session.remove()
    with db.engine.begin() as sql:
        if _public_tables(sql) != set(db.metadata.tables):
            return
        sequences = sql.scalars(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
        ).all()
        tables = reversed(db.metadata.sorted_tables)
        # The models' own table names, not input.
        statements = [f'DELETE FROM "{t.name}"' for t in tables]  # noqa: S608
        if sequences:
            restart = (f"setval('public.\"{name}\"', 1, false)" for name in sequences)
            statements.append("SELECT " + ", ".join(restart))
        sql.exec_driver_sql("; ".join(statements))


@pytest.fixture
def app(tmp_path, empty_schema):
    """The app with empty tables (a fresh copy on SQLite; emptied afterwards on PostgreSQL, so
    the next test finds them empty too)."""
    url = database_url(tmp_path)
    if empty_schema is not None:
        shutil.copyfile(empty_schema, tmp_path / "test.db")
    app = _test_app(url, tmp_path / "instance")
    if empty_schema is None:
        with app.app_context():
            _ready_shared_database()
    yield app
    with app.app_context():
        db.session.remove()
        if empty_schema is None:
            _empty_shared_database()
        db.engine.dispose()


@pytest.fixture
def logging_restored():
    """Alembic's env.py reconfigures logging for the whole process; put it back afterwards."""
    root = logging.getLogger()
    saved_root = (root.level, root.handlers[:])
    loggers = logging.root.manager.loggerDict
    saved = {
        name: (lg.disabled, lg.level, lg.handlers[:], lg.propagate)
        for name, lg in loggers.items()
        if isinstance(lg, logging.Logger)
    }
    yield
    root.setLevel(saved_root[0])
    root.handlers[:] = saved_root[1]
    for name, lg in list(loggers.items()):
        if not isinstance(lg, logging.Logger):
            continue
        if name in saved:
            lg.disabled, level, handlers, lg.propagate = saved[name]
            lg.setLevel(level)
            lg.handlers[:] = handlers
        else:
            lg.disabled = False


@pytest.fixture
def client(app):
    """A browser-like client (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Runs `flask` commands against the test app."""
    return app.test_cli_runner()


def csrf_token(client, url: str = "/auth/login") -> str:
    """The CSRF token a real browser would find in a form on this page."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def form_token(client, url: str) -> str:
    """The one-time token of the creating form on this page (a resend with it is a repeat)."""
    match = FORM_TOKEN_RE.search(client.get(url).get_data(as_text=True))
    assert match, f"no form token on {url}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, **extra):
    """Post the real sign-in form, CSRF token included; the response, for tests of signing in."""
    token = csrf_token(client)
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": token, **extra},
    )


def sign_in(client, username: str, password: str = PASSWORD):
    """Sign the client in through the real form, check that it worked, and return it."""
    assert login(client, username, password).status_code == 302, f"{username} cannot sign in"
    return client


def is_signed_in(client) -> bool:
    """Whether the client's session belongs to a signed-in user (the sign-in page sends them on)."""
    return client.get("/auth/login").status_code == 302


def make_unit(code: str, name: str, level=UnitLevel.COMMUNE, parent=None, valid_from=None):
    """A unit version, flushed, under a parent (call inside an app context)."""
    unit = AdminUnit(code=code, name=name, level=level, valid_from=valid_from or date(2020, 1, 1))
    db.session.add(unit)
    db.session.flush()
    unit.set_parent(parent)
    db.session.flush()
    return unit


def make_desk(unit, name=None, counters=("1",), officers=("Nguyễn Văn A",)):
    """A desk with counters and officers."""
    point = ServicePoint(unit=unit, name=name or f"Bộ phận Một cửa {unit.name}")
    db.session.add(point)
    db.session.flush()
    for code in counters:
        db.session.add(Counter(service_point=point, code=code))
    for officer in officers:
        db.session.add(Officer(service_point=point, name=officer))
    db.session.flush()
    return point


@functools.cache
def _password_hash(password: str) -> str:
    """Hashing is deliberately slow (scrypt); one hash per password keeps fixtures fast."""
    return generate_password_hash(password)


def make_user(username: str, role: Role, unit, password: str = PASSWORD, active=True):
    """A staff account."""
    user = User(username=username, role=role, unit=unit, full_name=username.title(), active=active)
    user.password_hash = _password_hash(password)
    db.session.add(user)
    db.session.flush()
    return user


@pytest.fixture
def district(app):
    """A small map: Hà Nội › quận Thanh Xuân › two wards, each with a desk; one user per role.

    Returns a dict of ids (objects would be detached outside the app context).
    """
    with app.app_context():
        province = make_unit("01", "Thành phố Hà Nội", UnitLevel.PROVINCE)
        district = make_unit("009", "Quận Thanh Xuân", UnitLevel.DISTRICT, province)
        ward_a = make_unit("00343", "Phường Nhân Chính", parent=district)
        ward_b = make_unit("00346", "Phường Thượng Đình", parent=district)
        desk_district = make_desk(district)
        desk_a = make_desk(ward_a)
        desk_b = make_desk(ward_b)
        make_user("admin", Role.ADMIN, province)
        make_user("reform", Role.REFORM_OFFICE, district)
        make_user("manager_a", Role.UNIT_MANAGER, ward_a)
        make_user("manager_b", Role.UNIT_MANAGER, ward_b)
        make_user("clerk", Role.INTAKE_CLERK, district)
        make_user("hotline", Role.HOTLINE_OPERATOR, district)
        make_user("counter_a", Role.COUNTER_STAFF, ward_a)
        db.session.commit()
        ids = {
            "province": province.id,
            "district": district.id,
            "ward_a": ward_a.id,
            "ward_b": ward_b.id,
            "desk_district": desk_district.id,
            "desk_a": desk_a.id,
            "desk_b": desk_b.id,
        }
    return ids


def add_user(app, username: str, role: Role, unit_id: int) -> str:
    """A staff account at a unit, committed (call outside an app context); its username."""
    with app.app_context():
        make_user(username, role, db.session.get(AdminUnit, unit_id))
        db.session.commit()
    return username


# --- Signed-in browsers: each fixture is its own client, so a test may hold several at once ---


@pytest.fixture
def admin(app, district):
    """A client signed in as the province's administrator."""
    return sign_in(app.test_client(), "admin")


@pytest.fixture
def reform(app, district):
    """A client signed in as the district's reform office."""
    return sign_in(app.test_client(), "reform")


@pytest.fixture
def clerk(app, district):
    """A client signed in as the district's intake clerk."""
    return sign_in(app.test_client(), "clerk")


@pytest.fixture
def operator(app, district):
    """A client signed in as the district's hotline operator."""
    return sign_in(app.test_client(), "hotline")


@pytest.fixture
def ward_admin(app, district):
    """A client signed in as an admin whose scope is ward A only: they run that ward, not the
    whole map."""
    add_user(app, "ward_admin", Role.ADMIN, district["ward_a"])
    return sign_in(app.test_client(), "ward_admin")


@pytest.fixture
def ward_clerk(app, district):
    """A client signed in as an intake clerk whose scope is ward A only."""
    add_user(app, "clerk_a", Role.INTAKE_CLERK, district["ward_a"])
    return sign_in(app.test_client(), "clerk_a")


@pytest.fixture
def ward_operator(app, district):
    """A client signed in as a hotline operator whose scope is ward A only."""
    add_user(app, "hotline_a", Role.HOTLINE_OPERATOR, district["ward_a"])
    return sign_in(app.test_client(), "hotline_a")


# --- What the survey tests start from -----------------------------------------------------------


@pytest.fixture
def survey(app, district):
    """The default survey (instrument), published as version 1; its id."""
    with app.app_context():
        instrument, _created = seed_default()
        db.session.commit()
        return instrument.id


@pytest.fixture
def kiosk(app, district):
    """A registered tablet at ward A's desk, with the default instrument published."""
    return make_kiosk(app, district["desk_a"])


# --- Readers of what was stored ----------------------------------------------------------------


def aware(moment: datetime | None) -> datetime | None:
    """A stored time as UTC: SQLite gives back naive UTC datetimes, PostgreSQL aware ones."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def count_rows(app, model, *where) -> int:
    """How many rows of a model are stored (that meet the conditions, if any)."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def user_id(app, username: str) -> int:
    """The id of an account by name."""
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


@functools.cache
def _catalogue(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def translated(msgid: str, locale: str = "vi") -> str:
    """The catalogue's translation of a message; fails the test when there is none."""
    message = _catalogue(locale).get(msgid)
    assert message is not None and message.string, f"no {locale} translation for {msgid!r}"
    return message.string


def page(response) -> str:
    """A response's text with HTML entities decoded, to search for translated sentences."""
    return html.unescape(response.get_data(as_text=True))


# Every rating question of the default survey answered "Hài lòng" (4): `rate` overrides some.
RATED_ANSWERS = {"f1_access": 4, "f2_procedure": 4, "f3_officer": 4, "f4_result": 4, "overall": 4}


def rate(app, desk: int, when, comment=None, suspicious: bool = False, **answers) -> None:
    """One paper response of the default survey at a desk, answered at a Vietnam wall-clock
    time (a naive datetime), through the survey service as the paper-entry page stores it;
    `suspicious` flags it as part of a burst (set-up only)."""
    from feedback_app.models import Response, ResponseChannel
    from feedback_app.surveys import instruments
    from feedback_app.surveys import service as surveys
    from feedback_app.timeutil import LOCAL_TZ

    with app.test_request_context():
        payload = {
            "client_uuid": str(uuid.uuid4()),
            "instrument": instruments.active_instrument().label,
            "answers": {**RATED_ANSWERS, **answers},
            "answered_at": when.replace(tzinfo=LOCAL_TZ).isoformat(),
        }
        if comment:
            payload["comment"] = comment
        where = surveys.Where(
            channel=ResponseChannel.PAPER,
            service_point=db.session.get(ServicePoint, desk),
            max_age_days=100_000,
        )
        reply, created = surveys.submit(payload, where)
        assert created
        if suspicious:
            db.session.get(Response, reply["id"]).suspicious = True
        db.session.commit()
