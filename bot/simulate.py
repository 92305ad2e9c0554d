"""`otbot simulate`: the real engine (planner, inbound path with reader and policy, dispatcher, console channel)
on a throw-away database and a simulated clock, so that advisers see exactly what would be sent to whom, when.

The clock moves from event to event: the planner runs when it said something could next be due (its
`wake`), and for one youth just before and after that youth's reply is read; the dispatcher runs whenever an
outbox row is due; replies are read at their time. Nothing depends on the wall clock, so the same input gives the same output.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from adapters.console import NullChannel
from adapters.roster_csv import RosterFileError
from bot.dispatcher import Dispatcher
from bot.engine import plan_tick
from bot.evidence import evidence_in_words
from bot.inbound import InboundError, InboundMessage, handle_inbound
from bot.roster import import_roster
from flows.calendar import local_moment
from flows.segments import count_segments
from storage.db import close_database, open_database
from storage.enums import MADE_STATES, Channel, Direction, OutboxState
from storage.models import Alert, ContactPoint, Message, Outbox, StatusChange, Youth, YouthGuardian

OSLO = ZoneInfo("Europe/Oslo")
SENDERS = ("youth", "guardian")
SIMULATED_ACCOUNT = "simulate"


class SimulationError(ValueError):
    """The simulation cannot run (an unusable roster file); the message says why."""


@dataclass(frozen=True, slots=True)
class SimReply:
    line: int
    at: datetime
    roster_id: str
    sender: str
    text: str


@dataclass(slots=True)
class SimResult:
    messages: list[dict[str, Any]] = field(default_factory=list)
    code_changes: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    # `line N: …` for roster rows and reply lines that were left out; never message text or numbers.
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> str:
        return json.dumps({"messages": self.messages, "code_changes": self.code_changes, "alerts": self.alerts},
                          ensure_ascii=False, indent=2)


def read_replies(text: str) -> tuple[list[SimReply], list[str]]:
    """Replies as JSON lines `{"at", "youth", "from", "text"}`; a bad line is reported (`line N: …`) and skipped."""
    replies: list[SimReply] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"replies line {number}: not JSON ({exc.msg} at column {exc.colno})")
            continue
        problem = _reply_problem(record)
        if problem:
            problems.append(f"replies line {number}: {problem}")
            continue
        at = datetime.fromisoformat(record["at"])
        if at.tzinfo is None:
            at = at.replace(tzinfo=OSLO)  # a time without an offset is Oslo time, as advisers write it
        replies.append(SimReply(number, at.astimezone(ZoneInfo("UTC")), str(record["youth"]),
                                record.get("from", "youth"), record["text"]))
    replies.sort(key=lambda r: (r.at, r.line))
    return replies, problems


def _reply_problem(record: Any) -> str | None:
    if not isinstance(record, dict):
        return "expected a JSON object"
    for key in ("at", "youth", "text"):
        if key not in record:
            return f"'{key}' is missing"
    if not isinstance(record["text"], str):
        return "'text' must be a string"
    if not isinstance(record["youth"], str | int) or isinstance(record["youth"], bool):
        return "'youth' must be the roster id"
    if record.get("from", "youth") not in SENDERS:
        return f"'from' must be youth or guardian, not {record.get('from')!r}"
    try:
        datetime.fromisoformat(str(record["at"]))
    except ValueError:
        return f"'at' is not an ISO 8601 time: {record['at']!r}"
    return None


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _no_sleep(_: float) -> None:
    return None


async def simulate(roster: bytes, file_name: str, start: date, days: int, replies: list[SimReply], *,
                   public_url: str, county: str | None = None, default_county: str | None = None,
                   progress: Callable[[int], None] | None = None) -> SimResult:
    """Run `days` local days from `start`; the roster is imported at 00:00 on `start` (ages counted that day)."""
    if days < 1:
        raise SimulationError("--days must be at least 1")
    result = SimResult()
    begin = local_moment(start, time(0), "Europe/Oslo")
    end = local_moment(start + timedelta(days=days), time(0), "Europe/Oslo")
    with tempfile.TemporaryDirectory(prefix="otbot-simulate-") as folder:
        url = f"sqlite:///{Path(folder) / 'simulate.db'}"
        engine = open_database(url)
        try:
            clock = _Clock(begin)
            with Session(engine) as session:
                try:
                    report = import_roster(session, roster, file_name=file_name, now=begin, as_of=start,
                                           county=county, default_county=default_county)
                except RosterFileError as exc:
                    raise SimulationError(f"{file_name}: {exc}") from None
                session.commit()
            result.problems += [f"{file_name} {problem}" for problem in report.problems]
            # The messages table is the record; the channel itself shows nothing.
            adapters = {channel: NullChannel(channel, account=SIMULATED_ACCOUNT, prefix=f"sim-{channel.value}")
                        for channel in Channel}
            dispatcher = Dispatcher(engine, adapters, clock, "simulate", rate_limits={}, sleep=_no_sleep,
                                    batch_size=500)
            pending = list(replies)
            wake: datetime | None = begin
            shown = 0
            while True:
                due = _next_due(engine)
                reply_at = pending[0].at if pending else None
                moments = [m for m in (due, reply_at, wake) if m is not None]
                if not moments or min(moments) >= end:
                    break
                clock.now = max(clock.now, min(moments))
                if wake is not None and wake <= clock.now:
                    wake = _later(plan_tick(engine, clock.now, public_url=public_url).wake, clock.now)
                if reply_at is not None and reply_at <= clock.now:
                    youth_wake = _read_reply(engine, pending.pop(0), clock.now, public_url, result)
                    wake = min((w for w in (wake, youth_wake) if w is not None), default=None)
                await dispatcher.run_until_empty()
                if progress and (day := (clock.now - begin).days) > shown:
                    shown = day
                    progress(min(day, days))
            if progress:
                progress(days)
            result.problems += [f"replies line {r.line}: after the simulated period; not read" for r in pending]
            _collect(engine, begin, result)
        finally:
            close_database(url)
    return result


def _later(wake: datetime | None, now: datetime) -> datetime | None:
    """A wake-up strictly after now (the planner may name a moment that is due already: plan again shortly)."""
    return None if wake is None else max(wake, now + timedelta(minutes=1))


def _next_due(engine: sa.Engine) -> datetime | None:
    with Session(engine) as session:
        return session.exec(select(sa.func.min(Outbox.next_attempt_at))  # type: ignore[arg-type]
                            .where(col(Outbox.state) == OutboxState.PENDING)).one()


def _read_reply(engine: sa.Engine, reply: SimReply, now: datetime, public_url: str, result: SimResult
                ) -> datetime | None:
    """Read one reply at `now`; the moment the youth's plan next needs the planner (None: not before a full tick)."""
    with Session(engine) as session:
        youth = session.exec(select(Youth).where(col(Youth.roster_id) == reply.roster_id)).first()
        if youth is None or youth.id is None:
            result.problems.append(f"replies line {reply.line}: no youth with roster id {reply.roster_id}")
            return None
        youth_id = youth.id
        found = _address(session, youth.id, reply.sender)
    if found is None:
        result.problems.append(f"replies line {reply.line}: the {reply.sender} of youth {reply.roster_id} has no "
                               "mobile number or e-mail; not read")
        return None
    channel, address = found
    # What was due before the reply happens first (an alert due at 14:00 is raised before a reply at 15:00).
    plan_tick(engine, now, public_url=public_url, youth_ids=[youth_id])
    with Session(engine) as session:
        try:
            handle_inbound(session, InboundMessage(channel, SIMULATED_ACCOUNT, f"reply-{reply.line}", address,
                                                   reply.text, now), now=now)
        except InboundError as exc:
            session.rollback()
            result.problems.append(f"replies line {reply.line}: {exc}")
            return None
        session.commit()
    # The reply may have stopped, resumed or changed what this youth's flows do next.
    return _later(plan_tick(engine, now, public_url=public_url, youth_ids=[youth_id]).wake, now)


def _address(session: Session, youth_id: int, sender: str) -> tuple[Channel, str] | None:
    """Where the sender's reply comes from: their mobile number, else their e-mail address."""
    if sender == "youth":
        query = select(ContactPoint.channel, ContactPoint.address).where(col(ContactPoint.youth_id) == youth_id)
    else:
        guardians = select(YouthGuardian.guardian_id).where(col(YouthGuardian.youth_id) == youth_id,
                                                            col(YouthGuardian.position) != 0)
        query = select(ContactPoint.channel, ContactPoint.address).where(col(ContactPoint.guardian_id).in_(guardians))
    query = query.where(col(ContactPoint.channel).in_([Channel.SMS, Channel.EMAIL]),
                        col(ContactPoint.retired_at).is_(None))
    row = session.exec(query.order_by(col(ContactPoint.wrong_number), col(ContactPoint.channel).desc(),
                                      col(ContactPoint.id))).first()
    return (Channel(row[0]), row[1]) if row else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(OSLO).isoformat()


def _collect(engine: sa.Engine, begin: datetime, result: SimResult) -> None:
    with Session(engine) as session:
        roster = dict(session.exec(select(Youth.id, Youth.roster_id)).all())
        sent = session.exec(
            select(Message, Outbox).join(Outbox, col(Outbox.message_id) == col(Message.id))
            .where(col(Message.direction) == Direction.OUTBOUND)
            .order_by(col(Message.sent_at), col(Message.id))).all()
        for message, row in sent:
            assert message.sent_at is not None
            result.messages.append({
                "at": _iso(message.sent_at), "youth": roster.get(row.youth_id),
                "to": row.audience.value, "channel": message.channel.value, "flow": row.flow, "step": row.step,
                "template": row.template, "text": message.text, "segments": count_segments(message.text).segments,
            })
        texts = dict(session.exec(select(Message.id, Message.text)).all())
        for change in session.exec(select(StatusChange).where(col(StatusChange.created_at) >= begin)
                                   .order_by(col(StatusChange.created_at), col(StatusChange.id))):
            result.code_changes.append({
                "at": _iso(change.created_at), "youth": roster.get(change.youth_id), "from": change.old_code,
                "to": change.new_code, "applied": change.state in MADE_STATES, "actor": change.actor,
                "evidence": evidence_in_words(change.evidence, texts.get(change.source_message_id or 0)),
            })
        for alert in session.exec(select(Alert).order_by(col(Alert.created_at), col(Alert.id))):
            result.alerts.append({"at": _iso(alert.created_at), "youth": roster.get(alert.youth_id or 0),
                                  "kind": alert.kind.value})
