"""SMS segment counting: GSM-7 (160 / 153 septets, extension table counts 2) or UCS-2 (70 / 67 code units)."""

from __future__ import annotations

import pytest

from flows.segments import Segments, count_segments

EMOJI = "\N{GRINNING FACE}"  # outside the BMP: 2 UTF-16 code units


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Segments("GSM-7", 0, 0)),
        ("Hei", Segments("GSM-7", 3, 1)),
        ("a" * 160, Segments("GSM-7", 160, 1)),
        ("a" * 161, Segments("GSM-7", 161, 2)),
        ("a" * 306, Segments("GSM-7", 306, 2)),
        ("a" * 307, Segments("GSM-7", 307, 3)),
        ("æøåÆØÅ", Segments("GSM-7", 6, 1)),  # the Norwegian letters are in the default alphabet
        ("Hvor går du på skole?", Segments("GSM-7", 21, 1)),
        ("€", Segments("GSM-7", 2, 1)),  # extension table: escape + character
        ("[]{}\\~^|€", Segments("GSM-7", 18, 1)),
        ("a" * 158 + "€", Segments("GSM-7", 160, 1)),
        ("a" * 159 + "€", Segments("GSM-7", 161, 2)),
        # An escape pair is never split: 152 + "€" leaves part one at 152 septets, the pair opens part two.
        ("a" * 152 + "€" + "a" * 152, Segments("GSM-7", 306, 3)),
        ("a" * 151 + "€" + "a" * 153, Segments("GSM-7", 306, 2)),
        (EMOJI, Segments("UCS-2", 2, 1)),
        ("a" * 68 + EMOJI, Segments("UCS-2", 70, 1)),
        ("a" * 69 + EMOJI, Segments("UCS-2", 71, 2)),
        ("a" * 134, Segments("GSM-7", 134, 1)),
        ("a" * 132 + EMOJI, Segments("UCS-2", 134, 2)),  # 67 + 67
        ("a" * 133 + EMOJI, Segments("UCS-2", 135, 3)),
        # A surrogate pair is never split either: 66 + emoji leaves part one at 66 units.
        ("a" * 66 + EMOJI + "a" * 66, Segments("UCS-2", 134, 3)),
        ("Hei \N{EN DASH} hei", Segments("UCS-2", 9, 1)),  # one non-GSM character makes all of it UCS-2
        ("\N{LEFT DOUBLE QUOTATION MARK}", Segments("UCS-2", 1, 1)),
        ("€" + EMOJI, Segments("UCS-2", 3, 1)),  # in UCS-2, "€" is one code unit like any BMP character
    ],
)
def test_count_segments(text: str, expected: Segments) -> None:
    assert count_segments(text) == expected


def test_one_emoji_turns_a_full_gsm_message_into_more_parts() -> None:
    assert count_segments("a" * 70).segments == 1
    assert count_segments("a" * 68 + EMOJI).segments == 1
    assert count_segments("a" * 69 + EMOJI).segments == 2
    assert count_segments("a" * 159 + EMOJI).segments == 3  # 161 units of 67


def test_an_emoji_counts_two_utf16_code_units() -> None:
    assert count_segments(EMOJI).units == 2
    assert count_segments(EMOJI * 35).segments == 1
    assert count_segments(EMOJI * 36).segments == 2
