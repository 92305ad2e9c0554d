"""The county settings an admin edits: reading what is stored, checking a form (exact Bokmål lines), what
changed, the merge that keeps everything else, and that the service reads what the merge writes."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from bot import county_settings as cs
from bot.codes import CodeGroup
from bot.inbound import county_policy
from flows.calendar import SendingWindow
from flows.model import default_flows
from storage.enums import Channel


def form(**changes: str) -> dict[str, str]:
    """The form exactly as the page shows it for an empty `County.settings`, with `changes`."""
    values = cs.form_values(cs.read({}).values)
    values.update(changes)
    return values


def parsed(**changes: str) -> cs.Editable:
    new, errors = cs.parse(form(**changes))
    assert errors == {}
    assert new is not None
    return new


def errors_of(**changes: str) -> dict[str, str]:
    new, errors = cs.parse(form(**changes))
    assert new is None
    return errors


# --- reading what is stored ---------------------------------------------------------------------------------


def test_empty_settings_read_as_the_safe_default() -> None:
    stored = cs.read({})
    assert stored.values.status_changes == {CodeGroup.FOLLOW_UP: "applied", CodeGroup.IN_ACTIVITY: "proposed",
                                            CodeGroup.CLARIFIED: "proposed",
                                            CodeGroup.NOT_IN_TARGET_GROUP: "proposed"}
    assert stored.values.window == cs.Window(("09:00", "20:00"), ("09:00", "16:00"), None, False)
    assert stored.values.no_reply_after_days is None
    assert stored.values.channel_order == ()
    assert stored.unreadable == frozenset()
    assert stored.tz == "Europe/Oslo"


def test_groups_are_read_by_number_or_name_as_the_inbound_path_reads_them() -> None:
    stored = cs.read({"status_changes": {"3": "applied", "FOLLOW_UP": "proposed", "clarified": "applied"}})
    assert stored.values.status_changes == {CodeGroup.FOLLOW_UP: "proposed", CodeGroup.IN_ACTIVITY: "applied",
                                            CodeGroup.CLARIFIED: "applied",
                                            CodeGroup.NOT_IN_TARGET_GROUP: "proposed"}


def test_a_stored_window_is_read_with_its_closed_days_and_zone() -> None:
    stored = cs.read({"sending_window": {"weekday": "08:30-21:00", "saturday": None, "sunday": "12:00-15:00",
                                         "public_holidays": True, "tz": "Europe/Berlin"}})
    assert stored.values.window == cs.Window(("08:30", "21:00"), None, ("12:00", "15:00"), True)
    assert stored.tz == "Europe/Berlin"


@pytest.mark.parametrize(
    ("settings", "unreadable"),
    [
        ({"sending_window": {"weekday": "25:00-26:00"}}, {"sending_window"}),
        ({"sending_window": None}, {"sending_window"}),
        ({"sending_window": {"monday": "09:00-10:00"}}, {"sending_window"}),
        ({"no_reply_after_days": "14"}, {"no_reply_after_days"}),
        ({"no_reply_after_days": 0}, {"no_reply_after_days"}),
        ({"no_reply_after_days": True}, {"no_reply_after_days"}),
        ({"channel_order": "sms"}, {"channel_order"}),
        ({"channel_order": ["sms", "fax"]}, {"channel_order"}),
        ({"channel_order": ["sms", "sms"]}, {"channel_order"}),
    ],
)
def test_a_stored_value_the_service_cannot_use_is_named_and_shows_as_the_default(
        settings: dict[str, Any], unreadable: set[str]) -> None:
    stored = cs.read(settings)
    assert stored.unreadable == unreadable
    assert stored.values == cs.read({}).values


# --- checking the form --------------------------------------------------------------------------------------


def test_the_unchanged_form_asks_for_what_is_stored() -> None:
    assert parsed() == cs.read({}).values


def test_a_valid_form_gives_every_value() -> None:
    new = parsed(group_in_activity="applied", group_follow_up="proposed", weekday_start="8:00",
                 weekday_end="21:30", saturday_open="", sunday_open="on", sunday_start="12:00",
                 sunday_end="15:00", public_holidays="on", no_reply_after_days="10", channel_1="email",
                 channel_2="", channel_3="sms")
    assert new.status_changes[CodeGroup.IN_ACTIVITY] == "applied"
    assert new.status_changes[CodeGroup.FOLLOW_UP] == "proposed"
    assert new.window == cs.Window(("08:00", "21:30"), None, ("12:00", "15:00"), True)
    assert new.no_reply_after_days == 10
    assert new.channel_order == (Channel.EMAIL, Channel.SMS)


def test_a_closed_day_ignores_its_times() -> None:
    new = parsed(saturday_open="", saturday_start="25:00", saturday_end="nonsense")
    assert new.window.saturday is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"weekday_start": "25:00"},
         {"weekday_start": "Hverdager fra: «25:00» er ikke et klokkeslett (TT:MM, fra 00:00 til 23:59)."}),
        ({"weekday_end": "24:00"},
         {"weekday_end": "Hverdager til: «24:00» er ikke et klokkeslett (TT:MM, fra 00:00 til 23:59)."}),
        ({"saturday_open": "on", "saturday_start": "9.00"},
         {"saturday_start": "Lørdag fra: «9.00» er ikke et klokkeslett (TT:MM, fra 00:00 til 23:59)."}),
        ({"sunday_open": "on", "sunday_start": "", "sunday_end": "15:00"},
         {"sunday_start": "Søndag fra: fyll inn et klokkeslett (TT:MM)."}),
        ({"weekday_start": "20:00", "weekday_end": "09:00"},
         {"weekday_end": "Hverdager til: sendingen må slutte etter at den starter (fra 20:00, til 09:00)."}),
        ({"weekday_start": "10:00", "weekday_end": "10:00"},
         {"weekday_end": "Hverdager til: sendingen må slutte etter at den starter (fra 10:00, til 10:00)."}),
        ({"group_in_activity": "maybe"},
         {"group_in_activity": "Gruppe 3 (i aktivitet): «maybe» er ikke et gyldig valg; velg «Boten gjør "
                               "endringen» eller «Rådgiver bekrefter»."}),
        ({"group_clarified": ""},
         {"group_clarified": "Gruppe 4 (avklart): velg «Boten gjør endringen» eller «Rådgiver bekrefter»."}),
        ({"channel_1": "fax"},
         {"channel_1": "Kanal nr. 1: «fax» er ikke en kanal (gyldige: sms, telegram, webchat, email, "
                       "console)."}),
        ({"channel_1": "sms", "channel_3": "sms"},
         {"channel_3": "Kanal nr. 3: «sms» er allerede valgt som nr. 1."}),
        ({"no_reply_after_days": "to uker"},
         {"no_reply_after_days": "Dager uten svar før telefon: «to uker» er ikke et helt antall dager fra 1 "
                                 "til 60."}),
        ({"no_reply_after_days": "0"},
         {"no_reply_after_days": "Dager uten svar før telefon: «0» er ikke et helt antall dager fra 1 til "
                                 "60."}),
        ({"no_reply_after_days": "61"},
         {"no_reply_after_days": "Dager uten svar før telefon: «61» er ikke et helt antall dager fra 1 til "
                                 "60."}),
    ],
)
def test_each_bad_field_gets_one_exact_line(changes: dict[str, str], expected: dict[str, str]) -> None:
    assert errors_of(**changes) == expected


def test_several_bad_fields_get_one_line_each() -> None:
    errors = errors_of(weekday_start="25:00", channel_2="fax", group_follow_up="always")
    assert sorted(errors) == ["channel_2", "group_follow_up", "weekday_start"]


def test_a_long_bad_value_is_shortened_in_its_line() -> None:
    line = errors_of(channel_1="x" * 100)["channel_1"]
    assert "«" + "x" * 39 + "…»" in line


# --- what changed, and what is written ----------------------------------------------------------------------


def test_nothing_changed_is_no_change() -> None:
    assert cs.changes(cs.read({}), parsed()) == []


def test_changes_name_the_key_and_old_and_new_values() -> None:
    new = parsed(group_in_activity="applied", saturday_open="", weekday_end="21:00", public_holidays="on",
                 no_reply_after_days="10", channel_1="email", channel_2="sms")
    assert cs.changes(cs.read({}), new) == [
        cs.Change("status_changes.in_activity", "proposed", "applied"),
        cs.Change("sending_window.weekday", "09:00-20:00", "09:00-21:00"),
        cs.Change("sending_window.saturday", "09:00-16:00", "closed"),
        cs.Change("sending_window.public_holidays", "false", "true"),
        cs.Change("no_reply_after_days", "flow default", "10"),
        cs.Change("channel_order", "flow order", "email,sms"),
    ]


def test_an_unreadable_stored_value_counts_as_changed_even_when_the_form_is_unchanged() -> None:
    stored = cs.read({"sending_window": {"weekday": "nonsense"}})
    assert cs.changes(stored, parsed()) == [cs.Change(
        "sending_window", "unreadable",
        "weekday 09:00-20:00, saturday 09:00-16:00, sunday closed, public_holidays false")]


def test_merge_writes_only_what_changed_and_keeps_every_other_key() -> None:
    settings = {"senders": {"sms": "+4759440000"}, "fallback_adviser_id": 3, "min_confidence_to_apply": 0.8,
                "rights_link": "https://example.org/r",
                "sending_window": {"weekday": "08:00-20:00", "tz": "Europe/Oslo"},
                "status_changes": {"2": "applied", "1": "applied", "junk": "x"}}
    stored = cs.read(settings)
    new = parsed(group_in_activity="applied", weekday_start="08:00")  # the window is unchanged
    merged = cs.merge(settings, stored, new)
    assert merged["status_changes"] == {"1": "applied", "junk": "x", "follow_up": "applied",
                                        "in_activity": "applied", "clarified": "proposed",
                                        "not_in_target_group": "proposed"}
    assert {k: v for k, v in merged.items() if k != "status_changes"} == \
        {k: v for k, v in settings.items() if k != "status_changes"}
    # The input is not changed.
    assert settings["status_changes"] == {"2": "applied", "1": "applied", "junk": "x"}


def test_merge_writes_the_window_keeping_its_zone() -> None:
    settings = {"sending_window": {"weekday": "09:00-20:00", "tz": "Europe/Oslo"}}
    new = parsed(saturday_open="", sunday_open="on", sunday_start="12:00", sunday_end="14:00")
    merged = cs.merge(settings, cs.read(settings), new)
    assert merged["sending_window"] == {"tz": "Europe/Oslo", "weekday": "09:00-20:00", "saturday": None,
                                        "sunday": "12:00-14:00", "public_holidays": False}


def test_merge_removes_a_key_set_back_to_its_default() -> None:
    settings = {"no_reply_after_days": 10, "channel_order": ["email", "sms"], "other": 1}
    merged = cs.merge(settings, cs.read(settings), parsed(no_reply_after_days="", channel_1="", channel_2=""))
    assert merged == {"other": 1}


def test_merge_replaces_an_unreadable_window_without_its_broken_keys() -> None:
    settings = {"sending_window": {"weekday": "09:00-20:00", "monday": "x", "tz": "Nowhere/City"}}
    merged = cs.merge(settings, cs.read(settings), parsed())
    assert merged["sending_window"] == {"weekday": "09:00-20:00", "saturday": "09:00-16:00", "sunday": None,
                                        "public_holidays": False}


def test_what_merge_writes_is_what_the_service_reads() -> None:
    new = parsed(group_in_activity="applied", group_follow_up="proposed", weekday_start="08:00",
                 weekday_end="21:00", saturday_open="", public_holidays="on", no_reply_after_days="9")
    merged = cs.merge({}, cs.read({}), new)
    policy = county_policy(merged)
    assert policy.apply_groups == frozenset({CodeGroup.IN_ACTIVITY})
    assert SendingWindow.from_settings(merged["sending_window"]) == SendingWindow(
        weekday=(time(8), time(21)), saturday=None, sunday=None, public_holidays=True)
    phone_call = next(s for s in default_flows()["first-contact"].steps if s.delay_setting == cs.NO_REPLY)
    assert phone_call.delta_for(merged) == timedelta(days=9)
    assert cs.read(merged).values == new


def test_the_detail_lists_old_and_new_values() -> None:
    found = [cs.Change("status_changes.in_activity", "proposed", "applied"),
             cs.Change("sending_window.saturday", "09:00-16:00", "closed")]
    assert cs.detail(found) == ("status_changes.in_activity: proposed -> applied; "
                                "sending_window.saturday: 09:00-16:00 -> closed")


def test_a_long_detail_stays_within_400_characters_and_counts_what_did_not_fit() -> None:
    found = [cs.Change(f"key_{i}", "a" * 30, "b" * 30) for i in range(20)]
    text = cs.detail(found)
    assert len(text) <= 400
    kept = text.count(" -> ")
    assert kept < 20
    assert text.endswith(f"; +{20 - kept} more")
