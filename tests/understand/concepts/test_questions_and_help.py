"""Questions and requests for help: how to apply, rights, a job, wanting to talk or to phone are contact and
escalated; a question about who we are or how we got the number is escalated without contact."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import (
    assert_contact,
    assert_escalated,
    assert_no_contact,
    case,
    decide_for,
    reading_of,
)


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        case("hvordan søker jeg læreplass?"),
        case("korleis søkjer eg på vidaregåande"),
        case("how do I get an apprenticeship"),
        case("how do i get an apprenticeship"),
        case("how can i get help finding a job"),
        case("har jeg fortsatt rett til skole når jeg er 22?"),
        case("er det for seint å søke no?"),
        case("kem kan hjelp mæ med søknaden?"),
    ],
)
def test_a_question_asking_for_help_is_a_help_request(text: str, ctx: dict[str, Any]) -> None:
    assert "help_request" in reading_of(text, **ctx).intents, text


@pytest.mark.parametrize(("text", "ctx"), [case("hvordan får dere tak i nummeret mitt?")])
def test_how_you_got_my_number_is_no_help_request(text: str, ctx: dict[str, Any]) -> None:
    assert "help_request" not in reading_of(text, **ctx).intents


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        # asking to talk by phone
        case("kan eg berre ringe dykk i staden?", "OTOV", age=17),
        case("får jeg ringe deg i morgen?", "OTOV", age=17),
        case("vil heller snakke på telefon", "OTOV", age=17),
        case("orker ikke skrive om det på sms", "OTOV", age=17),
        # wanting to talk
        case("kunne trengt en prat med noen snart", "OTOV"),
        case("trenger noen å prate med", "OTOV"),
        case("i need someone to talk to", "OTOV"),
        case("ønsker en samtale med en veileder", "OTOV"),
        # asking about rights
        case("har jeg krav på læreplass?", "OTOV"),
        case("jeg har vel rett til videregående enda? vil tilbake", "OTOV"),
        case("am i still entitled to upper secondary?", "OTOV"),
        # asking us for a job
        case("har dere noen jobber?", "OTOV"),
        case("finnes det noe jobb for meg?", "OTOV"),
        case("trenger jobb bro, kan dere fikse noe?", "OTOV", county="Trøndelag"),
    ],
)
def test_wanting_to_talk_or_asking_about_rights_or_a_job_is_contact_and_escalated(
    text: str, code: str, ctx: dict[str, Any]
) -> None:
    _, decision = decide_for(text, **ctx)
    assert_contact(decision, code)
    assert_escalated(decision)


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        case("Hvordan får jeg lærlingplass? Har ikke fått noe", county="Trøndelag"),
        case("korleis får eg plass på vgs igjen?", county="Trøndelag"),
        case("how do i get into school again", county="Trøndelag"),
    ],
)
def test_how_to_get_a_place_is_contact_and_escalated(text: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_contact(decision)
    assert_escalated(decision)


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        case("who r u and why do u have my number", county="Trøndelag"),
        case("who r u", county="Trøndelag"),
        case("y r u texting me", county="Trøndelag"),
        case("how did u get my number n who gave it to u", county="Trøndelag"),
    ],
)
def test_a_text_speak_question_about_us_is_english_no_contact_and_escalated(text: str, ctx: dict[str, Any]) -> None:
    reading, decision = decide_for(text, **ctx)
    assert reading.language == "en", text
    assert_no_contact(decision)
    assert_escalated(decision)
