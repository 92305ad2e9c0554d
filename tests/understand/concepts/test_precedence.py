"""Precedence: replies with several findings, and which one decides.

A stated activity wins over a stop word, a refusal or a thank-you; a NAV measure wins over the benefit it
comes with; paid work wins over volunteering.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import assert_contact, case, code_of, decide_for, reading_of


@pytest.mark.parametrize(("text", "ctx"), [case("stopp, jeg jobber på Kiwi nå og vil ikke ha mer hjelp")])
def test_a_stop_word_beside_an_activity_still_reads_the_situation(text: str, ctx: dict[str, Any]) -> None:
    assert reading_of(text, **ctx).situation


@pytest.mark.parametrize(
    ("text", "code", "ctx"), [case("kjører for Wolt og klarer meg, vil ikke ha oppfølging", "OTAR", county="Trøndelag")]
)
def test_work_beats_declining_the_service(text: str, code: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert decision.status_code == code, decision.explanation


@pytest.mark.parametrize(("text", "ctx"), [case("takk for det, jobber på Kiwi nå")])
def test_thanks_with_a_situation_is_not_a_bare_acknowledgement(text: str, ctx: dict[str, Any]) -> None:
    assert "ack" not in reading_of(text, **ctx).intents


@pytest.mark.parametrize(("text", "code", "ctx"), [case("takk for at dere tenker på meg, jeg jobber på Kiwi nå", "OTAR")])
def test_a_thank_you_that_states_an_activity_is_contact_with_its_code(text: str, code: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_contact(decision, code)


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("går på AAP og er i arbeidstrening hos NAV", "OTAP", county="Vestland"),  # the measure, not the benefit
        case("jobber frivillig i Røde Kors og deltid på Kiwi", "OTAR", county="Vestland"),  # paid work, not volunteering
    ],
)
def test_the_stronger_of_two_activities_gives_the_code(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text
