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


class EnrolmentState(StrEnum):
    ACTIVE = "active"
    STOPPED = "stopped"  # a stop condition held (see StopReason)
    COMPLETED = "completed"  # every step was planned


class StopReason(StrEnum):
    """Why an enrolment stopped before its last step."""

    CONTACT_ESTABLISHED = "contact_established"
    OPTED_OUT = "opted_out"
    WRONG_NUMBER = "wrong_number"
    ADVISER_HOLD = "adviser_hold"
    CODE_CHANGED = "code_changed"  # no longer OTUK (first contact)
    LEFT_TARGET_GROUP = "left_target_group"
    YOUTH_ADULT = "youth_adult"  # guardian flows end on the 18th birthday
    NO_CHANNEL = "no_channel"
    ADVISER = "adviser"  # stopped by an adviser


class Audience(StrEnum):
    """Who an outbound message is for."""

    YOUTH = "youth"
    GUARDIAN = "guardian"


class Question(StrEnum):
    """The question the bot last asked in a conversation, so that "ja" or "2" can be read against it."""

    ACTIVITY_CHOICE = "activity_choice"  # "Svar 1 skole, 2 jobb, 3 noe annet, 4 vil snakke med noen"
    WHAT_DOING = "what_doing"  # the one follow-up question after a bare acknowledgement
    WHICH_CHILD = "which_child"  # a guardian of several youth


class AdviserRole(StrEnum):
    """What a person may see and do in the inbox: an adviser their caseload, a lead their county, an admin
    their county and its advisers and settings."""

    ADVISER = "adviser"
    LEAD = "lead"
    ADMIN = "admin"
