"""Where a reply says the youth lives now, judged against the youth's county (through bot.places)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import places as _places


@dataclass(frozen=True, slots=True)
class PlaceFound:
    """A place named in the reply and how it relates to the youth's county."""

    name: str
    relation: str  # "abroad" | "other_county" | "own_county" | "unknown"
    start: int
    end: int


def places_in(text: str, youth_county: str | None) -> list[PlaceFound]:
    """Every place named in `text`, classified against the youth's county."""
    try:
        matches: list[Any] = list(_places.find_places(text))
    except Exception:  # a data problem in places must not stop the reader: the move reads as "unknown"
        return []
    found: list[PlaceFound] = []
    for match in matches:
        place = match.place
        if getattr(place, "abroad", False) or place.kind in ("country", "abroad"):
            relation = "abroad"
        elif not youth_county:
            relation = "unknown"
        else:
            try:
                relation = "other_county" if _places.is_other_county(place, youth_county) else "own_county"
            except Exception:
                relation = "unknown"
        found.append(PlaceFound(name=place.name, relation=relation, start=match.start, end=match.end))
    return found
