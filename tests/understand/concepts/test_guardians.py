"""Guardians: a parent writing, or announcing themselves on the youth's phone, is read by the guardian rule
(escalated; contact only where the rule allows it); "mum here" inside the youth's own sentence is the youth.
(Guardians reporting danger to the youth are in test_urgency.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import assert_contact, assert_escalated, assert_no_contact, case, decide_for


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        case("faren hennes her, ho ligg på sjukehuset", age=16),
        case("his mum here, he is in hospital after an accident", age=16),
    ],
)
def test_a_parent_on_the_youths_phone_is_read_as_a_guardian(text: str, ctx: dict[str, Any]) -> None:
    reading, decision = decide_for(text, **ctx)
    assert reading.speaker == "guardian", text
    assert not decision.wrong_number, decision.explanation
    assert_escalated(decision)


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        case("pappa her. han jobber på lager", county="Trøndelag"),
        case("hei, far her! Ola er på skolen", county="Trøndelag"),
        case("dad here, he is at work", county="Trøndelag"),
        case("mamma her, ho går på vgs no", county="Trøndelag"),
        case("mum here, she has a job at a shop", county="Trøndelag"),
    ],
)
def test_a_parent_announcing_themselves_follows_the_guardian_rule(text: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_no_contact(decision)
    assert_escalated(decision)
    assert decision.status_code is None or not decision.applied, decision.explanation


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        case("jeg bor hos pappa her i byen, jobber på rema", county="Trøndelag"),  # "here" in town, the youth writes
        case("mamma her er syk, så jeg er hjemme med henne", county="Trøndelag"),  # "mum here" is the subject
    ],
)
def test_a_parent_word_followed_by_here_inside_a_sentence_is_the_youth(text: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_contact(decision)


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [case("Datteren min ligger på Rikshospitalet og kan ikke svare nå", "OTSY", sender="guardian", age=16)],
)
def test_a_guardian_telling_of_a_minor_in_hospital_by_its_name_is_contact_with_otsy(
    text: str, code: str, ctx: dict[str, Any]
) -> None:
    reading, decision = decide_for(text, **ctx)
    assert reading.blocking
    assert_contact(decision, code)


@pytest.mark.parametrize(("text", "ctx"), [case("hun er forkjølet hele uka", sender="guardian", age=16, county="Trøndelag")])
def test_a_guardian_telling_of_a_passing_illness_is_no_contact(text: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_no_contact(decision)
