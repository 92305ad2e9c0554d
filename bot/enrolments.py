"""Enrolments of youth in flows: stopping them (and the messages they had planned) when a stop condition holds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from storage.enums import EnrolmentState, OutboxState, StopReason
from storage.models import Enrolment, Outbox

_TABLE: sa.Table = Enrolment.__table__  # type: ignore[attr-defined]
# Built once (statement construction costs more than running one; inbound messages stop enrolments often).
_STOP = (
    sa.update(Enrolment)
    .where(col(Enrolment.youth_id) == sa.bindparam("youth"), col(Enrolment.state) == EnrolmentState.ACTIVE)
    .values(state=EnrolmentState.STOPPED, stop_reason=sa.bindparam("stop_as", type_=_TABLE.c.stop_reason.type),
            stopped_at=sa.bindparam("at", type_=_TABLE.c.stopped_at.type),
            updated_at=sa.bindparam("at", type_=_TABLE.c.updated_at.type))
    .returning(Enrolment)
)
_STOP_IN_FLOWS = _STOP.where(col(Enrolment.flow).in_(sa.bindparam("flows", expanding=True)))


def stop_enrolments(session: Session, youth_id: int, reason: StopReason, now: datetime,
                    flows: Iterable[str] | None = None) -> list[Enrolment]:
    """Stop the youth's active enrolments (only in `flows` when given) and cancel the messages they planned.

    One UPDATE .. RETURNING in the caller's transaction (never committed); enrolments already loaded in the
    session are updated too. Returns the enrolments stopped.
    """
    params: dict[str, object] = {"youth": youth_id, "stop_as": reason, "at": now}
    if flows is not None:
        params["flows"] = list(flows)
    stopped = list(session.execute(_STOP if flows is None else _STOP_IN_FLOWS, params,
                                   execution_options={"synchronize_session": "fetch"}).scalars())
    if stopped:
        cancel_planned(session, [e.id for e in stopped if e.id is not None], f"enrolment stopped: {reason.value}", now)
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
