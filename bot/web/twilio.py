"""Twilio's two webhooks: a person's SMS, and delivery reports. Signed by Twilio, or refused with 403.

Both answer fast: the inbound SMS is stored, read and decided in one transaction, its answer queued in the
outbox (never sent from here), and the answer to Twilio is empty TwiML; the dispatcher is woken to send.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse

from adapters.base import PayloadError, SignatureError
from adapters.twilio_sms import INBOUND_PATH, STATUS_PATH
from bot.receive import receive, report
from bot.web.deps import ServicesDep, web_request

router = APIRouter(tags=["twilio"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@router.post(INBOUND_PATH)
async def inbound_sms(request: Request, svc: ServicesDep, background: BackgroundTasks) -> Response:
    adapter = svc.twilio
    if adapter is None:
        return Response(status_code=404)
    web = await web_request(request, svc, form=True)
    try:
        adapter.verify(web)
    except SignatureError:
        svc.metrics.webhook("twilio_sms", "forbidden")
        return Response(status_code=403)
    try:
        inbound = adapter.parse_inbound(web, now=svc.clock())
    except PayloadError as exc:
        svc.metrics.webhook("twilio_sms", "bad_payload")
        return PlainTextResponse(f"bad request: {exc}", status_code=400)
    received = await run_in_threadpool(receive, svc.engine, inbound, svc.clock(),
                                       default_county_name=svc.settings.default_county)
    if received.result is None:
        svc.metrics.webhook("twilio_sms", "unknown_sender")
    elif received.result.duplicate:
        svc.metrics.webhook("twilio_sms", "duplicate")
    else:
        svc.metrics.webhook("twilio_sms", "accepted")
        if received.result.answer_outbox_id is not None:
            background.add_task(svc.kick)
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post(STATUS_PATH)
async def status_callback(request: Request, svc: ServicesDep) -> Response:
    adapter = svc.twilio
    if adapter is None:
        return Response(status_code=404)
    web = await web_request(request, svc, form=True)
    try:
        adapter.verify(web)
    except SignatureError:
        svc.metrics.webhook("twilio_status", "forbidden")
        return Response(status_code=403)
    try:
        status = adapter.parse_status(web)
    except PayloadError as exc:
        svc.metrics.webhook("twilio_status", "bad_payload")
        return PlainTextResponse(f"bad request: {exc}", status_code=400)
    outcome = await run_in_threadpool(report, svc.engine, status, svc.clock())
    svc.metrics.webhook("twilio_status", outcome)
    return Response(status_code=204)
