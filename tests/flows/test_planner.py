"""The planner, pure: what is due for one youth at a given moment, from facts alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows.calendar import DEFAULT_WINDOW, campaign_dates, local_moment
from flows.model import default_flows
from flows.planner import (
    Address,
    CountyFacts,
    EnrolmentFacts,
    Plan,
    YouthFacts,
    plan,
    spoken_date,
)
from storage.enums import AlertKind, Audience, Channel, EnrolmentState, Question, StopReason

OSLO = ZoneInfo("Europe/Oslo")
FLOWS = default_flows()
COUNTY = CountyFacts(name="Trøndelag", window=DEFAULT_WINDOW, rights_link="https://ot.example/rettigheter",
                     chat_link="https://ot.example/c")
YOUTH_SMS = Address(1, Channel.SMS, Audience.YOUTH)
PARENT_SMS = Address(2, Channel.SMS, Audience.GUARDIAN, guardian_id=7)


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO).astimezone(UTC)


def youth(**changes: object) -> YouthFacts:
    base = YouthFacts(id=10, first_name="Ada", status_code="OTUK", language="nb", turns_18_on=date(2030, 1, 1),
                      leaves_target_group_on=date(2036, 1, 1), adviser_name="Kari Nordmann", addresses=(YOUTH_SMS,))
    return replace(base, **changes)  # type: ignore[arg-type]


def enrolled(flow: str, started: datetime, cycle: str = "", id: int = 1) -> EnrolmentFacts:
    return EnrolmentFacts(id, flow, cycle, EnrolmentState.ACTIVE, started)


def only(result: Plan, flow: str) -> Plan:
    return Plan([e for e in result.enrol if e.flow == flow], [e for e in result.end],
                [m for m in result.messages if m.flow == flow], [a for a in result.alerts if a.flow == flow])


def feed_back(facts: YouthFacts, result: Plan) -> YouthFacts:
    """The facts after the engine wrote `result` (enrolments get ids, planned keys are known)."""
    new = tuple(EnrolmentFacts(100 + i, e.flow, e.cycle, EnrolmentState.ACTIVE, e.started_at)
                for i, e in enumerate(result.enrol))
    return replace(facts, enrolments=facts.enrolments + new,
                   planned=facts.planned | {m.key.rsplit(":", 1)[0] for m in result.messages},
                   alerted=facts.alerted | {a.key for a in result.alerts})


@pytest.mark.parametrize(
    ("enrolled_at", "opening"),
    [
        (oslo(2027, 3, 9, 14, 0), oslo(2027, 3, 9, 14, 0)),  # Tuesday afternoon: at once
        (oslo(2027, 3, 12, 20, 30), oslo(2027, 3, 15, 9, 0)),  # Friday evening: Monday 09:00
        (oslo(2027, 3, 13, 11, 0), oslo(2027, 3, 15, 9, 0)),  # Saturday: Monday, a working day
        (oslo(2027, 5, 16, 21, 0), oslo(2027, 5, 18, 9, 0)),  # Sunday 16 May evening: 17 May is a holiday
    ],
)
def test_the_opening_goes_out_on_the_first_working_moment(enrolled_at: datetime, opening: datetime) -> None:
    result = only(plan(youth(), COUNTY, FLOWS, enrolled_at, lookahead=timedelta(days=4)), "first-contact")
    assert [e.flow for e in result.enrol] == ["first-contact"]
    assert [(m.step, m.due_at) for m in result.messages if m.step == "opening"] == [("opening", opening)]


def test_the_opening_says_who_writes_why_names_the_adviser_and_asks_one_numbered_question() -> None:
    (message,) = only(plan(youth(), COUNTY, FLOWS, oslo(2027, 3, 9, 14, 0)), "first-contact").messages
    assert "Trøndelag" in message.text and "Kari Nordmann" in message.text
    assert COUNTY.rights_link in message.text
    assert all(digit in message.text for digit in "1234")
    assert message.asks is Question.ACTIVITY_CHOICE
    assert (message.channel, message.contact_point_id, message.audience) == (Channel.SMS, 1, Audience.YOUTH)


def test_the_sequence_runs_reminders_chat_invite_then_a_no_reply_alert_at_14_days() -> None:
    start = oslo(2027, 3, 9, 14, 0)
    facts = youth(enrolments=(enrolled("first-contact", start),))
    seen: dict[str, datetime] = {}
    for day in range(0, 16):
        now = start + timedelta(days=day)
        result = only(plan(facts, COUNTY, FLOWS, now, lookahead=timedelta(0)), "first-contact")
        for m in result.messages:
            seen[m.step] = m.due_at
        for a in result.alerts:
            seen[f"alert:{a.kind.value}"] = a.due_at
        facts = feed_back(facts, result)
    assert seen == {
        "opening": start,
        "reminder-1": oslo(2027, 3, 12, 14, 0),
        "reminder-2": oslo(2027, 3, 16, 14, 0),
        "chat-invite": oslo(2027, 3, 19, 14, 0),
        "alert:no_reply": oslo(2027, 3, 23, 14, 0),
    }


def test_delays_count_from_the_opening_when_the_window_moved_it() -> None:
    start = oslo(2027, 3, 12, 20, 30)  # Friday evening: the opening goes Monday 09:00
    facts = youth(enrolments=(enrolled("first-contact", start),), planned=frozenset({"first-contact::10:opening:youth"}))
    result = only(plan(facts, COUNTY, FLOWS, oslo(2027, 3, 18, 9, 0), lookahead=timedelta(0)), "first-contact")
    assert [(m.step, m.due_at) for m in result.messages] == [("reminder-1", oslo(2027, 3, 18, 9, 0))]


def test_the_no_reply_alert_follows_the_county_setting() -> None:
    start = oslo(2027, 3, 9, 14, 0)
    county = replace(COUNTY, settings={"no_reply_after_days": 11})
    facts = youth(enrolments=(enrolled("first-contact", start),))
    result = plan(facts, county, FLOWS, start + timedelta(days=11), lookahead=timedelta(0))
    assert [(a.kind, a.due_at) for a in result.alerts] == [(AlertKind.NO_REPLY, oslo(2027, 3, 20, 14, 0))]


def test_planning_twice_plans_nothing_new() -> None:
    now = oslo(2027, 3, 9, 14, 0)
    first = plan(youth(), COUNTY, FLOWS, now)
    assert first.messages
    again = plan(feed_back(youth(), first), COUNTY, FLOWS, now)
    assert (again.enrol, again.messages, again.alerts) == ([], [], [])


def test_a_day_delay_keeps_the_local_hour_across_the_dst_switch() -> None:
    start = oslo(2026, 3, 27, 10, 0)  # Friday before the spring switch (Sunday 29 March 2026)
    facts = youth(enrolments=(enrolled("first-contact", start),), planned=frozenset({"first-contact::10:opening:youth"}))
    result = only(plan(facts, COUNTY, FLOWS, start + timedelta(days=3), lookahead=timedelta(0)), "first-contact")
    # Monday 10:00 local: 08:00 UTC in summer time, where 72 hours would have given 11:00.
    assert [(m.step, m.due_at) for m in result.messages] == [("reminder-1", oslo(2026, 3, 30, 10, 0))]
    assert oslo(2026, 3, 30, 10, 0) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    autumn = oslo(2027, 10, 29, 10, 0)  # Friday before the autumn switch (31 October)
    facts = youth(enrolments=(enrolled("first-contact", autumn),), planned=frozenset({"first-contact::10:opening:youth"}))
    result = only(plan(facts, COUNTY, FLOWS, autumn + timedelta(days=4), lookahead=timedelta(0)), "first-contact")
    assert [(m.step, m.due_at) for m in result.messages] == [("reminder-1", oslo(2027, 11, 1, 10, 0))]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status_code": "OTAR"}, StopReason.CODE_CHANGED),
        ({"held": True}, StopReason.ADVISER_HOLD),
        ({"addresses": (replace(YOUTH_SMS, opted_out=True),)}, StopReason.OPTED_OUT),
        ({"addresses": (replace(YOUTH_SMS, wrong_number=True),)}, StopReason.WRONG_NUMBER),
        ({"leaves_target_group_on": date(2027, 3, 1)}, StopReason.LEFT_TARGET_GROUP),
    ],
)
def test_a_stop_condition_ends_the_first_contact_enrolment(changes: dict[str, object], reason: StopReason) -> None:
    now = oslo(2027, 3, 9, 14, 0)
    facts = youth(enrolments=(enrolled("first-contact", now - timedelta(days=2), id=5),), **changes)
    result = plan(facts, COUNTY, FLOWS, now)
    assert [(e.enrolment_id, e.state, e.reason) for e in result.end if e.enrolment_id == 5] == [
        (5, EnrolmentState.STOPPED, reason)]
    assert [m for m in result.messages if m.flow == "first-contact"] == []


def test_a_youth_without_a_usable_address_raises_one_no_channel_alert_and_is_not_enrolled() -> None:
    now = oslo(2027, 3, 9, 14, 0)
    facts = youth(addresses=())
    first = plan(facts, COUNTY, FLOWS, now)
    assert [a.kind for a in first.alerts] == [AlertKind.NO_CHANNEL]
    assert first.enrol == [] and first.messages == []
    again = plan(feed_back(facts, first), COUNTY, FLOWS, now + timedelta(hours=1))
    assert again.alerts == []


def test_the_second_channel_is_used_when_the_first_failed() -> None:
    now = oslo(2027, 3, 9, 14, 0)
    email = Address(3, Channel.EMAIL, Audience.YOUTH)
    facts = youth(addresses=(YOUTH_SMS, email), enrolments=(enrolled("first-contact", now),),
                  failed=frozenset({("first-contact::10:opening:youth", 1)}))
    (message,) = only(plan(facts, COUNTY, FLOWS, now), "first-contact").messages
    assert (message.channel, message.contact_point_id) == (Channel.EMAIL, 3)


def test_guardians_of_a_minor_get_the_information_and_nothing_once_the_youth_is_18() -> None:
    now = oslo(2027, 3, 9, 14, 0)
    minor = youth(addresses=(YOUTH_SMS, PARENT_SMS), turns_18_on=date(2027, 3, 20))
    messages = only(plan(minor, COUNTY, FLOWS, now), "guardian-info").messages
    assert [(m.audience, m.guardian_id, m.template) for m in messages] == [(Audience.GUARDIAN, 7, "guardian_info")]
    assert "Ada" in messages[0].text
    # Enrolled while a minor, the enrolment stops on the 18th birthday.
    facts = replace(minor, enrolments=(enrolled("guardian-info", now, id=9),), turns_18_on=date(2027, 3, 10))
    result = plan(facts, COUNTY, FLOWS, oslo(2027, 3, 10, 9, 0))
    assert [(e.enrolment_id, e.reason) for e in result.end] == [(9, StopReason.YOUTH_ADULT)]
    # An adult is never enrolled.
    adult = replace(minor, turns_18_on=date(2027, 1, 1))
    assert only(plan(adult, COUNTY, FLOWS, now), "guardian-info").enrol == []


def test_deadline_reminders_go_on_the_calendar_dates_to_any_code_and_a_past_date_is_skipped() -> None:
    dates = campaign_dates("Trøndelag", 2027)
    worker = youth(status_code="OTAR")
    december = oslo(2026, 12, 14, 10, 0)
    result = only(plan(worker, COUNTY, FLOWS, december), "deadline")
    assert [(e.flow, e.cycle) for e in result.enrol] == [("deadline", "2027")]
    facts = feed_back(worker, result)
    sent: dict[str, tuple[datetime, str]] = {}
    day = december
    while day < oslo(2027, 4, 1, 0, 0):
        step = only(plan(facts, COUNTY, FLOWS, day), "deadline")
        sent.update({m.step: (m.due_at, m.text) for m in step.messages})
        facts = feed_back(facts, step)
        day += timedelta(days=1)
    assert {step: due for step, (due, _) in sent.items()} == {
        "before-special": local_moment(dates.remind_special, DEFAULT_WINDOW.weekday[0]),
        "before-ordinary": local_moment(dates.remind_ordinary, DEFAULT_WINDOW.weekday[0]),
        "still-apply": local_moment(dates.still_apply, DEFAULT_WINDOW.weekday[0]),
    }
    assert spoken_date(dates.ordinary_deadline, "nb") in sent["before-ordinary"][1]
    # Enrolled in February: the special deadline's reminder has passed and is never sent late.
    late = only(plan(youth(status_code="OTAR"), COUNTY, FLOWS, oslo(2027, 2, 10, 10, 0)), "deadline")
    facts = feed_back(youth(status_code="OTAR"), late)
    steps = set()
    day = oslo(2027, 2, 10, 10, 0)
    while day < oslo(2027, 4, 1, 0, 0):
        step = only(plan(facts, COUNTY, FLOWS, day), "deadline")
        steps |= {m.step for m in step.messages}
        facts = feed_back(facts, step)
        day += timedelta(days=1)
    assert steps == {"before-ordinary", "still-apply"}


def test_deadline_reminders_skip_youth_registered_by_mistake_or_moved_county() -> None:
    now = oslo(2026, 12, 14, 10, 0)
    for code in ("FEIL", "OTFA_IM"):
        assert only(plan(youth(status_code=code), COUNTY, FLOWS, now), "deadline").enrol == []


def test_spoken_dates() -> None:
    assert [spoken_date(date(2027, 3, 1), lang) for lang in ("nb", "nn", "en")] == ["1. mars", "1. mars", "1 March"]


def test_a_countys_channel_order_decides_which_channel_a_step_tries_first() -> None:
    from flows.planner import _ordered

    step_channels = (Channel.SMS, Channel.EMAIL)
    assert _ordered(step_channels, None) == [Channel.SMS, Channel.EMAIL]
    assert _ordered(step_channels, ["email", "sms"]) == [Channel.EMAIL, Channel.SMS]
    # A channel the step does not list is never added; one the order does not name comes after, in step order.
    assert _ordered(step_channels, ["telegram", "email"]) == [Channel.EMAIL, Channel.SMS]
