"""The channel protocol: verify and parse what a provider posts to us, send, read a delivery report, and map
every provider answer to the few outcomes the dispatcher knows.

One module per channel, in the manner of nyaruka/courier: the provider's facts (status words, error codes)
sit in tables at the top of the module, mapped to `Outcome` and `DeliveryStatus`; the module verifies a
request's signature or secret and decodes its payload into `Inbound` and `StatusReport` values. What
happens next (storing once, finding the youth, reading the reply, applying a report) is `bot`'s business:
adapters know storage's types and nothing else of ours.

- adapters/twilio_sms.py: SMS through the twilio SDK; X-Twilio-Signature on every webhook.
- adapters/telegram.py: Telegram through aiogram 3; the webhook's secret token; deep-link binding.
- adapters/webchat.py: the chat page the SMS links to; live replies to the open page.
- adapters/email.py: SMTP with STARTTLS, the last automatic rung; the mail carries the chat link.
- adapters/console.py: the embedded default, and the null channel for benchmarks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from storage.enums import Channel, DeliveryStatus


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
    # The county's own sender on this channel (a Twilio From number or Messaging Service SID), when it has one.
    sender: str | None = None
    # A link the recipient answers through where the channel cannot carry replies (e-mail: the web chat).
    reply_link: str | None = None
    subject: str | None = None


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


@dataclass(frozen=True, slots=True)
class WebRequest:
    """What a webhook received, independent of the web framework: the public URL the provider called (the
    one it signed), the headers (lower-case names), and the decoded form or JSON body."""

    url: str
    headers: Mapping[str, str]
    form: Mapping[str, str] = field(default_factory=dict)
    json: object = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message a person sent us, as a channel decoded it. `address` is the sender (E.164, chat id, …);
    `to` is our own address it was sent to (a Twilio number or Messaging Service), used to find the county."""

    channel: Channel
    account: str
    provider_id: str
    address: str
    text: str
    received_at: datetime
    to: str | None = None


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A provider's report on a message we sent: our status, the provider's word and code, and what it means."""

    channel: Channel
    account: str
    provider_id: str
    status: DeliveryStatus
    provider_status: str
    error_code: str | None = None
    outcome: Outcome | None = None  # for a failed message: retry elsewhere, bad address, opted out, failed


class SignatureError(Exception):
    """A webhook whose signature or secret is missing or wrong: refused (403), nothing stored or logged."""


class PayloadError(ValueError):
    """A webhook body that verified but cannot be decoded: refused (400) with one line that says why."""
