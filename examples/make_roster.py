"""Writes examples/roster.csv: 60 fictional youth as a Vigo OT export opened in Norwegian Excel (deterministic)."""

from __future__ import annotations

import argparse
import random
import sys
import unicodedata
from datetime import date, timedelta
from pathlib import Path

# The day the example is made for: ages and the target group are counted from it.
DAY = date(2026, 11, 22)
SEED = 2026
COUNT = 60
# Made-up numbers: the whole example uses +47 4000 0000 – +47 4000 0999 (see the README, Roster format).
FICTIONAL_BLOCK = 40000000
YOUTH_NUMBERS = FICTIONAL_BLOCK + 100
GUARDIAN_NUMBERS = FICTIONAL_BLOCK + 300

HEADER = (
    "id", "fornavn", "etternavn", "fødselsdato", "mobil", "e-post", "kommune", "fylke", "tilmeldingskode",
    "statuskode", "veileder", "målform", "skole", "foresatt1_navn", "foresatt1_mobil", "foresatt2_navn",
    "foresatt2_mobil", "registrert",
)

# county -> (how many youth, målform, advisers, real municipalities of that county)
COUNTIES: dict[str, tuple[int, str, tuple[str, ...], tuple[str, ...]]] = {
    "Trøndelag": (14, "nb", ("Ingrid Fossum", "Tor Ivar Lien"),
                  ("Trondheim", "Stjørdal", "Steinkjer", "Levanger", "Orkland", "Melhus", "Malvik", "Namsos", "Verdal", "Røros")),
    "Vestland": (12, "nn", ("Solveig Kvamme", "Lars Hope"),
                 ("Bergen", "Voss", "Askøy", "Stord", "Sogndal", "Kinn", "Sunnfjord", "Bjørnafjorden", "Øygarden")),
    "Nordland": (9, "nb", ("Hanne Bjørnstad",), ("Bodø", "Rana", "Narvik", "Vefsn", "Vågan", "Alstahaug")),
    "Agder": (8, "nb", ("Petter Salvesen",), ("Kristiansand", "Arendal", "Grimstad", "Lindesnes", "Farsund")),
    "Troms": (7, "nb", ("Elle Márjá Somby",), ("Tromsø", "Harstad", "Senja", "Målselv")),
    "Oslo": (6, "nb", ("Camilla Nguyen",), ("Oslo",)),
    "Innlandet": (4, "nb", ("Gunnar Moe",), ("Hamar", "Lillehammer", "Gjøvik", "Elverum")),
}

GIRLS = ("Nora", "Emma", "Sara", "Ingrid", "Sofie", "Thea", "Maja", "Ida", "Amina", "Oliwia", "Hanna", "Leah",
         "Mariam", "Vilde", "Åse", "Máret", "Julie", "Ylva", "Solveig", "Hiba")
BOYS = ("Jakob", "Emil", "Noah", "Oliver", "Lukas", "Filip", "Aksel", "Mathias", "Yusuf", "Jakub", "Sander",
        "Henrik", "Ali", "Niillas", "Tobias", "Eirik", "Bjørn", "Odin", "Ahmed", "Kasper")
LAST = ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Berg",
        "Haugen", "Hagen", "Bakken", "Lund", "Dahl", "Solberg", "Moen", "Strand", "Sæther", "Aasen", "Lie",
        "Mohamed", "Nowak", "Hussain", "Eriksen", "Kvalheim", "Ødegård", "Tran", "Sara", "Vik", "Brekke")
PARENTS = ("Kari", "Ola", "Anne", "Per", "Hilde", "Morten", "Lene", "Geir", "Fatima", "Tomasz", "Randi",
           "Svein", "Nina", "Rune", "Marit", "Khalid")
REGISTRATION_CODES = ("OSON", "OSVE", "OSNP", "OSUT", "OESL")


def _birth_dates(rng: random.Random) -> list[date]:
    """Ages 15–24 on DAY: a few turning 18 in the next three months, a few in their last year (born 2002)."""
    def between(first: date, last: date) -> date:
        return first + timedelta(days=rng.randint(0, (last - first).days))

    dates = [between(DAY.replace(year=DAY.year - 18) + timedelta(days=1), date(2009, 2, 22)) for _ in range(4)]
    dates += [between(date(2002, 1, 1), date(2002, 12, 31)) for _ in range(5)]
    dates += [between(date(2010, 11, 23), date(2011, 11, 22)) for _ in range(3)]  # 15
    dates += [between(date(2009, 2, 23), date(2010, 11, 22)) for _ in range(10)]  # 16–17
    dates += [between(date(2003, 1, 1), date(2008, 11, 22)) for _ in range(COUNT - len(dates))]  # 18–23
    rng.shuffle(dates)
    return dates


def _registered(rng: random.Random, code: str, birth: date) -> date:
    """Roughly when Vigo OT hands each kind of youth to OT (see domain.md: the year)."""
    if code == "OSON":
        day = date(2026, 3, 15)
    elif code in ("OSVE", "OSNP"):
        day = rng.choice((date(2026, 9, 7), date(2026, 11, 9)))  # school places, then apprenticeships
    elif code == "OSUT":
        day = date(2026, 9, 7)
    else:
        day = date(2026, 9, 1) + timedelta(days=14 * rng.randint(0, 5))
    return max(day, birth + timedelta(days=15 * 365))


def _phone(number: int, style: int) -> str:
    """Write a number the ways people and Excel do, so the import's normalisation is visible."""
    digits = str(number)
    return (
        digits,
        f"{digits[:3]} {digits[3:5]} {digits[5:]}",
        f"+47 {digits}",
        f"+47 {digits[:3]} {digits[3:5]} {digits[5:]}",
        f"0047{digits}",
    )[style % 5]


def _ascii(name: str) -> str:
    folded = name.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a").replace(" ", "")
    return unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()


def rows() -> list[list[str]]:
    rng = random.Random(SEED)
    births = _birth_dates(rng)
    counties = [name for name, (count, *_) in COUNTIES.items() for _ in range(count)]
    used_names: set[tuple[str, str]] = set()
    guardian_number = GUARDIAN_NUMBERS
    result: list[list[str]] = []
    for index, (county, birth) in enumerate(zip(counties, births, strict=True)):
        _, language, advisers, municipalities = COUNTIES[county]
        while True:
            first = rng.choice(GIRLS if rng.random() < 0.5 else BOYS)
            last = rng.choice(LAST)
            if (first, last) not in used_names:
                used_names.add((first, last))
                break
        code = REGISTRATION_CODES[index % 5] if index < 10 else rng.choice(REGISTRATION_CODES)
        municipality = rng.choice(municipalities)
        minor = (DAY.year - birth.year) - ((DAY.month, DAY.day) < (birth.month, birth.day)) < 18
        # A few youth have no number on record: OT reaches them by letter and phone books.
        mobile = "" if index % 17 == 5 else _phone(YOUTH_NUMBERS + index, index)
        email = f"{_ascii(first)}.{_ascii(last)}@example.com" if index % 3 == 0 else ""
        guardians: list[str] = ["", "", "", ""]
        if minor:
            for slot in range(1 if rng.random() < 0.4 else 2):
                guardians[2 * slot] = f"{rng.choice(PARENTS)} {last}"
                guardians[2 * slot + 1] = _phone(guardian_number, index + slot + 1)
                guardian_number += 1
        school = f"{municipality} videregående skole" if code == "OESL" else ""
        result.append([
            str(700100 + index), first, last, birth.strftime("%d.%m.%Y"), mobile, email, municipality, county,
            code, "OTUK", rng.choice(advisers),
            # A few youth asked for English; the rest get their county's written standard.
            "engelsk" if index % 23 == 7 else ("nynorsk" if language == "nn" else "bokmål"),
            school, *guardians, _registered(rng, code, birth).strftime("%d.%m.%Y"),
        ])
    return result


def render() -> bytes:
    """Semicolons, CRLF and a BOM: what Norwegian Excel writes when saving 'CSV UTF-8'."""
    lines = [";".join(HEADER)] + [";".join(row) for row in rows()]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("roster.csv"))
    parser.add_argument("--check", action="store_true", help="exit 1 when the file differs from what this writes")
    args = parser.parse_args(argv)
    data = render()
    if args.check:
        same = args.out.exists() and args.out.read_bytes() == data
        print(f"{args.out}: {'up to date' if same else 'differs from make_roster.py output'}")
        return 0 if same else 1
    args.out.write_bytes(data)
    print(f"wrote {COUNT} youth to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
