"""E-mail as the last rung: the dispatcher sends a youth's e-mail through SMTP (aiosmtpd on 127.0.0.1) and the
mail carries the youth's own one-time web chat link, which then opens their chat."""

from __future__ import annotations

import asyncio
import re

import httpx
from sqlmodel import Session, col, select

from adapters.email import EmailChannel
from bot.dispatcher import Dispatcher
from bot.links import Purpose
from storage.enums import Channel
from storage.models import ContactPoint, Outbox, Youth
from tests.adapters.test_email import serve
from tests.web.conftest import NOW, Stack


def test_the_email_carries_a_chat_link_that_opens_the_youths_chat(chat_stack: Stack) -> None:
    engine = chat_stack.services.engine
    with Session(engine) as session:
        youth = session.exec(select(Youth).where(col(Youth.roster_id) == "700100")).one()
        point = session.exec(select(ContactPoint).where(col(ContactPoint.youth_id) == youth.id,
                                                        col(ContactPoint.channel) == Channel.EMAIL)).one()
        session.add(Outbox(county_id=youth.county_id, youth_id=youth.id, contact_point_id=point.id,
                           idempotency_key="test:email", channel=Channel.EMAIL, text="Hei Ingrid! Hvordan går det?",
                           due_at=NOW, next_attempt_at=NOW))
        session.commit()
        youth_id = youth.id
    assert youth_id is not None
    links = chat_stack.services.links
    with serve() as smtp:
        channel = EmailChannel("127.0.0.1", smtp.port, from_address="ot@trondelag.example", starttls=False)
        dispatcher = Dispatcher(engine, {Channel.EMAIL: channel}, chat_stack.clock, "test-worker",
                                reply_link=lambda y: f"{chat_stack.url}/c/{links.issue(Purpose.WEBCHAT, y, NOW)}")
        stats = asyncio.run(dispatcher.run_until_empty())
        assert stats.sent == 1
        mail = smtp.handler.received[0].mail()
    body = mail.get_content()
    assert mail["To"] == "ingrid.solberg@example.com" and "Hei Ingrid!" in body
    found = re.search(r"(http://127\.0\.0\.1:\d+/c/[A-Za-z0-9_-]+)", body)
    assert found is not None
    opened = httpx.get(found.group(1))
    assert opened.status_code == 303 and opened.headers["location"] == "/chat"
    with Session(engine) as session:
        bound = session.exec(select(ContactPoint).where(col(ContactPoint.channel) == Channel.WEBCHAT)).one()
    assert bound.youth_id == youth_id
