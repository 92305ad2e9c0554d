"""Benchmark of the signed inbound SMS webhook (issue 9, item 10): latency at a steady rate next to a bare
FastAPI endpoint, and a burst with duplicate deliveries that must each be stored exactly once.

    python bench/webhook.py                                   # a fresh SQLite file in a temporary directory
    python bench/webhook.py --db postgresql://postgres@127.0.0.1:5432/test   # a fresh schema, dropped after
    python bench/webhook.py --seconds 5 --rate 100 --burst 1000 --clients 4

Set-up: the database is migrated with `storage.db.open_database` and the example roster (examples/roster.csv)
is imported, so every sender is a youth's own number and the full path runs for each request: verify the
signature, parse, store, identify the youth, read the reply with the reply reader, decide, queue an answer
in the outbox. Nothing is sent to Twilio: the app runs with `scheduler=False` (no dispatcher).

Processes: each server runs in a process of its own (multiprocessing, spawn): the app (`create_app`) and a bare
FastAPI app whose only route, `POST /bare`, answers the same empty TwiML without reading the request. Both are
served the same way, uvicorn on a socket bound before the app is built (as tests/web/conftest.py does, but made
with proto IPPROTO_TCP so that asyncio sets TCP_NODELAY on each connection, as `uvicorn.run(host=, port=)` in
`otbot serve` does), with `log_config=None, access_log=False`, and the heap made at start-up settled
(`bot.web.app.settle_heap`, as in `otbot serve`). The load generator is this process (asyncio and httpx), so on
the machine's two cores the client and the server under load do not share an interpreter.

1. Latency. After `--warm-up` untimed requests to each (the reader's caches, the connections), an open-loop
   schedule: request k is sent at start + k/rate whatever happened to the earlier ones,
   each in its own task over a pooled httpx.AsyncClient, and its latency runs from its scheduled time to the
   end of the answer (so a client that falls behind adds to the figure instead of hiding a slow server).
   The two endpoints take turns in one-second blocks (ours, bare, bare, ours, ...) so machine noise hits both
   alike; each gets `--seconds` seconds at `--rate` requests/s in all. Both get the same signed form body as
   Twilio sends it (tests/peers/twilio_peer.py: inbound_form, signed_form). Targets: our p50 <= 3 x the bare
   endpoint's p50, our p99 <= 50 ms, every answer 200.
2. Burst. `--burst` signed webhooks (default 2 000: 1 000 distinct MessageSids, each sent twice) from
   `--clients` concurrent clients (default 8, each its own connection, one request after the other as fast as
   it goes). The two copies of a message go to different clients at about the same point of their lists, so
   the copies race each other. Afterwards the inbound rows in the database are counted: every distinct
   MessageSid must be stored exactly once, with no errors.

About 60 s with the defaults (more when the app cannot keep up: each of its blocks then drains a backlog).
Exit status 0 whether or not a target is met (a benchmark, not a test); non-zero on a crash.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import multiprocessing
import os
import random
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.twilio_sms import INBOUND_PATH  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402
from bot.log import configure as configure_logging  # noqa: E402
from bot.web.app import settle_heap  # noqa: E402
from storage.db import open_database  # noqa: E402
from storage.enums import Channel, Direction  # noqa: E402
from tests.peers.twilio_peer import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, inbound_form, signed_form  # noqa: E402

ROSTER = ROOT / "examples" / "roster.csv"
# A Tuesday in term time, 10:00 in Oslo (as in tests/web/conftest.py): the server's clock starts here and runs.
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
OUR_NUMBER = "+4759440000"
COUNTY = "Trøndelag"
BARE_PATH = "/bare"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

TARGET_P50_RATIO = 3.0
TARGET_P99_MS = 50.0

# Replies youth send: news of school and work, thanks, a question. No opt-outs or "wrong number" (those would
# retire the contact point and later messages would take another path).
REPLIES = [
    "jobber på Rema nå", "takk", "går på skolen", "hvem er dette?", "ok", "ja", "👍",
    "har fått læreplass som elektriker", "eg går på vgs no", "æ jobbe på Coop på Steinkjer",
    "begynner på folkehøgskole i august", "er i militæret", "har sommerjobb på Kiwi", "går vg2 helse",
    "tar opp fag som privatist", "jobber deltid på en kafé", "hei! alt bra, jobber fortsatt",
    "er sykemeldt for tiden", "vet ikke helt hva jeg skal gjøre", "tusen takk for at dere spør",
    "går på kurs hos NAV", "er hjemme med babyen", "har flytta til Bergen og jobber der",
    "Hei! Jeg har fått fast jobb på Rema 1000 i Verdal nå", "skal begynne på skolen igjen etter jul",
]


# --- the servers (child processes) -----------------------------------------------------------------------------


def _bare_app() -> Any:
    from fastapi import FastAPI
    from fastapi.responses import Response

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post(BARE_PATH)
    async def bare() -> Response:
        return Response(EMPTY_TWIML, media_type="application/xml")

    return app


def _webhook_app(db_url: str, public: str) -> Any:
    from adapters.base import ChannelAdapter
    from adapters.console import NullChannel
    from adapters.twilio_sms import TwilioSMS
    from adapters.webchat import ChatHub, WebChatChannel
    from bot.links import LinkSigner
    from bot.settings import Settings
    from bot.web.app import create_app
    from bot.web.deps import Services
    from bot.web.metrics import Metrics

    engine = open_database(db_url)
    started = time.monotonic()

    def clock() -> datetime:
        return NOW + timedelta(seconds=time.monotonic() - started)

    settings = Settings(public_url=public, twilio_account_sid=DEFAULT_ACCOUNT_SID,
                        twilio_auth_token=DEFAULT_AUTH_TOKEN, twilio_from=OUR_NUMBER, default_county=COUNTY)
    # Used only to verify and parse here: with scheduler=False nothing is ever sent.
    sms = TwilioSMS(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, public_url=public, from_number=OUR_NUMBER)
    hub = ChatHub()
    adapters: dict[Channel, ChannelAdapter] = {channel: NullChannel(channel, prefix=f"null-{channel.value}")
                                               for channel in Channel}
    adapters[Channel.WEBCHAT] = WebChatChannel(hub)
    adapters[Channel.SMS] = sms
    services = Services(engine=engine, settings=settings, links=LinkSigner(b"k" * 32), adapters=adapters, hub=hub,
                        metrics=Metrics(engine, clock), clock=clock, twilio=sms)
    return create_app(engine, scheduler=False, services=services)


def serve(kind: str, db_url: str, conn: Connection) -> None:
    """Child process: bind a loopback socket, build the app for its URL, report the port, serve until SIGTERM."""
    import uvicorn

    configure_logging("WARNING")
    # IPPROTO_TCP named: asyncio turns Nagle's algorithm off (TCP_NODELAY) on an accepted connection only when
    # the socket object's proto is IPPROTO_TCP, and socket.socket(AF_INET, SOCK_STREAM) has proto 0. Without
    # it an answer written in two parts (headers, then body) waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = _webhook_app(db_url, f"http://127.0.0.1:{port}") if kind == "webhook" else _bare_app()
    settle_heap()  # as `otbot serve` does (the reader's heap out of the collector's sight), in both servers
    conn.send(port)
    conn.close()
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])  # main thread: SIGTERM shuts it down gracefully


class Served:
    """`serve(kind)` in a spawned process: `start()` it, `wait()` until it answers HTTP, `stop()` it (SIGTERM)."""

    def __init__(self, kind: str, db_url: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.kind = kind
        self._port, child = context.Pipe(duplex=False)
        self._child = child
        self.process = context.Process(target=serve, args=(kind, db_url, child), name=f"bench-{kind}", daemon=True)
        self.url = ""

    def start(self) -> Served:
        self.process.start()
        self._child.close()
        return self

    def wait(self) -> str:
        deadline = time.monotonic() + 60
        while not self._port.poll(0.1):
            if time.monotonic() > deadline or not self.process.is_alive():
                raise RuntimeError(f"the {self.kind} server did not report its port (exit code "
                                   f"{self.process.exitcode})")
        self.url = f"http://127.0.0.1:{self._port.recv()}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(self.url + "/", timeout=2, trust_env=False)  # any answer (404) means it serves
                return self.url
            except httpx.TransportError:
                if time.monotonic() > deadline or not self.process.is_alive():
                    raise RuntimeError(f"the {self.kind} server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


@contextlib.contextmanager
def served(db_url: str) -> Iterator[tuple[str, str]]:
    """Both servers, started side by side; yields (the app's URL, the bare app's URL)."""
    servers = [Served("webhook", db_url), Served("bare", db_url)]
    try:
        for server in servers:
            server.start()
        yield servers[0].wait(), servers[1].wait()
    finally:
        for server in servers:
            if server.process.pid is not None:
                server.stop()


# --- requests ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    sid: str
    headers: dict[str, str]
    body: bytes


def make_requests(url: str, senders: list[str], count: int, rng: random.Random, prefix: str) -> list[Signed]:
    """`count` inbound SMS webhooks signed for url, each with its own MessageSid, from the youth's numbers."""
    out = []
    for i in range(count):
        sid = f"SM{prefix}{i:0{32 - len(prefix)}x}"
        form = inbound_form(account_sid=DEFAULT_ACCOUNT_SID, from_=rng.choice(senders), to=OUR_NUMBER,
                            body=rng.choice(REPLIES), message_sid=sid)
        headers, body = signed_form(url, form, DEFAULT_AUTH_TOKEN)
        out.append(Signed(sid, headers, body))
    return out


async def _post(client: httpx.AsyncClient, url: str, request: Signed) -> str | None:
    """POST one webhook; None when the answer is 200 with TwiML, else what went wrong."""
    try:
        response = await client.post(url, content=request.body, headers=request.headers)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    return None if "<Response" in response.text else "no TwiML"


@dataclass
class Series:
    """Latencies (seconds, from the scheduled time) and errors of one endpoint in the steady run."""

    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)  # what went wrong: "HTTP 500", "ReadTimeout", ...
    sent: int = 0
    active: float = 0.0  # seconds spent sending to this endpoint
    lag: float = 0.0  # the largest delay between a request's scheduled and actual send

    @property
    def errors(self) -> int:
        return sum(self.failures.values())

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else math.nan


async def _one(client: httpx.AsyncClient, url: str, request: Signed, scheduled: float, series: Series) -> None:
    series.lag = max(series.lag, time.perf_counter() - scheduled)
    failure = await _post(client, url, request)
    if failure is None:
        series.latencies.append(time.perf_counter() - scheduled)
    else:
        series.failures[failure] += 1


async def _block(client: httpx.AsyncClient, url: str, requests: list[Signed], rate: float, series: Series) -> None:
    """Send `requests` open-loop at `rate`/s; wait for the last answers before the other endpoint's turn."""
    tasks = []
    start = time.perf_counter() + 0.005
    for k, request in enumerate(requests):
        scheduled = start + k / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one(client, url, request, scheduled, series)))
    series.active += time.perf_counter() - start + 1 / rate
    series.sent += len(requests)
    await asyncio.gather(*tasks)


async def steady(ours: str, bare: str, requests: tuple[list[Signed], list[Signed]],
                 warm: tuple[list[Signed], list[Signed]], rate: float, seconds: float
                 ) -> tuple[Series, Series, Counter[str]]:
    """The latency run: first the untimed warm-up requests, one after the other on the same clients (they fill
    the reader's caches, open connections and load what a first request loads), then the timed blocks."""
    per_block = max(1, round(rate))  # one second per block
    blocks = max(1, math.ceil(seconds))
    # A pooled connection is dropped by the client after 2 s idle, before uvicorn's keep-alive timeout (5 s)
    # closes it: at equal timeouts a request can go out on a connection the server is closing (a ReadError).
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200, keepalive_expiry=2.0)
    results = (Series(), Series())
    warm_failures: Counter[str] = Counter()
    async with httpx.AsyncClient(trust_env=False, timeout=10, limits=limits) as client_a, \
            httpx.AsyncClient(trust_env=False, timeout=10, limits=limits) as client_b:
        targets = ((client_a, ours + INBOUND_PATH, requests[0], results[0]),
                   (client_b, bare + BARE_PATH, requests[1], results[1]))
        for (client, url, _, _), untimed in zip(targets, warm, strict=True):
            for request in untimed:
                failure = await _post(client, url, request)
                if failure is not None:
                    warm_failures[failure] += 1
        for b in range(blocks):
            # ABBA order: neither endpoint always goes first after the other's block.
            order = targets if b % 2 == 0 else targets[::-1]
            for client, url, todo, series in order:
                await _block(client, url, todo[b * per_block:(b + 1) * per_block], rate, series)
    return results[0], results[1], warm_failures


async def burst(url: str, requests: list[Signed], clients: int) -> tuple[float, Counter[str]]:
    """Each message twice, the copies on different clients at about the same place; returns (seconds, what failed)."""
    lanes: list[list[Signed]] = [[] for _ in range(clients)]
    shift = max(1, clients // 2)
    for i, request in enumerate(requests):
        lanes[i % clients].append(request)
        lanes[(i + shift) % clients].append(request)
    failures: Counter[str] = Counter()

    async def run(lane: list[Signed]) -> None:
        async with httpx.AsyncClient(trust_env=False, timeout=30, limits=httpx.Limits(max_connections=1)) as client:
            for request in lane:
                failure = await _post(client, url, request)
                if failure is not None:
                    failures[failure] += 1

    started = time.perf_counter()
    await asyncio.gather(*(run(lane) for lane in lanes))
    return time.perf_counter() - started, failures


# --- the database -----------------------------------------------------------------------------------------------


def prepare(engine: sa.Engine) -> list[str]:
    """Import the example roster; return the youth's own SMS numbers (one owner each, usable)."""
    from sqlmodel import Session, col, select

    from bot.roster import import_roster
    from storage.models import ContactPoint

    with Session(engine) as session:
        import_roster(session, ROSTER.read_bytes(), file_name="roster.csv", now=NOW, as_of=NOW.date())
        session.commit()
        points = session.exec(select(ContactPoint).where(col(ContactPoint.channel) == Channel.SMS)).all()
    owners = Counter(p.address for p in points)
    return sorted(p.address for p in points if p.youth_id is not None and owners[p.address] == 1
                  and not (p.wrong_number or p.opted_out or p.retired_at is not None))


def stored(engine: sa.Engine, sids: set[str]) -> tuple[Counter[str], int, int]:
    """Inbound SMS rows per MessageSid among `sids`; rows attributed to a youth; outbox rows in all."""
    from storage.models import Message, Outbox

    message = Message.__table__  # type: ignore[attr-defined]
    outbox = Outbox.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(sa.select(message.c.provider_id, message.c.youth_id).where(
            message.c.channel == Channel.SMS, message.c.direction == Direction.INBOUND)).all()
        queued = connection.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one()
    counts = Counter(row.provider_id for row in rows if row.provider_id in sids)
    youth = sum(1 for row in rows if row.provider_id in sids and row.youth_id is not None)
    return counts, youth, int(queued)


def metrics(url: str) -> dict[str, int]:
    """The app's own count of inbound SMS webhooks by result (accepted, duplicate, ...)."""
    text = httpx.get(url + "/metrics", timeout=10, trust_env=False).text
    out: dict[str, int] = {}
    for line in text.splitlines():
        if line.startswith("otbot_webhook_requests_total{") and 'route="twilio_sms"' in line:
            result = line.split('result="', 1)[1].split('"', 1)[0]
            out[result] = int(float(line.rsplit(" ", 1)[1]))
    return out


# --- the run ----------------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _failures(failures: Counter[str]) -> str:
    return ", ".join(f"{n} {what}" for what, n in failures.most_common()) or "none"


def run(db_url: str, args: argparse.Namespace) -> None:
    began = time.perf_counter()
    engine = open_database(db_url)
    senders = prepare(engine)
    print(f"database: {engine.dialect.name}; roster imported, {len(senders)} youth numbers send the webhooks; "
          f"load generator: this process (asyncio + httpx); servers: a process each (uvicorn); {os.cpu_count()} "
          f"cores, load average {os.getloadavg()[0]:.1f} before the run (other work on the machine adds noise)")
    rng = random.Random(args.seed)
    run_id = uuid.uuid4().hex[:6]
    per_block = max(1, round(args.rate))
    steady_count = per_block * max(1, math.ceil(args.seconds))
    with served(db_url) as (ours, bare):
        inbound = ours + INBOUND_PATH
        warm = make_requests(inbound, senders, args.warm_up, rng, f"{run_id}a")
        timed = make_requests(inbound, senders, steady_count, rng, f"{run_id}b")
        bare_requests = make_requests(bare + BARE_PATH, senders, steady_count + args.warm_up, rng, f"{run_id}c")
        distinct = make_requests(inbound, senders, args.burst // 2, rng, f"{run_id}d")
        set_up = time.perf_counter() - began
        # Everything made so far (the roster, the signed requests, the imported modules) out of the collector's
        # way: a full collection over it would stall the load generator for ~0.1 s in the middle of a block.
        gc.collect()
        gc.freeze()

        started = time.perf_counter()
        a, b, warm_failures = asyncio.run(steady(ours, bare, (timed, bare_requests[args.warm_up:]),
                                                 (warm, bare_requests[:args.warm_up]), args.rate, args.seconds))
        steady_seconds = time.perf_counter() - started
        p50, p99, bare50, bare99 = (a.percentile(0.5) * 1e3, a.percentile(0.99) * 1e3, b.percentile(0.5) * 1e3,
                                    b.percentile(0.99) * 1e3)
        ratio = p50 / bare50
        errors = a.errors + b.errors + sum(warm_failures.values())
        print(f"inbound SMS webhook at {args.rate:g}/s for {a.sent / per_block:g} s: p50 {p50:.1f} ms, "
              f"p99 {p99:.1f} ms; bare endpoint p50 {bare50:.1f} ms, p99 {bare99:.1f} ms (p50 ratio {ratio:.2f}, "
              f"target <= {TARGET_P50_RATIO:g}: {verdict(ratio <= TARGET_P50_RATIO)}; p99 target <= "
              f"{TARGET_P99_MS:g} ms: {verdict(p99 <= TARGET_P99_MS)}); errors {errors} "
              f"(target 0: {verdict(errors == 0)})")
        print(f"  achieved send rate: ours {a.sent / a.active:.1f}/s, bare {b.sent / b.active:.1f}/s (offered "
              f"{args.rate:g}/s in alternating 1 s blocks); largest latency: ours "
              f"{max(a.latencies, default=math.nan) * 1e3:.0f} ms, bare {max(b.latencies, default=math.nan) * 1e3:.0f} ms;"
              f" largest send lag behind schedule: ours {a.lag * 1e3:.1f} ms, bare {b.lag * 1e3:.1f} ms; failures: "
              f"ours {_failures(a.failures)}, bare {_failures(b.failures)}, warm-up {_failures(warm_failures)}")

        seconds, burst_failures = asyncio.run(burst(inbound, distinct, args.clients))
        sids = {r.sid for r in distinct}
        counts, by_youth, queued = stored(engine, sids)
        total = len(distinct) * 2
        once = sum(1 for sid in sids if counts[sid] == 1)
        duplicates = sum(n - 1 for n in counts.values() if n > 1)
        missing = sum(1 for sid in sids if counts[sid] == 0)
        burst_errors = sum(burst_failures.values())
        ok = once == len(sids) and duplicates == 0 and burst_errors == 0
        print(f"burst: {total:,} webhooks from {args.clients} clients in {seconds:.1f} s ({total / seconds:,.0f}/s): "
              f"{len(sids):,} distinct stored {sum(counts.values()):,} times, {duplicates} duplicates, "
              f"{missing} missing, {burst_errors} errors (target exactly once: {verdict(ok)})")
        steady_counts, _, _ = stored(engine, {r.sid for r in timed})
        seen = metrics(ours)
        print(f"  full path: {by_youth:,} of {sum(counts.values()):,} burst rows attributed to a youth; "
              f"{queued:,} outbox rows queued in all; the steady run's {len(timed):,} messages stored "
              f"{sum(steady_counts.values()):,} times; burst failures: {_failures(burst_failures)}; the app "
              f"counted {', '.join(f'{n} {what}' for what, n in sorted(seen.items()))}")
    print(f"run: set-up {set_up:.1f} s, warm-up and steady {steady_seconds:.1f} s, burst {seconds:.1f} s, "
          f"whole run {time.perf_counter() - began:.1f} s; load average after {os.getloadavg()[0]:.1f}")



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="PostgreSQL URL (a fresh schema is made and dropped); default: a temp SQLite file")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds at the steady rate per endpoint (10)")
    parser.add_argument("--rate", type=float, default=200.0, help="steady requests per second (200)")
    parser.add_argument("--burst", type=int, default=2000, help="webhooks in the burst, each MessageSid twice (2000)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients in the burst (8)")
    parser.add_argument("--warm-up", type=int, default=100, help="untimed requests to each endpoint first (100)")
    parser.add_argument("--seed", type=int, default=9, help="random seed for senders and bodies (9)")
    args = parser.parse_args(argv)
    if args.clients < 2:
        parser.error("--clients must be at least 2 (the two copies of a message go to different clients)")
    configure_logging("WARNING")
    with scratch_database(args.db) as url:
        run(url, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
