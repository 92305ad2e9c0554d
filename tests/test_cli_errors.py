"""Bad settings and database failures: one line on stderr naming what and where, exit 2, no traceback, no SQL.

Each case runs the real command in a subprocess (as people run it), with a clean environment.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from bot import cli
from storage.db import close_database, open_database, resolve_url

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
AS_OF = "2026-11-22"
# Every number of the example roster is in this fictional block: +47 4000 0000 – 0999.
ROSTER_DIGITS = "4000"


def otbot(*args: str, cwd: Path, env: dict[str, str] | None = None,
          preexec_fn: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True, text=True, cwd=cwd, timeout=120, check=False, preexec_fn=preexec_fn,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "COLUMNS": "200", **(env or {})},
    )


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr and 'File "' not in stderr, stderr


# --- settings -------------------------------------------------------------------------------------------


def test_unknown_time_zone_stops_the_command_with_one_line(db_url: str, tmp_path: Path) -> None:
    result = otbot("export", "changes", "--db", db_url, cwd=tmp_path, env={"OTBOT_TIMEZONE": "Mars/Olympus"})
    assert result.returncode == 2
    assert result.stderr == "OTBOT_TIMEZONE: unknown time zone 'Mars/Olympus' (e.g. Europe/Oslo)\n"
    assert result.stdout == ""


@pytest.mark.parametrize(("variable", "value", "reason"), [
    ("OTBOT_LOG_LEVEL", "LOUD", "unknown log level 'LOUD' (DEBUG, INFO, WARNING, ERROR or CRITICAL)"),
    ("OTBOT_DEFAULT_REGION", "XX", "unknown phone region 'XX' (a two-letter country code, e.g. NO)"),
    ("OTBOT_LOG_FORMAT", "yaml", "unknown log format 'yaml' (auto, json or console)"),
])
def test_invalid_setting_stops_every_command(tmp_path: Path, variable: str, value: str, reason: str) -> None:
    # `db upgrade` on a fresh file and `classify` never read these values before: they must still refuse.
    upgrade = otbot("db", "upgrade", "--db", f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path, env={variable: value})
    classify = otbot("classify", cwd=tmp_path, env={variable: value})
    for result in (upgrade, classify):
        assert result.returncode == 2, result.stderr
        assert result.stderr == f"{variable}: {reason}\n"
    assert not (tmp_path / "x.db").exists()


def test_several_bad_variables_give_one_line_each_also_from_dot_env(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OTBOT_TIMEZONE=Europe/Atlantis\nOTBOT_LOG_LEVEL=chatty\n", encoding="utf-8")
    result = otbot("classify", cwd=tmp_path, env={"OTBOT_DEFAULT_REGION": "zz"})
    assert result.returncode == 2
    assert sorted(result.stderr.splitlines()) == [
        "OTBOT_DEFAULT_REGION: unknown phone region 'zz' (a two-letter country code, e.g. NO)",
        "OTBOT_LOG_LEVEL: unknown log level 'chatty' (DEBUG, INFO, WARNING, ERROR or CRITICAL)",
        "OTBOT_TIMEZONE: unknown time zone 'Europe/Atlantis' (e.g. Europe/Oslo)",
    ]


# --- a database that cannot be written -------------------------------------------------------------------

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _drop_file_override() -> None:
    """In the child before exec: root without the capabilities that ignore file permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def as_unprivileged(tmp_path: Path) -> Callable[[], None] | None:
    """How to start a child that file permissions apply to: as is for a normal user; root drops its override.

    The CI runs as root, for whom chmod 0444 changes nothing; the child keeps uid 0 (so it can still read the
    interpreter under /root) but loses CAP_DAC_OVERRIDE, which is what a read-only file means to anyone else.
    """
    preexec = _drop_file_override if os.geteuid() == 0 else None
    probe = tmp_path / "probe"
    probe.write_text("")
    probe.chmod(0o444)
    check = subprocess.run([sys.executable, "-c", f"open({str(probe)!r}, 'a')"], capture_output=True,
                           preexec_fn=preexec, check=False)
    probe.unlink()
    if check.returncode == 0:
        pytest.skip("cannot start a process that read-only file permissions apply to")
    return preexec


def _migrated_read_only_file(tmp_path: Path) -> Path:
    path = tmp_path / "ro.db"
    url = resolve_url(f"sqlite:///{path}")
    open_database(url)
    close_database(url)
    path.chmod(0o444)
    return path


def test_db_upgrade_on_a_read_only_file_does_not_report_success(
        tmp_path: Path, as_unprivileged: Callable[[], None] | None) -> None:
    path = _migrated_read_only_file(tmp_path)
    result = otbot("db", "upgrade", "--db", f"sqlite:///{path}", cwd=tmp_path, preexec_fn=as_unprivileged)
    assert result.returncode == 2
    no_traceback(result.stderr)
    assert "newest schema" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"database (SQLite file {path}): cannot be written: attempt to write a readonly database")


def test_import_into_a_read_only_file_exits_2_naming_the_file(
        tmp_path: Path, as_unprivileged: Callable[[], None] | None) -> None:
    path = _migrated_read_only_file(tmp_path)
    result = otbot("import", str(EXAMPLES / "roster.csv"), "--as-of", AS_OF, "--db", f"sqlite:///{path}",
                   cwd=tmp_path, preexec_fn=as_unprivileged)
    assert result.returncode == 2
    no_traceback(result.stderr)
    assert f"database (SQLite file {path}): attempt to write a readonly database" in result.stderr.splitlines()
    assert ROSTER_DIGITS not in result.stderr and "INSERT" not in result.stderr


def test_empty_read_only_file_cannot_be_created_into(
        tmp_path: Path, as_unprivileged: Callable[[], None] | None) -> None:
    path = tmp_path / "empty.db"
    path.touch(mode=0o444)
    result = otbot("db", "upgrade", "--db", f"sqlite:///{path}", cwd=tmp_path, preexec_fn=as_unprivileged)
    assert result.returncode == 2
    no_traceback(result.stderr)
    assert str(path) in result.stderr.splitlines()[-1]
    assert "newest schema" not in result.stderr


def test_read_only_uri_is_refused_by_upgrade_and_import(tmp_path: Path) -> None:
    # The same case as root sees it without dropping anything: SQLite opened read-only by the URL.
    path = _migrated_read_only_file(tmp_path)
    path.chmod(0o644)
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    upgrade = otbot("db", "upgrade", "--db", url, cwd=tmp_path)
    assert upgrade.returncode == 2
    assert upgrade.stderr.splitlines()[-1] == (
        f"database (SQLite file {path}): cannot be written: attempt to write a readonly database")
    imported = otbot("import", str(EXAMPLES / "roster.csv"), "--as-of", AS_OF, "--db", url, cwd=tmp_path)
    assert imported.returncode == 2
    no_traceback(imported.stderr)
    assert f"database (SQLite file {path}): attempt to write a readonly database" in imported.stderr.splitlines()


def test_db_upgrade_on_a_read_only_postgresql_database_does_not_report_success(db_url: str, tmp_path: Path) -> None:
    if sa.make_url(db_url).get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL only (OTBOT_TEST_DATABASE_URL)")
    open_database(db_url)  # migrated, so "upgrade" has nothing to write
    close_database(db_url)
    parsed = sa.make_url(db_url)
    options = f"{parsed.query['options']} -cdefault_transaction_read_only=on"
    read_only = parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)
    result = otbot("db", "upgrade", "--db", read_only, cwd=tmp_path)
    assert result.returncode == 2
    no_traceback(result.stderr)
    assert "newest schema" not in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("database (postgresql+psycopg://") and "cannot be written: " in last
    assert "read-only transaction" in last and "UPDATE alembic_version" not in last


# --- database errors in general --------------------------------------------------------------------------


def test_a_database_error_during_import_shows_neither_sql_nor_personal_values(db_url: str, tmp_path: Path) -> None:
    # A rule the import does not know refuses every Norwegian number: the INSERT fails in the database with
    # the number in its parameters (and, on PostgreSQL, in the DETAIL line "Failing row contains (…)").
    engine = open_database(db_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text(
                "ALTER TABLE contactpoint ADD CONSTRAINT no_norwegian_numbers CHECK (address NOT LIKE '+47%')"))
        else:
            connection.execute(sa.text(
                "CREATE TRIGGER no_norwegian_numbers BEFORE INSERT ON contactpoint WHEN NEW.address LIKE '+47%' "
                "BEGIN SELECT RAISE(ABORT, 'no Norwegian numbers'); END"))
    close_database(db_url)

    result = otbot("import", str(EXAMPLES / "roster.csv"), "--as-of", AS_OF, "--db", db_url, cwd=tmp_path)
    assert result.returncode == 2
    no_traceback(result.stderr)
    for leak in (ROSTER_DIGITS, "INSERT", "parameters", "Failing row", "DETAIL", "Ingrid"):
        assert leak not in result.stderr, leak
    last = result.stderr.splitlines()[-1]
    assert last.startswith("database (") and ("no_norwegian_numbers" in last or "no Norwegian numbers" in last)


def _guarded(error: Exception) -> typer.Typer:
    app = typer.Typer(cls=cli._OtbotGroup, pretty_exceptions_enable=False)

    @app.callback()
    def _start() -> None:
        pass

    @app.command()
    def boom() -> None:
        raise error

    return app


@pytest.mark.parametrize("error", [
    sa.exc.IntegrityError("INSERT INTO youth (mobile) VALUES (?)", ("+4740000123",),
                          Exception("UNIQUE constraint failed: youth.mobile")),
    sa.exc.DataError("INSERT INTO youth (age) VALUES (%(age)s)", {"age": "hemmeligord"},
                     Exception('invalid input syntax for type integer: "hemmeligord"\nLINE 1: INSERT …')),
    sa.exc.OperationalError("SELECT * FROM youth WHERE mobile = ?", ("40000123",),
                            Exception("database is locked")),
    sa.exc.StatementError("bind failed for 40000123", "UPDATE youth SET x = ?", ("400 00 123",), TypeError("bad")),
])
def test_the_guard_turns_any_sqlalchemy_error_into_one_clean_line(error: Exception) -> None:
    result = CliRunner().invoke(_guarded(error), ["boom"])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("database: ")
    for leak in ("40000123", "4740000123", "400 00 123", "hemmeligord", "INSERT", "SELECT", "UPDATE", "?"):
        assert leak not in result.output, leak


def test_database_reason_keeps_the_drivers_first_line() -> None:
    error = sa.exc.IntegrityError("INSERT …", ("x",), Exception(
        'duplicate key value violates unique constraint "uq_youth"\nDETAIL:  Key (mobile)=(+4740000123) exists.'))
    assert cli.database_reason(error) == 'duplicate key value violates unique constraint "uq_youth"'


def test_a_json_setting_that_is_not_json_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    result = CliRunner().invoke(app, ["db", "upgrade", "--db", f"sqlite:///{tmp_path / 'x.db'}"],
                                env={"OTBOT_RATE_LIMITS": "fast"})
    assert result.exit_code == 2
    assert result.output.strip() == 'OTBOT_RATE_LIMITS: cannot be read (expected JSON, e.g. {"sms": 10})'
