"""Logs never carry message text or phone numbers in clear."""

from __future__ import annotations

import json

import pytest

from bot.log import configure, get_logger, pseudonym


@pytest.mark.parametrize(
    "number",
    ["+4791234567", "+47 912 34 567", "91234567", "004791234567", "912.34.567"],
)
def test_phone_numbers_are_pseudonymised_in_every_value(capsys: pytest.CaptureFixture[str], number: str) -> None:
    configure("INFO", json=True)
    get_logger("t").info("sent", address=number, note=f"to {number} ok")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert number not in json.dumps(line)
    assert line["address"].startswith("addr:")
    assert line["note"].startswith("to addr:") and line["note"].endswith(" ok")


def test_message_text_is_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", json=True)
    get_logger("t").info("inbound", text="jeg har det vondt", reply="hei", message_id=42)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["text"] == "[redacted]" and line["reply"] == "[redacted]"
    assert line["message_id"] == 42
    assert "vondt" not in json.dumps(line)


def test_pseudonym_is_stable_and_differs_between_numbers() -> None:
    assert pseudonym("+4791234567") == pseudonym("+4791234567")
    assert pseudonym("+4791234567") != pseudonym("+4791234568")
