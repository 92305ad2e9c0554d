"""A demo roster for any day: 60 fictional youth as a Vigo OT export opened in Norwegian Excel (pure, deterministic).

Birth dates are chosen relative to the day, so every row is inside the target group whatever the calendar
says: a few turning 18 within three months, a few in their last year of the group, guardians only for youth
under 18. Every phone number is in the fictional block +47 4000 0000 – +47 4000 0999. `examples/make_roster.py`
writes the committed example for 2026-11-22 with it; `otbot demo` makes one for today.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta

from bot.age import LAST_AGE, is_minor_on

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


def _years_back(day: date, years: int) -> date:
    """The latest birth date of someone aged `years` on `day` (29 February counts from 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def _birth_dates(rng: random.Random, day: date) -> list[date]:
    """Ages 15–24 on `day`: a few turning 18 in the next three months, a few in their last year of the group."""
    def between(first: date, last: date) -> date:
        return first + timedelta(days=rng.randint(0, (last - first).days))

    adult = _years_back(day, 18)  # born on or before: 18 or older
    turning_18 = _months_later(adult, 3)  # born after adult, up to here: turn 18 within three months
    sixteen, fifteen = _years_back(day, 16), _years_back(day, 15)
    last_year = day.year - LAST_AGE  # turn 24 this year: 31 December is their last day in the group
    dates = [between(adult + timedelta(days=1), turning_18) for _ in range(4)]
    dates += [between(date(last_year, 1, 1), date(last_year, 12, 31)) for _ in range(5)]
    dates += [between(sixteen + timedelta(days=1), fifteen) for _ in range(3)]  # 15
    dates += [between(turning_18 + timedelta(days=1), sixteen) for _ in range(10)]  # 16–17
    dates += [between(date(last_year + 1, 1, 1), adult) for _ in range(COUNT - len(dates))]  # 18–23
    rng.shuffle(dates)
    return dates


def _registered(rng: random.Random, code: str, birth: date, day: date) -> date:
    """Roughly when Vigo OT hands each kind of youth to OT in the school year of `day` (see domain.md: the year)."""
    school_year = date(day.year if day >= date(day.year, 9, 1) else day.year - 1, 9, 1)
    first_monday = school_year + timedelta(days=(7 - school_year.weekday()) % 7)
    november = date(school_year.year, 11, 1)
    second_monday_november = november + timedelta(days=(7 - november.weekday()) % 7 + 7)
    if code == "OSON":
        when = date(school_year.year, 3, 15)
    elif code in ("OSVE", "OSNP"):
        when = rng.choice((first_monday, second_monday_november))  # school places, then apprenticeships
    elif code == "OSUT":
        when = first_monday
    else:
        when = school_year + timedelta(days=14 * rng.randint(0, 5))
    return min(max(when, birth + timedelta(days=15 * 365)), day)


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


def rows(day: date) -> list[list[str]]:
    """The rows of the demo roster for `day`; the same day gives the same rows."""
    # Seeded by the year: the example for 2026-11-22 stays byte for byte what it has always been.
    rng = random.Random(day.year)
    births = _birth_dates(rng, day)
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
        minor = is_minor_on(birth, day)
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
            school, *guardians, _registered(rng, code, birth, day).strftime("%d.%m.%Y"),
        ])
    return result


def demo_roster(day: date) -> bytes:
    """The demo roster made for `day`: every row valid on that day. Semicolons, CRLF and a BOM: what Norwegian
    Excel writes when saving 'CSV UTF-8'."""
    lines = [";".join(HEADER)] + [";".join(row) for row in rows(day)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
