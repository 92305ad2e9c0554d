"""Identity and wrong numbers: a number that belongs to someone else now, someone else on the youth's phone,
a company, a parent with no such child, nobody of that name; and the near-misses (the youth's own new phone,
a relative named in passing, "yes, right person")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import assert_escalated, assert_wrong_number, case, decide_for, reading_of


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        case("dette nummeret tilhører meg nå"),
        case("han bruker ikke dette nummeret lenger"),
        case("fikk dette nummeret for to måneder siden"),
        case("she doesn't use this number anymore"),
        case("this number belongs to me now"),
        case("hei, jeg er ikke Jonas"),
    ],
)
def test_a_number_that_belongs_to_someone_else_is_read_as_a_wrong_number(text: str, ctx: dict[str, Any]) -> None:
    assert "wrong_number" in reading_of(text, **ctx).intents, text


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        case("jeg er ikke interessert"),
        case("bruker ikke mobilen så mye"),
        # the youth talking about relatives or their own phone
        case("bor hos kjæresten min her i byen"),
        case("jobber her sammen med broren min"),
        case("har mista mobilen, derfor svarte jeg ikke"),
        case("kjøpte ny mobil, derfor svarte jeg ikke"),
        case("har hatt samme nummer hele livet, ja det er meg"),
    ],
)
def test_near_misses_are_not_read_as_a_wrong_number(text: str, ctx: dict[str, Any]) -> None:
    assert "wrong_number" not in reading_of(text, **ctx).intents, text


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        case("lillebroren hennes her, ho er på trening", age=17),
        case("hei, kjæresten hans her. han går på skolen nå", age=17),
        case("venninna til Sara her, hun har knust telefonen sin", age=17),
        case("her bf here, she works at a café now", age=17),
        case("dette er tanta hans, han har fått ny mobil", age=17),
        case("skriver for kameraten min, han bur i Bergen no", age=17),
        case("Hvem er Mathias? Dette er ikke ham", age=17),
        case("jeg er den nye eieren av nummeret", age=17),
    ],
)
def test_someone_else_on_the_youths_phone_is_never_contact(text: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_wrong_number(decision)
    assert decision.status_code is None, decision.explanation
    assert_escalated(decision)


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        case("har hatt dette nummeret i to år, kjenner ingen med det navnet"),
        case("nummeret tilhører ikke Jonas lenger"),
        case("kjøpte nytt abonnement og fikk dette nummeret"),
        case("i bought this number last month, whoever you are looking for doesnt have it anymore"),
    ],
)
def test_a_number_that_changed_hands_is_a_wrong_number_and_escalated(text: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_wrong_number(decision)
    assert_escalated(decision)


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        # a company's number, a parent without such a child
        case("Dette nummeret tilhører Elektroimport AS. Vennligst kontakt rett person.", age=17),
        case("this number belongs to a company, please contact the right person", age=17),
        case("Vi har ingen barn på 19 år her i huset", sender="guardian", age=17),
        case("we have no kids that age", sender="guardian", age=17),
        # nobody of that name here
        case("her bor det ingen som heter Jonas", county="Trøndelag"),
        case("ingen her som heter Sara", county="Trøndelag"),
        case("no Emma living here, wrong number", county="Trøndelag"),
        case("nobody called Ali here", county="Trøndelag"),
    ],
)
def test_a_company_a_parent_without_such_a_child_or_nobody_of_that_name_is_a_wrong_number(
    text: str, ctx: dict[str, Any]
) -> None:
    _, decision = decide_for(text, **ctx)
    assert_wrong_number(decision)


@pytest.mark.parametrize(("text", "ctx"), [case("her bor jeg og Jonas, vi jobber begge på Rema", county="Trøndelag")])
def test_somebody_of_that_name_who_lives_here_is_no_wrong_number(text: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert not decision.wrong_number, decision.explanation


@pytest.mark.parametrize(("text", "ctx"), [case("ja, rett person", age=19, county="Vestland")])
def test_yes_right_person_confirms_identity(text: str, ctx: dict[str, Any]) -> None:
    assert reading_of(text, **ctx).has("confirm_identity")
