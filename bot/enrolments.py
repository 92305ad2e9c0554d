"""Enrolments of youth in flows: stopping them (and the messages they had planned) when a stop condition holds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from storage.db import connection_of
from storage.enums import EnrolmentState, OutboxState, StopReason
from storage.models import Enrolment, Outbox

_TABLE: sa.Table = Enrolment.__table__  # type: ignore[attr-defined]
# Built once (statement construction costs more than running one; inbound messages stop enrolments often).
_STOP = (
    sa.update(_TABLE)
    .where(_TABLE.c.youth_id == sa.bindparam("youth"), _TABLE.c.state == EnrolmentState.ACTIVE.value)
    .values(state=EnrolmentState.STOPPED.value, stop_reason=sa.bindparam("stop_as", type_=_TABLE.c.stop_reason.type),
            stopped_at=sa.bindparam("at", type_=_TABLE.c.stopped_at.type),
            updated_at=sa.bindparam("at", type_=_TABLE.c.updated_at.type))
    .returning(_TABLE.c.id)
)
_STOP_IN_FLOWS = _STOP.where(_TABLE.c.flow.in_(sa.bindparam("flows", expanding=True)))
_OUTBOX: sa.Table = Outbox.__table__  # type: ignore[attr-defined]
_CANCEL = (
    sa.update(_OUTBOX)
    .where(_OUTBOX.c.enrolment_id.in_(sa.bindparam("enrolments", expanding=True)),
           _OUTBOX.c.state == OutboxState.PENDING.value)
    .values(state=OutboxState.CANCELLED.value, last_error=sa.bindparam("why"),
            updated_at=sa.bindparam("at", type_=_OUTBOX.c.updated_at.type))
)


def stop_enrolments(db: Session | sa.Connection, youth_id: int, reason: StopReason, now: datetime,
                    flows: Iterable[str] | None = None) -> list[int]:
    """Stop the youth's active enrolments (only in `flows` when given) and cancel the messages they planned.

    One UPDATE .. RETURNING in the caller's transaction (never committed), on a session or a connection;
    enrolments a session has loaded are updated too. Returns the ids of the enrolments stopped.
    """
    connection = connection_of(db)
    params: dict[str, object] = {"youth": youth_id, "stop_as": reason, "at": now}
    if flows is not None:
        params["flows"] = list(flows)
    stopped = list(connection.execute(_STOP if flows is None else _STOP_IN_FLOWS, params).scalars())
    if not stopped:
        return []
    if isinstance(db, Session):
        for enrolment_id in stopped:
            loaded = db.identity_map.get(identity_key(Enrolment, enrolment_id))
            if loaded is not None:
                for name, value in (("state", EnrolmentState.STOPPED), ("stop_reason", reason),
                                    ("stopped_at", now), ("updated_at", now)):
                    set_committed_value(loaded, name, value)
    cancel_planned(connection, stopped, f"enrolment stopped: {reason.value}", now)
    return stopped


def cancel_planned(db: Session | sa.Connection, enrolment_ids: list[int], why: str, now: datetime) -> int:
    """Cancel the pending outbox rows of these enrolments (claimed rows are the dispatcher's); how many."""
    if not enrolment_ids:
        return 0
    connection = connection_of(db)
    result = connection.execute(_CANCEL, {"enrolments": enrolment_ids, "why": why[:400], "at": now})
    return int(result.rowcount or 0)
