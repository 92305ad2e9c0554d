"""The demo roster is valid on any day: every row passes the project's own roster checker, deterministically."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.roster_csv import normalise_mobile, read_roster
from bot.age import age_on, is_minor_on, target_group_end
from bot.demo_roster import COUNT, demo_roster
from bot.roster import check_roster

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "roster.csv"
EDGE_DAYS = [date(2026, 12, 31), date(2027, 1, 1), date(2028, 2, 29), date(2028, 3, 1), date(2027, 2, 28),
             date(2032, 2, 29), date(2039, 12, 31), date(2040, 1, 1), date(2026, 9, 1), date(2026, 8, 31)]


def check(day: date) -> None:
    data = demo_roster(day)
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    roster = read_roster(data)
    checked = check_roster(roster, day=day, default_county=None)
    assert checked.problems == [], [str(p) for p in checked.problems]
    assert checked.warnings == []
    entries = checked.entries
    assert len(entries) == COUNT
    assert len({e.county for e in entries}) == 7
    assert {e.registration_code for e in entries} == {"OSON", "OSVE", "OSNP", "OSUT", "OESL"}
    assert {e.status_code for e in entries} == {"OTUK"}
    assert all(e.registered_on is not None and e.registered_on <= day for e in entries)
    for entry in entries:
        assert day <= target_group_end(entry.birth_date) and age_on(entry.birth_date, day) >= 15
        assert bool(entry.guardians) == is_minor_on(entry.birth_date, day)
    soon_18 = [e for e in entries if is_minor_on(e.birth_date, day)
               and not is_minor_on(e.birth_date, day + timedelta(days=92))]
    last_year = [e for e in entries if target_group_end(e.birth_date).year == day.year]
    assert len(soon_18) >= 3 and len(last_year) >= 3
    numbers = [e.mobile for e in entries if e.mobile] + [g.mobile for e in entries for g in e.guardians if g.mobile]
    assert numbers and all(re.fullmatch(r"\+474000[0-9]{4}", n) and int(n[-4:]) < 1000 for n in numbers)
    # Every number written anywhere in the file, in any of its spellings, is in the fictional block.
    text = data.decode("utf-8-sig")
    for cell in re.findall(r"(?<=;)(?:\+47 |0047)?[0-9][0-9 ]{7,10}(?=;)", text):
        assert normalise_mobile(cell).startswith("+474000")


@settings(max_examples=40, deadline=None)
@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2040, 12, 31)))
def test_every_row_is_valid_on_any_day(day: date) -> None:
    check(day)


@pytest.mark.parametrize("day", EDGE_DAYS, ids=str)
def test_every_row_is_valid_on_edge_days(day: date) -> None:
    check(day)


@pytest.mark.parametrize("day", [date(2026, 11, 22), date(2028, 2, 29), date(2033, 6, 15)], ids=str)
def test_same_day_same_bytes(day: date) -> None:
    assert demo_roster(day) == demo_roster(day)


def test_different_days_differ() -> None:
    assert demo_roster(date(2027, 1, 1)) != demo_roster(date(2031, 1, 1))


def test_the_committed_example_is_the_roster_for_its_day() -> None:
    assert EXAMPLE.read_bytes() == demo_roster(date(2026, 11, 22))
