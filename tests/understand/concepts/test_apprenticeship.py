"""Apprenticeship (OTLL): an apprenticeship under way; one awaited or promised is not yet one, and working
towards a trade test as a praksiskandidat is work."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import case, code_of


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("doing an apprenticeship as a plumber", "OTLL"),
        case("i'm an apprentice electrician", "OTLL"),
        case("er lærling som frisør", "OTLL"),
        case("fikk lærlingplass hos en rørlegger og har vært der sia mars", "OTLL", county="Vestland"),
    ],
)
def test_an_apprenticeship_under_way_is_otll(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("venter fortsatt på læreplass", "OTOV"),
        case("har ikke fått læreplass ennå", "OTOV"),
        case("har fått lærlingplass fra 1. august", "OTOV", county="Telemark"),
    ],
)
def test_an_apprenticeship_awaited_or_not_yet_started_is_not_otll(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("jeg er praksiskandidat i en barnehage og skal ta fagprøve til våren", "OTAR", county="Telemark"),
        case("jobber på et verksted og tar fagbrev som praksiskandidat neste år", "OTAR", county="Trøndelag"),
        case("jobbar på Coop og tek fagbrevet til hausten", "OTAR", county="Trøndelag"),
    ],
)
def test_work_with_a_trade_test_ahead_is_work(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text
