"""The planner's edges: gather every youth's facts in a few queries, run the pure planner, write the plan.

`plan_tick` is what the scheduler runs every minute and `otbot simulate` runs on its simulated clock. It
is idempotent: outbox rows and alerts carry unique keys and are inserted with "on conflict do nothing",
enrolments are unique per (youth, flow, cycle), so a second run (or a second process) adds nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.age import ADULT_AGE, target_group_end
from bot.inbound_db import conversation_upsert
from bot.links import LinkSigner, Purpose
from bot.log import get_logger
from flows.calendar import CalendarData, CalendarError, SendingWindow, load_calendar, with_county_rules
from flows.model import Flows, default_flows
from flows.planner import (
    DEFAULT_LOOKAHEAD,
    Address,
    CountyFacts,
    EnrolmentFacts,
    Plan,
    YouthFacts,
    plan,
)
from storage.db import write_session
from storage.enums import Audience, Channel, EnrolmentState, OutboxState
from storage.models import (
    Adviser,
    Alert,
    ContactPoint,
    County,
    Enrolment,
    Outbox,
    Youth,
    YouthGuardian,
)

log = get_logger("otbot.engine")
# Rows come back as plain strings; a dict look-up is several times cheaper than calling the enum.
_CHANNEL = {c.value: c for c in Channel}
_ENROLMENT_STATE = {s.value: s for s in EnrolmentState}
FORMER = 0


@dataclass(slots=True)
class PlanStats:
    youth: int = 0
    enrolled: int = 0
    ended: int = 0
    messages: int = 0
    alerts: int = 0
    # The earliest moment a next tick could plan something new (see flows.planner.Plan.wake).
    wake: datetime | None = None


def turns_18_on(birth: date) -> date:
    """The 18th birthday (1 March for someone born on 29 February, as bot.age counts)."""
    try:
        return birth.replace(year=birth.year + ADULT_AGE)
    except ValueError:
        return date(birth.year + ADULT_AGE, 3, 1)


def county_facts(county: County, public_url: str) -> CountyFacts:
    settings = dict(county.settings or {})
    base = public_url.rstrip("/")
    return CountyFacts(
        name=county.name,
        window=SendingWindow.from_settings(settings.get("sending_window", {})),
        settings=settings,
        rights_link=settings.get("rights_link") or f"{base}/rettigheter",
        chat_link=settings.get("chat_link") or f"{base}/c",
        telegram_link=settings.get("telegram_link"),
    )


def gather(session: Session, county_ids: Iterable[int] | None = None, youth_ids: Iterable[int] | None = None
           ) -> tuple[dict[int, County], list[tuple[int, YouthFacts]]]:
    """Every youth's facts (with their county id), in a handful of queries; only `youth_ids` when given.

    Plain row tuples, not ORM objects: a county's whole roster is read every minute.
    """
    counties = {c.id: c for c in session.exec(select(County)) if c.id is not None
                and (county_ids is None or c.id in set(county_ids))}
    ids = list(counties)
    only = list(youth_ids) if youth_ids is not None else None

    def rows(*columns: Any, where: Any, youth_column: Any = None) -> Any:
        query = sa.select(*columns).where(where)
        if only is not None and youth_column is not None:
            query = query.where(youth_column.in_(only))
        return session.execute(query).all()

    cp, yg, en, ob, al, yo = (ContactPoint.__table__.c, YouthGuardian.__table__.c,  # type: ignore[attr-defined]
                              Enrolment.__table__.c, Outbox.__table__.c, Alert.__table__.c,  # type: ignore[attr-defined]
                              Youth.__table__.c)  # type: ignore[attr-defined]
    advisers = dict(rows(Adviser.__table__.c.id, Adviser.__table__.c.name,  # type: ignore[attr-defined]
                         where=Adviser.__table__.c.county_id.in_(ids)))  # type: ignore[attr-defined]
    addresses: dict[int, list[Address]] = defaultdict(list)
    guardian_points: dict[int, list[Address]] = defaultdict(list)
    links = rows(yg.youth_id, yg.guardian_id, where=yg.county_id.in_(ids) & (yg.position != FORMER),
                 youth_column=yg.youth_id)
    wanted_guardians = {g for _, g in links}
    point_columns = (cp.id, cp.channel, cp.youth_id, cp.guardian_id, cp.opted_out, cp.wrong_number, cp.retired_at)
    owners = cp.county_id.in_(ids)
    if only is not None:
        owners = owners & (cp.youth_id.in_(only) | cp.guardian_id.in_(list(wanted_guardians) or [-1]))
    for point_id, channel, youth_id, guardian_id, opted_out, wrong, retired in rows(*point_columns, where=owners):
        if youth_id is not None and (only is None or youth_id in only):
            addresses[youth_id].append(Address(point_id, _CHANNEL[channel], Audience.YOUTH, None, bool(opted_out),
                                               bool(wrong), retired is not None))
        elif guardian_id is not None and guardian_id in wanted_guardians:
            guardian_points[guardian_id].append(Address(point_id, _CHANNEL[channel], Audience.GUARDIAN, guardian_id,
                                                        bool(opted_out), bool(wrong), retired is not None))
    for youth_id, guardian_id in links:
        addresses[youth_id] += guardian_points[guardian_id]
    enrolments: dict[int, list[EnrolmentFacts]] = defaultdict(list)
    for enrolment_id, youth_id, flow, cycle, state, started_at in rows(
            en.id, en.youth_id, en.flow, en.cycle, en.state, en.started_at, where=en.county_id.in_(ids),
            youth_column=en.youth_id):
        enrolments[youth_id].append(EnrolmentFacts(enrolment_id, flow, cycle, _ENROLMENT_STATE[state], started_at))
    # Only active enrolments plan: their rows say what is planned already and which channels failed.
    planned: dict[int, set[str]] = defaultdict(set)
    failed: dict[int, set[tuple[str, int]]] = defaultdict(set)
    active = sa.select(en.id).where(en.county_id.in_(ids), en.state == EnrolmentState.ACTIVE.value)
    if only is not None:
        active = active.where(en.youth_id.in_(only))
    for youth_id, key, state, point_id in rows(ob.youth_id, ob.idempotency_key, ob.state, ob.contact_point_id,
                                               where=ob.enrolment_id.in_(active), youth_column=ob.youth_id):
        recipient = key.rsplit(":", 1)[0]
        if state == OutboxState.FAILED.value:
            failed[youth_id].add((recipient, point_id))
        else:
            planned[youth_id].add(recipient)
    alerted: dict[int, set[str]] = defaultdict(set)
    for youth_id, key in rows(al.youth_id, al.key, where=al.county_id.in_(ids) & al.key.is_not(None),
                              youth_column=al.youth_id):
        alerted[youth_id].add(key)

    facts: list[tuple[int, YouthFacts]] = []
    for (youth_id, county_id, first_name, status_code, language, birth, adviser_id, held) in rows(
            yo.id, yo.county_id, yo.first_name, yo.status_code, yo.language, yo.birth_date, yo.adviser_id,
            yo.held_by_adviser_id, where=yo.county_id.in_(ids), youth_column=yo.id):
        facts.append((county_id, YouthFacts(
            id=youth_id, first_name=first_name, status_code=status_code, language=str(language),
            turns_18_on=turns_18_on(birth), leaves_target_group_on=target_group_end(birth) + timedelta(days=1),
            adviser_name=advisers.get(adviser_id) if adviser_id else None, held=held is not None,
            addresses=tuple(sorted(addresses[youth_id], key=lambda a: a.contact_point_id)),
            enrolments=tuple(enrolments[youth_id]), planned=frozenset(planned[youth_id]),
            failed=frozenset(failed[youth_id]), alerted=frozenset(alerted[youth_id]),
        )))
    facts.sort(key=lambda item: item[1].id)
    return counties, facts


def plan_tick(engine: Engine, now: datetime, *, public_url: str, flows: Flows | None = None,
              calendar: CalendarData | None = None, lookahead: timedelta = DEFAULT_LOOKAHEAD,
              county_ids: Iterable[int] | None = None, youth_ids: Iterable[int] | None = None,
              links: LinkSigner | None = None, telegram_bot: str | None = None) -> PlanStats:
    """Plan everything due up to `now + lookahead` for every youth (of `county_ids`), in one transaction.

    With `links`, each youth's messages carry their own one-time web chat link (and Telegram deep link when
    `telegram_bot` names the bot); without, the county's configured links.
    """
    flows = flows or default_flows()
    stats = PlanStats()
    with write_session(engine) as session:
        if engine.dialect.name == "postgresql" and not session.execute(
                sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": PLANNER_LOCK}).scalar():
            # Another process is planning right now; what it plans is what this run would have planned.
            log.info("plan.skipped", reason="another process holds the planner lock")
            return stats
        counties, facts = gather(session, county_ids, youth_ids)
        by_county = {cid: county_facts(c, public_url) for cid, c in counties.items()}
        if links is not None:
            facts = [(cid, with_links(youth, links, now, public_url, telegram_bot)) for cid, youth in facts]
        calendars = {cid: county_calendar(c, calendar) for cid, c in counties.items()}
        plans = [(county_id, youth, plan(youth, by_county[county_id], flows, now, calendars[county_id], lookahead))
                 for county_id, youth in facts]
        stats.youth = len(plans)
        wakes = [p.wake for _, _, p in plans if p.wake is not None]
        stats.wake = min(wakes) if wakes else None
        _write(session, [(cid, p) for cid, _, p in plans if p], now, stats)
    if stats.enrolled or stats.messages or stats.alerts or stats.ended:
        log.info("plan.tick", youth=stats.youth, enrolled=stats.enrolled, ended=stats.ended,
                 messages=stats.messages, alerts=stats.alerts)
    return stats


def county_calendar(county: County, calendar: CalendarData | None) -> CalendarData | None:
    """The deadline calendar for this county's youth: `calendar` (None: the packaged file, planned from caches)
    with the county's own dates from its settings (`County.settings["calendar"]`, as the settings page writes
    them) laid over it. Settings that cannot be used are logged and ignored: the file's dates apply."""
    override = (county.settings or {}).get("calendar")
    if not override or not isinstance(override, dict):
        return calendar
    try:
        return with_county_rules(calendar or load_calendar(), county.name, override, f"settings of {county.name}")
    except CalendarError as error:
        log.error("county calendar unusable: the calendar file's dates apply", county_id=county.id, error=str(error))
        return calendar


def with_links(youth: YouthFacts, links: LinkSigner, now: datetime, public_url: str,
               telegram_bot: str | None) -> YouthFacts:
    """The youth's facts with their own one-time links (the same all day: see bot.links)."""
    chat = f"{public_url.rstrip('/')}/c/{links.issue(Purpose.WEBCHAT, youth.id, now)}"
    telegram = (f"https://t.me/{telegram_bot}?start={links.issue(Purpose.TELEGRAM, youth.id, now)}"
                if telegram_bot else None)
    return replace(youth, chat_link=chat, telegram_link=telegram)


# pg_advisory_xact_lock key of the planner: any constant shared by every otbot process.
PLANNER_LOCK = 0x6F74706C  # "otpl"


def _insert_ignoring_duplicates(session: Session, model: Any, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    table = model.__table__
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).on_conflict_do_nothing()
    result = session.execute(insert, rows)
    # Rows really inserted (duplicates skipped); a driver that cannot say (-1) counts every row offered.
    count = int(getattr(result, "rowcount", -1))
    return count if count >= 0 else len(rows)


def _write(session: Session, plans: list[tuple[int, Plan]], now: datetime, stats: PlanStats) -> None:
    # Core statements, not ORM objects: the first tick of a county enrols every youth in two or three flows.
    enrolment_ids: dict[tuple[int, str, str], int] = {}
    new = [{"county_id": county_id, "youth_id": e.youth_id, "flow": e.flow, "cycle": e.cycle,
            "state": EnrolmentState.ACTIVE, "started_at": e.started_at, "updated_at": now}
           for county_id, p in plans for e in p.enrol]
    if new:
        table = Enrolment.__table__  # type: ignore[attr-defined]
        inserted = session.execute(sa.insert(table).returning(table.c.id, table.c.youth_id, table.c.flow,
                                                              table.c.cycle), new)
        for enrolment_id, youth_id, flow, cycle in inserted:
            enrolment_ids[(youth_id, flow, cycle)] = enrolment_id
    stats.enrolled = len(new)

    ends = {end.enrolment_id: end for _, p in plans for end in p.end}
    if ends:
        for enrolment in session.exec(select(Enrolment).where(col(Enrolment.id).in_(list(ends)))):
            end = ends[enrolment.id or 0]
            enrolment.state, enrolment.stop_reason, enrolment.updated_at = end.state, end.reason, now
            enrolment.stopped_at = now
        from bot.enrolments import cancel_planned

        stopped = [e for e, end in ends.items() if end.state is EnrolmentState.STOPPED]
        cancel_planned(session, stopped, "enrolment stopped by the planner", now)
        stats.ended = len(ends)

    messages: list[dict[str, Any]] = []
    questions: list[tuple[int, int, int | None, Any, datetime]] = []
    for county_id, p in plans:
        for m in p.messages:
            enrolment_id = m.enrolment_id or enrolment_ids[(m.youth_id, m.flow, m.cycle)]
            messages.append({
                "county_id": county_id, "youth_id": m.youth_id, "guardian_id": m.guardian_id,
                "contact_point_id": m.contact_point_id, "enrolment_id": enrolment_id, "idempotency_key": m.key,
                "audience": m.audience, "channel": m.channel, "flow": m.flow, "step": m.step, "template": m.template,
                "language": m.language, "text": m.text, "urgent": False, "due_at": m.due_at,
                "state": OutboxState.PENDING, "attempts": 0, "next_attempt_at": m.due_at, "created_at": now,
                "updated_at": now,
            })
            if m.asks is not None:
                own = m.youth_id if m.audience is Audience.YOUTH else None  # a guardian's point has no youth
                questions.append((county_id, m.contact_point_id, own, m.asks, m.due_at))
    stats.messages = _insert_ignoring_duplicates(session, Outbox, messages)

    advisers = _advisers(session, [a.youth_id for _, p in plans for a in p.alerts])
    alerts = [{"county_id": county_id, "youth_id": a.youth_id, "adviser_id": advisers.get(a.youth_id),
               "kind": a.kind, "key": a.key, "urgent": False, "detail": f"{a.flow}: {a.step}", "created_at": a.due_at}
              for county_id, p in plans for a in p.alerts]
    stats.alerts = _insert_ignoring_duplicates(session, Alert, alerts)
    _ask(session, questions, now)


def _advisers(session: Session, youth_ids: list[int]) -> dict[int, int | None]:
    if not youth_ids:
        return {}
    rows = session.execute(sa.select(Youth.id, Youth.adviser_id)  # type: ignore[call-overload]
                           .where(col(Youth.id).in_(youth_ids)))
    return {youth_id: adviser_id for youth_id, adviser_id in rows}


def _ask(session: Session, questions: list[tuple[int, int, int | None, Any, datetime]], now: datetime) -> None:
    """The conversation on each point now waits for the answer to the question its message asks: one upsert per
    point (county, point, the point's own youth or None for a guardian's, question, asked at)."""
    if not questions:
        return
    latest = {point_id: (county_id, youth_id, question, asked_at)
              for county_id, point_id, youth_id, question, asked_at in questions}
    session.connection().execute(_ASK[session.get_bind().dialect.name], [
        {"county_id": county_id, "youth_id": youth_id, "contact_point_id": point_id, "question": question,
         "choices": {}, "asked_at": asked_at, "message_id": None, "updated_at": now}
        for point_id, (county_id, youth_id, question, asked_at) in latest.items()])


# An existing conversation keeps its youth and message; the question, its choices and time are the new ones.
_ASK = conversation_upsert(("question", "choices", "asked_at", "updated_at"))
