"""Twilio's two webhooks: a person's SMS, and delivery reports. Signed by Twilio, or refused with 403.

Both answer fast: the inbound SMS is stored, read and decided in one transaction, its answer queued in the
outbox (never sent from here), and the answer to Twilio is empty TwiML; the dispatcher is woken to send.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import PlainTextResponse

from adapters.base import PayloadError, SignatureError, WebRequest
from adapters.twilio_sms import INBOUND_PATH, STATUS_PATH, TwilioSMS
from bot.receive import receive, report
from bot.web.deps import Services, ServicesDep, web_request

router = APIRouter(tags=["twilio"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
Parsed = TypeVar("Parsed")


async def _verified(request: Request, svc: Services, route: str,
                    parse: Callable[[TwilioSMS, WebRequest], Parsed]) -> Parsed | Response:
    """The webhook's content when Twilio signed it; else the refusal to answer with (404 without Twilio, 403 for
    a bad signature — counted, nothing stored or logged — 400 for a body that cannot be decoded)."""
    adapter = svc.twilio
    if adapter is None:
        return Response(status_code=404)
    web = await web_request(request, svc, form=True)
    try:
        adapter.verify(web)
    except SignatureError:
        svc.metrics.webhook(route, "forbidden")
        return Response(status_code=403)
    try:
        return parse(adapter, web)
    except PayloadError as exc:
        svc.metrics.webhook(route, "bad_payload")
        return PlainTextResponse(f"bad request: {exc}", status_code=400)


@router.post(INBOUND_PATH)
async def inbound_sms(request: Request, svc: ServicesDep, background: BackgroundTasks) -> Response:
    inbound = await _verified(request, svc, "twilio_sms",
                              lambda adapter, web: adapter.parse_inbound(web, now=svc.clock()))
    if isinstance(inbound, Response):
        return inbound
    received = await svc.run_write(receive, svc.engine, inbound, svc.clock(),
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
    status = await _verified(request, svc, "twilio_status", lambda adapter, web: adapter.parse_status(web))
    if isinstance(status, Response):
        return status
    outcome = await svc.run_write(report, svc.engine, status, svc.clock())
    svc.metrics.webhook("twilio_status", outcome)
    return Response(status_code=204)
