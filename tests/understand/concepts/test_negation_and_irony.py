"""Negation and irony: "nei da"/"neida" takes back a joke without negating what follows; a plain "nei" negates."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import case, code_of, reading_of


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("hater folkehøgskolen lol nei da, digger det. Skiringssal", "OTIF", county="Trøndelag"),
        case("jobben er et helvete haha neida, trives på Kiwi", "OTAR", county="Trøndelag"),
    ],
)
def test_neida_takes_back_a_joke_without_negating(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(("text", "ctx"), [case("nei, går ikke på skole")])
def test_a_plain_nei_still_negates(text: str, ctx: dict[str, Any]) -> None:
    assert reading_of(text, **ctx).activity_code is None
