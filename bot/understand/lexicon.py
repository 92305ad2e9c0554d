"""The reader's vocabularies: loaded once from data/lexicon*.yaml and compiled into regular expressions."""

from __future__ import annotations

import bisect
import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml

from bot.understand.text import VOCABULARY, Normalised, word_key

_DATA = files("bot.understand") / "data"
_GAP = re.compile(r"^\.\.(?:\((\d+)-(\d+)\))?$")


class LexiconError(ValueError):
    """A pattern in a lexicon file that cannot be compiled."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One place a concept matched: token range [first, last] inclusive."""

    concept: str
    first: int
    last: int


def _load_yaml(name: str) -> dict[str, Any]:
    with (_DATA / name).open(encoding="utf-8") as handle:
        # libyaml's loader: the same data as yaml.safe_load, ten times faster (start-up of every command).
        loaded = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(loaded, dict):
        raise LexiconError(f"{name}: expected a mapping at the top")
    return loaded


_RAW = _load_yaml("lexicon.yaml")
_PRIVATE = _load_yaml("lexicon_private_schools.yaml")


def _split_mapping(raw: dict[str, str]) -> dict[str, tuple[str, ...]]:
    wrong = [k for k in raw if not isinstance(k, str)]
    if wrong:
        raise LexiconError(f"lexicon.yaml: dialect spellings {wrong!r} are not words: quote them ('no': nå)")
    return {str(k).casefold(): tuple(str(v).casefold().split()) for k, v in raw.items()}


DIALECT: dict[str, tuple[str, ...]] = _split_mapping(_RAW["dialect"])
DIALECT_NORWEGIAN: dict[str, tuple[str, ...]] = {**DIALECT, **_split_mapping(_RAW["dialect_norwegian_only"])}
DIALECT_ENGLISH: dict[str, tuple[str, ...]] = {**DIALECT, **_split_mapping(_RAW["dialect_english_only"])}
EMOJI: dict[str, str] = {}
for _meaning, _chars in _RAW["emoji"].items():
    for _char in _chars:
        EMOJI[_char] = f"emo_{_meaning}"
        EMOJI[_char + "\ufe0f"] = f"emo_{_meaning}"


def _word_list(name: str) -> frozenset[str]:
    """A list of words from lexicon.yaml; YAML 1.1 reads a bare yes/no/on/off as a boolean, so insist on strings."""
    words = _RAW.get(name)
    if not isinstance(words, list):
        raise LexiconError(f"lexicon.yaml: {name} must be a list of words")
    wrong = [w for w in words if not isinstance(w, str)]
    if wrong:
        raise LexiconError(f"lexicon.yaml: {name} holds {wrong!r}, not words: quote them ('no', 'yes', 'on', 'off')")
    return frozenset(words)


for _name in ("ack_words", "stop_words", "stop_fillers", "negation", "joke_markers"):
    _word_list(_name)
for _name, _words in (_RAW.get("groups") or {}).items():
    if not isinstance(_words, list) or not all(isinstance(w, str) for w in _words):
        raise LexiconError(f"lexicon.yaml: group {_name} must be a list of quoted words")
ACK_WORDS: frozenset[str] = _word_list("ack_words")
STOP_WORDS: frozenset[str] = _word_list("stop_words")
STOP_FILLERS: frozenset[str] = _word_list("stop_fillers")
NEGATION: frozenset[str] = _word_list("negation")


# Named word groups ("%relative"): one list of words used by many patterns, spelt once (see lexicon.yaml).
GROUPS: dict[str, str] = {
    str(name): "|".join(str(w) for w in words) for name, words in (_RAW.get("groups") or {}).items()
}
_GROUP_REF = re.compile(r"%([a-z_]+)")


def expand_groups(pattern: str) -> str:
    """Replace each "%group" in a pattern by its alternatives ("=a|=b|c*")."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in GROUPS:
            raise LexiconError(f"unknown word group %{name} in pattern {pattern!r}")
        return GROUPS[name]

    return _GROUP_REF.sub(one, pattern) if "%" in pattern else pattern


def _std(word: str) -> str:
    mapped = DIALECT.get(word.casefold(), (word.casefold(),))
    return mapped[0] if len(mapped) == 1 else word.casefold()


_ELEMENT = r"[^ :|]+:[^ :|]+:[wN]"


def _one_of(words: list[str]) -> str:
    """Words as one regex that branches letter by letter ("(?:jobb(?:er)?|skol)"): the regex engine tries the
    branches of an alternation one after another, so 300 words cost 300 tries; the letter tree costs a few.

    Only for words followed by something they cannot contain (":" or a word run up to ":"), where which
    word matches first cannot change what the whole pattern matches.
    """
    tree: dict[str, Any] = {}
    for word in set(words):
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        if "" in node:
            return "(?:" + "|".join(branches) + ")?"
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return emit(tree)


def _flat_one_of(words: list[str]) -> str:
    unique = sorted(set(words), key=lambda w: (-len(w), w))
    return re.escape(unique[0]) if len(unique) == 1 else "(?:" + "|".join(map(re.escape, unique)) + ")"


def _alternatives(alts: list[str], *, tree: bool = False) -> str:
    """A pattern token's alternatives ("a|=b|c*") as one regex over one `std:key:f` element (no space).

    Every alternative matches exactly one whole element, so alternatives of one kind share one regex
    ("[^ :|]+:(?:jobb|skol):[wN]" rather than one copy per word): the same strings match, and the
    regexes compile several times faster than one branch per word.
    """
    exact: list[str] = []
    keys: list[str] = []
    prefixes: list[str] = []
    suffixes: list[str] = []
    names = anything = False
    for alt in alts:
        if alt == "@name":
            names = True
        elif alt == "_":
            anything = True
        elif alt.startswith("="):
            std = _std(alt[1:])
            VOCABULARY.known.add(std)
            exact.append(std)
        elif alt.endswith("*") and len(alt) > 1:
            prefixes.append(alt[:-1].casefold())
        elif alt.startswith("*") and len(alt) > 1:
            # Norwegian compounds put the head last: "*institusjon" is ungdomsinstitusjon, rusinstitusjon, ...
            suffixes.append(alt[1:].casefold())
        else:
            std = _std(alt)
            VOCABULARY.known.add(std)
            keys.append(word_key(std))
    if anything:
        return _ELEMENT  # "_" is any element: every other alternative is one of them

    one_of = _one_of if tree else _flat_one_of
    out: list[str] = []
    if names:
        out.append(r"[^ :|]+:[^ :|]+:N")
    if exact:
        out.append(one_of(exact) + r":[^ :|]+:[wN]")
    if keys:
        out.append(r"[^ :|]+:" + one_of(keys) + r":[wN]")
    if prefixes:
        out.append(one_of(prefixes) + r"[^ :|]*:[^ :|]+:[wN]")
    if suffixes:
        out.append(r"[^ :|]*" + one_of(suffixes) + r":[^ :|]+:[wN]")
    return "|".join(out)


def split_pattern(pattern: str) -> list[str]:
    """Pattern tokens: split on spaces, except inside "(...)" phrase groups."""
    tokens: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in pattern:
        if ch == "(" and (depth or not current):
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        if ch == " " and not depth:
            if current:
                tokens.append("".join(current))
                current = []
            continue
        current.append(ch)
    if depth:
        raise LexiconError(f"unclosed '(' in pattern {pattern!r}")
    if current:
        tokens.append("".join(current))
    return tokens


def _group_alternatives(token: str) -> list[str] | None:
    """"(a b|c d)" -> ["a b", "c d"]; None when the token is not a phrase group."""
    if not (token.startswith("(") and token.endswith(")")):
        return None
    inner, depth = token[1:-1], 0
    parts: list[str] = []
    current: list[str] = []
    for ch in inner:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "|" and not depth:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    if not all(parts):
        raise LexiconError(f"empty alternative in group {token!r}")
    return parts


def compile_pattern(pattern: str) -> str:
    """One phrase of the lexicon syntax (see lexicon.yaml) as a regex over the normalised string."""
    out: list[str] = []
    for raw_token in split_pattern(pattern):
        group = _group_alternatives(raw_token)
        if group is not None:
            out.append("(?:" + "|".join(f"(?:{compile_pattern(alt)})" for alt in group) + ")")
            continue
        gap = _GAP.match(raw_token)
        if gap:
            low, high = (int(gap.group(1)), int(gap.group(2))) if gap.group(1) else (0, 3)
            out.append(rf"(?:[^ :|]+:[^ :|]+:[wN] ){{{low},{high}}}")
            continue
        if raw_token == "$":
            out.append(r"(?=\||$)")
            continue
        if raw_token == "^":
            # The clause starts here: the string's first element or the one after a boundary.
            out.append(r"(?:(?<=^ )|(?<=\| ))")
            continue
        if raw_token.startswith("!"):
            alts = _alternatives([a for a in raw_token[1:].split("|") if a])
            out.append(rf"(?!(?:{alts}) )")
            continue
        words = [a for a in raw_token.split("|") if a and a != "$"]
        alts = _alternatives(words) if words else ""
        if not alts:
            raise LexiconError(f"empty token in pattern {pattern!r}")
        if "$" in raw_token.split("|"):
            # "a|b|$": one of the words, or the clause ends here.
            out.append(rf"(?:(?:{alts}) |(?=\||$))")
        else:
            out.append(rf"(?:{alts}) ")
    if not out:
        raise LexiconError("empty pattern")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Triggers:
    """Words one of which a reply must contain for a concept to be worth running (None: always run)."""

    std: frozenset[str]
    keys: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...] = ()


def _first_token_triggers(pattern: str) -> tuple[set[str], set[str], set[str], set[str]] | None:
    tokens = [t for t in split_pattern(pattern) if not t.startswith("!") and t not in ("$", "^") and not _GAP.match(t)]
    if not tokens:
        return None
    std: set[str] = set()
    keys: set[str] = set()
    prefixes: set[str] = set()
    suffixes: set[str] = set()
    group = _group_alternatives(tokens[0])
    if group is not None:
        for alt in group:
            found = _first_token_triggers(alt)
            if found is None:
                return None
            for mine, theirs in zip((std, keys, prefixes, suffixes), found, strict=True):
                mine |= theirs
        return std, keys, prefixes, suffixes
    for alt in tokens[0].split("|"):
        if alt in ("@name", "_", "$", ""):
            return None
        if alt.startswith("="):
            std.add(_std(alt[1:]))
        elif alt.endswith("*") and len(alt) > 1:
            prefixes.add(alt[:-1].casefold())
        elif alt.startswith("*") and len(alt) > 1:
            suffixes.add(alt[1:].casefold())
        else:
            keys.add(word_key(_std(alt)))
    return std, keys, prefixes, suffixes


class Concept:
    """A compiled concept: its regex and the words that can start a match (a cheap pre-check)."""

    __slots__ = ("name", "regex", "triggers")

    def __init__(self, name: str, regex: re.Pattern[str], triggers: Triggers | None) -> None:
        self.name = name
        self.regex = regex
        self.triggers = triggers

    def finditer(self, string: str):  # type: ignore[no-untyped-def]
        return self.regex.finditer(string)

    def may_match(self, std: frozenset[str], keys: frozenset[str]) -> bool:
        t = self.triggers
        if t is None:
            return True
        if not t.std.isdisjoint(std) or not t.keys.isdisjoint(keys):
            return True
        if t.prefixes and any(word.startswith(t.prefixes) for word in std):
            return True
        return any(word.endswith(t.suffixes) for word in std) if t.suffixes else False


def _first_element_alternatives(pattern: str) -> list[str] | None:
    """The alternatives of the first token that consumes a word ("^" and "!x" only look), None when unsure.

    A non-empty match of the pattern starts at a word one of these matches. None when that word can be any
    (a gap "..", "_") or when the pattern starts in a way this does not reason about ("$").
    """
    for token in split_pattern(pattern):
        if token == "^" or token.startswith("!"):
            continue
        if token == "$" or _GAP.match(token):
            return None
        group = _group_alternatives(token)
        if group is not None:
            found: list[str] = []
            for alt in group:
                inner = _first_element_alternatives(alt)
                if inner is None:
                    return None
                found.extend(inner)
            return found
        # "a|$": at the start of a word the "$" half cannot hold (a word is not the end of a clause).
        alts = [a for a in token.split("|") if a and a != "$"]
        return None if not alts or "_" in alts else alts
    return None


def compile_concept(name: str, patterns: list[Any]) -> Concept:
    parts: list[str] = []
    first_words: list[str] | None = []
    std: set[str] = set()
    keys: set[str] = set()
    prefixes: set[str] = set()
    suffixes: set[str] = set()
    always = False
    for pattern in patterns:
        if pattern is None:
            continue
        try:
            pattern = expand_groups(str(pattern))
            parts.append(compile_pattern(str(pattern)))
        except (LexiconError, re.error) as exc:
            raise LexiconError(f"lexicon concept {name!r}, pattern {pattern!r}: {exc}") from exc
        first = _first_element_alternatives(str(pattern))
        first_words = None if first is None or first_words is None else first_words + first
        found = _first_token_triggers(str(pattern))
        if found is None:
            always = True
        else:
            std |= found[0]
            keys |= found[1]
            prefixes |= found[2]
            suffixes |= found[3]
    # A look at the first word before trying every pattern: the regex engine tries each branch of an
    # alternation in turn at every word, and most words start none of a concept's patterns. It never changes
    # a non-empty match (one always starts at such a word); empty matches are skipped by _run anyway.
    guard = rf"(?=(?:{_alternatives(first_words, tree=True)}) )" if first_words else ""
    regex = re.compile(r"(?<= )" + guard + "(?:" + "|".join(parts) + ")") if parts else re.compile(r"(?!x)x")
    triggers = None if always else Triggers(frozenset(std), frozenset(keys), tuple(sorted(prefixes)), tuple(sorted(suffixes)))
    return Concept(name, regex, triggers)


def _marker_list(name: str) -> Concept:
    return compile_concept(name, [str(p) for p in _RAW[name]])


_concepts_raw: dict[str, list[Any]] = dict(_RAW["concepts"])
_concepts_raw["private_school"] = list(_PRIVATE["private_school"])


def _institution_patterns() -> tuple[list[str], list[str]]:
    """Hospitals, psychiatric units, treatment places and prisons (data/institutions.csv) as two phrase lists:
    names that say "institution" on their own, and names that are also places or words ("Ila", "Ullevål") and
    count only beside a verb of staying there (the reader checks that)."""
    clear: list[str] = []
    stay: list[str] = []
    with (_DATA / "institutions.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for line, row in enumerate(rows, start=2):
        if row.get("context") not in ("any", "stay") or not (row.get("name") or "").strip():
            raise LexiconError(f"institutions.csv line {line}: needs a name and context 'any' or 'stay'")
        for name in {row["name"], *(row.get("alt_names") or "").split(";")}:
            words = re.findall(r"[^\W_]+(?:-[^\W_]+)*", name.casefold())
            if words:
                (clear if row["context"] == "any" else stay).append(" ".join(f"={w}" for w in words))
    return sorted(set(clear)), sorted(set(stay))


_concepts_raw["institution"], _concepts_raw["institution_if_staying"] = _institution_patterns()
CONCEPTS: dict[str, Concept] = {name: compile_concept(name, pats or []) for name, pats in _concepts_raw.items()}
PLAN = _marker_list("plan_markers")
STARTED = _marker_list("started_markers")
ENDED = _marker_list("ended_markers")
PAST = _marker_list("past_markers")
JOKE = compile_concept("joke_markers", [str(p) for p in _RAW["joke_markers"]])
NEGATION_RE = compile_concept(
    "negation",
    [f"={w}" for w in NEGATION]
    + ["lenger =ikke", "=no =longer", "=anymore"]
    # "for syk til å jobbe", "too sick to work": the activity after it does not happen.
    + ["=for|=altfor|=too =syk|=sjuk|=dårlig|=sliten|=trøtt|=trøytt|=deprimert|=redd|=sick|=ill|=unwell|=tired"
       "|=depressed|=scared|=weak|=svak =til|=to"],
)

for _words in (ACK_WORDS, NEGATION, STOP_WORDS, STOP_FILLERS):
    VOCABULARY.protected.update(_words)
for _values in DIALECT_NORWEGIAN.values():
    VOCABULARY.known.update(_values)
VOCABULARY.known.update(DIALECT_NORWEGIAN)
VOCABULARY.known.update(ACK_WORDS)
VOCABULARY.freeze()


class TriggerIndex:
    """Which concepts a reply can possibly match, from its words, in one pass instead of one check per concept."""

    def __init__(self, concepts: dict[str, Concept]) -> None:
        self.always: frozenset[str] = frozenset(n for n, c in concepts.items() if c.triggers is None)
        self.by_std: dict[str, set[str]] = {}
        self.by_key: dict[str, set[str]] = {}
        self.affixed: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
        for name, concept in concepts.items():
            t = concept.triggers
            if t is None:
                continue
            for word in t.std:
                self.by_std.setdefault(word, set()).add(name)
            for key in t.keys:
                self.by_key.setdefault(key, set()).add(name)
            if t.prefixes or t.suffixes:
                self.affixed.append((name, t.prefixes, t.suffixes))

    def candidates(self, norm: Normalised) -> set[str]:
        found = set(self.always)
        by_std, by_key, affixed = self.by_std, self.by_key, self._affixed_for
        for word in norm.std_set:
            names = by_std.get(word)
            if names:
                found |= names
            affixed_names = affixed(word)
            if affixed_names:
                found |= affixed_names
        for key in norm.key_set:
            names = by_key.get(key)
            if names:
                found |= names
        return found

    @lru_cache(maxsize=65536)  # noqa: B019 - one index per process (CONCEPT_INDEX); words repeat across replies
    def _affixed_for(self, word: str) -> frozenset[str]:
        """The concepts one of whose prefixes starts `word` or whose suffixes end it."""
        return frozenset(
            name
            for name, prefixes, suffixes in self.affixed
            if (prefixes and word.startswith(prefixes)) or (suffixes and word.endswith(suffixes))
        )


CONCEPT_INDEX = TriggerIndex(CONCEPTS)


def find_all(norm: Normalised) -> dict[str, list[Hit]]:
    """Every concept's hits in one reply; concepts whose trigger words are absent are not run at all."""
    wanted = CONCEPT_INDEX.candidates(norm)
    return {name: (_run(regex, norm, name) if name in wanted else []) for name, regex in CONCEPTS.items()}


def find(regex: Concept, norm: Normalised, concept: str = "") -> list[Hit]:
    """Every match of a compiled concept in a normalised reply, as token ranges."""
    if regex.triggers is not None:
        if not regex.may_match(norm.std_set, norm.key_set):
            return []
    return _run(regex, norm, concept)


def _run(regex: Concept, norm: Normalised, concept: str) -> list[Hit]:
    hits: list[Hit] = []
    for match in regex.finditer(norm.string):
        start, end = match.start(), max(match.end() - 1, match.start())
        if start == end and match.end() == match.start():
            continue
        first_el = bisect.bisect_right(norm.offsets, start) - 1
        last_el = bisect.bisect_right(norm.offsets, end - 1) - 1
        first = norm.token_at[first_el] if first_el >= 0 else -1
        last = norm.token_at[last_el] if last_el >= 0 else -1
        if first < 0 or last < 0:
            continue
        hits.append(Hit(concept, first, last))
    return hits
