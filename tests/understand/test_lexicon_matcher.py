"""The lexicon's matcher finds what a finditer over each concept's whole alternation finds.

`find_all` and `find` try each pattern only at the words where it can start (bot.understand.lexicon._Dispatch);
`Concept.regex` is the concept's patterns as one regex, and `_run` reads its finditer as hits. Both must agree
on every reply, every concept, every marker list.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bot.understand import lexicon as lx
from bot.understand.text import Normalised, Token, normalise

DATA = Path(__file__).parent / "data"
MARKERS = {"negation": lx.NEGATION_RE, "plan": lx.PLAN, "started": lx.STARTED, "ended": lx.ENDED, "past": lx.PAST,
           "joke": lx.JOKE}
FILLER = ["jeg", "eg", "ikke", "ikkje", "nå", "bare", "Ola", "og", "men", "i", "på", "skal", "har", "jobber", "lol",
          "😂", "not", "never", "til", "å", "the", "to", "my", ".", ",", "?"]


def _texts() -> list[str]:
    texts = [json.loads(line)["text"] for line in (DATA / "heldout_own.jsonl").read_text("utf-8").splitlines()
             if line.strip()]
    rng = random.Random(11)
    words: list[str] = []
    for concept in list(lx.CONCEPTS.values())[::3]:
        for pattern in concept._patterns[:4]:
            words += [w.lstrip("=").rstrip("*").lstrip("*") for w in pattern.replace("|", " ").split()
                      if w[:1].isalpha() or w.startswith("=")]
    for _ in range(150):
        texts.append(" ".join(rng.choice(words + FILLER) for _ in range(rng.randint(2, 14))))
    return texts


TEXTS = _texts()


def _norms(text: str) -> list[Normalised]:
    return [
        normalise(text, lx.DIALECT_NORWEGIAN, lx.EMOJI, norwegian=True),
        normalise(text, lx.DIALECT_ENGLISH, lx.EMOJI),
        normalise(text, lx.DIALECT, lx.EMOJI, use_fuzzy=False),
    ]


@pytest.mark.parametrize("start", range(0, len(TEXTS), 40))
def test_find_all_and_find_agree_with_finditer_over_the_whole_regex(start: int) -> None:
    for text in TEXTS[start : start + 40]:
        for norm in _norms(text):
            for label, marker in MARKERS.items():
                assert lx.find(marker, norm, label) == lx._run(marker, norm, label), (text, label)
            found = lx.find_all(norm)
            assert set(found) == set(lx.CONCEPTS)
            for name, concept in lx.CONCEPTS.items():
                assert found[name] == lx._run(concept, norm, name), (text, name)


def test_a_concept_compiled_elsewhere_matches_like_its_regex() -> None:
    """compile_concept for callers of their own (not in CONCEPTS): find uses a dispatch of its own."""
    patterns = ["=ikke =send|=sende ..(0-2) =meldinger|=melding", "^ ..(0-1) =mamma|=pappa", "jobb* =på|=hos @name",
                "(=går|=gikk =på) =skolen|=skulen $", "=ikke !=så _"]
    concept = lx.compile_concept("own", patterns)
    for text in TEXTS[:120]:
        for norm in _norms(text):
            assert lx.find(concept, norm, "own") == lx._run(concept, norm, "own"), text


def test_a_string_the_matcher_does_not_expect_is_read_by_the_whole_regex() -> None:
    # A part holding ":" or a space breaks the "std:key:f" layout: the matcher hands over to finditer.
    tokens = (Token("ikke", "ikk", 0, 4), Token("a:b", "a:b", 5, 8), Token("send", "send", 9, 13))
    string = " ikke:ikk:w a:b:a:b:w send:send:w "
    norm = Normalised(tokens=tokens, clause_of=(0, 0, 0), question_clauses=frozenset(), string=string,
                      offsets=(1, 12, 22), token_at=(0, 1, 2), std_set=frozenset(t.std for t in tokens),
                      key_set=frozenset(t.key for t in tokens))
    found = lx.find_all(norm)
    for name, concept in lx.CONCEPTS.items():
        wanted = lx._run(concept, norm, name) if name in lx.CONCEPT_INDEX.candidates(norm) else []
        assert found[name] == wanted, name


def test_hits_are_fresh_lists() -> None:
    norm = normalise("jeg jobber på Rema og går på skolen", lx.DIALECT_NORWEGIAN, lx.EMOJI, norwegian=True)
    first = lx.find_all(norm)
    first["work"].append(lx.Hit("work", 0, 0))
    assert lx.find_all(norm)["work"] != first["work"]
    negation = lx.find(lx.NEGATION_RE, norm, "negation")
    negation.append(lx.Hit("negation", 0, 0))
    assert lx.find(lx.NEGATION_RE, norm, "negation") == []
