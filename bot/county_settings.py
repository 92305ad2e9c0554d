"""The county settings an admin edits in the inbox: what is stored, a submitted form checked, the merge.

Pure: no clock, no database, no I/O. `bot/web/settings_page.py` reads `County.settings`, hands the form here
and writes what `merge` returns. Every setting but `channel_order` is one the service reads; each says where:

- `status_changes` (bot.inbound.county_policy): per code group a change leads to, "applied" (the bot makes
  the change) or "proposed" (an adviser confirms). Written with the groups' names ("follow_up", ...); a
  stored entry naming a group another way ("2", "FOLLOW_UP") is replaced, so that no two entries disagree.
  The group is that of the new code, and bot.policy applies a change only for a youth whose code is OTUK
  (every other change is proposed, whatever the setting). Group 1 (unknown activity) is not offered:
  county_policy ignores it.
- `sending_window` (flows.calendar.SendingWindow.from_settings; read by the engine, the dispatcher and the
  inbox): weekday, Saturday and Sunday hours as "HH:MM-HH:MM" (None closes Saturday or Sunday; weekdays
  cannot close), and `public_holidays`. A stored `tz` is kept as it is.
- `no_reply_after_days` (flows.model.Step.delta_for, the first-contact flow's phone-call step): days after
  the opening message before the adviser is asked to phone. Absent: the flow's own delay.
- `channel_order`: the county's order of channels, a list of storage.enums.Channel values. **Not read yet**:
  the planner tries a step's `channels` in the flow's order (flows/planner.py, `_address`).

Keys of `County.settings` the page does not edit are kept as they are; a key the page edits is written only
when its value changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.codes import CodeGroup
from bot.inbound import _group, county_policy
from flows.calendar import CalendarError, SendingWindow, load_calendar, with_county_rules
from storage.enums import ChangeState, Channel

# The groups a change can lead to, in Udir's order.
GROUPS: tuple[CodeGroup, ...] = (CodeGroup.FOLLOW_UP, CodeGroup.IN_ACTIVITY, CodeGroup.CLARIFIED,
                                 CodeGroup.NOT_IN_TARGET_GROUP)
APPLIED = ChangeState.APPLIED.value
PROPOSED = ChangeState.PROPOSED.value
CHOICES = (APPLIED, PROPOSED)
CHOICE_WORDS = {APPLIED: "Boten gjør endringen", PROPOSED: "Rådgiver bekrefter"}

DAYS = ("weekday", "saturday", "sunday")
DAY_WORDS = {"weekday": "Hverdager", "saturday": "Lørdag", "sunday": "Søndag"}
CHANNELS: tuple[Channel, ...] = tuple(Channel)
NO_REPLY_MIN, NO_REPLY_MAX = 1, 60

STATUS_CHANGES = "status_changes"
SENDING_WINDOW = "sending_window"
NO_REPLY = "no_reply_after_days"
CHANNEL_ORDER = "channel_order"
CALENDAR = "calendar"
# The county's own deadline rules (flows.calendar.DeadlineRules), laid over flows/calendar.yaml by the engine.
DEADLINE_DATES = ("special_deadline", "ordinary_deadline")
DEADLINE_DAYS = ("remind_before_days", "still_apply_after_days")
DEADLINE_WORDS = {"special_deadline": "Særskilt søknadsfrist", "ordinary_deadline": "Ordinær søknadsfrist",
                  "remind_before_days": "Dager før fristen påminnelsen sendes",
                  "still_apply_after_days": "Dager etter ordinær frist «du kan fortsatt søke» sendes"}
DEADLINE_DAYS_MAX = 60
_DAY_MONTH = re.compile(r"\s*(\d{1,2})\.(\d{1,2})\.?\s*\Z")

SHOWN_INPUT = 40  # characters of a bad value repeated in an error line
DETAIL_MAX = 400
_TIME = re.compile(r"\s*(\d{1,2}):(\d{2})\s*\Z")

Hours = tuple[str, str]  # ("09:00", "20:00"): [opening, closing), local time


@dataclass(frozen=True, slots=True)
class Window:
    """The sending window as the page edits it: hours per day ("HH:MM"), None closes the day."""

    weekday: Hours
    saturday: Hours | None
    sunday: Hours | None
    public_holidays: bool

    def hours(self, day: str) -> Hours | None:
        value: Hours | None = getattr(self, day)
        return value


@dataclass(frozen=True, slots=True)
class Editable:
    """Every value the page edits, as the service reads it now (or as a valid form asks for)."""

    status_changes: Mapping[CodeGroup, str]  # APPLIED or PROPOSED for each of GROUPS
    window: Window
    no_reply_after_days: int | None  # None: the flow's own delay
    channel_order: tuple[Channel, ...]  # (): the flows' own order
    # The county's own deadline rules as stored ("MM-DD" dates, whole days); a key not here: the calendar file.
    deadlines: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Stored:
    """What `County.settings` holds, read as the service reads it. `unreadable`: keys whose stored value the
    service cannot use (the page shows the default instead, and saving replaces the value)."""

    values: Editable
    unreadable: frozenset[str]
    tz: str


@dataclass(frozen=True, slots=True)
class Change:
    key: str  # "status_changes.in_activity", "sending_window.saturday", "channel_order", ...
    old: str
    new: str


def field_name(group: CodeGroup) -> str:
    return f"group_{group.slug}"


def group_words(group: CodeGroup) -> str:
    return f"Gruppe {group.value} ({group.label})"


def _hhmm(value: Any) -> str:
    return f"{value.hour:02}:{value.minute:02}"


def _window_of(window: SendingWindow) -> Window:
    def hours(pair: Any) -> Hours | None:
        return None if pair is None else (_hhmm(pair[0]), _hhmm(pair[1]))

    weekday = hours(window.weekday)
    assert weekday is not None
    return Window(weekday, hours(window.saturday), hours(window.sunday), window.public_holidays)


def read(settings: Mapping[str, Any] | None) -> Stored:
    """The stored settings as the service reads them; a value the service cannot use shows as its default."""
    settings = settings or {}
    unreadable: set[str] = set()
    policy = county_policy(settings)
    groups = {group: APPLIED if group in policy.apply_groups else PROPOSED for group in GROUPS}

    raw_window = settings.get(SENDING_WINDOW, {})
    try:
        window = SendingWindow.from_settings(raw_window)
    except (ValueError, TypeError, AttributeError):
        unreadable.add(SENDING_WINDOW)
        window = SendingWindow()

    no_reply: int | None = None
    if NO_REPLY in settings:
        raw = settings[NO_REPLY]
        # flows.model.Step.delta_for takes any int; one outside what the page allows is shown as unreadable.
        if isinstance(raw, int) and not isinstance(raw, bool) and NO_REPLY_MIN <= raw <= NO_REPLY_MAX:
            no_reply = raw
        else:
            unreadable.add(NO_REPLY)

    order: tuple[Channel, ...] = ()
    if CHANNEL_ORDER in settings:
        raw_order = settings[CHANNEL_ORDER]
        known = {c.value for c in CHANNELS}
        if (isinstance(raw_order, list) and all(isinstance(c, str) and c in known for c in raw_order)
                and len(set(raw_order)) == len(raw_order)):
            order = tuple(Channel(c) for c in raw_order)
        else:
            unreadable.add(CHANNEL_ORDER)
    deadlines: dict[str, str | int] = {}
    raw_calendar = settings.get(CALENDAR)
    if raw_calendar is not None:
        try:
            if not isinstance(raw_calendar, Mapping):
                raise CalendarError("not a mapping")
            with_county_rules(load_calendar(), "county", raw_calendar, "settings")
            deadlines = {k: raw_calendar[k] for k in (*DEADLINE_DATES, *DEADLINE_DAYS) if k in raw_calendar}
        except CalendarError:
            unreadable.add(CALENDAR)
    return Stored(Editable(groups, _window_of(window), no_reply, order, deadlines), frozenset(unreadable),
                  window.tz)


# --- the form -----------------------------------------------------------------------------------------------


def form_values(values: Editable) -> dict[str, str]:
    """The form's fields for `values`: what the page shows (names as in `parse`)."""
    fields: dict[str, str] = {field_name(g): values.status_changes[g] for g in GROUPS}
    for day in DAYS:
        hours = values.window.hours(day)
        shown = hours or (("09:00", "16:00") if day != "weekday" else ("09:00", "20:00"))
        fields[f"{day}_start"], fields[f"{day}_end"] = shown
        if day != "weekday":
            fields[f"{day}_open"] = "on" if hours is not None else ""
    fields["public_holidays"] = "on" if values.window.public_holidays else ""
    fields[NO_REPLY] = "" if values.no_reply_after_days is None else str(values.no_reply_after_days)
    for position in range(1, len(CHANNELS) + 1):
        order = values.channel_order
        fields[f"channel_{position}"] = order[position - 1].value if position <= len(order) else ""
    for key in DEADLINE_DATES:
        value = values.deadlines.get(key)
        fields[key] = f"{int(str(value)[3:5])}.{int(str(value)[:2])}." if isinstance(value, str) else ""
    for key in DEADLINE_DAYS:
        value = values.deadlines.get(key)
        fields[key] = "" if value is None else str(value)
    return fields


def _shown(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= SHOWN_INPUT else value[:SHOWN_INPUT - 1] + "…"


def _time(value: str) -> str | None:
    match = _TIME.match(value)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    return f"{hour:02}:{minute:02}" if hour < 24 and minute < 60 else None


def _hours(form: Mapping[str, str], day: str, errors: dict[str, str]) -> Hours | None:
    """The day's hours; None when Saturday or Sunday is closed (or a field was bad: the error says so)."""
    if day != "weekday" and not form.get(f"{day}_open"):
        return None  # closed: the times are not used
    words = DAY_WORDS[day]
    parsed: list[str] = []
    for part, part_words in (("start", "fra"), ("end", "til")):
        name = f"{day}_{part}"
        raw = form.get(name, "").strip()
        if not raw:
            errors[name] = f"{words} {part_words}: fyll inn et klokkeslett (TT:MM)."
            continue
        value = _time(raw)
        if value is None:
            errors[name] = (f"{words} {part_words}: «{_shown(raw)}» er ikke et klokkeslett "
                            "(TT:MM, fra 00:00 til 23:59).")
            continue
        parsed.append(value)
    if len(parsed) != 2:
        return None
    if parsed[0] >= parsed[1]:
        errors[f"{day}_end"] = (f"{words} til: sendingen må slutte etter at den starter "
                                f"(fra {parsed[0]}, til {parsed[1]}).")
        return None
    return parsed[0], parsed[1]


def parse(form: Mapping[str, str]) -> tuple[Editable | None, dict[str, str]]:
    """A submitted form -> the values it asks for, or None and one Bokmål line per bad field (by field name).

    Checkboxes count as ticked when present with any value; empty channel positions are skipped.
    """
    errors: dict[str, str] = {}
    groups: dict[CodeGroup, str] = {}
    for group in GROUPS:
        name = field_name(group)
        raw = form.get(name, "").strip()
        if raw in CHOICES:
            groups[group] = raw
        elif not raw:
            errors[name] = (f"{group_words(group)}: velg «{CHOICE_WORDS[APPLIED]}» eller "
                            f"«{CHOICE_WORDS[PROPOSED]}».")
        else:
            errors[name] = (f"{group_words(group)}: «{_shown(raw)}» er ikke et gyldig valg; velg "
                            f"«{CHOICE_WORDS[APPLIED]}» eller «{CHOICE_WORDS[PROPOSED]}».")

    hours = {day: _hours(form, day, errors) for day in DAYS}

    no_reply: int | None = None
    raw_days = form.get(NO_REPLY, "").strip()
    if raw_days:
        if raw_days.isascii() and raw_days.isdigit() and NO_REPLY_MIN <= int(raw_days) <= NO_REPLY_MAX:
            no_reply = int(raw_days)
        else:
            errors[NO_REPLY] = (f"Dager uten svar før telefon: «{_shown(raw_days)}» er ikke et helt antall "
                                f"dager fra {NO_REPLY_MIN} til {NO_REPLY_MAX}.")

    order: list[Channel] = []
    known = {c.value: c for c in CHANNELS}
    first_at: dict[Channel, int] = {}
    for position in range(1, len(CHANNELS) + 1):
        name = f"channel_{position}"
        raw = form.get(name, "").strip()
        if not raw:
            continue
        channel = known.get(raw)
        if channel is None:
            errors[name] = (f"Kanal nr. {position}: «{_shown(raw)}» er ikke en kanal "
                            f"(gyldige: {', '.join(c.value for c in CHANNELS)}).")
        elif channel in first_at:
            errors[name] = f"Kanal nr. {position}: «{raw}» er allerede valgt som nr. {first_at[channel]}."
        else:
            first_at[channel] = position
            order.append(channel)

    deadlines: dict[str, str | int] = {}
    for key in DEADLINE_DATES:
        raw = form.get(key, "").strip()
        if not raw:
            continue
        match = _DAY_MONTH.match(raw)
        try:
            day = date(2001, int(match[2]), int(match[1])) if match else None
        except ValueError:
            day = None
        if day is None:
            errors[key] = f"{DEADLINE_WORDS[key]}: «{_shown(raw)}» er ikke en dato som dd.mm (f.eks. 1.3.)."
        else:
            deadlines[key] = f"{day.month:02}-{day.day:02}"
    for key in DEADLINE_DAYS:
        raw = form.get(key, "").strip()
        if not raw:
            continue
        if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= DEADLINE_DAYS_MAX:
            deadlines[key] = int(raw)
        else:
            errors[key] = f"{DEADLINE_WORDS[key]}: «{_shown(raw)}» er ikke et helt antall dager fra 1 til " \
                          f"{DEADLINE_DAYS_MAX}."
    if not errors and deadlines:
        try:
            with_county_rules(load_calendar(), "county", deadlines, "the form")
        except CalendarError:
            errors["special_deadline"] = "Den særskilte søknadsfristen må komme før den ordinære."
    if errors:
        return None, errors
    weekday = hours["weekday"]
    assert weekday is not None
    window = Window(weekday, hours["saturday"], hours["sunday"], bool(form.get("public_holidays")))
    return Editable(groups, window, no_reply, tuple(order), deadlines), {}


# --- what changed, and the settings to store ----------------------------------------------------------------


def _hours_text(hours: Hours | None) -> str:
    return "closed" if hours is None else f"{hours[0]}-{hours[1]}"


def changes(stored: Stored, new: Editable) -> list[Change]:
    """Each edited value that differs from what the service reads now; a value stored unreadable counts as
    changed (saving replaces it)."""
    old = stored.values
    found: list[Change] = []
    for group in GROUPS:
        if old.status_changes[group] != new.status_changes[group]:
            found.append(Change(f"{STATUS_CHANGES}.{group.slug}", old.status_changes[group],
                                new.status_changes[group]))
    if SENDING_WINDOW in stored.unreadable:
        found.append(Change(SENDING_WINDOW, "unreadable", _window_text(new.window)))
    else:
        for day in DAYS:
            if old.window.hours(day) != new.window.hours(day):
                found.append(Change(f"{SENDING_WINDOW}.{day}", _hours_text(old.window.hours(day)),
                                    _hours_text(new.window.hours(day))))
        if old.window.public_holidays != new.window.public_holidays:
            found.append(Change(f"{SENDING_WINDOW}.public_holidays", str(old.window.public_holidays).lower(),
                                str(new.window.public_holidays).lower()))
    if NO_REPLY in stored.unreadable or old.no_reply_after_days != new.no_reply_after_days:
        before = "unreadable" if NO_REPLY in stored.unreadable else _days_text(old.no_reply_after_days)
        found.append(Change(NO_REPLY, before, _days_text(new.no_reply_after_days)))
    if CHANNEL_ORDER in stored.unreadable or old.channel_order != new.channel_order:
        before = "unreadable" if CHANNEL_ORDER in stored.unreadable else _order_text(old.channel_order)
        found.append(Change(CHANNEL_ORDER, before, _order_text(new.channel_order)))
    for key in (*DEADLINE_DATES, *DEADLINE_DAYS):
        before_value = "unreadable" if CALENDAR in stored.unreadable else str(old.deadlines.get(key, "file"))
        after_value = str(new.deadlines.get(key, "file"))
        if before_value != after_value:
            found.append(Change(f"{CALENDAR}.{key}", before_value, after_value))
    return found


def _window_text(window: Window) -> str:
    days = ", ".join(f"{day} {_hours_text(window.hours(day))}" for day in DAYS)
    return f"{days}, public_holidays {str(window.public_holidays).lower()}"


def _days_text(days: int | None) -> str:
    return "flow default" if days is None else str(days)


def _order_text(order: tuple[Channel, ...]) -> str:
    return ",".join(c.value for c in order) if order else "flow order"


def merge(settings: Mapping[str, Any] | None, stored: Stored, new: Editable) -> dict[str, Any]:
    """A new `County.settings`: `settings` with every changed value of `new` written, everything else as is.

    Raises ValueError if the sending window written could not be read by the service (a bug, not bad input:
    `parse` checked every field).
    """
    result = dict(settings or {})
    keys = {change.key.split(".")[0] for change in changes(stored, new)}
    if STATUS_CHANGES in keys:
        raw = result.get(STATUS_CHANGES)
        # An entry naming an edited group another way ("2", "FOLLOW_UP") goes: bot.inbound reads every entry
        # (with its own _group), and two entries for one group would disagree. Others are kept.
        kept = {k: v for k, v in raw.items() if _group(k) not in GROUPS} if isinstance(raw, Mapping) else {}
        result[STATUS_CHANGES] = {**kept, **{group.slug: new.status_changes[group] for group in GROUPS}}
    if SENDING_WINDOW in keys:
        raw = result.get(SENDING_WINDOW)
        window: dict[str, Any] = {}
        if SENDING_WINDOW not in stored.unreadable and isinstance(raw, Mapping) and "tz" in raw:
            window["tz"] = raw["tz"]
        for day in DAYS:
            hours = new.window.hours(day)
            window[day] = None if hours is None else f"{hours[0]}-{hours[1]}"
        window["public_holidays"] = new.window.public_holidays
        SendingWindow.from_settings(window)
        result[SENDING_WINDOW] = window
    if NO_REPLY in keys:
        if new.no_reply_after_days is None:
            result.pop(NO_REPLY, None)
        else:
            result[NO_REPLY] = new.no_reply_after_days
    if CHANNEL_ORDER in keys:
        if new.channel_order:
            result[CHANNEL_ORDER] = [c.value for c in new.channel_order]
        else:
            result.pop(CHANNEL_ORDER, None)
    if CALENDAR in keys:
        if new.deadlines:
            result[CALENDAR] = dict(new.deadlines)
        else:
            result.pop(CALENDAR, None)
    return result


def detail(found: list[Change]) -> str:
    """The access log's words for the changes: "key: old -> new; ...", at most DETAIL_MAX characters (the
    changes that do not fit are counted at the end)."""
    parts = [f"{c.key}: {c.old} -> {c.new}" for c in found]
    text = ""
    for index, part in enumerate(parts):
        candidate = f"{text}; {part}" if text else part
        rest = len(parts) - index - 1
        tail = f"; +{rest} more" if rest else ""
        if len(candidate) + len(tail) > DETAIL_MAX:
            more = f"+{len(parts) - index} more"
            return f"{text}; {more}" if text else more
        text = candidate
    return text
