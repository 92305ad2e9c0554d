"""The planner, pure: (a youth's facts, their county, the flows, now, the calendar) -> what to do now.

What to do is: enrolments to start, enrolments to end (stopped with a reason, or completed), messages to
put in the outbox and alerts to raise. Nothing here reads a clock or a database; the engine (bot/engine.py)
gathers the facts and writes the plan. Planning twice gives the same plan, and every message and alert
carries a key (flow, cycle, youth, step, recipient) that the database holds unique: a second run adds
nothing.

Steps are planned up to `lookahead` before they are due, so advisers see what comes next; the dispatcher
checks everything again at send time, and stopping an enrolment cancels what it had planned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flows.calendar import (
    CalendarData,
    CampaignDates,
    SendingWindow,
    campaign_dates,
    first_working_moment,
    local_day,
    local_moment,
    next_allowed,
)
from flows.model import DEADLINE_OF, STOP_REASON, Enrol, Flow, Flows, Step, Stop
from flows.templates import render
from storage.enums import AlertKind, Audience, Channel, EnrolmentState, Question, StopReason

UNKNOWN_ACTIVITY = "OTUK"
# Deadline reminders go to the whole target group whatever their code (domain.md), except youth registered
# by mistake and youth who moved to another county (that county's OT writes to them).
NOT_FOR_DEADLINES = frozenset({"FEIL", "OTFA_IM"})
DEFAULT_LOOKAHEAD = timedelta(hours=24)

MONTHS: dict[str, tuple[str, ...]] = {
    "nb": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"),
    "nn": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def spoken_date(day: date, language: str) -> str:
    """A date as a message says it: "1. mars" (nb, nn), "1 March" (en)."""
    month = MONTHS.get(language, MONTHS["nb"])[day.month - 1]
    return f"{day.day} {month}" if language == "en" else f"{day.day}. {month}"


@dataclass(frozen=True, slots=True)
class Address:
    """A contact point of the youth or of one of their guardians (an active link)."""

    contact_point_id: int
    channel: Channel
    owner: Audience
    guardian_id: int | None = None
    opted_out: bool = False
    wrong_number: bool = False
    retired: bool = False

    @property
    def usable(self) -> bool:
        return not (self.opted_out or self.wrong_number or self.retired)


@dataclass(frozen=True, slots=True)
class EnrolmentFacts:
    id: int
    flow: str
    cycle: str
    state: EnrolmentState
    started_at: datetime


@dataclass(frozen=True, slots=True)
class YouthFacts:
    """What the planner knows of one youth; dates computed by the caller (bot.age) in the county's zone."""

    id: int
    first_name: str
    status_code: str
    language: str
    turns_18_on: date
    leaves_target_group_on: date  # the first day outside the group (1 January after the year they turn 24)
    adviser_name: str | None = None
    held: bool = False
    addresses: tuple[Address, ...] = ()
    enrolments: tuple[EnrolmentFacts, ...] = ()
    # Recipients already planned for: "flow:cycle:youth:step:recipient" of every outbox row not failed.
    planned: frozenset[str] = frozenset()
    # (recipient key, contact point id) pairs whose row failed: try the step's next channel instead.
    failed: frozenset[tuple[str, int]] = frozenset()
    # Alert keys already raised.
    alerted: frozenset[str] = frozenset()
    # This youth's own one-time chat links (bot.links), when the engine signs them; else the county's links.
    chat_link: str = ""
    telegram_link: str | None = None


@dataclass(frozen=True, slots=True)
class CountyFacts:
    name: str
    window: SendingWindow
    settings: Mapping[str, Any] = field(default_factory=dict)
    rights_link: str = ""
    chat_link: str = ""
    telegram_link: str | None = None


@dataclass(frozen=True, slots=True)
class NewEnrolment:
    youth_id: int
    flow: str
    cycle: str
    started_at: datetime


@dataclass(frozen=True, slots=True)
class EnrolmentEnd:
    enrolment_id: int
    state: EnrolmentState
    reason: StopReason | None


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    key: str
    enrolment_id: int  # 0: an enrolment this plan starts (the engine knows its row)
    youth_id: int
    flow: str
    cycle: str
    step: str
    audience: Audience
    contact_point_id: int
    guardian_id: int | None
    channel: Channel
    template: str
    language: str
    text: str
    due_at: datetime
    asks: Question | None


@dataclass(frozen=True, slots=True)
class PlannedAlert:
    key: str
    youth_id: int
    kind: AlertKind
    flow: str
    step: str
    due_at: datetime


@dataclass(slots=True)
class Plan:
    enrol: list[NewEnrolment] = field(default_factory=list)
    end: list[EnrolmentEnd] = field(default_factory=list)
    messages: list[PlannedMessage] = field(default_factory=list)
    alerts: list[PlannedAlert] = field(default_factory=list)
    # The first moment after `now` at which planning this youth again could give something new, unless their
    # data changes first (a reply, an import, an adviser): a step coming within the lookahead, an alert or a
    # birthday falling due, a campaign's next year. None: nothing ever, as things stand.
    wake: datetime | None = None

    def __bool__(self) -> bool:
        return bool(self.enrol or self.end or self.messages or self.alerts)

    def wake_at(self, moment: datetime | None) -> None:
        if moment is not None and (self.wake is None or moment < self.wake):
            self.wake = moment


def recipient_key(flow: str, cycle: str, youth_id: int, step: str, audience: Audience,
                  guardian_id: int | None) -> str:
    who = "youth" if audience is Audience.YOUTH else f"guardian-{guardian_id}"
    return f"{flow}:{cycle}:{youth_id}:{step}:{who}"


def deadline_cycle(county: str, today: date, calendar: CalendarData | None) -> str:
    """The campaign year a youth enrolled today belongs to: this year's until its last date, then next year's."""
    this_year = _campaign(county, today.year, calendar)
    return str(today.year if today <= this_year.still_apply else today.year + 1)


def plan(youth: YouthFacts, county: CountyFacts, flows: Flows, now: datetime,
         calendar: CalendarData | None = None, lookahead: timedelta = DEFAULT_LOOKAHEAD) -> Plan:
    """Everything due for this youth up to `now + lookahead`."""
    result = Plan()
    tz = county.window.tz
    today = local_day(now, tz)
    in_group = today < youth.leaves_target_group_on
    existing = {(e.flow, e.cycle): e for e in youth.enrolments}
    if in_group:
        result.wake_at(_midnight(youth.leaves_target_group_on, tz))

    for flow in flows:
        cycle = deadline_cycle(county.name, today, calendar) if flow.yearly else ""
        if flow.yearly and in_group:
            # The next campaign year starts the day after this one's last date.
            last = _campaign(county.name, int(cycle), calendar).still_apply
            result.wake_at(_midnight(last + timedelta(days=1), tz))
        enrolment = existing.get((flow.name, cycle))
        if enrolment is None:
            if in_group and _enrols(flow, youth, today):
                result.enrol.append(NewEnrolment(youth.id, flow.name, cycle, now))
                # Planned at once with a stand-in id: the engine maps it to the new row.
                enrolment = EnrolmentFacts(0, flow.name, cycle, EnrolmentState.ACTIVE, now)
            else:
                continue
        if enrolment.state is not EnrolmentState.ACTIVE:
            continue
        if Stop.YOUTH_ADULT in flow.stop_when and today < youth.turns_18_on:
            result.wake_at(_midnight(youth.turns_18_on, tz))
        stop = _stop_reason(flow, youth, today, in_group)
        if stop is not None:
            reason, unreachable = stop
            if enrolment.id:
                result.end.append(EnrolmentEnd(enrolment.id, EnrolmentState.STOPPED, reason))
            else:
                result.enrol.pop()  # no enrolment row for a flow that would stop at once
            if unreachable is Audience.YOUTH:
                # No usable address: a letter or a phone call is the adviser's task; said once.
                _alert(result, youth, flow, "no-channel", AlertKind.NO_CHANNEL, now)
            continue
        _plan_steps(result, flow, enrolment, youth, county, now, calendar, lookahead)
    return result


@lru_cache(maxsize=65_536)
def _midnight(day: date, tz: str) -> datetime:
    return local_moment(day, time(0), tz)


def _enrols(flow: Flow, youth: YouthFacts, today: date) -> bool:
    if flow.enrol is Enrol.UNKNOWN_ACTIVITY:
        return youth.status_code == UNKNOWN_ACTIVITY
    if flow.enrol is Enrol.MINORS_WITH_GUARDIANS:
        return today < youth.turns_18_on and any(a.owner is Audience.GUARDIAN and a.usable for a in youth.addresses)
    if flow.enrol is Enrol.TARGET_GROUP:
        return youth.status_code not in NOT_FOR_DEADLINES
    raise AssertionError(flow.enrol)  # pragma: no cover


def _audiences(flow: Flow) -> set[Audience]:
    return {step.audience for step in flow.steps if step.template is not None}


def _stop_reason(flow: Flow, youth: YouthFacts, today: date, in_group: bool
                 ) -> tuple[StopReason, Audience | None] | None:
    """Why the enrolment must stop now, and whose lack of an address it is (for the no-channel alert)."""
    if not in_group:
        return StopReason.LEFT_TARGET_GROUP, None
    stops = set(flow.stop_when)
    if Stop.ADVISER_HOLDS in stops and youth.held:
        return STOP_REASON[Stop.ADVISER_HOLDS], None
    if Stop.CODE_NOT_OTUK in stops and youth.status_code != UNKNOWN_ACTIVITY:
        return STOP_REASON[Stop.CODE_NOT_OTUK], None
    if Stop.YOUTH_ADULT in stops and today >= youth.turns_18_on:
        return STOP_REASON[Stop.YOUTH_ADULT], None
    for audience in sorted(_audiences(flow)):
        points = [a for a in youth.addresses if a.owner is audience]
        if any(a.usable for a in points):
            continue
        if points and Stop.OPTED_OUT in stops and all(a.opted_out for a in points):
            return STOP_REASON[Stop.OPTED_OUT], None
        if points and Stop.WRONG_NUMBER in stops and all(a.wrong_number or a.opted_out for a in points):
            return STOP_REASON[Stop.WRONG_NUMBER], audience
        return StopReason.NO_CHANNEL, audience
    return None


def _due(step: Step, enrolment: EnrolmentFacts, county: CountyFacts, calendar: CalendarData | None,
         anchor: datetime | None = None) -> tuple[datetime, date | None] | None:
    """When the step is due (inside the sending window), and the deadline it speaks of; None: skipped.

    A delay counts from `anchor` (the flow's first message) when given, else from the enrolment's start:
    "reminder after 3 days" means 3 days after the opening went out, however late the window let it go.
    """
    delta = step.delta_for(county.settings)
    if calendar is not None:
        return _step_time(step, delta, enrolment.started_at, enrolment.cycle, county.name, county.window, anchor,
                          calendar)
    # The same step of the same enrolment is timed again on every tick: remember the answer (pure inputs).
    return _step_time_cached(step, delta, enrolment.started_at, enrolment.cycle, county.name, county.window, anchor)


@lru_cache(maxsize=200_000)
def _step_time_cached(step: Step, delta: timedelta, started_at: datetime, cycle: str, county: str,
                      window: SendingWindow, anchor: datetime | None) -> tuple[datetime, date | None] | None:
    return _step_time(step, delta, started_at, cycle, county, window, anchor, None)


def _step_time(step: Step, delta: timedelta, started_at: datetime, cycle: str, county: str, window: SendingWindow,
               anchor: datetime | None, calendar: CalendarData | None) -> tuple[datetime, date | None] | None:
    if step.date is not None:
        dates = _campaign(county, int(cycle), calendar)
        day: date = getattr(dates, step.date.value)
        if day < local_day(started_at, window.tz):
            return None  # the date had passed when the youth was enrolled: never sent late
        deadline: date = getattr(dates, DEADLINE_OF[step.date])
        return next_allowed(local_moment(day, time(0), window.tz), window), deadline
    origin = anchor or started_at
    if delta % timedelta(days=1):
        base = origin + delta
    else:
        # Whole days are calendar days in local time: "3d" keeps the hour across a DST switch.
        start = origin.astimezone(ZoneInfo(window.tz))
        base = local_moment(start.date() + delta, start.time(), window.tz)
    if step.working_day:
        return first_working_moment(base, window), None
    return next_allowed(base, window), None


def _campaign(county: str, year: int, calendar: CalendarData | None) -> CampaignDates:
    return campaign_dates(county, year, calendar) if calendar is not None else _packaged_campaign(county, year)


@lru_cache(maxsize=1024)
def _packaged_campaign(county: str, year: int) -> CampaignDates:
    return campaign_dates(county, year)


def _plan_steps(result: Plan, flow: Flow, enrolment: EnrolmentFacts, youth: YouthFacts, county: CountyFacts,
                now: datetime, calendar: CalendarData | None, lookahead: timedelta) -> None:
    horizon = now + lookahead
    open_steps = 0
    anchor: list[datetime | None] = []  # the first step's due time, worked out only when a later step needs it

    def due(index: int, step: Step) -> tuple[datetime, date | None] | None:
        if index and not anchor and flow.steps[0].delay is not None:
            first = _due(flow.steps[0], enrolment, county, calendar)
            anchor.append(first[0] if first else None)
        return _due(step, enrolment, county, calendar, (anchor[0] if anchor else None) if index else None)

    for index, step in enumerate(flow.steps):
        if step.alert is not None:
            key = f"{flow.name}:{enrolment.cycle}:{youth.id}:{step.id}:alert"
            if key in youth.alerted:
                continue
            timing = due(index, step)
            if timing is None:
                continue
            open_steps += 1
            # Raised when due, never ahead: a message planned ahead can be cancelled, an alert cannot.
            if timing[0] <= now:
                result.alerts.append(PlannedAlert(key, youth.id, step.alert, flow.name, step.id, timing[0]))
            else:
                result.wake_at(timing[0])
            continue
        waiting = [(audience, guardian_id, rkey) for audience, guardian_id in _recipients(step, youth)
                   if (rkey := recipient_key(flow.name, enrolment.cycle, youth.id, step.id, step.audience,
                                             guardian_id)) not in youth.planned]
        if not waiting:
            continue  # planned already: its time is not needed again
        timing = due(index, step)
        if timing is None:
            continue
        due_at, deadline = timing
        for audience, guardian_id, rkey in waiting:
            if due_at > horizon:
                open_steps += 1
                result.wake_at(due_at - lookahead)
                continue
            address = _address(step, youth, audience, guardian_id, rkey, county.settings.get("channel_order"))
            if address is None:
                continue  # every channel of this step failed for this person: nothing more to try
            open_steps += 1
            assert step.template is not None
            result.messages.append(PlannedMessage(
                key=f"{rkey}:{address.contact_point_id}", enrolment_id=enrolment.id, youth_id=youth.id,
                flow=flow.name, cycle=enrolment.cycle, step=step.id, audience=step.audience,
                contact_point_id=address.contact_point_id, guardian_id=guardian_id, channel=address.channel,
                template=step.template, language=youth.language,
                text=render(step.template, youth.language, **_variables(youth, county, deadline)),
                due_at=due_at, asks=step.asks,
            ))
    if enrolment.id and open_steps == 0:
        # Completed once every step is planned and the last was due a lookahead ago (its message has gone by
        # then): a pending message keeps its enrolment active.
        last = next((t for i in range(len(flow.steps) - 1, -1, -1) if (t := due(i, flow.steps[i]))), None)
        if last is None or last[0] + lookahead <= now:
            result.end.append(EnrolmentEnd(enrolment.id, EnrolmentState.COMPLETED, None))
        else:
            result.wake_at(last[0] + lookahead)


def _recipients(step: Step, youth: YouthFacts) -> list[tuple[Audience, int | None]]:
    if step.audience is Audience.YOUTH:
        return [(Audience.YOUTH, None)]
    guardians = sorted({a.guardian_id for a in youth.addresses
                        if a.owner is Audience.GUARDIAN and a.guardian_id is not None})
    return [(Audience.GUARDIAN, g) for g in guardians]


def _address(step: Step, youth: YouthFacts, audience: Audience, guardian_id: int | None, rkey: str,
             order: object = None) -> Address | None:
    """The recipient's usable address on the step's first channel that has not failed for this step.

    `order` is the county's channel order (County.settings["channel_order"], a list of channel names): the
    step's channels are tried in that order, those it does not name after them in the step's own order; a
    channel the step does not list is never added.
    """
    for channel in _ordered(step.channels, order):
        for address in youth.addresses:
            if (address.owner is audience and address.guardian_id == guardian_id and address.channel is channel
                    and address.usable and (rkey, address.contact_point_id) not in youth.failed):
                return address
    return None


def _ordered(channels: tuple[Channel, ...], order: object) -> list[Channel]:
    if not isinstance(order, list):
        return list(channels)
    rank = {str(name): index for index, name in enumerate(order)}
    return sorted(channels, key=lambda c: (rank.get(c.value, len(rank)), channels.index(c)))


def _variables(youth: YouthFacts, county: CountyFacts, deadline: date | None) -> dict[str, Any]:
    return {
        "first_name": youth.first_name,
        "adviser_name": youth.adviser_name,
        "county": county.name,
        "rights_link": county.rights_link,
        "chat_link": youth.chat_link or county.chat_link,
        "telegram_link": youth.telegram_link or county.telegram_link,
        "deadline": spoken_date(deadline, youth.language) if deadline else "",
    }


def _alert(result: Plan, youth: YouthFacts, flow: Flow, step: str, kind: AlertKind, now: datetime) -> None:
    # One per youth, whichever flow found it: the adviser's task (a letter, a call) is the same.
    key = f"{kind.value}:{youth.id}"
    if key not in youth.alerted and all(a.key != key for a in result.alerts):
        result.alerts.append(PlannedAlert(key, youth.id, kind, flow.name, step, now))
