"""Test databases: a fresh SQLite file per test, or on PostgreSQL (OTBOT_TEST_DATABASE_URL) a fresh schema per test.

PostgreSQL: each pytest run creates its own database on the given server and each test gets an empty
schema in it, reached through the URL's search_path. CREATE DATABASE costs about half a second (the
server syncs to disk); a schema costs milliseconds. The run's own database keeps concurrent runs by
several developers apart, advisory locks included.

Migrated databases (the `engine` fixture): running the Alembic migrations costs ~0.4-1 s, and about a
thousand tests want a migrated database. So the migrations run once per pytest run, and each test gets
their result: on SQLite a copy of the migrated file; on PostgreSQL the statements the migrations sent,
recorded once and replayed into the test's schema (checked once against the migrated schema: tables,
columns, constraints and indexes the same). `open_database` then finds the schema at head, as it would
after its own migration. Tests of the migrations themselves use `db_url` (an empty database).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.db import close_database, open_database, resolve_url

TEST_DATABASE_ENV = "OTBOT_TEST_DATABASE_URL"
TEST_DATABASE_PREFIX = "otbot_run_"
TEST_SCHEMA_PREFIX = "t_"


def _server_url() -> str | None:
    """The PostgreSQL server under test (its maintenance database), or None for SQLite."""
    raw = os.environ.get(TEST_DATABASE_ENV, "").strip()
    if not raw:
        return None
    resolved = resolve_url(raw)
    return resolved if sa.make_url(resolved).get_backend_name() == "postgresql" else None


def _libpq(url: str) -> str:
    """psycopg speaks libpq URLs, not SQLAlchemy's postgresql+psycopg://."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server() -> str | None:
    """The reachable PostgreSQL server URL, None on SQLite; unreachable fails under CI=true, else skips."""
    url = _server_url()
    if url is None:
        return None
    try:
        with psycopg.connect(_libpq(url), connect_timeout=5, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        where = sa.make_url(url).render_as_string(hide_password=True)
        reason = f"PostgreSQL at {where} (from {TEST_DATABASE_ENV}) is unreachable: {str(exc).strip()}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return url


def _admin(server: str, sql: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    with psycopg.connect(_libpq(server), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_run_database(postgres_server: str | None) -> Iterator[str | None]:
    """This run's own PostgreSQL database (dropped at the end), None on SQLite."""
    if postgres_server is None:
        yield None
        return
    name = f"{TEST_DATABASE_PREFIX}{uuid.uuid4().hex[:16]}"
    _admin(postgres_server, f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE: a test that leaked a connection must not leave the database behind.
        _admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _search_path(url: str, schema: str) -> str:
    return sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


@pytest.fixture
def db_url(postgres_run_database: str | None, tmp_path: Path) -> Iterator[str]:
    """A URL to a fresh, empty database for this test only (not migrated: open_database or the CLI does that)."""
    if postgres_run_database is None:
        url = resolve_url(f"sqlite:///{tmp_path / 'otbot-test.db'}")
        yield url
        close_database(url)
        return
    schema = f"{TEST_SCHEMA_PREFIX}{uuid.uuid4().hex[:16]}"
    _admin(postgres_run_database, f'CREATE SCHEMA "{schema}"')
    # Only this schema on the search path: whatever the test creates lands there and nowhere else.
    url = _search_path(postgres_run_database, schema)
    try:
        yield url
    finally:
        # The schema itself goes with the run's database; dropping it here would cost ~0.1 s a test.
        close_database(url)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per run (closed: WAL checkpointed into the file)."""
    path = tmp_path_factory.mktemp("migrated") / "otbot-migrated.db"
    url = resolve_url(f"sqlite:///{path}")
    open_database(url)
    close_database(url)
    return path


def _schema_shape(connection: sa.Connection, schema: str) -> list[tuple[Any, ...]]:
    """Tables, columns, constraints and indexes of a schema, with its name taken out."""
    rows: list[tuple[Any, ...]] = []
    rows += connection.execute(sa.text(
        "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns "
        "WHERE table_schema = :s ORDER BY 1, 2"), {"s": schema}).all()
    rows += connection.execute(sa.text(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = :s ORDER BY 2"), {"s": schema}).all()
    rows += connection.execute(sa.text(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = :s ORDER BY 2"), {"s": schema}).all()
    rows += connection.execute(sa.text(
        "SELECT version_num FROM alembic_version")).all()
    return [tuple(str(v).replace(f"{schema}.", "") for v in row) for row in rows]


def _replay(url: str, script: list[tuple[str, Any]]) -> None:
    """Run the recorded statements in one transaction; each run of statements without parameters as one
    simple query (psycopg allows several statements in a query without parameters)."""
    with psycopg.connect(_libpq(url)) as conn, conn.transaction():
        for with_parameters, group in groupby(script, key=lambda item: bool(item[1])):
            if with_parameters:
                for statement, parameters in group:
                    conn.execute(statement, parameters)  # type: ignore[call-overload]
            else:
                conn.execute(";\n".join(statement for statement, _ in group))  # type: ignore[call-overload]


@pytest.fixture(scope="session")
def postgres_migration(postgres_run_database: str) -> list[tuple[str, Any]]:
    """The statements the migrations send to an empty PostgreSQL schema (SELECTs left out: the migrator's
    checks and its advisory lock), checked once: replayed, they give the same schema as the migrations."""
    template, copy = (f"{TEST_SCHEMA_PREFIX}migrated_{uuid.uuid4().hex[:8]}" for _ in range(2))
    for schema in (template, copy):
        _admin(postgres_run_database, f'CREATE SCHEMA "{schema}"')
    script: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool) -> None:
        assert not executemany, "the recorder replays single statements"
        if not statement.lstrip().upper().startswith("SELECT"):
            script.append((statement, parameters))

    sa.event.listen(Engine, "before_cursor_execute", record)
    try:
        open_database(_search_path(postgres_run_database, template))
    finally:
        sa.event.remove(Engine, "before_cursor_execute", record)
    assert not any(template in statement for statement, _ in script), "a migration names its schema"
    _replay(_search_path(postgres_run_database, copy), script)
    check = sa.create_engine(postgres_run_database, poolclass=sa.NullPool)
    try:
        with check.connect() as connection:
            connection.exec_driver_sql(f'SET search_path TO "{template}"')
            migrated = _schema_shape(connection, template)
            connection.exec_driver_sql(f'SET search_path TO "{copy}"')
            replayed = _schema_shape(connection, copy)
    finally:
        check.dispose()
    assert migrated and replayed == migrated, "replaying the migrations' statements gave another schema"
    close_database(_search_path(postgres_run_database, template))
    return script


@pytest.fixture
def engine(db_url: str, request: pytest.FixtureRequest) -> Engine:
    """The engine for db_url, migrated to the newest schema (exactly what every otbot command does; the
    migrations' result is made once per run, see the module doc)."""
    parsed = sa.make_url(db_url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), parsed.database)
    else:
        _replay(db_url, request.getfixturevalue("postgres_migration"))
    return open_database(db_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated test database; the test commits what it wants stored."""
    with Session(engine) as session:
        yield session
