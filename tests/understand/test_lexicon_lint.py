"""The lexicon's lint: no long literal word sequences, and the {fixed, why} entries that keep one on purpose.

A pattern that spells out a whole sentence word by word ("=jeg =har =ikke =lyst =til") matches that sentence and
little else; the lexicon should say it with alternatives, inflection-insensitive words, %groups or gaps. A literal
kept on purpose is written as a mapping {fixed: "<pattern>", why: "<reason>"}.
"""

from __future__ import annotations

import pytest

from bot.understand import lexicon as lx
from bot.understand.lexicon import LexiconError, compile_pattern
from bot.understand.text import normalise

# (pattern, is a long literal word sequence, why)
RULE_CASES = [
    # A run of 4 or more exact forms in a row.
    ("=a =b =c =d", True, "four exact forms in a row"),
    ("=a =b =c", False, "three exact forms are not enough"),
    ("=a =b =c x|y =d", False, "alternatives break the run, and there are not 5 words"),
    ("x =a =b =c =d", True, "the run may start anywhere"),
    ("=a =b =c =d|=e", False, "the fourth token has alternatives"),
    ("=a =b =c d", False, "a plain word is not an exact form: the run is 3"),
    ("=a =b =c =d*", False, "an affix is no exact form"),
    ("=a =b =c *d", False, "a suffix is no exact form"),
    ("=a =b =c %relative", False, "a group generalises"),
    ("=a =b =c (=d =e|=f)", False, "a phrase group generalises"),
    ("=a =b =c _", False, "any word generalises"),
    ("=a =b =c @name", False, "a name generalises"),
    ("=a =b =c .. =d", False, "a gap breaks the run"),
    ("=a =b =c ..(0-1) =d", False, "a bounded gap breaks the run"),
    # "$", "^" and "!x" only look: they are left out before counting, and do not break a run.
    ("^ =a =b =c =d", True, "^ is not counted"),
    ("=a =b =c =d $", True, "$ is not counted"),
    ("=a =b !=x =c =d", True, "a lookahead neither counts nor breaks the run"),
    ("^ =a =b =c $", False, "three exact forms and look-only tokens"),
    ("=a =b =c !=x|=y", False, "a lookahead with alternatives is still only a look"),
    # 5 or more words and not one of them generalising (plain words match any inflection, but still spell a
    # sentence).
    ("a b c d e", True, "five plain words"),
    ("=a b =c d =e", True, "five words, exact and plain mixed"),
    ("a b c d", False, "four plain words"),
    ("a b c d e|f", False, "one token with alternatives"),
    ("a b c d e*", False, "one token with an affix"),
    ("a b c d %relative", False, "one group"),
    ("a b c d (e|f g)", False, "one phrase group"),
    ("a b c d _", False, "one any-word"),
    ("a b c d @name", False, "one name"),
    ("a b .. c d e", False, "one gap"),
    ("^ a b c d $", False, "four words and look-only tokens"),
    ("a b !c d e f", True, "a lookahead is not counted, five words remain"),
    # Real shapes.
    ("=leave =me =alone =stop", True, "a sentence spelt out"),
    ("=jobber|=jobbar på|hos @name", False, "alternatives and a name"),
    ("(=ikke|=ikkje) =lenger", False, "short, with a phrase group"),
]


@pytest.mark.parametrize(("pattern", "literal", "why"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_is_literal_sequence(pattern: str, literal: bool, why: str) -> None:
    assert lx.is_literal_sequence(pattern) is literal, why


def test_literal_patterns_names_concept_and_pattern_as_written() -> None:
    found = lx.literal_patterns()
    assert all(isinstance(concept, str) and isinstance(pattern, str) for concept, pattern in found)
    assert all(lx.is_literal_sequence(pattern) for _, pattern in found)


def test_a_fixed_mapping_compiles_like_its_string() -> None:
    pattern = "=leave =me =alone =stop"
    fixed = lx.compile_concept("t_fixed", [{"fixed": pattern, "why": "what people write, word for word"}])
    plain = lx.compile_concept("t_plain", [pattern])
    assert fixed.regex.pattern == plain.regex.pattern
    norm = normalise("please leave me alone stop texting", lx.DIALECT_ENGLISH, lx.EMOJI)
    hits = lx.find(fixed, norm, "t")
    assert [(h.first, h.last) for h in hits] == [(1, 4)]
    assert hits == lx.find(plain, norm, "t")


def test_a_fixed_mapping_is_exempt_from_the_lint() -> None:
    assert lx.is_literal_sequence("=leave =me =alone =stop")
    entries = [{"fixed": "=leave =me =alone =stop", "why": "said this way"}, "=a =b =c =d"]
    flagged = [e for e in entries if not isinstance(e, dict) and lx.is_literal_sequence(e)]
    assert flagged == ["=a =b =c =d"]


@pytest.mark.parametrize(
    "entry",
    [
        {"fixed": "=leave =me =alone =stop"},
        {"fixed": "=leave =me =alone =stop", "why": ""},
        {"fixed": "=leave =me =alone =stop", "why": "   "},
        {"fixed": "=leave =me =alone =stop", "why": None},
    ],
)
def test_a_fixed_mapping_without_a_why_is_an_error_naming_the_concept(entry: dict[str, object]) -> None:
    with pytest.raises(lx.LexiconError, match="t_concept"):
        lx.compile_concept("t_concept", [entry])


@pytest.mark.parametrize("entry", [{"why": "no pattern"}, {"fixed": "", "why": "empty"}, {"fixd": "=a", "why": "typo"}])
def test_a_malformed_mapping_is_an_error_naming_the_concept(entry: dict[str, object]) -> None:
    with pytest.raises(lx.LexiconError, match="t_concept"):
        lx.compile_concept("t_concept", [entry])


def test_every_pattern_of_the_lexicon_compiles() -> None:
    """Patterns compile on first use when reading; this compiles them all, so a broken one shows here."""
    for concept in [*lx.CONCEPTS.values(), lx.PLAN, lx.STARTED, lx.ENDED, lx.PAST, lx.JOKE, lx.NEGATION_RE]:
        concept.compile_all()


def test_compiling_adds_no_word_the_import_did_not_know() -> None:
    """The typo corrector's vocabulary is filled at import from the parsed patterns: compiling them later (on
    first use) must not add words, or readings would depend on which replies came first."""
    known = set(lx.VOCABULARY.known)
    for concept in [*lx.CONCEPTS.values(), lx.PLAN, lx.STARTED, lx.ENDED, lx.PAST, lx.JOKE, lx.NEGATION_RE]:
        concept.compile_all()
    assert lx.VOCABULARY.known == known


def test_lexicon_has_no_long_literal_sequences() -> None:
    found = lx.literal_patterns()
    listing = "\n".join(f"  {concept}: {pattern}" for concept, pattern in found)
    assert found == [], (
        f"{len(found)} lexicon patterns spell out a literal word sequence; generalise them (alternatives, plain "
        "words, %groups, gaps) or mark them {fixed: <pattern>, why: <reason>}:\n" + listing
    )


@pytest.mark.parametrize("pattern", ["(=a|=b)? =c", "=a+ =b", "(=a =b"])
def test_a_token_that_is_no_pattern_syntax_is_an_error(pattern: str) -> None:
    with pytest.raises(LexiconError):
        compile_pattern(pattern)
