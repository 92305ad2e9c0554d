"""School: an upper secondary school by its name or short name, still attended or quit."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import assert_contact, case, code_of, decide_for


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("jeg går på Nydalen", "OTEV", county="Telemark"),
        case("begynte på vgs i fjor og går der fortsatt", "OTEV", county="Østfold"),
        case("går på Tangen vgs", "OTEV", county="Vestland"),
        # short names and private schools
        case("går på KVN i Bodø", "OTVF", county="Trøndelag"),
        case("vg2 på KVT", "OTVF", county="Trøndelag"),
        case("Sandnes kristne vgs, vg1", "OTVF", county="Trøndelag"),
    ],
)
def test_a_school_by_its_name_is_school(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(("text", "code", "ctx"), [case("gikk på Tangen vgs men slutta i vg1", "OTOV")])
def test_a_school_attended_and_quit_is_contact_but_not_school(text: str, code: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_contact(decision, code)
