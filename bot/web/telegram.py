"""Telegram's webhook: updates carrying our secret token go through the aiogram router; others get 403."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import PlainTextResponse

from adapters.base import PayloadError, SignatureError, WebRequest
from adapters.telegram import WEBHOOK_PATH
from bot.web.deps import ServicesDep, web_request
from storage.enums import Channel

router = APIRouter(tags=[Channel.TELEGRAM.value])


@router.post(WEBHOOK_PATH)
async def telegram_update(request: Request, svc: ServicesDep, background: BackgroundTasks) -> Response:
    adapter = svc.telegram
    if adapter is None:
        return Response(status_code=404)
    try:  # the secret first, before the body is read
        adapter.verify(WebRequest(url="", headers={k.lower(): v for k, v in request.headers.items()}))
    except SignatureError:
        svc.metrics.webhook(Channel.TELEGRAM.value, "forbidden")
        return Response(status_code=403)
    web = await web_request(request, svc, json=True)
    try:
        await adapter.feed(web)
    except PayloadError as exc:
        svc.metrics.webhook(Channel.TELEGRAM.value, "bad_payload")
        return PlainTextResponse(f"bad request: {exc}", status_code=400)
    svc.metrics.webhook(Channel.TELEGRAM.value, "accepted")
    background.add_task(svc.kick)  # an answer may have been queued
    return Response(status_code=200)
