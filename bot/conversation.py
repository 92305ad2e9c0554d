"""Reading a reply against the question the bot last asked: pure, table-driven, no clock and no I/O.

domain.md, "One reply at a time": the reader judges a reply on its own words, but in a live conversation the
policy may use the question the bot asked. This module is that context rule and nothing more: it recognises a
*bare* answer ("2", "2.", "nr 2", "2 jobb", "ja", "stemmer", "Ada") to an open question and says what it
answers. Anything with more words than the answer itself is left to the reader (None here).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storage.enums import Question

# What a bare answer to a question means; bot.policy maps each kind to its effect (code, intents).
SCHOOL, WORK, OTHER, TALK, CONFIRM, CHILD = "school", "work", "other", "talk", "confirm", "child"
ANSWER_KINDS = (SCHOOL, WORK, OTHER, TALK, CONFIRM)  # the kinds the policy reads (CHILD is bot.inbound's)

# The first-contact question: "Svar 1 skole, 2 jobb, 3 noe annet, 4 vil snakke med noen". A number may be
# followed by its own label (and only its own: "2 skole" contradicts itself and is left to the reader).
ACTIVITY_CHOICES: dict[str, str] = {"1": SCHOOL, "2": WORK, "3": OTHER, "4": TALK}
CHOICE_LABELS: dict[str, frozenset[str]] = {
    SCHOOL: frozenset({"skole", "skolen", "skule", "skulen", "school", "vgs", "videregående", "vidaregåande"}),
    WORK: frozenset({"jobb", "jobbe", "jobben", "arbeid", "work", "job"}),
    OTHER: frozenset({"noe annet", "noko anna", "annet", "anna", "noe anna", "something else", "other", "else"}),
    TALK: frozenset({"vil snakke med noen", "snakke med noen", "snakke", "vil snakke", "snakka", "vil snakka med nokon",
                     "snakka med nokon", "talk", "talk to someone", "want to talk", "i want to talk"}),
}
# A bare yes to any question the bot asked confirms that the number reaches the youth.
CONFIRM_WORDS = frozenset({
    "ja", "jaa", "jaaa", "ja takk", "jepp", "japp", "jupp", "jo", "yes", "yep", "yeah", "yup", "stemmer",
    "det stemmer", "ja det stemmer", "ja stemmer", "riktig", "korrekt", "ja riktig", "ja, det stemmer",
})
# Words around a child's name that add nothing ("det gjelder Ada", "it's about Bo").
CHILD_FILLER = frozenset({
    "det", "gjelder", "gjeld", "om", "er", "ang", "angående", "it", "it's", "its", "is", "about", "the", "one",
    "for", "til", "hun", "han", "ho", "meldingen", "meldinga", "barnet", "nr", "nummer", "number", "no",
})

_NUMBER = re.compile(r"^(?:nr\.?|nummer|number|no\.|#)?\s*(\d{1,2})\s*[.):,!-]?\s*(.*)$")
# Trailing and leading noise of a bare answer: punctuation, emoji, spaces.
_EDGE_NOISE = re.compile(r"^[\W_]+|[\W_]+$")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


@dataclass(frozen=True, slots=True)
class Answer:
    """A bare answer to the open question: its kind and, for a numbered choice, the choice key ("2")."""

    kind: str
    key: str | None = None
    value: Any = None  # for WHICH_CHILD: the choice's value (the youth id)


def _clean(text: str) -> str:
    return " ".join(_EDGE_NOISE.sub("", text.casefold()).split())


def answer_to_question(text: str, question: str | None, choices: Mapping[str, Any] | None = None, *,
                       names: Mapping[str, str] | None = None) -> Answer | None:
    """What `text` answers of the open `question`, or None when it is not a bare answer (or nothing was asked).

    - ACTIVITY_CHOICE: "1".."4" (also "2.", "nr 2", "2 jobb") -> SCHOOL / WORK / OTHER / TALK; `choices`
      (the conversation's, e.g. {"1": "school"}) replace the default numbering when given.
    - Any question but WHICH_CHILD: a bare yes ("ja", "yes", "jepp", "stemmer") -> CONFIRM.
    - WHICH_CHILD: a choice key of `choices` ({"1": <youth id>}) or the first name in `names` ({"1": "Ada"})
      of exactly one child -> CHILD with that key and value. Two children named, or none: None (never a guess).
    """
    if not question:
        return None
    cleaned = _clean(text)
    if not cleaned:
        return None
    if question == Question.WHICH_CHILD:
        return _which_child(cleaned, choices or {}, names or {})
    if question == Question.ACTIVITY_CHOICE:
        numbered = _activity_choice(cleaned, choices)
        if numbered is not None:
            return numbered
    if cleaned in CONFIRM_WORDS:
        return Answer(CONFIRM)
    return None


def _activity_choice(cleaned: str, choices: Mapping[str, Any] | None) -> Answer | None:
    table = {str(k): str(v) for k, v in (choices or ACTIVITY_CHOICES).items() if str(v) in CHOICE_LABELS}
    match = _NUMBER.match(cleaned)
    if match is None or match.group(1) not in table:
        return None
    kind = table[match.group(1)]
    rest = _clean(match.group(2))
    if rest and rest not in CHOICE_LABELS[kind]:
        return None
    return Answer(kind, match.group(1))


def _which_child(cleaned: str, choices: Mapping[str, Any], names: Mapping[str, str]) -> Answer | None:
    by_name: dict[str, set[str]] = {}
    for key, name in names.items():
        for part in _TOKEN.findall(name.casefold()):
            by_name.setdefault(part, set()).add(str(key))
    keys = {str(k) for k in choices}
    named: set[str] = set()
    for token in _TOKEN.findall(cleaned):
        if token in keys:
            named.add(token)
        elif token in by_name:
            named |= by_name[token]
        elif token not in CHILD_FILLER:
            return None  # more than a name or a number: not a bare answer
    if len(named) != 1:
        return None
    key = named.pop()
    if key not in keys:
        return None
    return Answer(CHILD, key, choices[key])
