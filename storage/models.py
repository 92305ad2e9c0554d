"""SQLModel tables: the product's own records beside Vigo OT. Every table that holds people carries the county."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Only for column defaults at the storage edge; logic takes its clock as an argument."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC on every backend and always gives back an aware UTC datetime.

    SQLite has no time zones and PostgreSQL's timestamptz would convert to the session
    zone; one representation keeps the two databases identical.
    """

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _ts(nullable: bool = False, default: bool = True, index: bool = False) -> Any:
    kwargs: dict[str, Any] = {"sa_type": UTCDateTime, "nullable": nullable, "index": index}
    if default:
        kwargs["default_factory"] = utcnow
    else:
        # Without an explicit None the field would be required by pydantic although the column is nullable.
        kwargs["default"] = None
    return Field(**kwargs)


# Named constraints: Alembic's batch mode on SQLite and any later migration that drops or alters a
# constraint need a stable name, identical on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class Channel(StrEnum):
    SMS = "sms"
    TELEGRAM = "telegram"
    WEBCHAT = "webchat"
    EMAIL = "email"
    CONSOLE = "console"


class Language(StrEnum):
    NB = "nb"
    NN = "nn"
    EN = "en"


class OutboxState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


class County(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=80)
    # Per code group: "applied" or "proposed" (see bot.policy); empty means the safe default.
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = _ts()


class Adviser(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    name: str = Field(max_length=120)
    email: str | None = Field(default=None, unique=True, max_length=200)
    phone: str | None = Field(default=None, max_length=20)
    active: bool = True
    created_at: datetime = _ts()


class Youth(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("county_id", "roster_id", name="uq_youth_county_roster"),)

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    # The roster id from Vigo OT; never a national identity number.
    roster_id: str = Field(max_length=64)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    birth_date: date
    municipality: str | None = Field(default=None, max_length=100)
    registration_code: str = Field(max_length=10)
    status_code: str = Field(default="OTUK", max_length=10, index=True)
    adviser_id: int | None = Field(default=None, foreign_key="adviser.id", index=True)
    language: str = Field(default="nb", max_length=5)
    school: str | None = Field(default=None, max_length=200)
    registered_on: date | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Guardian(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int = Field(foreign_key="youth.id", index=True)
    # 1 or 2: the column pair of the roster the guardian came from.
    position: int = 1
    name: str = Field(max_length=200)
    created_at: datetime = _ts()


class ContactPoint(SQLModel, table=True):
    """A way to reach a person: owned by a youth or by one of their guardians."""

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int = Field(foreign_key="youth.id", index=True)
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id", index=True)
    channel: str = Field(max_length=20)
    address: str = Field(max_length=200, index=True)
    verified: bool = False
    wrong_number: bool = False
    opted_out: bool = False
    opted_out_at: datetime | None = _ts(nullable=True, default=False)
    created_at: datetime = _ts()


class Message(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("channel", "provider_id", name="uq_message_channel_provider"),)

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int | None = Field(default=None, foreign_key="youth.id", index=True)
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id")
    contact_point_id: int | None = Field(default=None, foreign_key="contactpoint.id")
    direction: str = Field(max_length=3)
    channel: str = Field(max_length=20)
    text: str = Field(sa_type=sa.Text)
    provider_id: str | None = Field(default=None, max_length=128)
    delivery_status: str = Field(default="queued", max_length=20)
    error_code: str | None = Field(default=None, max_length=40)
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(nullable=True, default=False)
    delivered_at: datetime | None = _ts(nullable=True, default=False)
    received_at: datetime | None = _ts(nullable=True, default=False)


class Outbox(SQLModel, table=True):
    # The dispatcher's question is always "pending rows due before now".
    __table_args__ = (sa.Index("ix_outbox_state_due_at", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int = Field(foreign_key="youth.id", index=True)
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id")
    contact_point_id: int | None = Field(default=None, foreign_key="contactpoint.id")
    # enrolment + step: planning twice never sends twice.
    idempotency_key: str = Field(unique=True, max_length=200)
    channel: str = Field(max_length=20)
    flow: str | None = Field(default=None, max_length=80)
    step: str | None = Field(default=None, max_length=80)
    text: str = Field(sa_type=sa.Text)
    due_at: datetime = _ts()
    state: str = Field(default="pending", max_length=20)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=400)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    claimed_at: datetime | None = _ts(nullable=True, default=False)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class StatusChange(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int = Field(foreign_key="youth.id", index=True)
    old_code: str = Field(max_length=10)
    new_code: str = Field(max_length=10)
    # "import", "bot", or "adviser:<id>"
    actor: str = Field(max_length=80)
    # True: the youth's code was changed; False: proposed, waiting for an adviser.
    applied: bool = False
    evidence: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    source_message_id: int | None = Field(default=None, foreign_key="message.id")
    decided_by: str | None = Field(default=None, max_length=80)
    decided_at: datetime | None = _ts(nullable=True, default=False)
    # Exports ask for the changes since a day.
    created_at: datetime = _ts(index=True)


class Alert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int | None = Field(default=None, foreign_key="youth.id", index=True)
    adviser_id: int | None = Field(default=None, foreign_key="adviser.id")
    message_id: int | None = Field(default=None, foreign_key="message.id")
    kind: str = Field(max_length=40)
    urgent: bool = False
    detail: str | None = Field(default=None, max_length=400)
    created_at: datetime = _ts()
    acknowledged_at: datetime | None = _ts(nullable=True, default=False)


class AccessLog(SQLModel, table=True):
    """Which person read or changed which youth record, and when."""

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int | None = Field(default=None, foreign_key="youth.id", index=True)
    actor: str = Field(max_length=80)
    action: str = Field(max_length=20)
    detail: str | None = Field(default=None, max_length=400)
    at: datetime = _ts()
