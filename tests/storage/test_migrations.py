"""Migrations build exactly the schema of storage.models, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import ast
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from storage.db import (
    MIGRATIONS_DIR,
    SchemaError,
    create_engine,
    current_revisions,
    head_revisions,
    migrate,
    open_database,
    session_scope,
    upgrade,
)
from storage.models import County

TABLES = {
    "county", "adviser", "youth", "guardian", "contactpoint", "message",
    "outbox", "statuschange", "alert", "accesslog", "youthguardian", "enrolment", "conversation",
    "deliveryreport", "chatbinding", "sitesecret", "note",
}  # fmt: skip


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def _tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_of_an_empty_database_builds_exactly_the_models(db_url: str) -> None:
    fresh = create_engine(db_url)
    try:
        assert _tables(fresh) == set()
    finally:
        fresh.dispose()

    engine = open_database(db_url)

    assert _tables(engine) == TABLES | {"alembic_version"}
    assert current_revisions(engine) == head_revisions()
    assert _differences(engine) == []


def test_every_model_table_is_created_by_the_migrations(engine: Engine) -> None:
    # Guards the test above: a table missing from both sides would compare equal.
    assert set(SQLModel.metadata.tables) == TABLES
    assert TABLES <= _tables(engine)


def test_schema_comparison_notices_a_missing_index(engine: Engine) -> None:
    # Guards the "no differences" tests: the comparison must be able to see a drift.
    with engine.begin() as connection:
        connection.execute(sa.text("DROP INDEX ix_youth_status_code"))
    assert [d[0] for d in _differences(engine)] == ["add_index"]


def test_upgrade_twice_keeps_the_data(db_url: str) -> None:
    upgrade(db_url)
    engine = open_database(db_url)
    with session_scope(engine) as session:
        session.add(County(name="Trøndelag"))

    upgrade(db_url)
    upgrade(db_url)

    with session_scope(engine) as session:
        assert [c.name for c in session.exec(select(County)).all()] == ["Trøndelag"]
    assert current_revisions(engine) == head_revisions()


def test_downgrade_to_base_then_upgrade_restores_the_schema(engine: Engine) -> None:
    migrate(engine, "base", downgrade=True)
    assert _tables(engine) - {"alembic_version"} == set()
    assert current_revisions(engine) == ()

    migrate(engine)

    assert current_revisions(engine) == head_revisions()
    assert _differences(engine) == []


def test_upgrade_returns_the_url_without_password(db_url: str) -> None:
    shown = upgrade(db_url)
    url = sa.make_url(db_url)
    assert shown == url.render_as_string(hide_password=True)
    if url.password:
        assert url.password not in shown


def test_database_with_foreign_tables_and_no_history_is_refused_untouched(db_url: str) -> None:
    raw = create_engine(db_url)
    try:
        with raw.begin() as connection:
            connection.execute(sa.text("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)"))
        with pytest.raises(SchemaError, match="no migration history"):
            open_database(db_url)
        assert _tables(raw) == {"someone_elses"}
    finally:
        raw.dispose()


def test_database_from_a_newer_version_is_refused_untouched(engine: Engine, db_url: str) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))

    with pytest.raises(SchemaError, match="does not know"):
        upgrade(db_url)
    assert current_revisions(engine) == ("9999_from_the_future",)
    assert TABLES <= _tables(engine)


def test_concurrent_first_use_migrates_once_and_both_succeed(db_url: str) -> None:
    engines = [create_engine(db_url) for _ in range(3)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def first_use(engine: Engine) -> None:
        try:
            start.wait()
            migrate(engine)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=first_use, args=(e,)) for e in engines]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert current_revisions(engines[0]) == head_revisions()
        assert _differences(engines[0]) == []
    finally:
        for e in engines:
            e.dispose()


def test_sqlite_enforces_foreign_keys(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL always enforces foreign keys")
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO adviser (county_id, name, active, created_at) VALUES (4242, 'x', 1, :at)"
            ),
            {"at": datetime(2025, 1, 1, tzinfo=UTC).replace(tzinfo=None)},
        )


def test_revisions_use_plain_sqlalchemy_types_only() -> None:
    # A revision must run the same in five years, whatever sqlmodel or storage.models look like then.
    revisions = sorted((MIGRATIONS_DIR / "versions").glob("[0-9]*.py"))
    assert revisions
    for revision in revisions:
        tree = ast.parse(Path(revision).read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert imported <= {"__future__", "collections.abc", "datetime", "sqlalchemy", "alembic"}, revision.name
