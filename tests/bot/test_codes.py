"""Udir's code list: every code has its group, and lookups are forgiving about how people type codes."""

from __future__ import annotations

import pytest

from bot.codes import (
    REGISTRATION_CODES,
    STATUS_CODES,
    CodeGroup,
    UnknownCode,
    codes_in_group,
    group_of,
    is_registration_code,
    is_status_code,
    status,
)


def test_every_status_code_of_the_domain_is_present_in_its_group() -> None:
    expected = {
        CodeGroup.UNKNOWN: {"OTUK"},
        CodeGroup.FOLLOW_UP: {"OTOV"},
        CodeGroup.IN_ACTIVITY: {"OTOA", "OTAP", "OTKO", "OTAR", "OTEV", "OTVF", "OTLL"},
        CodeGroup.CLARIFIED: {"OTNO", "OTMI", "OTBA", "OTSY", "OTIF"},
        CodeGroup.NOT_IN_TARGET_GROUP: {
            "OTFA_IM", "OTFU_IM", "OTAR_IM", "OTEV_IM", "OTVF_IM", "OTLL_IM", "ELGS_IM", "ELVG_IM", "FEIL",
        },
    }
    for group, codes in expected.items():
        assert set(codes_in_group(group)) == codes
    assert len(STATUS_CODES) == sum(len(c) for c in expected.values())


def test_registration_codes_are_the_five_seen_in_practice() -> None:
    assert set(REGISTRATION_CODES) == {"OSON", "OSVE", "OSNP", "OSUT", "OESL"}


@pytest.mark.parametrize("typed", ["otfa_im", " OTFA-IM ", "otfa im"])
def test_codes_are_normalised_as_people_type_them(typed: str) -> None:
    assert status(typed).code == "OTFA_IM"
    assert group_of(typed) is CodeGroup.NOT_IN_TARGET_GROUP


def test_unknown_codes_are_rejected_with_the_code_named() -> None:
    with pytest.raises(UnknownCode, match="OTXX"):
        status("OTXX")
    assert not is_status_code("OSON")
    assert is_registration_code("oson")


def test_every_code_has_a_norwegian_label() -> None:
    assert all(c.label_nb for c in STATUS_CODES.values())
    assert all(c.label_nb for c in REGISTRATION_CODES.values())
