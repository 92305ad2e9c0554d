"""Measures: NAV's (OTAP) and the county's (OTOA); a municipal offer, a course that is no measure, or a
measure only promised is not one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import assert_contact, case, code_of, decide_for


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("er på arbeidsavklaring via NAV", "OTAP", county="Telemark"),
        case("er med på arbeidstreningsopplegget til fylket", "OTOA", county="Telemark"),
        case("går på jobbsøkerkurs på karrieresenteret", "OTOA", county="Vestland"),
        # not a measure: a municipal offer, a course long done
        case("er på et dagtilbud i kommunen, ikke gjennom nav", "OTOV"),
        case("er på ungdomsklubben til kommunen et par dager i uka", "OTOV", county="Vestland"),
        case("tok førstehjelpskurs i fjor, jobber på Kiwi nå", "OTAR", county="Vestland"),
    ],
)
def test_a_measure_by_nav_or_the_county_gives_its_code(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("nav lovet meg arbeidstrening men ingenting har skjedd", "OTOV"),
        case("fikk beskjed om tiltak fra nav, men har ikke hørt noe siden", "OTOV"),
    ],
)
def test_a_measure_promised_but_not_started_is_contact_but_no_measure(text: str, code: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_contact(decision, code)
