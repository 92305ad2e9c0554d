"""The reader's vocabularies: loaded once from data/lexicon*.yaml and compiled into regular expressions.

Speed. Compiling all ~1 500 phrase patterns costs over a second, and a reply touches a few dozen of them, so a
pattern is parsed (and checked) at import but compiled to a regex only the first time a reply could match it.
Matching does not scan the reply with one big alternation per concept either: a match starts at a word that
the first token of one of the concept's patterns accepts, and usually the next word is fixed too (`_Dispatch`),
so each pattern is tried with `match` at exactly those words, in the order a `finditer` over the concept's
whole alternation would try it. The results are those of that `finditer` (`Concept.regex`, kept for callers and
as the fallback). The parsed lexicon and the unpacked word list are kept in the user's cache directory between
processes (bot.understand.cache), named by a hash of everything they come from; regexes are compiled by
`re.compile` in every process (no interpreter internals are relied on).

Lint. `literal_patterns()` lists the patterns that spell out a long literal word sequence; an entry written
{fixed: "<pattern>", why: "<reason>"} is such a literal on purpose.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import gc
import hashlib
import marshal
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, NamedTuple

import snowballstemmer
import yaml

from bot.understand import cache
from bot.understand import text as text_module
from bot.understand.text import BOUNDARY, VOCABULARY, Normalised, word_key

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


# The start-up cache (bot.understand.cache): the lexicon files as loaded, and every concept as parsed and
# prepared for matching, as plain data. Its name is a hash of every file that goes into it, so a change to the
# lexicon, the word list, the stemmer or this code makes a new entry.
_CACHE_FORMAT = b"lexicon 1"
_CACHE_INPUTS = ("lexicon.yaml", "lexicon_private_schools.yaml", "institutions.csv")


def _cache_name() -> str | None:
    digest = hashlib.sha256(_CACHE_FORMAT)
    digest.update(f"{sys.version} {marshal.version} {yaml.__version__} {hasattr(yaml, 'CSafeLoader')}".encode())
    try:
        stemmer = Path(snowballstemmer.__file__).parent
        for path in (Path(__file__), Path(text_module.__file__ or ""), stemmer / "norwegian_stemmer.py",
                     stemmer / "basestemmer.py", stemmer / "among.py"):
            data = path.read_bytes()
            digest.update(f"{path.name} {len(data)}\n".encode() + data)
        for name in _CACHE_INPUTS:
            data = (_DATA / name).read_bytes()
            digest.update(f"{name} {len(data)}\n".encode() + data)
        digest.update(f"words.txt.gz {text_module.word_list_digest()}\n".encode())  # keys come from the word list
    except (OSError, TypeError):
        return None
    return f"lexicon-{digest.hexdigest()[:32]}.bin"


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Without the cycle collector: loading the cache makes a hundred thousand small tuples, which would set off
    full collections over objects that are all kept (a fifth of the load time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_cache(name: str | None) -> tuple[Any, ...] | None:
    payload = cache.load(name) if name else None
    if payload is None:
        return None
    try:
        with _no_gc():
            state = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return state if isinstance(state, tuple) and len(state) == 5 else None


def _store_cache(concepts: dict[str, Concept], markers: list[Concept], words: set[str]) -> None:
    if _CACHE_NAME is None:
        return
    state = (_RAW, _PRIVATE, [c._state() for c in concepts.values()], [m._state() for m in markers], sorted(words))
    try:
        payload = marshal.dumps(state)
    except ValueError:  # something YAML made that marshal cannot keep (a date): no cache
        return
    cache.store(_CACHE_NAME, payload, replaces="lexicon-")


_CACHE_NAME = _cache_name()
_CACHED = _load_cache(_CACHE_NAME)
_RAW: dict[str, Any] = _CACHED[0] if _CACHED is not None else _load_yaml("lexicon.yaml")
_PRIVATE: dict[str, Any] = _CACHED[1] if _CACHED is not None else _load_yaml("lexicon_private_schools.yaml")


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


_STD: dict[str, str] = {}


def _std(word: str) -> str:
    """A pattern word's standard form: what the dialect table turns it into when that is one word."""
    std = _STD.get(word)
    if std is None:
        folded = word.casefold()
        mapped = DIALECT.get(folded, (folded,))
        std = _STD[word] = mapped[0] if len(mapped) == 1 else folded
    return std


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


_VOCABULARY_SEEN: set[tuple[str, ...]] = set()


def _add_vocabulary(alts: tuple[str, ...] | list[str]) -> None:
    """The words a token's alternatives spell out ("=jobb", "skole"): the normaliser repairs typos towards them."""
    seen = tuple(alts)
    if seen in _VOCABULARY_SEEN:
        return
    _VOCABULARY_SEEN.add(seen)
    for alt in alts:
        if alt in ("@name", "_"):
            continue
        if alt.startswith("="):
            VOCABULARY.known.add(_std(alt[1:]))
        elif len(alt) > 1 and (alt.endswith("*") or alt.startswith("*")):
            continue
        else:
            VOCABULARY.known.add(_std(alt))


class _Kinds(NamedTuple):
    """A token's alternatives by kind: @name, _ (any word), =exact forms, lemma keys, prefix* and *suffix."""

    names: bool
    anything: bool
    exact: list[str]
    keys: list[str]
    prefixes: list[str]
    suffixes: list[str]


def _kinds(alts: list[str]) -> _Kinds:
    kinds = _Kinds(False, False, [], [], [], [])
    names = anything = False
    for alt in alts:
        if alt == "@name":
            names = True
        elif alt == "_":
            anything = True
        elif alt.startswith("="):
            kinds.exact.append(_std(alt[1:]))
        elif alt.endswith("*") and len(alt) > 1:
            kinds.prefixes.append(alt[:-1].casefold())
        elif alt.startswith("*") and len(alt) > 1:
            # Norwegian compounds put the head last: "*institusjon" is ungdomsinstitusjon, rusinstitusjon, ...
            kinds.suffixes.append(alt[1:].casefold())
        else:
            kinds.keys.append(word_key(_std(alt)))
    return kinds._replace(names=names, anything=anything)


def _alternatives(alts: list[str], *, tree: bool = False) -> str:
    """A pattern token's alternatives ("a|=b|c*") as one regex over one `std:key:f` element (no space).

    Every alternative matches exactly one whole element, so alternatives of one kind share one regex
    ("[^ :|]+:(?:jobb|skol):[wN]" rather than one copy per word): the same strings match, and the
    regexes compile several times faster than one branch per word.
    """
    _add_vocabulary(alts)
    kinds = _kinds(alts)
    if kinds.anything:
        return _ELEMENT  # "_" is any element: every other alternative is one of them
    names, exact, keys, prefixes, suffixes = kinds.names, kinds.exact, kinds.keys, kinds.prefixes, kinds.suffixes

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
    if "(" not in pattern:
        return [token for token in pattern.split(" ") if token]
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


# A parsed pattern is a tuple of tokens, each a tuple whose first item says what it is:
#   (_GROUP, (tokens, tokens, ...))       "(a b|c)": alternatives of several words
#   (_SKIP, low, high)                    "..", "..(0-2)": a gap of words
#   (_END,)  "$"   (_START,)  "^"
#   (_NOT, alternatives)                  "!a|b": the next word is none of these
#   (_WORDS, alternatives, or_end, empty) "a|=b|c*": one word; or_end for "a|$", empty for "a||b"
_GROUP, _SKIP, _END, _START, _NOT, _WORDS = range(6)
_Parsed = tuple[tuple[Any, ...], ...]


_PARSED: dict[str, _Parsed] = {}  # phrases repeat: the alternatives of a %group, of a phrase group


def _parse(pattern: str) -> _Parsed:
    """One phrase of the lexicon syntax as tokens; raises LexiconError where compile_pattern would."""
    parsed = _PARSED.get(pattern)
    if parsed is None:
        parsed = _PARSED[pattern] = _parse_new(pattern)
    return parsed


_NOT_SYNTAX = re.compile(r"[?+{}]$|^\(|\)$")


def _parse_new(pattern: str) -> _Parsed:
    out: list[tuple[Any, ...]] = []
    for raw_token in split_pattern(pattern):
        if _NOT_SYNTAX.search(raw_token) and _group_alternatives(raw_token) is None and not _GAP.match(raw_token):
            # "(=a|=b)?" is no syntax of ours (no optional tokens): it would silently match something else.
            raise LexiconError(f"token {raw_token!r} in pattern {pattern!r} is not pattern syntax: write the "
                               "pattern twice, or use a gap ..(0-1)")
        group = _group_alternatives(raw_token)
        if group is not None:
            out.append((_GROUP, tuple(_parse(alt) for alt in group)))
            continue
        gap = _GAP.match(raw_token)
        if gap:
            low, high = (int(gap.group(1)), int(gap.group(2))) if gap.group(1) else (0, 3)
            if low > high:
                raise LexiconError(f"gap {raw_token!r} in pattern {pattern!r}: at least {low} words but at most {high}")
            out.append((_SKIP, low, high))
            continue
        if raw_token == "$":
            out.append((_END,))
            continue
        if raw_token == "^":
            out.append((_START,))
            continue
        if raw_token.startswith("!"):
            out.append((_NOT, tuple(a for a in raw_token[1:].split("|") if a)))
            continue
        parts = raw_token.split("|")
        words = tuple(a for a in parts if a and a != "$")
        if not words:
            raise LexiconError(f"empty token in pattern {pattern!r}")
        out.append((_WORDS, words, "$" in parts, "" in parts))
    if not out:
        raise LexiconError("empty pattern")
    return tuple(out)


def _emit(tokens: _Parsed) -> str:
    """A parsed phrase as a regex over the normalised string."""
    out: list[str] = []
    for token in tokens:
        kind = token[0]
        if kind == _GROUP:
            out.append("(?:" + "|".join(f"(?:{_emit(alt)})" for alt in token[1]) + ")")
        elif kind == _SKIP:
            out.append(rf"(?:[^ :|]+:[^ :|]+:[wN] ){{{token[1]},{token[2]}}}")
        elif kind == _END:
            out.append(r"(?=\||$)")
        elif kind == _START:
            # The clause starts here: the string's first element or the one after a boundary.
            out.append(r"(?:(?<=^ )|(?<=\| ))")
        elif kind == _NOT:
            out.append(rf"(?!(?:{_alternatives(list(token[1]))}) )")
        elif token[2]:
            # "a|b|$": one of the words, or the clause ends here.
            out.append(rf"(?:(?:{_alternatives(list(token[1]))}) |(?=\||$))")
        else:
            out.append(rf"(?:{_alternatives(list(token[1]))}) ")
    return "".join(out)


def compile_pattern(pattern: str) -> str:
    """One phrase of the lexicon syntax (see lexicon.yaml) as a regex over the normalised string."""
    return _emit(_parse(pattern))


def _vocabulary_of(tokens: _Parsed) -> None:
    """Add every word a parsed phrase spells out to VOCABULARY (what compiling it would add)."""
    for token in tokens:
        kind = token[0]
        if kind == _GROUP:
            for alt in token[1]:
                _vocabulary_of(alt)
        elif kind in (_NOT, _WORDS):
            _add_vocabulary(token[1])


@dataclass(frozen=True, slots=True)
class Triggers:
    """Words one of which a reply must contain for a concept to be worth running (None: always run)."""

    std: frozenset[str]
    keys: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...] = ()

    def present(self, std: frozenset[str], keys: frozenset[str]) -> bool:
        if not self.std.isdisjoint(std) or not self.keys.isdisjoint(keys):
            return True
        if self.prefixes and any(word.startswith(self.prefixes) for word in std):
            return True
        return any(word.endswith(self.suffixes) for word in std) if self.suffixes else False


_TriggerSets = tuple[set[str], set[str], set[str], set[str]]


def _first_token_triggers(tokens: _Parsed) -> _TriggerSets | None:
    """The words of the first token that consumes one (gaps, "$", "^" and "!x" skipped); None: any word."""
    consuming = [t for t in tokens if t[0] in (_GROUP, _WORDS)]
    if not consuming:
        return None
    std: set[str] = set()
    keys: set[str] = set()
    prefixes: set[str] = set()
    suffixes: set[str] = set()
    first = consuming[0]
    if first[0] == _GROUP:
        for alt in first[1]:
            found = _first_token_triggers(alt)
            if found is None:
                return None
            for mine, theirs in zip((std, keys, prefixes, suffixes), found, strict=True):
                mine |= theirs
        return std, keys, prefixes, suffixes
    _, words, or_end, empty = first
    if or_end or empty or "@name" in words or "_" in words:
        return None
    for alt in words:
        if alt.startswith("="):
            std.add(_std(alt[1:]))
        elif alt.endswith("*") and len(alt) > 1:
            prefixes.add(alt[:-1].casefold())
        elif alt.startswith("*") and len(alt) > 1:
            suffixes.add(alt[1:].casefold())
        else:
            keys.add(word_key(_std(alt)))
    return std, keys, prefixes, suffixes


def _first_element_alternatives(tokens: _Parsed) -> list[str] | None:
    """The alternatives of the first token that consumes a word ("^" and "!x" only look), None when unsure.

    A non-empty match of the pattern starts at a word one of these matches. None when that word can be any
    (a gap "..", "_") or when the pattern starts in a way this does not reason about ("$").
    """
    for token in tokens:
        kind = token[0]
        if kind in (_START, _NOT):
            continue
        if kind in (_END, _SKIP):
            return None
        if kind == _GROUP:
            found: list[str] = []
            for alt in token[1]:
                inner = _first_element_alternatives(alt)
                if inner is None:
                    return None
                found.extend(inner)
            return found
        # "a|$": at the start of a word the "$" half cannot hold (a word is not the end of a clause).
        return None if "_" in token[1] else list(token[1])
    return None


def _next_word(tokens: _Parsed) -> list[str] | None:
    """The alternatives of the word that `tokens` must consume first, right at the next element; None when
    unsure: the next token may consume nothing ("a|$", a gap, "$") or anything ("_")."""
    for token in tokens:
        kind = token[0]
        if kind in (_START, _NOT):
            continue
        if kind == _WORDS:
            return None if token[2] or "_" in token[1] else list(token[1])
        if kind == _GROUP:
            found: list[str] = []
            for alt in token[1]:
                inner = _next_word(alt)
                if inner is None:
                    return None
                found.extend(inner)
            return found
        return None
    return None


def _one_word(tokens: _Parsed) -> bool:
    """Whether the phrase consumes exactly one word, always (one plain word token and look-only tokens)."""
    consuming = [t for t in tokens if t[0] not in (_START, _NOT)]
    return len(consuming) == 1 and consuming[0][0] == _WORDS and not consuming[0][2]


def _later_word(tokens: _Parsed) -> list[str] | None:
    """The alternatives of the next word `tokens` must consume, somewhere after gaps; None when unsure."""
    for token in tokens:
        kind = token[0]
        if kind in (_START, _NOT, _SKIP, _END):
            continue
        if kind == _WORDS:
            return None if token[2] or "_" in token[1] else list(token[1])
        found: list[str] = []
        for alt in token[1]:
            inner = _later_word(alt)
            if inner is None:
                return None
            found.extend(inner)
        return found
    return None


_Head = tuple[list[str], list[str] | None, bool]


def _heads(tokens: _Parsed) -> list[_Head] | None:
    """How a phrase can start: for each way, the alternatives of its first word, those of a word it must consume
    later (None: none known), and whether that word is the very next element. None when the first word can be
    any word (a gap, "_", "$")."""
    for index, token in enumerate(tokens):
        kind = token[0]
        if kind in (_START, _NOT):
            continue
        rest = tokens[index + 1 :]
        if kind == _WORDS:
            # "a|$" at the start of a word: the "$" half cannot hold (a word is not the end of a clause).
            if "_" in token[1]:
                return None
            after = _next_word(rest)
            return [(list(token[1]), after, True) if after is not None else (list(token[1]), _later_word(rest), False)]
        if kind != _GROUP:
            return None
        found: list[_Head] = []
        for alt in token[1]:
            inner = _heads(alt)
            if inner is None:
                return None
            for first, then, adjacent in inner:
                if then is None:
                    if _one_word(alt):
                        then, adjacent = _next_word(rest), True
                    if then is None:
                        then, adjacent = _later_word(rest), False
                found.append((first, then, adjacent))
        return found
    return None


def _anchored(tokens: _Parsed) -> bool:
    """Whether the phrase starts with "^" (before any token that consumes a word): it starts a clause."""
    for token in tokens:
        if token[0] == _START:
            return True
        if token[0] != _NOT:
            return False
    return False


class _First(NamedTuple):
    """The elements one token accepts: exact forms, lemma keys, prefixes, suffixes, any name."""

    std: frozenset[str]
    keys: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    names: bool


_FIRSTS: dict[tuple[str, ...], _First] = {}


def _first_of(alts: list[str]) -> _First:
    """What `_alternatives(alts)` matches, as sets: an element matches when one of its parts is in them."""
    key = tuple(alts)
    found = _FIRSTS.get(key)
    if found is None:
        found = _FIRSTS[key] = _first_of_new(alts)
    return found


def _first_of_new(alts: list[str]) -> _First:
    k = _kinds(alts)
    return _First(frozenset(k.exact), frozenset(k.keys), tuple(sorted(set(k.prefixes))),
                  tuple(sorted(set(k.suffixes))), k.names)


class _Start(NamedTuple):
    """Where one pattern of a concept can start matching."""

    first: _First | None  # None: at any word
    then: _First | None  # a word the match must consume after the first (None: none known)
    adjacent: bool  # and that word is the very next element
    anchored: bool  # only at the start of a clause
    triggers: Triggers | None  # words the reply must contain for the pattern to match anywhere (None: any)


def _triggers(found: _TriggerSets | None) -> Triggers | None:
    if found is None:
        return None
    std, keys, prefixes, suffixes = found
    return Triggers(frozenset(std), frozenset(keys), tuple(sorted(prefixes)), tuple(sorted(suffixes)))


def _plain_triggers(triggers: Triggers | None) -> tuple[Any, ...] | None:
    return None if triggers is None else (triggers.std, triggers.keys, triggers.prefixes, triggers.suffixes)


def _plain_first(first: _First | None) -> tuple[Any, ...] | None:
    return None if first is None else tuple(first)


class Concept:
    """A concept's patterns: parsed at once, each compiled to a regex the first time a reply may match it."""

    __slots__ = ("_compiled", "_dispatch", "_firsts", "_parsed", "_patterns", "_regex", "_starts", "name", "triggers")

    def __init__(self, name: str, patterns: list[str], parsed: list[_Parsed]) -> None:
        self._setup(name, patterns, parsed, [_first_element_alternatives(tokens) for tokens in parsed])
        starts: list[_Start] = []
        std: set[str] = set()
        keys: set[str] = set()
        prefixes: set[str] = set()
        suffixes: set[str] = set()
        always = False
        for tokens, first in zip(parsed, self._firsts, strict=True):
            found = _first_token_triggers(tokens)
            if found is None:
                always = True
            else:
                std |= found[0]
                keys |= found[1]
                prefixes |= found[2]
                suffixes |= found[3]
            heads = _heads(tokens) if first is not None else None
            if heads is None:
                starts.append(_Start(None, None, False, _anchored(tokens), _triggers(found)))
                continue
            thens = [then for _, then, _ in heads]
            starts.append(_Start(
                _first_of([word for head, _, _ in heads for word in head]),
                None if any(t is None for t in thens) else _first_of([w for t in thens if t for w in t]),
                all(adjacent for _, _, adjacent in heads),
                _anchored(tokens),
                _triggers(found),
            ))
        self._starts = starts
        self.triggers = None if always else _triggers((std, keys, prefixes, suffixes))

    def _setup(self, name: str, patterns: list[str], parsed: list[_Parsed], firsts: list[list[str] | None]) -> None:
        self.name = name
        self._patterns = patterns  # group-expanded, for messages
        self._parsed = parsed
        self._firsts = firsts
        self._compiled: list[re.Pattern[str] | None] = [None] * len(parsed)
        self._regex: re.Pattern[str] | None = None
        self._dispatch: _Dispatch | None = None

    def _state(self) -> tuple[Any, ...]:
        """What the concept was made of, as plain data (for the start-up cache): see `_restore`."""
        starts = [
            (_plain_first(s.first), _plain_first(s.then), s.adjacent, s.anchored, _plain_triggers(s.triggers))
            for s in self._starts
        ]
        return (self.name, self._patterns, self._parsed, self._firsts, starts, _plain_triggers(self.triggers))

    @classmethod
    def _restore(cls, state: tuple[Any, ...]) -> Concept:
        name, patterns, parsed, firsts, starts, triggers = state
        concept = cls.__new__(cls)
        concept._setup(name, list(patterns), list(parsed), list(firsts))
        concept._starts = [
            _Start(
                None if first is None else _First(*first),
                None if then is None else _First(*then),
                adjacent,
                anchored,
                None if found is None else Triggers(*found),
            )
            for first, then, adjacent, anchored, found in starts
        ]
        concept.triggers = None if triggers is None else Triggers(*triggers)
        return concept

    def _error(self, index: int, exc: Exception) -> LexiconError:
        return LexiconError(f"lexicon concept {self.name!r}, pattern {self._patterns[index]!r}: {exc}")

    def pattern_regex(self, index: int) -> re.Pattern[str]:
        """The regex of one pattern (compiled on first use), to `match` at the element where a match starts."""
        compiled = self._compiled[index]
        if compiled is None:
            try:
                compiled = re.compile(_emit(self._parsed[index]))
            except (LexiconError, re.error) as exc:
                raise self._error(index, exc) from exc
            self._compiled[index] = compiled
        return compiled

    def compile_all(self) -> None:
        """Compile every pattern now (a check of the whole lexicon; reading compiles what it needs)."""
        for index in range(len(self._parsed)):
            self.pattern_regex(index)
        _ = self.regex

    @property
    def regex(self) -> re.Pattern[str]:
        """All patterns as one regex, for `finditer` over a normalised string (compiled on first use)."""
        if self._regex is None:
            parts: list[str] = []
            for index, tokens in enumerate(self._parsed):
                try:
                    parts.append(_emit(tokens))
                except LexiconError as exc:
                    raise self._error(index, exc) from exc
            first_words: list[str] | None = []
            for first in self._firsts:
                first_words = None if first is None or first_words is None else first_words + first
            # A look at the first word before trying every pattern: the regex engine tries each branch of an
            # alternation in turn at every word, and most words start none of a concept's patterns. It never
            # changes a non-empty match (one always starts at such a word); empty matches are skipped anyway.
            guard = rf"(?=(?:{_alternatives(first_words, tree=True)}) )" if first_words else ""
            try:
                self._regex = (
                    re.compile(r"(?<= )" + guard + "(?:" + "|".join(parts) + ")") if parts else re.compile(r"(?!x)x")
                )
            except re.error as exc:
                raise LexiconError(f"lexicon concept {self.name!r}: {exc}") from exc
        return self._regex

    def finditer(self, string: str) -> Iterator[re.Match[str]]:
        return self.regex.finditer(string)

    def may_match(self, std: frozenset[str], keys: frozenset[str]) -> bool:
        t = self.triggers
        return True if t is None else t.present(std, keys)



# --- Matching a clause without regexes ------------------------------------------------------------------
# Compiling a pattern's regex costs a millisecond or more, and a process meets hundreds of patterns. A clause
# is matched instead by walking the parsed pattern over the clause's elements, exactly as the regex engine
# backtracks through the pattern's regex (`_emit`): a phrase group tries its alternatives in order, a gap takes
# as many words as it may and gives them back one by one, "a|$" tries the word before the end of the clause.
# Each element is (std, key, looks like a name), with std and key non-empty (else the clause is matched by
# the regexes): then one word token accepts an element exactly when its regex matches that element.
_Element = tuple[str, str, bool]
_Accepts = tuple[bool, frozenset[str], frozenset[str], tuple[str, ...], tuple[str, ...], bool]
_ACCEPTS: dict[tuple[str, ...], _Accepts | None] = {}
_UNSAFE = re.compile(r"[ :|]")


def _accepts(alts: tuple[str, ...]) -> _Accepts | None:
    """(any element, exact forms, keys, prefixes, suffixes, names) for a token's alternatives; None when a
    word holds a character an element cannot (then only the regex says what it matches)."""
    if alts in _ACCEPTS:
        return _ACCEPTS[alts]
    found: _Accepts | None = None
    if not any(_UNSAFE.search(alt) for alt in alts if alt not in ("@name", "_")):
        first = _first_of_new(list(alts)) if "_" not in alts else None
        if first is None:
            found = (True, frozenset(), frozenset(), (), (), False)
        else:
            words = (*first.std, *first.keys, *first.prefixes, *first.suffixes)
            if all(words) and not any(_UNSAFE.search(w) for w in words):
                found = (False, first.std, first.keys, first.prefixes, first.suffixes, first.names)
    _ACCEPTS[alts] = found
    return found


def _accepted(accepts: _Accepts, element: _Element) -> bool:
    anything, std_set, keys, prefixes, suffixes, names = accepts
    if anything:
        return True
    std, key, name = element
    return (
        std in std_set
        or key in keys
        or (names and name)
        or (bool(prefixes) and std.startswith(prefixes))
        or (bool(suffixes) and std.endswith(suffixes))
    )


def _plain(tokens: _Parsed) -> bool:
    """Whether every word token of a parsed phrase can be matched without its regex (`_accepts`)."""
    for token in tokens:
        kind = token[0]
        if kind == _GROUP:
            if not all(_plain(alt) for alt in token[1]):
                return False
        elif kind in (_NOT, _WORDS):
            if not token[1] or _accepts(token[1]) is None:
                return False
    return True


def _ends(tokens: _Parsed, at: int, i: int, elements: list[_Element]) -> Iterator[int]:
    """Where a match of tokens[at:] starting at element i can end, in the order the regex engine tries them."""
    if at == len(tokens):
        yield i
        return
    token = tokens[at]
    kind = token[0]
    n = len(elements)
    if kind == _WORDS:
        accepts = _accepts(token[1])
        if i < n and accepts is not None and _accepted(accepts, elements[i]):
            yield from _ends(tokens, at + 1, i + 1, elements)
        if token[2] and i == n:  # "a|$": or the clause ends here
            yield from _ends(tokens, at + 1, i, elements)
    elif kind == _GROUP:
        for alt in token[1]:
            for j in _ends(alt, 0, i, elements):
                yield from _ends(tokens, at + 1, j, elements)
    elif kind == _SKIP:
        low, high = token[1], token[2]
        for count in range(min(high, n - i), low - 1, -1):
            yield from _ends(tokens, at + 1, i + count, elements)
    elif kind == _END:
        if i == n:
            yield from _ends(tokens, at + 1, i, elements)
    elif kind == _START:
        if i == 0:
            yield from _ends(tokens, at + 1, i, elements)
    else:  # _NOT
        accepts = _accepts(token[1])
        if i == n or (accepts is not None and not _accepted(accepts, elements[i])):
            yield from _ends(tokens, at + 1, i, elements)


def _match_end(tokens: _Parsed, i: int, elements: list[_Element]) -> int | None:
    """The element where the first match of the phrase at element i ends (what `regex.match` finds), or None."""
    return next(_ends(tokens, 0, i, elements), None)


_CACHE_LIMIT = 1 << 16
_NEVER = 1 << 62  # "no further match of this concept in this reply"


class _Index:
    """Pattern ids by the element they accept: exact forms, lemma keys, prefixes or suffixes, or any name."""

    def __init__(self) -> None:
        self.by_std: dict[str, list[int]] = {}
        self.by_key: dict[str, list[int]] = {}
        self.affixed: list[tuple[int, tuple[str, ...], tuple[str, ...]]] = []
        self.names: list[int] = []

    def add(self, pattern: int, accepts: _First) -> None:
        for word in accepts.std:
            self.by_std.setdefault(word, []).append(pattern)
        for key in accepts.keys:
            self.by_key.setdefault(key, []).append(pattern)
        if accepts.prefixes or accepts.suffixes:
            self.affixed.append((pattern, accepts.prefixes, accepts.suffixes))
        if accepts.names:
            self.names.append(pattern)

    def accepting(self, element: str) -> set[int]:
        """The pattern ids that accept one element of the normalised string ("std:key:f")."""
        std, key, flag = element.split(":")
        found = set(self.by_std.get(std, ()))
        found.update(self.by_key.get(key, ()))
        for pattern, prefixes, suffixes in self.affixed:
            if (prefixes and std.startswith(prefixes)) or (suffixes and std.endswith(suffixes)):
                found.add(pattern)
        if flag == "N":
            found.update(self.names)
        return found


# What one element tells the dispatch, with the element after it: the patterns to try there (ids in order),
# those to try if the reply holds a word they need later, and the later words this element is (as ids).
_Step = tuple[tuple[int, ...], frozenset[int], frozenset[int]]
# One clause's hits: its number of tokens, (concept index, token ranges) in order, concepts that matched empty.
_ClauseHits = tuple[int, tuple[tuple[int, tuple[tuple[int, int], ...]], ...], tuple[int, ...]]
# Hits are immutable: the same hit in many replies is one object.
_HITS: dict[tuple[str, int, int], Hit] = {}


class _Dispatch:
    """Which patterns of which concepts may start a match at a word, found by the word and the next one.

    A concept's regex matches where one of its patterns does; a non-empty match starts at an element that
    the pattern's first consuming token accepts (nothing consumes a boundary "|"), and that token is one
    `std:key:f` element tested by its exact forms (std), lemma keys (key), prefixes, suffixes or "@name"
    (f == "N"). When the second token is a plain word token too, the next element must be one it accepts;
    when a word token follows a gap, the reply must hold a word it accepts. Patterns that may start at any
    word (a gap first) are tried at every word, or at the start of each clause when they begin with "^", and
    only when the reply holds their trigger words. What remains is tried with `match`, word by word and, at
    one word, in the order of the concept's alternation: what finditer over that alternation finds.

    Patterns have ids in the order (concept, pattern), so sorting ids gives the alternation's order.
    """

    def __init__(self, concepts: list[Concept]) -> None:
        self.concepts = concepts
        self.concept_of: list[int] = []  # by pattern id
        self.index_in: list[int] = []  # the pattern's index in its concept
        self.regexes: list[re.Pattern[str] | None] = []
        self.plain: list[bool | None] = []  # whether the pattern is matched without its regex (None: not known yet)
        self.first = _Index()
        self.second = _Index()  # what the next element must be
        self.later = _Index()  # a word the reply must hold
        self.open: set[int] = set()  # ids that say nothing about what follows the first word
        self.adjacent: set[int] = set()
        self.wild: list[tuple[int, bool, bool]] = []  # id, anchored, needs a later word
        self._elements: dict[str, tuple[tuple[int, ...], frozenset[int], frozenset[int]]] = {}
        self._steps: dict[str, _Step] = {}
        self._clauses: dict[str, _ClauseHits] = {}
        for ci, concept in enumerate(concepts):
            for pi, start in enumerate(concept._starts):
                pattern = len(self.concept_of)
                self.concept_of.append(ci)
                self.index_in.append(pi)
                self.regexes.append(None)
                self.plain.append(None)
                if start.first is None:
                    t = start.triggers
                    if t is not None:
                        self.later.add(pattern, _First(t.std, t.keys, t.prefixes, t.suffixes, False))
                    self.wild.append((pattern, start.anchored, t is not None))
                    continue
                self.first.add(pattern, start.first)
                if start.then is None:
                    self.open.add(pattern)
                elif start.adjacent:
                    self.adjacent.add(pattern)
                    self.second.add(pattern, start.then)
                else:
                    self.later.add(pattern, start.then)

    def _regex(self, pattern: int) -> re.Pattern[str]:
        regex = self.regexes[pattern] = self.concepts[self.concept_of[pattern]].pattern_regex(self.index_in[pattern])
        return regex

    def _element(self, element: str) -> tuple[tuple[int, ...], frozenset[int], frozenset[int]]:
        """For one element: the ids it may start, those it may be the second word of, the later words it is."""
        found = self._elements.get(element)
        if found is None:
            found = (
                tuple(sorted(self.first.accepting(element))),
                frozenset(self.second.accepting(element)),
                frozenset(self.later.accepting(element)),
            )
            if len(self._elements) >= _CACHE_LIMIT:
                self._elements.clear()
            self._elements[element] = found
        return found

    def _step(self, text: str) -> _Step:
        """`text` is an element and what follows it: "std:key:f std:key:f ", "std:key:f | " or "std:key:f "."""
        element, _, rest = text.partition(" ")
        first, _, provides = self._element(element)
        after = rest.partition(" ")[0]
        following = self._element(after)[1] if after and after != BOUNDARY else frozenset()
        opened, adjacent = self.open, self.adjacent
        now = tuple(p for p in first if p in opened or (p in adjacent and p in following))
        later = frozenset(p for p in first if p not in opened and p not in adjacent)
        step = (now, later, provides)
        if len(self._steps) >= _CACHE_LIMIT:
            self._steps.clear()
        self._steps[text] = step
        return step

    def run(self, norm: Normalised, labels: list[str]) -> dict[int, list[Hit]] | None:
        """Every concept's hits (by index, only concepts with hits, each hit named by `labels`); None when the
        string is not as expected (then `_run` over each concept's whole regex reads it).

        No match crosses a clause boundary ("| "): a gap consumes only words, "^" and "$" look one element
        back or ahead, and a boundary is no word. So each clause is matched on its own (as the string " " +
        clause, where "^" and "$" hold at the same elements) and its hits are kept by the clause's text:
        clauses repeat across replies far more than whole replies do. Which later words a clause holds only
        decides which patterns are worth trying; a pattern that needs a word matches it inside its clause.
        """
        string = norm.string
        count = len(norm.tokens)
        offsets = norm.offsets
        # Every element is "std:key:f " or "| ": parts hold no space, colon or bar (else the slow way).
        if (
            string.count(":") != 2 * count
            or string.count("|") != len(offsets) - count
            or string.count(" ") != len(offsets) + 1
        ):
            return None
        if not count:
            return {}
        clauses = self._clauses
        found: dict[int, list[Hit]] = {}
        broken: list[int] | None = None
        base = 0
        hit_of = _HITS
        for clause in string[1:].split(BOUNDARY + " "):
            entry = clauses.get(clause)
            if entry is None:
                entry = self._clause(clause)
            size, spans, clause_broken = entry
            for ci, places in spans:
                hits = found.get(ci)
                if hits is None:
                    hits = found[ci] = []
                label = labels[ci]
                for first, last in places:
                    key = (label, first + base, last + base)
                    hit = hit_of.get(key)
                    if hit is None:
                        if len(hit_of) >= _CACHE_LIMIT:
                            hit_of.clear()
                        hit = hit_of[key] = Hit(*key)
                    hits.append(hit)
            if clause_broken:
                broken = [*(broken or ()), *clause_broken]
            base += size
        if broken:
            for ci in dict.fromkeys(broken):
                found[ci] = _run(self.concepts[ci], norm, labels[ci])
        return found

    def _clause(self, clause: str) -> _ClauseHits:
        """The hits in one clause ("std:key:f std:key:f "), by concept and in order, as token ranges within it;
        and the concepts with an empty match there (read by `_run` over the whole reply instead)."""
        elements_of = clause.split(" ")
        size = len(elements_of) - 1  # the clause ends with a space
        offsets: list[int] = []
        position = 1
        for element in elements_of[:size]:
            offsets.append(position)
            position += len(element) + 1
        read: list[_Element] = []
        for element in elements_of[:size]:
            parts = element.split(":")
            if len(parts) != 3 or not parts[0] or not parts[1] or parts[2] not in ("w", "N"):
                break  # not as the patterns expect: the regexes read the clause
            read.append((parts[0], parts[1], parts[2] == "N"))
        elements = read if len(read) == size else None
        spans, broken = self._walk(" " + clause, offsets, list(range(size)), elements)
        entry = (size, tuple((ci, tuple(places)) for ci, places in spans.items()), tuple(broken))
        if len(self._clauses) >= _CACHE_LIMIT:
            self._clauses.clear()
        self._clauses[clause] = entry
        return entry

    def _walk(
        self, string: str, offsets: list[int], token_at: list[int], elements: list[_Element] | None
    ) -> tuple[dict[int, list[tuple[int, int]]], list[int]]:
        """The hits of every concept in a well-formed clause string (by concept index, as token ranges), and
        the concepts that matched empty somewhere (finditer would go on from there: `_run` reads those).
        With `elements` (the clause's elements), plain patterns are matched without their regexes."""
        steps, step_of = self._steps, self._step
        walk: list[tuple[int, int, _Step]] = []
        present: set[int] = set()
        penultimate = len(offsets) - 2
        for element, offset in enumerate(offsets):
            if token_at[element] < 0:
                continue
            text = string[offset : offsets[element + 2]] if element < penultimate else string[offset:]
            step = steps.get(text)
            if step is None:
                step = step_of(text)
            walk.append((element, offset, step))
            if step[2]:
                present |= step[2]
        anywhere: list[int] = []
        at_start: list[int] = []
        for pattern, anchored, needs in self.wild:
            if not needs or pattern in present:
                (at_start if anchored else anywhere).append(pattern)
        found: dict[int, list[tuple[int, int]]] = {}
        concept_of, regexes, plains = self.concept_of, self.regexes, self.plain
        count = len(offsets)
        ends = [0] * len(self.concepts)  # where each concept's last match ended: no match starts before
        broken: list[int] = []
        bisect_right = bisect.bisect_right
        for element, offset, (now, later, _) in walk:
            patterns: tuple[int, ...] | list[int] = now
            extra = present.intersection(later) if later else None
            if extra or anywhere or at_start:
                more = [*now, *extra] if extra else [*now]
                more += anywhere
                if at_start and (offset == 1 or string[offset - 2] == BOUNDARY):
                    more += at_start
                patterns = sorted(more)
            for pattern in patterns:
                ci = concept_of[pattern]
                if ends[ci] > offset:
                    continue
                plain = plains[pattern]
                if plain is None:
                    concept = self.concepts[ci]
                    plain = plains[pattern] = _plain(concept._parsed[self.index_in[pattern]])
                if plain and elements is not None:
                    end_at = _match_end(self.concepts[ci]._parsed[self.index_in[pattern]], element, elements)
                    if end_at is None:
                        continue
                    end = offsets[end_at] if end_at < count else len(string)
                else:
                    regex = regexes[pattern]
                    if regex is None:
                        regex = self._regex(pattern)
                    match = regex.match(string, offset)
                    if match is None:
                        continue
                    end = match.end()
                if end == offset:
                    # An empty match: finditer would go on looking for a non-empty one right here. Let it.
                    ends[ci] = _NEVER
                    broken.append(ci)
                    continue
                ends[ci] = end
                first = token_at[element]
                last_el = bisect_right(offsets, end - 2) - 1
                last = token_at[last_el] if last_el >= 0 else -1
                if last < 0:
                    continue
                hits = found.get(ci)
                if hits is None:
                    hits = found[ci] = []
                hits.append((first, last))
        return found, broken


def _entry_text(name: str, entry: Any) -> str | None:
    """A pattern entry as its pattern: a string, or {fixed: "<pattern>", why: "<reason>"} (a literal on purpose)."""
    if entry is None:
        return None
    if isinstance(entry, dict):
        fixed, why = entry.get("fixed"), entry.get("why")
        unknown = sorted(str(k) for k in entry if k not in ("fixed", "why"))
        if unknown:
            raise LexiconError(f"lexicon concept {name!r}: entry {entry!r} has unknown keys {unknown}")
        if not isinstance(fixed, str) or not fixed.strip():
            raise LexiconError(f"lexicon concept {name!r}: entry {entry!r} needs a pattern under 'fixed'")
        if not isinstance(why, str) or not why.strip():
            raise LexiconError(
                f"lexicon concept {name!r}: the fixed expression {fixed!r} needs a non-empty 'why' "
                "(why it is kept as a literal word sequence)"
            )
        return fixed
    return str(entry)


def compile_concept(name: str, patterns: list[Any]) -> Concept:
    """A concept from its pattern entries (strings or {fixed, why} mappings; None entries are skipped)."""
    texts: list[str] = []
    parsed: list[_Parsed] = []
    for entry in patterns:
        pattern = _entry_text(name, entry)
        if pattern is None:
            continue
        try:
            pattern = expand_groups(pattern)
            tokens = _parse(pattern)
        except LexiconError as exc:
            raise LexiconError(f"lexicon concept {name!r}, pattern {pattern!r}: {exc}") from exc
        _vocabulary_of(tokens)
        texts.append(pattern)
        parsed.append(tokens)
    return Concept(name, texts, parsed)


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


_MARKER_LISTS = ("plan_markers", "started_markers", "ended_markers", "past_markers", "joke_markers")


def _negation_patterns() -> list[str]:
    return (
        [f"={w}" for w in sorted(NEGATION)]
        + ["lenger =ikke", "=no =longer", "=anymore"]
        # "for syk til å jobbe", "too sick to work": the activity after it does not happen.
        + ["=for|=altfor|=too =syk|=sjuk|=dårlig|=sliten|=trøtt|=trøytt|=deprimert|=redd|=sick|=ill|=unwell|=tired"
           "|=depressed|=scared|=weak|=svak =til|=to"]
    )


def _build() -> tuple[dict[str, Concept], list[Concept], set[str]]:
    """Every concept and marker list from the lexicon files, and the words their patterns add to VOCABULARY."""
    before = set(VOCABULARY.known)
    entries: dict[str, list[Any]] = dict(_RAW["concepts"])
    entries["private_school"] = list(_PRIVATE["private_school"])
    entries["institution"], entries["institution_if_staying"] = _institution_patterns()
    concepts = {name: compile_concept(name, list(patterns or [])) for name, patterns in entries.items()}
    markers = [compile_concept(name, list(_RAW[name])) for name in _MARKER_LISTS]
    markers.append(compile_concept("negation", _negation_patterns()))
    return concepts, markers, VOCABULARY.known - before


if _CACHED is not None:
    with _no_gc():
        CONCEPTS: dict[str, Concept] = {state[0]: Concept._restore(state) for state in _CACHED[2]}
        _MARKERS = [Concept._restore(state) for state in _CACHED[3]]
    VOCABULARY.known.update(_CACHED[4])
else:
    CONCEPTS, _MARKERS, _PATTERN_WORDS = _build()
    _store_cache(CONCEPTS, _MARKERS, _PATTERN_WORDS)
PLAN, STARTED, ENDED, PAST, JOKE, NEGATION_RE = _MARKERS

for _words in (ACK_WORDS, NEGATION, STOP_WORDS, STOP_FILLERS):
    VOCABULARY.protected.update(_words)
for _values in DIALECT_NORWEGIAN.values():
    VOCABULARY.known.update(_values)
VOCABULARY.known.update(DIALECT_NORWEGIAN)
VOCABULARY.known.update(ACK_WORDS)
VOCABULARY.freeze()


# --- Lint: long literal word sequences -------------------------------------------------------------------
# A pattern that spells out a whole sentence word by word ("=jeg =har =ikke =lyst =til") matches that sentence
# and little else: the lexicon should say it with alternatives, inflection-insensitive words, groups or gaps.
# A literal kept on purpose is written {fixed: "<pattern>", why: "<reason>"}.
_LOOK_ONLY = ("$", "^")
_MIN_EXACT_RUN = 4  # this many exact forms in a row ...
_MIN_PLAIN_WORDS = 5  # ... or this many words with nothing that generalises


def _generalises(token: str) -> bool:
    """Alternatives, an affix, a group, a phrase group, "_", "@name" or a gap: the token matches more than one word."""
    return (
        "|" in token
        or "*" in token
        or "%" in token
        or token.startswith("(")
        or token in ("_", "@name")
        or bool(_GAP.match(token))
    )


def _exact_form(token: str) -> bool:
    """ "=word": one exact form and nothing else."""
    return token.startswith("=") and len(token) > 1 and not _generalises(token) and token[1:] not in ("_", "@name")


def is_literal_sequence(pattern: str) -> bool:
    """Whether a pattern (as written, before %groups are expanded) is a long literal word sequence: a run of 4 or
    more exact forms in a row ("=a =b =c =d"), or 5 or more words none of which generalises. "$", "^" and
    "!x" only look, and are left out before counting."""
    tokens = [t for t in split_pattern(pattern) if t not in _LOOK_ONLY and not t.startswith("!")]
    run = 0
    for token in tokens:
        run = run + 1 if _exact_form(token) else 0
        if run >= _MIN_EXACT_RUN:
            return True
    return len(tokens) >= _MIN_PLAIN_WORDS and not any(_generalises(t) for t in tokens)


def _pattern_lists() -> Iterator[tuple[str, list[Any]]]:
    """Every list of patterns in lexicon.yaml and lexicon_private_schools.yaml, by concept (or list) name."""
    for name, entries in (_RAW.get("concepts") or {}).items():
        yield str(name), list(entries or [])
    for name in ("plan_markers", "started_markers", "ended_markers", "past_markers", "joke_markers"):
        yield name, list(_RAW.get(name) or [])
    for name, entries in _PRIVATE.items():
        if isinstance(entries, list):
            yield str(name), entries


def literal_patterns() -> list[tuple[str, str]]:
    """(concept, pattern) for every pattern of the lexicon files that is a long literal word sequence
    (`is_literal_sequence`); entries written {fixed: ..., why: ...} are literals on purpose and left out."""
    found: list[tuple[str, str]] = []
    for concept, entries in _pattern_lists():
        for entry in entries:
            if entry is None or isinstance(entry, dict):
                continue
            pattern = str(entry)
            if is_literal_sequence(pattern):
                found.append((concept, pattern))
    return found


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
class _Reader:
    """One dispatch over every concept and marker list, and the hits of the last reply it read.

    The reader asks for all concepts (find_all) and for each marker list (find) of the same reply in turn: one
    pass over the reply answers them all.
    """

    def __init__(self) -> None:
        self.concepts = [*CONCEPTS.values(), PLAN, STARTED, ENDED, PAST, JOKE, NEGATION_RE]
        self.labels = [*CONCEPTS, *(c.name for c in self.concepts[len(CONCEPTS) :])]
        self.index = {id(concept): index for index, concept in enumerate(self.concepts)}
        self.dispatch = _Dispatch(self.concepts)
        self.last: tuple[Normalised, dict[int, list[Hit]] | None] | None = None

    def hits(self, norm: Normalised) -> dict[int, list[Hit]] | None:
        last = self.last
        if last is not None and last[0] is norm:
            return last[1]
        found = self.dispatch.run(norm, self.labels)
        self.last = (norm, found)
        return found


_READER: _Reader | None = None


def _reader() -> _Reader:
    global _READER
    if _READER is None:
        _READER = _Reader()
    return _READER


def find_all(norm: Normalised) -> dict[str, list[Hit]]:
    """Every concept's hits in one reply (an empty list for a concept that does not match)."""
    reader = _reader()
    found = reader.hits(norm)
    if found is None:
        wanted = CONCEPT_INDEX.candidates(norm)
        return {name: (_run(regex, norm, name) if name in wanted else []) for name, regex in CONCEPTS.items()}
    out: dict[str, list[Hit]] = dict(_NO_HITS)  # a copy of a prebuilt dict: cheaper than ~200 new lists
    labels = reader.labels
    concepts = len(_NO_HITS)
    for index, hits in found.items():
        if index < concepts:
            out[labels[index]] = list(hits)
    return out


class _NoHit(list):  # type: ignore[type-arg]
    """The one empty hit list every concept without a hit shares: it cannot be changed (a stage that adds hits
    builds a new list, `hits[x] + [...]`); changing it in place raises at once instead of leaking into others."""

    def _frozen(self, *args: object, **kwargs: object) -> None:
        raise TypeError("a concept's shared empty hit list cannot be changed; build a new list")

    append = extend = insert = remove = pop = clear = sort = reverse = _frozen  # type: ignore[assignment]
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _frozen  # type: ignore[assignment]


_NO_HIT: list[Hit] = _NoHit()
_NO_HITS: dict[str, list[Hit]] = dict.fromkeys(CONCEPTS, _NO_HIT)


def find(regex: Concept, norm: Normalised, concept: str = "") -> list[Hit]:
    """Every match of a compiled concept in a normalised reply, as token ranges."""
    reader = _reader()
    index = reader.index.get(id(regex))
    if index is not None and reader.concepts[index] is regex:
        found = reader.hits(norm)
        if found is None:
            return _run(regex, norm, concept)
        hits = found.get(index, [])
        if hits and hits[0].concept != concept:
            return [Hit(concept, h.first, h.last) for h in hits]
        return list(hits)
    if regex.triggers is not None and not regex.may_match(norm.std_set, norm.key_set):
        return []
    dispatch = regex._dispatch
    if dispatch is None:
        dispatch = regex._dispatch = _Dispatch([regex])
    own = dispatch.run(norm, [concept])
    if own is None:
        return _run(regex, norm, concept)
    return own.get(0, [])


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
