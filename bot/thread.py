"""A youth's thread: their own and their guardians' messages in order, each with its channel, direction,
delivery status and the code change it caused — what `otbot thread` shows and the inbox will show.

Reading a thread is recorded in the access log (who read which youth, when).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from storage.enums import ActorKind
from storage.models import AccessLog, County, Guardian, Message, StatusChange, Youth, YouthGuardian


class ThreadError(LookupError):
    """No such youth, or a roster id that several counties use (name the county)."""


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    message_id: int
    sender: str  # "youth", "guardian: <name>", "bot", "unknown"
    direction: str
    channel: str
    status: str
    error_code: str | None
    text: str
    changes: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


@dataclass(frozen=True, slots=True)
class Thread:
    roster_id: str
    county: str
    status_code: str
    held: bool
    entries: list[Entry]
    other_changes: list[dict[str, Any]]  # code changes no message caused (import, adviser)


def find_youth(session: Session, roster_id: str, county: str | None) -> Youth:
    query = select(Youth).where(col(Youth.roster_id) == roster_id)
    if county is not None:
        query = query.join(County, col(County.id) == col(Youth.county_id)).where(col(County.name) == county)
    found = session.exec(query).all()
    if not found:
        raise ThreadError(f"roster id {roster_id!r}: no such youth" + (f" in {county}" if county else ""))
    if len(found) > 1:
        raise ThreadError(f"roster id {roster_id!r} is used in {len(found)} counties: name one with --county")
    return found[0]


def _change(change: StatusChange) -> dict[str, Any]:
    return {"old": change.old_code, "new": change.new_code, "state": change.state.value, "actor": change.actor,
            "at": change.created_at.isoformat(), "evidence": change.evidence}


def thread(session: Session, roster_id: str, *, county: str | None = None, actor: str = "cli",
           now: datetime) -> Thread:
    youth = find_youth(session, roster_id, county)
    assert youth.id is not None
    guardian_ids = list(session.exec(select(YouthGuardian.guardian_id).where(col(YouthGuardian.youth_id) == youth.id)))
    names = {g.id: g.name for g in session.exec(select(Guardian).where(col(Guardian.id).in_(guardian_ids)))}
    messages = session.exec(
        select(Message).where(or_(col(Message.youth_id) == youth.id,
                                  (col(Message.youth_id).is_(None)) & (col(Message.guardian_id).in_(guardian_ids))))
        .order_by(col(Message.created_at), col(Message.id))
    ).all()
    changes = session.exec(select(StatusChange).where(col(StatusChange.youth_id) == youth.id)
                           .order_by(col(StatusChange.created_at), col(StatusChange.id))).all()
    by_message: dict[int, list[dict[str, Any]]] = {}
    other: list[dict[str, Any]] = []
    for change in changes:
        if change.source_message_id is not None:
            by_message.setdefault(change.source_message_id, []).append(_change(change))
        else:
            other.append(_change(change))
    entries = []
    for m in messages:
        assert m.id is not None
        if m.direction.value == "out":
            sender = "bot"
        elif m.guardian_id is not None:
            sender = f"guardian: {names.get(m.guardian_id, m.guardian_id)}"
        elif m.youth_id is not None:
            sender = "youth"
        else:
            sender = "unknown"
        entries.append(Entry(m.received_at or m.sent_at or m.created_at, m.id, sender, m.direction.value,
                             m.channel.value, m.delivery_status.value, m.error_code, m.text,
                             by_message.get(m.id, [])))
    county_row = session.get(County, youth.county_id)
    session.add(AccessLog(county_id=youth.county_id, youth_id=youth.id, actor=actor, actor_kind=ActorKind.SYSTEM,
                          action="read", detail="thread", at=now))
    return Thread(youth.roster_id, county_row.name if county_row else "", youth.status_code,
                  youth.held_by_adviser_id is not None, entries, other)
