"""Generates data/words.txt.gz, the reader's word list: every nb/nn/en dictionary word and its lemma key.

Run `python -m bot.understand.build_lemmas` after changing the pins of the `wordlist` extra in pyproject.toml
(simplemma and snowballstemmer, exact versions; install them with `pip install -c requirements.lock -e '.[wordlist]'`).
Only this builder uses simplemma, which is why it is no run-time dependency: the reader never loads it (its three
dictionaries take ~1.5 s to decode, the committed list ~0.07 s). tests/understand/test_speed_data.py checks the
committed list, and compares it with simplemma when the versions in its header are installed.

File format: a header line `# simplemma=<version> snowballstemmer=<version>`, then one line per casefolded
word, sorted by code point:
  `word`            a dictionary word whose key is its own Snowball stem
  `word<TAB>key`    a dictionary word whose key (stem of its nb/nn lemma) differs from its own stem
  `word<TAB>key<TAB>-`  not a dictionary word by simplemma's rules, but its key differs from its stem
"""

from __future__ import annotations

import gzip
import sys
import unicodedata
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import snowballstemmer

WORDS_PATH = Path(__file__).resolve().parent / "data" / "words.txt.gz"
LEMMA_LANGS = ("nb", "nn")
KNOWN_LANGS = ("nb", "nn", "en")
COMMAND = "python -m bot.understand.build_lemmas"


def header() -> str:
    """The versions the list was generated from: a newer simplemma or Snowball may know other words."""
    return f"# simplemma={version('simplemma')} snowballstemmer={version('snowballstemmer')}"


def candidates() -> list[str]:
    """Every casefolded form of every key in the nb, nn and en dictionaries of simplemma."""
    from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY

    found: set[str] = set()
    for lang in KNOWN_LANGS:
        for form in DEFAULT_DICTIONARY_FACTORY.get_dictionary(lang).keys():
            folded = unicodedata.normalize("NFC", form.casefold())
            # The reader straightens apostrophes ("don’t" -> "don't"); simplemma finds either spelling.
            for variant in (folded, folded.replace("’", "'").replace("ʼ", "'")):
                if variant and "\n" not in variant and "\t" not in variant:
                    found.add(variant)
    return sorted(found)


def simplemma_key(word: str) -> str:
    """What the reader's word key was with simplemma loaded: the stem of the nb/nn lemma."""
    import simplemma

    stemmer = snowballstemmer.stemmer("norwegian")
    try:
        lemma = simplemma.lemmatize(word, lang=LEMMA_LANGS)
    except Exception:  # the same guard text.word_key had around simplemma
        lemma = word
    return str(stemmer.stemWord(lemma.casefold()))


def simplemma_known(word: str) -> bool:
    import simplemma

    try:
        return bool(simplemma.is_known(word, lang=KNOWN_LANGS))
    except Exception:
        return False


def build_lines(words: list[str] | None = None) -> list[str]:
    """The lines of the word list (without the header) for the given words (default: every candidate)."""
    stemmer = snowballstemmer.stemmer("norwegian")
    lines: list[str] = []
    for word in candidates() if words is None else sorted(set(words)):
        known = simplemma_known(word)
        key = simplemma_key(word) if word.isalpha() else None
        differs = key is not None and key != stemmer.stemWord(word)
        if known:
            lines.append(f"{word}\t{key}" if differs else word)
        elif differs:
            lines.append(f"{word}\t{key}\t-")
    return lines


def main() -> None:
    try:
        header()
    except PackageNotFoundError:
        sys.exit(f"simplemma is not installed: pip install -c requirements.lock -e '.[wordlist]', then {COMMAND}")
    lines = build_lines()
    payload = "\n".join([header(), *lines]) + "\n"
    # mtime=0: the same input gives the same bytes, so an unchanged list is no change in git.
    WORDS_PATH.write_bytes(gzip.compress(payload.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"wrote {WORDS_PATH} ({len(lines)} words, {WORDS_PATH.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
