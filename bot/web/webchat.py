"""The web chat page: `/c/<token>` binds the browser to the youth once, `/chat` is the conversation.

- `GET /c/<token>`: a one-time link from the youth's SMS (bot.links). The first browser to open it is bound:
  it gets a session cookie (a random secret, HttpOnly, SameSite=Lax, Secure on https) and the youth a web
  chat contact point whose address is the secret's digest. The same browser opening the link again goes to
  its chat; any other browser gets 410 and the advice to ask for a new link.
- `GET /chat`: the thread on this chat, server-rendered, readable on a phone, with a plain form: sending
  works without JavaScript (POST, then a redirect back). With JavaScript, the form posts in the background
  and `GET /chat/events` (server-sent events) shows new messages live.
- `POST /chat`: the youth's message, through the same inbound path as every channel. The form carries a
  per-session CSRF token and a one-time message id: a double submit is stored once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, StreamingResponse
from fastapi.templating import Jinja2Templates

from adapters.base import Inbound
from adapters.webchat import chat_address
from bot.chats import BindRefused, bind, chat_point
from bot.receive import receive
from bot.web.deps import Services, ServicesDep
from flows.templates import render
from storage.enums import Channel, Direction
from storage.models import ContactPoint, County, Message, Youth

router = APIRouter(tags=[Channel.WEBCHAT.value])
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
COOKIE = "otbot_chat"
COOKIE_DAYS = 90
MAX_TEXT = 2000
POLL_SECONDS = 3.0
OSLO = ZoneInfo("Europe/Oslo")
MESSAGE = Message.__table__  # type: ignore[attr-defined]

# The page's own words, per language (the messages themselves are in flows/templates).
WORDS: dict[str, dict[str, str]] = {
    "nb": {"title": "Chat med Oppfølgingstjenesten", "label": "Din melding", "send": "Send",
           "empty": "Ingen meldinger ennå. Skriv til oss!", "you": "Du", "ot": "OT",
           "help": "Er det akutt, ring 113. Du kan også ringe Mental Helse 116 123 eller Kirkens SOS 22 40 00 40.",
           "gone": "Lenken virker ikke", "sent": "Sendt", "too_long": "Meldingen er for lang."},
    "nn": {"title": "Chat med Oppfølgingstenesta", "label": "Meldinga di", "send": "Send",
           "empty": "Ingen meldingar enno. Skriv til oss!", "you": "Du", "ot": "OT",
           "help": "Er det akutt, ring 113. Du kan òg ringje Mental Helse 116 123 eller Kirkens SOS 22 40 00 40.",
           "gone": "Lenka verkar ikkje", "sent": "Sendt", "too_long": "Meldinga er for lang."},
    "en": {"title": "Chat with the follow-up service", "label": "Your message", "send": "Send",
           "empty": "No messages yet. Write to us!", "you": "You", "ot": "OT",
           "help": "In an emergency, call 113. You can also call Mental Helse 116 123 or Kirkens SOS 22 40 00 40.",
           "gone": "The link does not work", "sent": "Sent", "too_long": "The message is too long."},
}


def _csrf(svc: Services, secret: str) -> str:
    key = hashlib.sha256(b"webchat-csrf:" + svc.links.key_digest).digest()
    return hmac.new(key, secret.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _secure(svc: Services) -> bool:
    return svc.settings.public_url.startswith("https://")


def _session(request: Request, svc: Services) -> tuple[str, ContactPoint] | None:
    secret = request.cookies.get(COOKIE)
    if not secret or len(secret) > 100:
        return None
    point = chat_point(svc.engine, Channel.WEBCHAT, chat_address(secret))
    return (secret, point) if point is not None else None


def _thread(svc: Services, point: ContactPoint, after: int = 0) -> list[dict[str, Any]]:
    with svc.engine.connect() as connection:
        rows = connection.execute(
            sa.select(MESSAGE.c.id, MESSAGE.c.direction, MESSAGE.c.text, MESSAGE.c.created_at)
            .where(MESSAGE.c.contact_point_id == point.id, MESSAGE.c.channel == Channel.WEBCHAT,
                   MESSAGE.c.id > after).order_by(MESSAGE.c.id).limit(500)
        ).all()
    return [{"id": r.id, "mine": r.direction == Direction.INBOUND, "text": r.text,
             "at": r.created_at.astimezone(OSLO).strftime("%d.%m. %H:%M")} for r in rows]


def _language(svc: Services, point: ContactPoint) -> str:
    with svc.engine.connect() as connection:
        youth = Youth.__table__  # type: ignore[attr-defined]
        language = connection.execute(sa.select(youth.c.language).where(youth.c.id == point.youth_id)).scalar()
    return str(language) if str(language) in WORDS else "nb"


def _county(svc: Services, point: ContactPoint) -> str:
    with svc.engine.connect() as connection:
        county = County.__table__  # type: ignore[attr-defined]
        return str(connection.execute(sa.select(county.c.name).where(county.c.id == point.county_id)).scalar())


@router.get("/c/{token}")
async def open_link(token: str, request: Request, svc: ServicesDep) -> Response:
    secret = request.cookies.get(COOKIE)
    if not secret or len(secret) > 100:
        secret = secrets.token_urlsafe(32)
    try:
        await run_in_threadpool(bind, svc.engine, svc.links, Channel.WEBCHAT, token, chat_address(secret),
                                svc.clock())
    except BindRefused:
        text = render("chat_link_invalid", "nb")
        return TEMPLATES.TemplateResponse(request, "chat_gone.html",
                                          {"words": WORDS["nb"], "text": text, "lang": "nb"}, status_code=410)
    response = RedirectResponse("/chat", status_code=303)
    response.set_cookie(COOKIE, secret, max_age=COOKIE_DAYS * 86400, httponly=True, samesite="lax",
                        secure=_secure(svc), path="/")
    return response


@router.get("/chat")
async def chat_page(request: Request, svc: ServicesDep, error: str | None = None) -> Response:
    session = await run_in_threadpool(_session, request, svc)
    if session is None:
        text = render("chat_not_bound", "nb")
        return TEMPLATES.TemplateResponse(request, "chat_gone.html",
                                          {"words": WORDS["nb"], "text": text, "lang": "nb"}, status_code=403)
    secret, point = session
    language = await run_in_threadpool(_language, svc, point)
    messages = await run_in_threadpool(_thread, svc, point)
    county = await run_in_threadpool(_county, svc, point)
    context = {"words": WORDS[language], "lang": language, "messages": messages, "county": county,
               "csrf": _csrf(svc, secret), "client_id": uuid.uuid4().hex, "error": error,
               "last_id": messages[-1]["id"] if messages else 0, "max_text": MAX_TEXT}
    response = TEMPLATES.TemplateResponse(request, "chat.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/chat")
async def chat_send(request: Request, svc: ServicesDep, background: BackgroundTasks) -> Response:
    session = await run_in_threadpool(_session, request, svc)
    if session is None:
        return Response("this browser is not linked to a chat", status_code=403, media_type="text/plain")
    secret, point = session
    form = await request.form()
    token = str(form.get("csrf", ""))
    if not hmac.compare_digest(token.encode(), _csrf(svc, secret).encode()):
        return Response("the form has expired: reload the page", status_code=403, media_type="text/plain")
    text = str(form.get("text", "")).strip()
    client_id = str(form.get("client_id", ""))
    fetch = request.headers.get("x-requested-with") == "fetch"
    if not text or len(text) > MAX_TEXT or not (8 <= len(client_id) <= 64) or not client_id.isalnum():
        if fetch:
            return Response("empty or too long", status_code=400, media_type="text/plain")
        return RedirectResponse("/chat?error=1", status_code=303)
    inbound = Inbound(channel=Channel.WEBCHAT, account="", provider_id=f"{point.id}:{client_id}",
                      address=point.address, text=text, received_at=svc.clock())
    received = await svc.run_write(receive, svc.engine, inbound, svc.clock(), only_county=point.county_id)
    svc.hub.notify(point.address)
    if received.result is not None and not received.result.duplicate:
        svc.metrics.webhook(Channel.WEBCHAT.value, "accepted")
        background.add_task(svc.kick)
    if fetch:
        return Response(status_code=204)
    return RedirectResponse("/chat", status_code=303)


@router.get("/chat/events")
async def chat_events(request: Request, svc: ServicesDep, after: int = 0) -> Response:
    session = await run_in_threadpool(_session, request, svc)
    if session is None:
        return Response(status_code=403)
    _, point = session
    last = int(request.headers.get("last-event-id") or after or 0)

    async def stream() -> AsyncIterator[str]:
        nonlocal last
        event = svc.hub.listen(point.address)
        try:
            yield "retry: 3000\n\n"
            while not await request.is_disconnected():
                for message in await run_in_threadpool(_thread, svc, point, last):
                    last = message["id"]
                    yield f"id: {last}\nevent: message\ndata: {json.dumps(message, ensure_ascii=False)}\n\n"
                event.clear()
                try:
                    await asyncio.wait_for(event.wait(), timeout=POLL_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
        finally:
            svc.hub.forget(point.address, event)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
