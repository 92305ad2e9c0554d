"""The numbers of the inbox overview (`/inbox/dashboard`): four queries, then plain aggregation in Python.

`load_rows` asks the database four questions for one person's scope (always through `visible_youth`, so nobody
counts another county's youth, and an adviser counts only the youth they may see): the youth, their status
changes, the messages sent from the outbox, and the inbound messages of the people those went to. Everything
else here is a pure function of those rows and the day(s) asked about, tested without a database.

Definitions (the page says the same in Bokmål):

- **A youth's code on a day** (end of that day, Europe/Oslo): the new code of the last *made* change (state
  applied or confirmed, `MADE_STATES`) that took effect on or before that day; before their first made change,
  that change's old code; with no made change, their current code. A change takes effect when it is made:
  `created_at` when applied at once, `decided_at` when an adviser confirmed a proposal.
- **A youth counts from** their registration day (`registered_on`; the day the record was created when the
  roster gave none).
- **Contact established** at the time of the youth's first status change away from OTUK (old code OTUK)
  recorded by the bot or by an adviser that was not turned down: made (applied or confirmed) or still
  proposed, waiting for an adviser. The bot records such a change exactly when it reads a reply as contact
  (Udir's rule, domain.md); an adviser records one after a call or a meeting. The time is when the change was
  recorded, not when an adviser confirmed it: the adviser's queue is not time to contact. Rejected and
  superseded proposals are not contact; changes by the roster import are not (we do not know when that contact
  happened). Days to contact count calendar days in Oslo from `registered_on` (0 when on or before it).
- **Contacted within 14 days**: of the youth registered at least 14 days ago who came in with OTUK (their
  code before any made change), the share with contact established at most 14 days after registration.
- **Time to first contact**: median and 75th percentile (linear between ranks) of the days to contact of
  every contacted youth.
- **Reply rate** per template and channel: of the outbox messages sent (state sent, with their message), the
  share followed within 7 days by an inbound message from the same recipient — the same contact point or
  another of the same person (a youth who answers an SMS in the web chat its link opened has answered).
  Messages sent less than 7 days ago are counted apart ("pending"), not in the share.
- **The funnel**, each step counting only youth in the step before: a message to the youth was sent; the
  youth answered from their own contact point after it; contact was established; the code was changed away
  from OTUK (a made change with old code OTUK, by anyone).
- **The Udir view**: youth who count on the day, per Udir's code group of their code on that day.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from bot import codes
from bot.advisers import Principal, visible_youth
from bot.codes import CodeGroup
from storage.enums import MADE_STATES, ActorKind, Audience, ChangeState, Direction, OutboxState
from storage.models import ContactPoint, Message, Outbox, StatusChange, Youth, YouthGuardian

OSLO = ZoneInfo("Europe/Oslo")
UNKNOWN = codes.UNKNOWN
CONTACT_WITHIN_DAYS = 14
REPLY_WINDOW = timedelta(days=7)
DEFAULT_WEEKS = 12
CONTACT_ACTORS = frozenset({ActorKind.BOT.value, ActorKind.ADVISER.value})
CONTACT_STATES = frozenset({*(s.value for s in MADE_STATES), ChangeState.PROPOSED.value})
MADE = frozenset(s.value for s in MADE_STATES)

YOUTH: sa.Table = Youth.__table__  # type: ignore[attr-defined]
CHANGE: sa.Table = StatusChange.__table__  # type: ignore[attr-defined]
OUTBOX: sa.Table = Outbox.__table__  # type: ignore[attr-defined]
MESSAGE: sa.Table = Message.__table__  # type: ignore[attr-defined]
POINT: sa.Table = ContactPoint.__table__  # type: ignore[attr-defined]
LINK: sa.Table = YouthGuardian.__table__  # type: ignore[attr-defined]

# Who a message went to or came from: ("youth", id) or ("guardian", id).
Owner = tuple[str, int]


# ------------------------------------------------------------------------------------------------------ rows


@dataclass(frozen=True, slots=True)
class YouthRow:
    id: int
    status_code: str  # the code today
    counts_from: date  # registered_on, else the day the record was created


@dataclass(frozen=True, slots=True)
class ChangeRow:
    id: int
    youth_id: int
    old_code: str
    new_code: str
    actor_kind: str  # storage.enums.ActorKind value
    state: str  # storage.enums.ChangeState value
    created_at: datetime
    decided_at: datetime | None = None

    @property
    def made(self) -> bool:
        return self.state in MADE

    @property
    def effective_at(self) -> datetime:
        """When the new code became the youth's: the confirmation of a proposal, else the change itself."""
        if self.state == ChangeState.CONFIRMED.value and self.decided_at is not None:
            return self.decided_at
        return self.created_at


@dataclass(frozen=True, slots=True)
class SentRow:
    youth_id: int
    owner: Owner | None  # the person the contact point belongs to
    template: str | None
    channel: str
    audience: str  # storage.enums.Audience value
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class InboundRow:
    owner: Owner
    at: datetime


@dataclass(slots=True)
class Rows:
    youth: list[YouthRow]
    changes: list[ChangeRow]
    sent: list[SentRow]
    inbound: list[InboundRow]


# ----------------------------------------------------------------------------------------------- the queries


def load_rows(session: Session, who: Principal, tz: ZoneInfo = OSLO) -> Rows:
    """Everything the overview needs about the youth `who` may see, in four queries."""
    where = visible_youth(session, who)
    scope = sa.select(YOUTH.c.id).where(where).scalar_subquery()
    db = session.connection()
    youth = [
        YouthRow(r.id, r.status_code, r.registered_on or r.created_at.astimezone(tz).date())
        for r in db.execute(
            sa.select(YOUTH.c.id, YOUTH.c.status_code, YOUTH.c.registered_on, YOUTH.c.created_at).where(where)
        )
    ]
    changes = [
        ChangeRow(r.id, r.youth_id, r.old_code, r.new_code, _value(r.actor_kind), _value(r.state), r.created_at,
                  r.decided_at)
        for r in db.execute(
            sa.select(CHANGE.c.id, CHANGE.c.youth_id, CHANGE.c.old_code, CHANGE.c.new_code, CHANGE.c.actor_kind,
                      CHANGE.c.state, CHANGE.c.created_at, CHANGE.c.decided_at)
            .where(CHANGE.c.county_id == who.county_id, CHANGE.c.youth_id.in_(scope))
        )
    ]
    sent = [
        SentRow(r.youth_id, _owner(r.point_youth, r.point_guardian), r.template, _value(r.channel),
                _value(r.audience), r.sent_at or r.created_at)
        for r in db.execute(
            sa.select(OUTBOX.c.youth_id, OUTBOX.c.template, OUTBOX.c.audience, MESSAGE.c.channel,
                      MESSAGE.c.sent_at, MESSAGE.c.created_at, POINT.c.youth_id.label("point_youth"),
                      POINT.c.guardian_id.label("point_guardian"))
            .join(MESSAGE, MESSAGE.c.id == OUTBOX.c.message_id)
            .outerjoin(POINT, POINT.c.id == sa.func.coalesce(MESSAGE.c.contact_point_id, OUTBOX.c.contact_point_id))
            .where(OUTBOX.c.county_id == who.county_id, OUTBOX.c.state == OutboxState.SENT,
                   OUTBOX.c.youth_id.in_(scope))
        )
    ]
    guardians = sa.select(LINK.c.guardian_id).where(LINK.c.youth_id.in_(scope)).scalar_subquery()
    inbound: list[InboundRow] = []
    for r in db.execute(
        sa.select(POINT.c.youth_id, POINT.c.guardian_id, MESSAGE.c.received_at, MESSAGE.c.created_at)
        .join(POINT, POINT.c.id == MESSAGE.c.contact_point_id)
        .where(MESSAGE.c.county_id == who.county_id, MESSAGE.c.direction == Direction.INBOUND,
               sa.or_(POINT.c.youth_id.in_(scope), POINT.c.guardian_id.in_(guardians)))
    ):
        owner = _owner(r.youth_id, r.guardian_id)
        if owner is not None:
            inbound.append(InboundRow(owner, r.received_at or r.created_at))
    return Rows(youth, changes, sent, inbound)


def _value(value: Any) -> str:
    return str(getattr(value, "value", value))


def _owner(youth_id: int | None, guardian_id: int | None) -> Owner | None:
    if youth_id is not None:
        return ("youth", youth_id)
    if guardian_id is not None:
        return ("guardian", guardian_id)
    return None


# ------------------------------------------------------------------------------------------ code on a day


class History:
    """The youth's made changes in the order they took effect, and their first contact; built once per page."""

    def __init__(self, changes: Iterable[ChangeRow], tz: ZoneInfo = OSLO) -> None:
        self.tz = tz
        made: dict[int, list[ChangeRow]] = defaultdict(list)
        contact: dict[int, datetime] = {}
        left_otuk: set[int] = set()
        for change in changes:
            if change.made:
                made[change.youth_id].append(change)
                if change.old_code == UNKNOWN and change.new_code != UNKNOWN:
                    left_otuk.add(change.youth_id)
            if is_contact(change):
                known = contact.get(change.youth_id)
                if known is None or change.created_at < known:
                    contact[change.youth_id] = change.created_at
        self._made: dict[int, list[ChangeRow]] = {}
        self._days: dict[int, list[date]] = {}
        for youth_id, rows in made.items():
            rows.sort(key=lambda c: (c.effective_at, c.id))
            self._made[youth_id] = rows
            self._days[youth_id] = [c.effective_at.astimezone(tz).date() for c in rows]
        self.contact = contact
        self.left_otuk = left_otuk

    def code_on(self, youth: YouthRow, day: date) -> str:
        """The youth's code at the end of `day` (see the module docstring)."""
        rows = self._made.get(youth.id)
        if not rows:
            return youth.status_code
        last = bisect.bisect_right(self._days[youth.id], day)
        return rows[last - 1].new_code if last else rows[0].old_code

    def initial_code(self, youth: YouthRow) -> str:
        """The code the youth came in with: before their first made change."""
        rows = self._made.get(youth.id)
        return rows[0].old_code if rows else youth.status_code

    def days_to_contact(self, youth: YouthRow) -> int | None:
        at = self.contact.get(youth.id)
        if at is None:
            return None
        return max(0, (at.astimezone(self.tz).date() - youth.counts_from).days)


def is_contact(change: ChangeRow) -> bool:
    """A change that establishes contact: away from OTUK, by the bot or an adviser, made or still proposed."""
    return (change.old_code == UNKNOWN and change.new_code != UNKNOWN and change.actor_kind in CONTACT_ACTORS
            and change.state in CONTACT_STATES)


def week_ends(today: date, weeks: int = DEFAULT_WEEKS) -> list[date]:
    """The last day of each of the last `weeks` ISO weeks, oldest first; this week's is today."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    sunday = today + timedelta(days=6 - today.weekday())
    days = [sunday - timedelta(weeks=k) for k in range(weeks - 1, 0, -1)]
    return [*days, today]


def otuk_over_time(youth: Sequence[YouthRow], history: History, days: Sequence[date]) -> list[int]:
    """How many youth had OTUK at the end of each day (counting those registered by then)."""
    return [sum(1 for y in youth if y.counts_from <= day and history.code_on(y, day) == UNKNOWN) for day in days]


# --------------------------------------------------------------------------------------------- contact


@dataclass(frozen=True, slots=True)
class Share:
    part: int
    whole: int

    @property
    def ratio(self) -> float | None:
        return self.part / self.whole if self.whole else None


def contacted_within(youth: Sequence[YouthRow], history: History, today: date,
                     days: int = CONTACT_WITHIN_DAYS) -> Share:
    """Of the youth registered at least `days` days before `today` who came in with OTUK, those contacted
    within `days` days of registration."""
    cutoff = today - timedelta(days=days)
    whole = part = 0
    for y in youth:
        if y.counts_from > cutoff or history.initial_code(y) != UNKNOWN:
            continue
        whole += 1
        waited = history.days_to_contact(y)
        if waited is not None and waited <= days:
            part += 1
    return Share(part, whole)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0..1), linear between the closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    if not 0 <= q <= 1:
        raise ValueError("q must be between 0 and 1")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class Waiting:
    count: int
    median: float | None
    p75: float | None


def time_to_contact(youth: Sequence[YouthRow], history: History) -> Waiting:
    """Days from registration to first contact among the contacted youth."""
    waited = [d for d in (history.days_to_contact(y) for y in youth) if d is not None]
    return Waiting(len(waited), percentile(waited, 0.5), percentile(waited, 0.75))


# ----------------------------------------------------------------------------------------------- replies


@dataclass(frozen=True, slots=True)
class ReplyRate:
    template: str | None
    channel: str
    counted: int  # sent at least the window ago
    replied: int  # of those, followed by an inbound message within the window
    pending: int  # sent less than the window ago: not in the share yet

    @property
    def share(self) -> Share:
        return Share(self.replied, self.counted)


def _inbound_by_owner(inbound: Iterable[InboundRow]) -> dict[Owner, list[datetime]]:
    by_owner: dict[Owner, list[datetime]] = defaultdict(list)
    for row in inbound:
        by_owner[row.owner].append(row.at)
    for times in by_owner.values():
        times.sort()
    return by_owner


def _answered(times: list[datetime] | None, after: datetime, window: timedelta) -> bool:
    """Whether an inbound time lies in (after, after + window]."""
    if not times:
        return False
    i = bisect.bisect_right(times, after)
    return i < len(times) and times[i] <= after + window


def reply_rates(sent: Iterable[SentRow], inbound: Iterable[InboundRow], now: datetime,
                window: timedelta = REPLY_WINDOW) -> list[ReplyRate]:
    """Per (template, channel), sorted: messages counted, answered within `window`, and still pending."""
    by_owner = _inbound_by_owner(inbound)
    tally: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in sent:
        counts = tally[(row.template, row.channel)]
        if row.sent_at + window > now:
            counts[2] += 1
            continue
        counts[0] += 1
        if row.owner is not None and _answered(by_owner.get(row.owner), row.sent_at, window):
            counts[1] += 1
    return [ReplyRate(template, channel, *tally[(template, channel)])
            for template, channel in sorted(tally, key=lambda k: (k[0] is None, k[0] or "", k[1]))]


def total_rate(rates: Iterable[ReplyRate]) -> ReplyRate:
    rows = list(rates)
    return ReplyRate(None, "", sum(r.counted for r in rows), sum(r.replied for r in rows),
                     sum(r.pending for r in rows))


# ------------------------------------------------------------------------------------------------ funnel


@dataclass(frozen=True, slots=True)
class Funnel:
    sent: int
    replied: int
    contact: int
    changed: int

    def steps(self) -> list[int]:
        return [self.sent, self.replied, self.contact, self.changed]


def funnel(youth: Sequence[YouthRow], sent: Iterable[SentRow], inbound: Iterable[InboundRow],
           history: History) -> Funnel:
    """Youth with a message sent to them → who answered after it → contact → code changed away from OTUK."""
    first_sent: dict[int, datetime] = {}
    for row in sent:
        if row.audience != Audience.YOUTH.value:
            continue
        known = first_sent.get(row.youth_id)
        if known is None or row.sent_at < known:
            first_sent[row.youth_id] = row.sent_at
    last_reply: dict[int, datetime] = {}
    for reply in inbound:
        kind, owner_id = reply.owner
        if kind == "youth" and (owner_id not in last_reply or reply.at > last_reply[owner_id]):
            last_reply[owner_id] = reply.at
    steps = [0, 0, 0, 0]
    for y in youth:
        if y.id not in first_sent:
            continue
        steps[0] += 1
        if y.id not in last_reply or last_reply[y.id] <= first_sent[y.id]:
            continue
        steps[1] += 1
        if y.id not in history.contact:
            continue
        steps[2] += 1
        if y.id in history.left_otuk:
            steps[3] += 1
    return Funnel(*steps)


# ------------------------------------------------------------------------------------------- Udir view


@dataclass(slots=True)
class GroupCounts:
    day: date
    groups: dict[CodeGroup, int] = field(default_factory=lambda: dict.fromkeys(CodeGroup, 0))
    codes: dict[str, int] = field(default_factory=dict)  # per code, in Udir's order; only codes seen
    total: int = 0


def group_counts(youth: Sequence[YouthRow], history: History, day: date) -> GroupCounts:
    """The youth who count on `day`, per code group and per code of their code on that day."""
    result = GroupCounts(day)
    seen: dict[str, int] = defaultdict(int)
    for y in youth:
        if y.counts_from > day:
            continue
        code = history.code_on(y, day)
        result.total += 1
        seen[code] += 1
        if codes.is_status_code(code):
            result.groups[codes.group_of(code)] += 1
    order = list(codes.STATUS_CODES)
    result.codes = {c: seen[c] for c in sorted(seen, key=lambda c: (order.index(c) if c in order else len(order), c))}
    return result
