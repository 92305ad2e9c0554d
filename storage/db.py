"""Engines, sessions and migrations: a SQLite file by default, PostgreSQL by URL, the schema upgraded on first use."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import URL, Engine
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000
# Any constant shared by every otbot process: serialises concurrent upgrades of one PostgreSQL database.
_PG_MIGRATION_LOCK_KEY = 0x6F74626F  # "otbo"; the two-key form of pg_advisory_xact_lock takes int4
# Execution options read by the SQLite "begin" hook: which BEGIN to emit; whether to wait for the write lock.
_SQLITE_BEGIN_OPTION = "otbot_sqlite_begin"
_SQLITE_NOWAIT_OPTION = "otbot_sqlite_nowait"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


class StorageError(Exception):
    """A database problem a person must fix; the message says where and why, without passwords."""


class DatabaseURLError(StorageError, ValueError):
    """A database URL that otbot cannot use."""


class DatabaseUnavailable(StorageError, RuntimeError):
    """The database cannot be reached or opened."""


class SchemaError(StorageError, RuntimeError):
    """The database schema cannot be brought to the version this code expects."""


class WriterBusy(RuntimeError):
    """SQLite: another connection holds the write lock and the caller asked not to wait for it
    (`write_session(engine, wait=False)`). Nothing was done; the caller tries again where waiting is harmless."""


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***, fit for logs and terminals."""
    return sa.make_url(url).render_as_string(hide_password=True)


def resolve_url(url: str, where: str = "database URL") -> str:
    """`url` normalised to our drivers and absolute SQLite paths; `where` names its source in errors (--db, …).

    Storage reads no settings: the caller passes the URL (the CLI: --db, else OTBOT_DATABASE_URL).
    """
    if url is None or not str(url).strip():
        raise DatabaseURLError(f"{where}: no database URL given")
    try:
        parsed = sa.make_url(url.strip())
    except sa.exc.ArgumentError:
        # The text may hold a password, so it is not repeated.
        raise DatabaseURLError(
            f"{where}: not a database URL; expected e.g. sqlite:///otbot.db or "
            "postgresql://user@host:5432/dbname"
        ) from None
    given = parsed
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend == "sqlite":
        parsed = _absolute_sqlite(parsed)
    else:
        raise DatabaseURLError(f"{where}: database {backend!r} is not supported; use sqlite:/// or postgresql://")
    if parsed == given:
        # Re-rendering would percent-encode harmless characters (sqlite:///%3Amemory%3A).
        return url.strip()
    return parsed.render_as_string(hide_password=False)


def _absolute_sqlite(parsed: URL) -> URL:
    """A relative SQLite path would follow the working directory; pin it so one file has one URL."""
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:") or parsed.query.get("uri"):
        return parsed
    return parsed.set(database=str(Path(database).expanduser().resolve()))


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling skips BEGIN before DDL and commits implicitly; turn it off
    # and emit BEGIN in _sqlite_on_begin, so migrations and savepoints are real transactions.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # WAL lets the web process read while the dispatcher writes; NORMAL is durable enough with WAL.
        _wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _wal(cursor: Any) -> None:
    """Switch to WAL. On a new file, several first connections at once race for the switch, and SQLite answers
    the loser "database is locked" at once (its busy handler is not asked): try again for up to the busy
    timeout. A file already in WAL needs nothing."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_on_begin(connection: sa.Connection) -> None:
    options = connection.get_execution_options()
    begin = options.get(_SQLITE_BEGIN_OPTION, "BEGIN")
    if not options.get(_SQLITE_NOWAIT_OPTION):
        connection.exec_driver_sql(begin)
        return
    # Not waiting: SQLite answers BUSY at once instead of sleeping in its busy handler. In WAL mode only the
    # BEGIN IMMEDIATE can be busy (reads never wait, and the commit needs no lock beyond the one taken here),
    # so the connection's usual timeout is back before the first statement.
    raw = _raw_sqlite(connection)
    raw.execute("PRAGMA busy_timeout=0")
    try:
        connection.exec_driver_sql(begin)
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            raise WriterBusy("another connection is writing to the SQLite database") from None
        raise
    finally:
        raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def create_engine(url: str) -> Engine:
    """A new engine for an already resolved URL, with the SQLite settings; no migrations, no cache."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            parent = Path(database).parent
            if not parent.is_dir():
                raise DatabaseURLError(f"SQLite file {database}: the folder {parent} does not exist")
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True)
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    # hide_parameters: an error never carries the values (personal data) of its statement.
    return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)


def alembic_config(url: str | None = None) -> Config:
    """Alembic configured in code, so migrations work from an installed package with no alembic.ini."""
    config = Config()
    # ConfigParser interpolation: a % in a path or password must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", resolve_url(url).replace("%", "%%"))
    return config


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revisions() -> tuple[str, ...]:
    """The revisions a database must be at for this code."""
    return tuple(_script().get_heads())


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """The revisions the database is at; empty for a database never migrated."""
    with engine.connect() as connection:
        return tuple(MigrationContext.configure(connection).get_current_heads())


def migrate(engine: Engine, revision: str = "head", *, downgrade: bool = False) -> None:
    """Upgrade (or downgrade) the database to `revision` in one transaction, one migrator at a time."""
    with _connect(engine) as connection:
        if engine.dialect.name == "sqlite":
            # IMMEDIATE takes the write lock now: a second process waits instead of racing to create tables.
            connection.execution_options(**{_SQLITE_BEGIN_OPTION: "BEGIN IMMEDIATE"})
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # SQLite's way to alter a table (batch mode: copy, DROP, rename) needs foreign keys off while it
            # runs (the pragma works only outside a transaction, hence the raw connection); every key is
            # checked before COMMIT instead, and they are switched on again after.
            _raw_sqlite(connection).execute("PRAGMA foreign_keys=OFF")
        try:
            _migrate_in_transaction(engine, connection, revision, downgrade=downgrade)
        finally:
            if sqlite:
                _raw_sqlite(connection).execute("PRAGMA foreign_keys=ON")


def _raw_sqlite(connection: sa.Connection) -> Any:
    return connection.connection.dbapi_connection


def _migrate_in_transaction(engine: Engine, connection: sa.Connection, revision: str, *, downgrade: bool) -> None:
    with connection.begin():
        if engine.dialect.name == "postgresql":
            # Keyed per schema: the tables live there, and databases that hold several schemas
            # (the test suite's) need not migrate one at a time.
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(coalesce(current_schema(), '')))"),
                {"key": _PG_MIGRATION_LOCK_KEY},
            )
        current = set(MigrationContext.configure(connection).get_current_heads())
        if not downgrade and revision == "head" and current == set(head_revisions()):
            return
        _check_known(connection, current)
        config = alembic_config()
        config.attributes["connection"] = connection
        try:
            if downgrade:
                command.downgrade(config, revision)
            else:
                command.upgrade(config, revision)
            if engine.dialect.name == "sqlite":
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    tables = ", ".join(sorted({str(row[0]) for row in broken}))
                    raise SchemaError(f"migration left rows pointing at missing rows in {tables}; nothing was changed")
        except CommandError as exc:
            raise SchemaError(f"{mask_url(engine.url.render_as_string(hide_password=False))}: {exc}") from exc


def _connect(engine: Engine) -> sa.Connection:
    try:
        return engine.connect()
    except sa.exc.OperationalError as exc:
        # The driver's first line says what failed (refused, no such database, bad password) without the URL.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        where = mask_url(engine.url.render_as_string(hide_password=False))
        raise DatabaseUnavailable(f"cannot open the database at {where}: {reason}") from exc


def _check_known(connection: sa.Connection, current: set[str]) -> None:
    where = mask_url(connection.engine.url.render_as_string(hide_password=False))
    for revision in current:
        try:
            known = _script().get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            raise SchemaError(
                f"{where}: the database is at schema revision {revision!r}, which this version of otbot "
                "does not know (written by a newer version?); nothing was changed"
            )
    if not current:
        tables = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
        if tables:
            raise SchemaError(
                f"{where}: the database has tables ({', '.join(sorted(tables)[:5])}…) but no migration "
                "history; otbot will not write into it. Use an empty database."
            )


def open_database(url: str) -> Engine:
    """The engine for `url`, its schema at head; one engine per URL per process."""
    resolved = resolve_url(url)
    with _engines_lock:
        engine = _engines.get(resolved)
        if engine is None:
            engine = create_engine(resolved)
            try:
                migrate(engine)
            except BaseException:
                engine.dispose()
                raise
            _engines[resolved] = engine
    return engine


def upgrade(url: str) -> str:
    """Apply every migration to the database; returns its URL with the password masked."""
    resolved = resolve_url(url)
    migrate(open_database(resolved))
    return mask_url(resolved)


def close_database(url: str) -> None:
    """Dispose of the cached engine for `url`, closing its connections (before dropping a database)."""
    resolved = resolve_url(url)
    with _engines_lock:
        engine = _engines.pop(resolved, None)
    if engine is not None:
        engine.dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back when it raises.

    Objects stay readable after the block (expire_on_commit=False), so a caller can return them.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def write_session(engine: Engine, *, wait: bool = True) -> Iterator[Session]:
    """Like session_scope, but a writer from the first statement: on SQLite the transaction takes the
    write lock at BEGIN (BEGIN IMMEDIATE), so two processes claiming work are served one after the other
    instead of both reading and one failing at its first write. PostgreSQL needs nothing (use FOR UPDATE
    SKIP LOCKED in the query).

    `wait=False` (SQLite): when another connection holds the write lock, raise WriterBusy at the first
    statement instead of waiting up to the busy timeout; on PostgreSQL it changes nothing."""
    with session_scope(_writer(engine, wait)) as session:
        yield session


@contextmanager
def write_connection(engine: Engine, *, wait: bool = True) -> Iterator[sa.Connection]:
    """write_session for Core statements: a connection in a write transaction, committed when the block ends
    and rolled back when it raises (no Session and its bookkeeping: the inbound webhook's path)."""
    with _writer(engine, wait).begin() as connection:
        yield connection


def connection_of(db: Session | sa.Connection) -> sa.Connection:
    """The connection to run Core statements on, given a session or a connection; a session's pending changes
    are flushed first (as the session's own execute would), so the statements see them."""
    if isinstance(db, Session):
        db.flush()
        return db.connection()
    return db


def _writer(engine: Engine, wait: bool) -> Engine:
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_SQLITE_BEGIN_OPTION: "BEGIN IMMEDIATE", _SQLITE_NOWAIT_OPTION: not wait})
