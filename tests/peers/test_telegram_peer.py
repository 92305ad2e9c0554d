"""Real aiogram 3 against TelegramPeer, the fake Bot API on 127.0.0.1 (tests/peers/telegram_peer.py)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from aiohttp import web

from tests.peers.telegram_peer import SECRET_HEADER, TelegramPeer

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"


@pytest.fixture
def peer() -> Iterator[TelegramPeer]:
    """A fresh peer of its own (the aiogram tests below share one, see TestWithAiogram)."""
    with TelegramPeer(token=TOKEN, bot_username="ot_test_bot") as running:
        yield running


class _Receiver:
    """A tiny webhook receiver on 127.0.0.1 in its own thread (stdlib), answering 200."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append((dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/telegram/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> _Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture(scope="class")
def shared_peer() -> Iterator[TelegramPeer]:
    with TelegramPeer(token=TOKEN, bot_username="ot_test_bot") as running:
        yield running


@pytest_asyncio.fixture(scope="class", loop_scope="class")
async def shared_bot(shared_peer: TelegramPeer) -> AsyncIterator[Bot]:
    client = shared_peer.bot()
    try:
        yield client
    finally:
        await client.session.close()


@pytest.mark.asyncio(loop_scope="class")
class TestWithAiogram:
    """Real aiogram against one running peer and one aiogram session for the whole class.

    aiogram's session.close() sleeps 0.25 s, so sharing one Bot keeps the file fast; peer.reset()
    gives every test a fresh peer state (message ids start at 1 again, no failures, no webhook).
    """

    @pytest.fixture
    def peer(self, shared_peer: TelegramPeer) -> TelegramPeer:
        shared_peer.reset()
        return shared_peer

    @pytest.fixture
    def bot(self, peer: TelegramPeer, shared_bot: Bot) -> Bot:
        return shared_bot

    async def test_get_me(self, bot: Bot) -> None:
        me = await bot.get_me()
        assert me.id == 123456
        assert me.is_bot is True
        assert me.username == "ot_test_bot"


    async def test_send_message_returns_message_with_chat_and_increasing_ids(self, peer: TelegramPeer, bot: Bot) -> None:
        keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Ja", callback_data="yes")]])
        first = await bot.send_message(42, "Hei! Hva gjør du nå?", parse_mode="HTML", reply_markup=keyboard)
        second = await bot.send_message(42, "Svar gjerne")
        other = await bot.send_message(43, "Hei")

        assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
        assert first.chat.id == 42
        assert first.chat.type == "private"
        assert first.from_user is not None
        assert first.from_user.username == "ot_test_bot"
        assert first.text == "Hei! Hva gjør du nå?"
        assert first.reply_markup is not None
        # Compare dumps: the parsed model also carries the Bot it came through.
        assert first.reply_markup.model_dump(exclude_none=True) == keyboard.model_dump(exclude_none=True)

        sent = peer.sent
        assert [(m["chat_id"], m["message_id"], m["text"]) for m in sent] == [
            (42, 1, "Hei! Hva gjør du nå?"),
            (42, 2, "Svar gjerne"),
            (43, 1, "Hei"),
        ]
        assert sent[0]["parse_mode"] == "HTML"
        assert sent[0]["reply_markup"] == {"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]}
        assert sent[1]["reply_markup"] is None
        assert [r["method"] for r in peer.requests] == ["sendMessage"] * 3
        assert all(r["token_ok"] and r["status"] == 200 for r in peer.requests)


    async def test_set_webhook_then_get_webhook_info_and_delete(self, peer: TelegramPeer, bot: Bot) -> None:
        url = "https://example.invalid/telegram/webhook"
        assert await bot.set_webhook(
            url, secret_token="s3cret_-X", allowed_updates=["message"], drop_pending_updates=True
        ) is True
        info = await bot.get_webhook_info()
        assert info.url == url
        assert info.pending_update_count == 0
        assert info.has_custom_certificate is False
        assert info.allowed_updates == ["message"]
        assert peer.webhook["secret_token"] == "s3cret_-X"
        assert peer.webhook["drop_pending_updates"] is True

        assert await bot.delete_webhook() is True
        assert (await bot.get_webhook_info()).url == ""


    async def test_set_webhook_rejects_a_bad_secret(self, peer: TelegramPeer, bot: Bot) -> None:
        with pytest.raises(TelegramBadRequest, match="secret token contains unallowed characters"):
            await bot.set_webhook("https://example.invalid/hook", secret_token="not allowed!")
        assert peer.webhook["url"] == ""


    async def test_set_my_commands(self, peer: TelegramPeer, bot: Bot) -> None:
        commands = [BotCommand(command="start", description="Start"), BotCommand(command="stopp", description="Stopp")]
        assert await bot.set_my_commands(commands) is True
        assert peer.commands == [
            {"command": "start", "description": "Start"},
            {"command": "stopp", "description": "Stopp"},
        ]
        assert [c.command for c in await bot.get_my_commands()] == ["start", "stopp"]


    async def test_wrong_token_is_unauthorized(self, peer: TelegramPeer, bot: Bot) -> None:
        wrong = Bot("999999:WRONG-token", session=bot.session)  # the shared session, closed by its fixture
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await wrong.get_me()
        assert peer.requests[-1]["token_ok"] is False
        assert peer.requests[-1]["status"] == 401


    async def test_blocked_chat_is_forbidden_and_nothing_is_sent(self, peer: TelegramPeer, bot: Bot) -> None:
        peer.blocked(42)
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(42, "Hei")
        assert peer.sent == []
        assert (await bot.send_message(43, "Hei")).message_id == 1


    async def test_chat_not_found_is_a_bad_request(self, peer: TelegramPeer, bot: Bot) -> None:
        peer.chat_not_found(77)
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(77, "Hei")
        assert peer.sent == []


    async def test_429_raises_retry_after_3_then_the_next_call_passes(self, peer: TelegramPeer, bot: Bot) -> None:
        peer.fail_next(1, status=429, retry_after=3)
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(42, "Hei")
        assert caught.value.retry_after == 3
        assert "Too Many Requests: retry after 3" in str(caught.value)
        assert peer.sent == []
        assert (await bot.send_message(42, "Hei")).message_id == 1
        assert len(peer.sent) == 1


    async def test_500_raises_server_error(self, peer: TelegramPeer, bot: Bot) -> None:
        peer.fail_next(2, status=500)
        for _ in range(2):
            with pytest.raises(TelegramServerError, match="Internal Server Error"):
                await bot.send_message(42, "Hei")
        assert peer.sent == []
        assert [r["status"] for r in peer.requests] == [500, 500]


    async def test_hang_times_out_the_client_and_delivers_nothing(self, peer: TelegramPeer) -> None:
        impatient = peer.bot(timeout=0.2)
        peer.hang_next(1, seconds=1.0)
        try:
            started = time.monotonic()
            with pytest.raises(TelegramNetworkError, match="timeout"):
                await impatient.send_message(42, "Hei")
            waited = time.monotonic() - started
        finally:
            await impatient.session.close()
        assert waited < 0.9
        assert peer.sent == []


    async def test_hang_with_deliver_sends_although_the_client_gave_up(self, peer: TelegramPeer) -> None:
        impatient = peer.bot(timeout=0.1)
        peer.hang_next(1, seconds=0.3, deliver=True)
        try:
            with pytest.raises(TelegramNetworkError, match="timeout"):
                await impatient.send_message(42, "Kom den fram?")
        finally:
            await impatient.session.close()
        sent = await peer.wait_sent_async(1, timeout=2.0)
        assert [(m["chat_id"], m["text"]) for m in sent] == [(42, "Kom den fram?")]

    async def test_unknown_method_is_not_found(self, peer: TelegramPeer, bot: Bot) -> None:
        with pytest.raises(TelegramNotFound, match="Not Found"):
            await bot.send_chat_action(42, "typing")
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.post(peer.api_url("noSuchMethod"), data={"x": "1"})
        assert response.status_code == 404
        assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


    async def test_update_async_uses_the_webhook_secret_and_ids_increase(self, peer: TelegramPeer, bot: Bot) -> None:
        seen: list[tuple[str | None, dict[str, Any]]] = []

        async def receive(request: web.Request) -> web.Response:
            seen.append((request.headers.get(SECRET_HEADER), await request.json()))
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post("/hook", receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        try:
            await bot.set_webhook(url, secret_token="fra-setWebhook")
            first = await peer.update_async(url, chat_id=9, text="hei")
            second = await peer.update_async(url, chat_id=9, text="/stopp", secret=None)
            reply = await bot.send_message(9, "Takk")
        finally:
            await runner.cleanup()

        assert first == (200, "ok")
        assert second == (200, "ok")
        assert seen[0][0] == "fra-setWebhook"
        assert seen[1][0] is None
        first_update, second_update = (Update.model_validate(body) for _, body in seen)
        assert second_update.update_id == first_update.update_id + 1
        assert first_update.message is not None
        assert first_update.message.entities is None
        assert second_update.message is not None
        assert second_update.message.message_id == first_update.message.message_id + 1
        # Inbound and outbound messages share the chat's message ids, as in a real private chat.
        assert reply.message_id == second_update.message.message_id + 1


def test_json_body_and_wait_sent_from_another_thread(peer: TelegramPeer) -> None:
    def send_later() -> None:
        time.sleep(0.05)
        httpx.post(
            peer.api_url("sendMessage"),
            json={"chat_id": 5, "text": "fra JSON", "reply_markup": {"remove_keyboard": True}},
            trust_env=False,
        )

    sender = threading.Thread(target=send_later)
    sender.start()
    sent = peer.wait_sent(1, timeout=2.0)
    sender.join()
    assert sent[0]["chat_id"] == 5
    assert sent[0]["text"] == "fra JSON"
    assert sent[0]["reply_markup"] == {"remove_keyboard": True}
    with pytest.raises(TimeoutError):
        peer.wait_sent(2, timeout=0.05)


def test_update_posts_a_real_update_with_the_secret_header(peer: TelegramPeer) -> None:
    with _Receiver() as receiver:
        status, text = peer.update(receiver.url, chat_id=4242, text="/start abc", username="ola", secret="hemmelig")
        status_again, _ = peer.post_update(receiver.url, peer.last_update_json or {}, secret="hemmelig")

    assert (status, text, status_again) == (200, "ok", 200)
    assert len(receiver.received) == 2
    headers, body = receiver.received[0]
    assert headers[SECRET_HEADER] == "hemmelig"
    assert headers["Content-Type"] == "application/json"
    update = Update.model_validate(json.loads(body))
    assert update.message is not None
    assert update.message.text == "/start abc"
    assert update.message.chat.id == 4242
    assert update.message.chat.type == "private"
    assert update.message.from_user is not None
    assert update.message.from_user.is_bot is False
    assert update.message.from_user.language_code == "nb"
    assert update.message.from_user.username == "ola"
    assert update.message.entities is not None
    entity = update.message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)
    assert entity.extract_from(update.message.text) == "/start"
    # Telegram's retry of the same update carries the same update_id.
    assert json.loads(receiver.received[1][1]) == json.loads(body)
    assert [d["update_id"] for d in peer.deliveries] == [update.update_id] * 2


def test_reset_keeps_requests_from_before_out_of_the_records(peer: TelegramPeer) -> None:
    peer.hang_next(1, seconds=0.1, deliver=True)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(peer.api_url("sendMessage"), data={"chat_id": "1", "text": "gammel"}, timeout=0.03,
                   trust_env=False)
    peer.reset()
    time.sleep(0.2)  # the hung request ends meanwhile, after the reset
    assert peer.sent == []
    assert peer.requests == []


def test_stop_ends_the_server() -> None:
    peer = TelegramPeer().start()
    url = peer.api_url("getMe")
    assert httpx.get(url, trust_env=False).json()["result"]["username"] == "ot_test_bot"
    peer.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, trust_env=False, timeout=1.0)
    with pytest.raises(RuntimeError):
        _ = peer.base_url
