"""Prometheus metrics at `/metrics`: counters of this process, and gauges read from the database at scrape.

Of this process (prometheus_client Counters): webhook requests by route and result (accepted, duplicate,
refused for a bad signature, bad payload), dispatcher runs' outcomes by channel-independent kind.
From the database, at each scrape (so that several processes report one truth): messages by channel,
direction and delivery status; open alerts by kind; the dispatcher's lag (how long the oldest due outbox
row has waited); delivery reports waiting for their message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from storage.enums import OutboxState
from storage.models import Alert, DeliveryReport, Message, Outbox

MESSAGE = cast(sa.Table, Message.__table__)  # type: ignore[attr-defined]
ALERT = cast(sa.Table, Alert.__table__)  # type: ignore[attr-defined]
OUTBOX = cast(sa.Table, Outbox.__table__)  # type: ignore[attr-defined]
REPORT = cast(sa.Table, DeliveryReport.__table__)  # type: ignore[attr-defined]


class DatabaseCollector(Collector):
    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        messages = GaugeMetricFamily("otbot_messages", "Messages stored, by channel, direction and delivery status",
                                     labels=["channel", "direction", "status"])
        alerts = GaugeMetricFamily("otbot_alerts_open", "Alerts not yet acknowledged, by kind", labels=["kind"])
        lag = GaugeMetricFamily("otbot_dispatcher_lag_seconds",
                                "How long the oldest due outbox row has waited (0 when none is due)")
        pending = GaugeMetricFamily("otbot_delivery_reports_pending",
                                    "Delivery reports stored before their message was recorded")
        now = self.clock()
        with self.engine.connect() as connection:
            for channel, direction, status, count in connection.execute(
                    sa.select(MESSAGE.c.channel, MESSAGE.c.direction, MESSAGE.c.delivery_status, sa.func.count())
                    .group_by(MESSAGE.c.channel, MESSAGE.c.direction, MESSAGE.c.delivery_status)):
                messages.add_metric([str(channel), str(direction), str(status)], count)
            for kind, count in connection.execute(
                    sa.select(ALERT.c.kind, sa.func.count()).where(ALERT.c.acknowledged_at.is_(None))
                    .group_by(ALERT.c.kind)):
                alerts.add_metric([str(kind)], count)
            oldest = connection.execute(
                sa.select(sa.func.min(OUTBOX.c.next_attempt_at))
                .where(OUTBOX.c.state == OutboxState.PENDING, OUTBOX.c.next_attempt_at <= now)
            ).scalar()
            waiting = connection.execute(
                sa.select(sa.func.count()).select_from(REPORT).where(REPORT.c.applied_at.is_(None))).scalar_one()
        lag.add_metric([], max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
        pending.add_metric([], waiting)
        yield from (messages, alerts, lag, pending)


class Metrics:
    """One registry per app (tests build several apps in one process)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.registry = CollectorRegistry()
        self.webhooks = Counter("otbot_webhook_requests", "Webhook requests by route and result",
                                ["route", "result"], registry=self.registry)
        self.sends = Counter("otbot_dispatch_rows", "Outbox rows handled by this process's dispatcher, by outcome",
                             ["outcome"], registry=self.registry)
        self.registry.register(DatabaseCollector(engine, clock))

    def webhook(self, route: str, result: str) -> None:
        self.webhooks.labels(route=route, result=result).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
