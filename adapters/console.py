"""The console channel, the embedded default, and the null channel for benchmarks.

`ConsoleChannel` is the demo's "phone": each message becomes one readable line on a text stream (or a
callback), with the time, the channel it stands in for, a recipient pseudonym and the idempotency key (never
the address itself) and the text. The text is shown there on purpose; it never goes to the log. Provider ids
are `console-<n>` from a counter, so a simulation run twice gives the same ids.

The embedded default sends "SMS" through the console: construct it with the channel it stands in for,
`ConsoleChannel(stream, channel=Channel.SMS)`, so that the messages it records are SMS messages.

`NullChannel` takes every message at once and writes nothing: the outbox benchmarks measure the dispatcher
and the database, not a terminal.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from adapters.base import Outcome, OutgoingMessage, SendResult
from storage.enums import Channel

OSLO = ZoneInfo("Europe/Oslo")


def recipient_pseudonym(address: str) -> str:
    """A short stable token for an address (the same token bot.log writes), never the address itself."""
    return "addr:" + hashlib.sha256(address.encode("utf-8")).hexdigest()[:10]


def one_line(text: str) -> str:
    """The text on one line: line breaks shown as ' ⏎ ' so that one message is one line."""
    return " ⏎ ".join(part.strip() for part in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _system_clock() -> datetime:
    return datetime.now(UTC)


class ConsoleChannel:
    """Writes each message as one line to `out` (a text stream, or a callable taking the line).

    `channel` is the channel this console stands in for (Channel.CONSOLE, or Channel.SMS in the embedded
    default); `account` is the provider account recorded on the messages; `clock` gives the time shown (pass
    the dispatcher's clock in simulations); `first_id` starts the provider id counter.
    """

    def __init__(self, out: TextIO | Callable[[str], object] | None = None, *, channel: Channel = Channel.CONSOLE,
                 account: str = "console", clock: Callable[[], datetime] | None = None, first_id: int = 1) -> None:
        self.channel = channel
        self.account = account
        self._clock = clock or _system_clock
        self._next = first_id
        if out is None:
            out = sys.stdout
        if callable(out):
            self._write: Callable[[str], object] = out
        else:
            stream = out

            def write(line: str) -> None:
                stream.write(line + "\n")
                stream.flush()

            self._write = write
        self.sent = 0

    def line(self, message: OutgoingMessage, provider_id: str) -> str:
        """The line shown for one message: local time, channel, recipient pseudonym, key, provider id, text."""
        moment = self._clock().astimezone(OSLO)
        return (f"{moment:%Y-%m-%d %H:%M:%S} [{message.channel.value}] to {recipient_pseudonym(message.address)} "
                f"({message.key}, {provider_id}): {one_line(message.text)}")

    async def send(self, message: OutgoingMessage) -> SendResult:
        provider_id = f"console-{self._next}"
        self._next += 1
        self._write(self.line(message, provider_id))
        self.sent += 1
        return SendResult(Outcome.SENT, provider_id=provider_id)


class NullChannel:
    """Accepts every message at once and shows nothing; provider ids are `<prefix>-<n>`.

    Give each process its own `prefix` (or `account`) when several send at once: (channel, account,
    provider id) is unique on the messages table.
    """

    def __init__(self, channel: Channel = Channel.SMS, *, account: str = "null", prefix: str = "null",
                 on_send: Callable[[OutgoingMessage, str], object] | None = None) -> None:
        self.channel = channel
        self.account = account
        self._prefix = prefix
        self._next = 1
        self._on_send = on_send
        self.sent = 0

    async def send(self, message: OutgoingMessage) -> SendResult:
        provider_id = f"{self._prefix}-{self._next}"
        self._next += 1
        self.sent += 1
        if self._on_send is not None:
            self._on_send(message, provider_id)
        return SendResult(Outcome.SENT, provider_id=provider_id)
