"""The FastAPI application of `otbot serve`: webhooks, the web chat, health and metrics; the scheduler and the
dispatcher run in its lifespan unless `--no-worker`.

Routers per concern (bot/web/twilio.py, telegram.py, webchat.py, ops below); what they need comes from
`Services` (bot/web/deps.py), built here from the settings or given by a test.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.webchat import ChatHub
from bot.channels import build_channels, telegram_username
from bot.chats import TelegramRecords
from bot.dispatcher import DispatchStats
from bot.links import LinkSigner, signing_key
from bot.log import get_logger
from bot.scheduler import Worker, build_scheduler
from bot.settings import Settings
from bot.web import advisers_page, dashboard, inbox, login, phone, settings_page, telegram, twilio, webchat
from bot.web.auth import CsrfFailed, LoginRequired, LoginThrottle
from bot.web.deps import Services, ServicesDep, system_clock
from bot.web.metrics import Metrics

log = get_logger("otbot.web")
STATIC = Path(__file__).parent / "static"

ops = APIRouter(tags=["ops"])

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
)


class SecurityHeaders:
    """Every answer says nosniff, no referrer and a strict CSP unless its route set its own. Plain ASGI (no
    request object, no second task per request as with `@app.middleware`): it runs on every webhook."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in SECURITY_HEADERS if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


@ops.get("/healthz")
def healthz(svc: ServicesDep) -> JSONResponse:
    """200 when the database answers; 503 otherwise (for load balancers and the image's health check)."""
    try:
        with svc.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return JSONResponse({"status": "database unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


@ops.get("/metrics")
def metrics(svc: ServicesDep) -> Response:
    return Response(svc.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


def settle_heap() -> None:
    """Build what the reader and the templates build on first use, then move everything alive (the reader's
    lexicon, place names and model, the app: ~400 000 objects) out of the garbage collector's sight. Call it
    once in a server process, after the app is built: otherwise the first replies pay for those tables (~0.1 s
    each) and a full collection over that heap stops every request for ~0.2 s without ever freeing any of it.
    What is made later is collected as usual."""
    from bot.understand.reader import warm_up
    from flows.templates import preload

    warm_up()
    preload()
    gc.collect()
    gc.freeze()


def build_services(engine: Engine, settings: Settings) -> Services:
    """The services of a real deployment: channels from the settings, the link key, metrics."""
    hub = ChatHub()
    channels = build_channels(settings, hub)
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    links = LinkSigner(signing_key(engine, secret), days=settings.chat_link_days)
    return Services(engine=engine, settings=settings, links=links, adapters=channels.adapters, hub=hub,
                    metrics=Metrics(engine, system_clock), twilio=channels.twilio, telegram=channels.telegram)


def create_app(engine: Engine, *, scheduler: bool = True, services: Services | None = None) -> FastAPI:
    from bot.settings import get_settings

    svc = services or build_services(engine, get_settings())
    if svc.telegram is not None and svc.telegram.hooks is None:
        svc.telegram.hooks = TelegramRecords(engine, svc.links, svc.clock,
                                             default_county=svc.settings.default_county, write=svc.write)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        settings = svc.settings
        jobs = None
        if svc.telegram is not None:
            try:
                await svc.telegram.register_webhook(settings.public_url)
            except Exception as exc:  # noqa: BLE001 - Telegram unreachable at start: updates wait at Telegram
                log.warning("telegram setWebhook failed", error=type(exc).__name__)
        if scheduler:
            bot_name = await telegram_username(svc.telegram)

            def on_run(stats: DispatchStats) -> None:
                svc.hub.notify_all()
                for name, count in stats.as_dict().items():
                    if count:
                        svc.metrics.sends.labels(outcome=name).inc(count)

            worker = Worker(engine, svc.adapters, public_url=settings.public_url, clock=svc.clock,
                            rate_limits=settings.rate_limits, links=svc.links, telegram_bot=bot_name,
                            on_run=on_run)
            svc.kick = worker.kick
            jobs = build_scheduler(engine, public_url=settings.public_url, tz=settings.timezone, worker=worker)
            jobs.start()
        try:
            yield
        finally:
            if jobs is not None:
                jobs.shutdown(wait=False)
            for adapter in (svc.twilio, svc.telegram):
                if adapter is not None:
                    await adapter.close()

    app = FastAPI(title="ot-outreach", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.add_middleware(SecurityHeaders)
    app.state.services = svc
    app.state.login_throttle = LoginThrottle()  # failed logins per e-mail and client, in this process
    for module in (ops, twilio, telegram, webchat, login, inbox, dashboard, settings_page, advisers_page):
        app.include_router(module if isinstance(module, APIRouter) else module.router)
    if svc.demo:
        app.include_router(phone.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: LoginRequired) -> Response:
        if request.method == "GET" and "text/html" in request.headers.get("accept", "text/html"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
        return PlainTextResponse("log in first", status_code=401)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, _: CsrfFailed) -> Response:
        return PlainTextResponse("the form has expired or did not come from this site: reload the page",
                                 status_code=403)

    return app
