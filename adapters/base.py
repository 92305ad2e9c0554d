"""The channel protocol: what the dispatcher asks of every channel, and the few outcomes a provider's answer maps to.

The real channels (Twilio SMS, Telegram, web chat, e-mail) arrive with the channels issue; each maps its
provider's statuses and error codes to `Outcome` through tables at the top of its module. The console
channel (adapters/console.py) is the embedded default.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from storage.enums import Channel


class Outcome(StrEnum):
    SENT = "sent"  # the provider took the message; provider_id names it
    RETRY = "retry"  # a transient failure (rate limited, 5xx, timeout): try again later
    OPTED_OUT = "opted_out"  # the person stopped messages at the carrier or blocked the bot
    BAD_ADDRESS = "bad_address"  # not a reachable address: flag the contact point, try the next channel
    FAILED = "failed"  # refused for good; an adviser looks


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message for one address; `key` is the outbox row's idempotency key (providers that accept one get it)."""

    key: str
    channel: Channel
    address: str
    text: str


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    provider_id: str | None = None
    error_code: str | None = None  # the provider's own code, kept for the adviser; never message text
    retry_after: float | None = None  # seconds, when the provider says


class ChannelAdapter(Protocol):
    """A channel the dispatcher can send through."""

    channel: Channel
    # The provider account messages go out from ("" where a channel has one), part of the inbound dedupe key.
    account: str

    async def send(self, message: OutgoingMessage) -> SendResult:
        """Send one message; map every provider answer to an Outcome, never raise for a provider's refusal."""
        ...
