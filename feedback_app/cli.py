"""Command-line interface: `flask --app wsgi <group> <command>`. Each command commits once."""

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select, text

from . import backup, retention
from . import demo as demo_data
from .auth import service as accounts
from .errors import UserError
from .extensions import db
from .models import Counter, Kiosk, KioskMode, Role
from .reports import exports, rollups
from .reports import periods as report_periods
from .reports import service as report_service
from .surveys import instruments
from .surveys import service as kiosk_service
from .timeutil import local_today
from .units import calendar as work_calendar
from .units import service as units

demo_cli = AppGroup("demo", help="The demo district (quận Thanh Xuân, Hà Nội).")
units_cli = AppGroup("units", help="Administrative units.")
users_cli = AppGroup("users", help="Staff accounts.")
holidays_cli = AppGroup("holidays", help="Public holidays and make-up working days.")
kiosks_cli = AppGroup("kiosks", help="Counter tablets.")
surveys_cli = AppGroup("surveys", help="Survey instruments.")
maintenance_cli = AppGroup("maintenance", help="Database upkeep.")
retention_cli = AppGroup("retention", help="Personal data past the retention period.")
# The console speaks English (its other output is English); pages follow the reader's language.
CLI_LANGUAGE = "en"

reports_cli = AppGroup("reports", help="The period summary and the rollups behind it.")
backup_cli = AppGroup("backup", help="Copies of the database, and restoring one.")


def _logins_file() -> Path:
    configured = current_app.config.get("DEMO_LOGINS_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / "demo-logins.txt"


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has units.")
@click.option(
    "--responses",
    type=click.IntRange(0, demo_data.MAX_RESPONSES),
    default=0,
    help="Synthetic ratings (with cases, calls, paper and dossier figures to match).",
)
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
def demo_seed(if_empty: bool, responses: int, start, end, seed: int) -> None:
    """Create the demo district, its desks, one account per role and a kiosk per counter;
    with --responses, N synthetic ratings and, to match, the cases of every channel, hotline
    calls and SMS, box openings, comment-book entries and dossier figures. Idempotent."""
    if if_empty and not demo_data.is_empty():
        click.echo("The database already has units; demo seed skipped.")
        return
    last = end.date() if end else local_today()
    first = start.date() if start else last - timedelta(days=89)
    if first > last:
        raise click.UsageError("--from must not be after --to.")
    began = time.perf_counter()
    result = demo_data.seed()
    activity = demo_data.seed_responses(responses, first, last, seed) if responses else None
    db.session.commit()
    seeded = time.perf_counter() - began
    click.echo(f"Units created: {result.units_created}; desks created: {result.desks_created}.")
    if activity is not None:
        click.echo(
            f"Responses created: {activity.responses} ({first} to {last}, seed {seed}) "
            f"in {seeded:.1f} s; {activity}."
        )
        # Count them into the rollups now, so the first summary does not have to.
        began = time.perf_counter()
        folded = demo_data.fold_into_rollups()
        took = time.perf_counter() - began
        click.echo(f"Rollups brought up to date: {folded} responses in {took:.1f} s.")
    if result.new_logins:
        _save_logins(result.new_logins)
        click.echo("New demo accounts (username: password):")
        for username, secret in result.new_logins.items():
            if username.startswith("kiosk"):
                click.echo(f"Demo kiosk (counter tablet): {kiosk_service.kiosk_url(secret)}")
            else:
                click.echo(f"  {username}: {secret}")


def _save_logins(logins: dict[str, str]) -> None:
    """Keep demo passwords (owner-only) so `make run` can show them; a new one replaces the old."""
    path = _logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    known = _read_logins(path)
    known.update(logins)
    path.touch(mode=0o600, exist_ok=True)
    os.chmod(path, 0o600)
    path.write_text("".join(f"{name}: {pw}\n" for name, pw in known.items()), encoding="utf-8")


def _read_logins(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    pairs = (line.split(": ", 1) for line in path.read_text(encoding="utf-8").splitlines())
    return {pair[0]: pair[1] for pair in pairs if len(pair) == 2}


@demo_cli.command("logins")
def demo_logins() -> None:
    """Print the demo accounts and their passwords, as created by `demo seed`."""
    path = _logins_file()
    if not path.is_file():
        click.echo("No demo accounts recorded here; run `flask demo seed` first.")
        return
    click.echo("Demo accounts (username: password):")
    for username, secret in _read_logins(path).items():
        if username.startswith("kiosk"):
            click.echo(f"Demo kiosk (counter tablet): {kiosk_service.kiosk_url(secret)}")
        else:
            click.echo(f"  {username}: {secret}")


@units_cli.command("import")
@click.option("--province", "province", help="Province code, e.g. 01 for Hà Nội.")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with columns code, name, level, parent_code, valid_from.",
)
def units_import(province: str | None, csv_file: Path | None) -> None:
    """Load current units from vietnam-provinces, or the statistics office's list as CSV."""
    if bool(province) == bool(csv_file):
        raise click.UsageError("Give exactly one of --province or --csv.")
    try:
        with force_locale(CLI_LANGUAGE):
            result = units.import_province(province) if province else units.import_csv(csv_file)
    except UserError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Units created: {result.created}; already present: {result.unchanged}.")


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="The account's role."
)
@click.option("--unit", "unit_code", required=True, help="Code of the unit the account covers.")
@click.option("--full-name", default="", help="The person's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(
    username: str, role: str, unit_code: str, full_name: str, password_stdin: bool
) -> None:
    """Create a staff account (the password is asked for unless --password-stdin)."""
    unit = units.find_unit(unit_code)
    if unit is None:
        raise click.ClickException(f"No unit with code {unit_code}.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with force_locale(CLI_LANGUAGE):
            user = accounts.create_user(
                username=username, role=role, unit=unit, password=password, full_name=full_name
            )
    except UserError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role.value}) for {unit.code} {unit.name}.")


@holidays_cli.command("load")
@click.option(
    "--year",
    required=True,
    type=click.IntRange(work_calendar.FIRST_YEAR, work_calendar.LAST_YEAR),
    help="The year, e.g. 2026.",
)
def holidays_load(year: int) -> None:
    """Add Vietnam's predictable public holidays for a year (days already present are kept)."""
    added = work_calendar.load_year(year)
    db.session.commit()
    click.echo(f"Holidays added: {added}.")


MODES = click.Choice([mode.value for mode in KioskMode])


@kiosks_cli.command("create")
@click.option("--counter", "counter_id", required=True, type=int, help="Id of the counter.")
@click.option("--label", default="", help="A name for the tablet, e.g. 'Quầy 1, tầng 1'.")
@click.option(
    "--mode",
    type=MODES,
    default=KioskMode.QUICK.value,
    show_default=True,
    help="quick: one tap on a face; full: every question, one per screen.",
)
def kiosks_create(counter_id: int, label: str, mode: str) -> None:
    """Register a tablet at a counter; the last line printed is its full kiosk URL."""
    counter = db.session.get(Counter, counter_id)
    if counter is None:
        raise click.ClickException(f"No counter with id {counter_id}.")
    kiosk, token = kiosk_service.create_kiosk(counter, label=label, mode=KioskMode(mode))
    db.session.commit()
    point = counter.service_point
    click.echo(f"Kiosk {kiosk.id} ({mode}) registered at counter {counter.code}, {point.name}.")
    click.echo("Open this address on the tablet (it is shown only now):")
    click.echo(kiosk_service.kiosk_url(token))


@kiosks_cli.command("mode")
@click.argument("mode", type=MODES)
@click.option("--kiosk", "kiosk_ids", type=int, multiple=True, help="Id of a kiosk (repeatable).")
@click.option("--desk", "desk_id", type=int, help="Every kiosk at this desk (service point).")
def kiosks_mode(mode: str, kiosk_ids: tuple[int, ...], desk_id: int | None) -> None:
    """Set how tablets present the survey: one kiosk, several, or a whole desk's."""
    if not kiosk_ids and desk_id is None:
        raise click.UsageError("Name the tablets: --kiosk ID (repeatable) or --desk ID.")
    query = select(Kiosk).join(Kiosk.counter)
    if kiosk_ids:
        query = query.where(Kiosk.id.in_(kiosk_ids))
    if desk_id is not None:
        query = query.where(Counter.service_point_id == desk_id)
    kiosks = db.session.scalars(query.order_by(Kiosk.id)).all()
    missing = set(kiosk_ids) - {k.id for k in kiosks}
    if missing or not kiosks:
        what = f"kiosk {min(missing)}" if missing else f"kiosks at desk {desk_id}"
        raise click.ClickException(f"No {what}.")
    for kiosk in kiosks:
        kiosk_service.set_kiosk_mode(kiosk, KioskMode(mode), None)
    db.session.commit()
    click.echo(f"{len(kiosks)} kiosk(s) set to {mode}: " + ", ".join(str(k.id) for k in kiosks))


@surveys_cli.command("seed-default")
def surveys_seed_default() -> None:
    """Create and publish the default instrument (SIPAS F1–F5, TT01 indices 3 and 4)."""
    instrument, created = instruments.seed_default()
    db.session.commit()
    state = "created and published" if created else "already present"
    click.echo(f"Instrument {instrument.label}: {state}.")


@maintenance_cli.command("analyze")
def maintenance_analyze() -> None:
    """Refresh the query planner's statistics (run weekly from cron, and after a bulk import)."""
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    click.echo("Planner statistics refreshed.")


@retention_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
def retention_purge(dry_run: bool) -> None:
    """Remove personal data of settled matters older than RETENTION_DAYS (run daily from cron)."""
    days = current_app.config["RETENTION_DAYS"]
    if not isinstance(days, int) or days < 30:
        raise click.ClickException("RETENTION_DAYS must be a whole number of days, at least 30.")
    result = retention.purge(dry_run=dry_run)
    if not dry_run:
        db.session.commit()
        result.remove_files()
    verb = "Would remove" if dry_run else "Removed"
    cut = retention.cutoff().date().isoformat()
    click.echo(f"{verb} personal data received or settled before {cut} ({days} days):")
    for line in result.lines():
        click.echo(line)


@reports_cli.command("summary")
@click.option(
    "--period", required=True, help="2025, 2025-H1, 2025-Q2, 2025-06 or 2025-01-01..2025-03-15."
)
@click.option("--unit", "unit_code", required=True, help="The unit's statistics-office code.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", *exports.FORMATS]),
    default="json",
    show_default=True,
    help="json (the summary object), csv (every figure, a row each), xlsx (the annex) or docx "
    "(the report, NĐ 30/2020 layout); the files are those of /reports/summary.<format>.",
)
@click.option(
    "--output", type=click.Path(dir_okay=False, writable=True), help="File (default: stdout)."
)
@click.option(
    "--officers",
    is_flag=True,
    help="xlsx/docx: add the internal officer sheet or annex (off by default; json always has "
    "the officers: the operator at the console is trusted).",
)
def reports_summary(
    period: str, unit_code: str, fmt: str, output: str | None, officers: bool
) -> None:
    """The period summary of a unit (with everything below it), as on /reports/summary."""
    try:
        chosen = report_periods.parse(period)
    except report_periods.PeriodError as exc:
        raise click.BadParameter(exc.message, param_hint="--period") from None
    unit = units.find_unit(unit_code.strip(), chosen.end)
    if unit is None:
        raise click.BadParameter(f"no unit has the code {unit_code!r}.", param_hint="--unit")
    if fmt in ("xlsx", "docx") and not output and sys.stdout.isatty():
        raise click.UsageError(f"A {fmt} file is binary: give --output FILE (or redirect stdout).")
    # The operator at the console is trusted: officer figures included.
    data = report_service.summary(chosen, unit, officers=True)
    if fmt == "json":
        body = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    else:
        body = exports.report(fmt, chosen, unit, officers=officers, summary=data).data
    if output:
        Path(output).write_bytes(body)
        click.echo(f"Summary written to {output}.")
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()


@reports_cli.command("rebuild-rollups")
def reports_rebuild_rollups() -> None:
    """Count every response into the rollups again (after a repair; the summary stays right)."""
    folded = rollups.rebuild()
    click.echo(f"Rollups rebuilt from {folded} responses.")


@backup_cli.command("create")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file (SQLite: a database file; PostgreSQL: a pg_dump archive).",
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def backup_create(output: Path, force: bool) -> None:
    """Copy the database into a file while the app serves (SQLite's online backup, or
    pg_dump -Fc); the file is readable by its owner only."""
    try:
        with force_locale(CLI_LANGUAGE):
            done = backup.create(output, force=force)
    except UserError as exc:
        raise click.ClickException(exc.message) from exc
    size = f"{done.size / 1_000_000:.1f} MB"
    click.echo(f"Backup written to {output} ({done.kind}, {size}) in {done.seconds:.1f} s:")
    click.echo(_rows_line(done.rows))


@backup_cli.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
def backup_restore(source: Path) -> None:
    """Restore a backup into the configured database, which must be empty (no rows in the
    app's tables; a database where only `flask db upgrade` has run is empty). A SQLite backup
    goes into SQLite or PostgreSQL (the upgrade path: run `flask db upgrade` on the new
    database first); a pg_dump archive into PostgreSQL."""
    try:
        with force_locale(CLI_LANGUAGE):
            done = backup.restore(source)
    except UserError as exc:
        raise click.ClickException(exc.message) from exc
    where = db.engine.url.render_as_string(hide_password=True)
    click.echo(f"Restored {source} ({done.kind}) into {where} in {done.seconds:.1f} s,")
    click.echo(f"by {done.method}: {_rows_line(done.rows)}")
    if done.revision is not None and done.revision != done.heads:
        shown = ", ".join(sorted(done.revision))
        click.echo(
            f"The backup's schema revision is {shown}; this release's is "
            f"{', '.join(sorted(done.heads))}: run `flask --app wsgi db upgrade` now."
        )


def _rows_line(rows: dict[str, int]) -> str:
    """Tables and rows, with the tables people look for first."""
    main = ", ".join(f"{name} {rows[name]:,}" for name in ("responses", "cases") if name in rows)
    return f"{len(rows)} tables, {sum(rows.values()):,} rows ({main})."


def init_app(app: Flask) -> None:
    """Register the command groups."""
    for group in (
        demo_cli,
        units_cli,
        users_cli,
        holidays_cli,
        kiosks_cli,
        surveys_cli,
        maintenance_cli,
        retention_cli,
        reports_cli,
        backup_cli,
    ):
        app.cli.add_command(group)
