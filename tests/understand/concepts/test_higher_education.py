"""Higher education: studying at a university or college gives no activity code of its own (OTOV)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import case, code_of


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("studerer på heltid", "OTOV"),
        case("går på NTNU", "OTOV", county="Østfold"),
    ],
)
def test_studying_at_a_university_or_college_is_otov(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text
