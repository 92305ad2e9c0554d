"""The phone simulator of `otbot demo`: the demo roster's fictional people, each with their "phone".

Served only in demo mode (`Services.demo`; app.py mounts this router then and never otherwise). No login: the
page stands in for the youth's and guardians' own phones, and every page says it shows fictional people.

- `GET /demo/phone`: every person with an SMS contact point (youth: name, age, status code; guardians: name and
  whose guardian), grouped by county, each linking to their phone. The numbers are shown: they are fictional,
  and the number is what tells two phones apart (a number shared by two people shows on both).
- `GET /demo/phone/{id}`: the SMS thread of contact point `id` as the phone shows it: every SMS to or from its
  number (the bot's on the left, the person's own on the right; time in Europe/Oslo; delivery status), and a
  reply box. Sending works without JavaScript (POST, then a redirect back); with JavaScript the form posts in
  the background and `GET /demo/phone/{id}/events` (server-sent events: the database polled every
  POLL_SECONDS, and woken at once by `svc.hub` for this number or for every page after a dispatcher run) shows
  new messages and delivery status live.
- `POST /demo/phone/{id}`: the person's reply, through the inbound path of the real channels
  (`bot.receive.receive` with an SMS `Inbound` from the SMS adapter's account), then the dispatcher is woken.
  The form carries a per-phone CSRF token (an HMAC of the contact point id under a key derived from the link
  key) and a one-time client id: the provider id is `sim-<number>-<client id>`, so a double submit is stored
  once, and a message the inbound path could not attribute to a contact point (a number shared by several
  youth) still shows on the phone that sent it.

Unknown ids, and contact points that are not SMS, are 404 on every route.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, StreamingResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import Session, col, func, select

from adapters.base import Inbound
from bot.age import age_on
from bot.receive import receive
from bot.web.deps import Services, ServicesDep
from storage.enums import Channel, DeliveryStatus, Direction
from storage.models import ContactPoint, County, Guardian, Message, Youth, YouthGuardian

router = APIRouter(tags=["demo"])
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
MAX_TEXT = 1600  # ten SMS segments; the adviser's reply box has the same limit
POLL_SECONDS = 1.5
SHOWN = 300  # the newest messages a phone page shows
OSLO = ZoneInfo("Europe/Oslo")
WATCHED = 50  # the most messages an event stream watches for a change of delivery status
SIM_PREFIX = "sim-"
MESSAGE = Message.__table__  # type: ignore[attr-defined]
# Statuses that may still move: the event stream keeps watching these messages.
MOVING = frozenset({DeliveryStatus.QUEUED, DeliveryStatus.SENT})

STATUS_WORDS: dict[str, str] = {
    DeliveryStatus.RECEIVED: "Mottatt av OT",
    DeliveryStatus.QUEUED: "I kø",
    DeliveryStatus.SENT: "Sendt",
    DeliveryStatus.DELIVERED: "Levert",
    DeliveryStatus.FAILED: "Ikke levert",
}
ERRORS: dict[str, str] = {
    "tom": "Skriv en melding før du sender.",
    "lang": f"Meldingen er for lang (høyst {MAX_TEXT} tegn).",
    "avvist": "Meldingen ble ikke tatt imot: ingen fylke kjenner dette nummeret.",
}


@dataclass
class Phone:
    """One SMS contact point as the list and the phone page show it."""

    id: int
    county_id: int
    county: str
    name: str
    detail: str  # "24 år · OTUK" or "foresatt til Thea Dahl"
    number: str
    address: str
    guardian: bool
    notes: list[str] = field(default_factory=list)
    messages: int = 0
    sort_key: tuple[Any, ...] = ()


def number_shown(address: str) -> str:
    """A Norwegian mobile number as people write it (+47 400 00 100); any other address as it is."""
    if address.startswith("+47") and len(address) == 11 and address[3:].isdigit():
        digits = address[3:]
        return f"+47 {digits[:3]} {digits[3:5]} {digits[5:]}"
    return address


def _csrf(svc: Services, point_id: int) -> str:
    key = hashlib.sha256(b"phone-csrf:" + svc.links.key_digest).digest()
    return hmac.new(key, str(point_id).encode("ascii"), hashlib.sha256).hexdigest()[:32]


def _sim_prefix(address: str) -> str:
    """The provider id prefix of the messages sent from this number's simulated phone."""
    return SIM_PREFIX + "".join(c for c in address if c.isalnum())[:40] + "-"


def _names(youths: list[Youth]) -> str:
    names = [f"{y.first_name} {y.last_name}" for y in youths]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def _phones(svc: Services, point_id: int | None = None) -> list[Phone]:
    """Every SMS contact point (or only `point_id`, when it is one) with its person, in list order."""
    today = svc.clock().astimezone(OSLO).date()
    with Session(svc.engine) as session:
        query = select(ContactPoint).where(col(ContactPoint.channel) == Channel.SMS)
        if point_id is not None:
            query = query.where(col(ContactPoint.id) == point_id)
        points = session.exec(query.order_by(col(ContactPoint.id))).all()
        if not points:
            return []
        counties = {c.id: c.name for c in session.exec(select(County))}
        guardian_ids = {p.guardian_id for p in points if p.guardian_id is not None}
        guardians = {g.id: g for g in session.exec(select(Guardian).where(col(Guardian.id).in_(guardian_ids)))}
        links = session.exec(select(YouthGuardian).where(col(YouthGuardian.guardian_id).in_(guardian_ids))).all()
        children: dict[int, list[YouthGuardian]] = defaultdict(list)
        for link in links:
            children[link.guardian_id].append(link)
        youth_ids = {p.youth_id for p in points if p.youth_id is not None} | {link.youth_id for link in links}
        youths = {y.id: y for y in session.exec(select(Youth).where(col(Youth.id).in_(youth_ids)))}
        counts = dict(session.exec(
            select(Message.contact_point_id, func.count()).where(
                col(Message.channel) == Channel.SMS, col(Message.contact_point_id).in_([p.id for p in points]))
            .group_by(col(Message.contact_point_id))
        ).all())
    phones: list[Phone] = []
    for point in points:
        assert point.id is not None
        notes = []
        if point.opted_out:
            notes.append("har sagt STOPP")
        if point.wrong_number:
            notes.append("merket som feil nummer")
        if point.retired_at is not None:
            notes.append("brukes ikke lenger")
        phone = Phone(id=point.id, county_id=point.county_id, county=counties.get(point.county_id, "?"), name="",
                      detail="", number=number_shown(point.address), address=point.address, guardian=False,
                      notes=notes, messages=int(counts.get(point.id, 0)))
        if point.youth_id is not None:
            youth = youths.get(point.youth_id)
            if youth is None:
                continue
            phone.name = f"{youth.first_name} {youth.last_name}"
            phone.detail = f"{age_on(youth.birth_date, today)} år · {youth.status_code}"
            phone.sort_key = (youth.last_name, youth.first_name, youth.id, 0, "")
            phones.append(phone)
            continue
        guardian = guardians.get(point.guardian_id) if point.guardian_id is not None else None
        if guardian is None:
            continue
        own = children.get(guardian.id or 0, [])
        current = [link for link in own if link.ended_at is None] or own
        kids = sorted((youths[link.youth_id] for link in current if link.youth_id in youths),
                      key=lambda y: (y.last_name, y.first_name, y.id or 0))
        phone.name = guardian.name
        phone.guardian = True
        phone.detail = f"foresatt til {_names(kids)}" if kids else "foresatt (uten barn i registeret)"
        first = kids[0] if kids else None
        phone.sort_key = ((first.last_name, first.first_name, first.id, 1, guardian.name) if first
                          else ("\uffff", guardian.name, guardian.id, 1, ""))
        phones.append(phone)
    return sorted(phones, key=lambda p: (p.county, p.sort_key, p.id))


def _phone(svc: Services, point_id: int) -> Phone | None:
    found = _phones(svc, point_id)
    return found[0] if found else None


def _same_number(svc: Services, address: str) -> list[int]:
    """The SMS contact points with this number: a phone shows what was sent to any of them."""
    with Session(svc.engine) as session:
        return [i for i in session.exec(select(ContactPoint.id).where(
            col(ContactPoint.channel) == Channel.SMS, col(ContactPoint.address) == address)) if i is not None]


def _shown(row: Any) -> dict[str, Any]:
    at = row.created_at.astimezone(OSLO)
    status = DeliveryStatus(row.delivery_status)
    return {"id": row.id, "mine": row.direction == Direction.INBOUND, "text": row.text,
            "at": at.strftime("%d.%m. %H:%M"), "iso": at.isoformat(timespec="minutes"),
            "status": status.value, "status_text": STATUS_WORDS.get(status, status.value)}


def _thread(svc: Services, phone: Phone, after: int = 0, watch: frozenset[int] = frozenset()) -> list[dict[str, Any]]:
    """The phone's messages after id `after` (the newest SHOWN when `after` is 0), and those in `watch`."""
    points = _same_number(svc, phone.address)
    account = svc.adapters[Channel.SMS].account
    mine = sa.and_(MESSAGE.c.direction == Direction.INBOUND, MESSAGE.c.provider_account == account,
                   MESSAGE.c.provider_id.startswith(_sim_prefix(phone.address), autoescape=True))
    on_phone = sa.and_(MESSAGE.c.channel == Channel.SMS, sa.or_(MESSAGE.c.contact_point_id.in_(points), mine))
    wanted = MESSAGE.c.id > after
    if watch:
        wanted = sa.or_(wanted, MESSAGE.c.id.in_(sorted(watch)))
    columns = (MESSAGE.c.id, MESSAGE.c.direction, MESSAGE.c.text, MESSAGE.c.created_at, MESSAGE.c.delivery_status)
    with svc.engine.connect() as connection:
        if after == 0 and not watch:
            rows = list(reversed(connection.execute(
                sa.select(*columns).where(on_phone).order_by(MESSAGE.c.id.desc()).limit(SHOWN)).all()))
        else:
            rows = list(connection.execute(
                sa.select(*columns).where(on_phone, wanted).order_by(MESSAGE.c.id).limit(SHOWN)).all())
    return [_shown(row) for row in rows]


def _county_sender(svc: Services, phone: Phone) -> str | None:
    """The county's own SMS sender, when it has one: the number the person's reply goes to."""
    with Session(svc.engine) as session:
        county = session.get(County, phone.county_id)
    senders = ((county.settings or {}) if county is not None else {}).get("senders") or {}
    sender = str(senders.get(Channel.SMS.value, "")).strip() if isinstance(senders, dict) else ""
    return sender or None


def _not_found(request: Request, groups: list[tuple[str, list[Phone]]]) -> Response:
    response = TEMPLATES.TemplateResponse(
        request, "phone_list.html", {"groups": groups, "missing": True}, status_code=404)
    response.headers["Cache-Control"] = "no-store"
    return response


def _grouped(phones: list[Phone]) -> list[tuple[str, list[Phone]]]:
    groups: dict[str, list[Phone]] = {}
    for phone in phones:
        groups.setdefault(phone.county, []).append(phone)
    return list(groups.items())


@router.get("/demo/phone")
async def phone_list(request: Request, svc: ServicesDep) -> Response:
    phones = await run_in_threadpool(_phones, svc)
    response = TEMPLATES.TemplateResponse(request, "phone_list.html", {"groups": _grouped(phones), "missing": False})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/demo/phone/{point_id}")
async def phone_page(point_id: int, request: Request, svc: ServicesDep, feil: str | None = None) -> Response:
    phone = await run_in_threadpool(_phone, svc, point_id)
    if phone is None:
        return _not_found(request, _grouped(await run_in_threadpool(_phones, svc)))
    messages = await run_in_threadpool(_thread, svc, phone)
    context = {"phone": phone, "messages": messages, "csrf": _csrf(svc, phone.id), "client_id": uuid.uuid4().hex,
               "error": ERRORS.get(feil or ""), "last_id": messages[-1]["id"] if messages else 0,
               "max_text": MAX_TEXT, "errors": ERRORS}
    response = TEMPLATES.TemplateResponse(request, "phone.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/demo/phone/{point_id}")
async def phone_send(point_id: int, request: Request, svc: ServicesDep, background: BackgroundTasks) -> Response:
    phone = await run_in_threadpool(_phone, svc, point_id)
    if phone is None:
        return Response("Fant ikke denne telefonen.", status_code=404, media_type="text/plain")
    form = await request.form()
    token = str(form.get("csrf", ""))
    if not hmac.compare_digest(token.encode(), _csrf(svc, phone.id).encode()):
        return Response("Skjemaet er utløpt eller kom ikke fra denne siden: last inn siden på nytt.",
                        status_code=403, media_type="text/plain")
    fetch = request.headers.get("x-requested-with") == "fetch"
    text = str(form.get("text", "")).strip()
    client_id = str(form.get("client_id", ""))
    problem = "tom" if not text else "lang" if len(text) > MAX_TEXT else None
    if problem is None and not (8 <= len(client_id) <= 64 and client_id.isascii() and client_id.isalnum()):
        return Response("Skjemaet mangler sin id: last inn siden på nytt.", status_code=400, media_type="text/plain")
    if problem is not None:
        if fetch:
            return Response(ERRORS[problem], status_code=400, media_type="text/plain")
        return RedirectResponse(f"/demo/phone/{phone.id}?feil={problem}", status_code=303)
    now = svc.clock()
    inbound = Inbound(channel=Channel.SMS, account=svc.adapters[Channel.SMS].account,
                      provider_id=_sim_prefix(phone.address) + client_id, address=phone.address, text=text,
                      received_at=now, to=await run_in_threadpool(_county_sender, svc, phone))
    received = await svc.run_write(receive, svc.engine, inbound, now, default_county_name=svc.settings.default_county)
    svc.hub.notify(phone.address)
    if received.result is None:
        if fetch:
            return Response(ERRORS["avvist"], status_code=422, media_type="text/plain")
        return RedirectResponse(f"/demo/phone/{phone.id}?feil=avvist", status_code=303)
    if not received.result.duplicate:
        background.add_task(svc.kick)
    if fetch:
        return Response(status_code=204)
    return RedirectResponse(f"/demo/phone/{phone.id}", status_code=303)


@router.get("/demo/phone/{point_id}/events")
async def phone_events(point_id: int, request: Request, svc: ServicesDep, after: int = 0) -> Response:
    phone = await run_in_threadpool(_phone, svc, point_id)
    if phone is None:
        return Response(status_code=404)
    try:
        last = max(0, int(request.headers.get("last-event-id") or after or 0))
    except ValueError:
        last = 0

    async def stream() -> AsyncIterator[str]:
        nonlocal last
        # Messages whose delivery status may still move. At the start, the newest the page already shows: their
        # status is sent once (it may have moved since the page was made), then only when it moves.
        shown = await run_in_threadpool(_thread, svc, phone)
        watching: dict[int, str] = {m["id"]: "" for m in shown[-WATCHED:] if m["id"] <= last}
        event = svc.hub.listen(phone.address)
        try:
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                event.clear()
                found = await run_in_threadpool(_thread, svc, phone, last, frozenset(watching))
                for message in found:
                    data = json.dumps(message, ensure_ascii=False)
                    if message["id"] > last:
                        last = message["id"]
                        yield f"id: {last}\nevent: message\ndata: {data}\n\n"
                    elif watching.get(message["id"]) != message["status"]:
                        yield f"event: status\ndata: {data}\n\n"
                    if message["status"] in MOVING:
                        watching[message["id"]] = message["status"]
                    else:
                        watching.pop(message["id"], None)
                while len(watching) > WATCHED:
                    watching.pop(min(watching))
                try:
                    await asyncio.wait_for(event.wait(), timeout=POLL_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
        finally:
            svc.hub.forget(phone.address, event)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
