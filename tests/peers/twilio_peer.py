"""A fake Twilio REST API for tests: a real HTTP server on 127.0.0.1 that the real twilio SDK talks to.

``TwilioPeer`` speaks the parts of Twilio's Programmable Messaging protocol that the outreach bot uses,
at Twilio's real paths, with Twilio's real request and response shapes (checked against twilio 9.13):

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form-encoded, HTTP Basic auth
  ``AccountSid:AuthToken``) creates a Message resource and answers 201 with its JSON; errors use
  Twilio's legacy error body ``{"code", "message", "more_info", "status"}``, which the SDK turns into
  ``TwilioRestException`` with ``.status`` and ``.code``.
* ``GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`` returns the stored resource.
* After a create with ``StatusCallback`` the peer POSTs signed status callbacks (``X-Twilio-Signature``,
  HMAC-SHA1 over the exact URL, query string included, plus the sorted form fields) in the background.
* ``inbound_sms`` / ``inbound_sms_async`` post a signed incoming-SMS webhook to the product, and
  ``signed_form`` signs a form without sending it (for benchmarks).

The server runs in its own thread with its own event loop, so it serves sync and async tests alike::

    with TwilioPeer() as peer:
        client = peer.client()
        msg = client.messages.create(to="+4791234567", from_="+4759440000", body="Hei!")

Pointing the real SDK at the peer (sync)
----------------------------------------
Every API domain object (``twilio.base.domain.Domain``) keeps its host in the plain attribute
``base_url`` and builds each request URL from it (``Domain.absolute_url``), so the one supported line is::

    client = twilio.rest.Client(account_sid, auth_token)
    client.api.base_url = "http://127.0.0.1:<port>"      # i.e. peer.base_url

The SDK's own ``TwilioHttpClient`` (requests) is still used. Two caveats, both handled by
``peer.client()``: the client must have no edge/region (``TWILIO_EDGE``/``TWILIO_REGION`` in the
environment make ``ClientBase.get_hostname`` rewrite the host name, which breaks ``127.0.0.1``; set
``client.edge = client.region = None``), and requests honours ``HTTP(S)_PROXY`` unless
``client.http_client.session.trust_env = False``. The ``edge``/``region`` arguments cannot reach
127.0.0.1: they only rewrite ``*.twilio.com`` host names.

Pointing the real SDK at the peer (async)
-----------------------------------------
The same line works with the SDK's aiohttp client; it was verified with ``create_async`` and
``fetch_async`` (see ``test_async_create_and_fetch``)::

    http_client = AsyncTwilioHttpClient()               # inside a running event loop (aiohttp needs one)
    client = twilio.rest.Client(account_sid, auth_token, http_client=http_client)
    client.api.base_url = peer.base_url
    msg = await client.messages.create_async(to=..., from_=..., body=...)
    await http_client.close()

``peer.async_client()`` does this. Note that ``AsyncTwilioHttpClient`` builds its ``ClientSession`` in
its constructor, so it must be created inside the loop that uses it.

Behaviour switches: ``opted_out`` (21610), ``not_mobile`` (21614), ``undelivered``/``failed`` (delivery
outcome per destination), ``callback_order = "reversed"``, ``duplicate_callbacks = True``, ``fail_next``
(500/429, nothing is created), ``hang_next`` (slow answers for timeout tests). Records: ``messages``,
``requests``, ``callbacks``; ``wait_callbacks`` / ``wait_callbacks_async``.

For safety the peer only posts status callbacks to loopback hosts (127.0.0.1, ::1, localhost); any
other callback URL is recorded with ``status_code=None`` and never contacted.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import math
import re
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, NamedTuple

import aiohttp
import yarl
from aiohttp import web
from twilio.request_validator import RequestValidator

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + "5d1c0e7f9a3b4c2d8e6f0a1b2c3d4e5f"
DEFAULT_AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
DEFAULT_SENDER_POOL = ("+4759440000",)
ERROR_DOCS = "https://www.twilio.com/docs/errors/{code}"
CALLBACK_USER_AGENT = "TwilioProxy/1.1"

_SID_RE = re.compile(r"^AC[0-9a-f]{32}$")
# E.164: a plus sign and 8 to 15 digits, the first not 0.
_E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")
_LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
_MAX_BODY_CHARS = 1600

# Descriptions Twilio uses for the delivery error codes tests are likely to inject.
_DELIVERY_ERRORS = {
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}

# GSM 03.38 basic character set (the escape character excluded) and its extension table.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = set("^{}\\[~]|€\f")

# Country of a few calling codes, for the FromCountry/ToCountry fields of inbound webhooks.
_COUNTRY_PREFIXES = (("+47", "NO"), ("+46", "SE"), ("+45", "DK"), ("+358", "FI"), ("+44", "GB"), ("+1", "US"))


class RequestRecord(NamedTuple):
    """One API request the peer received. ``form`` maps a field to its value (a list if repeated)."""

    method: str
    path: str
    form: dict[str, Any]
    auth_ok: bool


@dataclass(frozen=True)
class CallbackRecord:
    """One status callback the peer posted. Unpacks as ``url, params, status_code``.

    ``status_code`` is None when the receiver could not be reached (or the URL was not loopback).
    """

    url: str
    params: dict[str, str]
    status_code: int | None
    headers: dict[str, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.url, self.params, self.status_code))


@dataclass
class _Failure:
    status: int
    retry_after: int | None


@dataclass
class _Hang:
    seconds: float
    create: bool


class _TwilioError(Exception):
    """An API error answered with Twilio's JSON error body."""

    def __init__(self, status: int, code: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        body = {
            "code": self.code,
            "message": self.message,
            "more_info": ERROR_DOCS.format(code=self.code),
            "status": self.status,
        }
        return web.json_response(body, status=self.status, headers=self.headers)


# ---------------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------------


def signed_form(url: str, params: Mapping[str, str], auth_token: str) -> tuple[dict[str, str], bytes]:
    """Sign a form the way Twilio signs webhooks; return (headers, url-encoded body) ready to POST to url."""
    signature = RequestValidator(auth_token).compute_signature(url, dict(params))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        "User-Agent": CALLBACK_USER_AGENT,
    }
    return headers, urllib.parse.urlencode(dict(params)).encode("utf-8")


def num_segments(body: str) -> int:
    """SMS segments for body: GSM-7 (160, or 153 per part) or else UCS-2 (70, or 67 per part)."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENSION for ch in body):
        septets = sum(2 if ch in _GSM_EXTENSION else 1 for ch in body)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def is_e164(number: str) -> bool:
    return bool(_E164_RE.match(number))


def _new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _rfc2822(moment: datetime) -> str:
    # Twilio writes "Thu, 24 Aug 2023 05:01:45 +0000".
    return format_datetime(moment, usegmt=False)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _country(number: str) -> str | None:
    for prefix, country in _COUNTRY_PREFIXES:
        if number.startswith(prefix):
            return country
    return None


def _form_dict(form: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in form.keys():
        if key in out:
            continue
        values = form.getall(key)
        out[key] = values[0] if len(values) == 1 else list(values)
    return out


def _check_basic_auth(header: str | None, account_sid: str, auth_token: str) -> bool:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except ValueError:
        return False
    login, colon, password = decoded.partition(b":")
    if not colon:
        return False
    return secrets.compare_digest(login, account_sid.encode()) and secrets.compare_digest(
        password, auth_token.encode()
    )


def inbound_form(
    *,
    account_sid: str,
    from_: str,
    to: str,
    body: str,
    message_sid: str | None = None,
    messaging_service_sid: str | None = None,
    extra: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """The form Twilio posts to the incoming-message webhook. extra adds fields; a None value drops one."""
    sid = message_sid or _new_sid("SM")
    form: dict[str, str] = {
        "ToCountry": _country(to) or "",
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": _country(from_) or "",
        "To": to,
        "ToZip": "",
        "NumSegments": str(num_segments(body)),
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "ApiVersion": API_VERSION,
    }
    if messaging_service_sid:
        form["MessagingServiceSid"] = messaging_service_sid
    for key, value in (extra or {}).items():
        if value is None:
            form.pop(key, None)
        else:
            form[key] = value
    return form


# ---------------------------------------------------------------------------------------------------
# The peer
# ---------------------------------------------------------------------------------------------------


class TwilioPeer:
    """A fake Twilio REST API on 127.0.0.1 (OS-chosen port) in a background thread. Thread-safe."""

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        *,
        sender_pool: tuple[str, ...] = DEFAULT_SENDER_POOL,
        callback_delay: float = 0.05,
        callback_interval: float = 0.01,
        callback_timeout: float = 5.0,
    ) -> None:
        if not _SID_RE.match(account_sid):
            raise ValueError(f"account_sid must be 'AC' + 32 lowercase hex digits, got {account_sid!r}")
        if not sender_pool:
            raise ValueError("sender_pool needs at least one number")
        self.account_sid = account_sid
        self.auth_token = auth_token
        # Delivery behaviour, read when a message is created.
        self.callback_order = "normal"  # or "reversed"
        self.duplicate_callbacks = False
        self.callback_delay = callback_delay
        self.callback_interval = callback_interval
        self.callback_timeout = callback_timeout

        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._default_pool = tuple(sender_pool)
        self._service_pools: dict[str, tuple[str, ...]] = {}
        self._opted_out: set[str] = set()
        self._not_mobile: set[str] = set()
        self._outcomes: dict[str, tuple[str, int]] = {}
        self._failures: deque[_Failure] = deque()
        self._hangs: deque[_Hang] = deque()
        self._messages: dict[str, dict[str, Any]] = {}
        self._requests: list[RequestRecord] = []
        self._callbacks: list[CallbackRecord] = []
        self._pool_turn = 0

        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._port: int | None = None
        self._start_error: BaseException | None = None

    # -- lifecycle ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("TwilioPeer is not started")
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> TwilioPeer:
        if self._thread is not None:
            raise RuntimeError("TwilioPeer already started")
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="twilio-peer", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("TwilioPeer did not start within 10 s")
        if self._start_error is not None:
            self._thread.join(5)
            self._thread = None
            raise RuntimeError("TwilioPeer failed to start") from self._start_error
        return self

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None
        self._port = None

    def __enter__(self) -> TwilioPeer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self, ready: threading.Event) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:  # reported to start()
            self._start_error = exc
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._shutdown())
            loop.close()

    async def _startup(self) -> None:
        app = web.Application()
        prefix = f"/{API_VERSION}/Accounts/{{account_sid}}"
        app.router.add_post(prefix + "/Messages.json", self._handle_create)
        app.router.add_get(prefix + "/Messages/{sid}.json", self._handle_fetch)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        # handler_cancellation: a client that gives up (timeout) cancels its hanging handler.
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        # trust_env=False (the default, made explicit): never route callbacks through a proxy.
        self._session = aiohttp.ClientSession(trust_env=False)

    async def _shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- SDK clients --------------------------------------------------------------------------------

    def client(self, *, auth_token: str | None = None, timeout: float | None = None) -> Any:
        """A real ``twilio.rest.Client`` (sync, the SDK's own requests-based HTTP client) aimed at the peer."""
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        http_client = TwilioHttpClient(timeout=timeout)
        if http_client.session is not None:
            http_client.session.trust_env = False  # ignore HTTP(S)_PROXY for 127.0.0.1
        return self._aim(Client(self.account_sid, auth_token or self.auth_token, http_client=http_client))

    def async_client(self, *, auth_token: str | None = None, timeout: float | None = None) -> Any:
        """A real ``twilio.rest.Client`` on ``AsyncTwilioHttpClient``. Call inside a running event loop;
        close it with ``await client.http_client.close()``."""
        from twilio.http.async_http_client import AsyncTwilioHttpClient
        from twilio.rest import Client

        http_client = AsyncTwilioHttpClient(timeout=timeout)
        return self._aim(Client(self.account_sid, auth_token or self.auth_token, http_client=http_client))

    def _aim(self, client: Any) -> Any:
        client.edge = None  # TWILIO_EDGE / TWILIO_REGION would rewrite the host name
        client.region = None
        client.api.base_url = self.base_url
        return client

    # -- configuration ------------------------------------------------------------------------------

    def messaging_service(self, sid: str, numbers: tuple[str, ...] | list[str]) -> None:
        """Give a Messaging Service its sender pool (unknown services use the peer's default pool)."""
        if not numbers:
            raise ValueError("a Messaging Service needs at least one number")
        with self._lock:
            self._service_pools[sid] = tuple(numbers)

    def opted_out(self, number: str) -> None:
        """Creates to number answer 400, code 21610 (the recipient replied STOP)."""
        with self._lock:
            self._opted_out.add(number)

    def opted_in(self, number: str) -> None:
        """Undo opted_out (the recipient replied START)."""
        with self._lock:
            self._opted_out.discard(number)

    def not_mobile(self, number: str) -> None:
        """Creates to number answer 400, code 21614 (not a mobile number)."""
        with self._lock:
            self._not_mobile.add(number)

    def undelivered(self, number: str, error_code: int = 30003) -> None:
        """Messages to number end "undelivered" with error_code: callbacks "sent", then "undelivered"."""
        with self._lock:
            self._outcomes[number] = ("undelivered", error_code)

    def failed(self, number: str, error_code: int = 30008) -> None:
        """Messages to number end "failed" with error_code: a single "failed" callback."""
        with self._lock:
            self._outcomes[number] = ("failed", error_code)

    def fail_next(self, n: int = 1, status: int = 500, *, retry_after: int = 1) -> None:
        """The next n creates answer status (500 → code 20500; 429 → code 20429 with Retry-After)."""
        if status not in (429, 500, 502, 503):
            raise ValueError(f"unsupported failure status {status}")
        with self._lock:
            self._failures.extend(_Failure(status, retry_after if status == 429 else None) for _ in range(n))

    def hang_next(self, n: int = 1, seconds: float = 5.0, *, create: bool = True) -> None:
        """Delay the answer to the next n creates by seconds.

        create=True: the message is created at once (callbacks follow) and only the answer is late, as
        when Twilio accepted a send whose response the client never saw. create=False: the peer waits
        first and creates nothing if the client has given up by then.
        """
        with self._lock:
            self._hangs.extend(_Hang(seconds, create) for _ in range(n))

    # -- records ------------------------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """All created Message resources (current state), in creation order. Copies."""
        with self._lock:
            return copy.deepcopy(list(self._messages.values()))

    def message(self, sid: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._messages[sid])

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    @property
    def callbacks(self) -> list[CallbackRecord]:
        with self._lock:
            return list(self._callbacks)

    def wait_callbacks(self, n: int, timeout: float = 5.0) -> list[CallbackRecord]:
        """Block until at least n status callbacks were posted; return all records. TimeoutError if not."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._callbacks) >= n, timeout):
                raise TimeoutError(
                    f"{len(self._callbacks)} of {n} status callbacks posted within {timeout} s"
                )
            return list(self._callbacks)

    async def wait_callbacks_async(self, n: int, timeout: float = 5.0) -> list[CallbackRecord]:
        """wait_callbacks without blocking the caller's event loop (use it when the receiver runs there)."""
        return await asyncio.to_thread(self.wait_callbacks, n, timeout)

    # -- inbound webhooks ---------------------------------------------------------------------------

    def _inbound_request(
        self,
        url: str,
        from_: str,
        to: str,
        body: str,
        message_sid: str | None,
        messaging_service_sid: str | None,
        extra: Mapping[str, str | None] | None,
        sign: bool,
        signature: str | None,
    ) -> tuple[dict[str, str], bytes]:
        form = inbound_form(
            account_sid=self.account_sid,
            from_=from_,
            to=to,
            body=body,
            message_sid=message_sid,
            messaging_service_sid=messaging_service_sid,
            extra=extra,
        )
        headers, data = signed_form(url, form, self.auth_token)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        elif not sign:
            del headers["X-Twilio-Signature"]
        return headers, data

    def inbound_sms(
        self,
        url: str,
        *,
        from_: str,
        to: str,
        body: str,
        message_sid: str | None = None,
        messaging_service_sid: str | None = None,
        extra: Mapping[str, str | None] | None = None,
        sign: bool = True,
        signature: str | None = None,
        timeout: float = 10.0,
    ) -> tuple[int, str]:
        """POST an incoming-SMS webhook to url (signed for url unless sign=False or a forged signature is
        given); return (status_code, response_text). Blocking: do not call it from the event loop that
        serves url, use inbound_sms_async there."""
        headers, data = self._inbound_request(
            url, from_, to, body, message_sid, messaging_service_sid, extra, sign, signature
        )
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    async def inbound_sms_async(
        self,
        url: str,
        *,
        from_: str,
        to: str,
        body: str,
        message_sid: str | None = None,
        messaging_service_sid: str | None = None,
        extra: Mapping[str, str | None] | None = None,
        sign: bool = True,
        signature: str | None = None,
        timeout: float = 10.0,
    ) -> tuple[int, str]:
        """inbound_sms with httpx.AsyncClient."""
        import httpx

        headers, data = self._inbound_request(
            url, from_, to, body, message_sid, messaging_service_sid, extra, sign, signature
        )
        async with httpx.AsyncClient(trust_env=False, timeout=timeout) as http:
            response = await http.post(url, content=data, headers=headers)
        return response.status_code, response.text

    # -- HTTP handlers (peer thread) ----------------------------------------------------------------

    def _authenticate(self, request: web.Request) -> bool:
        ok = _check_basic_auth(request.headers.get("Authorization"), self.account_sid, self.auth_token)
        # Valid credentials for another account's path are refused too.
        return ok and request.match_info.get("account_sid") == self.account_sid

    @staticmethod
    def _auth_error() -> _TwilioError:
        return _TwilioError(401, 20003, "Authenticate", {"WWW-Authenticate": 'Basic realm="Twilio API"'})

    def _record(self, request: web.Request, form: dict[str, Any], auth_ok: bool) -> None:
        with self._lock:
            self._requests.append(RequestRecord(request.method, request.path, form, auth_ok))

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        form = _form_dict(await request.post()) if request.method == "POST" else {}
        auth_ok = _check_basic_auth(request.headers.get("Authorization"), self.account_sid, self.auth_token)
        self._record(request, form, auth_ok)
        if not auth_ok:
            return self._auth_error().response()
        return _TwilioError(404, 20404, f"The requested resource {request.path} was not found").response()

    async def _handle_fetch(self, request: web.Request) -> web.Response:
        auth_ok = self._authenticate(request)
        self._record(request, {}, auth_ok)
        if not auth_ok:
            return self._auth_error().response()
        with self._lock:
            resource = copy.deepcopy(self._messages.get(request.match_info["sid"]))
        if resource is None:
            return _TwilioError(404, 20404, f"The requested resource {request.path} was not found").response()
        return web.json_response(resource, status=200)

    async def _handle_create(self, request: web.Request) -> web.Response:
        form = _form_dict(await request.post())
        auth_ok = self._authenticate(request)
        self._record(request, form, auth_ok)
        if not auth_ok:
            return self._auth_error().response()

        with self._lock:
            hang = self._hangs.popleft() if self._hangs else None
            failure = self._failures.popleft() if self._failures else None

        if failure is not None:
            if hang is not None:
                await asyncio.sleep(hang.seconds)
            return self._failure_error(failure).response()

        try:
            self._validate(form)
        except _TwilioError as error:
            if hang is not None:
                await asyncio.sleep(hang.seconds)
            return error.response()

        if hang is not None and not hang.create:
            # If the client gives up meanwhile, handler cancellation ends this coroutine here.
            await asyncio.sleep(hang.seconds)
        resource = self._create(form)
        if hang is not None and hang.create:
            await asyncio.sleep(hang.seconds)
        return web.json_response(resource, status=201)

    @staticmethod
    def _failure_error(failure: _Failure) -> _TwilioError:
        if failure.status == 429:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return _TwilioError(429, 20429, "Too Many Requests", headers)
        names = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
        return _TwilioError(failure.status, 20000 + failure.status, names[failure.status])

    def _validate(self, form: dict[str, Any]) -> None:
        to = form.get("To")
        if not to:
            raise _TwilioError(400, 21604, "A 'To' phone number is required.")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            raise _TwilioError(400, 21603, "A 'From' phone number is required.")
        body = form.get("Body")
        if not body and not form.get("MediaUrl") and not form.get("ContentSid"):
            raise _TwilioError(400, 21602, "Message body is required.")
        if isinstance(body, str) and len(body) > _MAX_BODY_CHARS:
            raise _TwilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        if not isinstance(to, str) or not is_e164(to):
            raise _TwilioError(400, 21211, f"Invalid 'To' Phone Number: {to}")
        with self._lock:
            not_mobile = to in self._not_mobile
            opted_out = to in self._opted_out
        if not_mobile:
            raise _TwilioError(400, 21614, f"'To' number {to} is not a valid mobile number")
        if opted_out:
            raise _TwilioError(400, 21610, "Attempt to send to unsubscribed recipient")

    def _create(self, form: dict[str, Any]) -> dict[str, Any]:
        sid = _new_sid("SM")
        now = _rfc2822(_now())
        service_sid = form.get("MessagingServiceSid") or None
        sender = form.get("From") or None
        body = form.get("Body") or ""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json"
        resource: dict[str, Any] = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": service_sid,
            "num_media": "0",
            # Through a Messaging Service Twilio reports 0 segments until it has picked a sender.
            "num_segments": "0" if service_sid and not sender else str(num_segments(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service_sid else "queued",
            "subresource_uris": {"media": uri.removesuffix(".json") + "/Media.json"},
            "to": form["To"],
            "uri": uri,
        }
        with self._lock:
            self._messages[sid] = resource
            snapshot = copy.deepcopy(resource)
            plan = self._plan(form["To"])
        callback_url = form.get("StatusCallback")
        task = asyncio.get_running_loop().create_task(self._deliver(sid, callback_url, plan))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return snapshot

    def _plan(self, to: str) -> tuple[list[tuple[str, int | None]], list[int]]:
        """(lifecycle statuses, indices of them in the order their callbacks are posted). Lock held."""
        outcome = self._outcomes.get(to)
        if outcome is None:
            lifecycle: list[tuple[str, int | None]] = [("sent", None), ("delivered", None)]
        elif outcome[0] == "undelivered":
            lifecycle = [("sent", None), ("undelivered", outcome[1])]
        else:
            lifecycle = [("failed", outcome[1])]
        order = list(range(len(lifecycle)))
        if self.callback_order == "reversed":
            order.reverse()
        if self.duplicate_callbacks:
            order = [i for i in order for _ in range(2)]
        return lifecycle, order

    def _pick_sender(self, service_sid: str) -> str:
        pool = self._service_pools.get(service_sid, self._default_pool)
        number = pool[self._pool_turn % len(pool)]
        self._pool_turn += 1
        return number

    def _advance(self, sid: str, status: str, error_code: int | None) -> dict[str, Any]:
        """Move the stored resource to status; return a copy. Lock held."""
        resource = self._messages[sid]
        now = _rfc2822(_now())
        resource["status"] = status
        resource["date_updated"] = now
        if resource["date_sent"] is None and status in ("sent", "delivered", "undelivered"):
            resource["date_sent"] = now
        if error_code is not None:
            resource["error_code"] = error_code
            resource["error_message"] = _DELIVERY_ERRORS.get(error_code)
        return copy.deepcopy(resource)

    async def _deliver(
        self, sid: str, callback_url: str | None, plan: tuple[list[tuple[str, int | None]], list[int]]
    ) -> None:
        lifecycle, order = plan
        await asyncio.sleep(self.callback_delay)  # the create answer goes out first
        with self._lock:
            resource = self._messages[sid]
            if resource["from"] is None:  # Messaging Service: assign a sender from its pool
                resource["from"] = self._pick_sender(resource["messaging_service_sid"])
                resource["num_segments"] = str(num_segments(resource["body"]))
        reached = -1
        previous: int | None = None
        token = ""
        for index in order:
            reached = max(reached, index)
            status, error_code = lifecycle[index]
            with self._lock:
                state = self._advance(sid, lifecycle[reached][0], lifecycle[reached][1])
            if not callback_url:
                continue
            if index != previous:  # one idempotency token per callback; a duplicate reuses it
                token = secrets.token_hex(16)
            previous = index
            params = {
                "SmsSid": sid,
                "SmsStatus": status,
                "MessageStatus": status,
                "To": state["to"],
                "MessageSid": sid,
                "AccountSid": self.account_sid,
                "From": state["from"],
                "ApiVersion": API_VERSION,
            }
            if state["messaging_service_sid"]:
                params["MessagingServiceSid"] = state["messaging_service_sid"]
            if error_code is not None:
                params["ErrorCode"] = str(error_code)
            await self._post_callback(callback_url, params, token)
            await asyncio.sleep(self.callback_interval)

    async def _post_callback(self, url: str, params: dict[str, str], token: str) -> None:
        headers, data = signed_form(url, params, self.auth_token)
        headers["I-Twilio-Idempotency-Token"] = token
        status_code: int | None = None
        host = urllib.parse.urlsplit(url).hostname
        if host in _LOOPBACK_HOSTS and self._session is not None:
            try:
                timeout = aiohttp.ClientTimeout(total=self.callback_timeout)
                # encoded=True: post to exactly the URL that was signed, without requoting it.
                target = yarl.URL(url, encoded=True)
                async with self._session.post(
                    target, data=data, headers=headers, timeout=timeout
                ) as response:
                    await response.read()
                    status_code = response.status
            except (aiohttp.ClientError, TimeoutError):
                status_code = None
        with self._changed:
            self._callbacks.append(CallbackRecord(url, params, status_code, headers))
            self._changed.notify_all()


def basic_auth_header(username: str, password: str) -> str:
    """An HTTP Basic Authorization header value (for raw-HTTP tests against the peer)."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
