"""Acknowledgements: a thank-you with nothing about the youth's situation is a bare acknowledgement, not
contact. (A thank-you that also tells the situation is in test_precedence.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.understand.helpers import assert_no_contact, case, decide_for, reading_of


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        case("takk skal du ha"),
        case("tusen takk for påminnelsen"),
        case("takk for det 🙏"),
        case("thanks a lot"),
        case("greit å vite, takk"),
        case("den er grei"),
    ],
)
def test_a_vague_thanks_is_a_bare_acknowledgement(text: str, ctx: dict[str, Any]) -> None:
    reading = reading_of(text, **ctx)
    assert "ack" in reading.intents, text
    assert not reading.situation


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        case("tusen takk for at dere tenker på meg ❤️"),
        case("thanks for checking in 🙂"),
        case("takk for at dere bryr dere"),
    ],
)
def test_a_warm_thank_you_is_a_bare_acknowledgement_and_no_contact(text: str, ctx: dict[str, Any]) -> None:
    reading, decision = decide_for(text, **ctx)
    assert "ack" in reading.intents, (text, reading.intents)
    assert_no_contact(decision)
    assert decision.status_code is None, decision.explanation
