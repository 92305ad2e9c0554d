"""`/login` and `/logout`. The login form has its own CSRF token (a cookie and a hidden field that must agree)
because no session exists yet; failed attempts are limited per e-mail and per client address."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from bot.advisers import authenticate
from bot.log import get_logger
from bot.web.auth import SESSION_COOKIE, Checked, LoginThrottle, session_cookie, set_session
from bot.web.deps import ServicesDep
from storage.db import write_session

router = APIRouter(tags=["login"])
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
LOGIN_COOKIE = "otbot_login"
log = get_logger("otbot.login")


def _safe_next(value: str | None) -> str:
    """Only a path of this site (never //host or a scheme): an open redirect is a phishing tool."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/inbox"


def _page(request: Request, *, next_url: str, error: str | None = None, email: str = "",
          status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = TEMPLATES.TemplateResponse(request, "login.html", {
        "login_csrf": token, "next": next_url, "error": error, "email": email, "who": None, "csrf": "",
        "nav": ""}, status_code=status)
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict", path="/login")
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the query's name
    return _page(request, next_url=_safe_next(next))


@router.post("/login")
async def login(request: Request, svc: ServicesDep) -> Response:
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()[:200]
    password = str(form.get("password", ""))[:1000]
    next_url = _safe_next(str(form.get("next", "")))
    given, expected = str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return _page(request, next_url=next_url, error="Skjemaet var utløpt. Prøv igjen.", email=email,
                     status=403)
    client = request.client.host if request.client else "unknown"
    keys = (f"email:{email}", f"client:{client}")
    throttle: LoginThrottle = request.app.state.login_throttle
    if throttle.blocked(*keys):
        log.warning("login throttled")
        return _page(request, next_url=next_url, error="For mange forsøk. Vent et kvarter og prøv igjen.",
                     email=email, status=429)

    def check() -> int | None:
        with write_session(svc.engine) as session:
            adviser = authenticate(session, email, password, svc.clock())
            return adviser.id if adviser is not None else None

    adviser_id = await run_in_threadpool(check)
    if adviser_id is None:
        throttle.failed(*keys)
        log.info("login failed")
        return _page(request, next_url=next_url, error="Feil e-post eller passord.", email=email, status=401)
    throttle.succeeded(*keys)
    value, _ = session_cookie(svc, adviser_id)
    response = RedirectResponse(next_url, status_code=303)
    set_session(response, svc, value)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    log.info("login", adviser_id=adviser_id)
    return response


@router.post("/logout")
async def logout(who: Checked) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
