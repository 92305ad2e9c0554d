"""`otbot thread`: the youth's and guardians' messages in order with channel, direction, status and the code
change each caused; unknown ids exit 2 with one line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.inbound import InboundMessage, handle_inbound
from bot.roster import import_roster
from storage.enums import Channel
from storage.models import AccessLog

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def otbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


def test_a_thread_shows_youth_and_guardian_messages_with_the_change(engine: Engine, db_url: str,
                                                                    tmp_path: Path) -> None:
    with Session(engine) as session:
        import_roster(session, (ROOT / "examples" / "roster.csv").read_bytes(), file_name="roster.csv", now=NOW,
                      as_of=NOW.date())
        session.commit()
        # Thea Dahl (700101) is 17: her guardian writes, then she does.
        handle_inbound(session, InboundMessage(Channel.SMS, "", "g1", "+4740000300", "Hun har begynt på skole igjen",
                                               NOW), now=NOW)
        handle_inbound(session, InboundMessage(Channel.SMS, "", "y1", "+4740000101", "jeg jobber på Rema nå",
                                               NOW + timedelta(hours=1)), now=NOW + timedelta(hours=1))
        session.commit()
    result = otbot("thread", "700101", "--json", "--db", db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    thread = json.loads(result.stdout)
    assert thread["roster_id"] == "700101" and thread["county"] == "Trøndelag"
    inbound = [m for m in thread["messages"] if m["direction"] == "in"]
    assert [m["sender"] for m in inbound] == ["guardian: Fatima Dahl", "youth"]
    assert all(m["channel"] == "sms" and m["status"] == "received" for m in inbound)
    assert inbound[1]["changes"] and inbound[1]["changes"][0]["new"] == "OTAR"
    assert thread["messages"] == sorted(thread["messages"], key=lambda m: (m["at"], m["message_id"]))
    with Session(engine) as session:
        assert session.exec(select(AccessLog).where(col(AccessLog.action) == "read")).first() is not None
    table = otbot("thread", "700101", "--db", db_url, cwd=tmp_path)
    assert table.returncode == 0 and "guardian: Fatima Dahl" in table.stdout and "OTAR" in table.stdout


def test_an_unknown_roster_id_is_one_line_and_exit_2(db_url: str, tmp_path: Path) -> None:
    result = otbot("thread", "999999", "--db", db_url, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "thread: roster id '999999': no such youth"
