"""Folk high school (OTIF), in Norway or abroad."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import case, code_of


@pytest.mark.parametrize(("text", "code", "ctx"), [case("går på højskole i Jylland", "OTIF", county="Telemark")])
def test_a_folk_high_school_is_otif(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text
