"""The periodic jobs, run by APScheduler 3 inside `otbot serve` and `otbot worker`: a handful of jobs, never one per youth.

- dispatch (every few seconds): send what is due (bot.dispatcher);
- plan (every minute): enrol, stop and plan (bot.engine.plan_tick);
- daily (06:00 Europe/Oslo): plan the week ahead, so advisers see what is coming.

The plan and daily jobs take a PostgreSQL advisory lock (inside plan_tick), so with several processes one
plans and the others skip; dispatchers share the outbox through FOR UPDATE SKIP LOCKED.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from adapters.base import ChannelAdapter
from adapters.console import ConsoleChannel
from bot.dispatcher import Dispatcher, DispatchStats
from bot.engine import plan_tick
from bot.links import LinkSigner, Purpose
from bot.log import get_logger
from flows.planner import DEFAULT_LOOKAHEAD
from storage.enums import Channel

log = get_logger("otbot.scheduler")
DISPATCH_EVERY = timedelta(seconds=5)
PLAN_EVERY = timedelta(seconds=60)
DAILY_AT = (6, 0)  # Europe/Oslo
WEEK = timedelta(days=7)


def system_clock() -> datetime:
    return datetime.now(UTC)


def embedded_adapters(out: TextIO | None = None, clock: Callable[[], datetime] = system_clock
                      ) -> dict[Channel, ChannelAdapter]:
    """The embedded default with no accounts: every channel goes to the console (the demo's phone)."""
    return {channel: ConsoleChannel(out or sys.stdout, channel=channel, clock=clock) for channel in Channel}


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


class Worker:
    """The planner and the dispatcher of one process. `dispatch` runs one dispatcher run at a time, whether the
    scheduler's interval or a webhook (`kick`, after an inbound message queued an answer) asked for it."""

    def __init__(self, engine: Engine, adapters: Mapping[Channel, ChannelAdapter], *, public_url: str,
                 clock: Callable[[], datetime] = system_clock, rate_limits: Mapping[str, float] | None = None,
                 links: LinkSigner | None = None, telegram_bot: str | None = None,
                 on_run: Callable[[DispatchStats], object] | None = None) -> None:
        limits = {Channel(name): rate for name, rate in rate_limits.items()} if rate_limits is not None else None
        base = public_url.rstrip("/")
        reply_link = (lambda youth_id: f"{base}/c/{links.issue(Purpose.WEBCHAT, youth_id, clock())}") \
            if links is not None else None
        self.dispatcher = Dispatcher(engine, adapters, clock, worker_id(), rate_limits=limits,
                                     reply_link=reply_link, on_run=on_run)
        self.engine = engine
        self.public_url = public_url
        self.clock = clock
        self.links = links
        self.telegram_bot = telegram_bot
        self._lock: asyncio.Lock | None = None
        self._kicked = False

    async def dispatch(self) -> DispatchStats:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            self._kicked = False
            return await self.dispatcher.run_once()

    async def kick(self) -> None:
        """Run the dispatcher now (a run already under way is followed by one more, not by one per kick)."""
        if self._kicked:
            return
        self._kicked = True
        await self.dispatch()

    async def plan(self, lookahead: timedelta | None = None) -> None:
        # The planner's database work is blocking: off the event loop, so webhooks stay fast.
        await asyncio.to_thread(plan_tick, self.engine, self.clock(), public_url=self.public_url, links=self.links,
                                telegram_bot=self.telegram_bot, lookahead=lookahead or DEFAULT_LOOKAHEAD)


def build_scheduler(engine: Engine, *, public_url: str, adapters: Mapping[Channel, ChannelAdapter] | None = None,
                    clock: Callable[[], datetime] = system_clock, tz: str = "Europe/Oslo",
                    rate_limits: Mapping[str, float] | None = None, worker: Worker | None = None) -> AsyncIOScheduler:
    """The scheduler with its three jobs, not started. `rate_limits`: messages per second per channel name.
    `worker` (its dispatcher and planner) when the caller keeps it (to kick it); else one is made here."""
    if worker is None:
        worker = Worker(engine, adapters or embedded_adapters(clock=clock), public_url=public_url, clock=clock,
                        rate_limits=rate_limits)

    async def dispatch() -> None:
        await worker.dispatch()

    async def plan() -> None:
        await worker.plan()

    async def daily() -> None:
        await worker.plan(WEEK)

    scheduler = AsyncIOScheduler(timezone=ZoneInfo(tz),
                                 job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    scheduler.add_job(dispatch, IntervalTrigger(seconds=DISPATCH_EVERY.total_seconds()), id="dispatch",
                      name="send what is due")
    scheduler.add_job(plan, IntervalTrigger(seconds=PLAN_EVERY.total_seconds()), id="plan",
                      name="enrol, stop and plan", next_run_time=datetime.now(UTC))
    scheduler.add_job(daily, CronTrigger(hour=DAILY_AT[0], minute=DAILY_AT[1], timezone=ZoneInfo(tz)), id="daily",
                      name="plan the week ahead")
    return scheduler


async def run_forever(engine: Engine) -> None:
    """`otbot worker`: run the jobs until SIGINT or SIGTERM."""
    from adapters.webchat import ChatHub
    from bot.channels import build_channels, telegram_username
    from bot.links import LinkSigner, signing_key
    from bot.settings import get_settings

    settings = get_settings()
    channels = build_channels(settings, ChatHub())
    links = LinkSigner(signing_key(engine, settings.secret_key.get_secret_value() if settings.secret_key else None),
                       days=settings.chat_link_days)
    worker = Worker(engine, channels.adapters, public_url=settings.public_url, rate_limits=settings.rate_limits,
                    links=links, telegram_bot=await telegram_username(channels.telegram))
    scheduler = build_scheduler(engine, public_url=settings.public_url, tz=settings.timezone, worker=worker)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    scheduler.start()
    log.info("worker.started", jobs=[job.id for job in scheduler.get_jobs()])
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await channels.close()
        log.info("worker.stopped")
