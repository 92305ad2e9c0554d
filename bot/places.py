"""Norway's counties, municipalities, towns and places abroad, and finding them in a text: used by the reply reader and the roster import alike."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import NamedTuple

# The data files live beside the reader, which was their first user.
_DATA = files("bot.understand") / "data"

# Letters that Unicode decomposition does not reduce to a base letter. Norwegian keyboards are often missing,
# so æ/ø/å are folded to what people type instead (ae, o, a; "aa" for å is folded below).
_FOLD_TABLE = str.maketrans(
    {"æ": "ae", "ø": "o", "đ": "d", "ŋ": "n", "ŧ": "t", "ł": "l", "œ": "oe", "ı": "i", "ð": "d", "þ": "th"}
)
_TOKEN = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
# County names carry these words in letterheads and rosters; they say nothing about which county.
_COUNTY_SUFFIXES = ("fylkeskommune", "fylkeskommuna", "fylkkasuohkan", "fylke", "fylka", "fylkki", "county")


def _read_csv(name: str) -> Iterator[dict[str, str]]:
    text = (_DATA / name).read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text, newline="")):
        yield {key: (value or "").strip() for key, value in row.items()}


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """One word as the index stores it: case-free, diacritic-free, å/aa/a alike."""
    lowered = word.casefold().translate(_FOLD_TABLE)
    stripped = "".join(ch for ch in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(ch))
    return stripped.replace("aa", "a")


def _fold_name(name: str) -> str:
    return " ".join(fold(token) for token in _TOKEN.findall(name))


def _load_counties() -> tuple[tuple[str, ...], dict[str, str], dict[str, str]]:
    names: list[str] = []
    by_key: dict[str, str] = {}
    numbers: dict[str, str] = {}
    for row in _read_csv("counties.csv"):
        county = row["name"]
        names.append(county)
        numbers[row["number"]] = county
        for alias in [county, *_split(row["alternatives"])]:
            key = _fold_name(alias)
            if by_key.get(key, county) != county:
                raise ValueError(f"counties.csv: {alias!r} names both {by_key[key]} and {county}")
            by_key[key] = county
    return tuple(names), by_key, numbers


COUNTIES: tuple[str, ...]
_COUNTY_BY_KEY: dict[str, str]
_COUNTY_BY_NUMBER: dict[str, str]
COUNTIES, _COUNTY_BY_KEY, _COUNTY_BY_NUMBER = _load_counties()


def canonical_county(name: str) -> str | None:
    """The canonical name of one of the 15 counties, from any common spelling; None if unknown or ambiguous."""
    words = [fold(token) for token in _TOKEN.findall(name)]
    while words and words[-1] in _COUNTY_SUFFIXES:
        words.pop()
    return _COUNTY_BY_KEY.get(" ".join(words))


KINDS = ("municipality", "town", "county", "region", "svalbard", "country", "abroad")
_KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}
_TIERS = ("normal", "wordlike", "strict")
# A name that is also an ordinary word counts in lower case only right after one of these: "flytta te moss".
_MOVE_PREPOSITIONS = frozenset(fold(word) for word in ("til", "te", "tel", "fra", "frå", "ifra", "ifrå"))
# A capitalised strict name ("Time", "Stad") counts only after one of these: "bor i Time", not "Time hos legen".
_PLACE_PREPOSITIONS = _MOVE_PREPOSITIONS | frozenset(
    fold(word) for word in "i på in at to from near ved nær utenfor utafor utanfor mot".split()
)
# A genitive -s ("Bergens") is only tried on words at least this long, so short words stay words.
_GENITIVE_MIN_LENGTH = 5


@dataclass(frozen=True, slots=True)
class Place:
    """A place a youth may name: its display name, what it is, and which counties it lies in.

    kind is one of KINDS: "municipality" (current or former), "town" (also city districts and camps),
    "county", "region" (Vestlandet, Hallingdal, former Viken: several counties possible), "svalbard"
    (Norway, no county), "country" (and parts such as England), "abroad" (foreign cities, "utlandet").
    """

    name: str
    kind: str
    counties: tuple[str, ...]
    abroad: bool


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """One place found in a text, with the exact words and their character offsets."""

    place: Place
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Row:
    name: str
    kind: str
    counties: tuple[str, ...]
    aliases: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class _Entry:
    place: Place
    tier: str
    exact: frozenset[str]


@lru_cache(maxsize=16384)
def _fold_variants(name: str) -> frozenset[tuple[str, ...]]:
    """Every token spelling the index should accept for one name: æ as ae or a, ø as o or oe."""
    tokens = _TOKEN.findall(name.casefold())
    if not any("æ" in token or "ø" in token for token in tokens):
        folded = tuple(fold(token) for token in tokens)
        return frozenset((folded,) if folded else ())
    variants: set[tuple[str, ...]] = set()
    for ae in ("ae", "a"):
        for oe in ("o", "oe"):
            variants.add(tuple(fold(token.replace("æ", ae).replace("ø", oe)) for token in tokens))
    return frozenset(variant for variant in variants if variant)


def _exact_form(name: str) -> str:
    return " ".join(token.casefold() for token in _TOKEN.findall(name))


def _county_of(cell: str, where: str) -> str:
    if cell not in COUNTIES:
        raise ValueError(f"{where}: {cell!r} is not one of the 15 counties")
    return cell


def _town_county(cell: str, counties_by_municipality: dict[str, set[str]], where: str) -> str:
    """The county of a town's municipality; "Herøy (Møre og Romsdal)" names one of two municipalities."""
    name, _, qualifier = cell.partition("(")
    counties = set(counties_by_municipality.get(name.strip(), ()))
    if qualifier:
        counties &= {qualifier.rstrip(")").strip()}
    if len(counties) != 1:
        problem = (
            "is not a municipality in municipalities.csv" if not counties else "is ambiguous: add (County)"
        )
        raise ValueError(f"{where}: municipality {cell!r} {problem}")
    return next(iter(counties))


def _load_rows() -> tuple[list[_Row], dict[str, str]]:
    """All rows of the data files, and the county of each municipality number."""
    rows: list[_Row] = []
    numbers: dict[str, str] = {}
    counties_by_municipality: dict[str, set[str]] = {}
    for line, row in enumerate(_read_csv("counties.csv"), start=2):
        rows.append(
            _Row(
                row["name"],
                "county",
                (row["name"],),
                tuple(_split(row["alternatives"])),
                f"counties.csv:{line}",
            )
        )
    for line, row in enumerate(_read_csv("municipalities.csv"), start=2):
        where = f"municipalities.csv:{line}"
        county = _county_of(row["county"], where)
        if _COUNTY_BY_NUMBER.get(row["number"][:2]) != county:
            raise ValueError(f"{where}: number {row['number']} does not belong to {county}")
        numbers[row["number"]] = county
        aliases = (*_split(row["alternatives"]), *_split(row["former"]))
        rows.append(_Row(row["name"], "municipality", (county,), aliases, where))
        counties_by_municipality.setdefault(row["name"], set()).add(county)
    for line, row in enumerate(_read_csv("towns.csv"), start=2):
        where = f"towns.csv:{line}"
        county = _town_county(row["municipality"], counties_by_municipality, where)
        rows.append(_Row(row["name"], "town", (county,), tuple(_split(row["alternatives"])), where))
    for line, row in enumerate(_read_csv("regions.csv"), start=2):
        where = f"regions.csv:{line}"
        if row["kind"] not in ("region", "svalbard"):
            raise ValueError(f"{where}: kind {row['kind']!r} must be region or svalbard")
        counties = tuple(_county_of(county, where) for county in _split(row["counties"]))
        if (row["kind"] == "svalbard") != (not counties):
            raise ValueError(f"{where}: Svalbard has no county, a region has at least one")
        rows.append(_Row(row["name"], row["kind"], counties, tuple(_split(row["alternatives"])), where))
    for line, row in enumerate(_read_csv("countries.csv"), start=2):
        where = f"countries.csv:{line}"
        if row["kind"] not in ("country", "abroad"):
            raise ValueError(f"{where}: kind {row['kind']!r} must be country or abroad")
        rows.append(_Row(row["name"], row["kind"], (), tuple(_split(row["alternatives"])), where))
    return rows, numbers


def _load_tiers(known: set[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    """The tier of each spelling whose folded form is also an ordinary word."""
    tiers: dict[tuple[str, ...], str] = {}
    for line, row in enumerate(_read_csv("common_words.csv"), start=2):
        where = f"common_words.csv:{line}"
        if row["tier"] not in _TIERS[1:]:
            raise ValueError(f"{where}: tier {row['tier']!r} must be wordlike or strict")
        variants = _fold_variants(row["name"])
        if not variants & known:
            raise ValueError(f"{where}: {row['name']!r} is not a place name in the data")
        for key in variants:
            tiers[key] = row["tier"]
    return tiers


def _merge(key: tuple[str, ...], rows: list[_Row]) -> Place:
    """One Place for every row sharing a spelling: the row named so wins, counties are the union."""
    own = [row for row in rows if key in _fold_variants(row.name)]
    primary = min(own or rows, key=lambda row: _KIND_RANK[row.kind])
    abroad = {row.kind in ("country", "abroad") for row in rows}
    if len(abroad) > 1:
        raise ValueError(
            f"{' '.join(key)!r} names a place abroad and in Norway: {[row.source for row in rows]}"
        )
    named = {county for row in rows for county in row.counties}
    counties = tuple(county for county in COUNTIES if county in named)
    return Place(primary.name, primary.kind, counties, abroad.pop())


def _build_index() -> tuple[dict[tuple[str, ...], _Entry], dict[str, tuple[int, ...]], dict[str, str]]:
    """The name index, the token counts of names by first word (longest first), and municipality numbers."""
    rows, numbers = _load_rows()
    by_key: dict[tuple[str, ...], list[_Row]] = {}
    spellings: dict[tuple[str, ...], set[str]] = {}
    for row in rows:
        for name in (row.name, *row.aliases):
            for key in _fold_variants(name):
                by_key.setdefault(key, []).append(row)
                spellings.setdefault(key, set()).add(_exact_form(name))
    tiers = _load_tiers(set(by_key))
    index: dict[tuple[str, ...], _Entry] = {}
    lengths: dict[str, set[int]] = {}
    for key, key_rows in by_key.items():
        tier = tiers.get(key, "normal")
        # A common-word name must be typed as the place is spelt: "Hå" yes, the word "ha" never.
        exact = frozenset(spellings[key]) if tier != "normal" else frozenset()
        index[key] = _Entry(_merge(key, key_rows), tier, exact)
        lengths.setdefault(key[0], set()).add(len(key))
    # Longest first, so the first accepted candidate at a word is the longest match.
    starts = {first: tuple(sorted(found, reverse=True)) for first, found in lengths.items()}
    return index, starts, numbers


def _build_municipality_index() -> dict[tuple[str, ...], tuple[frozenset[str], frozenset[str]]]:
    """Each municipality spelling: the counties where it is the official name, and where it is another name."""
    official: dict[tuple[str, ...], set[str]] = {}
    other: dict[tuple[str, ...], set[str]] = {}
    for row in _read_csv("municipalities.csv"):
        for key in _fold_variants(row["name"]):
            official.setdefault(key, set()).add(row["county"])
        for alias in (*_split(row["alternatives"]), *_split(row["former"])):
            for key in _fold_variants(alias):
                other.setdefault(key, set()).add(row["county"])
    return {
        key: (frozenset(official.get(key, ())), frozenset(other.get(key, ())))
        for key in official.keys() | other.keys()
    }


def _genitives(index: dict[tuple[str, ...], _Entry]) -> dict[str, _Entry]:
    """'Bergens' for Bergen: one-word names that are not common words, where the -s form is no other name."""
    return {
        key[0] + "s": entry
        for key, entry in index.items()
        if len(key) == 1
        and entry.tier == "normal"
        and len(key[0]) + 1 >= _GENITIVE_MIN_LENGTH
        and (key[0] + "s",) not in index
    }


class _Tables(NamedTuple):
    """The name index and what is derived from it: built on first use (most replies name no place)."""

    by_name: dict[tuple[str, ...], _Entry]
    start_lengths: dict[str, tuple[int, ...]]  # token counts of names by first word, longest first
    municipality_numbers: dict[str, str]
    municipalities: dict[tuple[str, ...], tuple[frozenset[str], frozenset[str]]]
    genitives: dict[str, _Entry]
    first_words: frozenset[str]


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    index, start_lengths, numbers = _build_index()
    genitives = _genitives(index)
    return _Tables(index, start_lengths, numbers, _build_municipality_index(), genitives,
                   frozenset(start_lengths) | frozenset(genitives))
# Fast path: \w+ is several times quicker than the letters-only pattern; names hold no digits, so a word with
# digits simply matches nothing. Text that is not NFC may carry combining accents, which \w does not cover.
_WORD = re.compile(r"\w+")
_WORD_WITH_MARKS = re.compile(r"[\w\u0300-\u036f]+")
# "Herøy i Nordland", "Våler in Østfold": the word between an ambiguous name and the county that settles it.
_QUALIFIER_WORDS = frozenset({"i", "in"})


def _accepts(
    entry: _Entry, words: list[str], starts: list[int], folded: list[str], i: int, length: int, text: str
) -> bool:
    """Whether a name that is also a common word is meant as the place here."""
    if entry.tier == "normal":
        return True
    if " ".join(word.casefold() for word in words[i : i + length]) not in entry.exact:
        return False
    shouting = text == text.upper()
    capitalised = not shouting and words[i][0].isupper()
    gap = text[starts[i - 1] + len(words[i - 1]) : starts[i]] if i > 0 else ""
    adjacent = i > 0 and gap.isspace()
    after_move = adjacent and folded[i - 1] in _MOVE_PREPOSITIONS
    after_place = adjacent and folded[i - 1] in _PLACE_PREPOSITIONS
    if entry.tier == "strict":
        return capitalised and after_place
    if after_move or (capitalised and after_place):
        return True
    # A sentence's first word is capitalised anyway: "Sola skinner", "Hell yeah", "Ski er gøy".
    sentence_start = i == 0 or "\n" in gap or gap.rstrip().endswith((".", "!", "?", ":"))
    # "Kari Lund" is a person: a capitalised common-word name right after another capitalised word is a surname.
    follows_name = adjacent and not shouting and words[i - 1][0].isupper()
    if capitalised and not sentence_start and not follows_name:
        return True
    # "Sande i Vestfold" names its county: that settles it wherever it stands.
    return _qualified(words, starts, folded, i + length, text)


def _qualified(words: list[str], starts: list[int], folded: list[str], j: int, text: str) -> bool:
    """Whether words j… read "i <county or region>" or "(<county or region>)"."""
    if j < len(words) and folded[j] in _QUALIFIER_WORDS:
        j += 1
    elif j == 0 or j >= len(words) or "(" not in text[starts[j - 1] + len(words[j - 1]) : starts[j]]:
        return False
    tables = _tables()
    for length in tables.start_lengths.get(folded[j], ()) if j < len(words) else ():
        entry = tables.by_name.get(tuple(folded[j : j + length]))
        if entry is not None and entry.tier == "normal" and entry.place.kind in ("county", "region"):
            return True
    return False


def _offsets(text: str, words: list[str]) -> list[int]:
    """Where each word starts: words are maximal runs in order, so each is the next occurrence of itself."""
    starts: list[int] = []
    position = 0
    for word in words:
        position = text.find(word, position)
        starts.append(position)
        position += len(word)
    return starts


def _longest_at(
    words: list[str], starts: list[int], folded: list[str], i: int, text: str
) -> tuple[_Entry, int] | None:
    """The longest name accepted at word i, with its length in words; a genitive -s only if nothing else fits."""
    count = len(words)
    tables = _tables()
    for length in tables.start_lengths.get(folded[i], ()):
        if i + length <= count:
            entry = tables.by_name.get(tuple(folded[i : i + length]))
            if entry is not None and _accepts(entry, words, starts, folded, i, length, text):
                return entry, length
    genitive = tables.genitives.get(folded[i])
    return (genitive, 1) if genitive is not None else None


def _narrowed(
    place: Place, words: list[str], starts: list[int], folded: list[str], j: int, text: str
) -> tuple[Place, int] | None:
    """ "Herøy i Nordland", "Våler (Solør)": a following county or region picks among a name's counties.

    A qualifier that agrees with a one-county place ("Ski i Akershus") joins the match; one that contradicts
    it ("Herøy i Finnmark") is left as a place of its own.

    Returns the narrowed place and the index after the qualifier, or None when nothing narrows it.
    """
    if j < len(words) and folded[j] in _QUALIFIER_WORDS:
        j += 1
    elif j == 0 or j >= len(words) or "(" not in text[starts[j - 1] + len(words[j - 1]) : starts[j]]:
        return None
    found = _longest_at(words, starts, folded, j, text) if j < len(words) else None
    if found is None or found[0].place.kind not in ("county", "region"):
        return None
    qualifier, length = found
    counties = tuple(county for county in place.counties if county in qualifier.place.counties)
    if not counties:
        return None
    if counties != place.counties:
        place = Place(place.name, place.kind, counties, place.abroad)
    return place, j + length


def find_places(text: str) -> list[PlaceMatch]:
    """Every place named in the text, in text order, never overlapping; at each word the longest name wins."""
    pattern = _WORD if unicodedata.is_normalized("NFC", text) else _WORD_WITH_MARKS
    words = pattern.findall(text)
    folded = list(map(fold, words))
    first_words = _tables().first_words
    if first_words.isdisjoint(folded):
        return []
    starts = _offsets(text, words)
    found: list[PlaceMatch] = []
    after = 0
    for i in [i for i, word in enumerate(folded) if word in first_words]:
        if i < after:
            continue
        best = _longest_at(words, starts, folded, i, text)
        if best is None:
            continue
        entry, length = best
        place, after = entry.place, i + length
        narrowed = _narrowed(place, words, starts, folded, after, text) if place.counties else None
        if narrowed is not None:
            place, after = narrowed
        start, end = starts[i], starts[after - 1] + len(words[after - 1])
        if text[end:].startswith(")") and "(" in text[start:end]:
            end += 1
        found.append(PlaceMatch(place, text[start:end], start, end))
    return found


def lookup_place(name: str) -> Place | None:
    """The place one name stands for (any case, with or without æøå), or None if the name is unknown.

    Common-word names count here without their context rules (the caller says this is a place name), but
    only as a place is spelt: "Hå" is a place, "ha" is not.
    "Herøy i Nordland" is Herøy narrowed to Nordland.
    """
    entry = _tables().by_name.get(tuple(fold(token) for token in _TOKEN.findall(name)))
    if entry is not None and (entry.tier == "normal" or _exact_form(name) in entry.exact):
        return entry.place
    matches = find_places(name)
    if len(matches) == 1 and matches[0].text == name.strip():
        return matches[0].place
    return None


def municipality_county(name: str) -> str | None:
    """The county of a municipality, by name, former name or number; None if unknown or in several counties.

    "Herøy i Nordland" and "Herøy (Nordland)" pick one of two municipalities of the same name.
    """
    cleaned = name.strip()
    if cleaned.isdigit():
        return _tables().municipality_numbers.get(cleaned.zfill(4))
    tokens = [fold(token) for token in _TOKEN.findall(cleaned)]
    counties = _municipality_counties(tuple(tokens))
    if counties is not None:
        return next(iter(counties)) if len(counties) == 1 else None
    for split in range(1, len(tokens)):
        county_words = tokens[split + 1 :] if tokens[split] == "i" else tokens[split:]
        county = _COUNTY_BY_KEY.get(" ".join(county_words))
        candidates = _municipality_counties(tuple(tokens[:split]))
        if county is not None and candidates is not None and county in candidates:
            return county
    return None


def _municipality_counties(key: tuple[str, ...]) -> frozenset[str] | None:
    known = _tables().municipalities.get(key)
    if known is None:
        return None
    official, other = known
    # A current name beats a former one: "Nes" is Nes in Akershus, not the old name of Nesbyen.
    return official or other


def is_other_county(place: Place, youth_county: str) -> bool:
    """Whether moving to this place leaves the youth's county; abroad is not another county but its own code."""
    county = canonical_county(youth_county)
    if county is None:
        raise ValueError(
            f"youth county {youth_county!r} is not one of the 15 counties: {', '.join(COUNTIES)}"
        )
    if place.abroad:
        return False
    return county not in place.counties
