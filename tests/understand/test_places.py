"""Places: county names, the municipality list, and finding places in replies (issue 3)."""

from __future__ import annotations

import pytest

from bot.understand.places import COUNTIES, canonical_county


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
