"""The generated word list (data/words.txt.gz) is current and reads words exactly as simplemma does."""

from __future__ import annotations

import gzip
import random

import pytest

from bot.understand import build_lemmas
from bot.understand import lexicon as lx
from bot.understand.text import is_dictionary_word, word_key

REBUILD = f"the word list is out of date: run `{build_lemmas.COMMAND}` and commit bot/understand/data/words.txt.gz"


def _committed_lines() -> list[str]:
    return gzip.decompress(build_lemmas.WORDS_PATH.read_bytes()).decode("utf-8").splitlines()


def test_word_list_was_made_from_the_installed_simplemma_and_snowball() -> None:
    assert _committed_lines()[0] == build_lemmas.header(), REBUILD


def test_word_list_is_sorted_so_bisection_finds_every_word() -> None:
    words = [line.split("\t")[0] for line in _committed_lines()[1:]]
    assert words == sorted(set(words)), REBUILD


def _sample_words() -> list[str]:
    """The lexicon's own words, known spellings of the vocabulary and a fixed sample of the word list."""
    lines = _committed_lines()[1:]
    sample = [line.split("\t")[0] for line in random.Random(7).sample(lines, 3000)]
    # The reader looks words up casefolded ("True" in the vocabulary is YAML's reading of a bare yes/on).
    vocabulary = sorted(w for w in lx.VOCABULARY.known | lx.VOCABULARY.protected if w == w.casefold())
    # Words no dictionary knows: a name, slang, a typo, a glued word; and an empty string.
    unknown = ["ahmed", "jobbrpå", "sjukeheimsvakt", "xyzzy", "wallah", "læreplassen", "skulen", "æ", ""]
    return vocabulary + sample + unknown


@pytest.mark.parametrize("chunk", range(4))
def test_dictionary_membership_is_what_simplemma_says(chunk: int) -> None:
    words = _sample_words()[chunk::4]
    wrong = [w for w in words if is_dictionary_word(w) != build_lemmas.simplemma_known(w)]
    assert not wrong, f"{REBUILD}; membership differs for {wrong[:10]}"


@pytest.mark.parametrize("chunk", range(4))
def test_dictionary_words_get_the_key_of_their_simplemma_lemma(chunk: int) -> None:
    words = [w for w in _sample_words()[chunk::4] if w.isalpha() and build_lemmas.simplemma_known(w)]
    wrong = [(w, word_key(w), build_lemmas.simplemma_key(w)) for w in words
             if word_key(w) != build_lemmas.simplemma_key(w)]
    assert not wrong, f"{REBUILD}; keys differ for {wrong[:10]}"


def test_the_reader_does_not_load_simplemma() -> None:
    import subprocess
    import sys

    code = "import sys; from bot.understand import read; read('jeg jobber på Rema'); print('simplemma' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
