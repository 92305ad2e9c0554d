"""The web layer's typed dependencies: one `Services` per app, built at start from the settings.

Routers ask for what they need with `ServicesDep` (FastAPI's Annotated dependencies), never read the
environment or build clients themselves; tests build a `Services` of their own (fake provider URLs, a
fixed clock) and hand it to `create_app`.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, TypeVar
from urllib.parse import parse_qsl, urlsplit

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine

from adapters.base import ChannelAdapter, WebRequest
from adapters.telegram import TelegramChannel
from adapters.twilio_sms import TwilioSMS
from adapters.webchat import ChatHub
from bot.links import LinkSigner
from bot.settings import Settings
from bot.web.metrics import Metrics
from storage.db import WriterBusy
from storage.enums import Channel

T = TypeVar("T")
URLENCODED = "application/x-www-form-urlencoded"


def system_clock() -> datetime:
    return datetime.now(UTC)


async def _no_kick() -> None:
    return None


@dataclass
class Services:
    """Everything a request may need, made once per app."""

    engine: Engine
    settings: Settings
    links: LinkSigner
    adapters: dict[Channel, ChannelAdapter]
    hub: ChatHub
    metrics: Metrics
    clock: Callable[[], datetime] = system_clock
    twilio: TwilioSMS | None = None
    telegram: TelegramChannel | None = None
    # Wakes the in-process dispatcher (after an inbound message, so that its answer goes out at once).
    kick: Callable[[], Awaitable[None]] = field(default=_no_kick)
    # Demo mode (`otbot demo`): the phone simulator is served; never in a real deployment.
    demo: bool = False
    # How many inbound messages are written at once: SQLite has one writer (threads queueing in its busy
    # handler sleep and retry, which costs more than waiting here in turn); PostgreSQL takes a few.
    inbound_gate: threading.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.inbound_gate = threading.BoundedSemaphore(1 if self.engine.dialect.name == "sqlite" else 4)

    def write(self, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run a blocking database write through the inbound gate (call it in a worker thread)."""
        with self.inbound_gate:
            return function(*args, **kwargs)

    async def run_write(self, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run an inbound write (`bot.receive.receive`, `report`: functions that take `wait=`) where it costs least.

        PostgreSQL: in a worker thread through the gate (the time is spent waiting for the server).
        SQLite: the time is spent in Python, and in a worker thread every statement ends with a wait for the
        GIL the event loop holds (measured at 200 webhooks/s: p50 ~15 ms on the loop, ~150 ms in a thread, the
        thread path's queue growing). So when the gate is free the write runs here on the loop with `wait=False`;
        if another connection (the dispatcher, the planner, another process) holds the file's write lock it
        raises WriterBusy having done nothing, and the write goes to a worker thread that waits its turn. The
        loop is never blocked waiting for a lock."""
        if self.engine.dialect.name == "sqlite" and self.inbound_gate.acquire(blocking=False):
            try:
                return function(*args, wait=False, **kwargs)
            except WriterBusy:
                pass
            finally:
                self.inbound_gate.release()
        return await run_in_threadpool(lambda: self.write(function, *args, **kwargs))

    def public_url(self, request: Request) -> str:
        """The URL the provider called, as it signed it: our public base (OTBOT_PUBLIC_URL, right behind a
        reverse proxy) with this request's path and query string."""
        base = urlsplit(self.settings.public_url)
        prefix = base.path.rstrip("/")
        url = f"{base.scheme}://{base.netloc}{prefix}{request.url.path}"
        query = request.url.query
        return f"{url}?{query}" if query else url


async def services(request: Request) -> Services:
    # async: FastAPI runs a plain `def` dependency in a worker thread, a hop per request for an attribute read.
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


async def web_request(request: Request, svc: Services, *, form: bool = False, json: bool = False) -> WebRequest:
    """The request as adapters see it: public URL, lower-case headers, the decoded form or JSON body."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    body_form: dict[str, str] = {}
    body_json: object = None
    if form and headers.get("content-type", "").split(";")[0].strip().lower() == URLENCODED:
        # What providers send (Twilio): decoded here in one call; the multipart parser costs ~10 times more.
        body = await request.body()
        body_form = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    elif form:
        data = await request.form()
        body_form = {k: v for k, v in data.multi_items() if isinstance(v, str)}
    if json:
        try:
            body_json = await request.json()
        except ValueError:
            body_json = None
    return WebRequest(url=svc.public_url(request), headers=headers, form=body_form, json=body_json)
