"""A fake Telegram Bot API server for tests: real HTTP on 127.0.0.1 that real aiogram 3 talks to.

`TelegramPeer` runs an aiohttp.web server in a background thread with its own event loop, on an
OS-chosen port of 127.0.0.1, so sync and async tests can use it alike. It speaks the Bot API wire
protocol (https://core.telegram.org/bots/api): requests go to ``/bot<token>/<method>`` as form fields,
multipart form data, a JSON body or query parameters, and every answer is ``{"ok": true, "result": ...}``
or ``{"ok": false, "error_code": N, "description": "...", "parameters": {...}}``.

Recipe for aiogram (the custom API server support of aiogram.client.telegram)::

    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    with TelegramPeer() as peer:            # or peer.start() ... peer.stop()
        bot = Bot(peer.token, session=AiohttpSession(api=TelegramAPIServer.from_base(peer.base_url)))
        # the same in one call: bot = peer.bot()
        try:
            await bot.send_message(42, "Hei!")
        finally:
            await bot.session.close()       # the caller always closes the session
        assert peer.sent[0]["text"] == "Hei!"

Methods: getMe, sendMessage, setWebhook, deleteWebhook, getWebhookInfo, setMyCommands, getMyCommands
(names are case-insensitive, as on Telegram). Anything else answers 404 "Not Found"; a wrong token
answers 401 "Unauthorized" (aiogram raises TelegramUnauthorizedError).

Failure injection (a failed request never records a sent message):

* ``peer.blocked(chat_id)``: sendMessage answers 403 "Forbidden: bot was blocked by the user".
* ``peer.chat_not_found(chat_id)``: sendMessage answers 400 "Bad Request: chat not found".
* ``peer.fail_next(n, status=500)``: the next n calls answer 500 "Internal Server Error";
  ``status=429, retry_after=3`` answers "Too Many Requests: retry after 3" with
  ``parameters: {"retry_after": 3}`` (aiogram raises TelegramRetryAfter).
* ``peer.hang_next(n, seconds)``: the next n calls answer only after ``seconds`` (for client
  timeouts). By default a hung call is a failure (504 "Gateway Timeout", nothing delivered); with
  ``deliver=True`` it is processed normally after the wait: Telegram delivered, the answer came late.

Inbound: ``peer.update(url, chat_id=..., text=...)`` builds a real Update JSON and POSTs it to your
webhook with the ``X-Telegram-Bot-Api-Secret-Token`` header (the secret given at setWebhook unless
told otherwise); ``make_update`` / ``post_update`` / ``last_update_json`` let a test resend the
identical update, as Telegram does until it gets a 2xx.

Records (thread-safe copies): ``peer.sent``, ``peer.requests``, ``peer.deliveries``, ``peer.webhook``,
``peer.commands``; ``peer.wait_sent(n, timeout)`` / ``await peer.wait_sent_async(n, timeout)``.
``peer.reset()`` gives a running peer a fresh state (records, failures, webhook, message ids), so one
peer and one aiogram session can serve many tests; requests begun before a reset leave no trace.

Only 127.0.0.1 is ever contacted: the server binds to it, and the inbound helpers ignore proxy
settings from the environment (they post wherever the test says, normally a local receiver).
"""

from __future__ import annotations

import asyncio
import copy
import enum
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal, Self

import httpx
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

__all__ = ["FROM_WEBHOOK", "SECRET_HEADER", "TelegramPeer"]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"

# Fields that clients send JSON-serialized inside form data (aiogram does so for dicts and lists).
_JSON_FIELDS = frozenset(
    {"reply_markup", "link_preview_options", "allowed_updates", "commands", "scope", "entities",
     "reply_parameters"}
)
_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[^/]+)$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_MAX_TEXT = 4096
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}


class _Secret(enum.Enum):
    """Sentinel: use the secret_token given at setWebhook (no header if none was given)."""

    FROM_WEBHOOK = "from-webhook"


FROM_WEBHOOK: Literal[_Secret.FROM_WEBHOOK] = _Secret.FROM_WEBHOOK
SecretArg = str | None | Literal[_Secret.FROM_WEBHOOK]


class _ApiError(Exception):
    """An ok-false answer: raised inside a method handler, turned into the JSON error body."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class _Fault:
    """One injected failure (fail_next) or delay (hang_next), optionally for one method only."""

    method: str | None
    status: int = 500
    description: str = ""
    retry_after: int | None = None
    seconds: float = 0.0
    deliver: bool = False

    def matches(self, method: str) -> bool:
        return self.method is None or self.method.lower() == method.lower()


def _chat_key(value: Any) -> int | str:
    """A chat id as Telegram reads it: an integer, or an @username string."""
    if isinstance(value, bool):
        raise _ApiError(400, "Bad Request: chat_id is empty")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "1"}


def _utf16_len(text: str) -> int:
    """Entity offsets and lengths count UTF-16 code units in the Bot API."""
    return len(text.encode("utf-16-le")) // 2


def _error_body(status: int, description: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


class TelegramPeer:
    """A fake Telegram Bot API on 127.0.0.1 (see the module docstring for the whole picture)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "ot_test_bot",
        *,
        bot_first_name: str = "OT Test Bot",
        first_update_id: int = 100_000_001,
    ) -> None:
        bot_id, sep, secret = token.partition(":")
        if not (sep and bot_id.isdigit() and secret):
            raise ValueError(f"a bot token looks like '123456:ABC...', got {token!r}")
        self.token = token
        self.bot_id = int(bot_id)
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name

        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._next_update_id = first_update_id
        self._message_ids: dict[int | str, int] = {}
        self._chat_names: dict[int | str, tuple[str, str | None]] = {}
        self._blocked: set[int | str] = set()
        self._not_found: set[int | str] = set()
        self._faults: list[_Fault] = []
        self._hangs: list[_Fault] = []
        self._sent: list[dict[str, Any]] = []
        self._requests: list[dict[str, Any]] = []
        self._deliveries: list[dict[str, Any]] = []
        self._webhook: dict[str, Any] = {"url": ""}
        self._commands: list[dict[str, Any]] = []
        self._last_update: dict[str, Any] | None = None
        # Bumped by reset(): requests that began before it leave no trace afterwards.
        self._generation = 0

        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._port: int | None = None

        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 5.0) -> Self:
        """Start the server thread; returns once the port is bound. Starting twice is an error."""
        if self._thread is not None:
            raise RuntimeError("TelegramPeer is already started")
        self._ready.clear()
        self._startup_error = None
        self._thread = threading.Thread(target=self._run, name="telegram-peer", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("TelegramPeer did not start in time")
        if self._startup_error is not None:
            self._thread.join(timeout)
            self._thread = None
            raise RuntimeError("TelegramPeer failed to start") from self._startup_error
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the server (hanging requests end at once). Safe to call twice or before start."""
        thread, loop, stop_event = self._thread, self._loop, self._stop_event
        if thread is None:
            return
        if loop is not None and stop_event is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop_event.set)
            except RuntimeError:  # the loop closed in between
                pass
        thread.join(timeout)
        self._thread = None
        self._port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("TelegramPeer is not running; call start() or use it as a context manager")
        return self._port

    @property
    def base_url(self) -> str:
        """The API root, e.g. http://127.0.0.1:41234 (aiogram adds /bot<token>/<method>)."""
        return f"http://127.0.0.1:{self.port}"

    def api_url(self, method: str, token: str | None = None) -> str:
        """The full URL of one method, for raw HTTP clients."""
        return f"{self.base_url}/bot{token or self.token}/{method}"

    def api_server(self) -> TelegramAPIServer:
        """aiogram's description of this server."""
        return TelegramAPIServer.from_base(self.base_url)

    def bot(self, token: str | None = None, *, timeout: float = 10.0, **bot_kwargs: Any) -> Bot:
        """A real aiogram Bot pointed at this peer. The caller closes it: ``await bot.session.close()``."""
        session = AiohttpSession(api=self.api_server(), timeout=timeout)
        return Bot(token or self.token, session=session, **bot_kwargs)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported to start() or lost after stop
            if not self._ready.is_set():
                self._startup_error = exc
                self._ready.set()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self) -> None:
        self._stop_event = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self._port = int(runner.addresses[0][1])
            self._ready.set()
            await self._stop_event.wait()
        finally:
            await runner.cleanup()

    # ------------------------------------------------------------------ failure injection

    def blocked(self, chat_id: int | str) -> None:
        """sendMessage to this chat answers 403 "Forbidden: bot was blocked by the user"."""
        with self._lock:
            self._blocked.add(_chat_key(chat_id))

    def unblock(self, chat_id: int | str) -> None:
        with self._lock:
            self._blocked.discard(_chat_key(chat_id))

    def chat_not_found(self, chat_id: int | str) -> None:
        """sendMessage to this chat answers 400 "Bad Request: chat not found"."""
        with self._lock:
            self._not_found.add(_chat_key(chat_id))

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        method: str | None = None,
    ) -> None:
        """The next n API calls (of `method` only, if given) answer ok false with this status.

        429 without retry_after uses 1 second; its description is "Too Many Requests: retry after N".
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(status) or HTTPStatus(status).phrase
        with self._lock:
            self._faults.extend(
                _Fault(method, status=status, description=description, retry_after=retry_after)
                for _ in range(n)
            )

    def hang_next(self, n: int = 1, seconds: float = 30.0, *, deliver: bool = False,
                  method: str | None = None) -> None:
        """The next n API calls (of `method` only, if given) answer after `seconds`.

        deliver=False: then 504 "Gateway Timeout", nothing recorded in `sent`.
        deliver=True: then processed normally (the message counts as delivered even if the client
        gave up meanwhile). stop() ends every wait at once.
        """
        with self._lock:
            self._hangs.extend(_Fault(method, seconds=seconds, deliver=deliver) for _ in range(n))

    def clear_failures(self) -> None:
        """Forget blocked chats, unknown chats and pending fail_next / hang_next entries."""
        with self._lock:
            self._blocked.clear()
            self._not_found.clear()
            self._faults.clear()
            self._hangs.clear()

    # ------------------------------------------------------------------ records

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Delivered messages in order: chat_id, text, message_id, reply_markup, parse_mode, ..."""
        with self._lock:
            return copy.deepcopy(self._sent)

    def sent_to(self, chat_id: int | str) -> list[dict[str, Any]]:
        key = _chat_key(chat_id)
        return [m for m in self.sent if m["chat_id"] == key]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every API request in order: method, params, token_ok, status (the HTTP status answered)."""
        with self._lock:
            return copy.deepcopy(self._requests)

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        """Every inbound update posted: url, update_id, status (None if the post failed), secret."""
        with self._lock:
            return copy.deepcopy(self._deliveries)

    @property
    def webhook(self) -> dict[str, Any]:
        """The webhook as set: url ("" when none), secret_token, allowed_updates, drop_pending_updates..."""
        with self._lock:
            return copy.deepcopy(self._webhook)

    @property
    def commands(self) -> list[dict[str, Any]]:
        """The command list from the last setMyCommands."""
        with self._lock:
            return copy.deepcopy(self._commands)

    @property
    def last_update_json(self) -> dict[str, Any] | None:
        """The last Update built by make_update/update (a copy; post it again with post_update)."""
        with self._lock:
            return copy.deepcopy(self._last_update)

    def wait_sent(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until at least n messages are sent; TimeoutError otherwise. Not from the peer's loop."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._sent) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"expected {n} sent messages within {timeout}s, got {len(self._sent)}")
                self._changed.wait(left)
            return copy.deepcopy(self._sent)

    async def wait_sent_async(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """wait_sent for async tests: polls without blocking the caller's event loop."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if len(self._sent) >= n:
                    return copy.deepcopy(self._sent)
                count = len(self._sent)
            if time.monotonic() >= deadline:
                raise TimeoutError(f"expected {n} sent messages within {timeout}s, got {count}")
            await asyncio.sleep(0.01)

    def reset_records(self) -> None:
        """Forget sent messages, requests and deliveries (message and update counters go on)."""
        with self._lock:
            self._sent.clear()
            self._requests.clear()
            self._deliveries.clear()

    def reset(self) -> None:
        """Back to a fresh peer on the same port: records, failures, webhook, commands, message ids.

        Update ids keep increasing (as on Telegram). Lets one running peer (and one aiogram session)
        serve many tests.
        """
        with self._lock:
            self._generation += 1
            self._blocked.clear()
            self._not_found.clear()
            self._faults.clear()
            self._hangs.clear()
            self._sent.clear()
            self._requests.clear()
            self._deliveries.clear()
            self._message_ids.clear()
            self._chat_names.clear()
            self._webhook = {"url": ""}
            self._commands = []
            self._last_update = None

    # ------------------------------------------------------------------ inbound updates

    def make_update(
        self,
        *,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        first_name: str = "Test",
        username: str | None = None,
        update_id: int | None = None,
        message_id: int | None = None,
        date: int | None = None,
        language_code: str = "nb",
    ) -> dict[str, Any]:
        """A private-chat text message Update as Telegram sends it; also kept as last_update_json."""
        user: dict[str, Any] = {
            "id": chat_id if user_id is None else user_id,
            "is_bot": False,
            "first_name": first_name,
        }
        chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
        if username is not None:
            user["username"] = username
            chat["username"] = username
        user["language_code"] = language_code
        with self._lock:
            if update_id is None:
                update_id = self._next_update_id
            self._next_update_id = max(self._next_update_id, update_id + 1)
            key = _chat_key(chat_id)
            if message_id is None:
                message_id = self._message_ids.get(key, 0) + 1
            self._message_ids[key] = max(self._message_ids.get(key, 0), message_id)
            self._chat_names[key] = (first_name, username)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": user,
            "chat": chat,
            "date": int(time.time()) if date is None else date,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        update = {"update_id": update_id, "message": message}
        with self._lock:
            self._last_update = copy.deepcopy(update)
        return update

    def _secret_headers(self, secret: SecretArg) -> tuple[dict[str, str], str | None]:
        if secret is FROM_WEBHOOK:
            with self._lock:
                secret = self._webhook.get("secret_token")
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        return headers, secret

    def _record_delivery(self, url: str, update: dict[str, Any], status: int | None, secret: str | None) -> None:
        with self._lock:
            self._deliveries.append(
                {"url": url, "update_id": update.get("update_id"), "status": status, "secret": secret}
            )

    def post_update(
        self, url: str, update: dict[str, Any], *, secret: SecretArg = FROM_WEBHOOK, timeout: float = 5.0
    ) -> tuple[int, str]:
        """POST an Update (e.g. last_update_json again) to a webhook; returns (status_code, body text)."""
        headers, used = self._secret_headers(secret)
        body = json.dumps(update, ensure_ascii=False).encode()
        try:
            with httpx.Client(trust_env=False, timeout=timeout) as client:
                response = client.post(url, content=body, headers=headers)
        except httpx.HTTPError:
            self._record_delivery(url, update, None, used)
            raise
        self._record_delivery(url, update, response.status_code, used)
        return response.status_code, response.text

    async def post_update_async(
        self, url: str, update: dict[str, Any], *, secret: SecretArg = FROM_WEBHOOK, timeout: float = 5.0
    ) -> tuple[int, str]:
        """post_update for async tests."""
        headers, used = self._secret_headers(secret)
        body = json.dumps(update, ensure_ascii=False).encode()
        try:
            async with httpx.AsyncClient(trust_env=False, timeout=timeout) as client:
                response = await client.post(url, content=body, headers=headers)
        except httpx.HTTPError:
            self._record_delivery(url, update, None, used)
            raise
        self._record_delivery(url, update, response.status_code, used)
        return response.status_code, response.text

    def update(
        self,
        url: str,
        *,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        first_name: str = "Test",
        username: str | None = None,
        secret: SecretArg = FROM_WEBHOOK,
        update_id: int | None = None,
        message_id: int | None = None,
        timeout: float = 5.0,
    ) -> tuple[int, str]:
        """Build an Update (make_update) and POST it to `url`; returns (status_code, body text).

        secret: default the secret_token given at setWebhook; a string sends that; None sends no header.
        """
        update = self.make_update(
            chat_id=chat_id, text=text, user_id=user_id, first_name=first_name, username=username,
            update_id=update_id, message_id=message_id,
        )
        return self.post_update(url, update, secret=secret, timeout=timeout)

    async def update_async(
        self,
        url: str,
        *,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        first_name: str = "Test",
        username: str | None = None,
        secret: SecretArg = FROM_WEBHOOK,
        update_id: int | None = None,
        message_id: int | None = None,
        timeout: float = 5.0,
    ) -> tuple[int, str]:
        """update() for async tests."""
        update = self.make_update(
            chat_id=chat_id, text=text, user_id=user_id, first_name=first_name, username=username,
            update_id=update_id, message_id=message_id,
        )
        return await self.post_update_async(url, update, secret=secret, timeout=timeout)

    # ------------------------------------------------------------------ HTTP side

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise _ApiError(400, "Bad Request: can't parse JSON request body") from exc
                if not isinstance(body, dict):
                    raise _ApiError(400, "Bad Request: JSON request body must be an object")
                params.update(body)
            elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        params[key] = {"filename": value.filename, "content_type": value.content_type}
                    else:
                        params[key] = value
        for key in _JSON_FIELDS & params.keys():
            value = params[key]
            if isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                except ValueError as exc:
                    raise _ApiError(400, f"Bad Request: can't parse {key} JSON object") from exc
        return params

    def _take(self, queue: list[_Fault], method: str) -> _Fault | None:
        with self._lock:
            for index, fault in enumerate(queue):
                if fault.matches(method):
                    return queue.pop(index)
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        match = _PATH.match(request.path)
        method = match["method"] if match else ""
        token_ok = match is not None and match["token"] == self.token
        with self._lock:
            generation = self._generation
        params: dict[str, Any] = {}
        try:
            params = await self._read_params(request)
            if not match:
                raise _ApiError(404, "Not Found")
            if not token_ok:
                raise _ApiError(401, "Unauthorized")
            handler = self._methods.get(method.lower())
            if handler is None:
                raise _ApiError(404, "Not Found")
            hang = self._take(self._hangs, method)
            if hang is not None:
                assert self._stop_event is not None
                try:
                    await asyncio.wait_for(self._stop_event.wait(), hang.seconds)
                except TimeoutError:
                    pass
                with self._lock:
                    stale = generation != self._generation
                if stale or not hang.deliver:
                    raise _ApiError(504, "Gateway Timeout")
            fault = self._take(self._faults, method)
            if fault is not None:
                parameters = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
                raise _ApiError(fault.status, fault.description, parameters)
            result = handler(params)
        except _ApiError as error:
            status = error.status
            body = _error_body(error.status, error.description, error.parameters)
        else:
            status = 200
            body = {"ok": True, "result": result}
            if isinstance(result, tuple):  # (result, description), as for setWebhook
                body = {"ok": True, "result": result[0], "description": result[1]}
        with self._lock:
            if generation == self._generation:
                self._requests.append(
                    {"method": method, "params": params, "token_ok": token_ok, "status": status}
                )
        return web.json_response(body, status=status)

    # ------------------------------------------------------------------ Bot API methods

    def _me(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name, "username": self.bot_username}

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._me(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _chat(self, key: int | str) -> dict[str, Any]:
        if isinstance(key, int) and key < 0:
            return {"id": key, "type": "group", "title": "Test group"}
        first_name, username = self._chat_names.get(key, ("Test", None))
        chat: dict[str, Any] = {"id": key, "type": "private", "first_name": first_name}
        if username is not None:
            chat["username"] = username
        return chat

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        raw_chat = params.get("chat_id")
        if raw_chat is None or raw_chat == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        key = _chat_key(raw_chat)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > _MAX_TEXT:
            raise _ApiError(400, "Bad Request: message is too long")
        reply_markup = params.get("reply_markup")
        with self._changed:
            if isinstance(key, str) or key in self._not_found:
                raise _ApiError(400, "Bad Request: chat not found")
            if key in self._blocked:
                raise _ApiError(403, "Forbidden: bot was blocked by the user")
            message_id = self._message_ids.get(key, 0) + 1
            self._message_ids[key] = message_id
            message: dict[str, Any] = {
                "message_id": message_id,
                "from": self._me(),
                "chat": self._chat(key),
                "date": int(time.time()),
                "text": text,
            }
            # Telegram echoes inline keyboards (only those) in the sent message.
            if isinstance(reply_markup, dict) and "inline_keyboard" in reply_markup:
                message["reply_markup"] = reply_markup
            self._sent.append(
                {
                    "chat_id": key,
                    "text": text,
                    "message_id": message_id,
                    "reply_markup": reply_markup,
                    "parse_mode": params.get("parse_mode"),
                    "link_preview_options": params.get("link_preview_options"),
                    "date": message["date"],
                    "params": params,
                }
            )
            self._changed.notify_all()
        return message

    def _set_webhook(self, params: dict[str, Any]) -> tuple[bool, str]:
        url = str(params.get("url") or "")
        secret = params.get("secret_token") or None
        if secret is not None and not _SECRET_TOKEN.match(str(secret)):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        webhook: dict[str, Any] = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": params.get("allowed_updates"),
            "drop_pending_updates": _truthy(params.get("drop_pending_updates", False)),
            "max_connections": int(params["max_connections"]) if params.get("max_connections") else None,
            "ip_address": params.get("ip_address"),
        }
        with self._lock:
            self._webhook = webhook
        return True, ("Webhook was set" if url else "Webhook was deleted")

    def _delete_webhook(self, params: dict[str, Any]) -> tuple[bool, str]:
        with self._lock:
            had = bool(self._webhook.get("url"))
            self._webhook = {"url": "", "drop_pending_updates": _truthy(params.get("drop_pending_updates", False))}
        return True, ("Webhook was deleted" if had else "Webhook is already deleted")

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            webhook = copy.deepcopy(self._webhook)
        info: dict[str, Any] = {"url": webhook.get("url", ""), "has_custom_certificate": False,
                                "pending_update_count": 0}
        if webhook.get("url"):
            for field in ("ip_address", "max_connections", "allowed_updates"):
                if webhook.get(field) is not None:
                    info[field] = webhook[field]
        return info

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        with self._lock:
            self._commands = copy.deepcopy(commands)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._commands)
