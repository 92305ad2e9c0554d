"""The console channel (the demo's phone) and the null channel (benchmarks)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from adapters.base import Outcome, OutgoingMessage
from adapters.console import ConsoleChannel, NullChannel, one_line, recipient_pseudonym
from bot.dispatcher import Dispatcher
from bot.log import pseudonym
from storage.enums import Channel, OutboxState
from storage.models import ContactPoint, County, Message, Outbox, Youth

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Oslo
NUMBER = "+4740000123"


def message(text: str = "Hei Sara! Dette er OT i Trøndelag.", key: str = "e1:first:youth") -> OutgoingMessage:
    return OutgoingMessage(key=key, channel=Channel.SMS, address=NUMBER, text=text)


async def test_each_message_is_one_readable_line_without_the_number() -> None:
    out = io.StringIO()
    console = ConsoleChannel(out, channel=Channel.SMS, clock=lambda: NOW)
    result = await console.send(message("Hei Sara!\nSvar 1 skole, 2 jobb\r\nHilsen OT"))
    assert (result.outcome, result.provider_id) == (Outcome.SENT, "console-1")
    line = out.getvalue()
    assert line.count("\n") == 1
    assert line == (f"2026-11-23 10:00:00 [sms] to {recipient_pseudonym(NUMBER)} (e1:first:youth, console-1): "
                    "Hei Sara! ⏎ Svar 1 skole, 2 jobb ⏎ Hilsen OT\n")
    assert NUMBER not in line and NUMBER[3:] not in line


async def test_provider_ids_count_up_so_that_a_simulation_repeats() -> None:
    runs = []
    for _ in range(2):
        lines: list[str] = []
        console = ConsoleChannel(lines.append, clock=lambda: NOW)
        ids = [(await console.send(message(key=f"k{i}"))).provider_id for i in range(3)]
        runs.append((ids, lines))
    assert runs[0] == runs[1]
    assert runs[0][0] == ["console-1", "console-2", "console-3"]
    assert ConsoleChannel(io.StringIO(), first_id=40)._next == 40


def test_the_console_stands_in_for_the_channel_it_is_given() -> None:
    assert ConsoleChannel(io.StringIO()).channel == Channel.CONSOLE
    sms = ConsoleChannel(io.StringIO(), channel=Channel.SMS, account="demo")
    assert (sms.channel, sms.account) == (Channel.SMS, "demo")


def test_the_pseudonym_is_the_one_the_log_writes() -> None:
    assert recipient_pseudonym(NUMBER) == pseudonym(NUMBER)
    assert one_line("a\n\nb") == "a ⏎  ⏎ b"


async def test_the_null_channel_takes_everything_and_shows_nothing() -> None:
    seen: list[tuple[str, str]] = []
    null = NullChannel(Channel.SMS, prefix="w7", on_send=lambda m, pid: seen.append((m.key, pid)))
    results = [await null.send(message(key=f"k{i}")) for i in range(3)]
    assert [r.provider_id for r in results] == ["w7-1", "w7-2", "w7-3"]
    assert all(r.outcome == Outcome.SENT for r in results)
    assert seen == [("k0", "w7-1"), ("k1", "w7-2"), ("k2", "w7-3")] and null.sent == 3


async def test_the_dispatcher_sends_sms_through_the_console(engine: Engine, session: Session) -> None:
    county = County(name="Trøndelag")
    session.add(county)
    session.flush()
    assert county.id is not None
    youth = Youth(county_id=county.id, roster_id="B1", first_name="Sara", last_name="Berg",
                  birth_date=datetime(2008, 1, 1).date(), registration_code="OSON")
    session.add(youth)
    session.flush()
    assert youth.id is not None
    cp = ContactPoint(county_id=county.id, youth_id=youth.id, channel=Channel.SMS, address=NUMBER)
    session.add(cp)
    session.flush()
    session.add(Outbox(county_id=county.id, youth_id=youth.id, contact_point_id=cp.id, idempotency_key="e1:first",
                       channel=Channel.SMS, text="Hei Sara!", due_at=NOW, next_attempt_at=NOW))
    session.commit()
    lines: list[str] = []
    console = ConsoleChannel(lines.append, channel=Channel.SMS, clock=lambda: NOW)
    stats = await Dispatcher(engine, {Channel.SMS: console}, lambda: NOW, "demo", rate_limits={}).run_once()
    assert stats.sent == 1
    assert len(lines) == 1 and lines[0].endswith("(e1:first, console-1): Hei Sara!")
    session.rollback()
    stored = session.exec(select(Message)).one()
    assert (stored.channel, stored.provider_account, stored.provider_id) == (Channel.SMS, "console", "console-1")
    assert session.exec(select(Outbox)).one().state == OutboxState.SENT
