"""Normalising replies: the word list behind lemma keys and dictionary checks, repeated letters, tokens."""

from __future__ import annotations

import pytest

from bot.understand import lexicon as lx
from bot.understand.text import WORD_LIST, collapse_repeats, is_dictionary_word, normalise, word_key


@pytest.mark.parametrize(
    ("inflected", "lemma"),
    [
        ("jobber", "jobb"),
        ("jobbet", "jobb"),
        ("gikk", "gå"),  # irregular past: only a dictionary knows it, no stemmer does
        ("skolen", "skole"),
        ("læreplassen", "læreplass"),  # a compound no dictionary lists: the stem alone still meets the lemma
    ],
)
def test_inflected_forms_share_the_key_of_their_lemma(inflected: str, lemma: str) -> None:
    assert word_key(inflected) == word_key(lemma)


@pytest.mark.parametrize(
    ("word", "known"),
    [("skulen", True), ("jobber", True), ("don't", True), ("because", True), ("læreplass", False),
     ("jobbrpå", False), ("xyzzy", False), ("", False)],
)
def test_dictionary_words_are_those_of_the_nb_nn_en_dictionaries(word: str, known: bool) -> None:
    assert is_dictionary_word(word) is known


def test_word_list_finds_its_first_and_last_line_and_nothing_between_lines() -> None:
    WORD_LIST.entry("a")  # loads the list
    blob = WORD_LIST._blob
    assert blob is not None
    lines = blob.splitlines()
    for line in (lines[0], lines[1], lines[len(lines) // 2], lines[-2], lines[-1]):
        assert WORD_LIST.entry(line.split("\t")[0]) == line
    first = lines[0].split("\t")[0]
    assert WORD_LIST.entry(first[:-1] if len(first) > 1 else "\x00") is None
    assert WORD_LIST.entry("\U0010ffff") is None  # after the last line


def test_words_that_are_not_letters_are_their_own_key() -> None:
    assert word_key("tt_date") == "tt_date"
    assert word_key("7-eleven") == "7-eleven"


@pytest.mark.parametrize(("typed", "meant"), [("jaaaa", "ja"), ("takkkk", "takk"), ("heiii", "hei"), ("ok", "ok")])
def test_repeated_letters_collapse_to_a_known_word(typed: str, meant: str) -> None:
    assert collapse_repeats(typed) == meant


def test_normalised_tokens_point_back_into_the_reply() -> None:
    text = "Jeg jobber'kke hos Ahmed. jaaaa"
    norm = normalise(text, lx.DIALECT_NORWEGIAN, lx.EMOJI)
    assert [t.std for t in norm.tokens] == ["jeg", "jobber", "ikke", "hos", "ahmed", "ja"]
    assert [text[t.start:t.end] for t in norm.tokens][:2] == ["Jeg", "jobber'kke"]
    # A capitalised word inside a sentence is a name even when a dictionary knows it.
    assert [t.name_like for t in norm.tokens][3:5] == [False, True]
    assert norm.string.count("|") == 1  # the full stop ends the first clause
