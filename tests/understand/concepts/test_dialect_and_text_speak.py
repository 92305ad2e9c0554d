"""Dialect and text-speak in the normaliser: apocope ("kjør" after "å" or a modal reads as "kjøre") and
English text-speak ("r", "u"), each applied only to its own language and never inventing a word.
(Cries for help in apocope dialect are in test_urgency.py.)"""

from __future__ import annotations

import pytest

from tests.understand.helpers import text_id


def std_words(text: str, *, norwegian: bool) -> list[str]:
    """The normalised (standard) form of every token, as the reader sees it."""
    from bot.understand import lexicon
    from bot.understand.text import normalise

    dialect = lexicon.DIALECT_NORWEGIAN if norwegian else lexicon.DIALECT
    return [t.std for t in normalise(text, dialect, lexicon.EMOJI, norwegian=norwegian).tokens]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("æ har lyst te å kjør bil", "kjøre"),
        ("ho ska begynn på skolen", "begynne"),
        ("vi må svar på brevet", "svare"),
        ("han kan send det", "sende"),
        ("æ ha itj tid", "har"),
    ],
    ids=text_id,
)
def test_apocope_after_infinitive_marker_or_modal_reads_as_full_form(text: str, expected: str) -> None:
    assert expected in std_words(text, norwegian=True)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("å nei", "nei"),  # not a verb: no "-e" form of the same word
        ("vil ha kake", "ha"),  # "ha" after a modal is the infinitive, not "har"
        ("jeg skal til Bergen", "til"),
    ],
    ids=text_id,
)
def test_apocope_never_invents_a_word(text: str, kept: str) -> None:
    assert kept in std_words(text, norwegian=True)


@pytest.mark.parametrize(
    ("text", "word", "norwegian"),
    [
        ("i want to lev", "leve", False),  # apocope is only applied to Norwegian
        ("jeg jobber på Rema r", "are", True),  # "r" must not become English "are" in a Norwegian reply
    ],
    ids=text_id,
)
def test_each_rule_stays_in_its_own_language(text: str, word: str, norwegian: bool) -> None:
    assert word not in std_words(text, norwegian=norwegian)
