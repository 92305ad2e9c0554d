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
from bot.dispatcher import Dispatcher
from bot.engine import plan_tick
from bot.log import get_logger
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


def build_scheduler(engine: Engine, *, public_url: str, adapters: Mapping[Channel, ChannelAdapter] | None = None,
                    clock: Callable[[], datetime] = system_clock, tz: str = "Europe/Oslo",
                    rate_limits: Mapping[str, float] | None = None) -> AsyncIOScheduler:
    """The scheduler with its three jobs, not started. `rate_limits`: messages per second per channel name."""
    limits = {Channel(name): rate for name, rate in rate_limits.items()} if rate_limits is not None else None
    dispatcher = Dispatcher(engine, adapters or embedded_adapters(clock=clock), clock, worker_id(), rate_limits=limits)

    async def dispatch() -> None:
        await dispatcher.run_once()

    async def plan() -> None:
        # The planner's database work is blocking: off the event loop, so webhooks stay fast.
        await asyncio.to_thread(plan_tick, engine, clock(), public_url=public_url)

    async def daily() -> None:
        await asyncio.to_thread(plan_tick, engine, clock(), public_url=public_url, lookahead=WEEK)

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
    from bot.settings import get_settings

    settings = get_settings()
    scheduler = build_scheduler(engine, public_url=settings.public_url, tz=settings.timezone,
                                rate_limits=settings.rate_limits)
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
        log.info("worker.stopped")
