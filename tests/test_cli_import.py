"""`otbot import` and `otbot export changes` as people run them: the real command in a subprocess, with --db."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# The example roster is made for this day; pinning it keeps the test independent of the calendar.
AS_OF = "2026-11-22"


def otbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True, text=True, cwd=cwd, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "COLUMNS": "200"},
    )


def summary(stderr: str) -> dict[str, str]:
    return {cells[0]: cells[1] for line in stderr.splitlines()
            if len(cells := [c.strip() for c in line.strip("│ ").split("│")]) == 2}


def test_importing_the_example_roster_twice_imports_then_changes_nothing(db_url: str, tmp_path: Path) -> None:
    first = otbot("import", str(EXAMPLES / "roster.csv"), "--as-of", AS_OF, "--db", db_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert summary(first.stderr)["imported"] == "60"

    second = otbot("import", str(EXAMPLES / "roster.csv"), "--as-of", AS_OF, "--db", db_url, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    counts = summary(second.stderr)
    assert (counts["imported"], counts["updated"], counts["unchanged"]) == ("0", "0", "60")


def test_mixed_file_exits_3_and_names_each_bad_row(db_url: str, tmp_path: Path) -> None:
    result = otbot("import", str(EXAMPLES / "roster_mixed.csv"), "--as-of", AS_OF, "--db", db_url, cwd=tmp_path)
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    for expected in ("line 4: first_name: missing required value",
                     "line 7: birth_date: younger than 15 on 2026-11-22",
                     "line 10: id: roster id 800001 already on line 2",
                     "line 18: language: unknown language 'svensk' (nb, nn or en)"):
        assert expected in lines
    assert summary(result.stderr)["imported"] == "5"
    assert result.stdout == ""


def test_unusable_file_exits_2(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id;fornavn\n1;Ada\n", encoding="utf-8")
    result = otbot("import", str(bad), "--db", db_url, cwd=tmp_path)
    assert result.returncode == 2
    assert "missing required column(s): etternavn (last_name), fødselsdato (birth_date)" in result.stderr


def test_bad_as_of_date_exits_2(db_url: str, tmp_path: Path) -> None:
    result = otbot("import", str(EXAMPLES / "roster.csv"), "--as-of", "next week", "--db", db_url, cwd=tmp_path)
    assert result.returncode == 2
    assert "--as-of: cannot read 'next week' as a date" in result.stderr


def test_export_changes_writes_a_file_with_the_header(db_url: str, tmp_path: Path) -> None:
    otbot("import", str(EXAMPLES / "roster_mixed.csv"), "--as-of", AS_OF, "--db", db_url, cwd=tmp_path)
    out = tmp_path / "changes.csv"
    result = otbot("export", "changes", "--since", "01.11.2026", "--out", str(out), "--db", db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 status changes exported" in result.stderr
    assert out.read_bytes() == "\ufefftime;roster_id;name;county;old_code;new_code;actor;state;evidence\r\n".encode()


def test_dry_run_then_real_run(db_url: str, tmp_path: Path) -> None:
    dry = otbot("import", str(EXAMPLES / "roster.csv"), "--as-of", AS_OF, "--dry-run", "--db", db_url, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "dry run, nothing was written" in dry.stderr
    real = otbot("import", str(EXAMPLES / "roster.csv"), "--as-of", AS_OF, "--db", db_url, cwd=tmp_path)
    assert summary(real.stderr)["imported"] == "60"


def test_unreachable_database_gives_a_one_line_reason_and_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "otbot.db"
    result = otbot("import", str(EXAMPLES / "roster.csv"), "--db", f"sqlite:///{missing}", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("database: ") and "does not exist" in result.stderr
