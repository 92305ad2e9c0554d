"""The adviser inbox: alerts first, the caseload, a youth's conversation, and what an adviser does there.

Every youth an adviser reaches here goes through `bot.advisers.youth_for` (their county, their caseload for
an adviser): anyone else's youth is "not found" (404) on every route. Every read of a youth's record and every
change is written to the access log. Every POST needs the session's CSRF token (`Checked`).

Routes (server-rendered, Jinja2 + htmx; every form also works without JavaScript):

- `GET /inbox`: open alerts (urgent first, updated live over `GET /inbox/events`) and the caseload with filters.
- `POST /inbox/alerts/{id}/ack`: acknowledge an alert (who and when are recorded).
- `GET /inbox/youth/{id}`: youth and guardian threads side by side, code changes with their evidence in words,
  proposals to confirm or reject, set a code by hand, notes, what is planned next (cancel a message), age and
  whether guardians may still be contacted; take over / hand back; reply through the youth's channel.
- `GET /inbox/export.csv`: the code-change CSV for Vigo OT, only what this person may see.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, StreamingResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import Session, col, func, or_, select

from adapters.roster_csv import changes_csv
from bot import codes
from bot.advisers import Principal, visible_youth, youth_for
from bot.age import age_on, is_minor_on
from bot.dispatcher import ADVISER_REPLY
from bot.evidence import evidence_in_words
from bot.roster.export import change_rows
from bot.status import StatusChangeError, change_status, confirm_proposal, reject_proposal
from bot.web.auth import Checked, SignedIn
from bot.web.deps import Services, ServicesDep
from flows.calendar import SendingWindow, is_allowed, local_day
from storage.db import write_session
from storage.enums import ActorKind, AdviserRole, AlertKind, ChangeState, Channel, Direction, OutboxState
from storage.models import (
    AccessLog,
    Adviser,
    Alert,
    ContactPoint,
    County,
    Guardian,
    Message,
    Note,
    Outbox,
    StatusChange,
    Youth,
    YouthGuardian,
)

router = APIRouter(tags=["inbox"])
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
MAX_TEXT = 1600
AGE_BANDS = {"16-17": (16, 17), "18-20": (18, 20), "21-24": (21, 24)}
ALERT_WORDS: dict[str, str] = {
    AlertKind.URGENT: "Akutt", AlertKind.HELP: "Ber om hjelp", AlertKind.WRONG_NUMBER: "Feil nummer",
    AlertKind.OPT_OUT: "Vil ikke ha meldinger", AlertKind.GUARDIAN_INFO: "Fra foresatt",
    AlertKind.UNREAD: "Ikke lest av boten", AlertKind.NO_REPLY: "Ikke svart", AlertKind.NO_CHANNEL: "Ingen kanal",
    AlertKind.UNCERTAIN: "Usikker sending",
}
ALERTS_EVERY = 2.0  # seconds between the event stream's looks at the alerts


def _context(request: Request, who: Principal, nav: str, **values: Any) -> dict[str, Any]:
    return {"who": who, "csrf": request.state.csrf, "nav": nav, "alert_words": ALERT_WORDS, **values}


def _log(session: Session, who: Principal, youth: Youth, action: str, detail: str, now: datetime) -> None:
    session.add(AccessLog(county_id=youth.county_id, youth_id=youth.id, actor=who.actor,
                          actor_kind=ActorKind.ADVISER, action=action, detail=detail[:400], at=now))


def _youth_or_404(session: Session, who: Principal, youth_id: int) -> Youth:
    youth = youth_for(session, who, youth_id)
    if youth is None:
        raise HTTPException(status_code=404)
    return youth


# --- alerts -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    kind: str
    urgent: bool
    youth_id: int | None
    youth_name: str
    detail: str
    created_at: datetime


def _alerts(session: Session, who: Principal) -> list[AlertView]:
    visible = select(Youth.id).where(visible_youth(session, who))
    scope: Any = col(Alert.youth_id).in_(visible)
    if who.role in (AdviserRole.LEAD, AdviserRole.ADMIN):
        scope = or_(scope, (col(Alert.youth_id).is_(None)) & (col(Alert.county_id) == who.county_id))
    rows = session.exec(
        select(Alert, Youth).outerjoin(Youth, col(Youth.id) == col(Alert.youth_id))
        .where(col(Alert.acknowledged_at).is_(None), scope)
        .order_by(col(Alert.urgent).desc(), col(Alert.created_at), col(Alert.id))
    ).all()
    return [AlertView(a.id or 0, a.kind.value, a.urgent or a.kind == AlertKind.URGENT, a.youth_id,
                      f"{y.first_name} {y.last_name}" if y else "ukjent avsender", a.detail or "", a.created_at)
            for a, y in rows]


# --- the caseload -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    name: str
    roster_id: str
    age: int
    status_code: str
    registration_code: str
    open_alerts: int
    urgent_alerts: int
    last_contact: datetime | None
    days_since: int | None
    held: bool


def _caseload(session: Session, who: Principal, now: datetime, filters: dict[str, str]) -> list[CaseRow]:
    today = local_day(now)
    youth = session.exec(select(Youth).where(visible_youth(session, who))).all()
    ids = [y.id for y in youth]
    alerts: dict[int, list[bool]] = defaultdict(list)
    for youth_id, urgent, kind in session.exec(
            select(Alert.youth_id, Alert.urgent, Alert.kind)
            .where(col(Alert.youth_id).in_(ids), col(Alert.acknowledged_at).is_(None))):
        if youth_id is not None:
            alerts[youth_id].append(bool(urgent) or kind == AlertKind.URGENT)
    last: dict[int, datetime] = {
        youth_id: at for youth_id, at in session.exec(
            select(Message.youth_id, func.max(Message.created_at))
            .where(col(Message.youth_id).in_(ids), col(Message.direction) == Direction.INBOUND,
                   col(Message.guardian_id).is_(None))
            .group_by(col(Message.youth_id))) if youth_id is not None}
    rows = []
    for y in youth:
        assert y.id is not None
        seen = last.get(y.id)
        rows.append(CaseRow(y.id, f"{y.first_name} {y.last_name}", y.roster_id, age_on(y.birth_date, today),
                            y.status_code, y.registration_code, len(alerts[y.id]), sum(alerts[y.id]), seen,
                            (today - local_day(seen)).days if seen else None, y.held_by_adviser_id is not None))
    return sorted(_filtered(rows, filters), key=lambda r: (
        -r.urgent_alerts, -r.open_alerts, -(r.days_since if r.days_since is not None else 10_000), r.name))


def _filtered(rows: list[CaseRow], filters: dict[str, str]) -> list[CaseRow]:
    code = filters.get("code", "").strip().upper()
    registration = filters.get("registration", "").strip().upper()
    band = AGE_BANDS.get(filters.get("age", ""))
    days = filters.get("days", "").strip()
    minimum = int(days) if days.isdigit() else None
    return [r for r in rows
            if (not code or r.status_code == code) and (not registration or r.registration_code == registration)
            and (band is None or band[0] <= r.age <= band[1])
            and (filters.get("alerts") != "1" or r.open_alerts > 0)
            and (minimum is None or r.days_since is None or r.days_since >= minimum)]


@router.get("/inbox")
async def inbox(request: Request, who: SignedIn, svc: ServicesDep) -> Response:
    filters = {k: v for k, v in request.query_params.items() if k in {"code", "registration", "age", "alerts", "days"}}

    def load() -> tuple[list[AlertView], list[CaseRow]]:
        with Session(svc.engine) as session:
            return _alerts(session, who), _caseload(session, who, svc.clock(), filters)

    alerts, caseload = await run_in_threadpool(load)
    return TEMPLATES.TemplateResponse(request, "inbox.html", _context(
        request, who, "inbox", alerts=alerts, caseload=caseload, filters=filters, age_bands=list(AGE_BANDS),
        status_codes=sorted({r.status_code for r in caseload} | {codes.UNKNOWN}), tz=svc.settings.tz))


@router.get("/inbox/alerts")
async def alerts_fragment(request: Request, who: SignedIn, svc: ServicesDep) -> Response:
    def load() -> list[AlertView]:
        with Session(svc.engine) as session:
            return _alerts(session, who)

    alerts = await run_in_threadpool(load)
    return TEMPLATES.TemplateResponse(request, "inbox_alerts.html", _context(request, who, "inbox", alerts=alerts,
                                                                            tz=svc.settings.tz))


@router.get("/inbox/events")
async def inbox_events(request: Request, who: SignedIn, svc: ServicesDep) -> Response:
    """Server-sent events: `alerts` whenever the set of open alerts this person sees changes."""

    def fingerprint() -> str:
        with Session(svc.engine) as session:
            return ",".join(str(a.id) for a in _alerts(session, who))

    async def stream() -> Any:
        seen = await run_in_threadpool(fingerprint)
        yield "retry: 3000\n\n"
        while not await request.is_disconnected():
            await asyncio.sleep(ALERTS_EVERY)
            now = await run_in_threadpool(fingerprint)
            if now != seen:
                seen = now
                yield f"event: alerts\ndata: {len(now.split(',')) if now else 0}\n\n"
            else:
                yield ": keep-alive\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.post("/inbox/alerts/{alert_id}/ack")
async def acknowledge(alert_id: int, request: Request, who: Checked, svc: ServicesDep) -> Response:
    def act() -> None:
        with write_session(svc.engine) as session:
            alert = session.get(Alert, alert_id)
            if alert is None or alert.id not in {a.id for a in _alerts(session, who)}:
                raise HTTPException(status_code=404)
            alert.acknowledged_at = svc.clock()
            alert.acknowledged_by = who.adviser_id
            if alert.youth_id is not None:
                youth = session.get(Youth, alert.youth_id)
                assert youth is not None
                _log(session, who, youth, "change", f"acknowledged alert {alert.id} ({alert.kind.value})",
                     svc.clock())

    await run_in_threadpool(act)
    if request.headers.get("hx-request"):
        return await alerts_fragment(request, who, svc)
    return RedirectResponse("/inbox", status_code=303)


# --- one youth ----------------------------------------------------------------------------------------------------


def _conversation(session: Session, who: Principal, youth: Youth, svc: Services) -> dict[str, Any]:
    now = svc.clock()
    today = local_day(now)
    assert youth.id is not None
    links = session.exec(select(YouthGuardian, Guardian).join(Guardian, col(Guardian.id) == col(YouthGuardian.guardian_id))
                         .where(col(YouthGuardian.youth_id) == youth.id)).all()
    guardian_names = {g.id: g.name for _, g in links}
    guardian_ids = list(guardian_names)
    messages = session.exec(
        select(Message).where(or_(col(Message.youth_id) == youth.id,
                                  (col(Message.youth_id).is_(None)) & (col(Message.guardian_id).in_(guardian_ids))))
        .order_by(col(Message.created_at), col(Message.id))).all()
    changes = session.exec(select(StatusChange).where(col(StatusChange.youth_id) == youth.id)
                           .order_by(col(StatusChange.created_at), col(StatusChange.id))).all()
    texts = {m.id: m.text for m in messages}
    by_message: dict[int, list[StatusChange]] = defaultdict(list)
    for change in changes:
        if change.source_message_id is not None:
            by_message[change.source_message_id].append(change)
    planned = session.exec(select(Outbox).where(col(Outbox.youth_id) == youth.id,
                                                col(Outbox.state) == OutboxState.PENDING)
                           .order_by(col(Outbox.due_at))).all()
    notes = session.exec(select(Note, Adviser).join(Adviser, col(Adviser.id) == col(Note.adviser_id))
                         .where(col(Note.youth_id) == youth.id).order_by(col(Note.created_at).desc())).all()
    holder = session.get(Adviser, youth.held_by_adviser_id) if youth.held_by_adviser_id else None
    county = session.get(County, youth.county_id)
    window = SendingWindow.from_settings(((county.settings if county else None) or {}).get("sending_window", {}))
    return {
        "youth": youth, "age": age_on(youth.birth_date, today), "minor": is_minor_on(youth.birth_date, today),
        "guardians": [(g, link.position != 0) for link, g in links],
        "youth_thread": [m for m in messages if m.guardian_id is None],
        "guardian_thread": [(m, guardian_names.get(m.guardian_id or 0, "")) for m in messages
                            if m.guardian_id is not None],
        "by_message": by_message, "changes": changes, "texts": texts,
        "proposals": [c for c in changes if c.state == ChangeState.PROPOSED],
        "evidence": {c.id: evidence_in_words(c.evidence, texts.get(c.source_message_id)) for c in changes},
        "planned": planned, "notes": notes, "holder": holder, "held_by_me": youth.held_by_adviser_id == who.adviser_id,
        "quiet": not is_allowed(now, window), "client_id": uuid.uuid4().hex,
        "status_codes": list(codes.STATUS_CODES.values()),
        "tz": svc.settings.tz,
    }


@router.get("/inbox/youth/{youth_id}")
async def conversation(youth_id: int, request: Request, who: SignedIn, svc: ServicesDep) -> Response:
    def load() -> dict[str, Any]:
        with write_session(svc.engine) as session:
            youth = _youth_or_404(session, who, youth_id)
            context = _conversation(session, who, youth, svc)
            _log(session, who, youth, "read", "conversation", svc.clock())
            return context

    context = await run_in_threadpool(load)
    return TEMPLATES.TemplateResponse(request, "conversation.html", _context(request, who, "inbox", **context))


async def _act(svc: Services, who: Principal, youth_id: int, action: Any) -> None:
    """Run `action(session, youth, now)` on a youth this person may see, in one transaction; 404 otherwise."""

    def run() -> None:
        with write_session(svc.engine) as session:
            youth = _youth_or_404(session, who, youth_id)
            action(session, youth, svc.clock())

    await run_in_threadpool(run)


def _back(youth_id: int) -> Response:
    return RedirectResponse(f"/inbox/youth/{youth_id}", status_code=303)


@router.post("/inbox/youth/{youth_id}/takeover")
async def take_over(youth_id: int, who: Checked, svc: ServicesDep) -> Response:
    def action(session: Session, youth: Youth, now: datetime) -> None:
        youth.held_by_adviser_id = who.adviser_id
        youth.held_since = now
        _log(session, who, youth, "change", "took over the conversation: the bot sends nothing", now)

    await _act(svc, who, youth_id, action)
    return _back(youth_id)


@router.post("/inbox/youth/{youth_id}/handback")
async def hand_back(youth_id: int, who: Checked, svc: ServicesDep) -> Response:
    def action(session: Session, youth: Youth, now: datetime) -> None:
        youth.held_by_adviser_id = None
        youth.held_since = None
        _log(session, who, youth, "change", "handed the conversation back to the bot", now)

    await _act(svc, who, youth_id, action)
    return _back(youth_id)


def _reply_point(session: Session, youth: Youth) -> ContactPoint | None:
    """The youth's channel: where they last wrote from, else their first usable SMS, chat or e-mail point."""
    last = session.exec(select(Message.contact_point_id).where(
        col(Message.youth_id) == youth.id, col(Message.direction) == Direction.INBOUND,
        col(Message.guardian_id).is_(None), col(Message.contact_point_id).is_not(None))
        .order_by(col(Message.created_at).desc())).first()
    if last is not None:
        point = session.get(ContactPoint, last)
        if point is not None and not point.wrong_number and point.retired_at is None:
            return point
    points = session.exec(select(ContactPoint).where(
        col(ContactPoint.youth_id) == youth.id, col(ContactPoint.wrong_number).is_(False),
        col(ContactPoint.retired_at).is_(None))).all()
    order = [Channel.SMS, Channel.WEBCHAT, Channel.TELEGRAM, Channel.EMAIL, Channel.CONSOLE]
    points = sorted(points, key=lambda p: order.index(p.channel))
    return points[0] if points else None


@router.post("/inbox/youth/{youth_id}/reply")
async def reply(youth_id: int, request: Request, who: Checked, svc: ServicesDep) -> Response:
    form = await request.form()
    text = str(form.get("text", "")).strip()
    client_id = str(form.get("client_id", ""))[:40]
    now_anyway = form.get("send_now") == "1"
    if not text or len(text) > MAX_TEXT or not client_id.isalnum():
        raise HTTPException(status_code=400, detail="empty or too long")

    def action(session: Session, youth: Youth, now: datetime) -> None:
        point = _reply_point(session, youth)
        if point is None:
            raise HTTPException(status_code=409, detail="the youth has no usable channel")
        key = f"adviser:{who.adviser_id}:{youth.id}:{client_id}"
        if session.exec(select(Outbox.id).where(col(Outbox.idempotency_key) == key)).first() is not None:
            return  # a double submit
        assert youth.id is not None
        session.add(Outbox(county_id=youth.county_id, youth_id=youth.id, contact_point_id=point.id,
                           idempotency_key=key, channel=point.channel, template=ADVISER_REPLY, text=text,
                           urgent=now_anyway, due_at=now, next_attempt_at=now, created_at=now, updated_at=now))
        _log(session, who, youth, "change", f"replied through {point.channel.value}", now)

    await _act(svc, who, youth_id, action)
    await svc.kick()
    return _back(youth_id)


@router.post("/inbox/changes/{change_id}/{verdict}")
async def decide(change_id: int, verdict: str, who: Checked, svc: ServicesDep) -> Response:
    if verdict not in ("confirm", "reject"):
        raise HTTPException(status_code=404)

    def run() -> int:
        with write_session(svc.engine) as session:
            change = session.get(StatusChange, change_id)
            if change is None:
                raise HTTPException(status_code=404)
            youth = _youth_or_404(session, who, change.youth_id)
            try:
                (confirm_proposal if verdict == "confirm" else reject_proposal)(
                    session, change_id, adviser=who.actor, now=svc.clock())
            except StatusChangeError as exc:
                raise HTTPException(status_code=409, detail=str(exc)) from None
            _log(session, who, youth, "change", f"{verdict}ed proposal {change_id} ({change.old_code} -> "
                 f"{change.new_code})", svc.clock())
            return change.youth_id

    youth_id = await run_in_threadpool(run)
    return _back(youth_id)


@router.post("/inbox/youth/{youth_id}/code")
async def set_code(youth_id: int, request: Request, who: Checked, svc: ServicesDep) -> Response:
    form = await request.form()
    code = str(form.get("code", "")).strip().upper()
    reason = str(form.get("reason", "")).strip()[:300]
    if not reason:
        raise HTTPException(status_code=400, detail="a reason is needed")

    def action(session: Session, youth: Youth, now: datetime) -> None:
        try:
            change_status(session, youth, code, actor=who.actor, applied=True,
                          evidence={"rule": "set by an adviser", "reason": reason}, now=now)
        except StatusChangeError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        _log(session, who, youth, "change", f"set the code to {code}", now)

    await _act(svc, who, youth_id, action)
    return _back(youth_id)


@router.post("/inbox/youth/{youth_id}/notes")
async def add_note(youth_id: int, request: Request, who: Checked, svc: ServicesDep) -> Response:
    form = await request.form()
    text = str(form.get("text", "")).strip()
    if not text or len(text) > 4000:
        raise HTTPException(status_code=400, detail="empty or too long")

    def action(session: Session, youth: Youth, now: datetime) -> None:
        assert youth.id is not None
        session.add(Note(county_id=youth.county_id, youth_id=youth.id, adviser_id=who.adviser_id, text=text,
                         created_at=now))
        _log(session, who, youth, "change", "added a note", now)

    await _act(svc, who, youth_id, action)
    return _back(youth_id)


@router.post("/inbox/outbox/{outbox_id}/cancel")
async def cancel_planned(outbox_id: int, who: Checked, svc: ServicesDep) -> Response:
    def run() -> int:
        with write_session(svc.engine) as session:
            row = session.get(Outbox, outbox_id)
            if row is None:
                raise HTTPException(status_code=404)
            youth = _youth_or_404(session, who, row.youth_id)
            if row.state != OutboxState.PENDING:
                raise HTTPException(status_code=409, detail="no longer planned")
            row.state = OutboxState.CANCELLED
            row.last_error = f"cancelled by {who.actor}"
            row.updated_at = svc.clock()
            _log(session, who, youth, "change", f"cancelled planned message {outbox_id}", svc.clock())
            return row.youth_id

    youth_id = await run_in_threadpool(run)
    return _back(youth_id)


@router.get("/inbox/export.csv")
async def export(request: Request, who: SignedIn, svc: ServicesDep, since: str | None = None) -> Response:
    try:
        since_day = date.fromisoformat(since) if since else None
    except ValueError:
        raise HTTPException(status_code=400, detail="since: a date as YYYY-MM-DD") from None

    def build() -> bytes:
        with write_session(svc.engine) as session:
            visible = set(session.exec(select(Youth.id).where(visible_youth(session, who))))
            rows = [(row, county_id, youth_id) for row, county_id, youth_id
                    in change_rows(session, since=since_day, tz=svc.settings.tz) if youth_id in visible]
            for youth_id in sorted({y for _, _, y in rows}):
                youth = session.get(Youth, youth_id)
                assert youth is not None
                _log(session, who, youth, "export-changes", "code changes for Vigo OT (inbox)", svc.clock())
            return ("\ufeff" + changes_csv(row for row, _, _ in rows)).encode("utf-8")

    data = await run_in_threadpool(build)
    stamp = local_day(svc.clock()).isoformat()
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="ot-endringer-{stamp}.csv"',
                             "Cache-Control": "no-store"})
