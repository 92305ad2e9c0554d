"""A learned second opinion on urgency: may RAISE the reader's urgent flag, never lower it.

    from bot.understand.second_opinion import raises_urgent, urgent_probability

The reader's urgency rules stay the first and deciding voice. This model only answers "does this reply
look like the cries for help we have labelled?" so that a phrasing the rules have no entry for (a new
dialect form, a language the lexicon barely covers) can still be escalated to a human. Because it can
only add alarms, its threshold is set for precision: the lowest probability at which 5-fold
cross-validated precision on the training corpus is still >= 0.97 (`python -m bot.understand.train_urgent`
writes it into the model file together with the CV figures).

Model: logistic regression trained by plain SGD (L2, fixed seed), not multinomial naive Bayes. The
features are overlapping character n-grams (3-5) plus word unigrams and bigrams, so one word yields a
dozen strongly correlated features; naive Bayes counts that evidence a dozen times over and its
probabilities pile up at 0 and 1, which makes a precision threshold on them brittle. Logistic regression
shares the weight among correlated features, gives usable probabilities for the threshold, and scores as
a plain sum of weights - as cheap as naive Bayes at run time.

Features work on any script: the text is NFKC-normalised and casefolded; combining marks (Arabic
harakat, variation selectors) and format characters (ZWNJ, ZWJ) are dropped; Arabic/Farsi letter
variants are unified; apostrophes vanish ("don't" = "dont"); other punctuation becomes a space; symbols
and emoji become words of their own; a letter repeated three or more times is cut to two; whitespace is
collapsed. Character n-grams are taken from each word padded with a space on each side, so word-boundary
n-grams (" dø ", "vil ") exist; the word bigrams carry what crosses a word boundary. Each occurrence
counts once and the feature vector is scaled by 1/sqrt(number of occurrences), so a long reply does not
win by length alone.

Pure standard library; loads in a few milliseconds and scores tens of thousands of replies a second.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).resolve().parent / "data" / "urgent_model.json"
FORMAT = "ot-urgent-second-opinion/1"

# The feature settings the code implements; the model file names the ones it was trained with.
CHAR_MIN, CHAR_MAX = 3, 5
WORD_MAX = 2
MAX_REPEAT = 2
WORD_CACHE_SIZE = 1 << 16  # words whose own part of the margin is kept per model

FEATURE_SETTINGS: dict[str, Any] = {
    "normalise": "nfkc+casefold, drop Mn/Me/Cf/Sk, unify arabic/farsi letters, drop apostrophes, "
                 "punctuation->space, symbols->own word, repeats<=2, collapse whitespace",
    "char_ngrams": [CHAR_MIN, CHAR_MAX],
    "char_ngrams_of": "each word padded with one space on each side",
    "word_ngrams": [1, WORD_MAX],
    "max_repeat": MAX_REPEAT,
    "scale": "1/sqrt(occurrences)",
}

_APOSTROPHES = "'’‘`´ʼ"
_LETTER_VARIANTS = {
    "ي": "ی",  # Arabic yeh -> Farsi yeh
    "ى": "ی",  # alef maksura
    "ك": "ک",  # Arabic kaf -> Farsi keheh
    "ة": "ه",  # teh marbuta
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",  # alef forms
    "ـ": "",  # tatweel
}
_REPEATS = re.compile(rf"(.)\1{{{MAX_REPEAT},}}")


class _CharMap(dict[int, str]):
    """str.translate table filled on first sight of each character (a C-speed loop afterwards)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch in _APOSTROPHES:
            out = ""
        elif ch in _LETTER_VARIANTS:
            out = _LETTER_VARIANTS[ch]
        else:
            cat = unicodedata.category(ch)
            if cat in ("Mn", "Me", "Cf", "Sk"):
                out = ""
            elif cat[0] in "PZC":
                out = " "
            elif cat[0] == "S":
                out = f" {ch} "
            else:
                out = ch
        self[code] = out
        return out


_CHARS = _CharMap()


def normalise(text: str) -> str:
    """The form the features are taken from: see the module docstring."""
    folded = _REPEATS.sub(r"\1" * MAX_REPEAT, unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.translate(_CHARS).split())


def word_char_grams(word: str) -> list[str]:
    """The character n-grams, CHAR_MIN..CHAR_MAX long, of one word padded with a space on each side."""
    padded = f" {word} "
    size = len(padded)
    return [padded[i:i + n] for n in range(CHAR_MIN, CHAR_MAX + 1) for i in range(size - n + 1)]


def bigrams(words: list[str]) -> list[str]:
    return list(map(" ".join, zip(words, words[1:], strict=False)))


def features(text: str) -> tuple[list[str], list[str]]:
    """(character n-grams of every padded word, word unigrams and bigrams) of one text, one per occurrence."""
    words = normalise(text).split()
    return [g for w in words for g in word_char_grams(w)], words + bigrams(words)


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class Model:
    """A loaded model: weights by feature kind, bias, threshold and the file's header.

    The margin is bias + (sum of the weights of every feature occurrence) / sqrt(number of occurrences).
    A word's own part (its character n-grams and its unigram) depends on the word alone, so it is kept in
    a bounded per-model cache: replies repeat their words, and most of the scoring cost goes away.
    """

    char: dict[str, float]
    word: dict[str, float]
    bias: float
    threshold: float
    header: dict[str, Any]
    _words: dict[str, tuple[float, int]] = field(default_factory=dict, compare=False, repr=False)

    def _word_part(self, word: str) -> tuple[float, int]:
        grams = word_char_grams(word)
        part = (sum(filter(None, map(self.char.get, grams))) + self.word.get(word, 0.0), len(grams) + 1)
        if len(self._words) >= WORD_CACHE_SIZE:
            self._words.clear()
        self._words[word] = part
        return part

    def margin(self, text: str) -> float:
        words = normalise(text).split()
        if not words:
            return self.bias
        cached = self._words.get
        total, count = 0.0, len(words) - 1  # one bigram per adjacent pair
        for word in words:
            weight, n = cached(word) or self._word_part(word)
            total += weight
            count += n
        if len(words) > 1:
            total += sum(filter(None, map(self.word.get, map(" ".join, zip(words, words[1:], strict=False)))))
        return self.bias + total / math.sqrt(count)

    def probability(self, text: str) -> float:
        return sigmoid(self.margin(text))


def model_from_dict(data: dict[str, Any]) -> Model:
    """Build a Model from the JSON object of a model file; refuses another format or feature settings."""
    if data.get("format") != FORMAT:
        raise ValueError(f"urgent model: format {data.get('format')!r}, expected {FORMAT!r}")
    if data.get("features") != FEATURE_SETTINGS:
        raise ValueError("urgent model: trained with other feature settings than this code implements")
    weights = data["weights"]
    header = {k: v for k, v in data.items() if k != "weights"}
    return Model(char={str(k): float(v) for k, v in weights["char"].items()},
                 word={str(k): float(v) for k, v in weights["word"].items()},
                 bias=float(data["bias"]), threshold=float(data["threshold"]), header=header)


@lru_cache(maxsize=1)
def load() -> Model:
    """The shipped model (read once per process)."""
    with MODEL_PATH.open(encoding="utf-8") as f:
        return model_from_dict(json.load(f))


def urgent_probability(text: str) -> float:
    """The model's probability, in [0, 1], that the reply is a cry for help or reports danger."""
    return load().probability(text)


# Below this many words the model says nothing: a few characters of n-grams ("aight", "ok da") are too little
# evidence, and the short cries for help ("hjelp meg", "orker ikke mer") are the reader's rules' to read.
MIN_WORDS = 4
_WORDS = re.compile(r"\w+")


def raises_urgent(text: str) -> bool:
    """True when the reply has MIN_WORDS words or more and the model's probability reaches the model file's
    threshold (precision >= 0.97 in cross-validation)."""
    if len(_WORDS.findall(text)) < MIN_WORDS:
        return False
    model = load()
    return model.probability(text) >= model.threshold
