"""The web chat over HTTP without JavaScript: the one-time link, the cookie, the form, CSRF, double submits,
escaping, and the live event stream. (The page in a real browser: test_webchat_browser.py.)"""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.links import Purpose
from storage.enums import Channel, Direction
from storage.models import ChatBinding, ContactPoint, Message, StatusChange, Youth
from tests.web.conftest import NOW, Stack


def ingrid(engine: Engine) -> Youth:
    with Session(engine) as session:
        return session.exec(select(Youth).where(col(Youth.roster_id) == "700100")).one()


def link(stack: Stack, youth_id: int, when=NOW) -> str:  # type: ignore[no-untyped-def]
    return f"{stack.url}/c/{stack.services.links.issue(Purpose.WEBCHAT, youth_id, when)}"


def count(engine: Engine, model: type, *where: object) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())  # type: ignore[arg-type]


def opened(stack: Stack) -> tuple[httpx.Client, Youth]:
    youth = ingrid(stack.services.engine)
    assert youth.id is not None
    client = httpx.Client(base_url=stack.url)
    response = client.get(link(stack, youth.id))
    assert response.status_code == 303 and response.headers["location"] == "/chat"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    return client, youth


def form_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(csrf|client_id)" value="([^"]+)"', page))


def test_the_link_binds_this_browser_once(chat_stack: Stack) -> None:
    client, youth = opened(chat_stack)
    page = client.get("/chat")
    assert page.status_code == 200
    assert '<label for="text">Din melding</label>' in page.text and 'lang="nb"' in page.text
    assert "113" in page.text  # where to get help now, on every page
    with Session(chat_stack.services.engine) as session:
        point = session.exec(select(ContactPoint).where(col(ContactPoint.channel) == Channel.WEBCHAT)).one()
    assert point.youth_id == youth.id and point.verified
    # The same browser again: its chat. Another browser: the link is spent.
    assert client.get(link(chat_stack, youth.id)).status_code == 303
    other = httpx.get(link(chat_stack, youth.id))
    assert other.status_code == 410 and "set-cookie" not in other.headers
    assert count(chat_stack.services.engine, ChatBinding) == 1


def test_an_expired_or_forged_link_and_no_cookie_are_refused(chat_stack: Stack) -> None:
    youth = ingrid(chat_stack.services.engine)
    assert youth.id is not None
    assert httpx.get(link(chat_stack, youth.id, NOW - timedelta(days=20))).status_code == 410
    assert httpx.get(f"{chat_stack.url}/c/AAAAAAAAAAAAAAAAAAAAAAA").status_code == 410
    assert httpx.get(f"{chat_stack.url}/chat").status_code == 403
    assert httpx.post(f"{chat_stack.url}/chat", data={"text": "hei"}).status_code == 403
    assert count(chat_stack.services.engine, ContactPoint, col(ContactPoint.channel) == Channel.WEBCHAT) == 0


def test_sending_without_javascript_reads_the_reply_once(chat_stack: Stack) -> None:
    client, youth = opened(chat_stack)
    fields = form_fields(client.get("/chat").text)
    data = {**fields, "text": "Jeg har fått lærlingplass som elektriker"}
    first = client.post("/chat", data=data)
    again = client.post("/chat", data=data)  # a double submit of the same form
    assert (first.status_code, again.status_code) == (303, 303)
    engine = chat_stack.services.engine
    assert count(engine, Message, col(Message.channel) == Channel.WEBCHAT,
                 col(Message.direction) == Direction.INBOUND) == 1
    with Session(engine) as session:
        change = session.exec(select(StatusChange).where(col(StatusChange.youth_id) == youth.id,
                                                         col(StatusChange.actor) == "bot")).one()
    assert change.source_message_id is not None
    page = client.get("/chat").text
    assert "lærlingplass som elektriker" in page


def test_a_post_without_the_forms_token_is_refused(chat_stack: Stack) -> None:
    client, _ = opened(chat_stack)
    response = client.post("/chat", data={"text": "hei", "client_id": "abcdef0123456789", "csrf": "x" * 32})
    assert response.status_code == 403
    assert count(chat_stack.services.engine, Message) == 0


def test_markup_in_a_message_is_shown_as_text(chat_stack: Stack) -> None:
    client, _ = opened(chat_stack)
    fields = form_fields(client.get("/chat").text)
    client.post("/chat", data={**fields, "text": '<script>alert(1)</script><img src=x onerror="alert(2)">'})
    page = client.get("/chat").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_event_stream_carries_the_bots_answer(chat_stack: Stack) -> None:
    client, _ = opened(chat_stack)
    fields = form_fields(client.get("/chat").text)
    client.post("/chat", data={**fields, "text": "hvem er dette?"})
    assert chat_stack.dispatch().sent == 1  # the answer, through the web chat channel
    events: list[str] = []
    with client.stream("GET", "/chat/events", params={"after": 0}, timeout=10) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(line)
            if len(events) == 2:
                break
    assert '"mine": true' in events[0] and '"mine": false' in events[1]
