"""The overview's aggregations on hand-made rows: code on a day, the 14-day share, median and p75, reply rate,
funnel and the Udir view — exact numbers, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.codes import CodeGroup
from bot.dashboard_stats import (
    ChangeRow,
    History,
    InboundRow,
    ReplyRate,
    SentRow,
    Share,
    YouthRow,
    contacted_within,
    funnel,
    group_counts,
    otuk_over_time,
    percentile,
    reply_rates,
    time_to_contact,
    total_rate,
    week_ends,
)

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 8)
_ids = iter(range(1, 10_000))


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def change(youth_id: int, old: str, new: str, when: datetime, *, state: str = "applied", actor: str = "bot",
           decided_at: datetime | None = None) -> ChangeRow:
    return ChangeRow(next(_ids), youth_id, old, new, actor, state, when, decided_at)


# --------------------------------------------------------------------------------------------- code on a day


def test_the_code_on_a_day_follows_the_made_changes_in_oslo_time() -> None:
    youth = YouthRow(1, "OTAR", date(2026, 9, 7))
    history = History([
        change(1, "OTUK", "OTOV", at(10, 5, 10)),
        # Proposed on 20 October, confirmed at 00:30 Oslo time on 3 November (23:30 UTC on the 2nd).
        change(1, "OTOV", "OTAR", at(10, 20), state="confirmed", actor="bot", decided_at=at(11, 2, 23, 30)),
        change(1, "OTAR", "OTNO", at(11, 10), state="rejected", actor="bot", decided_at=at(11, 11)),
        change(1, "OTAR", "OTMI", at(11, 12), state="proposed"),
    ])
    assert history.code_on(youth, date(2026, 10, 4)) == "OTUK"  # before the first made change: its old code
    assert history.code_on(youth, date(2026, 10, 5)) == "OTOV"
    assert history.code_on(youth, date(2026, 11, 2)) == "OTOV"  # the confirmation is on the 3rd in Oslo
    assert history.code_on(youth, date(2026, 11, 3)) == "OTAR"
    assert history.code_on(youth, date(2026, 11, 30)) == "OTAR"  # rejected and proposed changes change nothing


def test_a_change_late_in_the_evening_utc_is_the_next_day_in_oslo() -> None:
    youth = YouthRow(1, "OTOV", date(2026, 9, 7))
    history = History([change(1, "OTUK", "OTOV", at(10, 5, 22, 30))])  # 00:30 on 6 October in Oslo
    assert history.code_on(youth, date(2026, 10, 5)) == "OTUK"
    assert history.code_on(youth, date(2026, 10, 6)) == "OTOV"


def test_without_made_changes_the_code_is_the_current_one() -> None:
    youth = YouthRow(2, "OTEV", date(2026, 9, 7))
    history = History([change(2, "OTEV", "OTAR", at(10, 1), state="proposed")])
    assert history.code_on(youth, date(2026, 1, 1)) == "OTEV"
    assert history.initial_code(youth) == "OTEV"


def test_week_ends_are_sundays_and_today_oldest_first() -> None:
    assert week_ends(TODAY, 3) == [date(2026, 11, 29), date(2026, 12, 6), TODAY]  # 8 December is a Tuesday
    assert week_ends(date(2026, 12, 13), 2) == [date(2026, 12, 6), date(2026, 12, 13)]  # a Sunday
    assert len(week_ends(TODAY)) == 12
    with pytest.raises(ValueError):
        week_ends(TODAY, 0)


def test_otuk_over_time_counts_youth_from_their_registration() -> None:
    youth = [
        YouthRow(1, "OTOV", date(2026, 9, 7)),  # OTUK until 2 December
        YouthRow(2, "OTUK", date(2026, 9, 7)),  # always OTUK
        YouthRow(3, "OTUK", date(2026, 12, 1)),  # registered on 1 December
        YouthRow(4, "OTAR", date(2026, 9, 7)),  # never OTUK
    ]
    history = History([change(1, "OTUK", "OTOV", at(12, 2))])
    assert otuk_over_time(youth, history, week_ends(TODAY, 3)) == [2, 2, 2]
    assert otuk_over_time(youth, history, [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)]) == [2, 3, 2]


# ------------------------------------------------------------------------------------------------- contact


def _contact_cases() -> tuple[list[YouthRow], History]:
    reg = date(2026, 9, 7)
    youth = [
        YouthRow(1, "OTOV", reg),  # A: bot, applied, 8 days
        YouthRow(2, "OTUK", reg),  # B: bot's proposal still waiting, 24 days
        YouthRow(3, "OTUK", reg),  # C: never contacted
        YouthRow(4, "OTOV", date(2026, 11, 30)),  # D: registered 8 days ago (not in the share), 1 day
        YouthRow(5, "OTOV", reg),  # E: came in with OTOV: not in the share
        YouthRow(6, "OTAR", reg),  # F: the roster import changed the code: not contact
        YouthRow(7, "OTSY", reg),  # G: a rejected proposal, then an adviser after 13 days
        YouthRow(8, "OTOV", date(2026, 10, 1)),  # H: contact before the registration date: 0 days
    ]
    history = History([
        change(1, "OTUK", "OTOV", at(9, 15)),
        change(2, "OTUK", "OTAR", at(10, 1), state="proposed"),
        change(4, "OTUK", "OTOV", at(12, 1)),
        change(6, "OTUK", "OTAR", at(9, 10), actor="import"),
        change(7, "OTUK", "OTAR", at(9, 8), state="rejected", decided_at=at(9, 9)),
        change(7, "OTUK", "OTSY", at(9, 20), actor="adviser"),
        change(8, "OTUK", "OTOV", at(9, 28)),
    ])
    return youth, history


def test_the_share_contacted_within_14_days() -> None:
    youth, history = _contact_cases()
    share = contacted_within(youth, history, TODAY)
    assert share == Share(3, 6)  # A, G, H of A, B, C, F, G, H
    assert share.ratio == 0.5
    assert contacted_within(youth, history, TODAY, days=30) == Share(4, 6)  # B too
    assert Share(0, 0).ratio is None


def test_days_to_first_contact_median_and_p75() -> None:
    youth, history = _contact_cases()
    # A 8, B 24, D 1, G 13, H 0 -> [0, 1, 8, 13, 24]
    waiting = time_to_contact(youth, history)
    assert (waiting.count, waiting.median, waiting.p75) == (5, 8, 13)
    assert time_to_contact([youth[2]], history) == type(waiting)(0, None, None)


def test_percentile_is_linear_between_ranks() -> None:
    assert percentile([4, 1, 3, 2], 0.5) == 2.5
    assert percentile([4, 1, 3, 2], 0.75) == 3.25
    assert percentile([7], 0.75) == 7
    assert percentile([], 0.5) is None
    with pytest.raises(ValueError):
        percentile([1], 1.5)


# ------------------------------------------------------------------------------------------------- replies


def sent(youth_id: int, when: datetime, *, template: str | None = "first_contact", channel: str = "sms",
         owner: tuple[str, int] | None = None, audience: str = "youth") -> SentRow:
    return SentRow(youth_id, ("youth", youth_id) if owner is None else owner, template, channel, audience, when)


def test_reply_rate_per_template_and_channel() -> None:
    rows = [
        sent(1, at(11, 1)),  # answered 2 days later
        sent(2, at(11, 1)),  # answered 8 days later: too late
        sent(3, at(11, 1)),  # a message before it is no answer
        sent(9, at(11, 1)),  # answered exactly 7 days later
        sent(6, at(11, 1)),  # answered in the web chat (another point of the same youth)
        sent(4, at(12, 5)),  # sent 3 days ago: pending, not counted
        sent(5, at(11, 1), channel="email"),
        sent(1, at(11, 1), owner=("guardian", 7), template="guardian_info", audience="guardian"),
        SentRow(1, None, None, "sms", "youth", at(11, 1)),  # no recipient known: never answered
    ]
    inbound = [
        InboundRow(("youth", 1), at(11, 3)),
        InboundRow(("youth", 2), at(11, 9, 9, 1)),
        InboundRow(("youth", 3), at(10, 30)),
        InboundRow(("youth", 9), at(11, 8)),
        InboundRow(("youth", 6), at(11, 2)),
        InboundRow(("youth", 4), at(12, 6)),
        InboundRow(("guardian", 7), at(11, 1, 10)),
    ]
    rates = reply_rates(rows, inbound, NOW)
    assert rates == [
        ReplyRate("first_contact", "email", 1, 0, 0),
        ReplyRate("first_contact", "sms", 5, 3, 1),
        ReplyRate("guardian_info", "sms", 1, 1, 0),
        ReplyRate(None, "sms", 1, 0, 0),
    ]
    assert rates[1].share.ratio == 0.6
    assert total_rate(rates) == ReplyRate(None, "", 8, 4, 1)
    assert reply_rates(rows, inbound, NOW, window=timedelta(days=1))[1] == ReplyRate("first_contact", "sms", 6, 2, 0)


# -------------------------------------------------------------------------------------------------- funnel


def test_the_funnel_counts_each_step_within_the_one_before() -> None:
    youth = [YouthRow(i, code, date(2026, 9, 7)) for i, code in
             ((1, "OTOV"), (2, "OTUK"), (3, "OTAR"), (4, "OTUK"), (5, "OTUK"))]
    rows = [
        sent(1, at(11, 1)), sent(1, at(11, 8)),  # y1: all four steps
        sent(2, at(11, 1)),  # y2: answered, contact proposed only: three steps
        sent(3, at(11, 1)),  # y3: wrote only before the message: one step (the adviser's change does not count)
        sent(4, at(11, 1), owner=("guardian", 40), template="guardian_info", audience="guardian"),  # y4: none
        sent(5, at(11, 1)),  # y5: answered "ok": two steps
        sent(6, at(11, 1)),  # y6: not in scope
    ]
    inbound = [
        InboundRow(("youth", 1), at(11, 3)), InboundRow(("youth", 2), at(11, 9)),
        InboundRow(("youth", 3), at(10, 30)), InboundRow(("youth", 4), at(11, 2)),
        InboundRow(("youth", 5), at(11, 2)), InboundRow(("youth", 6), at(11, 2)),
        InboundRow(("guardian", 40), at(11, 2)),
    ]
    history = History([
        change(1, "OTUK", "OTOV", at(11, 3)),
        change(2, "OTUK", "OTAR", at(11, 9), state="proposed"),
        change(3, "OTUK", "OTAR", at(11, 5), actor="adviser"),
        change(6, "OTUK", "OTOV", at(11, 2)),
    ])
    assert funnel(youth, rows, inbound, history).steps() == [4, 3, 2, 1]


# ----------------------------------------------------------------------------------------------- Udir view


def test_counts_per_code_group_on_a_day() -> None:
    youth = [
        YouthRow(1, "OTAR", date(2026, 9, 7)),  # OTOV on 1 November
        YouthRow(2, "OTUK", date(2026, 9, 7)),
        YouthRow(3, "OTUK", date(2026, 11, 15)),  # not registered yet
        YouthRow(4, "OTFA_IM", date(2026, 9, 1)),
        YouthRow(5, "OTAR", date(2026, 9, 7)),  # OTUK on 1 November
    ]
    history = History([
        change(1, "OTUK", "OTOV", at(10, 5)),
        change(1, "OTOV", "OTAR", at(11, 20), actor="adviser"),
        change(5, "OTUK", "OTAR", at(11, 2), actor="adviser"),
    ])
    counts = group_counts(youth, history, date(2026, 11, 1))
    assert counts.groups == {CodeGroup.UNKNOWN: 2, CodeGroup.FOLLOW_UP: 1, CodeGroup.IN_ACTIVITY: 0,
                             CodeGroup.CLARIFIED: 0, CodeGroup.NOT_IN_TARGET_GROUP: 1}
    assert counts.total == 4
    assert list(counts.codes.items()) == [("OTUK", 2), ("OTOV", 1), ("OTFA_IM", 1)]
    later = group_counts(youth, history, date(2026, 11, 30))
    assert later.groups[CodeGroup.IN_ACTIVITY] == 2 and later.groups[CodeGroup.UNKNOWN] == 2 and later.total == 5
