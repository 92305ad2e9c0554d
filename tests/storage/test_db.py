"""URLs, engines and session scopes of storage.db."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.db import (
    SQLITE_BUSY_TIMEOUT_MS,
    DatabaseUnavailable,
    DatabaseURLError,
    StorageError,
    WriterBusy,
    mask_url,
    open_database,
    resolve_url,
    session_scope,
    write_connection,
    write_session,
)
from storage.models import County


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://ot:pw@db:5432/ot", "postgresql+psycopg://ot:pw@db:5432/ot"),
        ("postgres://ot@db/ot", "postgresql+psycopg://ot@db/ot"),
        ("postgresql+psycopg://ot@db/ot", "postgresql+psycopg://ot@db/ot"),
        ("  postgresql://ot@db/ot  ", "postgresql+psycopg://ot@db/ot"),
        ("sqlite:////var/lib/otbot/otbot.db", "sqlite:////var/lib/otbot/otbot.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
    ],
)
def test_urls_are_normalised_to_our_drivers(given: str, expected: str) -> None:
    assert resolve_url(given) == expected


def test_relative_sqlite_path_is_pinned_to_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_url("sqlite:///otbot.db") == f"sqlite:///{tmp_path.resolve() / 'otbot.db'}"


def test_without_a_url_the_cli_uses_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.setenv("OTBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'from-env.db'}")
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-env.db").exists()


def test_storage_imports_nothing_of_ours() -> None:
    import ast

    ours = {"bot", "flows", "adapters"}
    for path in (Path(__file__).resolve().parents[2] / "storage").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {name.split(".")[0] for name in imported} & ours, path


def test_an_empty_url_is_refused() -> None:
    with pytest.raises(DatabaseURLError, match="--db: no database URL given"):
        resolve_url("  ", "--db")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("not a url at all s3cret", "not a database URL"),
        ("mysql://root:s3cret@db/ot", "'mysql' is not supported"),
    ],
)
def test_unusable_url_is_refused_without_repeating_the_password(given: str, message: str) -> None:
    with pytest.raises(DatabaseURLError, match=message) as caught:
        resolve_url(given)
    assert "s3cret" not in str(caught.value)


def test_sqlite_file_in_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseURLError, match="does not exist"):
        open_database(f"sqlite:///{tmp_path / 'no-such-folder' / 'otbot.db'}")


def test_mask_url_hides_the_password() -> None:
    assert mask_url("postgresql+psycopg://ot:s3cret@db/ot") == "postgresql+psycopg://ot:***@db/ot"


def test_one_engine_per_url_within_a_process(db_url: str) -> None:
    assert open_database(db_url) is open_database(db_url)


def test_session_scope_commits_on_success(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(County(name="Agder"))

    with Session(engine) as fresh:
        assert [c.name for c in fresh.exec(select(County)).all()] == ["Agder"]


def test_session_scope_rolls_back_on_error_and_reraises(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="boom"), session_scope(engine) as session:
        session.add(County(name="Agder"))
        session.flush()
        raise RuntimeError("boom")

    with Session(engine) as fresh:
        assert fresh.exec(select(County)).all() == []


def test_objects_stay_readable_after_the_scope(engine: Engine) -> None:
    with session_scope(engine) as session:
        county = County(name="Innlandet")
        session.add(county)
    assert (county.id, county.name) == (county.id, "Innlandet") and county.id is not None


def test_sqlite_savepoints_are_real(engine: Engine) -> None:
    # Our own BEGIN on SQLite: a nested rollback undoes only its part.
    with session_scope(engine) as session:
        session.add(County(name="Agder"))
        with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
            session.add(County(name="Agder"))
            session.flush()
        session.add(County(name="Rogaland"))

    with Session(engine) as fresh:
        assert sorted(c.name for c in fresh.exec(select(County)).all()) == ["Agder", "Rogaland"]


def test_a_write_connection_commits_at_the_end_and_rolls_back_on_error(engine: Engine) -> None:
    with write_connection(engine) as connection:
        connection.execute(sa.insert(County).values(name="Agder"))
    with pytest.raises(RuntimeError, match="boom"), write_connection(engine, wait=False) as connection:
        connection.execute(sa.insert(County).values(name="Rogaland"))
        raise RuntimeError("boom")
    with Session(engine) as fresh:
        assert [c.name for c in fresh.exec(select(County)).all()] == ["Agder"]


def test_a_writer_that_will_not_wait_writes_when_nobody_else_does(engine: Engine) -> None:
    with write_session(engine, wait=False) as session:
        session.add(County(name="Agder"))
    with Session(engine) as fresh:
        assert [c.name for c in fresh.exec(select(County)).all()] == ["Agder"]


def test_a_writer_that_will_not_wait_is_told_at_once_and_the_connection_waits_again(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one write lock; on PostgreSQL wait=False changes nothing")
    holder = engine.connect()
    holder.begin()
    holder.execute(sa.insert(County).values(name="Agder"))
    # Waiting would end after the busy timeout (15 s) in OperationalError, not in WriterBusy.
    with pytest.raises(WriterBusy), write_session(engine, wait=False) as session:
        session.add(County(name="Rogaland"))
        session.flush()
    with pytest.raises(WriterBusy), write_connection(engine, wait=False) as connection:
        pytest.fail("a write connection that will not wait began while another writer held the lock")
    holder.commit()
    holder.close()
    idle = [engine.connect() for _ in range(engine.pool.checkedin())]  # type: ignore[attr-defined]
    try:
        assert idle, "the refused writer's connection went back to the pool"
        for connection in idle:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == SQLITE_BUSY_TIMEOUT_MS
    finally:
        for connection in idle:
            connection.close()
    with Session(engine) as fresh:
        assert [c.name for c in fresh.exec(select(County)).all()] == ["Agder"]


def test_unreachable_database_is_a_clear_error_without_password(tmp_path: Path) -> None:
    # Port 9 (discard) on localhost: nothing listens there; no server is needed for this test.
    url = "postgresql://ot:s3cret@127.0.0.1:9/ot?connect_timeout=2"
    with pytest.raises(DatabaseUnavailable, match=r"cannot open the database at postgresql\+psycopg://ot:\*\*\*@") as caught:
        open_database(url)
    assert "s3cret" not in str(caught.value)
    assert isinstance(caught.value, StorageError)
