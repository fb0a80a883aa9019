"""The command line: demo seed, units import, users create. Each command commits once."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AdminUnit, Counter, Officer, Role, ServicePoint, UnitLevel, User
from tests.conftest import count_rows, login

THANH_XUAN_WARDS = {
    "00343",
    "00346",
    "00349",
    "00352",
    "00355",
    "00358",
    "00364",
    "00367",
    "00370",
    "00373",
    "LOCAL-KG",
}
LOGIN_LINE = re.compile(r"^\s+([a-z_]+): (\S+)$", re.MULTILINE)


def _counts(app) -> tuple[int, int, int, int, int]:
    return tuple(count_rows(app, m) for m in (AdminUnit, ServicePoint, Counter, Officer, User))


# demo seed


def test_demo_seed_creates_the_thanh_xuan_district_with_desks_and_one_account_per_role(app, runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "Units created: 13; desks created: 12." in result.output
    with app.app_context():
        units = db.session.scalars(select(AdminUnit)).all()
        assert len(units) == 13
        by_level = {level: {u.code for u in units if u.level is level} for level in UnitLevel}
        assert by_level[UnitLevel.PROVINCE] == {"01"}
        assert by_level[UnitLevel.DISTRICT] == {"009"}
        assert by_level[UnitLevel.COMMUNE] == THANH_XUAN_WARDS
        kim_giang = next(u for u in units if u.code == "LOCAL-KG")
        assert kim_giang.name == "Phường Kim Giang"
        assert kim_giang.parent.code == "009"
        assert kim_giang.parent.parent.code == "01"
        points = db.session.scalars(select(ServicePoint)).all()
        assert len(points) == 12
        assert {p.unit.code for p in points} == THANH_XUAN_WARDS | {"009"}
        for point in points:
            assert [c.code for c in point.counters] == ["1", "2"]
            assert len(point.officers) == 2
        roles = db.session.scalars(select(User.role)).all()
        assert sorted(roles) == sorted(Role)
    printed = dict(LOGIN_LINE.findall(result.output))
    assert len(printed) == 6


def test_password_printed_by_demo_seed_signs_in(app, runner, client):
    result = runner.invoke(args=["demo", "seed"])
    printed = dict(LOGIN_LINE.findall(result.output))
    assert login(client, "manager", printed["manager"]).status_code == 302
    assert login(app.test_client(), "admin", "not-the-printed-one").status_code == 200


def test_demo_seed_again_creates_nothing_new(app, runner):
    runner.invoke(args=["demo", "seed"])
    before = _counts(app)
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "Units created: 0; desks created: 0." in result.output
    assert not LOGIN_LINE.findall(result.output)
    assert _counts(app) == before == (13, 12, 24, 24, 6)


def test_demo_seed_if_empty_skips_a_database_that_has_units(app, runner, district):
    before = _counts(app)
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output
    assert _counts(app) == before


def test_demo_seed_if_empty_seeds_an_empty_database(app, runner):
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert count_rows(app, AdminUnit) == 13


# units import --province


def test_units_import_province_creates_hanoi_communes_of_the_two_level_map(app, runner):
    result = runner.invoke(args=["units", "import", "--province", "01"])
    assert result.exit_code == 0, result.output
    assert "Units created: 127; already present: 0." in result.output
    with app.app_context():
        hanoi = db.session.scalar(select(AdminUnit).where(AdminUnit.code == "01"))
        assert hanoi.level is UnitLevel.PROVINCE
        communes = db.session.scalars(
            select(AdminUnit).where(AdminUnit.parent_id == hanoi.id)
        ).all()
        assert len(communes) == 126
        assert {c.level for c in communes} == {UnitLevel.COMMUNE}
        assert {c.valid_from for c in communes} == {date(2025, 7, 1)}
        assert all(c.path.startswith(hanoi.path) for c in communes)


def test_units_import_province_twice_creates_nothing_the_second_time(app, runner):
    runner.invoke(args=["units", "import", "--province", "01"])
    result = runner.invoke(args=["units", "import", "--province", "01"])
    assert result.exit_code == 0, result.output
    assert "Units created: 0; already present: 127." in result.output
    assert count_rows(app, AdminUnit) == 127


def test_units_import_province_reuses_an_existing_province(app, runner):
    runner.invoke(args=["demo", "seed"])
    result = runner.invoke(args=["units", "import", "--province", "01"])
    assert result.exit_code == 0, result.output
    assert "Units created: 126; already present: 1." in result.output
    assert count_rows(app, AdminUnit, AdminUnit.code == "01") == 1


@pytest.mark.parametrize("code", ["99", "xx"])
def test_units_import_unknown_province_fails_with_a_clear_message(app, runner, code):
    result = runner.invoke(args=["units", "import", "--province", code])
    assert result.exit_code != 0
    assert f"Unknown province code: {code}" in result.output
    assert count_rows(app, AdminUnit) == 0


# units import --csv

HEADER = "code,name,level,parent_code,valid_from\n"


def _csv(tmp_path, rows: str):
    path = tmp_path / "units.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return str(path)


def test_units_import_csv_creates_units_under_their_parents(app, runner, tmp_path):
    path = _csv(
        tmp_path,
        "79,Thành phố Hồ Chí Minh,province,,2025-07-01\n"
        "26734,Phường Sài Gòn,commune,79,2025-07-01\n"
        "26737,Phường Tân Định,commune,79,2025-07-01\n",
    )
    result = runner.invoke(args=["units", "import", "--csv", path])
    assert result.exit_code == 0, result.output
    assert "Units created: 3; already present: 0." in result.output
    with app.app_context():
        ward = db.session.scalar(select(AdminUnit).where(AdminUnit.code == "26734"))
        assert ward.name == "Phường Sài Gòn"
        assert ward.level is UnitLevel.COMMUNE
        assert ward.parent.code == "79"
        assert ward.valid_from == date(2025, 7, 1)
    again = runner.invoke(args=["units", "import", "--csv", path])
    assert "Units created: 0; already present: 3." in again.output


HCMC = "79,Thành phố Hồ Chí Minh,province,,2025-07-01\n"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (HCMC + "26734,Phường Sài Gòn,ward,79,2025-07-01\n", "Line 3"),
        (HCMC + "26734,Phường Sài Gòn,commune,78,2025-07-01\n", "Line 3: unknown parent 78"),
        (HCMC + "26734,Phường Sài Gòn,commune,79,1 July\n", "Line 3"),
    ],
    ids=["bad-level", "unknown-parent", "bad-date"],
)
def test_units_import_csv_with_a_bad_row_fails_and_stores_nothing(
    app, runner, tmp_path, rows, message
):
    result = runner.invoke(args=["units", "import", "--csv", _csv(tmp_path, rows)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert count_rows(app, AdminUnit) == 0


def test_units_import_csv_without_the_required_columns_fails(app, runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("code,name\n79,Thành phố Hồ Chí Minh\n", encoding="utf-8")
    result = runner.invoke(args=["units", "import", "--csv", str(path)])
    assert result.exit_code != 0
    assert "Missing columns: level, parent_code, valid_from" in result.output
    assert count_rows(app, AdminUnit) == 0


def test_units_import_needs_exactly_one_source(runner, tmp_path):
    neither = runner.invoke(args=["units", "import"])
    assert neither.exit_code == 2
    assert "exactly one of --province or --csv" in neither.output
    both = runner.invoke(args=["units", "import", "--province", "01", "--csv", _csv(tmp_path, "")])
    assert both.exit_code == 2
    assert "exactly one of --province or --csv" in both.output


# users create


CLI_PASSWORD = "a-long-password"


def _create(runner, *args, password=CLI_PASSWORD):
    return runner.invoke(args=["users", "create", *args, "--password-stdin"], input=f"{password}\n")


def test_users_create_makes_an_account_that_can_sign_in(app, runner, client, district):
    result = _create(runner, "ward_manager", "--role", "unit_manager", "--unit", "00343")
    assert result.exit_code == 0, result.output
    assert "Created ward_manager (unit_manager) for 00343" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "ward_manager"))
        assert user.role is Role.UNIT_MANAGER
        assert user.unit_id == district["ward_a"]
    assert login(client, "ward_manager", CLI_PASSWORD).status_code == 302


def test_users_create_with_an_unknown_unit_fails_clearly(app, runner, district):
    result = _create(runner, "someone", "--role", "unit_manager", "--unit", "99999")
    assert result.exit_code != 0
    assert "No unit with code 99999." in result.output
    assert count_rows(app, User, User.username == "someone") == 0


def test_users_create_with_a_short_password_fails_clearly(app, runner, district):
    result = _create(
        runner, "someone", "--role", "unit_manager", "--unit", "00343", password="short"
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert count_rows(app, User, User.username == "someone") == 0


def test_users_create_with_a_taken_username_fails_clearly(app, runner, district):
    result = _create(runner, "Manager_A", "--role", "admin", "--unit", "01")
    assert result.exit_code != 0
    assert "already taken" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "manager_a"))
        assert user.role is Role.UNIT_MANAGER


def test_users_create_with_an_unknown_role_is_a_usage_error(app, runner, district):
    result = _create(runner, "someone", "--role", "superuser", "--unit", "00343")
    assert result.exit_code == 2
    assert count_rows(app, User, User.username == "someone") == 0


def test_maintenance_analyze_refreshes_planner_statistics(runner):
    result = runner.invoke(args=["maintenance", "analyze"])
    assert result.exit_code == 0, result.output
    assert "Planner statistics refreshed." in result.output


def test_demo_seed_with_responses_is_deterministic_and_idempotent(app, runner):
    from datetime import UTC, datetime

    from feedback_app.models import Response

    args = ["demo", "seed", "--responses", "60", "--from", "2026-01-05", "--to", "2026-01-09"]
    first = runner.invoke(args=[*args, "--seed", "7"])
    assert first.exit_code == 0, first.output
    assert "Responses created: 60" in first.output
    again = runner.invoke(args=[*args, "--seed", "7"])
    assert "Responses created: 0" in again.output
    with app.app_context():
        rows = db.session.scalars(select(Response)).all()
        assert len(rows) == 60
        for row in rows:
            hour = row.submitted_hour.replace(tzinfo=row.submitted_hour.tzinfo or UTC)
            assert (
                datetime(2026, 1, 4, 17, tzinfo=UTC) <= hour <= datetime(2026, 1, 9, 17, tzinfo=UTC)
            )
            assert hour.minute == 0
            assert row.answers


def test_demo_seed_refuses_from_after_to(runner):
    result = runner.invoke(args=["demo", "seed", "--from", "2026-02-01", "--to", "2026-01-01"])
    assert result.exit_code != 0
    assert "--from must not be after --to" in result.output
