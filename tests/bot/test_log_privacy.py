"""At the most verbose level, what otbot writes on stderr holds no phone number and no message text.

The real commands in a subprocess with OTBOT_LOG_LEVEL=DEBUG and JSON logs: `otbot import` of the example
roster and `otbot classify` of replies that carry a phone number and words that must never be logged.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from adapters.roster_csv import normalise_mobile, read_roster

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "examples" / "roster.csv"
AS_OF = "2026-11-22"
SECRET_WORDS = ("hemmeligord", "Kvitebjørnsti", "sjokoladeelg")
REPLIES = [
    {"id": "r1", "text": "hei! jobber på Rema nå, hemmeligord. ring meg på 40000123", "age": 19, "county": "Oslo"},
    {"id": "r2", "text": "Kvitebjørnsti her, nytt nummer +47 400 00 124", "sender": "youth", "age": 17},
    {"id": "r3", "text": "jeg orker ikke mer, vil ikke leve sjokoladeelg", "age": 20, "channel": "sms"},
    {"id": "r4", "text": "Sønnen min er innlagt på sykehus. hemmeligord 4000 0125", "sender": "guardian", "age": 16},
    {"id": "r5", "text": "hemmeligord", "age": "nitten"},
]


def run(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin,
        capture_output=True, text=True, cwd=cwd, timeout=300, check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "COLUMNS": "200",
             "OTBOT_LOG_LEVEL": "DEBUG", "OTBOT_LOG_FORMAT": "json"},
    )


def spellings(e164: str) -> set[str]:
    """+4740000123 as people and Excel write it: 40000123, +4740000123, 004740000123, 400 00 123, 4000 0123 …"""
    local = e164.removeprefix("+47")
    spaced = f"{local[:3]} {local[3:5]} {local[5:]}"
    return {local, e164, e164[1:], f"0047{local}", spaced, f"+47 {spaced}", f"+47 {local}",
            f"{local[:4]} {local[4:]}", f"{local[:2]} {local[2:4]} {local[4:6]} {local[6:]}"}


def roster_numbers() -> set[str]:
    roster = read_roster(ROSTER.read_bytes())
    cells = [row.get(name) for row in roster.rows
             for name in ("mobile", "guardian1_mobile", "guardian2_mobile") if row.get(name)]
    numbers = {normalise_mobile(cell) for cell in cells}
    assert numbers and all(n.startswith("+474000") for n in numbers)
    return numbers


def assert_clean(stderr: str, forbidden: set[str]) -> None:
    for value in forbidden:
        assert value not in stderr, f"{value!r} reached stderr"


def log_events(stderr: str) -> list[dict[str, object]]:
    events = []
    for line in stderr.splitlines():
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict) and "event" in parsed:
            events.append(parsed)
    return events


def test_import_at_debug_logs_no_phone_number(db_url: str, tmp_path: Path) -> None:
    result = run("import", str(ROSTER), "--as-of", AS_OF, "--db", db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert log_events(result.stderr), "no JSON log events at DEBUG: is logging configured?"
    forbidden = {spelling for number in roster_numbers() for spelling in spellings(number)}
    assert_clean(result.stderr, forbidden)
    assert_clean(result.stdout, forbidden)


def test_classify_at_debug_logs_no_reply_text_and_no_number(tmp_path: Path) -> None:
    stdin = "\n".join(json.dumps(reply, ensure_ascii=False) for reply in REPLIES) + "\n{not json 40000126 hemmeligord\n"
    result = run("classify", cwd=tmp_path, stdin=stdin)
    # Two lines are malformed on purpose (their errors are logged paths too): exit 1 says so.
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    assert len(result.stdout.splitlines()) == len(REPLIES) + 1
    assert log_events(result.stderr), "no JSON log events at DEBUG: is logging configured?"
    forbidden = {s for n in ("+4740000123", "+4740000124", "+4740000125", "+4740000126") for s in spellings(n)}
    assert_clean(result.stderr, forbidden | set(SECRET_WORDS))
    # Whole replies and their longer fragments stay out too, not only the marker words.
    for reply in REPLIES:
        for fragment in str(reply["text"]).split(". "):
            if len(fragment) > 12:
                assert fragment not in result.stderr
