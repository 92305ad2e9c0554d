"""Moves and abroad (OTFU_IM): living, working, a season or an au pair year abroad; a holiday abroad, a job
across the border while living here, or a move within the county is not abroad."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import assert_contact, case, code_of, decide_for


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("jobber på et hotell i Stockholm og bor der nå", "OTFU_IM", county="Telemark"),
        case("er au pair i London til sommeren", "OTFU_IM", county="Vestland"),
        case("doing a working holiday in New Zealand until march", "OTFU_IM", county="Vestland"),
        # a season of work abroad
        case("sesongjobb i Chamonix hele vinteren", "OTFU_IM", county="Innlandet"),
        case("jobbar som skilærar i Alpane i vinter", "OTFU_IM", county="Innlandet"),
        case("doing a season in Val Thorens, bar work", "OTFU_IM", county="Innlandet"),
        case("jobber på et hotell på Gran Canaria til påske", "OTFU_IM", county="Innlandet"),
    ],
)
def test_living_or_working_abroad_is_abroad(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("sesongjobb i heisen i Trysil", "OTAR", county="Innlandet"),
        case("jobber på et hotell i Tromsø", "OTAR", county="Innlandet"),
        case("jobber i Sverige men bor i Halden", "OTAR", county="Østfold"),
        case("er i Spania på ferie med familien, jobber på Kiwi ellers", "OTAR", county="Vestland"),
        case("flytta til Bø i Telemark, bor i kollektiv med vennene mine", "OTOV", county="Telemark"),
    ],
)
def test_a_season_at_home_a_holiday_or_a_move_within_the_county_is_not_abroad(
    text: str, code: str, ctx: dict[str, Any]
) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        # "hit" is the place an earlier clause named
        case("bur i Tyrkia med familien no, vi flytta hit i sommar", "OTFU_IM"),
        case("vi er i Polen med familien, har flytta hit for godt", "OTFU_IM"),
        case("we are in Lithuania with my family now, moved here in june", "OTFU_IM"),
    ],
)
def test_abroad_with_the_family_is_contact_with_otfu_im(text: str, code: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_contact(decision, code)
