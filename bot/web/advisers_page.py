"""`/inbox/advisers`: an admin manages their county's advisers — add one (with a first password), change a
role, mark away or back, choose the county's fallback adviser. Anyone else: 404. Every change is written to the
access log (no youth, who did what); passwords never are."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import Session, col, select

from bot.advisers import AdviserError, Principal, create_adviser, fallback_for
from bot.log import get_logger
from bot.web.auth import Checked, SignedIn
from bot.web.deps import Services, ServicesDep
from storage.db import write_session
from storage.enums import ActorKind, AdviserRole
from storage.models import AccessLog, Adviser, County

router = APIRouter(tags=["inbox"])
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
PAGE = "/inbox/advisers"
log = get_logger(__name__)


def _admin(who: Principal) -> None:
    if who.role != AdviserRole.ADMIN:
        raise HTTPException(status_code=404)


def _record(session: Session, who: Principal, detail: str, svc: Services) -> None:
    session.add(AccessLog(county_id=who.county_id, youth_id=None, actor=who.actor, actor_kind=ActorKind.ADVISER,
                          action="advisers", detail=detail[:400], at=svc.clock()))
    log.info("advisers changed", county_id=who.county_id, by=who.actor)


def _page(request: Request, who: Principal, svc: Services, *, error: str | None = None, status: int = 200) -> Response:
    with Session(svc.engine) as session:
        advisers = session.exec(select(Adviser).where(col(Adviser.county_id) == who.county_id)
                                .order_by(col(Adviser.name))).all()
        fallback = fallback_for(session, who.county_id)
        county = session.get(County, who.county_id)
    return TEMPLATES.TemplateResponse(request, "advisers.html", {
        "who": who, "csrf": request.state.csrf, "nav": "advisers", "advisers": advisers, "fallback": fallback,
        "county": county.name if county else "", "roles": list(AdviserRole), "error": error}, status_code=status)


@router.get(PAGE)
async def advisers_page(request: Request, who: SignedIn, svc: ServicesDep) -> Response:
    _admin(who)
    return await run_in_threadpool(_page, request, who, svc)


@router.post(PAGE)
async def add_adviser(request: Request, who: Checked, svc: ServicesDep) -> Response:
    _admin(who)
    form = await request.form()
    role = str(form.get("role", "adviser"))
    if role not in {r.value for r in AdviserRole}:
        return await run_in_threadpool(lambda: _page(request, who, svc, error="Ukjent rolle.", status=400))

    def add() -> str | None:
        with write_session(svc.engine) as session:
            county = session.get(County, who.county_id)
            assert county is not None
            try:
                adviser = create_adviser(session, name=str(form.get("name", "")), email=str(form.get("email", "")),
                                         county=county.name, role=AdviserRole(role),
                                         password=str(form.get("password", "")), now=svc.clock())
            except AdviserError as exc:
                session.rollback()
                return str(exc)
            _record(session, who, f"added or reset adviser {adviser.id} as {role}", svc)
        return None

    problem = await run_in_threadpool(add)
    if problem is not None:
        return await run_in_threadpool(lambda: _page(request, who, svc, error=problem, status=400))
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/{adviser_id}")
async def change_adviser(adviser_id: int, request: Request, who: Checked, svc: ServicesDep) -> Response:
    _admin(who)
    form = await request.form()

    def change() -> None:
        with write_session(svc.engine) as session:
            adviser = session.get(Adviser, adviser_id)
            if adviser is None or adviser.county_id != who.county_id:
                raise HTTPException(status_code=404)
            changes = []
            role = form.get("role")
            if isinstance(role, str) and role in {r.value for r in AdviserRole} and role != adviser.role.value:
                if adviser.id == who.adviser_id:
                    raise HTTPException(status_code=400, detail="an admin does not change their own role")
                adviser.role = AdviserRole(role)
                changes.append(f"role {role}")
            away = form.get("away")
            if away in ("0", "1") and (away == "1") != adviser.away:
                adviser.away = away == "1"
                changes.append("away" if adviser.away else "back")
            if form.get("fallback") == "1":
                county = session.get(County, who.county_id)
                assert county is not None
                county.settings = {**(county.settings or {}), "fallback_adviser_id": adviser.id}
                session.add(county)
                changes.append("the county's fallback adviser")
            if changes:
                session.add(adviser)
                _record(session, who, f"adviser {adviser.id}: {', '.join(changes)}", svc)

    await run_in_threadpool(change)
    return RedirectResponse(PAGE, status_code=303)
