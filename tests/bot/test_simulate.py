"""`otbot simulate`: the real engine on a simulated clock — the flows as domain.md asks, the same output every run."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "examples" / "roster.csv"
OSLO = ZoneInfo("Europe/Oslo")
REPLIES = [
    {"at": "2026-12-15T18:30:00+01:00", "youth": "700101", "text": "jobber på Rema nå"},
    {"at": "2026-12-19T23:30:00+01:00", "youth": "700102", "text": "orker ikke mer, vil bare forsvinne"},
    {"at": "2026-12-16T10:00:00+01:00", "youth": "700103", "text": "STOPP"},
    {"at": "2026-12-16T11:00:00+01:00", "youth": "700104", "text": "2"},
    {"at": "2026-12-17T10:00:00+01:00", "youth": "700104", "text": "not json at all"},
]


def otbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={"PATH": "/usr/bin:/bin", "OTBOT_PUBLIC_URL": "https://ot.example",
                                            "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="module")
def ninety_days(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, str]:
    folder = tmp_path_factory.mktemp("simulate")
    replies = folder / "replies.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in REPLIES[:4]] + ["{broken", json.dumps(REPLIES[4])]
    replies.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ("simulate", "--roster", str(ROSTER), "--start", "2026-12-14", "--days", "90", "--replies", str(replies),
            "--json")
    first = otbot(*args, cwd=folder)
    second = otbot(*args, cwd=folder)
    assert first.returncode == 0, first.stderr
    return json.loads(first.stdout), first.stdout, second.stdout


def at(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["at"])


def test_the_same_input_gives_the_same_output(ninety_days: tuple[dict[str, Any], str, str]) -> None:
    _, first, second = ninety_days
    assert first == second


def test_first_contact_runs_its_steps_inside_the_sending_window(ninety_days: tuple[dict[str, Any], str, str]) -> None:
    result, _, _ = ninety_days
    steps = Counter(m["step"] for m in result["messages"] if m["flow"] == "first-contact")
    assert set(steps) == {"opening", "reminder-1", "reminder-2", "chat-invite"}
    assert steps["opening"] >= steps["reminder-1"] >= steps["chat-invite"] > 40
    for message in result["messages"]:
        local = at(message).astimezone(OSLO)
        assert message["flow"] is None or (local.weekday() < 6 and 9 <= local.hour < 20), message["at"]
        assert datetime.fromisoformat(message["at"]).utcoffset() is not None
        assert message["segments"] >= 1
    # The opening went out on the first working day (Monday 14 December, 09:00).
    openings = {m["at"] for m in result["messages"] if m["step"] == "opening"}
    assert openings == {"2026-12-14T09:00:00+01:00"}


def test_guardians_of_minors_only_get_the_information_once(ninety_days: tuple[dict[str, Any], str, str]) -> None:
    result, _, _ = ninety_days
    guardian = [m for m in result["messages"] if m["to"] == "guardian"]
    assert guardian and {m["template"] for m in guardian} == {"guardian_info"}
    # One message per guardian (a youth has at most two), all from the one step.
    assert max(Counter(m["youth"] for m in guardian).values()) <= 2
    assert {m["step"] for m in guardian} == {"information"}


def test_deadline_reminders_go_to_the_target_group_before_the_deadlines(
        ninety_days: tuple[dict[str, Any], str, str]) -> None:
    result, _, _ = ninety_days
    deadline = [m for m in result["messages"] if m["flow"] == "deadline"]
    special = {m["at"][:10] for m in deadline if m["step"] == "before-special"}
    ordinary = {m["at"][:10] for m in deadline if m["step"] == "before-ordinary"}
    assert len(special) == 1 and min(special) < "2027-02-01"
    assert len(ordinary) == 1 and min(ordinary) < "2027-03-01"
    # The youth who said STOPP gets no deadline reminder.
    assert not [m for m in deadline if m["youth"] == "700103"]


def test_replies_change_codes_stop_sequences_and_raise_alerts(ninety_days: tuple[dict[str, Any], str, str]) -> None:
    result, _, _ = ninety_days
    changes = {(c["youth"], c["from"], c["to"]) for c in result["code_changes"]}
    assert ("700101", "OTUK", "OTAR") in changes  # "jobber på Rema nå"
    assert ("700104", "OTUK", "OTAR") in changes  # "2" after the numbered question: work
    alerts = {(a["youth"], a["kind"]) for a in result["alerts"]}
    assert {("700102", "urgent"), ("700103", "opt_out")} <= alerts
    # The urgent reply on Saturday at 23:30 is answered at once, not on Monday.
    answer = [m for m in result["messages"] if m["youth"] == "700102" and m["flow"] is None]
    assert [m["at"] for m in answer] == ["2026-12-19T23:30:00+01:00"]
    # STOPP gets its confirmation and nothing more.
    after_stop = [m for m in result["messages"] if m["youth"] == "700103" and m["at"] >= "2026-12-16T10:00"]
    assert [m["flow"] for m in after_stop] == [None]
    # Contact stops first contact: no reminder after the reply.
    late = [m for m in result["messages"] if m["youth"] == "700101" and m["flow"] == "first-contact"
            and m["at"] > "2026-12-15T18:30"]
    assert late == []


def test_no_reply_alert_comes_14_days_after_the_opening(ninety_days: tuple[dict[str, Any], str, str]) -> None:
    result, _, _ = ninety_days
    no_reply = [a for a in result["alerts"] if a["kind"] == "no_reply"]
    assert no_reply and {a["at"] for a in no_reply} == {"2026-12-28T09:00:00+01:00"}
    assert "700101" not in {a["youth"] for a in no_reply}


def test_bad_reply_lines_are_reported_with_their_line_and_the_rest_runs(tmp_path: Path) -> None:
    replies = tmp_path / "r.jsonl"
    replies.write_text('{broken\n{"at": "2026-12-15T10:00", "youth": "700101", "from": "cousin", "text": "x"}\n',
                       encoding="utf-8")
    result = otbot("simulate", "--roster", str(ROSTER), "--start", "2026-12-14", "--days", "2", "--replies",
                   str(replies), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "replies line 1: not JSON" in result.stderr
    assert "replies line 2: 'from' must be youth or guardian" in result.stderr
    assert json.loads(result.stdout)["messages"]


def test_the_table_is_readable_without_json(tmp_path: Path) -> None:
    result = otbot("simulate", "--roster", str(ROSTER), "--start", "2026-12-14", "--days", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2026-12-14" in result.stdout and "first-contact/opening" in result.stdout.replace("\n", "")


def test_a_missing_roster_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = otbot("simulate", "--roster", str(tmp_path / "none.csv"), "--start", "2026-12-14", "--days", "1",
                   cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"{tmp_path / 'none.csv'}: cannot read the file: No such file or directory"


def test_reply_lines_parse_with_or_without_an_offset() -> None:
    from bot.simulate import read_replies

    replies, problems = read_replies('{"at": "2026-12-15T10:00", "youth": 7, "text": "hei"}\n\n'
                                     '{"at": "2026-12-15T10:00:00+00:00", "youth": "8", "from": "guardian", "text": "x"}')
    assert problems == []
    assert [(r.line, r.roster_id, r.sender, r.at.isoformat()) for r in replies] == [
        (1, "7", "youth", "2026-12-15T09:00:00+00:00"), (3, "8", "guardian", "2026-12-15T10:00:00+00:00")]
    assert date(2026, 12, 15) == replies[0].at.date()
