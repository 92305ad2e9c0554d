"""Places: county names, the municipality list, and finding places in replies (issue 3)."""

from __future__ import annotations

import csv
from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.places import (
    COUNTIES,
    _town_county,
    canonical_county,
    find_places,
    is_other_county,
    lookup_place,
    municipality_county,
)


def test_there_are_fifteen_counties_since_2024() -> None:
    assert len(COUNTIES) == 15 == len(set(COUNTIES))


@pytest.mark.parametrize("county", COUNTIES)
def test_every_county_canonicalises_to_itself_in_any_case_and_with_its_suffix(county: str) -> None:
    assert canonical_county(county) == county
    assert canonical_county(county.upper()) == county
    assert canonical_county(f"{county} fylkeskommune") == county
    assert canonical_county(f"{county} fylke") == county


@pytest.mark.parametrize(
    ("written", "county"),
    [
        ("trøndelag", "Trøndelag"),
        ("Trondelag", "Trøndelag"),
        ("Trøndelag fylkeskommune", "Trøndelag"),
        ("Vestland fylke", "Vestland"),
        ("more og romsdal", "Møre og Romsdal"),
        ("Møre & Romsdal", "Møre og Romsdal"),
        ("Romsa", "Troms"),
        ("Troms Romsa Tromssa", "Troms"),
        ("Finnmárku", "Finnmark"),
        ("Trööndelage", "Trøndelag"),
        ("Hedmark", "Innlandet"),
        ("Oppland", "Innlandet"),
        ("Sogn og Fjordane", "Vestland"),
        ("Hordaland", "Vestland"),
        ("Aust-Agder", "Agder"),
        ("Vest-Agder", "Agder"),
        ("Sør-Trøndelag", "Trøndelag"),
        ("Nord-Trøndelag", "Trøndelag"),
        ("  østfold  ", "Østfold"),
        ("Nordland county", "Nordland"),
    ],
)
def test_county_spellings_map_to_the_canonical_name(written: str, county: str) -> None:
    assert canonical_county(written) == county


@pytest.mark.parametrize(
    "written", ["Viken", "Vestfold og Telemark", "Troms og Finnmark", "", "fylke", "Bergen", "Sverige"]
)
def test_former_merged_counties_and_non_counties_are_not_guessed(written: str) -> None:
    assert canonical_county(written) is None


# --- the data -------------------------------------------------------------------------------------------


def _municipality_rows() -> list[dict[str, str]]:
    with (files("bot.understand") / "data" / "municipalities.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_there_are_exactly_357_municipalities_each_in_one_of_the_counties() -> None:
    rows = _municipality_rows()
    assert len(rows) == 357
    assert len({row["number"] for row in rows}) == 357
    assert {row["county"] for row in rows} == set(COUNTIES)


@pytest.mark.parametrize(
    ("county", "count"),
    [
        ("Oslo", 1),
        ("Rogaland", 23),
        ("Møre og Romsdal", 27),
        ("Nordland", 41),
        ("Østfold", 12),
        ("Akershus", 21),
        ("Buskerud", 18),
        ("Innlandet", 46),
        ("Vestfold", 6),
        ("Telemark", 17),
        ("Agder", 25),
        ("Vestland", 43),
        ("Trøndelag", 38),
        ("Troms", 21),
        ("Finnmark", 18),
    ],
)
def test_each_county_has_its_2024_number_of_municipalities(county: str, count: int) -> None:
    assert sum(row["county"] == county for row in _municipality_rows()) == count


def test_every_official_municipality_name_is_found_with_its_county() -> None:
    for row in _municipality_rows():
        place = lookup_place(row["name"])
        assert place is not None, row["name"]
        assert row["county"] in place.counties, row["name"]


# --- single names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "name", "kind", "counties"),
    [
        ("Trondhjæm", "Trondheim", "municipality", ("Trøndelag",)),
        ("Tronhjem", "Trondheim", "municipality", ("Trøndelag",)),
        ("Tromso", "Tromsø", "municipality", ("Troms",)),
        ("TROMSØ", "Tromsø", "municipality", ("Troms",)),
        ("Alesund", "Ålesund", "municipality", ("Møre og Romsdal",)),
        ("Aalesund", "Ålesund", "municipality", ("Møre og Romsdal",)),
        ("Bodo", "Bodø", "municipality", ("Nordland",)),
        ("Baerum", "Bærum", "municipality", ("Akershus",)),
        ("Barum", "Bærum", "municipality", ("Akershus",)),
        ("Kristiania", "Oslo", "municipality", ("Oslo",)),
        ("Guovdageaidnu", "Kautokeino", "municipality", ("Finnmark",)),
        ("Kárášjohka", "Karasjok", "municipality", ("Finnmark",)),
        ("Romsa", "Tromsø", "municipality", ("Troms",)),
        ("Stokke", "Sandefjord", "municipality", ("Vestfold",)),
        ("Søgne", "Kristiansand", "municipality", ("Agder",)),
        ("Skedsmo", "Lillestrøm", "municipality", ("Akershus",)),
        ("Askim", "Indre Østfold", "municipality", ("Østfold",)),
        ("Rennesøy", "Stavanger", "municipality", ("Rogaland",)),
        ("Hurum", "Asker", "municipality", ("Akershus",)),
        ("Skodje", "Ålesund", "municipality", ("Møre og Romsdal",)),
        ("Haram", "Haram", "municipality", ("Møre og Romsdal",)),
        ("Halsa", "Heim", "municipality", ("Trøndelag",)),
        ("Hornindal", "Volda", "municipality", ("Møre og Romsdal",)),
        ("Svelvik", "Drammen", "municipality", ("Buskerud",)),
        ("Rømskog", "Aurskog-Høland", "municipality", ("Akershus",)),
        ("Skånland", "Tjeldsund", "municipality", ("Troms",)),
        ("Herøy", "Herøy", "municipality", ("Møre og Romsdal", "Nordland")),
        ("Våler", "Våler", "municipality", ("Østfold", "Innlandet")),
        ("Bø", "Bø", "municipality", ("Nordland", "Telemark")),
        ("Os", "Os", "municipality", ("Innlandet", "Vestland")),
        ("Sande", "Sande", "municipality", ("Møre og Romsdal", "Vestfold")),
        ("Nes", "Nes", "municipality", ("Akershus", "Buskerud")),
        ("Sandvika", "Sandvika", "town", ("Akershus",)),
        ("Jessheim", "Jessheim", "town", ("Akershus",)),
        ("Madla", "Madla", "town", ("Rogaland",)),
        ("Rena", "Rena", "town", ("Innlandet",)),
        ("Bardufoss", "Bardufoss", "town", ("Troms",)),
        ("Setermoen", "Setermoen", "town", ("Troms",)),
        ("Moholt", "Moholt", "town", ("Trøndelag",)),
        ("Grünerløkka", "Grünerløkka", "town", ("Oslo",)),
        ("Mo i Rana", "Mo i Rana", "town", ("Nordland",)),
        ("Fosnavåg", "Fosnavåg", "town", ("Møre og Romsdal",)),
        ("Herøy i Nordland", "Herøy", "municipality", ("Nordland",)),
        ("Våler (Innlandet)", "Våler", "municipality", ("Innlandet",)),
        ("Bø (Nordland)", "Bø", "municipality", ("Nordland",)),
        ("Ski i Akershus", "Ski", "town", ("Akershus",)),
        ("Nordland", "Nordland", "county", ("Nordland",)),
        ("Hedmark", "Innlandet", "county", ("Innlandet",)),
        ("Viken", "Viken", "region", ("Østfold", "Akershus", "Buskerud")),
        ("Longyearbyen", "Longyearbyen", "svalbard", ()),
        ("Ny-Ålesund", "Ny-Ålesund", "svalbard", ()),
        ("Barentsburg", "Barentsburg", "svalbard", ()),
        ("Sverige", "Sverige", "country", ()),
        ("Spania", "Spania", "country", ()),
        ("Polska", "Polen", "country", ()),
        ("Poland", "Polen", "country", ()),
        ("USA", "USA", "country", ()),
        ("Україну", "Ukraina", "country", ()),
        ("Lietuvoje", "Litauen", "country", ()),
        ("Gøteborg", "Göteborg", "abroad", ()),
        ("utlandet", "utlandet", "abroad", ()),
    ],
)
def test_lookup_place_finds_the_place_a_name_stands_for(
    written: str, name: str, kind: str, counties: tuple[str, ...]
) -> None:
    place = lookup_place(written)
    assert place is not None
    assert (place.name, place.kind, place.counties) == (name, kind, counties)
    assert place.abroad == (kind in ("country", "abroad"))


@pytest.mark.parametrize(
    "written", ["", "   ", "Narnia", "Gotham", "Norge", "123", "Bergen i Trøndelag", "ha"]
)
def test_lookup_place_returns_none_for_unknown_names(written: str) -> None:
    assert lookup_place(written) is None


# --- municipality_county (roster validation) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "county"),
    [
        ("Trondheim", "Trøndelag"),
        ("trondheim", "Trøndelag"),
        ("Ålesund", "Møre og Romsdal"),
        ("Haram", "Møre og Romsdal"),
        ("Nordre Follo", "Akershus"),
        ("Stokke", "Vestfold"),
        ("Nes", "Akershus"),
        ("Os", "Innlandet"),
        ("Sande", "Møre og Romsdal"),
        ("Bø", "Nordland"),
        ("Herøy", None),
        ("Våler", None),
        ("Herøy i Nordland", "Nordland"),
        ("Herøy (Møre og Romsdal)", "Møre og Romsdal"),
        ("Våler i Østfold", "Østfold"),
        ("Våler (Innlandet)", "Innlandet"),
        ("Våler i Vestland", None),
        ("5001", "Trøndelag"),
        ("301", "Oslo"),
        ("9999", None),
        ("Sandvika", None),
        ("Sverige", None),
        ("", None),
    ],
)
def test_municipality_county_for_roster_names(written: str, county: str | None) -> None:
    assert municipality_county(written) == county


# --- finding places in replies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("flytta til Bergen", ["Bergen"]),
        ("Jeg har flytta te drammen", ["Drammen"]),
        ("bor i tromso nå", ["Tromsø"]),
        ("Flytta til Mo i Rana i fjor", ["Mo i Rana"]),
        ("Har flyttet til Nore og Uvdal", ["Nore og Uvdal"]),
        ("flytta til Møre og Romsdal", ["Møre og Romsdal"]),
        ("jeg bor i Ny-Ålesund", ["Ny-Ålesund"]),
        ("fra Oslo til Bergen", ["Oslo", "Bergen"]),
        ("Bergens beste kebab", ["Bergen"]),
        ("flytta til Kr.sand", ["Kristiansand"]),
        ("bor på Røa", ["Røa"]),
        ("flytta til Ísland", ["Island"]),
        ("bor i Sarpen nå", ["Sarpsborg"]),
        ("Я переїхав в Україну", ["Ukraina"]),
        ("Mieszkam teraz w Polsce", ["Polen"]),
        ("Gyvenu Lietuvoje", ["Litauen"]),
        ("Przeprowadziłem się do Polski", ["Polen"]),
        ("Я переехал в Россию", ["Russland"]),
        ("انتقلت إلى سوريا", ["Syria"]),
        ("waxaan u guuray Soomaaliya", ["Somalia"]),
        ("ወደ ኤርትራ ተመለስኩ", ["Eritrea"]),
        ("eg har flytta til Sambandsstatane", ["USA"]),
        ("jeg er i hjemlandet", ["utlandet"]),
        ("moved to the States", ["USA"]),
        ("reist til utlandet", ["utlandet"]),
        ("Jeg bor på Ski nå", ["Ski"]),
        ("skal flytte til Moss", ["Moss"]),
        ("Flytta til moss", ["Moss"]),
        ("Bor i Time", ["Time"]),
        ("Herøy", ["Herøy"]),
        ("Hilsen Kari Lund, Lund", ["Lund"]),
        ("Bor i Lund", ["Lund"]),
    ],
)
def test_find_places_finds_the_places_named(text: str, found: list[str]) -> None:
    assert [match.place.name for match in find_places(text)] == found


@pytest.mark.parametrize(
    "text",
    [
        "går på ski",
        "en time",
        "jeg har time hos legen",
        "Time hos legen i morgen",
        "skal til time hos legen",
        "Ha det bra",
        "Kari Lund her",
        "det er haram",
        "sitter i sola",
        "JEG GÅR PÅ SKI",
        "må lade mobilen",
        "ringte i stad",
        "tasta feil",
        "jobber på en strand",
        "kom heim i går",
        "ok takk",
        "eg somna i går",
        "vi satt i salen",
        "må rygge bilen",
        "polske venner",
        "badet i viken",
        "Hilsen Kari Lund",
        "kostet 100 kr sand og grus",
        "Roa deg ned",
        "Sola skinner i dag",
        "Hell yeah!",
        "ok. Ski er gøy",
        "Donna er her",
        "",
    ],
)
def test_common_words_that_are_also_place_names_are_not_places(text: str) -> None:
    assert find_places(text) == []


@pytest.mark.parametrize(
    ("text", "matched", "counties"),
    [
        ("Flytta til Herøy i Nordland", "Herøy i Nordland", ("Nordland",)),
        ("bor i Våler (Innlandet) nå", "Våler (Innlandet)", ("Innlandet",)),
        ("Bø i Vesterålen", "Bø i Vesterålen", ("Nordland",)),
        ("Sande i Vestfold", "Sande i Vestfold", ("Vestfold",)),
        ("Os i Østerdalen", "Os i Østerdalen", ("Innlandet",)),
        ("Herøy i Finnmark", "Herøy", ("Møre og Romsdal", "Nordland")),
        ("Herøy i går", "Herøy", ("Møre og Romsdal", "Nordland")),
        ("Bø (Nordland) er fint", "Bø (Nordland)", ("Nordland",)),
        ("bor i Bergen i Vestland", "Bergen i Vestland", ("Vestland",)),
        ("Flytta til Oslo i august", "Oslo", ("Oslo",)),
    ],
)
def test_a_following_county_or_region_settles_an_ambiguous_name(
    text: str, matched: str, counties: tuple[str, ...]
) -> None:
    first = find_places(text)[0]
    assert (first.text, first.place.counties) == (matched, counties)


def test_bo_i_telemark_is_the_former_municipality_not_bo_in_nordland() -> None:
    (match,) = find_places("flytta til Bø i Telemark")
    assert (match.place.name, match.place.counties) == ("Midt-Telemark", ("Telemark",))


def test_find_places_reports_the_words_and_offsets_of_the_input() -> None:
    text = "Hei! Har flytta te Trondhjæm, så nå e æ i Nord-Trøndelag."
    matches = find_places(text)
    assert [(m.text, m.place.name) for m in matches] == [
        ("Trondhjæm", "Trondheim"),
        ("Nord-Trøndelag", "Trøndelag"),
    ]
    for match in matches:
        assert text[match.start : match.end] == match.text


# --- moving to another county ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place_name", "youth_county", "other"),
    [
        ("Bergen", "Trøndelag", True),
        ("Stjørdal", "Trøndelag", False),
        ("Stjørdal", "trondelag fylkeskommune", False),
        ("Herøy", "Nordland", False),
        ("Herøy", "Møre og Romsdal", False),
        ("Herøy", "Vestfold", True),
        ("Våler", "Innlandet", False),
        ("Os", "Vestland", False),
        ("Bø", "Telemark", False),
        ("Longyearbyen", "Troms", True),
        ("Sverige", "Trøndelag", False),
        ("utlandet", "Oslo", False),
        ("Nordland", "Nordland", False),
        ("Nordland", "Troms", True),
        ("Viken", "Akershus", False),
        ("Viken", "Oslo", True),
        ("Sandvika", "Akershus", False),
        ("Sandvika", "Oslo", True),
        ("Trondhjæm", "Trøndelag", False),
    ],
)
def test_is_other_county(place_name: str, youth_county: str, other: bool) -> None:
    place = lookup_place(place_name)
    assert place is not None
    assert is_other_county(place, youth_county) is other


def test_reply_moving_to_bergen_from_trondelag_is_another_county_and_stjordal_is_not() -> None:
    (bergen,) = find_places("flytta til Bergen")
    (stjordal,) = find_places("flyttet til Stjørdal")
    assert is_other_county(bergen.place, "Trøndelag")
    assert not is_other_county(stjordal.place, "Trøndelag")


@pytest.mark.parametrize("county", ["Viken", "Narnia", ""])
def test_is_other_county_rejects_an_unknown_youth_county_with_a_clear_error(county: str) -> None:
    place = lookup_place("Bergen")
    assert place is not None
    with pytest.raises(ValueError, match="not one of the 15 counties"):
        is_other_county(place, county)


@pytest.mark.parametrize(
    ("cell", "error"),
    [
        ("Herøy", "is ambiguous"),
        ("Herøy (Vestland)", "is not a municipality"),
        ("Atlantis", "is not a municipality"),
    ],
)
def test_a_town_row_naming_an_unknown_or_ambiguous_municipality_is_refused_with_its_row(
    cell: str, error: str
) -> None:
    known = {"Herøy": {"Møre og Romsdal", "Nordland"}}
    with pytest.raises(ValueError, match=f"towns.csv:7: municipality .* {error}"):
        _town_county(cell, known, "towns.csv:7")
    assert known == {"Herøy": {"Møre og Romsdal", "Nordland"}}


# --- robustness -----------------------------------------------------------------------------------------


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_find_places_never_crashes_and_matches_are_ordered_slices_of_the_input(text: str) -> None:
    end = 0
    for match in find_places(text):
        assert match.start >= end
        assert text[match.start : match.end] == match.text
        end = match.end


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_single_name_functions_never_crash_on_any_text(text: str) -> None:
    county = canonical_county(text)
    assert county is None or county in COUNTIES
    county = municipality_county(text)
    assert county is None or county in COUNTIES
    place = lookup_place(text)
    assert place is None or set(place.counties) <= set(COUNTIES)
