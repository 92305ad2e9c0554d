"""The calendar rules: the sending window, working days, DST, and each county's deadline dates per year."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.places import canonical_county
from flows.calendar import (
    DEFAULT_WINDOW,
    CalendarError,
    CampaignDates,
    SendingWindow,
    add_working_days,
    campaign_dates,
    first_working_moment,
    is_allowed,
    is_public_holiday,
    is_working_day,
    load_calendar,
    local_day,
    local_moment,
    next_allowed,
)

OSLO = ZoneInfo("Europe/Oslo")


def oslo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time in Oslo (never one of the DST switch hours here)."""
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- public holidays and working days ---------------------------------------------------------------------------


def test_norwegian_public_holidays_2027_are_the_named_days_only() -> None:
    holidays_2027 = {day for day in (date(2027, 1, 1) + timedelta(days=n) for n in range(365)) if is_public_holiday(day)}
    assert holidays_2027 == {
        date(2027, 1, 1),  # New Year's Day
        date(2027, 3, 25),  # Maundy Thursday
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 28),  # Easter Sunday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 1),  # Labour Day
        date(2027, 5, 6),  # Ascension Day
        date(2027, 5, 16),  # Whit Sunday
        date(2027, 5, 17),  # Constitution Day and Whit Monday
        date(2027, 12, 25),  # Christmas Day
        date(2027, 12, 26),  # Boxing Day
    }


@pytest.mark.parametrize(
    "day",
    [date(2027, 1, 3), date(2027, 3, 27), date(2027, 12, 24), date(2027, 12, 31), date(2026, 12, 24)],
    ids=["ordinary_sunday", "easter_saturday", "christmas_eve", "new_years_eve", "christmas_eve_2026"],
)
def test_ordinary_sundays_easter_saturday_and_the_eves_are_not_public_holidays(day: date) -> None:
    assert not is_public_holiday(day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 4, 9), True),  # Friday
        (date(2027, 4, 10), False),  # Saturday
        (date(2027, 4, 11), False),  # Sunday
        (date(2027, 3, 27), False),  # Easter Saturday: not a holiday, but a Saturday
        (date(2027, 5, 6), False),  # Ascension Day
        (date(2027, 12, 24), True),  # Christmas Eve
    ],
)
def test_working_days_are_weekdays_that_are_not_public_holidays(day: date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2027, 4, 9), 0, date(2027, 4, 9)),
        (date(2027, 4, 10), 0, date(2027, 4, 10)),  # 0 leaves even a Saturday alone
        (date(2027, 4, 9), 1, date(2027, 4, 12)),  # Friday -> Monday, across the weekend
        (date(2027, 4, 9), 5, date(2027, 4, 16)),
        (date(2027, 4, 10), 1, date(2027, 4, 12)),  # Saturday -> Monday
        (date(2027, 4, 12), -1, date(2027, 4, 9)),  # Monday back to Friday
        (date(2026, 12, 23), 1, date(2026, 12, 24)),  # Christmas Eve is a working day
        (date(2026, 12, 23), 2, date(2026, 12, 28)),  # 25 Fri, 26 Sat, 27 Sun
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # 1 January (Friday) is a holiday
        (date(2027, 12, 23), 2, date(2027, 12, 27)),  # 25-26 December on a weekend: no day in lieu in Norway
        (date(2027, 12, 31), 1, date(2028, 1, 3)),
        (date(2027, 3, 24), 1, date(2027, 3, 30)),  # Maundy Thursday to Easter Monday
        (date(2027, 3, 30), -1, date(2027, 3, 24)),
    ],
)
def test_add_working_days_skips_weekends_and_holidays(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc(2027, 1, 1, 22, 59), date(2027, 1, 1)),
        (utc(2027, 1, 1, 23, 0), date(2027, 1, 2)),  # CET: UTC+1
        (utc(2027, 7, 1, 21, 59), date(2027, 7, 1)),
        (utc(2027, 7, 1, 22, 0), date(2027, 7, 2)),  # CEST: UTC+2
        (datetime(2027, 7, 1, 18, 0, tzinfo=ZoneInfo("America/New_York")), date(2027, 7, 2)),
    ],
)
def test_local_day_is_the_oslo_calendar_date(moment: datetime, expected: date) -> None:
    assert local_day(moment) == expected


# --- the sending window -----------------------------------------------------------------------------------------

WINDOW_CASES = [
    # (name, moment, next allowed moment)
    ("weekday_before_opening", oslo(2027, 4, 7, 8, 59), oslo(2027, 4, 7, 9)),
    ("weekday_at_opening", oslo(2027, 4, 7, 9), oslo(2027, 4, 7, 9)),
    ("weekday_last_minute", oslo(2027, 4, 7, 19, 59), oslo(2027, 4, 7, 19, 59)),
    ("weekday_at_closing_is_closed", oslo(2027, 4, 7, 20), oslo(2027, 4, 8, 9)),
    ("weekday_after_closing", oslo(2027, 4, 7, 20, 1), oslo(2027, 4, 8, 9)),
    ("weekday_night", oslo(2027, 4, 8, 3), oslo(2027, 4, 8, 9)),
    ("friday_evening_to_saturday", oslo(2027, 4, 9, 20), oslo(2027, 4, 10, 9)),
    ("saturday_last_minute", oslo(2027, 4, 10, 15, 59), oslo(2027, 4, 10, 15, 59)),
    ("saturday_at_closing", oslo(2027, 4, 10, 16), oslo(2027, 4, 12, 9)),
    ("sunday", oslo(2027, 4, 11, 12), oslo(2027, 4, 12, 9)),
    ("17_may_and_whit_monday", oslo(2027, 5, 17, 10), oslo(2027, 5, 18, 9)),
    ("saturday_before_whitsun", oslo(2027, 5, 15, 16), oslo(2027, 5, 18, 9)),
    ("17_may_on_a_wednesday", oslo(2028, 5, 17, 12), oslo(2028, 5, 18, 9)),
    ("christmas_eve_evening", oslo(2026, 12, 24, 20), oslo(2026, 12, 28, 9)),
    ("christmas_day_on_saturday", oslo(2027, 12, 25, 10), oslo(2027, 12, 27, 9)),
    ("new_years_day", oslo(2027, 1, 1, 10), oslo(2027, 1, 2, 9)),
    ("before_maundy_thursday", oslo(2027, 3, 24, 20), oslo(2027, 3, 27, 9)),
    ("easter_saturday_is_a_saturday", oslo(2027, 3, 27, 10), oslo(2027, 3, 27, 10)),
    ("easter_saturday_closing", oslo(2027, 3, 27, 16), oslo(2027, 3, 30, 9)),
    ("easter_monday", oslo(2027, 3, 29, 10), oslo(2027, 3, 30, 9)),
    ("ascension_day", oslo(2027, 5, 6, 10), oslo(2027, 5, 7, 9)),
    ("labour_day_on_saturday", oslo(2027, 5, 1, 10), oslo(2027, 5, 3, 9)),
]


@pytest.mark.parametrize(("moment", "expected"), [case[1:] for case in WINDOW_CASES], ids=[c[0] for c in WINDOW_CASES])
def test_next_allowed_is_the_moment_itself_or_the_next_opening(moment: datetime, expected: datetime) -> None:
    result = next_allowed(moment)
    assert result == expected
    assert result.tzinfo is UTC
    assert is_allowed(moment) is (result == moment)
    assert is_allowed(result)


def test_the_default_window_is_the_one_in_the_domain() -> None:
    assert DEFAULT_WINDOW == SendingWindow.from_settings(
        {"weekday": "09:00-20:00", "saturday": "09:00-16:00", "sunday": None, "public_holidays": False}
    )
    assert DEFAULT_WINDOW.hours_on(date(2027, 4, 7)) == (time(9), time(20))
    assert DEFAULT_WINDOW.hours_on(date(2027, 4, 11)) is None
    assert DEFAULT_WINDOW.hours_on(date(2027, 5, 17)) is None


def test_a_moment_in_another_time_zone_is_judged_by_oslo_time() -> None:
    new_york = ZoneInfo("America/New_York")
    assert is_allowed(datetime(2027, 4, 7, 3, 0, tzinfo=new_york))  # 09:00 in Oslo
    assert not is_allowed(datetime(2027, 4, 7, 2, 59, tzinfo=new_york))
    assert next_allowed(datetime(2027, 4, 7, 14, 0, tzinfo=new_york)) == oslo(2027, 4, 8, 9)  # 20:00 in Oslo


@pytest.mark.parametrize(
    "call",
    [
        lambda m: is_allowed(m),
        lambda m: next_allowed(m),
        lambda m: first_working_moment(m),
        lambda m: local_day(m),
    ],
    ids=["is_allowed", "next_allowed", "first_working_moment", "local_day"],
)
def test_naive_datetimes_are_refused(call: Callable[[datetime], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2027, 4, 7, 10))


def test_a_county_window_with_sundays_and_holidays_open() -> None:
    window = SendingWindow.from_settings({"sunday": "12:00–18:00", "public_holidays": True})
    assert window.saturday == (time(9), time(16))  # a missing key keeps the default
    assert is_allowed(oslo(2027, 4, 11, 12), window)  # an ordinary Sunday
    assert is_allowed(oslo(2027, 3, 28, 12), window)  # Easter Sunday, with holidays open
    assert is_allowed(oslo(2027, 5, 17, 10), window)  # 17 May follows its weekday's hours
    closed_holidays = SendingWindow.from_settings({"sunday": "12:00-18:00"})
    assert is_allowed(oslo(2027, 4, 11, 12), closed_holidays)  # Sundays are not holidays as such ...
    assert not is_allowed(oslo(2027, 3, 28, 12), closed_holidays)  # ... but Easter Sunday is


def test_a_county_without_saturdays() -> None:
    window = SendingWindow.from_settings({"saturday": None})
    assert next_allowed(oslo(2027, 4, 9, 20), window) == oslo(2027, 4, 12, 9)


@pytest.mark.parametrize(
    ("settings_", "key"),
    [
        ({"weekdays": "09:00-20:00"}, "'weekdays'"),
        ({"weekday": "9-20"}, "'weekday'"),
        ({"weekday": "20:00-09:00"}, "'weekday'"),
        ({"weekday": "09:00-09:00"}, "'weekday'"),
        ({"saturday": "25:00-26:00"}, "'saturday'"),
        ({"sunday": "09:60-10:00"}, "'sunday'"),
        ({"sunday": 9}, "'sunday'"),
        ({"weekday": None}, "'weekday'"),
        ({"public_holidays": "no"}, "'public_holidays'"),
        ({"tz": "Mars/Olympus_Mons"}, "Mars/Olympus_Mons"),
        ({"tz": 1}, "'tz'"),
    ],
)
def test_bad_window_settings_name_the_key(settings_: dict[str, object], key: str) -> None:
    with pytest.raises(ValueError, match=key):
        SendingWindow.from_settings(settings_)


def test_window_settings_must_be_a_mapping() -> None:
    with pytest.raises(ValueError, match="mapping"):
        SendingWindow.from_settings("09:00-20:00")  # type: ignore[arg-type]


def test_a_window_built_directly_is_checked_too() -> None:
    with pytest.raises(ValueError, match="'saturday'"):
        SendingWindow(saturday=(time(16), time(9)))


# --- DST ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected_utc"),
    [
        # 2027-03-28 is the spring switch and Easter Sunday; Easter Monday follows, so Tuesday 09:00 CEST.
        (oslo(2027, 3, 27, 18), utc(2027, 3, 30, 7)),
        # 2026-03-29: the spring switch on an ordinary Sunday: Monday 09:00 CEST.
        (oslo(2026, 3, 28, 18), utc(2026, 3, 30, 7)),
        # 2027-10-31: the autumn switch: Monday 09:00 CET.
        (oslo(2027, 10, 30, 18), utc(2027, 11, 1, 8)),
        # Saturday morning, the day before each switch: still the old offset.
        (oslo(2027, 3, 27, 8), utc(2027, 3, 27, 8)),
        (oslo(2027, 10, 30, 8), utc(2027, 10, 30, 7)),
    ],
)
def test_next_allowed_across_a_dst_switch_opens_at_nine_local(moment: datetime, expected_utc: datetime) -> None:
    result = next_allowed(moment)
    assert result == expected_utc and result.tzinfo is UTC
    assert result.astimezone(OSLO).time() == time(9)


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2027, 3, 27), 8),
        (date(2027, 3, 28), 7),  # the day of the spring switch
        (date(2027, 3, 29), 7),  # the day after
        (date(2027, 10, 30), 7),
        (date(2027, 10, 31), 8),  # the day of the autumn switch
        (date(2027, 11, 1), 8),
    ],
)
def test_nine_local_is_the_right_utc_hour_around_the_switches(day: date, utc_hour: int) -> None:
    assert local_moment(day, time(9)) == datetime.combine(day, time(utc_hour), tzinfo=UTC)


@pytest.mark.parametrize(
    ("planned", "expected_utc"),
    [
        (oslo(2026, 3, 27, 9), utc(2026, 3, 30, 7)),  # Friday 09:00 CET + 1 working day = Monday 09:00 CEST
        (oslo(2027, 10, 29, 9), utc(2027, 11, 1, 8)),  # Friday 09:00 CEST + 1 working day = Monday 09:00 CET
    ],
)
def test_a_step_at_nine_local_is_not_shifted_by_the_switch(planned: datetime, expected_utc: datetime) -> None:
    result = first_working_moment(planned, working_days=1)
    assert result == expected_utc
    assert result.astimezone(OSLO).time() == time(9)


@pytest.mark.parametrize(
    ("day", "at", "expected"),
    [
        # Spring: 02:00-02:59 do not exist; they mean the moment the clocks jump (03:00 CEST = 01:00 UTC).
        (date(2027, 3, 28), time(2, 0), utc(2027, 3, 28, 1)),
        (date(2027, 3, 28), time(2, 30), utc(2027, 3, 28, 1)),
        (date(2027, 3, 28), time(2, 59), utc(2027, 3, 28, 1)),
        (date(2027, 3, 28), time(3, 0), utc(2027, 3, 28, 1)),
        (date(2027, 3, 28), time(1, 59), utc(2027, 3, 28, 0, 59)),
        # Autumn: 02:00-02:59 happen twice; they mean the first time (still CEST).
        (date(2027, 10, 31), time(2, 30), utc(2027, 10, 31, 0, 30)),
        (date(2027, 10, 31), time(2, 30, fold=1), utc(2027, 10, 31, 0, 30)),  # fold is ignored: always the first
        (date(2027, 10, 31), time(3, 0), utc(2027, 10, 31, 2)),
    ],
)
def test_local_times_that_do_not_exist_or_exist_twice(day: date, at: time, expected: datetime) -> None:
    assert local_moment(day, at) == expected


def test_a_window_opening_inside_the_spring_gap_opens_when_the_clocks_jump() -> None:
    night_sundays = SendingWindow(sunday=(time(2, 30), time(3, 30)))
    assert next_allowed(oslo(2026, 3, 28, 20), night_sundays) == utc(2026, 3, 29, 1)  # 03:00 CEST
    assert not is_allowed(utc(2026, 3, 29, 0, 59), night_sundays)
    assert is_allowed(utc(2026, 3, 29, 1, 29), night_sundays)
    assert not is_allowed(utc(2026, 3, 29, 1, 30), night_sundays)  # 03:30 CEST


def test_a_window_wholly_inside_the_spring_gap_is_closed_that_day() -> None:
    gap_only = SendingWindow(sunday=(time(2, 10), time(2, 50)))
    assert next_allowed(oslo(2026, 3, 28, 20), gap_only) == oslo(2026, 3, 30, 9)
    assert next_allowed(oslo(2026, 4, 11, 20), gap_only) == oslo(2026, 4, 12, 2, 10)  # an ordinary Sunday


def test_a_window_opening_in_the_repeated_autumn_hour_opens_the_first_time() -> None:
    night_sundays = SendingWindow(sunday=(time(2, 30), time(5)))
    assert next_allowed(oslo(2026, 10, 24, 20), night_sundays) == utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    assert is_allowed(utc(2026, 10, 25, 1, 10), night_sundays)  # 02:10 CET, the second time round


@pytest.mark.parametrize(
    ("start", "end"),
    [(utc(2027, 10, 29), utc(2027, 11, 3)), (utc(2026, 3, 27), utc(2026, 4, 1)), (utc(2027, 3, 24), utc(2027, 4, 1))],
    ids=["autumn_2027", "spring_2026", "spring_and_easter_2027"],
)
def test_nothing_is_produced_twice_across_a_switch(start: datetime, end: datetime) -> None:
    moments = [start + timedelta(minutes=10 * n) for n in range(int((end - start) / timedelta(minutes=10)))]
    results = [next_allowed(moment) for moment in moments]
    assert results == sorted(results)  # a later input never gets an earlier answer
    openings = sorted({result for moment, result in zip(moments, results, strict=True) if result != moment})
    days = [local_day(opening) for opening in openings]
    assert len(days) == len(set(days))  # one opening per day, never two
    assert all(opening.astimezone(OSLO).time() == time(9) for opening in openings)


# --- first working moment -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "working_days", "expected"),
    [
        (oslo(2027, 4, 9, 19, 59), 0, oslo(2027, 4, 9, 19, 59)),  # Friday 19:59: still open
        (oslo(2027, 4, 9, 19, 59), 1, oslo(2027, 4, 12, 19, 59)),
        (oslo(2027, 4, 9, 20, 30), 0, oslo(2027, 4, 12, 9)),  # Friday 20:30: Saturday is not a working day
        (oslo(2027, 4, 9, 20, 30), 1, oslo(2027, 4, 13, 9)),
        (oslo(2027, 4, 10, 10), 0, oslo(2027, 4, 12, 9)),  # Saturday, though sending is allowed then
        (oslo(2027, 4, 10, 10), 1, oslo(2027, 4, 13, 9)),
        (oslo(2027, 4, 6, 14), 1, oslo(2027, 4, 7, 14)),  # Tuesday 14:00: Wednesday 14:00
        (oslo(2027, 5, 16, 21), 0, oslo(2027, 5, 18, 9)),  # 16 May (Whit Sunday) evening; 17 May is a holiday
        (oslo(2027, 5, 16, 21), 1, oslo(2027, 5, 19, 9)),
        (oslo(2028, 5, 16, 20, 30), 0, oslo(2028, 5, 18, 9)),  # 16 May on a Tuesday
        (oslo(2027, 3, 24, 20), 0, oslo(2027, 3, 30, 9)),  # before Easter: Thursday to Monday are closed
    ],
)
def test_first_working_moment(after: datetime, working_days: int, expected: datetime) -> None:
    result = first_working_moment(after, working_days=working_days)
    assert result == expected
    assert result.tzinfo is UTC


def test_first_working_moment_refuses_negative_working_days() -> None:
    with pytest.raises(ValueError, match="working_days"):
        first_working_moment(oslo(2027, 4, 6, 14), working_days=-1)


# --- properties ---------------------------------------------------------------------------------------------------

ZONES = [UTC, OSLO, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata"), timezone(timedelta(hours=14)),
         timezone(timedelta(hours=-12))]
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2035, 12, 31, 23, 59), timezones=st.sampled_from(ZONES)
)


@st.composite
def windows(draw: st.DrawFn) -> SendingWindow:
    def hours(optional: bool) -> tuple[time, time] | None:
        if optional and draw(st.booleans()):
            return None
        opening = draw(st.integers(0, 24 * 60 - 2))
        closing = draw(st.integers(opening + 1, 24 * 60 - 1))
        return time(*divmod(opening, 60)), time(*divmod(closing, 60))

    weekday = hours(False)
    assert weekday is not None
    return SendingWindow(weekday, hours(True), hours(True), draw(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(moments)
def test_next_allowed_is_allowed_never_earlier_and_within_four_days(moment: datetime) -> None:
    result = next_allowed(moment)
    assert result.tzinfo is UTC
    assert is_allowed(result)
    assert moment <= result <= moment + timedelta(days=4)
    assert next_allowed(result) == result
    assert is_allowed(moment) is (result == moment)


@settings(max_examples=300, deadline=None)
@given(moments, windows())
def test_next_allowed_holds_for_any_county_window(moment: datetime, window: SendingWindow) -> None:
    result = next_allowed(moment, window)
    assert is_allowed(result, window)
    assert moment <= result <= moment + timedelta(days=7)
    assert next_allowed(result, window) == result


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(0, 3))
def test_first_working_moment_is_an_allowed_moment_on_a_working_day(moment: datetime, working_days: int) -> None:
    base = first_working_moment(moment)
    result = first_working_moment(moment, working_days=working_days)
    assert is_allowed(result) and is_working_day(local_day(result))
    assert moment <= base <= moment + timedelta(days=6)
    assert base <= result
    if working_days:
        assert local_day(result) == add_working_days(local_day(base), working_days)


# --- deadlines ----------------------------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    return path


DEFAULT_SECTION = """\
default:
  special_deadline: "02-01"
  ordinary_deadline: "03-01"
  remind_before_days: 7
  still_apply_after_days: 14
"""


def test_campaign_dates_2027_default() -> None:
    assert campaign_dates("Vestland", 2027) == CampaignDates(
        year=2027,
        special_deadline=date(2027, 2, 1),
        ordinary_deadline=date(2027, 3, 1),
        remind_special=date(2027, 1, 25),
        remind_ordinary=date(2027, 2, 22),
        still_apply=date(2027, 3, 15),
    )


def test_reminders_on_a_weekend_move_earlier_and_still_apply_moves_later() -> None:
    # 2026: 1 February and 1 March are Sundays, so are the days a week before and 15 March.
    dates = campaign_dates("Vestland", 2026)
    assert (dates.remind_special, dates.remind_ordinary) == (date(2026, 1, 23), date(2026, 2, 20))  # Fridays
    assert dates.still_apply == date(2026, 3, 16)  # Monday


def test_an_overridden_county(tmp_path: Path) -> None:
    calendar = load_calendar(write(tmp_path, DEFAULT_SECTION + """\
counties:
  Oslo:
    default: {remind_before_days: 10}
    2027: {ordinary_deadline: "03-02"}
  Vestland:
    2028: {special_deadline: "02-29"}
"""))
    oslo_2027 = campaign_dates("Oslo", 2027, calendar)
    assert oslo_2027.ordinary_deadline == date(2027, 3, 2)
    assert oslo_2027.remind_ordinary == date(2027, 2, 19)  # 10 days before: Friday
    assert oslo_2027.special_deadline == date(2027, 2, 1)
    assert oslo_2027.remind_special == date(2027, 1, 22)  # the county's default applies to its year entries
    assert campaign_dates("oslo ", 2028, calendar).remind_special == date(2028, 1, 21)  # county default, any year
    assert campaign_dates("Vestland", 2028, calendar).special_deadline == date(2028, 2, 29)
    assert campaign_dates("Vestland", 2027, calendar).special_deadline == date(2027, 2, 1)
    assert campaign_dates("Agder", 2027, calendar) == campaign_dates("Agder", 2027)  # no entry: the default


def test_a_one_day_reminder_before_a_monday_deadline_goes_out_on_friday(tmp_path: Path) -> None:
    calendar = load_calendar(write(tmp_path, DEFAULT_SECTION.replace("remind_before_days: 7", "remind_before_days: 1")))
    dates = campaign_dates("Agder", 2027, calendar)  # 1 February and 1 March 2027 are Mondays
    assert (dates.remind_special, dates.remind_ordinary) == (date(2027, 1, 29), date(2027, 2, 26))


@pytest.mark.parametrize("year", range(2025, 2036))
@pytest.mark.parametrize("remind", [1, 2, 7])
def test_reminders_are_working_days_strictly_before_their_deadline(tmp_path: Path, year: int, remind: int) -> None:
    calendar = load_calendar(write(tmp_path, DEFAULT_SECTION.replace("remind_before_days: 7",
                                                                      f"remind_before_days: {remind}")))
    dates = campaign_dates("Innlandet", year, calendar)
    for reminder, deadline in ((dates.remind_special, dates.special_deadline),
                               (dates.remind_ordinary, dates.ordinary_deadline)):
        assert is_working_day(reminder)
        assert reminder <= deadline - timedelta(days=remind)  # at least the notice asked for
        assert deadline - reminder < timedelta(days=remind + 7)  # and not much more
        sent = next_allowed(local_moment(reminder, time(0)))
        assert local_day(sent) == reminder < deadline  # it can go out on its own day
    assert is_working_day(dates.still_apply) and dates.still_apply > dates.ordinary_deadline


def test_the_packaged_calendar_loads_once_and_names_only_real_counties() -> None:
    calendar = load_calendar()
    assert calendar is load_calendar()
    assert calendar.source == "flows/calendar.yaml"
    for county in calendar.counties:
        assert (canonical_county(county) or "").casefold() == county


ERROR_CASES = [
    # (name, text, line, fragment)
    ("unknown_key", DEFAULT_SECTION + "  remind_days: 7\n", 6, "unknown key 'remind_days'"),
    ("unknown_top_key", DEFAULT_SECTION + "years: {}\n", 6, "unknown key 'years'"),
    ("bad_date", DEFAULT_SECTION.replace('"02-01"', '"02-30"'), 2, "02-30 is not a date"),
    ("february_29_every_year", DEFAULT_SECTION.replace('"02-01"', '"02-29"'), 2, "does not exist every year"),
    ("unquoted_full_date", DEFAULT_SECTION.replace('"02-01"', "2027-02-01"), 2, '"MM-DD"'),
    ("non_integer_year", DEFAULT_SECTION + "counties:\n  Oslo:\n    2027a: {remind_before_days: 5}\n", 8,
     "expected a year"),
    ("fractional_year", DEFAULT_SECTION + "counties:\n  Oslo:\n    2027.5: {remind_before_days: 5}\n", 8,
     "expected a year"),
    ("bad_date_in_a_year", DEFAULT_SECTION + "counties:\n  Oslo:\n    2027:\n      special_deadline: \"02-29\"\n",
     9, "02-29 is not a date in 2027"),
    ("unknown_key_in_a_county", DEFAULT_SECTION + "counties:\n  Oslo:\n    2027: {remind: 5}\n", 8,
     "unknown key 'remind'"),
    ("zero_days", DEFAULT_SECTION.replace("remind_before_days: 7", "remind_before_days: 0"), 4, "whole number"),
    ("days_as_text", DEFAULT_SECTION.replace("remind_before_days: 7", 'remind_before_days: "7"'), 4, "whole number"),
    ("days_as_boolean", DEFAULT_SECTION.replace("still_apply_after_days: 14", "still_apply_after_days: yes"), 5,
     "whole number"),
    ("missing_key", DEFAULT_SECTION.replace("  still_apply_after_days: 14\n", ""), 2, "missing still_apply_after_days"),
    ("deadlines_in_the_wrong_order", DEFAULT_SECTION.replace('"02-01"', '"03-05"'), 2, "must come before"),
    ("duplicate_key", DEFAULT_SECTION + "  remind_before_days: 8\n", 6, "appears twice"),
    ("duplicate_year", DEFAULT_SECTION + "counties:\n  Oslo:\n    2027: {}\n    '2027': {}\n", 9, "appears twice"),
    ("not_yaml", DEFAULT_SECTION + "counties: [\n", 7, "not valid YAML"),
    ("empty", "", 1, "empty calendar file"),
    ("no_default", "counties: {}\n", 1, "missing the 'default' section"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), [case[1:] for case in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_calendar_errors_name_file_and_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CalendarError) as caught:
        load_calendar(path)
    assert str(caught.value).startswith(f"{path}, line {line}: ")
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_missing_calendar_file_is_a_calendar_error(tmp_path: Path) -> None:
    with pytest.raises(CalendarError, match="cannot read"):
        load_calendar(tmp_path / "nowhere.yaml")
