"""From a channel's webhook to the database: an inbound message through `bot.inbound`, a delivery report
through `bot.delivery`, each in one write transaction. Blocking: the web layer runs these in a thread.

Routing to a county: a county that has its own sender on a channel (`County.settings["senders"]`, e.g.
{"sms": "+4759000000"} or a Messaging Service SID) receives what is sent to that sender, and only its own
contact points can be the sender; a message to the deployment's shared sender is matched by address across
counties, and one from an unknown address is stored under OTBOT_DEFAULT_COUNTY (or refused when none is set).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from adapters.base import Inbound, StatusReport
from bot.delivery import record_report
from bot.inbound import InboundMessage, InboundResult, UnknownSender, handle_inbound
from bot.log import get_logger
from storage.db import write_connection
from storage.enums import Channel
from storage.models import County

log = get_logger("bot.receive")


@dataclass(frozen=True, slots=True)
class Received:
    """What became of one inbound message: stored (its result) or refused (no county knows the sender)."""

    result: InboundResult | None
    refused: str | None = None


# County routing, read once per ROUTES_FOR seconds per process: every inbound message needs it, and counties'
# senders change seldom (a change is seen within ROUTES_FOR seconds).
ROUTES_FOR = 30.0
_routes: dict[str, tuple[float, dict[tuple[str, str], int], dict[str, int]]] = {}
_routes_lock = threading.Lock()
_COUNTY: sa.Table = County.__table__  # type: ignore[attr-defined]
_COUNTIES = sa.select(_COUNTY.c.id, _COUNTY.c.name, _COUNTY.c.settings)


def _county_routes(connection: sa.Connection) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """(channel, sender) -> county id, and name -> county id, of this database."""
    key = str(connection.engine.url)
    with _routes_lock:
        cached = _routes.get(key)
        if cached is not None and time.monotonic() - cached[0] < ROUTES_FOR:
            return cached[1], cached[2]
    senders: dict[tuple[str, str], int] = {}
    names: dict[str, int] = {}
    for county_id, name, settings in connection.execute(_COUNTIES):
        names[name] = county_id
        own = (settings or {}).get("senders") or {}
        if isinstance(own, dict):
            senders.update({(str(channel), str(sender).strip()): county_id for channel, sender in own.items()})
    with _routes_lock:
        _routes[key] = (time.monotonic(), senders, names)
    return senders, names


def forget_routes() -> None:
    """Read the counties' senders again at the next message (after a county's settings changed here)."""
    with _routes_lock:
        _routes.clear()


def sender_county(connection: sa.Connection, channel: Channel, to: str | None) -> int | None:
    """The county whose own sender on `channel` is `to`, if one has it."""
    if not to:
        return None
    return _county_routes(connection)[0].get((channel.value, to.strip()))


def default_county(connection: sa.Connection, name: str | None) -> int | None:
    if not name:
        return None
    return _county_routes(connection)[1].get(name)


def receive(engine: Engine, inbound: Inbound, now: datetime, *, default_county_name: str | None = None,
            only_county: int | None = None, wait: bool = True) -> Received:
    """Store and handle one inbound message; a provider's retry is recognised and does nothing.
    `wait=False`: raise storage.db.WriterBusy, having done nothing, when another connection writes to SQLite."""
    message = InboundMessage(channel=inbound.channel, account=inbound.account, provider_id=inbound.provider_id,
                             address=inbound.address, text=inbound.text, received_at=inbound.received_at)
    with write_connection(engine, wait=wait) as connection:
        routed = only_county if only_county is not None else sender_county(connection, inbound.channel, inbound.to)
        fallback = default_county(connection, default_county_name)
        try:
            result = handle_inbound(connection, message, now=now, county_id=fallback, only_county=routed)
        except UnknownSender:
            log.info("inbound refused", channel=inbound.channel.value, reason="unknown sender, no county")
            return Received(None, "unknown sender and no default county")
    return Received(result)


def report(engine: Engine, status: StatusReport, now: datetime, *, wait: bool = True) -> str:
    """Store and apply one delivery report: "applied", "pending" or "duplicate" (`wait` as in `receive`)."""
    with write_connection(engine, wait=wait) as connection:
        return record_report(connection, status, now)


def county_names(engine: Engine) -> dict[int, str]:
    with engine.connect() as connection:
        return {row.id: row.name for row in connection.execute(sa.select(_COUNTY.c.id, _COUNTY.c.name))}
