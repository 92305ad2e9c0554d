"""Benchmark of the outbox dispatcher: throughput with the null channel, and rate-limit fidelity on the real clock.

    python bench/outbox.py                                   # a SQLite file in a temporary directory
    python bench/outbox.py --db postgresql://postgres@127.0.0.1:5432/test   # a fresh schema, dropped after

Throughput: N due rows inserted at once, one dispatcher (NullChannel, no rate limit) runs until the outbox is
empty; messages/s is N over the wall time of that run (target: at least 1 000/s on SQLite and PostgreSQL).
Rate-limit fidelity: a backlog of B rows at a limit of R/s on the real clock and asyncio.sleep; achieved rate
over configured must lie in [0.95, 1.00] and no one-second window may hold more than R sends.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.console import NullChannel  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402
from bot.dispatcher import OUTBOX, Dispatcher  # noqa: E402
from storage.db import open_database  # noqa: E402
from storage.enums import Audience, Channel, OutboxState  # noqa: E402
from storage.models import Adviser, ContactPoint, County, Youth  # noqa: E402

FIXED_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Oslo: inside the sending window
THROUGHPUT_TARGET = 1_000.0


def setup(engine: Engine) -> tuple[int, int, int]:
    """One county, adviser, youth and contact point; returns (county id, youth id, contact point id)."""
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        county = County(name=f"Bench {uuid.uuid4().hex[:6]}")
        session.add(county)
        session.flush()
        assert county.id is not None
        adviser = Adviser(county_id=county.id, name="Veileder")
        session.add(adviser)
        session.flush()
        youth = Youth(county_id=county.id, roster_id="BENCH", first_name="Nora", last_name="Berg",
                      birth_date=date(2007, 3, 3), registration_code="OSON", adviser_id=adviser.id)
        session.add(youth)
        session.flush()
        assert youth.id is not None
        cp = ContactPoint(county_id=county.id, youth_id=youth.id, channel=Channel.SMS, address="+4740000999")
        session.add(cp)
        session.commit()
        assert cp.id is not None
        return county.id, youth.id, cp.id


def fill(engine: Engine, ids: tuple[int, int, int], rows: int, prefix: str, due: datetime, urgent: bool) -> None:
    county_id, youth_id, cp_id = ids
    values = [
        {"county_id": county_id, "youth_id": youth_id, "contact_point_id": cp_id, "idempotency_key": f"{prefix}:{i}",
         "audience": Audience.YOUTH, "channel": Channel.SMS, "text": f"Hei, dette er OT ({i})", "urgent": urgent,
         "due_at": due, "state": OutboxState.PENDING, "attempts": 0, "next_attempt_at": due, "created_at": due,
         "updated_at": due}
        for i in range(rows)
    ]
    with engine.begin() as connection:
        for start in range(0, rows, 5_000):
            connection.execute(sa.insert(OUTBOX), values[start:start + 5_000])


def throughput(engine: Engine, ids: tuple[int, int, int], rows: int, batch: int, concurrency: int) -> float:
    fill(engine, ids, rows, f"tp{batch}", FIXED_NOW, urgent=False)
    channel = NullChannel(Channel.SMS, account="bench", prefix=f"tp{batch}")
    dispatcher = Dispatcher(engine, {Channel.SMS: channel}, lambda: FIXED_NOW, f"bench-{batch}", rate_limits={},
                            batch_size=batch, concurrency=concurrency)
    started = time.perf_counter()
    stats = asyncio.run(dispatcher.run_until_empty())
    seconds = time.perf_counter() - started
    assert stats.sent == rows == channel.sent, stats
    rate = rows / seconds
    verdict = "ok" if rate >= THROUGHPUT_TARGET else "BELOW TARGET"
    print(f"throughput, batch {batch}, concurrency {concurrency}: {rows} messages in {seconds:.2f} s = {rate:,.0f} messages/s "
          f"(target >= {THROUGHPUT_TARGET:,.0f}/s: {verdict})")
    return rate


def fidelity(engine: Engine, ids: tuple[int, int, int], limit: float, backlog: int) -> tuple[float, int]:
    now = datetime.now(UTC)
    # Urgent rows ignore the sending window, so the benchmark runs at any hour on the real clock.
    fill(engine, ids, backlog, f"rl{uuid.uuid4().hex[:6]}", now, urgent=True)
    times: list[float] = []
    channel = NullChannel(Channel.SMS, account="bench", prefix=f"rl{uuid.uuid4().hex[:6]}",
                          on_send=lambda _m, _p: times.append(time.monotonic()))
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
    dispatcher = Dispatcher(engine, {Channel.SMS: channel}, clock, "bench-rl", rate_limits={Channel.SMS: limit},
                            batch_size=100)
    asyncio.run(dispatcher.run_until_empty())
    assert len(times) == backlog
    achieved = (len(times) - 1) / (times[-1] - times[0])
    busiest = 0
    j = 0
    for i, start in enumerate(times):  # the busiest half-open window [start, start + 1 s) starts at a send
        while j < len(times) and times[j] < start + 1.0:
            j += 1
        busiest = max(busiest, j - i)
    ratio = achieved / limit
    ok = 0.95 <= ratio <= 1.0 and busiest <= limit
    print(f"rate limit {limit:g}/s, backlog {backlog}: achieved {achieved:.2f}/s = {ratio:.3f} of the limit "
          f"(target 0.95-1.00); busiest one-second window {busiest} sends (target <= {limit:g}): "
          f"{'ok' if ok else 'OUT OF BOUNDS'}")
    return ratio, busiest



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="PostgreSQL URL (a fresh schema is made and dropped); default: a temp SQLite file")
    parser.add_argument("--rows", type=int, default=10_000, help="rows for the throughput run (default 10 000)")
    parser.add_argument("--batch", type=int, nargs="+", default=[100], help="dispatcher batch sizes (default 100)")
    parser.add_argument("--concurrency", type=int, default=4, help="rows in flight per dispatcher (default 4)")
    parser.add_argument("--limit", type=float, default=50.0, help="rate limit for the fidelity run (default 50/s)")
    parser.add_argument("--backlog", type=int, default=500, help="backlog for the fidelity run (default 500)")
    args = parser.parse_args(argv)
    with scratch_database(args.db) as url:
        engine = open_database(url)
        print(f"database: {engine.dialect.name}")
        ids = setup(engine)
        for batch in args.batch:
            throughput(engine, ids, args.rows, batch, args.concurrency)
        fidelity(engine, ids, args.limit, args.backlog)
    return 0


if __name__ == "__main__":
    sys.exit(main())
