"""The status-change export for Vigo OT: one row per change, Oslo time across DST, --since, evidence in words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from bot import cli
from bot.evidence import evidence_in_words
from bot.roster import import_roster
from bot.status import change_status
from storage.enums import Channel, DeliveryStatus, Direction
from storage.models import AccessLog, Message, Youth

HEADER_LINE = "time;roster_id;name;county;old_code;new_code;actor;state;evidence"
ROSTER = (
    "\ufeffid;fornavn;etternavn;fødselsdato;fylke;tilmeldingskode\r\n"
    "700001;Åse;Bø;2006-04-03;Trøndelag;OSON\r\n"
    "700002;Jonas;Aune;2005-01-30;Vestland;OSVE\r\n"
).encode()
IMPORTED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def two_youth(engine: Engine) -> Engine:
    with Session(engine) as session:
        import_roster(session, ROSTER, file_name="roster.csv", now=IMPORTED_AT, as_of=date(2026, 3, 1))
        session.commit()
    return engine


def change(engine: Engine, roster_id: str, code: str, at: datetime, *, applied: bool = True,
           actor: str = "bot", evidence: dict[str, Any] | None = None, reply: str | None = None) -> None:
    with Session(engine) as session:
        youth = session.exec(select(Youth).where(Youth.roster_id == roster_id)).one()
        message_id = None
        if reply is not None:
            message = Message(county_id=youth.county_id, youth_id=youth.id, direction=Direction.INBOUND,
                              channel=Channel.SMS, text=reply, provider_id=f"SM{at.timestamp():.0f}",
                              delivery_status=DeliveryStatus.RECEIVED,
                              created_at=at, received_at=at)
            session.add(message)
            session.flush()
            message_id = message.id
        change_status(session, youth, code, actor=actor, applied=applied, evidence=evidence or {"rule": "test"},
                      now=at, source_message_id=message_id)
        session.commit()


def export(engine: Engine, *options: str) -> Result:
    """`otbot export changes OPTIONS` on the engine's database, at a fixed clock reading."""
    url = engine.url.render_as_string(hide_password=False)
    with mock.patch.object(cli, "_now", return_value=datetime(2026, 11, 22, 12, 0, tzinfo=UTC)):
        return CliRunner().invoke(cli.app, ["export", "changes", *options, "--db", url])


def export_text(engine: Engine, tmp_path: Path, since: date | None = None) -> tuple[int, str]:
    out = tmp_path / "changes.csv"
    result = export(engine, "--out", str(out), *(["--since", since.isoformat()] if since else []))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    return int(result.output.split()[0]), data[3:].decode("utf-8")


def test_two_changes_export_as_two_rows_in_oslo_time_across_the_spring_dst_switch(two_youth: Engine,
                                                                                   tmp_path: Path) -> None:
    # 2026-03-29 01:00 UTC Oslo moves from +01:00 to +02:00.
    change(two_youth, "700001", "OTOV", datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
           evidence={"rule": "identity confirmed", "words": ["det er meg"], "confidence": 0.9},
           reply="Ja, det er meg. Jobber litt på lager nå")
    change(two_youth, "700002", "OTAR", datetime(2026, 3, 29, 1, 30, tzinfo=UTC), applied=False,
           evidence={"rule": "work", "words": ["jobber"], "confidence": 0.85})

    count, text = export_text(two_youth, tmp_path)

    assert count == 2
    assert text.split("\r\n") == [
        HEADER_LINE,
        '2026-03-29 01:30;700001;Åse Bø;Trøndelag;OTUK;OTOV;bot;applied;'
        '"reply ""Ja, det er meg. Jobber litt på lager nå"" (rule: identity confirmed, words: det er meg) '
        'confidence 0.9"',
        "2026-03-29 03:30;700002;Jonas Aune;Vestland;OTUK;OTAR;bot;proposed;(rule: work, words: jobber) confidence 0.85",
        "",
    ]


def test_since_filters_on_the_oslo_local_date_across_the_autumn_dst_switch(two_youth: Engine, tmp_path: Path) -> None:
    # 2026-10-24 21:59 UTC is 23:59 on the 24th in Oslo (+02:00); 22:30 UTC is 00:30 on the 25th.
    change(two_youth, "700001", "OTOV", datetime(2026, 10, 24, 21, 59, tzinfo=UTC))
    change(two_youth, "700002", "OTOV", datetime(2026, 10, 24, 22, 30, tzinfo=UTC))
    # After the switch back (01:00 UTC on the 25th) Oslo is +01:00 again.
    change(two_youth, "700002", "OTAR", datetime(2026, 10, 25, 23, 30, tzinfo=UTC))

    count, text = export_text(two_youth, tmp_path, since=date(2026, 10, 25))

    assert count == 2
    assert [line.split(";")[0] for line in text.split("\r\n")[1:-1]] == ["2026-10-25 00:30", "2026-10-26 00:30"]
    assert export_text(two_youth, tmp_path, since=date(2026, 10, 27))[0] == 0
    assert export_text(two_youth, tmp_path)[0] == 3


def test_import_driven_change_reads_as_file_and_line(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        import_roster(session, ROSTER, file_name="roster.csv", now=IMPORTED_AT, as_of=date(2026, 3, 1))
        session.commit()
    header, first, second = ROSTER.decode().rstrip("\r\n").split("\r\n")
    updated = "\r\n".join((header + ";statuskode", first + ";", second + ";OTLL")) + "\r\n"
    with Session(engine) as session:
        report = import_roster(session, updated.encode(), file_name="vigo-2026-11-20.csv",
                               now=datetime(2026, 11, 20, 8, 15, tzinfo=UTC))
        session.commit()
    assert report.status_changes == 1

    count, text = export_text(engine, tmp_path)

    assert count == 1
    assert text.split("\r\n")[1] == (
        "2026-11-20 09:15;700002;Jonas Aune;Vestland;OTUK;OTLL;import;applied;"
        "roster import, file vigo-2026-11-20.csv line 3"
    )


def test_export_without_changes_is_the_header_only(engine: Engine, tmp_path: Path) -> None:
    assert export_text(engine, tmp_path) == (0, HEADER_LINE + "\r\n")


def test_export_to_standard_output_writes_the_same_bytes(two_youth: Engine, tmp_path: Path) -> None:
    change(two_youth, "700001", "OTOV", datetime(2026, 5, 5, 10, 0, tzinfo=UTC))
    printed = export(two_youth).stdout_bytes
    export(two_youth, "--out", str(tmp_path / "same.csv"))
    assert printed == (tmp_path / "same.csv").read_bytes()
    assert printed.startswith(b"\xef\xbb\xbf" + HEADER_LINE.encode())


def test_export_logs_that_each_exported_youth_record_was_read(two_youth: Engine, tmp_path: Path) -> None:
    change(two_youth, "700001", "OTOV", datetime(2026, 5, 5, 10, 0, tzinfo=UTC))
    change(two_youth, "700001", "OTAR", datetime(2026, 5, 6, 10, 0, tzinfo=UTC))
    export_text(two_youth, tmp_path, since=date(2026, 5, 1))
    with Session(two_youth) as session:
        logs = session.exec(select(AccessLog).where(AccessLog.actor == "export")).all()
        youth = session.exec(select(Youth).where(Youth.roster_id == "700001")).one()
    assert [(log.youth_id, log.action, log.detail) for log in logs] == [
        (youth.id, "export-changes", "status changes since 2026-05-01")
    ]


@pytest.mark.parametrize("where", ["missing-folder/changes.csv", "."])
def test_unwritable_out_path_is_one_line_exit_2_and_logs_no_export(two_youth: Engine, tmp_path: Path,
                                                                   where: str) -> None:
    change(two_youth, "700001", "OTOV", datetime(2026, 5, 5, 10, 0, tzinfo=UTC))
    out = tmp_path / where

    result = export(two_youth, "--out", str(out))

    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"--out {out}"), result.output
    assert "Traceback" not in result.output
    with Session(two_youth) as session:
        assert session.exec(select(AccessLog).where(AccessLog.actor == "export")).all() == []


@pytest.mark.parametrize(
    ("evidence", "reply", "words"),
    [
        ({"rule": "roster import", "file": "roster.csv", "line": 12}, None, "roster import, file roster.csv line 12"),
        ({"rule": "work", "words": ["jobber"], "confidence": 0.9}, "Jobber på Rema", 'reply "Jobber på Rema" (rule: work, words: jobber) confidence 0.9'),
        ({"rule": "work"}, "x " * 50, 'reply "' + ("x " * 30).strip() + '…" (rule: work)'),
        ({"confidence": 1}, None, "confidence 1"),
        ({"note": "adviser phoned the youth"}, None, "note: adviser phoned the youth"),
        ({}, None, ""),
    ],
)
def test_evidence_reads_in_words(evidence: dict[str, Any], reply: str | None, words: str) -> None:
    assert evidence_in_words(evidence, reply) == words
