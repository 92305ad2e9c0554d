"""Delivery reports: stored once, applied forward only, applied later when they came before their message."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from adapters.base import Outcome, StatusReport
from bot.delivery import apply_pending, record_report
from storage.enums import Channel, DeliveryStatus, Direction
from storage.models import County, DeliveryReport, Message

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def report(status: DeliveryStatus, word: str, sid: str = "SM1", code: str | None = None) -> StatusReport:
    return StatusReport(Channel.SMS, "AC1", sid, status, word, code,
                        Outcome.FAILED if status is DeliveryStatus.FAILED else None)


def message(engine: Engine, sid: str = "SM1") -> int:
    with Session(engine) as session:
        county = County(name="Agder")
        session.add(county)
        session.flush()
        assert county.id is not None
        row = Message(county_id=county.id, direction=Direction.OUTBOUND, channel=Channel.SMS, text="hei",
                      provider_account="AC1", provider_id=sid, delivery_status=DeliveryStatus.SENT)
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def status(engine: Engine, message_id: int) -> DeliveryStatus:
    with Session(engine) as session:
        found = session.get(Message, message_id)
        assert found is not None
        return found.delivery_status


def apply(engine: Engine, item: StatusReport) -> str:
    with engine.begin() as connection:
        return record_report(connection, item, NOW)


def test_reports_move_a_message_forward_only(engine: Engine) -> None:
    message_id = message(engine)
    assert apply(engine, report(DeliveryStatus.DELIVERED, "delivered")) == "applied"
    assert apply(engine, report(DeliveryStatus.SENT, "sent")) == "applied"  # late: stored, moves nothing
    assert apply(engine, report(DeliveryStatus.QUEUED, "queued")) == "applied"
    assert status(engine, message_id) == DeliveryStatus.DELIVERED


def test_a_repeated_report_is_stored_once(engine: Engine) -> None:
    message(engine)
    assert [apply(engine, report(DeliveryStatus.DELIVERED, "delivered")) for _ in range(3)] == [
        "applied", "duplicate", "duplicate"]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(DeliveryReport)).one() == 1


def test_a_report_before_its_message_waits_and_is_applied_later(engine: Engine) -> None:
    assert apply(engine, report(DeliveryStatus.FAILED, "undelivered", sid="SM9", code="30003")) == "waiting"
    message_id = message(engine, sid="SM9")
    with engine.begin() as connection:
        assert apply_pending(connection, NOW) == 1
    with Session(engine) as session:
        found = session.get(Message, message_id)
        stored = session.exec(select(DeliveryReport).where(col(DeliveryReport.provider_id) == "SM9")).one()
    assert found is not None and found.delivery_status == DeliveryStatus.FAILED and found.error_code == "30003"
    assert stored.applied_at is not None
    with engine.begin() as connection:
        assert apply_pending(connection, NOW) == 0
