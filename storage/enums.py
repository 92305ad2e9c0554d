"""Every state and kind the database stores: one enum each, backed by a CHECK constraint in the schema.

Other modules use these members, never the bare strings ("sms", "pending"): a typo is then an
AttributeError at import, not a row the database refuses (or, worse, accepts) at night.
"""

from __future__ import annotations

from enum import StrEnum


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
    """The youth's written language (målform) from the roster, and the language of our messages."""

    NB = "nb"
    NN = "nn"
    EN = "en"


class DeliveryStatus(StrEnum):
    """Where a message is; it only moves forward (see DELIVERY_ORDER)."""

    RECEIVED = "received"  # inbound
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


# Provider callbacks arrive out of order: a status may replace only one of a lower rank.
DELIVERY_ORDER: dict[DeliveryStatus, int] = {
    DeliveryStatus.RECEIVED: 0,
    DeliveryStatus.QUEUED: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.FAILED: 3,
}


class OutboxState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"  # claimed, lease expired, no provider id: never resent blindly
    CANCELLED = "cancelled"


class AlertKind(StrEnum):
    """Why an adviser is asked to look (domain.md: escalation)."""

    URGENT = "urgent"
    HELP = "help"
    WRONG_NUMBER = "wrong_number"
    OPT_OUT = "opt_out"
    GUARDIAN_INFO = "guardian_info"
    UNREAD = "unread"
    NO_REPLY = "no_reply"
    NO_CHANNEL = "no_channel"
    UNCERTAIN = "uncertain"


class ActorKind(StrEnum):
    """Who made a change or read a record: a roster import, the bot, an adviser, an export, the system."""

    IMPORT = "import"
    BOT = "bot"
    ADVISER = "adviser"
    EXPORT = "export"
    SYSTEM = "system"


class ChangeState(StrEnum):
    """A status change, explicitly: made (applied, or confirmed by an adviser), waiting, or closed unmade."""

    APPLIED = "applied"  # made at once by the import, the bot or an adviser
    PROPOSED = "proposed"  # waiting for an adviser
    CONFIRMED = "confirmed"  # proposed, then made by an adviser
    REJECTED = "rejected"  # proposed, turned down by an adviser
    SUPERSEDED = "superseded"  # proposed, closed because another change was made first


# The states in which a change's new code became the youth's code.
MADE_STATES = frozenset({ChangeState.APPLIED, ChangeState.CONFIRMED})


class GuardianEnded(StrEnum):
    """Why a guardian no longer guards a youth (the link is kept for the threads it carried)."""

    REPLACED = "replaced"  # the roster names another person in that position
    YOUTH_ADULT = "youth_adult"  # the youth turned 18: guardians are never contacted again


class ContactRetired(StrEnum):
    """Why a contact point is no longer used."""

    YOUTH_ADULT = "youth_adult"  # a guardian's number, and the guardian guards no minor any more
