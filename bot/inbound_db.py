"""The rows and statements of the inbound path (`bot.inbound`): what it reads as plain snapshots, what it writes
as statements built once.

Every reply a youth sends runs this path inside the webhook (issue 9: 200 webhooks/s on one process), so it
uses SQLAlchemy Core on the caller's connection, not the ORM: loading five mapped objects and flushing their
changes cost more than the rest of the path together (reading the reply included). Building a statement costs
more than running it, so each is built once at import; the values come as parameters.

The snapshots are read in the caller's transaction and are not kept after it. Writes go straight to the
database; ORM objects another caller holds in a session on the same transaction are not updated (the callers
commit, which expires them, before reading them again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.enums import (
    AlertKind,
    Audience,
    Channel,
    DeliveryStatus,
    Direction,
    EnrolmentState,
    Language,
    OutboxState,
    Question,
    StopReason,
)
from storage.models import (
    Adviser,
    Alert,
    ContactPoint,
    Conversation,
    County,
    Enrolment,
    Message,
    Outbox,
    Youth,
    YouthGuardian,
)


def _table(model: type) -> sa.Table:
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    return table


POINT, YOUTH, COUNTY, ADVISER = _table(ContactPoint), _table(Youth), _table(County), _table(Adviser)
CONVERSATION, MESSAGE, OUTBOX, ALERT = _table(Conversation), _table(Message), _table(Outbox), _table(Alert)
ENROLMENT, LINK = _table(Enrolment), _table(YouthGuardian)

_INSERTS = (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))


# ---------------------------------------------------------------------------------------------------- snapshots


@dataclass(slots=True)
class PointRow:
    """A contact point as read at the start of the message; the flags change as the message is handled and are
    written back by `save_point`."""

    id: int
    county_id: int
    youth_id: int | None
    guardian_id: int | None
    wrong_number: bool
    opted_out: bool
    opted_out_at: datetime | None
    changed: bool = False


@dataclass(frozen=True, slots=True)
class YouthRow:
    id: int
    county_id: int
    first_name: str
    birth_date: date
    status_code: str
    language: Language
    adviser_id: int | None
    adviser_name: str | None
    held_by_adviser_id: int | None


@dataclass(frozen=True, slots=True)
class CountyRow:
    id: int
    name: str
    settings: dict[str, Any]


@dataclass(slots=True)
class ConversationRow:
    """The point's conversation as read (or a new one); `save_conversation` writes it, inserted or updated."""

    contact_point_id: int
    county_id: int
    youth_id: int | None = None
    question: Question | None = None
    choices: dict[str, Any] = field(default_factory=dict)
    message_id: int | None = None
    changed: bool = False


@dataclass(frozen=True, slots=True)
class Sender:
    """A usable point with this address, with what the path needs about it (youth and county when it has them)."""

    point: PointRow
    county: CountyRow
    youth: YouthRow | None
    conversation: ConversationRow | None


# ------------------------------------------------------------------------------------------------------- reads

_YOUTH_COLUMNS = (YOUTH.c.id, YOUTH.c.county_id, YOUTH.c.first_name, YOUTH.c.birth_date, YOUTH.c.status_code,
                  YOUTH.c.language, YOUTH.c.adviser_id, ADVISER.c.name, YOUTH.c.held_by_adviser_id)
_CONVERSATION_COLUMNS = (CONVERSATION.c.id, CONVERSATION.c.youth_id, CONVERSATION.c.question,
                         CONVERSATION.c.choices, CONVERSATION.c.message_id)
_POINTS = (
    sa.select(POINT.c.id, POINT.c.county_id, POINT.c.youth_id, POINT.c.guardian_id, POINT.c.wrong_number,
              POINT.c.opted_out, POINT.c.opted_out_at, COUNTY.c.name, COUNTY.c.settings,
              *_YOUTH_COLUMNS, *_CONVERSATION_COLUMNS)
    .select_from(POINT)
    .join(COUNTY, COUNTY.c.id == POINT.c.county_id)
    .outerjoin(YOUTH, YOUTH.c.id == POINT.c.youth_id)
    .outerjoin(ADVISER, ADVISER.c.id == YOUTH.c.adviser_id)
    .outerjoin(CONVERSATION, CONVERSATION.c.contact_point_id == POINT.c.id)
    .where(POINT.c.channel == sa.bindparam("channel"), POINT.c.address == sa.bindparam("address"),
           POINT.c.retired_at.is_(None))
)
_POINT_WIDTH, _YOUTH_WIDTH = 7, len(_YOUTH_COLUMNS)
_YOUTH = sa.select(*_YOUTH_COLUMNS).select_from(YOUTH).outerjoin(ADVISER, ADVISER.c.id == YOUTH.c.adviser_id)
_CHILDREN = _YOUTH.add_columns(LINK.c.position).join(LINK, LINK.c.youth_id == YOUTH.c.id).where(
    LINK.c.guardian_id == sa.bindparam("guardian"))
_COUNTY = sa.select(COUNTY.c.id, COUNTY.c.name, COUNTY.c.settings).where(COUNTY.c.id == sa.bindparam("county"))
_MESSAGE = sa.select(MESSAGE.c.youth_id, MESSAGE.c.contact_point_id, MESSAGE.c.text).where(
    MESSAGE.c.id == sa.bindparam("message"))


def _youth(values: Any) -> YouthRow:
    return YouthRow(*values[:_YOUTH_WIDTH])


def usable_points(connection: sa.Connection, channel: Channel, address: str) -> list[Sender]:
    """Points with this address that are not retired: a working number before a flagged one, a youth's own
    before a guardian's, then the oldest. One statement."""
    senders = []
    for row in connection.execute(_POINTS, {"channel": channel.value, "address": address}):
        point = PointRow(*row[:_POINT_WIDTH])
        county = CountyRow(point.county_id, row[_POINT_WIDTH], row[_POINT_WIDTH + 1] or {})
        rest = row[_POINT_WIDTH + 2:]
        youth = _youth(rest) if rest[0] is not None else None
        talk = rest[_YOUTH_WIDTH:]
        conversation = None if talk[0] is None else ConversationRow(
            point.id, point.county_id, youth_id=talk[1], question=talk[2], choices=talk[3] or {},
            message_id=talk[4])
        senders.append(Sender(point, county, youth, conversation))
    senders.sort(key=lambda s: (s.point.wrong_number, s.point.youth_id is None, s.point.id))
    return senders


def children(connection: sa.Connection, guardian_id: int, ended: int) -> list[YouthRow]:
    """The youth a guardian guards now (links not at position `ended`); when every link ended, the youth the
    links still point at. Oldest first."""
    rows = connection.execute(_CHILDREN, {"guardian": guardian_id}).all()
    current = [row for row in rows if row.position != ended] or rows
    unique = {row.id: _youth(row) for row in current}
    return sorted(unique.values(), key=lambda y: (y.birth_date, y.id))


def county(connection: sa.Connection, county_id: int) -> CountyRow:
    row = connection.execute(_COUNTY, {"county": county_id}).first()
    if row is None:  # pragma: no cover - the foreign key makes this impossible
        raise LookupError(f"county {county_id} does not exist")
    return CountyRow(row.id, row.name, row.settings or {})


def message(connection: sa.Connection, message_id: int) -> Any:
    """(youth_id, contact_point_id, text) of a stored message."""
    return connection.execute(_MESSAGE, {"message": message_id}).first()


# ------------------------------------------------------------------------------------------------------ writes

_STORE = {
    name: insert(MESSAGE).on_conflict_do_nothing(
        index_elements=[MESSAGE.c.channel, MESSAGE.c.provider_account, MESSAGE.c.provider_id],
    ).returning(MESSAGE.c.id)
    for name, insert in _INSERTS
}
_STORED = sa.select(MESSAGE.c.id, MESSAGE.c.youth_id, MESSAGE.c.guardian_id).where(
    MESSAGE.c.channel == sa.bindparam("channel"), MESSAGE.c.provider_account == sa.bindparam("account"),
    MESSAGE.c.provider_id == sa.bindparam("provider_id"))
_QUEUE = sa.insert(OUTBOX).returning(OUTBOX.c.id)
_ALERT = sa.insert(ALERT)
_SAVE_POINT = sa.update(POINT).where(POINT.c.id == sa.bindparam("point")).values(
    wrong_number=sa.bindparam("p_wrong_number"), opted_out=sa.bindparam("p_opted_out"),
    opted_out_at=sa.bindparam("p_opted_out_at", type_=POINT.c.opted_out_at.type))
_ATTRIBUTE = sa.update(MESSAGE).where(MESSAGE.c.id == sa.bindparam("message")).values(
    youth_id=sa.bindparam("m_youth"))
_RESUME = sa.update(ENROLMENT).where(
    ENROLMENT.c.youth_id == sa.bindparam("youth"), ENROLMENT.c.state == EnrolmentState.STOPPED.value,
    ENROLMENT.c.stop_reason == StopReason.OPTED_OUT.value,
).values(state=EnrolmentState.ACTIVE.value, stopped_at=None, stop_reason=None,
         updated_at=sa.bindparam("at", type_=ENROLMENT.c.updated_at.type))


def conversation_upsert(columns: tuple[str, ...]) -> dict[str, sa.Insert]:
    """Per dialect: INSERT a point's conversation, or when the point has one, set these `columns` of it. One
    statement whether or not the conversation exists, so two writers on one point cannot both insert it."""
    return {
        name: (stmt := insert(CONVERSATION)).on_conflict_do_update(
            index_elements=[CONVERSATION.c.contact_point_id],
            set_={column: getattr(stmt.excluded, column) for column in columns},
        )
        for name, insert in _INSERTS
    }


_SAVE_CONVERSATION = conversation_upsert(("youth_id", "question", "choices", "asked_at", "message_id", "updated_at"))


def store_message(connection: sa.Connection, *, channel: Channel, account: str, provider_id: str, text: str,
                  received_at: datetime, now: datetime, county_id: int, youth_id: int | None,
                  guardian_id: int | None, point_id: int | None) -> int | None:
    """Insert an inbound message unless (channel, account, provider id) is stored; its id, None when stored."""
    values = {
        "county_id": county_id, "youth_id": youth_id, "guardian_id": guardian_id, "contact_point_id": point_id,
        "direction": Direction.INBOUND.value, "channel": channel.value, "text": text, "provider_account": account,
        "provider_id": provider_id, "delivery_status": DeliveryStatus.RECEIVED.value, "received_at": received_at,
        "created_at": now,
    }
    new_id = connection.execute(_STORE[connection.dialect.name], values).scalar_one_or_none()
    return None if new_id is None else int(new_id)


def stored_message(connection: sa.Connection, channel: Channel, account: str, provider_id: str) -> Any:
    """(id, youth_id, guardian_id) of the stored message with this provider id."""
    return connection.execute(_STORED, {"channel": channel.value, "account": account,
                                        "provider_id": provider_id}).first()


def queue_answer(connection: sa.Connection, *, message_id: int, youth_id: int, point: PointRow, channel: Channel,
                 text: str, now: datetime, audience: Audience, template: str | None, language: str,
                 urgent: bool) -> int:
    """Queue the answer to message `message_id` in the outbox (one per message: its idempotency key); its id."""
    values = {
        "county_id": point.county_id, "youth_id": youth_id, "guardian_id": point.guardian_id,
        "contact_point_id": point.id, "enrolment_id": None, "idempotency_key": f"answer:{message_id}",
        "audience": audience.value, "channel": channel.value, "flow": None, "step": None, "template": template,
        "language": Language(language).value, "text": text, "urgent": urgent, "due_at": now,
        "state": OutboxState.PENDING.value, "attempts": 0, "next_attempt_at": now, "created_at": now,
        "updated_at": now,
    }
    return int(connection.execute(_QUEUE, values).scalar_one())


@dataclass(frozen=True, slots=True)
class NewAlert:
    county_id: int
    youth_id: int | None
    adviser_id: int | None
    message_id: int
    kind: AlertKind
    detail: str


def raise_alerts(connection: sa.Connection, alerts: list[NewAlert], now: datetime) -> None:
    if not alerts:
        return
    connection.execute(_ALERT, [
        {"county_id": a.county_id, "youth_id": a.youth_id, "adviser_id": a.adviser_id, "message_id": a.message_id,
         "kind": a.kind.value, "key": None, "urgent": a.kind is AlertKind.URGENT, "detail": a.detail,
         "created_at": now, "acknowledged_at": None, "acknowledged_by": None}
        for a in alerts
    ])


def save_point(connection: sa.Connection, point: PointRow) -> None:
    """Write the point's flags back when the message changed them."""
    if point.changed:
        connection.execute(_SAVE_POINT, {"point": point.id, "p_wrong_number": point.wrong_number,
                                         "p_opted_out": point.opted_out, "p_opted_out_at": point.opted_out_at})
        point.changed = False


def attribute_message(connection: sa.Connection, message_id: int, youth_id: int) -> None:
    connection.execute(_ATTRIBUTE, {"message": message_id, "m_youth": youth_id})


def resume_enrolments(connection: sa.Connection, youth_id: int, now: datetime) -> None:
    """Re-activate what the youth's opt-out stopped."""
    connection.execute(_RESUME, {"youth": youth_id, "at": now})


def save_conversation(connection: sa.Connection, conversation: ConversationRow, now: datetime) -> None:
    """Store the point's conversation (inserted, or updated when the point has one)."""
    asked_at = now if conversation.question is not None else None
    connection.execute(_SAVE_CONVERSATION[connection.dialect.name], {
        "county_id": conversation.county_id, "contact_point_id": conversation.contact_point_id,
        "youth_id": conversation.youth_id,
        "question": conversation.question.value if conversation.question is not None else None,
        "choices": conversation.choices, "asked_at": asked_at, "message_id": conversation.message_id,
        "updated_at": now,
    })
    conversation.changed = False
