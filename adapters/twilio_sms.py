"""SMS through Twilio: send with the twilio SDK, verify and decode the two webhooks, map Twilio's facts.

Sending: `Messages.create` from the county's Messaging Service SID (MG…) or From number, with a StatusCallback
URL on our public address. The SDK's own asynchronous HTTP client is used (aiohttp), with its built-in
retries off: a failed send is the dispatcher's to retry, with its backoff, so a provider outage does not
hold a worker.

Webhooks: `POST /webhooks/twilio/sms` (a person's SMS) and `POST /webhooks/twilio/status` (delivery reports)
are checked with twilio's `RequestValidator` against the URL Twilio called — our public URL
(OTBOT_PUBLIC_URL, so that it holds behind a reverse proxy) with the query string — and refused otherwise.
An inbound message to a number of a Messaging Service's pool (a To other than our From) is accepted: the
signature, not the number, says it came from our account.

Twilio's facts are the tables below: its status words, and its error codes mapped to our outcomes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlencode

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from adapters.base import (
    Inbound,
    Outcome,
    OutgoingMessage,
    PayloadError,
    SendResult,
    SignatureError,
    StatusReport,
    WebRequest,
)
from storage.enums import Channel, DeliveryStatus

SIGNATURE_HEADER = "x-twilio-signature"
INBOUND_PATH = "/webhooks/twilio/sms"
STATUS_PATH = "/webhooks/twilio/status"

# https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
STATUSES: Mapping[str, DeliveryStatus] = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.QUEUED,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
    "receiving": DeliveryStatus.RECEIVED,
    "received": DeliveryStatus.RECEIVED,
}

# Error codes, from Twilio's error dictionary (https://www.twilio.com/docs/api/errors), to what we do.
ERRORS: Mapping[int, Outcome] = {
    21610: Outcome.OPTED_OUT,  # the recipient replied STOP to this sender: the carrier stops every message
    21211: Outcome.BAD_ADDRESS,  # invalid 'To' number
    21614: Outcome.BAD_ADDRESS,  # 'To' is not a mobile number
    21612: Outcome.BAD_ADDRESS,  # this 'To' cannot be reached from this sender
    21408: Outcome.FAILED,  # the account may not send to this region: configuration, an adviser looks
    21606: Outcome.FAILED,  # the From number cannot send SMS: configuration
    20003: Outcome.FAILED,  # authentication: configuration
    20429: Outcome.RETRY,  # too many requests
    63018: Outcome.RETRY,  # rate limit exceeded for the channel
    # Delivery failures reported afterwards: the handset or carrier did not take it; try the next channel.
    30003: Outcome.FAILED,  # unreachable destination handset
    30004: Outcome.FAILED,  # message blocked
    30005: Outcome.FAILED,  # unknown destination handset
    30006: Outcome.FAILED,  # landline or unreachable carrier
    30007: Outcome.FAILED,  # carrier violation (filtered)
    30008: Outcome.FAILED,  # unknown error
}
# HTTP statuses with no known Twilio code: 429 and every 5xx are transient.
RETRY_HTTP = frozenset({408, 429})

# The twilio SDK logs each request and response at INFO; keep its loggers quiet (no numbers in logs).
for _name in ("twilio", "twilio.http_client", "twilio.http_client.async"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def outcome_of(status: int | None, code: int | None) -> Outcome:
    """Our outcome for a refused request or a failed delivery: the code's entry, else by the HTTP status."""
    if code is not None and code in ERRORS:
        return ERRORS[code]
    if status is not None and (status in RETRY_HTTP or status >= 500):
        return Outcome.RETRY
    return Outcome.FAILED


def key_ref(key: str) -> str:
    """A short reference to an outbox row for the StatusCallback URL: names our message, not the youth."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


class TwilioSMS:
    """The SMS channel through one Twilio account."""

    channel = Channel.SMS

    def __init__(self, account_sid: str, auth_token: str, *, public_url: str, from_number: str | None = None,
                 messaging_service_sid: str | None = None, api_url: str | None = None,
                 timeout: float = 15.0) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("a From number or a Messaging Service SID is needed")
        self.account = account_sid
        self.default_sender = messaging_service_sid or from_number or ""
        self.public_url = public_url.rstrip("/")
        self._token = auth_token
        self._validator = RequestValidator(auth_token)
        self._api_url = api_url
        self._timeout = timeout
        # One SDK client (its aiohttp session) per event loop: a webhook's loop and a dispatcher's may differ.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Client] = weakref.WeakKeyDictionary()

    # --- sending ------------------------------------------------------------------------------------------------

    def _sdk(self) -> Client:
        """The running loop's client, built on first use there (the SDK's aiohttp session belongs to it)."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            http = AsyncTwilioHttpClient(timeout=self._timeout)  # no retries inside the SDK: the dispatcher's
            client = Client(self.account, self._token, http_client=http)
            if self._api_url:
                client.api.base_url = self._api_url.rstrip("/")
                client.edge = client.region = None  # TWILIO_EDGE/REGION would rewrite the host
            self._clients[loop] = client
        return client

    def status_callback(self, key: str) -> str:
        return f"{self.public_url}{STATUS_PATH}?{urlencode({'ref': key_ref(key)})}"

    async def send(self, message: OutgoingMessage) -> SendResult:
        sender = message.sender or self.default_sender
        params: dict[str, str] = {"to": message.address, "body": message.text,
                                  "status_callback": self.status_callback(message.key)}
        if sender.startswith("MG"):
            params["messaging_service_sid"] = sender
        else:
            params["from_"] = sender
        try:
            created = await self._sdk().messages.create_async(**params)
        except TwilioRestException as exc:
            code = exc.code if isinstance(exc.code, int) else None
            retry_after = None
            if exc.status == 429 or code in (20429, 63018):
                retry_after = 1.0
            return SendResult(outcome_of(exc.status, code), error_code=str(code or exc.status)[:40],
                              retry_after=retry_after)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            return SendResult(Outcome.RETRY, error_code=type(exc).__name__[:40])
        if not created.sid:
            return SendResult(Outcome.RETRY, error_code="no sid")
        return SendResult(Outcome.SENT, provider_id=created.sid)

    async def close(self) -> None:
        """Close the running loop's client."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None and isinstance(client.http_client, AsyncTwilioHttpClient):
            await client.http_client.close()

    # --- webhooks -----------------------------------------------------------------------------------------------

    def verify(self, request: WebRequest) -> None:
        """Raise SignatureError unless X-Twilio-Signature is this account's signature of the URL and form."""
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not signature or not self._validator.validate(request.url, dict(request.form), signature):
            raise SignatureError("X-Twilio-Signature missing or wrong")
        if request.form.get("AccountSid") not in (None, self.account):
            raise SignatureError("another account")

    def parse_inbound(self, request: WebRequest, *, now: datetime | None = None) -> Inbound:
        """The SMS in a verified inbound webhook."""
        form = request.form
        sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid")
        sender = form.get("From")
        if not sid:
            raise PayloadError("MessageSid missing")
        if not sender:
            raise PayloadError("From missing")
        to = form.get("MessagingServiceSid") or form.get("To")
        return Inbound(channel=Channel.SMS, account=self.account, provider_id=sid, address=sender.strip(),
                       text=form.get("Body", ""), received_at=now or datetime.now(UTC), to=to)

    def parse_status(self, request: WebRequest) -> StatusReport:
        """The delivery report in a verified status callback."""
        form = request.form
        sid = form.get("MessageSid") or form.get("SmsSid")
        word = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
        if not sid:
            raise PayloadError("MessageSid missing")
        if word not in STATUSES:
            raise PayloadError(f"unknown MessageStatus {word[:20]!r}")
        status = STATUSES[word]
        raw_code = (form.get("ErrorCode") or "").strip()
        code = int(raw_code) if raw_code.isdigit() else None
        outcome = outcome_of(None, code) if status is DeliveryStatus.FAILED else None
        return StatusReport(channel=Channel.SMS, account=self.account, provider_id=sid, status=status,
                            provider_status=word, error_code=raw_code[:40] or None, outcome=outcome)
