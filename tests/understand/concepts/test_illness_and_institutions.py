"""Illness and institutions (OTSY): illness, a diagnosis, a stay in a hospital, treatment place, youth
institution or prison, named or not; working or training at one, living near one, a stay that has ended
and a passing illness are not."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import assert_contact, case, code_of, decide_for


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("bor på en ungdomsinstitusjon nå", "OTSY"),
        case("er på ein rusinstitusjon i Bergen", "OTSY"),
        case("går på DPS og klarer verken skole eller jobb", "OTSY"),
        case("er på et behandlingskollektiv for rus", "OTSY", county="Østfold"),
        case("jeg har long covid og er sengeliggende det meste av tiden", "OTSY", county="Telemark"),
        case("har hatt ME i to år", "OTSY", county="Telemark"),
        case("er altfor syk til å gå på skolen nå", "OTSY", county="Telemark"),
        case("er innlagt på Ullevål og orker ikke tenke på jobb", "OTSY", county="Telemark"),
        # a hospital, a psychiatric unit, a treatment place or a prison by its name
        case("ligger på Haukeland etter ein sykkelulykke", "OTSY", county="Vestland"),
        case("er innlagt på Gaustad nå", "OTSY", county="Vestland"),
        case("sitter inne på Bredtveit til jul", "OTSY", county="Vestland"),
        case("soner på Bastøy ut året", "OTSY", county="Vestland"),
        case("er på Tyrili og blir der en stund", "OTSY", county="Vestland"),
        case("ligger på Ahus, får ikke ha mobilen", "OTSY", county="Vestland"),
    ],
)
def test_illness_or_a_stay_in_an_institution_is_otsy(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("jobber på sykehuset som renholder", "OTAR"),
        case("jobber som portør på Ullevål", "OTAR", county="Vestland"),
        case("eg er lærling som ambulansearbeidar ved Førde sentralsjukehus", "OTLL", county="Vestland"),
        case("bor på Ila og jobber på Rema", "OTAR", county="Vestland"),  # Ila the neighbourhood, not the prison
        case("vart skriven ut frå Sandviken sjukehus i går", "OTOV", county="Vestland"),  # discharged: the stay is over
    ],
)
def test_working_there_living_nearby_or_discharged_is_no_stay(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("har angst og er mest hjemme", "OTSY"),  # a diagnosis on its own is illness
        case("er på aap pga angst, ikke i noe tiltak", "OTSY"),  # AAP beside "no measure"
        case("slapp ut av fengsel i august, bor hos mor nå", "OTOV"),
        case("ble skrevet ut fra psykiatrisk i forrige uke", "OTOV"),
        # a passing illness told by the youth: contact, but no illness code
        case("har vore forkjøla heile veka, så det har ikkje skjedd stort", "OTOV", county="Trøndelag"),
        case("ligger i senga med influensa, svarer mer senere", "OTOV", county="Trøndelag"),
        case("been sick with a cold all week so not much going on", "OTOV", county="Trøndelag"),
    ],
)
def test_illness_or_a_stay_told_by_the_youth_is_contact_with_its_code(text: str, code: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_contact(decision, code)
