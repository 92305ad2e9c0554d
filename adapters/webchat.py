"""The web chat: the page the SMS links to (`/c/<token>`), for youth who would rather write than text.

The page itself (routes, the cookie, the form, live updates) is in bot/web/webchat.py; this module is the
channel the dispatcher sends through. A web chat has no provider: a message "sent" is a message stored
(the dispatcher records it) and announced to the open page. `ChatHub` is the in-process announcement: the
page's event stream waits on it, and also polls the database every few seconds, so that a worker in
another process (`otbot worker`) is seen too, only later.

A chat's address is `wc:<digest of the browser's session secret>`: the cookie holds the secret, the
database only its digest.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import secrets
from collections import defaultdict

from adapters.base import Outcome, OutgoingMessage, SendResult
from storage.enums import Channel

ADDRESS_PREFIX = "wc:"


def chat_address(session_secret: str) -> str:
    """The contact point address of a browser's chat session (never the secret itself)."""
    return ADDRESS_PREFIX + hashlib.sha256(session_secret.encode("utf-8")).hexdigest()[:40]


class ChatHub:
    """Wakes the open chat pages of an address when something was written to it (in this process)."""

    def __init__(self) -> None:
        self._events: dict[str, set[asyncio.Event]] = defaultdict(set)

    def listen(self, address: str) -> asyncio.Event:
        event = asyncio.Event()
        self._events[address].add(event)
        return event

    def forget(self, address: str, event: asyncio.Event) -> None:
        listeners = self._events.get(address)
        if listeners is not None:
            listeners.discard(event)
            if not listeners:
                del self._events[address]

    def notify(self, address: str) -> None:
        for event in list(self._events.get(address, ())):
            event.set()

    def notify_all(self) -> None:
        """Wake every open page (after a dispatcher run recorded messages): each asks the database what is new."""
        for listeners in list(self._events.values()):
            for event in list(listeners):
                event.set()

    def listeners(self, address: str) -> int:
        return len(self._events.get(address, ()))


class WebChatChannel:
    """Sends to the web chat: the dispatcher stores the message; the open page is woken to show it."""

    channel = Channel.WEBCHAT
    account = ""

    def __init__(self, hub: ChatHub, *, prefix: str = "wc") -> None:
        self.hub = hub
        self._prefix = prefix
        self._ids = itertools.count(1)
        # A provider id unique across restarts and processes: a random prefix per channel object and a counter.
        self._boot = secrets.token_hex(6)

    async def send(self, message: OutgoingMessage) -> SendResult:
        if not message.address.startswith(ADDRESS_PREFIX):
            return SendResult(Outcome.BAD_ADDRESS, error_code="not a chat")
        provider_id = f"{self._prefix}-{self._boot}-{next(self._ids)}"
        # The open page is woken once the dispatcher has recorded the message (its run's `on_run`).
        return SendResult(Outcome.SENT, provider_id=provider_id)
