"""The scheduler runs a handful of jobs (never one per youth) in `otbot serve` and `otbot worker`."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.roster import import_roster
from bot.scheduler import build_scheduler, embedded_adapters
from storage.enums import OutboxState
from storage.models import Message, Outbox

ROOT = Path(__file__).resolve().parents[2]
OSLO = ZoneInfo("Europe/Oslo")
ROSTER = (ROOT / "examples" / "roster.csv").read_bytes()


def test_three_jobs_with_their_triggers(engine: Engine) -> None:
    scheduler = build_scheduler(engine, public_url="https://ot.example")
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"dispatch", "plan", "daily"}
    assert isinstance(jobs["dispatch"].trigger, IntervalTrigger) and isinstance(jobs["plan"].trigger, IntervalTrigger)
    daily = jobs["daily"].trigger
    assert isinstance(daily, CronTrigger)
    assert daily.get_next_fire_time(None, datetime(2027, 3, 27, 12, 0, tzinfo=OSLO)) == datetime(
        2027, 3, 28, 6, 0, tzinfo=OSLO)  # 06:00 Oslo, also on the day the clocks change


def test_the_jobs_plan_and_send_on_an_injected_clock(engine: Engine) -> None:
    monday = datetime(2026, 12, 14, 9, 30, tzinfo=OSLO).astimezone(UTC)
    with Session(engine) as session:
        import_roster(session, ROSTER, file_name="roster.csv", now=monday, as_of=monday.date())
        session.commit()
    phone = io.StringIO()
    # Monday 09:30 in Oslo, moving on as real time does (the dispatcher's rate limit waits for the clock).
    started = time.monotonic()
    offset = [timedelta(0)]

    def clock() -> datetime:
        return monday + offset[0] + timedelta(seconds=time.monotonic() - started)

    scheduler = build_scheduler(engine, public_url="https://ot.example", adapters=embedded_adapters(phone, clock=clock),
                                clock=clock)
    jobs = {job.id: job for job in scheduler.get_jobs()}

    async def run() -> None:
        await jobs["plan"].func()
        while (await jobs["dispatch"].func()) is None and _pending(engine):
            pass
        offset[0] = timedelta(minutes=1)
        await jobs["plan"].func()  # nothing new
        await jobs["dispatch"].func()

    asyncio.run(run())
    with Session(engine) as session:
        sent = session.exec(select(func.count()).select_from(Message)).one()
        pending = session.exec(select(func.count()).select_from(Outbox).where(Outbox.state == OutboxState.PENDING)).one()
    assert sent > 50 and pending == 0
    lines = phone.getvalue().splitlines()
    assert len(lines) == sent
    # The console is the demo's phone: it shows the text, never the number.
    assert "Svar 1 skole" in phone.getvalue() and "+47" not in phone.getvalue()


def _pending(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Outbox)
                                .where(Outbox.state == OutboxState.PENDING)).one())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _environment() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "OTBOT_LOG_FORMAT": "json"}


def test_serve_answers_healthz_and_stops_on_sigterm(db_url: str, tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--db", db_url],
                               cwd=tmp_path, env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        answer = None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            except httpx.TransportError:
                time.sleep(0.3)
        assert answer is not None and (answer.status_code, answer.json()) == (200, {"status": "ok"})
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    # Uvicorn shuts down (the scheduler with it), then re-raises the signal it caught, as it does since 0.29.
    assert process.returncode in (0, -signal.SIGTERM), stderr.decode()
    assert b"Application shutdown complete" in stderr


def test_worker_runs_the_scheduler_until_sigterm(db_url: str, tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "worker", "--db", db_url], cwd=tmp_path,
                               env={**_environment(), "OTBOT_LOG_LEVEL": "INFO"}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        seen = b""
        assert process.stderr is not None
        while time.monotonic() < deadline and b"worker.started" not in seen:
            seen += process.stderr.readline()
        assert b"worker.started" in seen
    finally:
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=30)
    assert process.returncode == 0
    assert b"worker.stopped" in rest
