"""Delivery reports: stored once as received, applied to their message, forward only.

A provider reports a message's fate in callbacks that arrive out of order (delivered before sent), twice
(retries), and sometimes before the dispatcher has recorded the message (it records sends in groups). So:

1. each report is inserted once (unique on channel, account, provider id and status; a repeat is a no-op);
2. if its message exists, it is applied: the message's status moves only to a higher rank (DELIVERY_ORDER),
   in one conditional UPDATE, so that two reports racing each other cannot move it back;
3. a report whose message does not exist yet stays pending, and `apply_pending` (run by the dispatcher after
   each run) applies it once the message is there.

A failed delivery also settles the outbox row that sent it: the row becomes `failed`, so that the planner
tries the step's next channel (Twilio 30003–30008); a carrier opt-out (21610) or an unreachable number
(21211, 21614) flags the contact point and alerts the youth's adviser, as a refused send does.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import sqlalchemy as sa

from adapters.base import Outcome, StatusReport
from bot.log import get_logger
from storage.enums import DELIVERY_ORDER, AlertKind, Channel, DeliveryStatus, OutboxState
from storage.models import Alert, ContactPoint, DeliveryReport, Message, Outbox, Youth

log = get_logger("bot.delivery")

REPORT = cast(sa.Table, DeliveryReport.__table__)  # type: ignore[attr-defined]
MESSAGE = cast(sa.Table, Message.__table__)  # type: ignore[attr-defined]
OUTBOX = cast(sa.Table, Outbox.__table__)  # type: ignore[attr-defined]
CONTACT = cast(sa.Table, ContactPoint.__table__)  # type: ignore[attr-defined]
ALERT = cast(sa.Table, Alert.__table__)  # type: ignore[attr-defined]
YOUTH = cast(sa.Table, Youth.__table__)  # type: ignore[attr-defined]


def lower_than(status: DeliveryStatus) -> list[str]:
    """The statuses a message may leave for `status`."""
    rank = DELIVERY_ORDER[status]
    return [s.value for s, r in DELIVERY_ORDER.items() if r < rank]


def record_report(connection: sa.Connection, report: StatusReport, now: datetime) -> str:
    """Store one report and apply it if its message exists; in the caller's transaction.

    Returns "duplicate" (stored before), "applied" or "waiting" (no message with this provider id yet).
    """
    values = {"channel": report.channel, "provider_account": report.account, "provider_id": report.provider_id,
              "status": report.status, "provider_status": report.provider_status[:40],
              "error_code": report.error_code, "received_at": now}
    exists = connection.execute(
        sa.select(REPORT.c.id).where(REPORT.c.channel == report.channel,
                                     REPORT.c.provider_account == report.account,
                                     REPORT.c.provider_id == report.provider_id, REPORT.c.status == report.status)
    ).first()
    if exists is not None:
        return "duplicate"
    try:
        with connection.begin_nested():
            report_id = connection.execute(sa.insert(REPORT).values(**values).returning(REPORT.c.id)).scalar_one()
    except sa.exc.IntegrityError:  # the same report, stored by a concurrent request
        return "duplicate"
    return "applied" if _apply(connection, report_id, report, now) else "waiting"


def apply_pending(connection: sa.Connection, now: datetime, *, limit: int = 500) -> int:
    """Apply the stored reports whose message now exists; returns how many were applied."""
    rows = connection.execute(
        sa.select(REPORT).where(REPORT.c.applied_at.is_(None)).order_by(REPORT.c.id).limit(limit)
    ).all()
    applied = 0
    for row in rows:
        report = StatusReport(channel=row.channel, account=row.provider_account, provider_id=row.provider_id,
                              status=DeliveryStatus(row.status), provider_status=row.provider_status,
                              error_code=row.error_code, outcome=outcome_for(row.channel, row.error_code)
                              if row.status == DeliveryStatus.FAILED else None)
        applied += _apply(connection, row.id, report, now)
    return applied


def outcome_for(channel: str, error_code: str | None) -> Outcome:
    """The outcome of a stored failed report (the adapter's table, for reports applied later)."""
    from adapters.twilio_sms import outcome_of

    code = int(error_code) if error_code and error_code.isdigit() else None
    return outcome_of(None, code) if channel == Channel.SMS else Outcome.FAILED


def _apply(connection: sa.Connection, report_id: int, report: StatusReport, now: datetime) -> bool:
    message = connection.execute(
        sa.select(MESSAGE.c.id, MESSAGE.c.county_id, MESSAGE.c.youth_id, MESSAGE.c.contact_point_id)
        .where(MESSAGE.c.channel == report.channel, MESSAGE.c.provider_account == report.account,
               MESSAGE.c.provider_id == report.provider_id)
    ).first()
    if message is None:
        return False
    connection.execute(sa.update(REPORT).where(REPORT.c.id == report_id).values(applied_at=now))
    values: dict[str, object] = {"delivery_status": report.status}
    if report.status is DeliveryStatus.DELIVERED:
        values["delivered_at"] = now
    if report.status is DeliveryStatus.FAILED:
        values["error_code"] = report.error_code
    moved = connection.execute(
        sa.update(MESSAGE).where(MESSAGE.c.id == message.id,
                                 MESSAGE.c.delivery_status.in_(lower_than(report.status))).values(**values)
    ).rowcount
    if moved and report.status is DeliveryStatus.FAILED:
        _failed(connection, message, report, now)
    log.info("delivery report", message_id=message.id, status=report.status.value, moved=bool(moved),
             error_code=report.error_code)
    return True


def _failed(connection: sa.Connection, message: sa.Row, report: StatusReport, now: datetime) -> None:
    """A message the provider could not deliver: its outbox row fails (the planner tries the next channel);
    an opt-out at the carrier or an unreachable address flags the contact point and alerts."""
    code = f" ({report.error_code})" if report.error_code else ""
    connection.execute(
        sa.update(OUTBOX).where(OUTBOX.c.message_id == message.id, OUTBOX.c.state == OutboxState.SENT)
        .values(state=OutboxState.FAILED, last_error=f"not delivered{code}", updated_at=now)
    )
    flag: dict[str, object] | None = None
    kind = None
    if report.outcome is Outcome.OPTED_OUT:
        flag, kind = {"opted_out": True, "opted_out_at": now}, AlertKind.OPT_OUT
        detail = f"the carrier reports the number has stopped messages{code}; automated messages to it end"
    elif report.outcome is Outcome.BAD_ADDRESS:
        flag, kind = {"wrong_number": True}, AlertKind.WRONG_NUMBER
        detail = f"the provider reports the number is not reachable{code}; it is flagged as wrong"
    if flag is None or kind is None or message.contact_point_id is None:
        return
    connection.execute(sa.update(CONTACT).where(CONTACT.c.id == message.contact_point_id).values(**flag))
    adviser = None
    if message.youth_id is not None:
        adviser = connection.execute(sa.select(YOUTH.c.adviser_id).where(YOUTH.c.id == message.youth_id)
                                     ).scalar_one_or_none()
    connection.execute(sa.insert(ALERT).values(
        county_id=message.county_id, youth_id=message.youth_id, adviser_id=adviser, message_id=message.id,
        kind=kind, urgent=False, detail=f"message {message.id}: {detail}"[:400], created_at=now))


def pending_count(connection: sa.Connection) -> int:
    return int(connection.execute(sa.select(sa.func.count()).select_from(REPORT)
                                  .where(REPORT.c.applied_at.is_(None))).scalar_one())
