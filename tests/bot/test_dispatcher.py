"""The outbox dispatcher on real SQLite and real PostgreSQL, over a fake clock: send-time checks, quiet hours,
retries, provider outcomes, crash safety, and several dispatcher processes sharing one outbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from adapters.base import Outcome, OutgoingMessage, SendResult
from adapters.console import NullChannel
from bot.dispatcher import (
    ADVISER_HOLD,
    ENROLMENT_STOPPED,
    GUARDIAN_OF_ADULT,
    NO_CONTACT_POINT,
    OPTED_OUT,
    OUTBOX,
    PAST_TARGET_GROUP,
    RETIRED,
    WRONG_NUMBER,
    Dispatcher,
    backoff,
)
from storage.enums import (
    AlertKind,
    Audience,
    Channel,
    ContactRetired,
    DeliveryStatus,
    Direction,
    EnrolmentState,
    OutboxState,
    StopReason,
)
from storage.models import (
    Adviser,
    Alert,
    ContactPoint,
    County,
    Enrolment,
    Guardian,
    Message,
    Outbox,
    Youth,
    YouthGuardian,
)

ROOT = Path(__file__).resolve().parents[2]
OSLO = ZoneInfo("Europe/Oslo")


def oslo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An Oslo wall-clock time as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=OSLO).astimezone(UTC)


MONDAY_10 = oslo(2026, 11, 23, 10, 0)  # inside the default window
SATURDAY_17 = oslo(2026, 11, 21, 17, 0)  # Saturday window closed at 16:00
MONDAY_09 = oslo(2026, 11, 23, 9, 0)
MINOR_BIRTH = date(2010, 5, 5)  # 16 on MONDAY_10
ADULT_BIRTH = date(2005, 5, 5)  # 21


class FakeClock:
    """The injected clock and sleep: sleeping advances the clock, nothing waits."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Crash(BaseException):
    """The process dies in the middle of a send (not an Exception: the dispatcher cannot catch it)."""


class ScriptedChannel:
    """A test double: answers each send with the next scripted result (the last one repeats); a scripted
    exception is raised. Records what it was given and when (on the fake clock)."""

    def __init__(self, *script: SendResult | BaseException, channel: Channel = Channel.SMS,
                 clock: FakeClock | None = None, account: str = "test-account") -> None:
        self.channel = channel
        self.account = account
        self.script = list(script) or [SendResult(Outcome.SENT)]
        self.sent: list[OutgoingMessage] = []
        self.times: list[datetime] = []
        self.clock = clock
        self._ids = count(1)

    async def send(self, message: OutgoingMessage) -> SendResult:
        self.sent.append(message)
        if self.clock is not None:
            self.times.append(self.clock())
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, BaseException):
            raise step
        if step.outcome == Outcome.SENT and step.provider_id is None:
            return SendResult(Outcome.SENT, provider_id=f"p-{next(self._ids)}")
        return step


class FlakyChannel(ScriptedChannel):
    """Fails `failures` times with a retryable error, then sends."""

    def __init__(self, failures: int, **kwargs: Any) -> None:
        super().__init__(*([SendResult(Outcome.RETRY, error_code="503")] * failures), SendResult(Outcome.SENT),
                         **kwargs)


@dataclass
class World:
    county_id: int
    adviser_id: int
    youth_id: int
    guardian_id: int
    youth_cp: int
    guardian_cp: int
    enrolment_id: int


def make_world(session: Session, birth: date = MINOR_BIRTH, settings: dict[str, Any] | None = None,
               roster_id: str = "B1") -> World:
    county = session.exec(select(County)).first()
    if county is None:
        county = County(name="Trøndelag", settings=settings or {})
        session.add(county)
        session.flush()
    assert county.id is not None
    adviser = Adviser(county_id=county.id, name="Veileder En", email=f"v-{roster_id}@example.org")
    session.add(adviser)
    session.flush()
    youth = Youth(county_id=county.id, roster_id=roster_id, first_name="Sara", last_name="Berg", birth_date=birth,
                  registration_code="OSON", adviser_id=adviser.id)
    guardian = Guardian(county_id=county.id, name="Kari Berg")
    session.add_all([youth, guardian])
    session.flush()
    assert youth.id is not None and guardian.id is not None and adviser.id is not None
    session.add(YouthGuardian(county_id=county.id, youth_id=youth.id, guardian_id=guardian.id))
    youth_cp = ContactPoint(county_id=county.id, youth_id=youth.id, channel=Channel.SMS,
                            address=f"+47400{youth.id:05d}")
    guardian_cp = ContactPoint(county_id=county.id, guardian_id=guardian.id, channel=Channel.SMS,
                               address=f"+47401{youth.id:05d}")
    enrolment = Enrolment(county_id=county.id, youth_id=youth.id, flow="first-contact")
    session.add_all([youth_cp, guardian_cp, enrolment])
    session.commit()
    assert youth_cp.id is not None and guardian_cp.id is not None and enrolment.id is not None
    return World(county.id, adviser.id, youth.id, guardian.id, youth_cp.id, guardian_cp.id, enrolment.id)


_keys = count(1)


def add_row(session: Session, world: World, *, audience: Audience = Audience.YOUTH, due: datetime = MONDAY_10,
            **values: Any) -> int:
    guardian = audience == Audience.GUARDIAN
    row = Outbox(
        county_id=world.county_id, youth_id=world.youth_id, enrolment_id=world.enrolment_id,
        guardian_id=world.guardian_id if guardian else None,
        contact_point_id=world.guardian_cp if guardian else world.youth_cp,
        idempotency_key=f"e{world.enrolment_id}:step{next(_keys)}:{audience.value}", audience=audience,
        channel=Channel.SMS, text="Hei! Dette er OT i Trøndelag.", due_at=due, next_attempt_at=due,
        created_at=due - timedelta(days=1), updated_at=due - timedelta(days=1),
    )
    for key, value in values.items():
        setattr(row, key, value)
    session.add(row)
    session.commit()
    assert row.id is not None
    return row.id


def outbox(session: Session, row_id: int) -> Outbox:
    session.rollback()  # a new transaction: see what the dispatcher committed (SQLite reads a snapshot)
    row = session.get(Outbox, row_id)
    assert row is not None
    return row


def alerts(session: Session) -> list[Alert]:
    session.rollback()
    return list(session.exec(select(Alert).order_by(Alert.id)))  # type: ignore[arg-type]


def dispatcher(engine: Engine, clock: FakeClock, channel: Any, **kwargs: Any) -> Dispatcher:
    kwargs.setdefault("rate_limits", {})
    kwargs.setdefault("concurrency", 1)  # one row at a time: the order of sends is part of what is tested
    return Dispatcher(engine, {Channel.SMS: channel}, clock, kwargs.pop("worker_id", "w1"), sleep=clock.sleep,
                      **kwargs)


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


# --- sending ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("audience", [Audience.YOUTH, Audience.GUARDIAN])
async def test_a_due_row_is_sent_and_recorded(engine: Engine, session: Session, world: World,
                                              audience: Audience) -> None:
    row_id = add_row(session, world, audience=audience)
    clock = FakeClock(MONDAY_10)
    channel = ScriptedChannel()
    stats = await dispatcher(engine, clock, channel).run_once()

    assert (stats.claimed, stats.sent) == (1, 1)
    [sent] = channel.sent
    expected_cp = world.guardian_cp if audience == Audience.GUARDIAN else world.youth_cp
    assert sent.address == session.get(ContactPoint, expected_cp).address  # type: ignore[union-attr]
    row = outbox(session, row_id)
    assert (row.state, row.attempts, row.lease_until, row.claimed_by) == (OutboxState.SENT, 1, None, "w1")
    message = session.get(Message, row.message_id)
    assert message is not None
    assert (message.direction, message.channel, message.provider_account, message.provider_id) == (
        Direction.OUTBOUND, Channel.SMS, "test-account", "p-1")
    assert (message.delivery_status, message.sent_at, message.text) == (DeliveryStatus.SENT, MONDAY_10, row.text)
    assert (message.youth_id, message.contact_point_id, message.county_id) == (
        world.youth_id, expected_cp, world.county_id)
    assert message.guardian_id == (world.guardian_id if audience == Audience.GUARDIAN else None)
    assert alerts(session) == []


async def test_rows_not_yet_due_or_without_an_adapter_are_not_claimed(engine: Engine, session: Session,
                                                                      world: World) -> None:
    later = add_row(session, world, due=MONDAY_10 + timedelta(minutes=1))
    telegram = add_row(session, world, channel=Channel.TELEGRAM)
    clock = FakeClock(MONDAY_10)
    stats = await dispatcher(engine, clock, ScriptedChannel()).run_once()
    assert stats.claimed == 0
    assert outbox(session, later).state == outbox(session, telegram).state == OutboxState.PENDING


async def test_urgent_rows_go_first_then_the_oldest(engine: Engine, session: Session, world: World) -> None:
    old = add_row(session, world, due=MONDAY_10 - timedelta(hours=2))
    new = add_row(session, world, due=MONDAY_10 - timedelta(hours=1))
    urgent = add_row(session, world, due=MONDAY_10, urgent=True)
    channel = ScriptedChannel()
    await dispatcher(engine, FakeClock(MONDAY_10), channel).run_once()
    keys = {outbox(session, i).idempotency_key: i for i in (old, new, urgent)}
    assert [keys[m.key] for m in channel.sent] == [urgent, old, new]


# --- the checks at send time ------------------------------------------------------------------------------------


def _opt_out(s: Session, w: World) -> None:
    cp = s.get(ContactPoint, w.youth_cp)
    assert cp is not None
    cp.opted_out, cp.opted_out_at = True, MONDAY_10


def _wrong(s: Session, w: World) -> None:
    cp = s.get(ContactPoint, w.youth_cp)
    assert cp is not None
    cp.wrong_number = True


def _retired(s: Session, w: World) -> None:
    cp = s.get(ContactPoint, w.youth_cp)
    assert cp is not None
    cp.retired_at, cp.retired_reason = MONDAY_10, ContactRetired.YOUTH_ADULT


def _hold(s: Session, w: World) -> None:
    youth = s.get(Youth, w.youth_id)
    assert youth is not None
    youth.held_by_adviser_id, youth.held_since = w.adviser_id, MONDAY_10


def _adult(s: Session, w: World) -> None:
    youth = s.get(Youth, w.youth_id)
    assert youth is not None
    youth.birth_date = ADULT_BIRTH


def _past_group(s: Session, w: World) -> None:
    youth = s.get(Youth, w.youth_id)
    assert youth is not None
    youth.birth_date = date(2001, 6, 1)  # turned 24 in 2025


def _stopped(s: Session, w: World) -> None:
    enrolment = s.get(Enrolment, w.enrolment_id)
    assert enrolment is not None
    enrolment.state, enrolment.stop_reason, enrolment.stopped_at = (
        EnrolmentState.STOPPED, StopReason.CONTACT_ESTABLISHED, MONDAY_10)


def _no_cp(s: Session, w: World) -> None:
    s.execute(sa.update(OUTBOX).values(contact_point_id=None))


@pytest.mark.parametrize(
    ("change", "audience", "reason"),
    [
        (_opt_out, Audience.YOUTH, OPTED_OUT),
        (_wrong, Audience.YOUTH, WRONG_NUMBER),
        (_retired, Audience.YOUTH, RETIRED),
        (_hold, Audience.YOUTH, ADVISER_HOLD),
        (_hold, Audience.GUARDIAN, ADVISER_HOLD),
        (_adult, Audience.GUARDIAN, GUARDIAN_OF_ADULT),
        (_past_group, Audience.YOUTH, PAST_TARGET_GROUP),
        (_stopped, Audience.YOUTH, ENROLMENT_STOPPED),
        (_no_cp, Audience.YOUTH, NO_CONTACT_POINT),
    ],
    ids=["opted-out", "wrong-number", "retired", "adviser-hold", "adviser-hold-guardian", "guardian-of-adult",
         "past-target-group", "enrolment-stopped", "no-contact-point"],
)
async def test_send_time_checks_cancel_the_row(engine: Engine, session: Session, world: World, change: Any,
                                               audience: Audience, reason: str) -> None:
    row_id = add_row(session, world, audience=audience)
    change(session, world)  # after planning, before sending
    session.commit()
    channel = ScriptedChannel()
    stats = await dispatcher(engine, FakeClock(MONDAY_10), channel).run_once()
    assert (stats.claimed, stats.cancelled, stats.sent) == (1, 1, 0)
    assert channel.sent == []
    row = outbox(session, row_id)
    assert (row.state, row.last_error, row.attempts, row.message_id) == (OutboxState.CANCELLED, reason, 0, None)


@pytest.mark.parametrize(
    ("change", "values"),
    [
        (_opt_out, {"template": "reply_opt_out"}),  # STOPP gets its confirmation
        (_opt_out, {"urgent": True}),  # help lines answer a cry for help, whatever came before
        (_wrong, {"urgent": True}),
        (_hold, {"urgent": True}),
    ],
    ids=["opt-out-confirmation", "urgent-opted-out", "urgent-wrong-number", "urgent-adviser-hold"],
)
async def test_the_opt_out_confirmation_and_urgent_answers_still_go(engine: Engine, session: Session, world: World,
                                                                    change: Any, values: dict[str, Any]) -> None:
    row_id = add_row(session, world, enrolment_id=None, **values)
    change(session, world)
    session.commit()
    channel = ScriptedChannel()
    stats = await dispatcher(engine, FakeClock(MONDAY_10), channel).run_once()
    assert (stats.claimed, stats.sent, stats.cancelled) == (1, 1, 0)
    assert outbox(session, row_id).state == OutboxState.SENT


async def test_a_retired_point_gets_nothing_even_urgent(engine: Engine, session: Session, world: World) -> None:
    row_id = add_row(session, world, enrolment_id=None, urgent=True)
    _retired(session, world)
    session.commit()
    stats = await dispatcher(engine, FakeClock(MONDAY_10), ScriptedChannel()).run_once()
    assert (stats.sent, stats.cancelled) == (0, 1)
    assert outbox(session, row_id).last_error == RETIRED


async def test_a_completed_enrolment_still_sends_what_it_planned(engine: Engine, session: Session,
                                                                 world: World) -> None:
    row_id = add_row(session, world)
    enrolment = session.get(Enrolment, world.enrolment_id)
    assert enrolment is not None
    enrolment.state, enrolment.stopped_at = EnrolmentState.COMPLETED, MONDAY_10
    session.commit()
    await dispatcher(engine, FakeClock(MONDAY_10), ScriptedChannel()).run_once()
    assert outbox(session, row_id).state == OutboxState.SENT


async def test_a_youth_turning_18_today_gets_no_guardian_message_today(engine: Engine, session: Session) -> None:
    birthday = date(2008, 11, 23)  # 18 on Monday 23 November 2026
    world = make_world(session, birth=birthday)
    # Planned yesterday (when the youth was 17) for today.
    midnight = oslo(2026, 11, 23, 0, 0)
    guardian_row = add_row(session, world, audience=Audience.GUARDIAN, due=midnight)
    youth_row = add_row(session, world, audience=Audience.YOUTH, due=midnight)
    # 00:30 Oslo on the birthday is still 22 November in UTC: the day counts in Oslo.
    clock = FakeClock(oslo(2026, 11, 23, 0, 30))
    sent = ScriptedChannel()
    d = dispatcher(engine, clock, sent, rate_limits={})
    await d.run_once()
    assert outbox(session, guardian_row).state == OutboxState.CANCELLED
    assert outbox(session, guardian_row).last_error == GUARDIAN_OF_ADULT
    assert outbox(session, youth_row).state == OutboxState.PENDING  # night: deferred, not cancelled
    clock.now = oslo(2026, 11, 23, 9, 0)
    await d.run_once()
    assert outbox(session, youth_row).state == OutboxState.SENT
    assert [m.address for m in sent.sent] == [session.get(ContactPoint, world.youth_cp).address]  # type: ignore[union-attr]


async def test_the_day_before_the_18th_birthday_the_guardian_still_gets_it(engine: Engine, session: Session) -> None:
    world = make_world(session, birth=date(2008, 11, 24))
    row_id = add_row(session, world, audience=Audience.GUARDIAN)
    await dispatcher(engine, FakeClock(MONDAY_10), ScriptedChannel()).run_once()
    assert outbox(session, row_id).state == OutboxState.SENT


# --- quiet hours -------------------------------------------------------------------------------------------------


async def test_quiet_hours_defer_until_the_window_opens_but_urgent_goes_at_once(engine: Engine, session: Session,
                                                                               world: World) -> None:
    normal = add_row(session, world, due=SATURDAY_17 - timedelta(minutes=5))
    urgent = add_row(session, world, due=SATURDAY_17, urgent=True)
    clock = FakeClock(SATURDAY_17)
    channel = ScriptedChannel()
    d = dispatcher(engine, clock, channel)
    stats = await d.run_once()
    assert (stats.claimed, stats.sent, stats.deferred) == (2, 1, 1)
    row = outbox(session, normal)
    assert (row.state, row.next_attempt_at, row.attempts) == (OutboxState.PENDING, MONDAY_09, 0)
    assert (row.claimed_by, row.claimed_at, row.lease_until) == (None, None, None)
    assert outbox(session, urgent).state == OutboxState.SENT

    clock.now = MONDAY_09 - timedelta(seconds=1)  # Sunday night: nothing due
    assert (await d.run_once()).claimed == 0
    clock.now = MONDAY_09
    assert (await d.run_once()).sent == 1
    assert outbox(session, normal).state == OutboxState.SENT


async def test_the_county_window_comes_from_its_settings(engine: Engine, session: Session) -> None:
    world = make_world(session, settings={"sending_window": {"weekday": "10:30-12:00"}})
    row_id = add_row(session, world)
    stats = await dispatcher(engine, FakeClock(MONDAY_10), ScriptedChannel()).run_once()
    assert stats.deferred == 1
    assert outbox(session, row_id).next_attempt_at == oslo(2026, 11, 23, 10, 30)


# --- retries and provider outcomes ------------------------------------------------------------------------------


@pytest.mark.parametrize(("attempts", "retry_after", "wait"), [
    (1, None, 30), (2, None, 60), (3, None, 120), (7, None, 1920), (8, None, 3600), (100, None, 3600),
    (1, 90.0, 90), (3, 10.0, 120), (8, 7200.0, 7200),
])
def test_backoff_doubles_up_to_an_hour_and_honours_retry_after(attempts: int, retry_after: float | None,
                                                               wait: int) -> None:
    assert backoff(attempts, retry_after) == timedelta(seconds=wait)


async def test_retries_back_off_then_fail_after_max_attempts(engine: Engine, session: Session, world: World) -> None:
    row_id = add_row(session, world)
    clock = FakeClock(MONDAY_10)
    channel = ScriptedChannel(SendResult(Outcome.RETRY, error_code="503"))
    d = dispatcher(engine, clock, channel, max_attempts=3)
    waits = []
    for attempt in (1, 2):
        stats = await d.run_once()
        assert stats.retried == 1
        row = outbox(session, row_id)
        assert (row.state, row.attempts, row.last_error) == (OutboxState.PENDING, attempt, "retry (503)")
        waits.append(row.next_attempt_at - clock.now)
        clock.now = row.next_attempt_at - timedelta(seconds=1)
        assert (await d.run_once()).claimed == 0  # not before its time
        clock.advance(seconds=1)
    assert waits == [timedelta(seconds=30), timedelta(seconds=60)]
    stats = await d.run_once()
    assert stats.failed == 1
    row = outbox(session, row_id)
    assert (row.state, row.attempts) == (OutboxState.FAILED, 3)
    [alert] = alerts(session)
    assert (alert.kind, alert.adviser_id, alert.youth_id) == (AlertKind.NO_CHANNEL, world.adviser_id, world.youth_id)
    assert len(channel.sent) == 3


async def test_a_flaky_channel_sends_on_a_later_attempt(engine: Engine, session: Session, world: World) -> None:
    row_id = add_row(session, world)
    clock = FakeClock(MONDAY_10)
    channel = FlakyChannel(2)
    d = dispatcher(engine, clock, channel)
    for _ in range(3):
        await d.run_once()
        clock.advance(minutes=5)
    row = outbox(session, row_id)
    assert (row.state, row.attempts) == (OutboxState.SENT, 3)
    assert session.exec(select(sa.func.count()).select_from(Message)).one() == 1  # type: ignore[call-overload]


async def test_an_adapter_exception_is_a_retry_and_retry_after_is_honoured(engine: Engine, session: Session,
                                                                         world: World) -> None:
    crashed = add_row(session, world)
    slow = add_row(session, world)
    clock = FakeClock(MONDAY_10)
    channel = ScriptedChannel(ConnectionError("boom +4740000001"), SendResult(Outcome.RETRY, retry_after=600))
    stats = await dispatcher(engine, clock, channel).run_once()
    assert stats.retried == 2
    row = outbox(session, crashed)
    assert (row.state, row.last_error, row.next_attempt_at) == (
        OutboxState.PENDING, "retry (ConnectionError)", MONDAY_10 + timedelta(seconds=30))
    assert outbox(session, slow).next_attempt_at == MONDAY_10 + timedelta(seconds=600)


@pytest.mark.parametrize(
    ("result", "state", "flag", "kind"),
    [
        (SendResult(Outcome.OPTED_OUT, error_code="21610"), OutboxState.CANCELLED, "opted_out", AlertKind.OPT_OUT),
        (SendResult(Outcome.BAD_ADDRESS, error_code="21211"), OutboxState.FAILED, "wrong_number",
         AlertKind.WRONG_NUMBER),
        (SendResult(Outcome.FAILED, error_code="30007"), OutboxState.FAILED, None, AlertKind.NO_CHANNEL),
    ],
    ids=["opted-out", "bad-address", "failed"],
)
async def test_provider_outcomes_flag_the_contact_point_and_alert(
    engine: Engine, session: Session, world: World, result: SendResult, state: OutboxState, flag: str | None,
    kind: AlertKind,
) -> None:
    row_id = add_row(session, world)
    next_row = add_row(session, world)
    channel = ScriptedChannel(result, SendResult(Outcome.SENT))
    stats = await dispatcher(engine, FakeClock(MONDAY_10), channel).run_once()
    row = outbox(session, row_id)
    assert (row.state, row.attempts, row.message_id) == (state, 1, None)
    assert (result.error_code or "") in (row.last_error or "")
    session.rollback()
    cp = session.get(ContactPoint, world.youth_cp)
    assert cp is not None
    assert (cp.opted_out, cp.wrong_number) == (flag == "opted_out", flag == "wrong_number")
    if flag == "opted_out":
        assert cp.opted_out_at == MONDAY_10
    [alert] = alerts(session)
    assert (alert.kind, alert.adviser_id, alert.county_id, alert.youth_id) == (
        kind, world.adviser_id, world.county_id, world.youth_id)
    assert alert.detail is not None and "+47" not in alert.detail and "Hei" not in alert.detail
    # The next row to the same point is checked at send time: a flagged point gets nothing more.
    if flag is not None:
        assert outbox(session, next_row).state == OutboxState.CANCELLED
        assert len(channel.sent) == 1
    else:
        assert outbox(session, next_row).state == OutboxState.SENT
    assert stats.claimed == 2


# --- crash safety -----------------------------------------------------------------------------------------------


async def test_a_crash_between_claim_and_send_leaves_an_uncertain_row_and_an_alert_never_a_resend(
    engine: Engine, session: Session, world: World
) -> None:
    row_id = add_row(session, world)
    clock = FakeClock(MONDAY_10)
    first = dispatcher(engine, clock, ScriptedChannel(Crash()), worker_id="dies", lease=timedelta(minutes=5))
    with pytest.raises(Crash):
        await first.run_once()
    row = outbox(session, row_id)
    assert (row.state, row.claimed_by, row.lease_until) == (OutboxState.CLAIMED, "dies", MONDAY_10 + timedelta(minutes=5))

    survivor_channel = ScriptedChannel()
    survivor = dispatcher(engine, clock, survivor_channel, worker_id="survivor")
    clock.advance(minutes=4)  # the lease still runs: nobody touches the row
    assert (await survivor.run_once()).uncertain == 0
    assert outbox(session, row_id).state == OutboxState.CLAIMED
    clock.advance(minutes=1, seconds=1)
    stats = await survivor.run_once()
    assert (stats.uncertain, stats.claimed, stats.sent) == (1, 0, 0)
    row = outbox(session, row_id)
    assert (row.state, row.message_id, row.lease_until, row.claimed_by) == (OutboxState.UNCERTAIN, None, None, "dies")
    [alert] = alerts(session)
    assert (alert.kind, alert.adviser_id, alert.youth_id) == (AlertKind.UNCERTAIN, world.adviser_id, world.youth_id)
    assert alert.detail is not None and "Hei" not in alert.detail and "+47" not in alert.detail
    clock.advance(days=1)
    await survivor.run_once()
    assert survivor_channel.sent == []
    assert outbox(session, row_id).state == OutboxState.UNCERTAIN
    assert len(alerts(session)) == 1


async def test_sends_before_an_error_are_recorded_and_the_send_in_flight_becomes_uncertain(
    engine: Engine, session: Session, world: World
) -> None:
    """Sends the provider took are recorded in groups (record_every); a run stopped by an error still records
    them, and the row whose send was cut off stays claimed until its lease expires, then is uncertain."""
    ids = [add_row(session, world) for _ in range(4)]
    clock = FakeClock(MONDAY_10)
    channel = ScriptedChannel(SendResult(Outcome.SENT), SendResult(Outcome.SENT), Crash())
    with pytest.raises(Crash):
        await dispatcher(engine, clock, channel, worker_id="dies", record_every=50).run_once()
    assert [outbox(session, i).state for i in ids] == [
        OutboxState.SENT, OutboxState.SENT, OutboxState.CLAIMED, OutboxState.PENDING]  # the last one handed back
    clock.advance(minutes=6)
    after = ScriptedChannel(account="another-account")  # its ids start again at p-1
    stats = await dispatcher(engine, clock, after, worker_id="next").run_once()
    assert (stats.uncertain, stats.sent) == (1, 1)
    assert [m.key for m in after.sent] == [outbox(session, ids[3]).idempotency_key]
    assert outbox(session, ids[2]).state == OutboxState.UNCERTAIN


@pytest.mark.parametrize("record_every", [1, 3, 50])
async def test_rows_in_flight_side_by_side_are_each_sent_and_recorded_once(engine: Engine, session: Session,
                                                                            world: World, record_every: int) -> None:
    ids = [add_row(session, world) for _ in range(20)]
    clock = FakeClock(MONDAY_10)
    channel = ScriptedChannel()
    d = dispatcher(engine, clock, channel, concurrency=5, record_every=record_every, batch_size=7)
    total = await d.run_until_empty()
    assert (total.sent, total.claimed) == (20, 20)
    assert len({m.key for m in channel.sent}) == 20
    rows = [outbox(session, i) for i in ids]
    assert all(r.state == OutboxState.SENT for r in rows)
    assert len({r.message_id for r in rows}) == 20


async def test_a_claim_committed_without_any_send_becomes_uncertain(engine: Engine, session: Session,
                                                                    world: World) -> None:
    """The same crash one step earlier: the claim is committed and the process is gone before the send."""
    row_id = add_row(session, world)
    clock = FakeClock(MONDAY_10)
    rows, _ = dispatcher(engine, clock, ScriptedChannel(), worker_id="dies")._claim()
    assert [r.id for r in rows] == [row_id]
    channel = ScriptedChannel()
    clock.advance(minutes=6)
    stats = await dispatcher(engine, clock, channel, worker_id="next").run_once()
    assert (stats.uncertain, stats.sent) == (1, 0) and channel.sent == []
    assert outbox(session, row_id).state == OutboxState.UNCERTAIN


async def test_rows_not_reached_within_half_the_lease_are_handed_back_unsent(engine: Engine, session: Session,
                                                                            world: World) -> None:
    ids = [add_row(session, world) for _ in range(10)]
    clock = FakeClock(MONDAY_10)
    channel = ScriptedChannel(clock=clock)
    d = dispatcher(engine, clock, channel, rate_limits={Channel.SMS: 1.0}, lease=timedelta(seconds=8))
    stats = await d.run_once()
    # Sends at 0, 1, 2, 3, 4 s; the sixth row is reached at 4 s, half the lease: it and the rest go back untouched.
    assert (stats.claimed, stats.sent, stats.released) == (10, 5, 5)
    states = [outbox(session, i).state for i in ids]
    assert states == [OutboxState.SENT] * 5 + [OutboxState.PENDING] * 5
    assert all(outbox(session, i).claimed_by is None and outbox(session, i).attempts == 0 for i in ids[5:])
    total = await d.run_until_empty()
    assert total.sent == 5 and total.uncertain == 0
    assert len(channel.sent) == 10


# --- rate limit --------------------------------------------------------------------------------------------------


async def test_a_backlog_drains_at_the_rate_limit(engine: Engine, session: Session, world: World) -> None:
    for _ in range(45):
        add_row(session, world)
    clock = FakeClock(MONDAY_10)
    channel = ScriptedChannel(clock=clock)
    d = dispatcher(engine, clock, channel, rate_limits={Channel.SMS: 10.0}, batch_size=20)
    total = await d.run_until_empty()
    assert total.sent == 45
    micros = [(t - MONDAY_10) // timedelta(microseconds=1) for t in channel.times]
    # Every 100 ms, and each send a second after another waits the limiter's 2 ms margin.
    assert all(i * 100_000 <= m <= i * 100_000 + 2_000 * (i // 10) for i, m in enumerate(micros))
    assert (len(micros) - 1) / (micros[-1] / 1e6) >= 9.95
    for start in micros:  # the busiest one-second window starts at some send
        assert sum(start <= m < start + 1_000_000 for m in micros) <= 10


# --- several dispatchers --------------------------------------------------------------------------------------------

WORKER = r"""
import asyncio, json, os, sys, time
from datetime import datetime, UTC
from adapters.console import NullChannel
from bot.dispatcher import Dispatcher
from storage.db import create_engine, resolve_url
from storage.enums import Channel

url, worker, out, go = sys.argv[1:5]
now = datetime.fromisoformat(sys.argv[5])
engine = create_engine(resolve_url(url))
keys = []
channel = NullChannel(Channel.SMS, account="bench", prefix=worker, on_send=lambda m, pid: keys.append(m.key))
dispatcher = Dispatcher(engine, {Channel.SMS: channel}, lambda: now, worker, rate_limits={}, batch_size=50)
open(out + ".ready", "w").close()
while not os.path.exists(go):
    time.sleep(0.01)
stats = asyncio.run(dispatcher.run_until_empty())
with open(out, "w") as f:
    json.dump({"stats": stats.as_dict(), "keys": keys}, f)
"""


def _fill(engine: Engine, session: Session, world: World, rows: int) -> None:
    values = [
        {"county_id": world.county_id, "youth_id": world.youth_id, "contact_point_id": world.youth_cp,
         "idempotency_key": f"bulk:{i}", "audience": Audience.YOUTH, "channel": Channel.SMS, "text": f"melding {i}",
         "urgent": False, "due_at": MONDAY_10, "state": OutboxState.PENDING, "attempts": 0,
         "next_attempt_at": MONDAY_10, "created_at": MONDAY_10, "updated_at": MONDAY_10}
        for i in range(rows)
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(OUTBOX), values)


def _two_processes(db_url: str, tmp_path: Path, rows: int) -> list[dict[str, Any]]:
    go = tmp_path / "go"
    outs = [tmp_path / f"w{i}.json" for i in (1, 2)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, db_url, f"w{i}", str(out), str(go),
                               MONDAY_10.isoformat()], cwd=ROOT, env=env)
             for i, out in zip((1, 2), outs, strict=True)]
    try:
        deadline = time.monotonic() + 120
        while not all(Path(str(out) + ".ready").exists() for out in outs):
            assert all(p.poll() is None for p in procs), "a worker died before it started"
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.05)
        go.touch()  # both start together
        for p in procs:
            assert p.wait(timeout=600) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    return [json.loads(out.read_text()) for out in outs]


def _assert_each_sent_once(engine: Engine, results: list[dict[str, Any]], rows: int) -> None:
    keys = [key for result in results for key in result["keys"]]
    assert len(keys) == rows and len(set(keys)) == rows, "a row went to the adapter twice"
    assert all(result["stats"]["sent"] > 0 for result in results), "one worker did all the work: no sharing tested"
    assert sum(result["stats"]["sent"] for result in results) == rows
    with engine.connect() as connection:
        grouped = connection.execute(sa.text("SELECT state, count(*) FROM outbox GROUP BY state")).all()
        states = {str(state): int(number) for state, number in grouped}
        assert states == {"sent": rows}
        assert connection.execute(sa.text("SELECT count(*) FROM message")).scalar_one() == rows
        assert connection.execute(sa.text("SELECT count(DISTINCT text) FROM message")).scalar_one() == rows
        # No outbox row with two messages, no message without its row.
        assert connection.execute(sa.text(
            "SELECT count(DISTINCT message_id) FROM outbox WHERE message_id IS NOT NULL")).scalar_one() == rows
        assert connection.execute(sa.text(
            "SELECT count(*) FROM outbox o JOIN message m ON m.id = o.message_id WHERE m.text = o.text"
        )).scalar_one() == rows


def test_two_dispatcher_processes_on_postgresql_send_10000_rows_each_exactly_once(
    db_url: str, engine: Engine, session: Session, world: World, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (set OTBOT_TEST_DATABASE_URL): SKIP LOCKED sharing of 10 000 rows; "
                    "SQLite, one claimer at a time, runs the 500-row version below")
    _fill(engine, session, world, 10_000)
    _assert_each_sent_once(engine, _two_processes(db_url, tmp_path, 10_000), 10_000)


def test_two_dispatcher_processes_share_the_outbox_each_row_once(db_url: str, engine: Engine, session: Session,
                                                                world: World, tmp_path: Path) -> None:
    """On SQLite one claimer at a time (BEGIN IMMEDIATE); on PostgreSQL the same smaller run as a quick check."""
    _fill(engine, session, world, 500)
    _assert_each_sent_once(engine, _two_processes(db_url, tmp_path, 500), 500)


@pytest.fixture
def null_channel() -> Iterator[NullChannel]:
    yield NullChannel(Channel.SMS)


async def test_the_null_channel_sends_everything(engine: Engine, session: Session, world: World,
                                                 null_channel: NullChannel) -> None:
    for _ in range(5):
        add_row(session, world)
    clock = FakeClock(MONDAY_10)
    stats = await Dispatcher(engine, {Channel.SMS: null_channel}, clock, "w", rate_limits={},
                             sleep=clock.sleep).run_until_empty()
    assert stats.sent == 5 and null_channel.sent == 5
    session.rollback()
    ids = [m.provider_id for m in session.exec(select(Message))]
    assert sorted(i or "" for i in ids) == [f"null-{i}" for i in range(1, 6)]
