"""Logging in to the inbox: signed session cookies, CSRF on every form, a rate limit on login.

- The session is a cookie signed with itsdangerous (HMAC under a key derived from the deployment's key):
  the adviser's id, a CSRF token and the time it was issued; HttpOnly, SameSite=Lax, Secure on https, valid
  `SESSION_HOURS`. Every request reads the adviser again: an account switched off is out at once.
- Every POST carries the session's CSRF token (a hidden `csrf` field, or the `X-CSRF-Token` header htmx sends);
  without it: 403, nothing done.
- Login: at most `MAX_FAILURES` failed attempts per e-mail and per client address in `WINDOW`; then 429
  until the window has passed. (Per process: behind several processes, the limit is per process.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

from bot.advisers import Principal, principal
from bot.web.deps import Services, ServicesDep
from storage.models import Adviser

SESSION_COOKIE = "otbot_session"
SESSION_HOURS = 10
MAX_FAILURES = 5
WINDOW = 15 * 60.0


class LoginRequired(Exception):
    """No valid session: a page redirects to /login, anything else answers 401."""


class CsrfFailed(Exception):
    """A POST without the session's CSRF token: 403."""


def _serializer(svc: Services) -> URLSafeTimedSerializer:
    key = hashlib.sha256(b"inbox-session:" + svc.links.key_digest).hexdigest()
    return URLSafeTimedSerializer(key, salt="otbot-inbox")


def session_cookie(svc: Services, adviser_id: int) -> tuple[str, str]:
    """A new session for the adviser: (cookie value, its CSRF token)."""
    csrf = secrets.token_urlsafe(24)
    return _serializer(svc).dumps({"a": adviser_id, "c": csrf}), csrf


def set_session(response: object, svc: Services, value: str) -> None:
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_HOURS * 3600, httponly=True,  # type: ignore[attr-defined]
                        samesite="lax", secure=svc.settings.public_url.startswith("https://"), path="/")


def _session(request: Request, svc: Services) -> dict[str, object] | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > 500:
        return None
    try:
        data = _serializer(svc).loads(raw, max_age=SESSION_HOURS * 3600)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("a"), int) else None


def current(request: Request, svc: Services) -> tuple[Principal, str] | None:
    """The signed-in adviser and the session's CSRF token, or None."""
    data = _session(request, svc)
    if data is None:
        return None
    with Session(svc.engine) as session:
        adviser = session.get(Adviser, data["a"])
        if adviser is None or not adviser.active or not adviser.password_hash:
            return None
        return principal(adviser), str(data.get("c", ""))


def signed_in(request: Request, svc: ServicesDep) -> Principal:
    found = current(request, svc)
    if found is None:
        raise LoginRequired()
    request.state.csrf = found[1]
    return found[0]


SignedIn = Annotated[Principal, Depends(signed_in)]


async def csrf_checked(request: Request, svc: ServicesDep) -> Principal:
    """A signed-in adviser whose POST carries the session's CSRF token."""
    who = signed_in(request, svc)
    given = request.headers.get("x-csrf-token")
    if given is None:
        form = await request.form()
        value = form.get("csrf")
        given = value if isinstance(value, str) else ""
    if not given or not hmac.compare_digest(given.encode(), str(request.state.csrf).encode()):
        raise CsrfFailed()
    return who


Checked = Annotated[Principal, Depends(csrf_checked)]


class LoginThrottle:
    """Failed logins per key (e-mail, client address) in a sliding window."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= self.clock() - self.window:
            failures.popleft()
        return failures

    def blocked(self, *keys: str) -> bool:
        with self._lock:
            return any(len(self._recent(key)) >= self.limit for key in keys)

    def failed(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._recent(key).append(self.clock())

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
