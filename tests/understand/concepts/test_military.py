"""Military service (OTMI): serving now, by unit or role; service still ahead or already ended is not OTMI."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import assert_contact, case, code_of, decide_for


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("er rekrutt på Madla nå", "OTMI"),
        case("tjenestegjør i HV", "OTMI"),
        case("er i Kystvakten", "OTMI"),
    ],
)
def test_serving_in_a_unit_or_role_is_contact_with_otmi(text: str, code: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_contact(decision, code)


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("er inne i militæret til sommeren", "OTMI", county="Vestland"),  # still serving
        case("rykker inn til førstegangstjenesten i august", "OTOV"),
        case("vart dimma frå Bardufoss i juni", "OTOV", county="Vestland"),
        case("dimmet fra førstegangstjenesten før jul", "OTOV", county="Vestland"),
        case("er ferdig med førstegangstjenesten nå", "OTOV", county="Vestland"),
    ],
)
def test_service_under_way_is_otmi_and_service_ahead_or_ended_is_not(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text
