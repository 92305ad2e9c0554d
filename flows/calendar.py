"""Calendar rules for outreach: when automated messages may go out, which days are working days, and each county's deadline dates per year.

API (every function is pure: the clock is always an argument, nothing here calls ``datetime.now()``)

Sending window (docs/domain.md, "Messages: content and tone")
    ``SendingWindow``, ``DEFAULT_WINDOW``, ``SendingWindow.from_settings(settings)``, ``window.hours_on(day)``
    ``is_allowed(moment, window=DEFAULT_WINDOW) -> bool``
    ``next_allowed(moment, window=DEFAULT_WINDOW) -> datetime``
    ``first_working_moment(after, window=DEFAULT_WINDOW, *, working_days=0) -> datetime``
Days
    ``local_day(moment, tz="Europe/Oslo") -> date``
    ``local_moment(day, at, tz="Europe/Oslo") -> datetime``
    ``is_public_holiday(day) -> bool``, ``is_working_day(day) -> bool``, ``add_working_days(day, days) -> date``
Deadlines (docs/domain.md, "The year"; the data is flows/calendar.yaml)
    ``load_calendar(path=None) -> CalendarData`` (raises ``CalendarError``, a ValueError naming file and line)
    ``campaign_dates(county, year, calendar=None) -> CampaignDates``

Rules, decided once here:

- Moments in must be timezone-aware (a naive datetime is a ValueError); moments out are aware and in UTC.
  Windows are reasoned about in local time (``SendingWindow.tz``, Europe/Oslo by default).
- A day's window is half-open, [opening, closing): "09:00–20:00" allows 19:59:59 and not 20:00. The default is
  weekdays [09:00, 20:00), Saturday [09:00, 16:00), no Sundays, no public holidays.
- ``public_holidays=True`` means a holiday follows the window of its weekday (a holiday Monday gets the weekday
  hours, Easter Sunday the Sunday hours); ``False`` closes every public holiday.
- Public holidays are the named Norwegian ones from the ``holidays`` package (New Year's Day, Maundy Thursday,
  Good Friday, Easter Sunday and Monday, 1 May, Ascension Day, Whit Sunday and Monday, 17 May, 25 and 26
  December). The package can also count every Sunday as a holiday (``include_sundays``); we ask it not to, so
  that a county that opens Sundays keeps its ordinary Sundays. Easter Saturday, Christmas Eve and New Year's Eve
  are not public holidays and behave as the weekday they fall on.
- A working day is Monday to Friday and not a public holiday, whatever the sending window says.
- DST: a local wall-clock time is turned into an instant by ``local_moment``. A time that does not exist (02:30 on
  the spring switch) means the first instant after the gap (03:00 local, when the clocks jump); a time that
  exists twice (02:30 on the autumn switch) means its first occurrence. Windows are built from these instants, so
  09:00 local is 07:00 UTC in summer time and 08:00 UTC in winter time, also on the days of the switch and the
  day after; a default window (09:00–20:00, 09:00–16:00) never touches the switch hours anyway.
- Deadline reminders are working days strictly before their deadline: ``remind_before_days`` before the
  deadline, moved EARLIER to the previous working day when that day is a weekend or holiday, so the reminder
  always gives at least that much notice and can go out at the window's opening on its own day. The "you can
  still apply" day is ``still_apply_after_days`` after the ordinary deadline, moved LATER to the next working
  day, so it is always after the deadline and on a day an adviser is at work to answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode

OSLO = "Europe/Oslo"

# Every search below ends long before this: a window must open on weekdays, and Norway never has more than five
# days in a row without a working day (Maundy Thursday to Easter Monday).
_SEARCH_DAYS = 31


# --- days -------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    # include_sundays=False: every Sunday is not a public holiday for our purposes (see the module docstring).
    return frozenset(holidays.Norway(years=year, include_sundays=False).keys())


def is_public_holiday(day: date) -> bool:
    """True on a Norwegian public holiday (helligdag or 1 and 17 May), ordinary Sundays excluded."""
    return day in _public_holidays(day.year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and not is_public_holiday(day)


def add_working_days(day: date, days: int) -> date:
    """The ``days``-th working day after ``day`` (before it when negative); ``day`` itself when ``days`` is 0.

    ``day`` need not be a working day: one working day after a Saturday is the Monday (if it is one).
    """
    step = timedelta(days=1 if days >= 0 else -1)
    remaining = abs(days)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def _working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _working_day_on_or_after(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {tz!r}") from error


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a moment must be timezone-aware, got the naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def local_day(moment: datetime, tz: str = OSLO) -> date:
    """The calendar date of ``moment`` in ``tz`` (a message at 23:30 UTC in winter belongs to the next Oslo day)."""
    return _utc(moment).astimezone(_zone(tz)).date()


def local_moment(day: date, at: time, tz: str = OSLO) -> datetime:
    """The UTC instant at which the clocks in ``tz`` show ``at`` on ``day``.

    A wall-clock time skipped by the spring switch means the first instant after the gap (the moment the clocks
    jump); a time shown twice in autumn means its first occurrence. ``at``'s own tzinfo and fold are ignored.
    """
    zone = _zone(tz)
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset() or first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return first.astimezone(UTC)  # an ordinary time, or the first of two
    # In a gap, fold=1 reads the time with the offset after the switch (an instant before the switch) and fold=0
    # with the offset before it (an instant after): the switch lies between, found to the second.
    before, after = int(second.astimezone(UTC).timestamp()), int(first.astimezone(UTC).timestamp())
    offset_after = first.astimezone(UTC).astimezone(zone).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


# --- the sending window -----------------------------------------------------------------------------------------

Hours = tuple[time, time]
_HOURS = re.compile(r"\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*\Z")
_SETTINGS_KEYS = ("weekday", "saturday", "sunday", "public_holidays", "tz")


def _check_hours(key: str, hours: object) -> None:
    if not (
        isinstance(hours, tuple)
        and len(hours) == 2
        and all(isinstance(part, time) and part.tzinfo is None for part in hours)
        and hours[0] < hours[1]
    ):
        raise ValueError(f"sending window {key!r}: expected (opening, closing) local times, opening first, got {hours!r}")


def _parse_hours(key: str, value: object) -> Hours | None:
    if value is None:
        return None
    match = _HOURS.match(value) if isinstance(value, str) else None
    if match:
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60 and (h1, m1) < (h2, m2):
            return time(h1, m1), time(h2, m2)
    raise ValueError(
        f"sending window {key!r}: expected 'HH:MM-HH:MM' with the opening before the closing, or none, got {value!r}"
    )


@dataclass(frozen=True, slots=True)
class SendingWindow:
    """When automated messages may go out, local time (domain.md: weekdays 09:00–20:00, Saturday 09:00–16:00, no
    Sundays, no public holidays). Each day's hours are [opening, closing); None closes that day."""

    weekday: Hours = (time(9), time(20))
    saturday: Hours | None = (time(9), time(16))
    sunday: Hours | None = None
    public_holidays: bool = False  # False: no sending on public holidays
    tz: str = OSLO

    def __post_init__(self) -> None:
        _check_hours("weekday", self.weekday)
        for key in ("saturday", "sunday"):
            if getattr(self, key) is not None:
                _check_hours(key, getattr(self, key))
        if not isinstance(self.public_holidays, bool):
            raise ValueError(f"sending window 'public_holidays': expected true or false, got {self.public_holidays!r}")
        if not isinstance(self.tz, str):
            raise ValueError(f"sending window 'tz': expected a time zone name, got {self.tz!r}")
        _zone(self.tz)

    @classmethod
    def from_settings(cls, data: Mapping[str, Any]) -> SendingWindow:
        """A window from a county's settings, e.g. ``{"weekday": "09:00-20:00", "saturday": "09:00-16:00",
        "sunday": None, "public_holidays": False}``. A missing key keeps the default; None closes that day
        (weekdays cannot be closed: working-day rules need them). Bad input is a ValueError naming the key."""
        if not isinstance(data, Mapping):
            raise ValueError(f"sending window: expected a mapping of {', '.join(_SETTINGS_KEYS)}, got {data!r}")
        for key in data:
            if key not in _SETTINGS_KEYS:
                raise ValueError(f"sending window: unknown key {key!r} (known: {', '.join(_SETTINGS_KEYS)})")
        values: dict[str, Any] = {}
        if "weekday" in data:
            if data["weekday"] is None:
                raise ValueError("sending window 'weekday': weekdays cannot be closed")
            values["weekday"] = _parse_hours("weekday", data["weekday"])
        for key in ("saturday", "sunday"):
            if key in data:
                values[key] = _parse_hours(key, data[key])
        if "public_holidays" in data:
            values["public_holidays"] = data["public_holidays"]
        if "tz" in data:
            values["tz"] = data["tz"]
        return cls(**values)

    def hours_on(self, day: date) -> Hours | None:
        """That local day's [opening, closing) hours, or None if nothing may go out that day."""
        if not self.public_holidays and is_public_holiday(day):
            return None
        weekday = day.weekday()
        return self.weekday if weekday < 5 else self.saturday if weekday == 5 else self.sunday


DEFAULT_WINDOW = SendingWindow()


def _open_interval(day: date, window: SendingWindow) -> tuple[datetime, datetime] | None:
    hours = window.hours_on(day)
    if hours is None:
        return None
    opening, closing = local_moment(day, hours[0], window.tz), local_moment(day, hours[1], window.tz)
    return (opening, closing) if opening < closing else None  # both inside one DST gap: closed


def _first_open(moment: datetime, window: SendingWindow, *, working_only: bool) -> datetime:
    instant = _utc(moment)
    day = instant.astimezone(_zone(window.tz)).date()
    for _ in range(_SEARCH_DAYS):
        interval = None if working_only and not is_working_day(day) else _open_interval(day, window)
        if interval is not None and instant < interval[1]:
            return max(instant, interval[0])
        day += timedelta(days=1)
    raise ValueError(f"no allowed moment within {_SEARCH_DAYS} days after {moment.isoformat()}")  # pragma: no cover


def is_allowed(moment: datetime, window: SendingWindow = DEFAULT_WINDOW) -> bool:
    """True if an automated message may go out at ``moment``."""
    instant = _utc(moment)
    interval = _open_interval(local_day(instant, window.tz), window)
    return interval is not None and interval[0] <= instant < interval[1]


def next_allowed(moment: datetime, window: SendingWindow = DEFAULT_WINDOW) -> datetime:
    """``moment`` (in UTC) if it is inside the window, else the window's next opening after it (in UTC)."""
    return _first_open(moment, window, working_only=False)


def first_working_moment(after: datetime, window: SendingWindow = DEFAULT_WINDOW, *, working_days: int = 0) -> datetime:
    """The first allowed moment on a working day at or after ``after`` (in UTC); with ``working_days`` = n, that
    moment moved n working days later at the same local time (then to the window again, if need be).

    "The first message goes out within one working day of registration": it is due from
    ``first_working_moment(registered)`` and late after ``first_working_moment(registered, working_days=1)``;
    registered Tuesday 14:00 gives Tuesday 14:00 and Wednesday 14:00, Friday 20:30 gives Monday 09:00 and
    Tuesday 09:00.
    """
    if working_days < 0:
        raise ValueError(f"working_days must be 0 or more, got {working_days}")
    start = _first_open(after, window, working_only=True)
    if not working_days:
        return start
    local = start.astimezone(_zone(window.tz))
    later = local_moment(add_working_days(local.date(), working_days), local.time(), window.tz)
    return _first_open(later, window, working_only=True)


# --- deadlines per county and year ------------------------------------------------------------------------------


class CalendarError(ValueError):
    """A calendar file that cannot be used; the message names the file, the line and what is wrong."""


@dataclass(frozen=True, slots=True)
class DeadlineRules:
    """One set of deadline settings, after defaults and overrides are merged: dates as (month, day)."""

    special_deadline: tuple[int, int]
    ordinary_deadline: tuple[int, int]
    remind_before_days: int
    still_apply_after_days: int


@dataclass(frozen=True, slots=True)
class CalendarData:
    """A loaded calendar file: the default rules, and per county (case-insensitive name) rules for all years
    (key None) and for given years."""

    source: str
    default: DeadlineRules
    counties: Mapping[str, Mapping[int | None, DeadlineRules]]

    def rules(self, county: str, year: int) -> DeadlineRules:
        """The rules for ``county`` in ``year``: its year entry, else its all-years entry, else the default."""
        entries = self.counties.get(county.strip().casefold(), {})
        return entries.get(year) or entries.get(None) or self.default


@dataclass(frozen=True, slots=True)
class CampaignDates:
    """A county's deadline campaign in one year (the calendar year the deadlines fall in). Reminders are working
    days strictly before their deadline; ``still_apply`` is a working day after the ordinary deadline."""

    year: int
    special_deadline: date
    ordinary_deadline: date
    remind_special: date
    remind_ordinary: date
    still_apply: date


def campaign_dates(county: str, year: int, calendar: CalendarData | None = None) -> CampaignDates:
    """The deadline dates for ``county`` in ``year`` from ``calendar`` (the packaged flows/calendar.yaml by default).

    A county without an entry gets the default dates. See the module docstring for how reminder and
    "still apply" days move off weekends and holidays.
    """
    rules = (calendar if calendar is not None else load_calendar()).rules(county, year)
    special = date(year, *rules.special_deadline)
    ordinary = date(year, *rules.ordinary_deadline)
    before = timedelta(days=rules.remind_before_days)
    return CampaignDates(
        year=year,
        special_deadline=special,
        ordinary_deadline=ordinary,
        remind_special=_working_day_on_or_before(special - before),
        remind_ordinary=_working_day_on_or_before(ordinary - before),
        still_apply=_working_day_on_or_after(ordinary + timedelta(days=rules.still_apply_after_days)),
    )


def with_county_rules(calendar: CalendarData, county: str, override: Mapping[str, Any], source: str) -> CalendarData:
    """``calendar`` with ``override`` (keys of DeadlineRules; dates as "MM-DD") laid over every entry of
    ``county`` (its all-years entry, else the default, and each of its year entries): a county's own settings
    (County.settings["calendar"]) win over the calendar file. Raises CalendarError naming ``source`` and the key."""
    try:
        node = yaml.compose(yaml.safe_dump(dict(override)))
    except yaml.YAMLError as error:
        raise CalendarError(f"{source}: unreadable: {error}") from None
    if node is None:
        return calendar
    reader = _Reader(source)
    key = county.strip().casefold()
    entries: dict[int | None, DeadlineRules] = dict(calendar.counties.get(key, {}))
    entries.setdefault(None, calendar.default)
    merged = {year: reader.rules(node, f"county {county}", rules, year) for year, rules in entries.items()}
    return CalendarData(source=f"{calendar.source} + {source}", default=calendar.default,
                        counties={**calendar.counties, key: merged})


_PACKAGED = "flows/calendar.yaml"
_TOP_KEYS = ("default", "counties")
_RULE_KEYS = tuple(DeadlineRules.__dataclass_fields__)
_DATE_KEYS = ("special_deadline", "ordinary_deadline")
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})\Z")
_MAX_DAYS = 60  # a guard against typos (70 for 7), not a rule of the service
_LEAP_YEAR = 2000


def load_calendar(path: Path | None = None) -> CalendarData:
    """The calendar file at ``path``, or the packaged flows/calendar.yaml (read once per process), validated.

    Raises CalendarError naming the file, the line and what is wrong.
    """
    if path is None:
        return _packaged_calendar()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CalendarError(f"{path}: cannot read the calendar file: {error}") from error
    return _parse_calendar(text, str(path))


@lru_cache(maxsize=1)
def _packaged_calendar() -> CalendarData:
    return _parse_calendar(resources.files("flows").joinpath("calendar.yaml").read_text(encoding="utf-8"), _PACKAGED)


class _Reader:
    """Walks the composed YAML nodes, so that every complaint can name its line."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._constructor = SafeConstructor()

    def fail(self, node: Node, message: str) -> NoReturn:
        raise CalendarError(f"{self.source}, line {node.start_mark.line + 1}: {message}")

    def scalar(self, node: Node) -> Any:
        if not isinstance(node, ScalarNode):
            self.fail(node, "expected a single value, not a list or mapping")
        try:
            return self._constructor.construct_object(node)
        except ConstructorError as error:
            self.fail(node, f"unreadable value: {error.problem}")

    def mapping(self, node: Node, what: str) -> list[tuple[Node, Node]]:
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, MappingNode):
            self.fail(node, f"{what} must be a mapping")
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.scalar(key_node)
            if key in seen:
                self.fail(key_node, f"{what}: {key!r} appears twice")
            seen.add(key)
        return list(node.value)

    def rules(self, node: Node, what: str, base: DeadlineRules | None, year: int | None) -> DeadlineRules:
        """``base`` with the fields in ``node``; every field is required when there is no base."""
        fields: dict[str, Any] = {}
        for key_node, value_node in self.mapping(node, what):
            key = self.scalar(key_node)
            if key not in _RULE_KEYS:
                self.fail(key_node, f"{what}: unknown key {key!r} (known: {', '.join(_RULE_KEYS)})")
            value = self.scalar(value_node)
            fields[key] = self.month_day(value_node, key, value, year) if key in _DATE_KEYS else self.days(
                value_node, key, value
            )
        if base is None:
            missing = [key for key in _RULE_KEYS if key not in fields]
            if missing:
                self.fail(node, f"{what}: missing {', '.join(missing)}")
            merged = DeadlineRules(**fields)
        else:
            merged = DeadlineRules(**{key: fields.get(key, getattr(base, key)) for key in _RULE_KEYS})
        if merged.special_deadline >= merged.ordinary_deadline:
            self.fail(node, f"{what}: special_deadline must come before ordinary_deadline")
        if year is not None:
            for key in _DATE_KEYS:
                month, day = getattr(merged, key)
                self.check_date(node, what, key, year, month, day)
        return merged

    def month_day(self, node: Node, key: str, value: object, year: int | None) -> tuple[int, int]:
        match = _MONTH_DAY.match(value) if isinstance(value, str) else None
        if not match:
            self.fail(node, f"{key}: expected a date as \"MM-DD\" (quoted), got {value!r}")
        month, day = int(match[1]), int(match[2])
        self.check_date(node, key, key, year, month, day)
        return month, day

    def check_date(self, node: Node, what: str, key: str, year: int | None, month: int, day: int) -> None:
        try:
            date(_LEAP_YEAR if year is None else year, month, day)
        except ValueError:
            self.fail(node, f"{what}: {key} {month:02}-{day:02} is not a date" + (f" in {year}" if year else ""))
        if year is None and (month, day) == (2, 29):
            self.fail(node, f"{what}: {key} 02-29 does not exist every year; give it for a leap year only")

    def days(self, node: Node, key: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_DAYS:
            self.fail(node, f"{key}: expected a whole number of days from 1 to {_MAX_DAYS}, got {value!r}")
        return value

    def year(self, node: Node, county: str) -> int | None:
        key = self.scalar(node)
        if key == "default":
            return None
        if isinstance(key, str) and key.isdigit():
            key = int(key)
        if isinstance(key, bool) or not isinstance(key, int) or not 2000 <= key <= 2100:
            self.fail(node, f"county {county!r}: expected a year (an integer such as 2027) or 'default', got {key!r}")
        return key


def _parse_calendar(text: str, source: str) -> CalendarData:
    reader = _Reader(source)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise CalendarError(f"{source}{line}: not valid YAML: {error.problem}") from error
    if root is None:
        raise CalendarError(f"{source}, line 1: empty calendar file (needs {' and '.join(_TOP_KEYS)})")
    sections: dict[str, Node] = {}
    for key_node, value_node in reader.mapping(root, "the calendar file"):
        key = reader.scalar(key_node)
        if key not in _TOP_KEYS:
            reader.fail(key_node, f"unknown key {key!r} (known: {', '.join(_TOP_KEYS)})")
        sections[key] = value_node
    if "default" not in sections:
        reader.fail(root, "missing the 'default' section")
    default = reader.rules(sections["default"], "default", None, None)

    counties: dict[str, Mapping[int | None, DeadlineRules]] = {}
    county_nodes = reader.mapping(sections["counties"], "counties") if "counties" in sections else []
    for name_node, entries_node in county_nodes:
        name = reader.scalar(name_node)
        if not isinstance(name, str) or not name.strip():
            reader.fail(name_node, f"counties: expected a county name, got {name!r}")
        if name.strip().casefold() in counties:
            reader.fail(name_node, f"counties: {name!r} appears twice")
        by_year: dict[int | None, Node] = {}
        for year_node, value_node in reader.mapping(entries_node, f"county {name!r}"):
            year = reader.year(year_node, name)
            if year in by_year:
                reader.fail(year_node, f"county {name!r}: {year or 'default'} appears twice")
            by_year[year] = value_node
        county_default = default
        if None in by_year:
            county_default = reader.rules(by_year[None], f"county {name!r} default", default, None)
        rules: dict[int | None, DeadlineRules] = {None: county_default}
        for year, value_node in by_year.items():
            if year is not None:
                rules[year] = reader.rules(value_node, f"county {name!r} {year}", county_default, year)
        counties[name.strip().casefold()] = rules
    return CalendarData(source=source, default=default, counties=counties)
