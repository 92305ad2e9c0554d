"""What one inbound SMS costs the server, in-process, without a network or a load generator in the way: the
CPU behind the latency figures of bench/webhook.py (at 200 webhooks/s every millisecond here is a fifth of a
core), for comparing two versions of the inbound path on the same machine minutes apart.

    python bench/inbound.py                                   # a fresh SQLite file in a temporary directory
    python bench/inbound.py --db postgresql://postgres@127.0.0.1:5432/test   # a fresh schema, dropped after
    python bench/inbound.py --messages 2000

Two figures, each after `--warm-up` untimed messages, over the example roster's youth numbers and the replies
of bench/webhook.py:
1. `bot.receive.receive()` in a loop: store, identify, read, decide, record, queue the answer; CPU and wall
   time per message and SQL statements per message (as the driver's cursor sees them, BEGIN included).
2. The same through the app's ASGI callable (`create_app`, as bench/webhook.py builds it): a signed Twilio
   webhook, verified, parsed and answered with TwiML, called directly (no uvicorn, no socket).
The issue sets no target for these (bench/webhook.py has the targets); compare runs, not machines: this
machine's speed varies by ~1.5x within an hour.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from adapters.base import Inbound  # noqa: E402
from adapters.twilio_sms import INBOUND_PATH  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402
from bench.webhook import COUNTY, NOW, OUR_NUMBER, REPLIES, Signed, _webhook_app, make_requests, prepare  # noqa: E402
from bot.log import configure as configure_logging  # noqa: E402
from bot.receive import receive  # noqa: E402
from bot.web.app import settle_heap  # noqa: E402
from storage.db import open_database  # noqa: E402
from storage.enums import Channel  # noqa: E402

PUBLIC = "http://127.0.0.1:8000"


def timed(label: str, count: int, run: Callable[[int], None], statements: list[int] | None = None) -> None:
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(count):
        run(i)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    extra = f", {statements[0] / count:.1f} SQL statements per message" if statements is not None else ""
    print(f"{label}: {count:,} messages, CPU {1000 * cpu / count:.2f} ms and wall {1000 * wall / count:.2f} ms "
          f"per message{extra}")


async def call(app: Any, request: Signed) -> None:
    """One POST through the ASGI callable; raises unless the answer is 200."""
    delivered = False

    async def receive_body() -> dict[str, Any]:
        nonlocal delivered
        if delivered:  # the app reads the body once; a second read waits like a quiet client
            await asyncio.sleep(3600)
        delivered = True
        return {"type": "http.request", "body": request.body, "more_body": False}

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    headers = [(k.lower().encode(), v.encode()) for k, v in request.headers.items()]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": INBOUND_PATH, "raw_path": INBOUND_PATH.encode(), "query_string": b"", "root_path": "",
             "headers": [*headers, (b"host", b"127.0.0.1:8000")], "client": ("127.0.0.1", 50000),
             "server": ("127.0.0.1", 8000)}
    await app(scope, receive_body, send)
    if statuses != [200]:
        raise RuntimeError(f"the webhook answered {statuses}")


def run(db_url: str, args: argparse.Namespace) -> None:
    engine = open_database(db_url)
    senders = prepare(engine)
    rng = random.Random(args.seed)
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    sa.event.listen(engine, "before_cursor_execute", count)

    def one(i: int) -> None:
        inbound = Inbound(channel=Channel.SMS, account="AC-bench", provider_id=f"SMbench{i:025d}",
                          address=rng.choice(senders), text=rng.choice(REPLIES), received_at=NOW, to=OUR_NUMBER)
        receive(engine, inbound, NOW, default_county_name=COUNTY)

    app = _webhook_app(db_url, PUBLIC)
    settle_heap()
    print(f"database: {engine.dialect.name}; roster imported, {len(senders)} youth numbers send the messages")
    for i in range(args.warm_up):
        one(i)
    statements[0] = 0
    timed("receive() in a loop", args.messages, lambda i: one(args.warm_up + i), statements)

    total = args.warm_up + args.messages
    requests = make_requests(PUBLIC + INBOUND_PATH, senders, total, rng, "asgi")

    async def through_app() -> None:
        for request in requests[:args.warm_up]:
            await call(app, request)
        cpu, wall = time.process_time(), time.perf_counter()
        for request in requests[args.warm_up:]:
            await call(app, request)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"signed webhook through the ASGI app: {args.messages:,} messages, CPU {1000 * cpu / args.messages:.2f} "
              f"ms and wall {1000 * wall / args.messages:.2f} ms per message")

    asyncio.run(through_app())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db", help="a PostgreSQL server URL (a fresh schema is made and dropped); default SQLite")
    parser.add_argument("--messages", type=int, default=1000, help="timed messages per figure (1 000)")
    parser.add_argument("--warm-up", type=int, default=100, help="untimed messages first (100)")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    configure_logging("WARNING")
    with scratch_database(args.db) as url:
        run(url, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
