"""The app served for real on 127.0.0.1 (uvicorn in a thread), with the example roster imported, and the
provider peers (tests/peers) it talks to."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session

from adapters.base import ChannelAdapter
from adapters.console import NullChannel
from adapters.webchat import ChatHub, WebChatChannel
from bot.dispatcher import Dispatcher
from bot.links import LinkSigner
from bot.roster import import_roster
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.deps import Services
from bot.web.metrics import Metrics
from storage.enums import Channel
from tests.peers.twilio_peer import TwilioPeer

ROOT = Path(__file__).resolve().parents[2]
ROSTER = (ROOT / "examples" / "roster.csv").read_bytes()
# A Tuesday in term time, 10:00 in Oslo: inside every sending window.
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
KEY = b"k" * 32


class Clock:
    """A clock the test moves; starts at NOW."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP: asyncio turns Nagle off
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class LiveServer:
    """uvicorn serving `app` on a socket bound before the app was built (so that the public URL is known)."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        self.app = app
        self.sock = sock
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def roster(engine: Engine) -> Engine:
    with Session(engine) as session:
        import_roster(session, ROSTER, file_name="roster.csv", now=NOW, as_of=NOW.date())
        session.commit()
    return engine


@dataclass
class Stack:
    """The app with its services, the live server, and the peers."""

    services: Services
    server: LiveServer
    clock: Clock
    twilio: TwilioPeer | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def dispatcher(self, **kwargs: Any) -> Dispatcher:
        return Dispatcher(self.services.engine, self.services.adapters, self.clock, "test-worker",
                          rate_limits={}, **kwargs)

    def dispatch(self, **kwargs: Any) -> Any:
        async def run() -> Any:
            try:
                return await self.dispatcher(**kwargs).run_until_empty()
            finally:
                for adapter in (self.services.twilio, self.services.telegram):
                    if adapter is not None:
                        await adapter.close()

        # In a thread of its own: a test may run an event loop already (Playwright's sync API does).
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, run()).result()


def make_services(engine: Engine, settings: Settings, clock: Clock, **adapters: Any) -> Services:
    hub = ChatHub()
    table: dict[Channel, ChannelAdapter] = {channel: NullChannel(channel, prefix=f"null-{channel.value}")
                                            for channel in Channel}
    table[Channel.WEBCHAT] = WebChatChannel(hub)
    twilio = adapters.get("twilio")
    telegram = adapters.get("telegram")
    if twilio is not None:
        table[Channel.SMS] = twilio
    if telegram is not None:
        table[Channel.TELEGRAM] = telegram
    return Services(engine=engine, settings=settings, links=LinkSigner(KEY), adapters=table, hub=hub,
                    metrics=Metrics(engine, clock), clock=clock, twilio=twilio, telegram=telegram)


@pytest.fixture
def twilio_peer() -> Iterator[TwilioPeer]:
    with TwilioPeer() as peer:
        yield peer


@pytest.fixture
def twilio_stack(roster: Engine, twilio_peer: TwilioPeer) -> Iterator[Stack]:
    from adapters.twilio_sms import TwilioSMS

    sock = free_socket()
    public = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(public_url=public, twilio_account_sid=twilio_peer.account_sid,
                        twilio_auth_token=twilio_peer.auth_token, twilio_from="+4759440000",
                        twilio_api_url=twilio_peer.base_url, default_county="Trøndelag")
    clock = Clock()
    sms = TwilioSMS(twilio_peer.account_sid, twilio_peer.auth_token, public_url=public, from_number="+4759440000",
                    api_url=twilio_peer.base_url)
    services = make_services(roster, settings, clock, twilio=sms)
    app = create_app(roster, scheduler=False, services=services)
    with LiveServer(app, sock) as server:
        yield Stack(services, server, clock, twilio=twilio_peer)


TELEGRAM_SECRET = "test-secret_123"


@pytest.fixture
def telegram_stack(roster: Engine) -> Iterator[Stack]:
    from adapters.telegram import TelegramChannel
    from tests.peers.telegram_peer import TelegramPeer

    with TelegramPeer() as peer:
        sock = free_socket()
        public = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings = Settings(public_url=public, default_county="Trøndelag")
        clock = Clock()
        channel = TelegramChannel(peer.token, TELEGRAM_SECRET, api_url=peer.base_url, username=peer.bot_username)
        services = make_services(roster, settings, clock, telegram=channel)
        app = create_app(roster, scheduler=False, services=services)
        with LiveServer(app, sock) as server:
            stack = Stack(services, server, clock)
            stack.telegram = peer  # type: ignore[attr-defined]
            yield stack


@pytest.fixture
def chat_stack(roster: Engine) -> Iterator[Stack]:
    """The app with the web chat (always on) and null providers elsewhere."""
    sock = free_socket()
    public = f"http://127.0.0.1:{sock.getsockname()[1]}"
    clock = Clock()
    services = make_services(roster, Settings(public_url=public, default_county="Trøndelag"), clock)
    app = create_app(roster, scheduler=False, services=services)
    with LiveServer(app, sock) as server:
        yield Stack(services, server, clock)


PASSWORD = "riktig-hest-batteri"
# (name, e-mail, county, role): Tor Ivar Lien and Ingrid Fossum are the roster's Trøndelag advisers.
ADVISERS = {
    "tor": ("Tor Ivar Lien", "tor@trondelag.example", "Trøndelag", "adviser"),
    "ingrid": ("Ingrid Fossum", "ingrid@trondelag.example", "Trøndelag", "adviser"),
    "lead": ("Liv Leder", "lead@trondelag.example", "Trøndelag", "lead"),
    "admin": ("Arne Admin", "admin@trondelag.example", "Trøndelag", "admin"),
    "agder": ("Petter Salvesen", "petter@agder.example", "Agder", "adviser"),
}


@pytest.fixture
def inbox_stack(roster: Engine) -> Iterator[Stack]:
    """The app with adviser accounts (ADVISERS, all with PASSWORD) on the example roster; demo mode on."""
    from bot.advisers import create_adviser
    from storage.enums import AdviserRole

    with Session(roster) as session:
        for name, email, county, role in ADVISERS.values():
            create_adviser(session, name=name, email=email, county=county, role=AdviserRole(role), password=PASSWORD,
                           now=NOW)
        session.commit()
    sock = free_socket()
    public = f"http://127.0.0.1:{sock.getsockname()[1]}"
    clock = Clock()
    services = make_services(roster, Settings(public_url=public, default_county="Trøndelag"), clock)
    services.demo = True
    app = create_app(roster, scheduler=False, services=services)
    with LiveServer(app, sock) as server:
        yield Stack(services, server, clock)


def login(stack: Stack, who: str) -> tuple[Any, str]:
    """An httpx client logged in as ADVISERS[who], and its session's CSRF token (for POSTs)."""
    import re

    import httpx

    client = httpx.Client(base_url=stack.url, follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    answer = client.post("/login", data={"email": ADVISERS[who][1], "password": PASSWORD, "csrf": token.group(1),
                                         "next": "/inbox"})
    assert answer.status_code == 303, answer.text
    inbox = client.get("/inbox")
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', inbox.text)
    assert csrf is not None
    return client, csrf.group(1)


CHROMIUM = os.environ.get("OTBOT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"  # screenshots (git-ignored; the README shows copies under docs/)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium: Debian's chromium driven by Playwright; skipped where it is missing, except in CI."""
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium", pytrace=False)
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with playwright_sync.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()
