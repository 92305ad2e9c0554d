"""SQLModel tables: the product's own records beside Vigo OT. Every table that holds people carries the county."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from storage.enums import (
    ActorKind,
    AdviserRole,
    AlertKind,
    Audience,
    ChangeState,
    Channel,
    ContactRetired,
    DeliveryStatus,
    Direction,
    EnrolmentState,
    GuardianEnded,
    Language,
    OutboxState,
    Question,
    StopReason,
)


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


def _enum(kind: type[StrEnum], name: str, length: int, *, default: Any = ..., nullable: bool = False,
          index: bool = False) -> Any:
    """A column of one of storage.enums: VARCHAR plus a CHECK constraint `ck_<table>_<name>` on every backend.

    Not a native PostgreSQL ENUM: the same schema on SQLite and PostgreSQL, and adding a member is a
    constraint change, not a type migration.
    """
    sa_type = sa.Enum(
        kind, name=name, native_enum=False, create_constraint=True, length=length,
        values_callable=lambda members: [m.value for m in members], validate_strings=True,
    )
    kwargs: dict[str, Any] = {"sa_type": sa_type, "nullable": nullable, "index": index}
    if default is not ...:
        kwargs["default"] = default
    return Field(**kwargs)


def _youth_fk(table: str) -> sa.ForeignKeyConstraint:
    """(youth_id, county_id) -> youth: a row about a youth always carries that youth's county."""
    return sa.ForeignKeyConstraint(
        ["youth_id", "county_id"], ["youth.id", "youth.county_id"], name=f"fk_{table}_youth_id_youth"
    )


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
    role: AdviserRole = _enum(AdviserRole, "role", 10, default=AdviserRole.ADVISER)
    # argon2 hash of the inbox password; None: cannot log in.
    password_hash: str | None = Field(default=None, max_length=200)
    # Away: the county's fallback adviser (County.settings["fallback_adviser_id"]) sees this caseload.
    away: bool = False
    last_login_at: datetime | None = _ts(nullable=True, default=False)
    created_at: datetime = _ts()


class Youth(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("county_id", "roster_id", name="uq_youth_county_roster"),
        # The target of every (youth_id, county_id) foreign key.
        sa.UniqueConstraint("id", "county_id", name="uq_youth_id_county"),
        sa.CheckConstraint("(held_by_adviser_id IS NULL) = (held_since IS NULL)", name="hold_has_time"),
    )

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
    language: Language = _enum(Language, "language", 5, default=Language.NB)
    school: str | None = Field(default=None, max_length=200)
    registered_on: date | None = None
    # An adviser holds the conversation: the bot sends nothing to this youth (or their guardians) until handed back.
    held_by_adviser_id: int | None = Field(default=None, foreign_key="adviser.id")
    held_since: datetime | None = _ts(nullable=True, default=False)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Guardian(SQLModel, table=True):
    """One person with parental responsibility: a parent of siblings is one row, linked to each child."""

    __table_args__ = (sa.UniqueConstraint("id", "county_id", name="uq_guardian_id_county"),)

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    name: str = Field(max_length=200)
    created_at: datetime = _ts()


class YouthGuardian(SQLModel, table=True):
    """Guardian `guardian_id` of youth `youth_id`, in the roster's column pair `position` (1 or 2).

    A link that ended (another person took the position, or the youth turned 18) keeps its row with
    position 0, `ended_at` and the reason: the guardian's thread still points at this youth.
    """

    __table_args__ = (
        sa.UniqueConstraint("youth_id", "guardian_id", name="uq_youthguardian_youth_guardian"),
        _youth_fk("youthguardian"),
        sa.ForeignKeyConstraint(
            ["guardian_id", "county_id"], ["guardian.id", "guardian.county_id"],
            name="fk_youthguardian_guardian_id_guardian",
        ),
        sa.CheckConstraint("position IN (0, 1, 2)", name="position"),
        sa.CheckConstraint("(position = 0) = (ended_at IS NOT NULL)", name="ended_has_no_position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int = Field(index=True)
    guardian_id: int = Field(index=True)
    position: int = 1
    created_at: datetime = _ts()
    ended_at: datetime | None = _ts(nullable=True, default=False)
    ended_reason: GuardianEnded | None = _enum(GuardianEnded, "ended_reason", 20, default=None, nullable=True)


class ContactPoint(SQLModel, table=True):
    """A way to reach one person: owned by a youth or by a guardian, never both."""

    __table_args__ = (
        # One row per address and owner; the same number may belong to a youth and to a guardian (flagged).
        sa.UniqueConstraint("channel", "address", "youth_id", name="uq_contactpoint_youth_address"),
        sa.UniqueConstraint("channel", "address", "guardian_id", name="uq_contactpoint_guardian_address"),
        _youth_fk("contactpoint"),
        sa.ForeignKeyConstraint(
            ["guardian_id", "county_id"], ["guardian.id", "guardian.county_id"],
            name="fk_contactpoint_guardian_id_guardian",
        ),
        sa.CheckConstraint("(youth_id IS NULL) != (guardian_id IS NULL)", name="one_owner"),
        sa.CheckConstraint("(retired_at IS NULL) = (retired_reason IS NULL)", name="retired_has_reason"),
    )

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int | None = Field(default=None, index=True)
    guardian_id: int | None = Field(default=None, index=True)
    channel: Channel = _enum(Channel, "channel", 20)
    # Normalised: E.164 for phone numbers, lower case for e-mail.
    address: str = Field(max_length=200, index=True)
    verified: bool = False
    wrong_number: bool = False
    opted_out: bool = False
    opted_out_at: datetime | None = _ts(nullable=True, default=False)
    # Set when the point must not be used any more for a reason other than a wrong number or an opt-out.
    retired_at: datetime | None = _ts(nullable=True, default=False)
    retired_reason: ContactRetired | None = _enum(ContactRetired, "retired_reason", 20, default=None, nullable=True)
    created_at: datetime = _ts()


def telegram_provider_id(chat_id: int, message_id: int) -> str:
    """The provider id of a Telegram message: its id is unique only within its chat."""
    return f"{chat_id}:{message_id}"


class Message(SQLModel, table=True):
    __table_args__ = (
        # Provider retries are stored once. Telegram message ids are unique only within a chat, so the
        # Telegram provider id is "<chat id>:<message id>"; a county may run its own provider account.
        sa.UniqueConstraint("channel", "provider_account", "provider_id", name="uq_message_channel_account_provider"),
        _youth_fk("message"),
    )

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int | None = Field(default=None, index=True)
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id")
    contact_point_id: int | None = Field(default=None, foreign_key="contactpoint.id")
    direction: Direction = _enum(Direction, "direction", 3)
    channel: Channel = _enum(Channel, "channel", 20)
    text: str = Field(sa_type=sa.Text)
    # The provider's account (Twilio account SID, Telegram bot id); "" where a channel has only one.
    provider_account: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    provider_id: str | None = Field(default=None, max_length=128)
    delivery_status: DeliveryStatus = _enum(DeliveryStatus, "delivery_status", 20, default=DeliveryStatus.QUEUED)
    error_code: str | None = Field(default=None, max_length=40)
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(nullable=True, default=False)
    delivered_at: datetime | None = _ts(nullable=True, default=False)
    received_at: datetime | None = _ts(nullable=True, default=False)


class Outbox(SQLModel, table=True):
    """A message to send: planned by the planner (or queued as an answer), sent by the dispatcher."""

    __table_args__ = (
        # The dispatcher's question is always "pending rows whose next attempt is due".
        sa.Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        _youth_fk("outbox"),
        sa.CheckConstraint("(state = 'claimed') = (claimed_by IS NOT NULL AND lease_until IS NOT NULL)",
                           name="claim_has_lease"),
    )

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int = Field(index=True)
    guardian_id: int | None = Field(default=None, foreign_key="guardian.id")
    contact_point_id: int | None = Field(default=None, foreign_key="contactpoint.id")
    enrolment_id: int | None = Field(default=None, foreign_key="enrolment.id", index=True)
    # enrolment + step + recipient: planning twice never sends twice.
    idempotency_key: str = Field(unique=True, max_length=200)
    audience: Audience = _enum(Audience, "audience", 10, default=Audience.YOUTH)
    channel: Channel = _enum(Channel, "channel", 20)
    flow: str | None = Field(default=None, max_length=80)
    step: str | None = Field(default=None, max_length=80)
    template: str | None = Field(default=None, max_length=80)
    language: Language | None = _enum(Language, "language", 5, default=None, nullable=True)
    text: str = Field(sa_type=sa.Text)
    # An answer to an urgent reply goes out at any hour; everything else waits for the sending window.
    urgent: bool = False
    due_at: datetime = _ts()
    state: OutboxState = _enum(OutboxState, "state", 20, default=OutboxState.PENDING)
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_at: datetime | None = _ts(nullable=True, default=False)
    lease_until: datetime | None = _ts(nullable=True, default=False)
    last_error: str | None = Field(default=None, max_length=400)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Enrolment(SQLModel, table=True):
    """A youth in a flow: one row per (youth, flow, cycle); a deadline campaign's cycle is its year."""

    __table_args__ = (
        sa.UniqueConstraint("youth_id", "flow", "cycle", name="uq_enrolment_youth_flow_cycle"),
        _youth_fk("enrolment"),
        sa.CheckConstraint("(state = 'stopped') = (stop_reason IS NOT NULL)", name="stopped_has_reason"),
        sa.CheckConstraint("(state = 'active') = (stopped_at IS NULL)", name="ended_has_time"),
    )

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int = Field(index=True)
    flow: str = Field(max_length=80)
    cycle: str = Field(default="", max_length=20)
    state: EnrolmentState = _enum(EnrolmentState, "state", 20, default=EnrolmentState.ACTIVE, index=True)
    # The moment every step's delay counts from (registration, or the campaign's date).
    started_at: datetime = _ts()
    stopped_at: datetime | None = _ts(nullable=True, default=False)
    stop_reason: StopReason | None = _enum(StopReason, "stop_reason", 30, default=None, nullable=True)
    updated_at: datetime = _ts()


class Conversation(SQLModel, table=True):
    """The question the bot last asked on one contact point, so that a bare "ja" or "2" can be read against it."""

    __table_args__ = (_youth_fk("conversation"),)

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    # The youth the conversation is about; None for a guardian of several youth until they say which.
    youth_id: int | None = Field(default=None, index=True)
    contact_point_id: int = Field(foreign_key="contactpoint.id", unique=True)
    question: Question | None = _enum(Question, "question", 30, default=None, nullable=True)
    # e.g. {"1": "school", "2": "work", ...} or, for which_child, {"1": <youth id>, ...}
    choices: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    asked_at: datetime | None = _ts(nullable=True, default=False)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    updated_at: datetime = _ts()


class StatusChange(SQLModel, table=True):
    __table_args__ = (
        _youth_fk("statuschange"),
        # A decided change names who decided and when; an undecided one names neither.
        sa.CheckConstraint(
            "(state IN ('confirmed', 'rejected')) = (decided_at IS NOT NULL AND decided_by IS NOT NULL)",
            name="decided",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int = Field(index=True)
    old_code: str = Field(max_length=10)
    new_code: str = Field(max_length=10)
    # "import", "bot", or "adviser:<id>"; actor_kind is its kind, constrained.
    actor: str = Field(max_length=80)
    actor_kind: ActorKind = _enum(ActorKind, "actor_kind", 20)
    state: ChangeState = _enum(ChangeState, "state", 20, index=True)
    evidence: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    source_message_id: int | None = Field(default=None, foreign_key="message.id")
    decided_by: str | None = Field(default=None, max_length=80)
    decided_at: datetime | None = _ts(nullable=True, default=False)
    # Exports ask for the changes since a day.
    created_at: datetime = _ts(index=True)

    @property
    def applied(self) -> bool:
        """Whether the change's new code became the youth's code (applied at once or confirmed)."""
        return self.state in (ChangeState.APPLIED, ChangeState.CONFIRMED)


class Alert(SQLModel, table=True):
    __table_args__ = (_youth_fk("alert"),)

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int | None = Field(default=None, index=True)
    adviser_id: int | None = Field(default=None, foreign_key="adviser.id")
    message_id: int | None = Field(default=None, foreign_key="message.id")
    kind: AlertKind = _enum(AlertKind, "kind", 40)
    # Set when the alert must be raised once only (a flow's phone-call step, no channel): unique.
    key: str | None = Field(default=None, max_length=200, unique=True)
    urgent: bool = False
    detail: str | None = Field(default=None, max_length=400)
    created_at: datetime = _ts()
    acknowledged_at: datetime | None = _ts(nullable=True, default=False)
    # The adviser who acknowledged it (with acknowledged_at: who and when).
    acknowledged_by: int | None = Field(default=None, foreign_key="adviser.id")


class AccessLog(SQLModel, table=True):
    """Which person or process read or changed which youth record, and when."""

    __table_args__ = (_youth_fk("accesslog"),)

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int | None = Field(default=None, index=True)
    # "import", "export", "adviser:<id>"; actor_kind is its kind, constrained.
    actor: str = Field(max_length=80)
    actor_kind: ActorKind = _enum(ActorKind, "actor_kind", 20)
    action: str = Field(max_length=20)
    detail: str | None = Field(default=None, max_length=400)
    at: datetime = _ts()


class DeliveryReport(SQLModel, table=True):
    """A provider's delivery report (a Twilio status callback), kept as received.

    Reports arrive out of order, twice, and sometimes before the dispatcher has recorded the message they are
    about: each is stored once (unique on channel, account, provider id and status) and applied to its message
    as soon as the message exists (`applied_at`); a message's status only moves forward (DELIVERY_ORDER).
    """

    __table_args__ = (
        sa.UniqueConstraint("channel", "provider_account", "provider_id", "status",
                            name="uq_deliveryreport_message_status"),
        sa.Index("ix_deliveryreport_pending", "applied_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = _enum(Channel, "channel", 20)
    provider_account: str = Field(default="", max_length=64)
    provider_id: str = Field(max_length=128)
    status: DeliveryStatus = _enum(DeliveryStatus, "status", 20)
    # The provider's own status word ("undelivered") and error code ("30003"); never message text.
    provider_status: str = Field(max_length=40)
    error_code: str | None = Field(default=None, max_length=40)
    received_at: datetime = _ts()
    applied_at: datetime | None = _ts(nullable=True, default=False)


class ChatBinding(SQLModel, table=True):
    """A one-time chat link that was used: the web chat page or a Telegram deep link bound one chat to a youth.

    The token's id is unique, so a link binds once; the chat became the contact point named here.
    """

    __table_args__ = (_youth_fk("chatbinding"),)

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int = Field(index=True)
    channel: Channel = _enum(Channel, "channel", 20)
    token_id: str = Field(unique=True, max_length=64)
    contact_point_id: int = Field(foreign_key="contactpoint.id")
    created_at: datetime = _ts()


class SiteSecret(SQLModel, table=True):
    """Random keys the service makes once and shares between its processes (the chat-link signing key when
    OTBOT_SECRET_KEY is not set)."""

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
    created_at: datetime = _ts()


class Note(SQLModel, table=True):
    """An adviser's note on a youth."""

    __table_args__ = (_youth_fk("note"),)

    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    youth_id: int = Field(index=True)
    adviser_id: int = Field(foreign_key="adviser.id")
    text: str = Field(sa_type=sa.Text)
    created_at: datetime = _ts()
