"""Idle and plans (OTOV): at home, looking for work, or with a job or firm still ahead; seeking words beside
a real activity keep the activity."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import case, code_of


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("har fått jobb på lager, begynner om to uker", "OTOV"),
        case("fikk jobb på Kiwi. første vakt er på mandag", "OTOV"),
        case("begynner i ny jobb fra nyttår", "OTOV", county="Telemark"),
        case("skal starte eget firma neste år", "OTOV", county="Trøndelag"),
    ],
)
def test_a_job_or_firm_still_ahead_is_not_yet_work(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("gikk på vgs i fjor, nå sitter jeg bare hjemme", "OTOV", county="Telemark"),
        case("trenger jobb asap", "OTOV"),
        case("ser etter jobb nå", "OTOV"),
        case("leiter etter arbeid", "OTOV"),
        case("I'm looking for a job", "OTOV"),
        case("need a job tbh", "OTOV"),
    ],
)
def test_sitting_at_home_or_looking_for_a_job_is_idle(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("jobber på rema, men trenger mer penger", "OTAR"),  # needing money, not a job
        case("jobber på kiwi og ser etter en bedre jobb", "OTAR"),  # has a job, wants another
        case("ser etter ungen min hjemme", "OTBA"),  # "se etter" = look after
    ],
)
def test_seeking_words_beside_a_real_activity_keep_the_activity(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text
