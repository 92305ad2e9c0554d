"""Telegram through aiogram 3, behind our FastAPI app: send, verify the webhook's secret, bind chats.

Inbound updates arrive at `POST /webhooks/telegram`; the request must carry our secret in
`X-Telegram-Bot-Api-Secret-Token` (compared in constant time), else 403. The update then goes through an
aiogram Dispatcher with one router:

- `/start <token>`: a one-time deep link (`https://t.me/<bot>?start=<token>`, bot.links) that only the youth
  received by SMS binds this chat to the youth; a token used, expired or forged binds nothing;
- `/start` in a bound chat resumes messages after a `/stop`; `/stop` stops them (an opt-out of Telegram);
- any other text from a bound chat is the youth's message, handed to the same inbound path as every channel.

`ChatBinding` is an aiogram outer middleware in the usual aiogram style: it asks once per update whether the
chat is bound and gives the handlers `bound: bool`. An unbound chat is never treated as the youth: its
words are not stored, and it is told to open the link from the SMS.

What each of these does to our records is not this module's business: the bot layer gives `TelegramHooks`
(bind, stop, start, receive, bound), and returns the text to answer with. Provider facts — the Bot API's
refusals mapped to our outcomes — are the table below.
"""

from __future__ import annotations

import asyncio
import hmac
import weakref
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message, TelegramObject, Update

from adapters.base import (
    Inbound,
    Outcome,
    OutgoingMessage,
    PayloadError,
    SendResult,
    SignatureError,
    WebRequest,
)
from storage.enums import Channel
from storage.models import telegram_provider_id

SECRET_HEADER = "x-telegram-bot-api-secret-token"
WEBHOOK_PATH = "/webhooks/telegram"

# The Bot API's refusals (https://core.telegram.org/bots/api#making-requests) to our outcomes.
ERRORS: Mapping[type[Exception], Outcome] = {
    TelegramRetryAfter: Outcome.RETRY,  # 429 with parameters.retry_after: honoured
    TelegramForbiddenError: Outcome.OPTED_OUT,  # 403 "bot was blocked by the user": opted out of Telegram
    TelegramNotFound: Outcome.BAD_ADDRESS,  # 400/404 chat not found
    TelegramBadRequest: Outcome.BAD_ADDRESS,  # 400 "chat not found" and other refusals of this chat
    TelegramUnauthorizedError: Outcome.FAILED,  # 401: the token is wrong (configuration)
    TelegramServerError: Outcome.RETRY,  # 5xx
    TelegramNetworkError: Outcome.RETRY,  # connection or timeout
}
REFUSALS = tuple(ERRORS)


def outcome_of(exc: Exception) -> Outcome:
    for kind, outcome in ERRORS.items():
        if isinstance(exc, kind):
            return outcome
    return Outcome.FAILED


class TelegramHooks(Protocol):
    """What a Telegram event does to our records (given by the bot layer). Each returns the text to answer the
    chat with, or None for no answer; each is blocking and is run in a thread."""

    def bound(self, chat_id: int) -> bool: ...

    def bind(self, chat_id: int, token: str, language_code: str | None) -> str | None: ...

    def stop(self, chat_id: int) -> str | None: ...

    def start(self, chat_id: int, language_code: str | None) -> str | None: ...

    def receive(self, inbound: Inbound) -> None: ...


class ChatBinding(BaseMiddleware):
    """Outer middleware: tells the handlers whether the update's chat is bound to a youth (`bound`)."""

    def __init__(self, hooks: TelegramHooks) -> None:
        self.hooks = hooks

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        chat = getattr(event, "chat", None)
        data["bound"] = bool(chat is not None and await asyncio.to_thread(self.hooks.bound, chat.id))
        return await handler(event, data)


class TelegramChannel:
    """One bot: sends through the Bot API and turns webhook updates into our events."""

    channel = Channel.TELEGRAM

    def __init__(self, token: str, secret: str, hooks: TelegramHooks | None = None, *, api_url: str | None = None,
                 username: str | None = None, timeout: float = 15.0) -> None:
        self.account = token.split(":", 1)[0]
        self.username = username
        self._token = token
        self._secret = secret.encode("utf-8")
        self._api_url = api_url
        self._timeout = timeout
        # One Bot (its aiohttp session) per event loop: the webhook's loop and a dispatcher's may differ.
        self._bots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Bot] = weakref.WeakKeyDictionary()
        self.hooks = hooks
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(self._router())

    def bot(self) -> Bot:
        """The Bot of the running event loop, built on first use there (its aiohttp session belongs to it)."""
        loop = asyncio.get_running_loop()
        bot = self._bots.get(loop)
        if bot is None:
            session = AiohttpSession(api=TelegramAPIServer.from_base(self._api_url)) if self._api_url \
                else AiohttpSession()
            session.timeout = self._timeout
            bot = self._bots[loop] = Bot(self._token, session=session)
        return bot

    async def close(self) -> None:
        """Close the running loop's session."""
        bot = self._bots.pop(asyncio.get_running_loop(), None)
        if bot is not None:
            await bot.session.close()

    async def register_webhook(self, public_url: str) -> None:
        """Tell Telegram where to post updates, with our secret token; messages only."""
        await self.bot().set_webhook(url=public_url.rstrip("/") + WEBHOOK_PATH,
                                     secret_token=self._secret.decode("utf-8"), allowed_updates=["message"])

    async def bot_username(self) -> str:
        """The bot's username for deep links: configured, else asked of Telegram once."""
        if not self.username:
            me = await self.bot().get_me()
            self.username = me.username or ""
        return self.username

    # --- sending ------------------------------------------------------------------------------------------------

    async def send(self, message: OutgoingMessage) -> SendResult:
        try:
            chat_id = int(message.address)
        except ValueError:
            return SendResult(Outcome.BAD_ADDRESS, error_code="not a chat id")
        try:
            sent = await self.bot().send_message(chat_id=chat_id, text=message.text)
        except TelegramRetryAfter as exc:
            return SendResult(Outcome.RETRY, error_code="429", retry_after=float(exc.retry_after))
        except (TimeoutError, TelegramNetworkError, OSError) as exc:
            return SendResult(Outcome.RETRY, error_code=type(exc).__name__[:40])
        except REFUSALS as exc:  # every other Bot API refusal: by the table
            return SendResult(outcome_of(exc), error_code=type(exc).__name__[:40])
        return SendResult(Outcome.SENT, provider_id=telegram_provider_id(chat_id, sent.message_id))

    # --- webhook ------------------------------------------------------------------------------------------------

    def verify(self, request: WebRequest) -> None:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not given or not hmac.compare_digest(given, self._secret):
            raise SignatureError("X-Telegram-Bot-Api-Secret-Token missing or wrong")

    async def feed(self, request: WebRequest) -> None:
        """Run a verified update through the router (binding, /stop, /start, messages)."""
        if not isinstance(request.json, dict):
            raise PayloadError("the body is not a JSON object")
        try:
            update = Update.model_validate(request.json, context={"bot": self.bot()})
        except ValueError as exc:
            raise PayloadError("not a Telegram update") from exc
        await self.dispatcher.feed_update(self.bot(), update)

    def _router(self) -> Router:
        router = Router(name="ot-outreach")
        router.message.outer_middleware(ChatBinding(_LazyHooks(self)))

        @router.message(CommandStart(deep_link=True))
        async def deep_link(message: Message, command: CommandObject) -> None:
            language = message.from_user.language_code if message.from_user else None
            answer = await asyncio.to_thread(self._hooks().bind, message.chat.id, command.args or "", language)
            await self._answer(message, answer)

        @router.message(CommandStart())
        async def start(message: Message, bound: bool) -> None:
            language = message.from_user.language_code if message.from_user else None
            answer = await asyncio.to_thread(self._hooks().start, message.chat.id, language)
            await self._answer(message, answer)

        @router.message(Command("stop"))
        async def stop(message: Message, bound: bool) -> None:
            answer = await asyncio.to_thread(self._hooks().stop, message.chat.id)
            await self._answer(message, answer)

        @router.message(F.text)
        async def text(message: Message, bound: bool) -> None:
            if not bound:
                answer = await asyncio.to_thread(self._hooks().start, message.chat.id, None)
                await self._answer(message, answer)
                return
            inbound = Inbound(channel=Channel.TELEGRAM, account=self.account,
                              provider_id=telegram_provider_id(message.chat.id, message.message_id),
                              address=str(message.chat.id), text=message.text or "",
                              received_at=message.date.astimezone(UTC) if message.date else datetime.now(UTC))
            await asyncio.to_thread(self._hooks().receive, inbound)

        return router

    def _hooks(self) -> TelegramHooks:
        if self.hooks is None:
            raise RuntimeError("TelegramChannel.hooks is not set: the web layer gives them")
        return self.hooks

    async def _answer(self, message: Message, text: str | None) -> None:
        if not text:
            return
        try:
            await self.bot().send_message(chat_id=message.chat.id, text=text)
        except REFUSALS:  # an answer that cannot go is not the update's failure (no Telegram retry)
            pass


class _LazyHooks:
    """The channel's hooks as they are when an update arrives (the web layer sets them after construction)."""

    def __init__(self, channel: TelegramChannel) -> None:
        self._channel = channel

    def __getattr__(self, name: str) -> Any:
        return getattr(self._channel._hooks(), name)
