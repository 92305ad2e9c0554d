"""The generated word list (data/words.txt.gz): the committed file is sound, and reads words as simplemma does.

The first group checks the committed file alone (it decompresses, its header, order and line format, the
reader finds its words); it needs neither simplemma nor any particular Snowball release, so an upstream
release cannot turn it red.

The second group compares the list with simplemma itself. It runs only when simplemma and snowballstemmer
are installed at exactly the versions the list's header names — the `wordlist` extra of pyproject.toml pins
them, and the `dev` extra includes it, so a dev install from requirements.lock runs these tests. Otherwise
they are skipped with the command that regenerates the list.
"""

from __future__ import annotations

import gzip
import random
import re
import tomllib
import unicodedata
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from bot.understand import build_lemmas
from bot.understand import lexicon as lx
from bot.understand.text import WORD_LIST, is_dictionary_word, word_key

ROOT = Path(__file__).resolve().parents[2]
BUILD_PACKAGES = ("simplemma", "snowballstemmer")
HEADER = re.compile(r"# simplemma=(?P<simplemma>[0-9][0-9A-Za-z.+!-]*) snowballstemmer=(?P<snowballstemmer>[0-9][0-9A-Za-z.+!-]*)")
REGENERATE = (
    f"regenerate it: `pip install -c requirements.lock -e '.[wordlist]' && {build_lemmas.COMMAND}`, "
    "then commit bot/understand/data/words.txt.gz"
)
# Words the reader leans on; a list without them is truncated or made from the wrong dictionaries.
CORE_WORDS = ["jobb", "jobber", "skole", "skulen", "lærling", "ikkje", "heime", "eg", "ja", "nei", "hei", "work", "school"]


@cache
def _raw() -> bytes:
    return build_lemmas.WORDS_PATH.read_bytes()


@cache
def _committed_lines() -> tuple[str, ...]:
    return tuple(gzip.decompress(_raw()).decode("utf-8").splitlines())


def _recorded_versions() -> dict[str, str]:
    found = HEADER.fullmatch(_committed_lines()[0])
    assert found, f"malformed header {_committed_lines()[0]!r}; {REGENERATE}"
    return found.groupdict()


def _installed(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


# --- the committed file on its own -------------------------------------------------------------------


def test_word_list_decompresses_to_utf8_lines_of_a_sane_size() -> None:
    raw = _raw()
    assert 1_000_000 < len(raw) < 10_000_000, f"{len(raw)} bytes compressed"
    text = gzip.decompress(raw).decode("utf-8")
    assert text.endswith("\n"), "the reader's bisection needs every line to end with a newline"
    assert 500_000 < len(_committed_lines()) < 3_000_000


def test_word_list_is_reproducible_gzip() -> None:
    # build_lemmas writes mtime=0, so regenerating an unchanged list gives the same bytes.
    assert _raw()[:2] == b"\x1f\x8b" and _raw()[4:8] == b"\0\0\0\0"


def test_header_names_the_versions_the_list_was_made_from() -> None:
    versions = _recorded_versions()
    assert set(versions) == set(BUILD_PACKAGES)


def test_word_list_is_sorted_and_unique_so_bisection_finds_every_word() -> None:
    words = [line.split("\t")[0] for line in _committed_lines()[1:]]
    assert all(a < b for a, b in zip(words, words[1:], strict=False)), REGENERATE


def test_every_line_is_word_or_word_key_or_word_key_dash() -> None:
    bad = []
    for line in _committed_lines()[1:]:
        fields = line.split("\t")
        word = fields[0]
        ok = (
            bool(word)
            and word == unicodedata.normalize("NFC", word.casefold())
            and not any(ch.isspace() for ch in line.replace("\t", ""))
            and len(fields) <= 3
            and (len(fields) == 1 or (word.isalpha() and bool(fields[1])))
            and (len(fields) < 3 or fields[2] == "-")
        )
        if not ok:
            bad.append(line)
    assert not bad, f"{len(bad)} malformed lines, e.g. {bad[:5]}; {REGENERATE}"


def test_the_reader_finds_each_line_of_the_list() -> None:
    lines = _committed_lines()[1:]
    by_word = {line.split("\t")[0]: line for line in lines}
    vocabulary = sorted(w for w in lx.VOCABULARY.known | lx.VOCABULARY.protected if w == w.casefold())
    sample = [line.split("\t")[0] for line in random.Random(7).sample(lines, 3000)]
    # the first and last words, the vocabulary and a sample; words absent from the list and an empty string
    words = [lines[0].split("\t")[0], lines[-1].split("\t")[0], *vocabulary, *sample, "xyzzy", "jobbrpå", ""]
    wrong = [w for w in words if WORD_LIST.entry(w) != by_word.get(w)]
    assert not wrong, f"the reader's lookup differs from the file for {wrong[:10]}"


def test_the_reader_knows_its_core_words_and_most_of_its_vocabulary() -> None:
    assert [w for w in CORE_WORDS if not is_dictionary_word(w)] == []
    # Words of the word list's languages (nb, nn, en): the lexicon's urgency words in Polish, Arabic, Ukrainian,
    # Turkish ... are spelt in letters of their own and are no typos of Norwegian words.
    letters = set("abcdefghijklmnopqrstuvwxyzæøåéèêóòôüäö-'")
    vocabulary = [w for w in lx.VOCABULARY.known | lx.VOCABULARY.protected if w == w.casefold() and set(w) <= letters]
    found = sum(WORD_LIST.entry(w) is not None for w in vocabulary)
    assert found >= 0.75 * len(vocabulary), f"only {found} of {len(vocabulary)} vocabulary words are in the list"


def test_the_wordlist_extra_and_the_lock_pin_the_versions_in_the_header() -> None:
    """Bumping simplemma or Snowball is one change: the pins, the lock and the regenerated list together."""
    recorded = _recorded_versions()
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["optional-dependencies"]
    assert sorted(extras["wordlist"]) == sorted(f"{name}=={recorded[name]}" for name in BUILD_PACKAGES), REGENERATE
    lock = (ROOT / "requirements.lock").read_text("utf-8")
    for name in BUILD_PACKAGES:
        assert re.search(rf"^{name}=={re.escape(recorded[name])}\s", lock, re.M), f"requirements.lock: {name}"


def test_the_reader_does_not_load_simplemma() -> None:
    import subprocess
    import sys

    code = "import sys; from bot.understand import read; read('jeg jobber på Rema'); print('simplemma' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --- the list against simplemma, at the versions it was made from ------------------------------------


def _build_tools_mismatch() -> str | None:
    found = HEADER.fullmatch(_committed_lines()[0])
    if found is None:
        return f"the word list's header is malformed (see the test above); {REGENERATE}"
    recorded = found.groupdict()
    installed = {name: _installed(name) for name in BUILD_PACKAGES}
    if installed == recorded:
        return None
    shown = ", ".join(f"{name} {installed[name] or 'not installed'}" for name in BUILD_PACKAGES)
    wanted = ", ".join(f"{name} {recorded[name]}" for name in BUILD_PACKAGES)
    return (
        f"the word list was made from {wanted}; installed: {shown}. Install those (`pip install -c requirements.lock"
        " -e '.[dev]'`), or move the list to other versions: set the pins of the `wordlist` extra in pyproject.toml,"
        f" refresh requirements.lock, run `{build_lemmas.COMMAND}` and commit the three (README: Dependencies and the lock)"
    )


needs_build_tools = pytest.mark.skipif(_build_tools_mismatch() is not None, reason=str(_build_tools_mismatch()))


def _sample_words() -> list[str]:
    """The lexicon's own words, known spellings of the vocabulary and a fixed sample of the word list."""
    lines = _committed_lines()[1:]
    sample = [line.split("\t")[0] for line in random.Random(7).sample(lines, 3000)]
    # The reader looks words up casefolded ("True" in the vocabulary is YAML's reading of a bare yes/on).
    vocabulary = sorted(w for w in lx.VOCABULARY.known | lx.VOCABULARY.protected if w == w.casefold())
    # Words no dictionary knows: a name, slang, a typo, a glued word; and an empty string.
    unknown = ["ahmed", "jobbrpå", "sjukeheimsvakt", "xyzzy", "wallah", "læreplassen", "skulen", "æ", ""]
    return vocabulary + sample + unknown


@needs_build_tools
def test_header_is_what_the_builder_writes() -> None:
    assert _committed_lines()[0] == build_lemmas.header()


@needs_build_tools
@pytest.mark.parametrize("chunk", range(4))
def test_dictionary_membership_is_what_simplemma_says(chunk: int) -> None:
    words = _sample_words()[chunk::4]
    wrong = [w for w in words if is_dictionary_word(w) != build_lemmas.simplemma_known(w)]
    assert not wrong, f"membership differs for {wrong[:10]}; {REGENERATE}"


@needs_build_tools
@pytest.mark.parametrize("chunk", range(4))
def test_dictionary_words_get_the_key_of_their_simplemma_lemma(chunk: int) -> None:
    words = [w for w in _sample_words()[chunk::4] if w.isalpha() and build_lemmas.simplemma_known(w)]
    wrong = [(w, word_key(w), build_lemmas.simplemma_key(w)) for w in words
             if word_key(w) != build_lemmas.simplemma_key(w)]
    assert not wrong, f"keys differ for {wrong[:10]}; {REGENERATE}"
