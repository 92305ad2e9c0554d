"""Age on a given day and the OT target group's bounds: pure date arithmetic, no clock."""

from __future__ import annotations

from datetime import date

# The target group ends on 31 December of the year the youth turns this age (since 2024/25).
LAST_AGE = 24
# The youngest a roster may hold: the year a youth leaves lower secondary is usually the year they turn 16.
YOUNGEST_AGE = 15
ADULT_AGE = 18


def age_on(birth_date: date, day: date) -> int:
    """Completed years on `day` (a youth born 29 February turns a year older on 1 March in common years)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def is_minor_on(birth_date: date, day: date) -> bool:
    """Under 18 on that day: the guardian rule applies."""
    return age_on(birth_date, day) < ADULT_AGE


def target_group_end(birth_date: date) -> date:
    """The last day in the target group: 31 December of the year the youth turns 24."""
    return date(birth_date.year + LAST_AGE, 12, 31)


def target_group_problem(birth_date: date, day: date) -> str | None:
    """Why a birth date is outside the target group on `day`, or None when it is inside."""
    if birth_date > day:
        return "birth date is in the future"
    if age_on(birth_date, day) < YOUNGEST_AGE:
        return f"younger than {YOUNGEST_AGE} on {day.isoformat()}"
    if day > target_group_end(birth_date):
        return f"past the target group: turned {LAST_AGE} in {birth_date.year + LAST_AGE}"
    return None
