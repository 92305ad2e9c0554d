"""Test databases: a fresh SQLite file per test, or on PostgreSQL (OTBOT_TEST_DATABASE_URL) a fresh schema per test.

PostgreSQL: each pytest run creates its own database on the given server and each test gets an empty
schema in it, reached through the URL's search_path. CREATE DATABASE costs about half a second (the
server syncs to disk); a schema costs milliseconds. The run's own database keeps concurrent runs by
several developers apart, advisory locks included.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

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
    url = (
        sa.make_url(postgres_run_database)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        yield url
    finally:
        # The schema itself goes with the run's database; dropping it here would cost ~0.1 s a test.
        close_database(url)


@pytest.fixture
def engine(db_url: str) -> Engine:
    """The engine for db_url, migrated to the newest schema (exactly what every otbot command does)."""
    return open_database(db_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated test database; the test commits what it wants stored."""
    with Session(engine) as session:
        yield session
