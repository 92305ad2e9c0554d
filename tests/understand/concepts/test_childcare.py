"""Childcare (OTBA): at home with one's own child, in any wording; a sibling is no child of one's own, and
someone else's job beside the childcare does not make it work."""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import assert_contact, case, code_of, decide_for, reading_of


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("æ e heime med ungan", "OTBA"),
        case("e heime med dei to småa, har ikkje barnehageplass", "OTBA"),
        case("looking after my daughter full time", "OTBA"),
        case("heime med guten min, han er 5 mnd. skal kanskje søke jobb seinare", "OTBA", county="Telemark"),
        # told in two halves
        case("fekk ei jente i mars, er heime med ho no", "OTBA", county="Vestland"),
        case("har tre unger og er hjemme med dem", "OTBA", county="Vestland"),
        case("minsten holder meg våken hele natta, hjemme med han", "OTBA", county="Vestland"),
        # without the word "barn"
        case("our son was born in june so im at home with him", "OTBA", county="Trøndelag"),
        case("e hjemme med veslejenta mi no", "OTBA", county="Trøndelag"),
        case("heime med minstemann, han e 4 mnd", "OTBA", county="Trøndelag"),
        case("babyen kom i september, så eg er heime med ho", "OTBA", county="Trøndelag"),
    ],
)
def test_at_home_with_ones_own_child_is_childcare(text: str, code: str, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("er hjemme med han lillebroren min i dag, jobber i morgen", "OTOV", county="Vestland"),
        case("passer lillebroren min av og til", None, county="Trøndelag"),
    ],
)
def test_minding_a_sibling_is_no_childcare(text: str, code: str | None, ctx: dict[str, Any]) -> None:
    assert code_of(text, **ctx) == code, text


@pytest.mark.parametrize(
    ("text", "code", "ctx"),
    [
        case("er hjemme med dattera mi, mannen min jobber", "OTBA"),
        case("passer babyen mens kjæresten jobber på Rema", "OTBA"),
    ],
)
def test_childcare_beside_someone_elses_work_is_contact_with_otba(text: str, code: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert_contact(decision, code)


@pytest.mark.parametrize(("text", "code", "ctx"), [case("heime med borna no", "OTBA", county="Trøndelag")])
def test_nynorsk_born_are_children(text: str, code: str, ctx: dict[str, Any]) -> None:
    _, decision = decide_for(text, **ctx)
    assert decision.status_code == code, decision.explanation


@pytest.mark.parametrize(("text", "ctx"), [case("our baby was born in may")])
def test_english_born_is_a_birth_not_childcare(text: str, ctx: dict[str, Any]) -> None:
    assert reading_of(text, **ctx).activity_code not in ("OTAR", "OTBA"), text
