"""Backups (`flask backup create` / `flask backup restore`): a consistent copy of the database
made while the app serves, and the way back into an empty database, also from SQLite to
PostgreSQL (the upgrade path: export, `flask db upgrade` on the new database, import).

A backup is one file of one of two kinds, told apart by its first bytes:

- SQLite (`SQLite format 3\\0`): SQLite's online backup API copies the database in one step,
  within one read transaction, so the copy is the database at one moment while the app goes on
  writing (WAL: the writer does not wait for the reader). The copy is then switched to a
  rollback journal: one self-contained file, nothing beside it.
- pg_dump (`PGDMP`): `pg_dump --format=custom --no-owner`, which reads everything in one
  snapshot while the app goes on. The rows it reports are counted in that same snapshot
  (exported to pg_dump from a repeatable-read transaction).

The file is written beside its destination under a temporary name, readable by its owner only
(it holds personal data), and renamed into place only when complete: a failed backup leaves
nothing that looks like one.

Restore goes only into an **empty** database: one where none of the app's tables holds a row.
The tables may exist and alembic_version may hold its revision (a database where only
`flask db upgrade` has run is empty); tables that are not the app's are not looked at.

| backup → database      | how                                                                  |
| ---------------------- | -------------------------------------------------------------------- |
| SQLite → SQLite        | the backup API copies the file in, schema and all, in one write      |
|                        | transaction                                                          |
| pg_dump → PostgreSQL   | pg_restore in one transaction, stopping at the first error: the      |
|                        | whole dump into a database without the app's tables; into one that   |
|                        | has them (at the dump's revision), the rows only, in foreign-key     |
|                        | order. Owners and grants are not restored: the restoring role owns   |
|                        | everything                                                           |
| SQLite → PostgreSQL    | the upgrade path. The database must have been made with              |
|                        | `flask db upgrade` (this release's revision, which must also be the  |
|                        | backup's); every table's rows are copied in foreign-key order, with  |
|                        | COPY in batches, in one transaction, then every sequence is set past |
|                        | the largest value of its column                                      |
| pg_dump → SQLite       | refused                                                              |

A file that is missing, not a backup, truncated or damaged is refused before anything is
changed: a SQLite file must pass `PRAGMA quick_check`, a pg_dump archive must be read whole by
pg_restore. Nothing here commits the request's session; restores use their own transaction.
PostgreSQL's planner statistics are brought up to date after a restore (ANALYZE), as after any
bulk import.
"""

import os
import re
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore, with argument lists, never a shell
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    URL,
    DateTime,
    Engine,
    Table,
    create_engine,
    func,
    inspect,
    literal,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from .errors import UserError, driver_message
from .extensions import db

SQLITE = "SQLite"
PG_DUMP = "pg_dump"
HEADERS = {SQLITE: b"SQLite format 3\x00", PG_DUMP: b"PGDMP"}
# Rows per COPY on the way from SQLite to PostgreSQL.
BATCH_ROWS = 5000
# Every pg_restore here: one transaction, so a failure leaves the database as it was.
PG_RESTORE = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
# A line of `pg_restore --list`: "3401; 0 16440 TABLE DATA public answers postgres".
TOC_LINE = re.compile(
    r"^\d+; \d+ \d+ (?P<kind>TABLE DATA|SEQUENCE SET) (?P<schema>\S+) (?P<name>\S+)"
)
# The serial and identity sequences of the current schema's tables, with the column they feed.
OWNED_SEQUENCES = text(
    """
    SELECT t.relname, a.attname, s.oid::regclass::text
    FROM pg_class s
    JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
        AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
    WHERE s.relkind = 'S' AND t.relnamespace = current_schema()::regnamespace
    """
)


class BackupRefused(UserError):
    """A backup cannot be made, or this file cannot be restored here; nothing was changed."""


@dataclass
class Outcome:
    """What was written: the kind of backup, rows per app table, how long it took; a restore
    also says how it went in and the revision the backup was made at."""

    kind: str
    rows: dict[str, int]
    seconds: float = 0.0
    size: int = 0
    method: str = ""
    revision: frozenset[str] | None = None
    heads: frozenset[str] = field(default_factory=frozenset)


# --- create ------------------------------------------------------------------------------------


def create(output: Path, *, force: bool = False) -> Outcome:
    """Copy the configured database into `output` while the app serves (refused if the file
    exists, unless `force`)."""
    began = time.perf_counter()
    with _database_used(), _staged(output, force) as partial:
        if db.engine.dialect.name == "sqlite":
            kind, rows = SQLITE, _sqlite_copy(partial)
        else:
            kind, rows = PG_DUMP, _pg_dump(partial)
    return Outcome(kind, rows, time.perf_counter() - began, output.stat().st_size)


@contextmanager
def _staged(output: Path, force: bool) -> Iterator[Path]:
    """A new owner-only file beside `output`, renamed to it once written (removed if not)."""
    if output.exists() and not force:
        raise BackupRefused(
            _("%(path)s already exists; give another name, or --force to replace it.", path=output)
        )
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{output.name}.", suffix=".partial", dir=output.parent
        )
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BackupRefused(
            _("%(path)s cannot be written: %(reason)s", path=output, reason=reason)
        ) from exc
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)


def _sqlite_copy(partial: Path) -> dict[str, int]:
    """The live SQLite database, copied page by page into `partial`."""
    try:
        with db.engine.connect() as connection:
            copy = sqlite3.connect(partial)
            try:
                # One step (all pages): one read transaction, so one moment of the database;
                # copying in steps would start over whenever the app writes in between.
                connection.connection.driver_connection.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        with _backup_engine(partial) as engine, engine.connect() as backup:
            return _row_counts(backup)
    except (sqlite3.Error, SQLAlchemyError) as exc:
        raise BackupRefused(_("The backup failed: %(reason)s", reason=driver_message(exc))) from exc


def _pg_dump(partial: Path) -> dict[str, int]:
    """pg_dump of the configured database into `partial`, and its rows, from one snapshot."""
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        # The snapshot lives while this transaction stays open: pg_dump reads the same one.
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        rows = _row_counts(connection)
        _run(
            "pg_dump",
            ["--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={partial}"],
            failure=lambda reason: _("The backup failed: %(reason)s", reason=reason),
            database=True,
        )
        connection.rollback()
    return rows


# --- restore -----------------------------------------------------------------------------------


def restore(source: Path) -> Outcome:
    """Put the backup in `source` into the configured database, which must be empty."""
    began = time.perf_counter()
    kind = kind_of(source)
    into_sqlite = db.engine.dialect.name == "sqlite"
    if kind == PG_DUMP and into_sqlite:
        raise BackupRefused(
            _("A pg_dump backup cannot be restored into SQLite: restore it into PostgreSQL.")
        )
    db.session.remove()  # nothing of the session's may hold the database meanwhile
    with _database_used():
        if kind == PG_DUMP:
            outcome = _pg_dump_into_postgresql(source)
        else:
            with _backup_engine(source) as engine:
                revision = _checked_sqlite_backup(engine, source)
                if into_sqlite:
                    outcome = _sqlite_into_sqlite(engine)
                else:
                    outcome = _sqlite_into_postgresql(engine, revision)
                outcome.revision = revision
    outcome.heads = _heads()
    outcome.seconds = time.perf_counter() - began
    return outcome


@contextmanager
def _database_used() -> Iterator[None]:
    """A configured database that does not answer (not created yet, wrong address, locked) is
    refused with the driver's reason, not shown as a traceback."""
    try:
        yield
    except OperationalError as exc:
        raise BackupRefused(
            _("The database cannot be used: %(reason)s", reason=driver_message(exc))
        ) from exc


def kind_of(source: Path) -> str:
    """SQLITE or PG_DUMP, from the file's first bytes; refused if it is neither."""
    try:
        with source.open("rb") as handle:
            start = handle.read(len(HEADERS[SQLITE]))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BackupRefused(
            _("%(path)s cannot be read: %(reason)s", path=source, reason=reason)
        ) from exc
    for kind, header in HEADERS.items():
        if start.startswith(header):
            return kind
    raise BackupRefused(
        _(
            "%(path)s is not a backup: it is neither a SQLite database nor a pg_dump archive "
            "(custom format).",
            path=source,
        )
    )


@dataclass
class _Target:
    """What the configured database holds: which of the app's tables, which of them have
    rows, and its Alembic revision (None without alembic_version)."""

    tables: set[str]
    filled: list[str]
    revision: frozenset[str] | None


def _target_state(connection: Connection) -> _Target:
    names = set(inspect(connection).get_table_names())
    mine = [table for table in db.metadata.sorted_tables if table.name in names]
    filled = [
        table.name
        for table in mine
        if connection.scalar(select(literal(1)).select_from(table).limit(1)) is not None
    ]
    return _Target({t.name for t in mine}, filled, _revision(connection, names))


def _revision(connection: Connection, names: set[str]) -> frozenset[str] | None:
    if "alembic_version" not in names:
        return None
    return frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))


def _empty_target(connection: Connection) -> _Target:
    """The database's state, refused unless none of the app's tables holds a row."""
    state = _target_state(connection)
    if state.filled:
        shown = ", ".join(state.filled[:5]) + (", …" if len(state.filled) > 5 else "")
        raise BackupRefused(
            _(
                "The database is not empty: %(tables)s already hold rows. Restore only into an "
                "empty database: a new one, or one where only `flask db upgrade` has run.",
                tables=shown,
            )
        )
    return state


def _heads() -> frozenset[str]:
    """This release's schema: the head revision(s) of its migrations."""
    return frozenset(ScriptDirectory(current_app.extensions["migrate"].directory).get_heads())


def _shown(revision: frozenset[str] | None) -> str:
    return ", ".join(sorted(revision)) if revision else "-"


# --- SQLite backups ----------------------------------------------------------------------------


@contextmanager
def _backup_engine(path: Path) -> Iterator[Engine]:
    """An engine reading a SQLite file and never writing it: immutable (no lock, no journal
    beside it), which is what a backup is while it is read."""
    uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
    engine = create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool
    )
    try:
        yield engine
    finally:
        engine.dispose()


def _checked_sqlite_backup(engine: Engine, source: Path) -> frozenset[str] | None:
    """The backup read whole by SQLite's own check; its revision. Refused if damaged, or if
    it holds none of the app's tables."""
    try:
        with engine.connect() as backup:
            problems = [row[0] for row in backup.exec_driver_sql("PRAGMA quick_check")]
            names = set(inspect(backup).get_table_names())
            revision = _revision(backup, names)
    except SQLAlchemyError as exc:
        problems = [driver_message(exc)]
    if problems != ["ok"]:
        raise BackupRefused(
            _("%(path)s is damaged or incomplete: %(reason)s", path=source, reason=problems[0])
        )
    if not names & set(db.metadata.tables):
        raise BackupRefused(
            _("%(path)s is a SQLite database without this application's tables.", path=source)
        )
    return revision


def _sqlite_into_sqlite(engine: Engine) -> Outcome:
    """The backup API, from the backup into the configured file: one write transaction that
    replaces the (empty) database whole, schema included."""
    try:
        with db.engine.connect() as connection:
            _empty_target(connection)
            connection.rollback()
            with engine.connect() as backup:
                backup.connection.driver_connection.backup(connection.connection.driver_connection)
    except (sqlite3.Error, DBAPIError) as exc:
        raise BackupRefused(
            _("Nothing was restored: %(reason)s", reason=driver_message(exc))
        ) from exc
    # Pooled connections may remember the empty schema.
    db.engine.dispose()
    with db.engine.connect() as connection:
        rows = _row_counts(connection)
    return Outcome(SQLITE, rows, method="the SQLite backup API")


def _sqlite_into_postgresql(engine: Engine, revision: frozenset[str] | None) -> Outcome:
    """The upgrade path: every table's rows from the backup into a PostgreSQL database made by
    `flask db upgrade` at the backup's revision, in one transaction."""
    heads = _heads()
    if revision != heads:
        raise BackupRefused(
            _(
                "The backup is at revision %(backup)s but this release's schema is %(head)s: "
                "run `flask db upgrade` on the SQLite database, make a new backup and restore "
                "that.",
                backup=_shown(revision),
                head=_shown(heads),
            )
        )
    rows: dict[str, int] = {}
    table = None
    try:
        with db.engine.begin() as target, engine.connect() as backup:
            state = _empty_target(target)
            if not state.tables:
                raise BackupRefused(
                    _(
                        "The PostgreSQL database has no tables yet: run `flask db upgrade` "
                        "against it first, then restore again."
                    )
                )
            _same_revision(state.revision, revision)
            for table in db.metadata.sorted_tables:
                rows[table.name] = _copy_rows(table, backup, target)
            _reset_sequences(target)
        _analyze()
    # COPY runs on the driver's own cursor: its errors come unwrapped.
    except (DBAPIError, db.engine.dialect.loaded_dbapi.Error) as exc:
        reason = f"{table.name if table is not None else '-'}: {driver_message(exc)}"
        raise BackupRefused(_("Nothing was restored: %(reason)s", reason=reason)) from exc
    return Outcome(SQLITE, rows, method="a copy table by table (SQLite to PostgreSQL)")


def _same_revision(target: frozenset[str] | None, backup: frozenset[str] | None) -> None:
    if target != backup:
        raise BackupRefused(
            _(
                "The database is at revision %(target)s, the backup at %(backup)s: restore "
                "into a new database, or one brought to the backup's revision by "
                "`flask db upgrade`.",
                target=_shown(target),
                backup=_shown(backup),
            )
        )


def _copy_rows(table: Table, source: Connection, target: Connection) -> int:
    """One table's rows, read with the model's types (booleans, dates, enums, JSON come back
    as Python values) and written with COPY, in batches."""
    # SQLite keeps no time zone: the app stores UTC, so say so before PostgreSQL reads it
    # (a naive value would be taken in the server's time zone).
    utc = [c.name for c in table.columns if isinstance(c.type, DateTime) and c.type.timezone]
    query = select(table).order_by(*table.primary_key.columns)
    result = source.execution_options(yield_per=BATCH_ROWS).execute(query).mappings()
    # A row may point to a later one of its own table (a unit made before its parent). COPY
    # checks foreign keys once it has every row, so such a table goes in one COPY.
    refers_to_itself = any(fk.column.table is table for fk in table.foreign_keys)
    copied = 0
    for batch in [result.all()] if refers_to_itself else result.partitions():
        rows = [dict(row) for row in batch]
        for row in rows:
            for name in utc:
                if row[name] is not None and row[name].tzinfo is None:
                    row[name] = row[name].replace(tzinfo=UTC)
        _copy_in(table, rows, target)
        copied += len(rows)
    return copied


def _copy_in(table: Table, rows: list[dict], target: Connection) -> None:
    """Rows into a PostgreSQL table with COPY (several times faster than INSERTs), each value
    made ready by its column's type as an INSERT would (an enum's value, JSON as text)."""
    dialect = target.dialect
    columns = list(table.columns)
    ready = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    quote = dialect.identifier_preparer
    names = ", ".join(quote.quote(column.name) for column in columns)
    statement = f"COPY {quote.format_table(table)} ({names}) FROM STDIN"
    cursor = target.connection.driver_connection.cursor()
    with cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = (row[column.name] for column in columns)
            copy.write_row([make(v) if make else v for make, v in zip(ready, values, strict=True)])


def _reset_sequences(target: Connection) -> None:
    """Every serial or identity sequence of the app's tables set so the next value is one past
    the largest in its column (the copy wrote the ids themselves)."""
    for table_name, column_name, sequence in target.execute(OWNED_SEQUENCES).all():
        table = db.metadata.tables.get(table_name)
        if table is None:
            continue
        highest = target.scalar(select(func.max(table.c[column_name])))
        target.execute(
            text("SELECT setval(CAST(:sequence AS regclass), :next, false)"),
            {"sequence": sequence, "next": (highest or 0) + 1},
        )


# --- pg_dump backups ---------------------------------------------------------------------------


def _pg_dump_into_postgresql(source: Path) -> Outcome:
    """pg_restore of the archive: whole into a database without the app's tables, the rows only
    (in foreign-key order) into one that has the schema at the archive's revision."""
    revision = _checked_pg_dump(source)
    with db.engine.connect() as connection:
        state = _empty_target(connection)
        connection.rollback()
    if not state.tables:
        _restore_archive([str(source)])
        method = "pg_restore (schema and rows)"
    else:
        _same_revision(state.revision, revision)
        with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as listing:
            listing.write(_rows_only_listing(source))
            listing.flush()
            _restore_archive(["--data-only", f"--use-list={listing.name}", str(source)])
        method = "pg_restore (rows into the existing schema)"
    _analyze()
    with db.engine.connect() as connection:
        rows = _row_counts(connection)
    return Outcome(PG_DUMP, rows, method=method, revision=revision)


def _checked_pg_dump(source: Path) -> frozenset[str] | None:
    """The archive read whole (a truncated or damaged one is refused here, before anything
    changes); the revision in its alembic_version (None without the table)."""

    def damaged(reason: str) -> str:
        return _("%(path)s is damaged or incomplete: %(reason)s", path=source, reason=reason)

    _run("pg_restore", [f"--file={os.devnull}", str(source)], failure=damaged)
    listing = _run("pg_restore", ["--list", str(source)], failure=damaged)
    if not any(_toc_entry(line, "TABLE DATA", "alembic_version") for line in listing):
        return None
    script = _run(
        "pg_restore",
        ["--data-only", "--table=alembic_version", "--file=-", str(source)],
        failure=damaged,
    )
    # The rows of COPY ... FROM stdin, up to its "\." line.
    copy = next(i for i, line in enumerate(script) if line.startswith("COPY "))
    rows = script[copy + 1 : script.index("\\.", copy)]
    return frozenset(rows)


def _toc_entry(line: str, kind: str, name: str | None = None) -> bool:
    match = TOC_LINE.match(line)
    return bool(match and match["kind"] == kind and (name is None or match["name"] == name))


def _rows_only_listing(source: Path) -> str:
    """The archive's table rows in foreign-key order (pg_restore follows the list's order:
    the archive's own is by name), then its sequence values. alembic_version keeps the
    database's own row, and tables that are not the app's are left out."""
    listing = _run("pg_restore", ["--list", str(source)], failure=str)
    order = {table.name: i for i, table in enumerate(db.metadata.sorted_tables)}
    rows = [line for line in listing if _toc_entry(line, "TABLE DATA")]
    rows = [line for line in rows if TOC_LINE.match(line)["name"] in order]
    rows.sort(key=lambda line: order[TOC_LINE.match(line)["name"]])
    sequences = [line for line in listing if _toc_entry(line, "SEQUENCE SET")]
    return "\n".join([*rows, *sequences]) + "\n"


def _restore_archive(arguments: list[str]) -> None:
    _run(
        "pg_restore",
        [*PG_RESTORE, *arguments],
        failure=lambda reason: _("Nothing was restored: %(reason)s", reason=reason),
        database=True,
    )


def _run(program: str, arguments: list[str], *, failure, database: bool = False) -> list[str]:
    """Run a PostgreSQL client program; its standard output, as lines. `failure` makes the
    message of the refusal from the program's own error; `database` adds the configured
    database as a libpq URL, its password (if any) in PGPASSWORD, never on a command line
    (which every user of the machine can read)."""
    environment = dict(os.environ)
    if database:
        url = db.engine.url
        if url.password is not None:
            environment["PGPASSWORD"] = str(url.password)
        plain = URL.create(
            "postgresql",
            username=url.username,
            host=url.host,
            port=url.port,
            database=url.database,
            query=url.query,
        )
        arguments = [*arguments, f"--dbname={plain.render_as_string(hide_password=False)}"]
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, arguments as a list, no shell
            [program, *arguments], env=environment, capture_output=True, check=False
        )
    except FileNotFoundError as exc:
        raise BackupRefused(
            _(
                "%(program)s was not found: install the PostgreSQL client programs, of the "
                "server's version or newer.",
                program=program,
            )
        ) from exc
    if done.returncode != 0:
        errors = done.stderr.decode("utf-8", "replace").strip().splitlines()
        said = [line for line in errors if "error" in line.lower()] or errors or ["?"]
        raise BackupRefused(failure(" ".join(said[:3])))
    return done.stdout.decode("utf-8", "replace").splitlines()


def _analyze() -> None:
    """Fresh planner statistics for the tables just filled (the summary's plans need them)."""
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


# --- shared ------------------------------------------------------------------------------------


def _row_counts(connection: Connection) -> dict[str, int]:
    """Rows in each of the app's tables present, in foreign-key order."""
    names = set(inspect(connection).get_table_names())
    return {
        table.name: connection.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name in names
    }
