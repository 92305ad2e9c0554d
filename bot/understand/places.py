"""Norway's counties, municipalities, towns and places abroad, and finding them in a reply's text."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from importlib.resources import files

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
    with (_DATA / name).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
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
