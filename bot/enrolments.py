"""Enrolments of youth in flows: stopping them (and the messages they had planned) when a stop condition holds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.enums import EnrolmentState, OutboxState, StopReason
from storage.models import Enrolment, Outbox


def stop_enrolments(session: Session, youth_id: int, reason: StopReason, now: datetime,
                    flows: Iterable[str] | None = None) -> list[Enrolment]:
    """Stop the youth's active enrolments (only in `flows` when given) and cancel the messages they planned.

    Flushed in the caller's transaction, never committed. Returns the enrolments stopped.
    """
    query = select(Enrolment).where(col(Enrolment.youth_id) == youth_id,
                                    col(Enrolment.state) == EnrolmentState.ACTIVE)
    if flows is not None:
        query = query.where(col(Enrolment.flow).in_(list(flows)))
    stopped = list(session.exec(query))
    for enrolment in stopped:
        enrolment.state = EnrolmentState.STOPPED
        enrolment.stop_reason = reason
        enrolment.stopped_at = now
        enrolment.updated_at = now
    if stopped:
        cancel_planned(session, [e.id for e in stopped if e.id is not None], f"enrolment stopped: {reason.value}", now)
    session.flush()
    return stopped


def cancel_planned(session: Session, enrolment_ids: list[int], why: str, now: datetime) -> int:
    """Cancel the pending outbox rows of these enrolments (claimed rows are the dispatcher's); how many."""
    if not enrolment_ids:
        return 0
    table = Outbox.__table__  # type: ignore[attr-defined]
    result = session.execute(
        sa.update(table)
        .where(table.c.enrolment_id.in_(enrolment_ids), table.c.state == OutboxState.PENDING.value)
        .values(state=OutboxState.CANCELLED.value, last_error=why[:400], updated_at=now),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
