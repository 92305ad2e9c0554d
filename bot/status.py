"""The one way a youth's status code changes: the change, its evidence and the new code in the caller's transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from bot import codes
from storage.db import connection_of
from storage.enums import ActorKind, ChangeState
from storage.models import Message, StatusChange, Youth

ACTOR_MAX_LENGTH = 80  # StatusChange.actor and decided_by
_YOUTH_TABLE: sa.Table = Youth.__table__  # type: ignore[attr-defined]


class StatusChangeError(ValueError):
    """A status change that cannot be made; nothing was written."""


class InvalidStatusCode(StatusChangeError, codes.UnknownCode):
    """The new code is not in Udir's list of status codes."""


class StatusUnchanged(StatusChangeError):
    """The youth already has the code; a change to the same code would only add noise to the history."""


class StaleStatus(StatusChangeError):
    """The youth's code in the database is not the one the change starts from (someone changed it meanwhile)."""


class ProposalNotPending(StatusChangeError):
    """The change is unknown, was applied already, or was decided already."""


def actor_kind(actor: str) -> ActorKind:
    """The kind of an actor string: "import", "bot", "export", "system" or "adviser:<id>"."""
    kind, _, rest = actor.partition(":")
    try:
        parsed = ActorKind(kind)
    except ValueError:
        raise StatusChangeError(
            f"actor {actor!r} is not one of {', '.join(k.value for k in ActorKind)} (advisers as 'adviser:<id>')"
        ) from None
    if (parsed is ActorKind.ADVISER) != bool(rest.strip()):
        raise StatusChangeError(f"actor {actor!r}: advisers are named 'adviser:<id>', other actors have no ':'")
    return parsed


def change_status(
    session: Session,
    youth: Youth,
    new_code: str,
    *,
    actor: str,
    applied: bool,
    evidence: dict[str, Any],
    now: datetime,
    source_message_id: int | None = None,
    source_checked: bool = False,
) -> StatusChange:
    """Record a change of `youth`'s status code and, when `applied`, make it; flushed, never committed.

    `applied=False` records a proposal for an adviser (see confirm_proposal / reject_proposal). A change
    that is made closes the youth's pending proposals as superseded: they start from a code that is gone.
    The source message must be this youth's (or no one's) in the youth's county; `source_checked`: the caller
    stored it so in this transaction (an inbound message), and it is not read again.
    The session's objects stay true: the youth gets its new code, loaded proposals that were superseded are
    expired, and the change is returned as a persistent object (no statement reads it back).
    """
    if youth.id is None:
        raise StatusChangeError("the youth must be stored (flushed) before its status code can change")
    recorded = record_change(
        connection_of(session), youth_id=youth.id, county_id=youth.county_id, old_code=youth.status_code,
        new_code=new_code, actor=actor, applied=applied, evidence=evidence, now=now,
        source_message_id=source_message_id, source_checked=source_checked)
    if applied:
        _youth_now_has(youth, recorded.values["new_code"], now)
    _expire_changes(session, recorded.superseded)
    change = StatusChange(id=recorded.id, **recorded.values)
    make_transient_to_detached(change)
    session.add(change)
    return change


@dataclass(frozen=True, slots=True)
class RecordedChange:
    """A change `record_change` wrote: its id, its column values, and the proposals it superseded."""

    id: int
    values: dict[str, Any]
    superseded: list[int]


def record_change(
    connection: sa.Connection,
    *,
    youth_id: int,
    county_id: int,
    old_code: str,
    new_code: str,
    actor: str,
    applied: bool,
    evidence: dict[str, Any],
    now: datetime,
    source_message_id: int | None = None,
    source_checked: bool = False,
) -> RecordedChange:
    """`change_status` on a connection, for a youth the caller read with code `old_code`.

    Three statements at most, each built once: the youth's code (guarded on `old_code`: StaleStatus when
    someone changed it meanwhile), the pending proposals superseded, the change inserted.
    """
    _require_aware(now, "now")
    code = _valid_code(new_code)
    actor = _valid_actor(actor, "actor")
    kind = actor_kind(actor)
    stored_evidence = _valid_evidence(evidence)
    if code == old_code:
        raise StatusUnchanged(f"youth {youth_id} already has status code {code}; nothing was written")
    if source_message_id is not None and not source_checked:
        _check_source_message(connection, youth_id, county_id, source_message_id)

    superseded: list[int] = []
    if applied:
        _set_code(connection, youth_id, old_code, code, now)
        superseded = _supersede(connection, youth_id, actor, now, keep=-1)
    values = {
        "county_id": county_id, "youth_id": youth_id, "old_code": old_code, "new_code": code, "actor": actor,
        "actor_kind": kind, "state": ChangeState.APPLIED if applied else ChangeState.PROPOSED,
        "evidence": stored_evidence, "source_message_id": source_message_id, "decided_by": None,
        "decided_at": None, "created_at": now,
    }
    return RecordedChange(int(connection.execute(_INSERT, values).scalar_one()), values, superseded)


def confirm_proposal(session: Session, change_id: int, *, adviser: str, now: datetime) -> StatusChange:
    """An adviser accepts a proposed change: the youth gets the new code; flushed, never committed."""
    _require_aware(now, "now")
    adviser = _valid_actor(adviser, "adviser")
    change = _pending(session, change_id)
    youth = session.get(Youth, change.youth_id, populate_existing=True)
    if youth is None:  # pragma: no cover - the foreign key makes this impossible
        raise ProposalNotPending(f"status change {change_id}: its youth {change.youth_id} does not exist")
    if youth.status_code != change.old_code:
        raise StaleStatus(
            f"status change {change_id} proposes {change.old_code} → {change.new_code}, but youth "
            f"{youth.id} now has {youth.status_code}; reject it and propose again. Nothing was changed"
        )
    _apply(session, youth, change.old_code, change.new_code, now)
    assert change.id is not None
    _expire_changes(session, _supersede(connection_of(session), change.youth_id, adviser, now, keep=change.id))
    change.state = ChangeState.CONFIRMED
    change.decided_by = adviser
    change.decided_at = now
    session.flush()
    return change


def reject_proposal(session: Session, change_id: int, *, adviser: str, now: datetime) -> StatusChange:
    """An adviser turns a proposed change down: the code stays, the decision is recorded; flushed, never committed."""
    _require_aware(now, "now")
    adviser = _valid_actor(adviser, "adviser")
    change = _pending(session, change_id)
    change.state = ChangeState.REJECTED
    change.decided_by = adviser
    change.decided_at = now
    session.flush()
    return change


_CHANGE_TABLE: sa.Table = StatusChange.__table__  # type: ignore[attr-defined]
_MESSAGE_TABLE: sa.Table = Message.__table__  # type: ignore[attr-defined]
# Built once (statement construction costs more than running one: every reply that changes a code runs these).
_SUPERSEDE = (
    sa.update(_CHANGE_TABLE)
    .where(_CHANGE_TABLE.c.youth_id == sa.bindparam("youth"), _CHANGE_TABLE.c.state == ChangeState.PROPOSED.value,
           _CHANGE_TABLE.c.id != sa.bindparam("keep"))
    .values(state=ChangeState.SUPERSEDED.value, decided_by=sa.bindparam("by"),
            decided_at=sa.bindparam("at", type_=_CHANGE_TABLE.c.decided_at.type))
    .returning(_CHANGE_TABLE.c.id)
)
_INSERT = sa.insert(_CHANGE_TABLE).returning(_CHANGE_TABLE.c.id)
# Guarded on the old code: a youth object read before someone else's change must not overwrite it.
_APPLY = (
    sa.update(_YOUTH_TABLE)
    .where(_YOUTH_TABLE.c.id == sa.bindparam("youth"), _YOUTH_TABLE.c.status_code == sa.bindparam("old"))
    .values(status_code=sa.bindparam("new"), updated_at=sa.bindparam("at", type_=_YOUTH_TABLE.c.updated_at.type))
)
_SOURCE = sa.select(_MESSAGE_TABLE.c.county_id, _MESSAGE_TABLE.c.youth_id).where(
    _MESSAGE_TABLE.c.id == sa.bindparam("message"))


def _supersede(connection: sa.Connection, youth_id: int, actor: str, now: datetime, keep: int) -> list[int]:
    """Close the youth's pending proposals but `keep`; their ids."""
    closed = connection.execute(_SUPERSEDE, {"youth": youth_id, "keep": keep, "by": actor, "at": now})
    return list(closed.scalars())


def _expire_changes(session: Session, change_ids: list[int]) -> None:
    """Changes the session holds that a statement changed behind it are read again on their next use."""
    for change_id in change_ids:
        loaded = session.identity_map.get(identity_key(StatusChange, change_id))
        if loaded is not None:
            session.expire(loaded)


def _pending(session: Session, change_id: int) -> StatusChange:
    # FOR UPDATE (PostgreSQL): two advisers deciding the same proposal are served one after the other.
    change = session.get(StatusChange, change_id, with_for_update=True, populate_existing=True)
    if change is None:
        raise ProposalNotPending(f"status change {change_id} does not exist")
    if change.state is ChangeState.PROPOSED:
        return change
    if change.state in (ChangeState.APPLIED, ChangeState.CONFIRMED):
        raise ProposalNotPending(f"status change {change_id} is already applied; nothing to decide")
    assert change.decided_at is not None
    raise ProposalNotPending(
        f"status change {change_id} was already {change.state.value} by {change.decided_by} "
        f"at {change.decided_at:%Y-%m-%d %H:%M} UTC"
    )


def _apply(session: Session, youth: Youth, old_code: str, new_code: str, now: datetime) -> None:
    assert youth.id is not None
    _set_code(connection_of(session), youth.id, old_code, new_code, now)
    _youth_now_has(youth, new_code, now)


def _set_code(connection: sa.Connection, youth_id: int, old_code: str, new_code: str, now: datetime) -> None:
    result = connection.execute(_APPLY, {"youth": youth_id, "old": old_code, "new": new_code, "at": now})
    if result.rowcount != 1:
        raise StaleStatus(
            f"youth {youth_id} no longer has status code {old_code} (changed meanwhile); nothing was changed"
        )


def _youth_now_has(youth: Youth, code: str, now: datetime) -> None:
    # The database already holds these values in this transaction; mark them clean so no second UPDATE runs.
    set_committed_value(youth, "status_code", code)
    set_committed_value(youth, "updated_at", now)


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise StatusChangeError(f"{name} must be a time-zone-aware datetime, got {value!r}")


def _valid_code(new_code: str) -> str:
    if not isinstance(new_code, str):
        raise InvalidStatusCode(f"status code must be text, got {type(new_code).__name__}")
    try:
        return codes.status(new_code).code
    except codes.UnknownCode:
        raise InvalidStatusCode(
            f"{new_code!r} is not a status code in Udir's list (e.g. OTUK, OTOV, OTAR); nothing was written"
        ) from None


def _valid_actor(actor: str, name: str) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise StatusChangeError(f"{name} must name who made the change (e.g. 'bot', 'adviser:12')")
    actor = actor.strip()
    if len(actor) > ACTOR_MAX_LENGTH:
        raise StatusChangeError(f"{name} is {len(actor)} characters; at most {ACTOR_MAX_LENGTH}")
    return actor


def _valid_evidence(evidence: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(evidence, dict):
        raise StatusChangeError(f"evidence must be a dict, got {type(evidence).__name__}")
    try:
        text = json.dumps(evidence, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StatusChangeError(f"evidence must be plain JSON (text, numbers, lists, dicts): {exc}") from None
    # A copy that round-trips: what the history shows later is exactly what was stored now.
    stored: dict[str, Any] = json.loads(text)
    return stored


def _check_source_message(connection: sa.Connection, youth_id: int, county_id: int, message_id: int) -> None:
    message = connection.execute(_SOURCE, {"message": message_id}).first()
    if message is None:
        raise StatusChangeError(f"source message {message_id} does not exist")
    if message.county_id != county_id or (message.youth_id is not None and message.youth_id != youth_id):
        raise StatusChangeError(f"source message {message_id} belongs to another youth than youth {youth_id}")
