"""Age on the day and the target group's bounds."""

from __future__ import annotations

from datetime import date

import pytest

from bot.age import age_on, is_minor_on, target_group_end, target_group_problem


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2008, 11, 22), date(2026, 11, 21), 17),
        (date(2008, 11, 22), date(2026, 11, 22), 18),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
    ],
)
def test_age_counts_completed_years_on_the_day(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age


def test_youth_is_minor_until_the_18th_birthday_and_not_on_it() -> None:
    birth = date(2008, 12, 1)
    assert is_minor_on(birth, date(2026, 11, 30))
    assert not is_minor_on(birth, date(2026, 12, 1))


def test_target_group_ends_31_december_of_the_year_they_turn_24() -> None:
    assert target_group_end(date(2002, 3, 14)) == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("birth", "ok"),
    [
        (date(2002, 1, 1), True),  # turns 24 this year: last year in the group
        (date(2001, 12, 31), False),  # turned 24 last year
        (date(2011, 11, 22), True),  # 15 today
        (date(2011, 11, 23), False),  # 15 tomorrow
        (date(2030, 1, 1), False),  # in the future
    ],
)
def test_target_group_bounds_on_a_given_day(birth: date, ok: bool) -> None:
    problem = target_group_problem(birth, date(2026, 11, 22))
    assert (problem is None) is ok
