"""Telegram end to end: real aiogram against the fake Bot API (tests/peers/telegram_peer.py), real Update JSON
into our webhook; chats bound by a one-time deep link only."""

from __future__ import annotations

import concurrent.futures
import time
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from adapters.telegram import WEBHOOK_PATH
from bot.links import Purpose
from flows.templates import render
from storage.enums import Channel, Direction, OutboxState
from storage.models import ChatBinding, ContactPoint, Message, Outbox, StatusChange, Youth
from tests.web.conftest import NOW, TELEGRAM_SECRET, Stack

CHAT = 5550001
OTHER_CHAT = 5550002


def peer(stack: Stack) -> Any:
    return stack.telegram  # type: ignore[attr-defined]


def url(stack: Stack) -> str:
    return stack.url + WEBHOOK_PATH


def ingrid(engine: Engine) -> Youth:
    with Session(engine) as session:
        return session.exec(select(Youth).where(col(Youth.roster_id) == "700100")).one()


def token_for(stack: Stack, youth_id: int) -> str:
    return stack.services.links.issue(Purpose.TELEGRAM, youth_id, NOW)


def count(engine: Engine, model: type, *where: object) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())  # type: ignore[arg-type]


def chat_point(engine: Engine, chat: int) -> ContactPoint | None:
    with Session(engine) as session:
        return session.exec(select(ContactPoint).where(col(ContactPoint.channel) == Channel.TELEGRAM,
                                                       col(ContactPoint.address) == str(chat))).first()


def bind(stack: Stack, chat: int = CHAT) -> Youth:
    youth = ingrid(stack.services.engine)
    assert youth.id is not None
    status, _ = peer(stack).update(url(stack), chat_id=chat, text=f"/start {token_for(stack, youth.id)}",
                                   secret=TELEGRAM_SECRET)
    assert status == 200
    return youth


def test_a_missing_or_wrong_secret_is_refused_and_nothing_is_stored(telegram_stack: Stack) -> None:
    youth = ingrid(telegram_stack.services.engine)
    assert youth.id is not None
    text = f"/start {token_for(telegram_stack, youth.id)}"
    wrong = peer(telegram_stack).update(url(telegram_stack), chat_id=CHAT, text=text, secret="not-our-secret")
    missing = peer(telegram_stack).update(url(telegram_stack), chat_id=CHAT, text=text, secret=None)
    assert (wrong[0], missing[0]) == (403, 403)
    assert chat_point(telegram_stack.services.engine, CHAT) is None
    assert peer(telegram_stack).sent == []


def test_a_deep_link_binds_the_chat_once(telegram_stack: Stack) -> None:
    engine = telegram_stack.services.engine
    youth = bind(telegram_stack)
    point = chat_point(engine, CHAT)
    assert point is not None and point.youth_id == youth.id and point.verified
    greeting = peer(telegram_stack).sent_to(CHAT)
    assert [m["text"] for m in greeting] == [render("chat_bound", "nb", county="Trøndelag")]
    # The same link from another chat binds nothing: it was for one chat, once.
    assert youth.id is not None
    status, _ = peer(telegram_stack).update(url(telegram_stack), chat_id=OTHER_CHAT,
                                            text=f"/start {token_for(telegram_stack, youth.id)}",
                                            secret=TELEGRAM_SECRET)
    assert status == 200
    assert chat_point(engine, OTHER_CHAT) is None
    assert [m["text"] for m in peer(telegram_stack).sent_to(OTHER_CHAT)] == [render("chat_link_invalid", "nb")]
    assert count(engine, ChatBinding) == 1


def test_a_forged_or_expired_link_binds_nothing(telegram_stack: Stack) -> None:
    engine = telegram_stack.services.engine
    youth = ingrid(engine)
    assert youth.id is not None
    forged = token_for(telegram_stack, youth.id)[:-2] + "AA"
    expired = telegram_stack.services.links.issue(Purpose.TELEGRAM, youth.id, NOW - timedelta(days=30))
    webchat = telegram_stack.services.links.issue(Purpose.WEBCHAT, youth.id, NOW)
    for token in (forged, expired, webchat):
        peer(telegram_stack).update(url(telegram_stack), chat_id=CHAT, text=f"/start {token}", secret=TELEGRAM_SECRET)
    assert chat_point(engine, CHAT) is None


def test_an_unbound_chat_cannot_speak_for_a_youth(telegram_stack: Stack) -> None:
    engine = telegram_stack.services.engine
    status, _ = peer(telegram_stack).update(url(telegram_stack), chat_id=OTHER_CHAT,
                                            text="Hei, det er Ingrid. Jeg jobber på Rema nå", secret=TELEGRAM_SECRET)
    assert status == 200
    assert count(engine, Message) == 0 and count(engine, StatusChange, col(StatusChange.actor) == "bot") == 0
    assert [m["text"] for m in peer(telegram_stack).sent_to(OTHER_CHAT)] == [render("chat_not_bound", "nb")]


def test_a_bound_chats_message_is_read_once_even_when_telegram_retries(telegram_stack: Stack) -> None:
    engine = telegram_stack.services.engine
    youth = bind(telegram_stack)
    update = peer(telegram_stack).make_update(chat_id=CHAT, text="Jeg har begynt på videregående igjen, vg2 helse")
    for _ in range(3):
        status, _ = peer(telegram_stack).post_update(url(telegram_stack), update, secret=TELEGRAM_SECRET)
        assert status == 200
    with Session(engine) as session:
        messages = session.exec(select(Message).where(col(Message.channel) == Channel.TELEGRAM)).all()
        change = session.exec(select(StatusChange).where(col(StatusChange.youth_id) == youth.id,
                                                         col(StatusChange.actor) == "bot")).one()
    assert len(messages) == 1 and messages[0].direction == Direction.INBOUND
    assert messages[0].provider_id == f"{CHAT}:{update['message']['message_id']}"
    assert change.new_code == "OTEV" or change.new_code.startswith("OT")
    assert change.source_message_id == messages[0].id


def test_a_chats_message_is_written_through_the_same_gate_as_the_other_webhooks(telegram_stack: Stack) -> None:
    engine, gate = telegram_stack.services.engine, telegram_stack.services.inbound_gate
    bind(telegram_stack)
    update = peer(telegram_stack).make_update(chat_id=CHAT, text="går på skolen")
    held = [gate.acquire(blocking=False) for _ in range(4)]  # SQLite's gate has one place, PostgreSQL's four
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            posted = pool.submit(peer(telegram_stack).post_update, url(telegram_stack), update, secret=TELEGRAM_SECRET)
            time.sleep(0.5)
            assert not posted.done() and count(engine, Message, col(Message.channel) == Channel.TELEGRAM) == 0
            for taken in held:
                if taken:
                    gate.release()
            held = []
            assert posted.result(timeout=30)[0] == 200
    finally:
        for taken in held:
            if taken:
                gate.release()
    assert count(engine, Message, col(Message.channel) == Channel.TELEGRAM,
                 col(Message.direction) == Direction.INBOUND) == 1


def test_stop_and_start(telegram_stack: Stack) -> None:
    engine = telegram_stack.services.engine
    bind(telegram_stack)
    peer(telegram_stack).update(url(telegram_stack), chat_id=CHAT, text="/stop", secret=TELEGRAM_SECRET)
    point = chat_point(engine, CHAT)
    assert point is not None and point.opted_out
    peer(telegram_stack).update(url(telegram_stack), chat_id=CHAT, text="/start", secret=TELEGRAM_SECRET)
    point = chat_point(engine, CHAT)
    assert point is not None and not point.opted_out
    texts = [m["text"] for m in peer(telegram_stack).sent_to(CHAT)]
    assert texts[-2:] == [render("chat_stopped", "nb"), render("reply_resume", "nb")]


def queue(stack: Stack, youth: Youth, point: ContactPoint, key: str) -> None:
    with Session(stack.services.engine) as session:
        session.add(Outbox(county_id=youth.county_id, youth_id=youth.id, contact_point_id=point.id,
                           idempotency_key=key, channel=Channel.TELEGRAM, text="Hei fra OT!", due_at=NOW,
                           next_attempt_at=NOW))
        session.commit()


def test_the_dispatcher_sends_through_telegram(telegram_stack: Stack) -> None:
    youth = bind(telegram_stack)
    point = chat_point(telegram_stack.services.engine, CHAT)
    assert point is not None
    queue(telegram_stack, youth, point, "test:send")
    stats = telegram_stack.dispatch()
    assert stats.sent == 1
    assert peer(telegram_stack).sent_to(CHAT)[-1]["text"] == "Hei fra OT!"
    with Session(telegram_stack.services.engine) as session:
        message = session.exec(select(Message).where(col(Message.direction) == Direction.OUTBOUND)).one()
    assert message.provider_id == f"{CHAT}:{peer(telegram_stack).sent_to(CHAT)[-1]['message_id']}"


def test_a_blocked_bot_opts_the_chat_out(telegram_stack: Stack) -> None:
    youth = bind(telegram_stack)
    point = chat_point(telegram_stack.services.engine, CHAT)
    assert point is not None
    peer(telegram_stack).blocked(CHAT)
    queue(telegram_stack, youth, point, "test:blocked")
    stats = telegram_stack.dispatch()
    assert stats.cancelled == 1
    point = chat_point(telegram_stack.services.engine, CHAT)
    assert point is not None and point.opted_out


def test_retry_after_is_honoured(telegram_stack: Stack) -> None:
    youth = bind(telegram_stack)
    point = chat_point(telegram_stack.services.engine, CHAT)
    assert point is not None
    peer(telegram_stack).fail_next(1, status=429, retry_after=600)
    queue(telegram_stack, youth, point, "test:429")
    stats = telegram_stack.dispatch()
    assert stats.retried == 1
    with Session(telegram_stack.services.engine) as session:
        row = session.exec(select(Outbox).where(col(Outbox.idempotency_key) == "test:429")).one()
    assert row.state == OutboxState.PENDING and row.next_attempt_at >= NOW + timedelta(seconds=600)
    telegram_stack.clock.advance(seconds=601)
    assert telegram_stack.dispatch().sent == 1


def test_serve_registers_the_webhook_with_the_secret(telegram_stack: Stack) -> None:
    webhook = peer(telegram_stack).webhook
    assert webhook["url"] == telegram_stack.url + WEBHOOK_PATH
    assert webhook["secret_token"] == TELEGRAM_SECRET
