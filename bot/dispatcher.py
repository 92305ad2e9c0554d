"""The outbox worker: claim due messages, check them again at send time, honour quiet hours and rate limits,
send, record the outcome, retry with backoff.

One run (`Dispatcher.run_once`) does, in this order:

1. Rows `claimed` whose lease expired without a message (a dispatcher died between its claim and its
   outcome) become `uncertain`, and the youth's adviser gets an alert. They are never resent: a duplicate to
   a youth costs more than a late message (architecture.md, "The two paths").
2. Up to `batch_size` due rows (`pending`, `next_attempt_at <= now`, urgent first, then oldest) of the
   channels this dispatcher has adapters for are claimed and the claim is committed before anything is
   sent. PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, so any number of dispatchers share the outbox;
   SQLite: inside `write_session` (BEGIN IMMEDIATE), one claimer at a time.
3. Each claimed row is checked again in a fresh transaction just before it is sent (architecture.md,
   "State that must never be wrong"): the contact point opted out, is a wrong number or retired; an adviser
   holds the youth; a guardian message for a youth who is 18 or older on the day of sending (Europe/Oslo);
   a youth past the target group; a stopped enrolment — each cancels the row with its reason in
   `last_error`. Outside the county's sending window a row that is not urgent goes back to `pending` until
   the window opens (deferred; not an attempt).
4. The send waits for the channel's rate limiter (bot.ratelimit), then goes through the channel's adapter.
   Up to `concurrency` rows are in flight side by side (their sends overlap; a provider's latency would
   otherwise cap a worker at 1/latency messages per second).
5. The outcome is recorded, each in one transaction: a `Message` and the row `sent` together; a retry with
   backoff (after `max_attempts` the row fails and an adviser is alerted); an opt-out or a bad address flags
   the contact point and alerts; a refusal fails the row and alerts. An exception from an adapter counts as a
   retry. Sends the provider took are recorded in groups of up to `record_every` (or every `record_within`
   on the clock, and always at the end of the run and before any other outcome): one transaction per group
   instead of one per message.

Crash safety: the send happens after the claim commit and before the outcome commit. A process that dies in
between leaves the row `claimed` with no message; once its lease expires, step 1 makes it `uncertain`. (So
does every row of the dead worker's batch that it had not recorded yet: sent-but-unrecorded rows of the
current group, and claimed rows it never reached. Uncertain rows cost an adviser a look; none is resent.)
A claimed row is never sent twice: every write below is conditional on the row still being claimed by this
worker. Rows this worker cannot reach within half its lease (a slow rate limit, a large batch) are given back
as `pending` — they were never sent — so that a live worker never lets a lease expire under a row.

Time comes only from the injected clock; waits only from the injected sleep. Logs carry ids and counts,
never message text or addresses.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from adapters.base import ChannelAdapter, Outcome, OutgoingMessage, SendResult
from bot.age import is_minor_on, target_group_end
from bot.log import get_logger
from bot.ratelimit import RateLimiter, Unlimited
from flows.calendar import DEFAULT_WINDOW, SendingWindow, is_allowed, local_day, next_allowed
from storage.db import write_session
from storage.enums import (
    AlertKind,
    Audience,
    Channel,
    DeliveryStatus,
    Direction,
    EnrolmentState,
    OutboxState,
)
from storage.models import Alert, ContactPoint, County, Enrolment, Message, Outbox, Youth

log = get_logger("bot.dispatcher")

OUTBOX = cast(sa.Table, Outbox.__table__)  # type: ignore[attr-defined]
MESSAGE = cast(sa.Table, Message.__table__)  # type: ignore[attr-defined]
ALERT = cast(sa.Table, Alert.__table__)  # type: ignore[attr-defined]
YOUTH = cast(sa.Table, Youth.__table__)  # type: ignore[attr-defined]
CONTACT = cast(sa.Table, ContactPoint.__table__)  # type: ignore[attr-defined]
ENROLMENT = cast(sa.Table, Enrolment.__table__)  # type: ignore[attr-defined]
COUNTY = cast(sa.Table, County.__table__)  # type: ignore[attr-defined]

# Messages per second per channel. SMS: a conservative default for one Twilio long code / messaging service;
# Telegram: below the Bot API's ~30 messages/s per bot. Channels not named here (console, web chat, e-mail)
# are not limited.
DEFAULT_RATE_LIMITS: Mapping[Channel, float] = {Channel.SMS: 10.0, Channel.TELEGRAM: 25.0}

# Backoff after a retryable failure: 30 s, 1 min, 2 min, … doubling, at most one hour.
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)

# Reasons written to last_error (≤ 400 characters, never message text or addresses).
NO_CONTACT_POINT = "no contact point"
OPTED_OUT = "opted out"
WRONG_NUMBER = "wrong number"
RETIRED = "contact point retired"
ADVISER_HOLD = "adviser hold"
GUARDIAN_OF_ADULT = "youth is 18 or older on the day of sending: guardians are not contacted"
PAST_TARGET_GROUP = "youth is past the target group"
ENROLMENT_STOPPED = "enrolment stopped"


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (1, 2, …): 30 s · 2^(attempts-1), capped at one
    hour, and never less than the provider's `retry_after` (seconds) when it gave one.

    A plain function rather than tenacity's `wait_exponential`: tenacity's waits are computed from its own
    RetryCallState inside a retrying call, while here the attempt count lives in the database between runs and
    the wait becomes a `next_attempt_at`. No jitter, so that simulations repeat exactly; after an outage the
    rate limiter, not randomness, spreads the retries.
    """
    exponent = max(attempts - 1, 0)
    # Capped before the power, so that a large attempt count cannot overflow.
    wait = BACKOFF_CAP if exponent >= 16 else min(BACKOFF_BASE * (2 ** exponent), BACKOFF_CAP)
    if retry_after is not None and retry_after > 0 and math.isfinite(retry_after):
        wait = max(wait, timedelta(seconds=retry_after))
    return wait


@dataclass
class DispatchStats:
    """What one run did, by row."""

    uncertain: int = 0  # expired leases without a message: marked uncertain, adviser alerted
    claimed: int = 0
    sent: int = 0
    retried: int = 0  # back to pending with a backoff
    cancelled: int = 0  # a send-time check (or a carrier opt-out) stopped the row
    deferred: int = 0  # outside the sending window: back to pending until it opens
    failed: int = 0  # refused for good, a bad address, or out of attempts
    released: int = 0  # claimed but not reached within half the lease: back to pending, untouched

    def add(self, counter: str | None) -> None:
        if counter is not None:
            setattr(self, counter, getattr(self, counter) + 1)

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __iadd__(self, other: DispatchStats) -> DispatchStats:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


# STOPP gets its confirmation and nothing more: the one automatic message an opted-out point still gets.
OPT_OUT_CONFIRMATION = "reply_opt_out"
# An adviser's own message (the inbox): it goes while that adviser holds the conversation.
ADVISER_REPLY = "adviser_reply"
# An answer to an urgent reply (where to get help now) goes even to an opted-out point, a flagged number or a
# conversation an adviser holds: the inbound path queues it only for the person who wrote, and the adviser has
# the urgent alert at once. Safety before silence.


@dataclass(frozen=True, slots=True)
class _Claimed:
    """A claimed row: what the send needs, read once at claim time."""

    id: int
    county_id: int
    youth_id: int
    guardian_id: int | None
    contact_point_id: int | None
    enrolment_id: int | None
    idempotency_key: str
    audience: Audience
    channel: Channel
    text: str
    urgent: bool
    attempts: int
    template: str | None


@dataclass(frozen=True, slots=True)
class _Sent:
    """A send the provider took, waiting to be recorded with the next group."""

    row: _Claimed
    account: str
    provider_id: str | None
    at: datetime


@dataclass(slots=True)
class _Lane:
    """A run's connections: one for the checks and one for the outcomes; and the sends not yet recorded."""

    read: sa.Connection
    write: sa.Connection
    unrecorded: list[_Sent] = field(default_factory=list)


_CLAIM_COLUMNS = [OUTBOX.c[name] for name in _Claimed.__dataclass_fields__]


@dataclass(frozen=True, slots=True)
class _Target:
    """The send-time facts about a row's recipient."""

    address: str
    adviser_id: int | None


# Statements built once: per row the dispatcher runs three of them, and building a statement (coercions and its
# cache key) costs more than running it. Each is executed with a dict of bound values.
_CHECK = (
    sa.select(OUTBOX.c.state, OUTBOX.c.claimed_by, YOUTH.c.birth_date, YOUTH.c.held_by_adviser_id,
              YOUTH.c.adviser_id, CONTACT.c.address, CONTACT.c.opted_out, CONTACT.c.wrong_number,
              CONTACT.c.retired_at, ENROLMENT.c.state.label("enrolment_state"))
    .select_from(
        OUTBOX.join(YOUTH, OUTBOX.c.youth_id == YOUTH.c.id)
        .outerjoin(CONTACT, OUTBOX.c.contact_point_id == CONTACT.c.id)
        .outerjoin(ENROLMENT, OUTBOX.c.enrolment_id == ENROLMENT.c.id)
    )
    .where(OUTBOX.c.id == sa.bindparam("row_id"))
)
# SET comes from the other keys of the values given; the row must still be held by this worker. A send that
# outlived its lease may find its row made uncertain meanwhile: the message did go out, so SENT may replace it.
_UPDATE_CLAIMED = sa.update(OUTBOX).where(
    OUTBOX.c.id == sa.bindparam("row_id"), OUTBOX.c.state == OutboxState.CLAIMED,
    OUTBOX.c.claimed_by == sa.bindparam("worker"),
)
_UPDATE_SENT = sa.update(OUTBOX).where(
    OUTBOX.c.id == sa.bindparam("row_id"),
    sa.or_(OUTBOX.c.state == OutboxState.CLAIMED, OUTBOX.c.state == OutboxState.UNCERTAIN),  # no IN: executemany
    OUTBOX.c.claimed_by == sa.bindparam("worker"),
)
_INSERT_MESSAGE = sa.insert(MESSAGE).returning(MESSAGE.c.id)
_UPDATE_CONTACT = sa.update(CONTACT).where(CONTACT.c.id == sa.bindparam("cp_id"))
_COUNTY_SETTINGS = sa.select(COUNTY.c.settings).where(COUNTY.c.id == sa.bindparam("county_id"))


class Dispatcher:
    """Sends due outbox rows through the channel adapters; see the module docstring for one run's steps."""

    def __init__(
        self,
        engine: Engine,
        adapters: Mapping[Channel, ChannelAdapter],
        clock: Callable[[], datetime],
        worker_id: str,
        *,
        batch_size: int = 100,
        lease: timedelta = timedelta(minutes=5),
        rate_limits: Mapping[Channel, float] | None = None,
        max_attempts: int = 8,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        concurrency: int = 4,
        record_every: int = 50,
        record_within: timedelta = timedelta(seconds=1),
        reply_link: Callable[[int], str] | None = None,
        on_run: Callable[[DispatchStats], object] | None = None,
    ) -> None:
        if not worker_id or len(worker_id) > 80:
            raise ValueError("worker_id must be 1 to 80 characters")
        if min(batch_size, max_attempts, concurrency, record_every) < 1 or lease <= timedelta(0):
            raise ValueError("batch_size, max_attempts, concurrency and record_every must be at least 1, "
                             "lease positive")
        self.engine = engine
        self.adapters = dict(adapters)
        self.clock = clock
        self.worker_id = worker_id
        self.batch_size = batch_size
        self.lease = lease
        self.max_attempts = max_attempts
        self.sleep = sleep
        self.concurrency = concurrency
        self.record_every = record_every
        self.record_within = record_within
        limits = DEFAULT_RATE_LIMITS if rate_limits is None else rate_limits
        self.limiters: dict[Channel, RateLimiter | Unlimited] = {
            channel: RateLimiter(limits[channel], clock, sleep)
            if limits.get(channel) is not None and math.isfinite(limits[channel]) else Unlimited()
            for channel in self.adapters
        }
        self._windows: dict[int, SendingWindow] = {}
        self._senders: dict[int, dict[str, str]] = {}  # County.settings["senders"]: the county's own sender
        # The web chat link an e-mail carries (bot.links), for a youth id; None: e-mail carries none.
        self.reply_link = reply_link
        # Called after each run that recorded something (the web layer's live updates, the metrics).
        self.on_run = on_run
        self._postgresql = engine.dialect.name == "postgresql"
        self._allowed_at: dict[tuple[int, datetime], bool] = {}

    # --- one run -------------------------------------------------------------------------------------------------

    async def run_once(self) -> DispatchStats:
        """Expire dead claims, claim a batch, check, send and record each row; returns what was done."""
        stats = DispatchStats()
        self._windows = {}  # county settings are read once per run
        self._senders = {}
        self._allowed_at = {}
        stats.uncertain = self._expire_leases()
        rows, deadline = self._claim()
        stats.claimed = len(rows)
        if rows:
            await self._process_all(rows, deadline, stats)
        self._apply_reports()
        if any(stats.as_dict().values()):
            log.info("dispatch run", worker=self.worker_id, **stats.as_dict())
            if self.on_run is not None:
                self.on_run(stats)
        return stats

    def _apply_reports(self) -> None:
        """Delivery reports that arrived before their message was recorded (bot.delivery)."""
        from bot.delivery import apply_pending, pending_count

        with self.engine.connect() as connection:
            if not pending_count(connection):
                return
        with write_session(self.engine) as session:
            applied = apply_pending(session.connection(), self.clock())
        if applied:
            log.info("delivery reports applied late", worker=self.worker_id, count=applied)

    async def run_until_empty(self, max_runs: int = 1_000_000) -> DispatchStats:
        """Run until a run claims nothing (rows deferred or retried later are not waited for)."""
        total = DispatchStats()
        for _ in range(max_runs):
            stats = await self.run_once()
            total += stats
            if not stats.claimed:
                break
        return total

    # --- step 1: expired leases ----------------------------------------------------------------------------------

    def _expire_leases(self) -> int:
        now = self.clock()
        with write_session(self.engine) as session:
            expired = session.execute(
                sa.select(OUTBOX.c.id, OUTBOX.c.county_id, OUTBOX.c.youth_id, OUTBOX.c.audience, OUTBOX.c.channel,
                          OUTBOX.c.claimed_by, YOUTH.c.adviser_id)
                .join(YOUTH, OUTBOX.c.youth_id == YOUTH.c.id)
                .where(OUTBOX.c.state == OutboxState.CLAIMED, OUTBOX.c.lease_until < now,
                       OUTBOX.c.message_id.is_(None))
                .order_by(OUTBOX.c.id)
                .with_for_update(of=OUTBOX, skip_locked=True)
            ).all()
            if not expired:
                return 0
            session.execute(
                sa.update(OUTBOX).where(OUTBOX.c.id.in_([r.id for r in expired]), OUTBOX.c.state == OutboxState.CLAIMED)
                .values(state=OutboxState.UNCERTAIN, lease_until=None, updated_at=now,
                        last_error="lease expired during the send: unknown whether it went out"),
            )
            self._alert(session.connection(), now, [
                (r.county_id, r.youth_id, r.adviser_id, AlertKind.UNCERTAIN,
                 f"outbox {r.id}: a {r.audience.value} message on {r.channel.value} may or may not have gone out "
                 f"(dispatcher {r.claimed_by} stopped during the send); it will not be resent automatically")
                for r in expired
            ])
        log.warning("outbox rows uncertain", worker=self.worker_id, count=len(expired), ids=[r.id for r in expired])
        return len(expired)

    # --- step 2: claim -------------------------------------------------------------------------------------------

    def _claim(self) -> tuple[list[_Claimed], datetime]:
        now = self.clock()
        with write_session(self.engine) as session:
            ids = session.execute(
                sa.select(OUTBOX.c.id)
                .where(OUTBOX.c.state == OutboxState.PENDING, OUTBOX.c.next_attempt_at <= now,
                       OUTBOX.c.channel.in_(list(self.adapters)))
                .order_by(OUTBOX.c.urgent.desc(), OUTBOX.c.next_attempt_at, OUTBOX.c.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).scalars().all()
            if not ids:
                return [], now
            found = session.execute(
                sa.update(OUTBOX).where(OUTBOX.c.id.in_(ids))
                .values(state=OutboxState.CLAIMED, claimed_by=self.worker_id, claimed_at=now,
                        lease_until=now + self.lease, updated_at=now)
                .returning(*_CLAIM_COLUMNS)
            ).all()
        order = {row_id: position for position, row_id in enumerate(ids)}
        rows = sorted((_Claimed(**row._mapping) for row in found), key=lambda r: order[r.id])
        return rows, now + self.lease / 2

    # --- steps 3 to 5, per row -----------------------------------------------------------------------------------

    async def _process_all(self, rows: list[_Claimed], deadline: datetime, stats: DispatchStats) -> None:
        untouched = {row.id for row in rows}
        # Two connections for the run, not a checkout per row: the send-time checks read through one (autocommit
        # on PostgreSQL: one statement, its own snapshot, one round trip), outcomes are written through the other.
        # Each write transaction starts with a write, so on SQLite a plain BEGIN waits for the lock (busy
        # timeout) as BEGIN IMMEDIATE would. Database work never awaits, so rows in flight side by side (up to
        # `concurrency`, overlapping their sends) share the two connections safely.
        with self.engine.connect() as read, self.engine.connect() as write:
            if self._postgresql:
                read = read.execution_options(isolation_level="AUTOCOMMIT")
            lane = _Lane(read, write)

            async def one(row: _Claimed) -> None:
                if self.clock() >= deadline:
                    return  # stays in untouched: handed back below
                untouched.discard(row.id)
                await self._process(row, lane, stats)

            try:
                if self.concurrency == 1:
                    for row in rows:
                        await one(row)
                else:
                    gate = asyncio.Semaphore(self.concurrency)

                    async def gated(row: _Claimed) -> None:
                        async with gate:
                            await one(row)

                    results = await asyncio.gather(*(gated(row) for row in rows), return_exceptions=True)
                    errors = [r for r in results if isinstance(r, BaseException)]
                    if errors:
                        raise errors[0]
            finally:
                try:  # what was sent is recorded, also when the run stops on an error
                    stats += self._record_sent(lane)
                finally:
                    # Rows never started were never sent: hand them back (also when an error stopped the run).
                    if untouched:
                        stats.released += self._release(untouched)

    async def _process(self, row: _Claimed, lane: _Lane, stats: DispatchStats) -> None:
        target, counter = self._check(row, lane)
        if target is None:
            stats.add(counter)
            return
        await self.limiters[row.channel].acquire()
        adapter = self.adapters[row.channel]
        link = self.reply_link(row.youth_id) if (self.reply_link is not None and row.channel == Channel.EMAIL
                                                 and row.audience == Audience.YOUTH) else None
        message = OutgoingMessage(key=row.idempotency_key, channel=row.channel, address=target.address, text=row.text,
                                  sender=self._senders.get(row.county_id, {}).get(row.channel.value),
                                  reply_link=link)
        try:
            result = await adapter.send(message)
        except Exception as exc:  # a provider's bug or a network error: try again later
            log.warning("adapter raised", worker=self.worker_id, outbox_id=row.id, channel=row.channel.value,
                        error=type(exc).__name__)
            result = SendResult(Outcome.RETRY, error_code=type(exc).__name__[:40])
        stats += self._record(row, lane, target, adapter, result)

    def _check(self, row: _Claimed, lane: _Lane) -> tuple[_Target | None, str | None]:
        """The send-time checks in a fresh transaction: (the recipient, None) when the row may go now, else
        (None, the stats counter of what became of it)."""
        now = self.clock()
        with lane.read.begin():
            facts = lane.read.execute(_CHECK, {"row_id": row.id}).one()
            window = self._window(lane.read, row.county_id)
        if facts.state != OutboxState.CLAIMED or facts.claimed_by != self.worker_id:
            log.warning("claim lost before the send", worker=self.worker_id, outbox_id=row.id)
            return None, None
        day = local_day(now)
        reason = None
        if row.contact_point_id is None or facts.address is None:
            reason = NO_CONTACT_POINT
        elif facts.opted_out and not (row.urgent or row.template == OPT_OUT_CONFIRMATION):
            reason = OPTED_OUT
        elif facts.wrong_number and not row.urgent:
            reason = WRONG_NUMBER
        elif facts.retired_at is not None:
            reason = RETIRED
        elif facts.held_by_adviser_id is not None and not row.urgent and row.template != ADVISER_REPLY:
            reason = ADVISER_HOLD
        elif row.audience == Audience.GUARDIAN and not is_minor_on(facts.birth_date, day):
            reason = GUARDIAN_OF_ADULT
        elif day > target_group_end(facts.birth_date):
            reason = PAST_TARGET_GROUP
        elif facts.enrolment_state == EnrolmentState.STOPPED:
            reason = ENROLMENT_STOPPED
        if reason is not None:
            with lane.write.begin():
                done = self._update(lane.write, row.id, now, state=OutboxState.CANCELLED, last_error=reason)
            return None, OutboxState.CANCELLED.value if done else None
        if not row.urgent and not self._allowed(row.county_id, window, now):
            with lane.write.begin():
                done = self._update(lane.write, row.id, now, state=OutboxState.PENDING,
                                    next_attempt_at=next_allowed(now, window), claimed_by=None, claimed_at=None)
            return None, "deferred" if done else None
        return _Target(address=facts.address, adviser_id=facts.adviser_id), None

    def _allowed(self, county_id: int, window: SendingWindow, now: datetime) -> bool:
        """is_allowed, remembered per county and minute: windows are whole minutes ("HH:MM-HH:MM") and the zone
        offsets whole hours, so the answer cannot change within a minute (and asking costs more than a send)."""
        minute = now.replace(second=0, microsecond=0)
        key = (county_id, minute)
        allowed = self._allowed_at.get(key)
        if allowed is None:
            if len(self._allowed_at) > 1000:
                self._allowed_at.clear()
            allowed = self._allowed_at[key] = is_allowed(minute, window)
        return allowed

    def _window(self, connection: sa.Connection, county_id: int) -> SendingWindow:
        window = self._windows.get(county_id)
        if window is None:
            settings = connection.execute(_COUNTY_SETTINGS, {"county_id": county_id}).scalar_one()
            try:
                window = SendingWindow.from_settings((settings or {}).get("sending_window", {}))
            except (ValueError, TypeError, AttributeError):
                log.error("county sending window unusable: the default applies", county_id=county_id)
                window = DEFAULT_WINDOW
            self._windows[county_id] = window
            senders = (settings or {}).get("senders")
            self._senders[county_id] = {str(k): str(v) for k, v in senders.items()} \
                if isinstance(senders, dict) else {}
        return window

    def _record(self, row: _Claimed, lane: _Lane, target: _Target, adapter: ChannelAdapter,
                result: SendResult) -> DispatchStats:
        """The send's outcome, each in one transaction; sends the provider took are recorded in groups (see
        `record_every`). Returns what was recorded."""
        now = self.clock()
        attempts = row.attempts + 1
        code = f" ({result.error_code})" if result.error_code else ""
        counter = None
        connection = lane.write
        if result.outcome == Outcome.SENT:
            lane.unrecorded.append(_Sent(row, adapter.account, result.provider_id, now))
            if len(lane.unrecorded) >= self.record_every or now - lane.unrecorded[0].at >= self.record_within:
                return self._record_sent(lane)
            return DispatchStats()
        delta = self._record_sent(lane)  # first the sends before this one, so that outcomes stay in order
        with connection.begin():
            if result.outcome == Outcome.RETRY and attempts < self.max_attempts:
                done = self._update(connection, row.id, now, state=OutboxState.PENDING, attempts=attempts,
                                    next_attempt_at=now + backoff(attempts, result.retry_after),
                                    claimed_by=None, claimed_at=None, last_error=f"retry{code}")
                delta.add("retried" if done else None)
                return delta
            alert: tuple[AlertKind, str]
            if result.outcome == Outcome.RETRY:
                state, error = OutboxState.FAILED, f"gave up after {attempts} attempts{code}"
                alert = (AlertKind.NO_CHANNEL, f"outbox {row.id}: a {row.audience.value} message on "
                         f"{row.channel.value} could not be sent after {attempts} attempts{code}")
            elif result.outcome == Outcome.OPTED_OUT:
                state, error = OutboxState.CANCELLED, f"opted out at the provider{code}"
                connection.execute(_UPDATE_CONTACT, {"cp_id": row.contact_point_id, "opted_out": True,
                                                     "opted_out_at": now})
                alert = (AlertKind.OPT_OUT, f"outbox {row.id}: the {row.audience.value}'s {row.channel.value} "
                         f"address has stopped messages at the provider{code}; automated messages to it end")
            elif result.outcome == Outcome.BAD_ADDRESS:
                state, error = OutboxState.FAILED, f"bad address{code}"
                connection.execute(_UPDATE_CONTACT, {"cp_id": row.contact_point_id, "wrong_number": True})
                alert = (AlertKind.WRONG_NUMBER, f"outbox {row.id}: the provider says the {row.audience.value}'s "
                         f"{row.channel.value} address is not reachable{code}; it is flagged as wrong")
            else:
                state, error = OutboxState.FAILED, f"refused by the provider{code}"
                alert = (AlertKind.NO_CHANNEL, f"outbox {row.id}: the provider refused a {row.audience.value} "
                         f"message on {row.channel.value}{code}")
            if self._update(connection, row.id, now, state=state, attempts=attempts, last_error=error):
                counter = state.value  # the stats counter of the same name
                self._alert(connection, now, [(row.county_id, row.youth_id, target.adviser_id, alert[0], alert[1])])
        log.info("send not done", worker=self.worker_id, outbox_id=row.id, outcome=result.outcome.value,
                 attempts=attempts, error_code=result.error_code)
        delta.add(counter)
        return delta

    def _record_sent(self, lane: _Lane) -> DispatchStats:
        """Record the lane's unrecorded sends in one transaction: a message each, and each row sent.

        Every outcome is still written whole (its message and its row together). Grouping only widens what a
        crash leaves behind: rows sent but not yet recorded stay claimed and become uncertain, never resent.
        """
        delta = DispatchStats()
        sends, lane.unrecorded = lane.unrecorded, []
        if not sends:
            return delta
        now = self.clock()
        with lane.write.begin():
            # One INSERT … RETURNING per message (prepared by the driver after a few): cheaper than one long
            # multi-row statement that the driver must parse anew each time.
            ids = [lane.write.execute(_INSERT_MESSAGE, {
                "county_id": s.row.county_id, "youth_id": s.row.youth_id, "guardian_id": s.row.guardian_id,
                "contact_point_id": s.row.contact_point_id, "direction": Direction.OUTBOUND, "channel": s.row.channel,
                "text": s.row.text, "provider_account": s.account, "provider_id": s.provider_id,
                "delivery_status": DeliveryStatus.SENT, "created_at": s.at, "sent_at": s.at,
            }).scalar_one() for s in sends]
            result = lane.write.execute(_UPDATE_SENT, [{
                "row_id": s.row.id, "worker": self.worker_id, "state": OutboxState.SENT, "message_id": message_id,
                "attempts": s.row.attempts + 1, "last_error": None, "lease_until": None, "updated_at": now,
            } for s, message_id in zip(sends, ids, strict=True)])
        updated = getattr(result, "rowcount", -1)
        if updated not in (-1, len(sends)):
            log.warning("claims lost before the outcome was written", worker=self.worker_id,
                        count=len(sends) - updated)
        delta.sent = len(sends) if updated == -1 else updated
        return delta

    # --- writes --------------------------------------------------------------------------------------------------

    def _update(self, connection: sa.Connection, row_id: int, now: datetime, *,
                statement: sa.Update = _UPDATE_CLAIMED, **values: Any) -> bool:
        """Update a row this worker still holds (claimed by this worker); whether it did."""
        values.setdefault("lease_until", None)
        result = connection.execute(statement, {"row_id": row_id, "worker": self.worker_id, "updated_at": now,
                                                **values})
        if not result.rowcount:
            log.warning("claim lost before the outcome was written", worker=self.worker_id, outbox_id=row_id)
            return False
        return True

    def _release(self, ids: Iterable[int]) -> int:
        now = self.clock()
        ids = sorted(ids)
        with write_session(self.engine) as session:
            result = session.execute(
                sa.update(OUTBOX)
                .where(OUTBOX.c.id.in_(ids), OUTBOX.c.state == OutboxState.CLAIMED,
                       OUTBOX.c.claimed_by == self.worker_id)
                .values(state=OutboxState.PENDING, claimed_by=None, claimed_at=None, lease_until=None,
                        updated_at=now)
            )
        released = int(getattr(result, "rowcount", 0) or 0)
        log.info("claimed rows handed back unsent", worker=self.worker_id, count=released)
        return released

    @staticmethod
    def _alert(connection: sa.Connection, now: datetime,
               alerts: list[tuple[int, int, int | None, AlertKind, str]]) -> None:
        if alerts:
            connection.execute(sa.insert(ALERT), [
                {"county_id": county_id, "youth_id": youth_id, "adviser_id": adviser_id, "kind": kind,
                 "urgent": False, "detail": detail[:400], "created_at": now}
                for county_id, youth_id, adviser_id, kind, detail in alerts
            ])
