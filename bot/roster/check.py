"""Checking roster rows against the rules of the service: pure (no database, no clock, no terminal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from adapters.roster_csv import (
    DateError,
    PhoneError,
    RawRow,
    RosterFile,
    RowError,
    normalise_mobile,
    parse_date,
)
from bot import codes
from bot.age import age_on, is_minor_on, target_group_problem
from bot.places import canonical_county, municipality_county
from storage.enums import Language
from storage.models import Adviser, ContactPoint, Guardian, Youth

DEFAULT_REGION = "NO"

LANGUAGES: dict[str, Language] = {
    "nb": Language.NB, "bokmål": Language.NB, "bokmal": Language.NB, "bokmaal": Language.NB, "nob": Language.NB,
    "norsk": Language.NB, "no": Language.NB,
    "nn": Language.NN, "nynorsk": Language.NN, "nno": Language.NN,
    "en": Language.EN, "eng": Language.EN, "engelsk": Language.EN, "english": Language.EN,
}




@dataclass(frozen=True, slots=True)
class GuardianEntry:
    position: int
    name: str
    mobile: str | None


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """A row that passed every check, in the product's terms (E.164 numbers, canonical county and codes)."""

    line: int
    county: str
    roster_id: str
    first_name: str
    last_name: str
    birth_date: date
    registration_code: str
    status_code: str | None = None
    mobile: str | None = None
    email: str | None = None
    municipality: str | None = None
    adviser: str | None = None
    language: Language | None = None
    school: str | None = None
    registered_on: date | None = None
    guardians: tuple[GuardianEntry, ...] = ()


@dataclass(slots=True)
class CheckedRoster:
    entries: list[RosterEntry]
    # Every problem; a row with a problem is either rejected or stored with something kept out.
    problems: list[RowError]
    warnings: list[str]
    rejected_lines: set[int]


def _column_length(model: Any, column: str) -> int:
    length: int = model.__table__.c[column].type.length
    return length


# PostgreSQL refuses a value longer than its column and would abort the whole file; catch it per row.
_MAX_LENGTH: dict[str, int] = {
    "roster_id": _column_length(Youth, "roster_id"),
    "first_name": _column_length(Youth, "first_name"),
    "last_name": _column_length(Youth, "last_name"),
    "municipality": _column_length(Youth, "municipality"),
    "school": _column_length(Youth, "school"),
    "adviser": _column_length(Adviser, "name"),
    "email": _column_length(ContactPoint, "address"),
    "guardian1_name": _column_length(Guardian, "name"),
    "guardian2_name": _column_length(Guardian, "name"),
}


def looks_like_national_id(value: str) -> bool:
    """An 11-digit fødselsnummer (or D-number) with valid check digits: it must never be used as a roster id."""
    if len(value) != 11 or not value.isdigit():
        return False
    d = [int(c) for c in value]
    k1 = 11 - sum(w * x for w, x in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), d[:9], strict=True)) % 11
    k2 = 11 - sum(w * x for w, x in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), d[:10], strict=True)) % 11
    k1, k2 = (0 if k == 11 else k for k in (k1, k2))
    return k1 == d[9] and k2 == d[10]


def _language(value: str) -> Language | None:
    return LANGUAGES.get(value.strip().casefold())


def same_text(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def check_row(
    row: RawRow,
    roster: RosterFile,
    *,
    day: date,
    default_county: str | None,
    region: str = DEFAULT_REGION,
) -> tuple[RosterEntry | None, list[RowError], list[str]]:
    """Check one row: the entry to store (None when rejected), its problems, and warnings that reject nothing."""
    errors: list[RowError] = []
    kept_out: list[RowError] = []
    warnings: list[str] = []
    col = roster.column

    def error(name: str, reason: str) -> None:
        errors.append(RowError(row.line, col(name), reason))

    for name in ("roster_id", "first_name", "last_name", "birth_date", "registration_code"):
        if not row.get(name):
            error(name, "missing required value")

    roster_id = row.get("roster_id")
    if roster_id and looks_like_national_id(roster_id):
        error("roster_id", "looks like a national identity number (fødselsnummer); use the Vigo OT roster id")

    birth: date | None = None
    if row.get("birth_date"):
        try:
            birth = parse_date(row.get("birth_date"))
        except DateError as exc:
            error("birth_date", str(exc))
        else:
            if problem := target_group_problem(birth, day):
                error("birth_date", problem)

    registration = codes.normalise_code(row.get("registration_code"))
    if registration and not codes.is_registration_code(registration):
        error("registration_code", f"unknown registration code {row.get('registration_code')!r}")

    status: str | None = None
    if row.get("status_code"):
        status = codes.normalise_code(row.get("status_code"))
        if not codes.is_status_code(status):
            error("status_code", f"unknown status code {row.get('status_code')!r}")

    municipality = row.get("municipality") or None
    county: str | None = None
    if row.get("county"):
        county = canonical_county(row.get("county"))
        if county is None:
            error("county", f"unknown county {row.get('county')!r} (one of the 15 counties since 2024)")
    elif default_county:
        county = default_county
    elif municipality and (from_municipality := municipality_county(municipality)):
        county = from_municipality
    else:
        error("county", "missing required value (no county in the row, no --county, no OTBOT_DEFAULT_COUNTY)")
    if county and municipality:
        in_county = municipality_county(municipality)
        if in_county is None:
            warnings.append(f"line {row.line}: {col('municipality')}: {municipality!r} is not a municipality we know; stored as given")
        elif in_county != county:
            warnings.append(
                f"line {row.line}: {col('municipality')}: {municipality} is in {in_county}, not {county}; stored as given"
            )

    mobile: str | None = None
    if row.get("mobile"):
        try:
            mobile = normalise_mobile(row.get("mobile"), region)
        except PhoneError as exc:
            error("mobile", str(exc))

    email = row.get("email") or None
    if email and (email.count("@") != 1 or "." not in email.split("@")[1] or " " in email):
        error("email", "not an email address")

    language: Language | None = None
    if row.get("language"):
        language = _language(row.get("language"))
        if language is None:
            error("language", f"unknown language {row.get('language')!r} (nb, nn or en)")

    registered: date | None = None
    if row.get("registered"):
        try:
            registered = parse_date(row.get("registered"))
        except DateError as exc:
            error("registered", str(exc))
        else:
            if registered > day:
                error("registered", f"registered in the future ({registered.isoformat()})")

    guardians: list[GuardianEntry] = []
    for position in (1, 2):
        name_field, mobile_field = f"guardian{position}_name", f"guardian{position}_mobile"
        name, number = row.get(name_field), row.get(mobile_field)
        if not name and not number:
            continue
        if birth is not None and not is_minor_on(birth, day):
            # Guardians of adults are never contacted: keep them out of the database altogether.
            shown = name_field if name else mobile_field
            kept_out.append(RowError(
                row.line, col(shown), f"guardian given for a youth aged {age_on(birth, day)} — not stored"
            ))
            continue
        if not name:
            error(name_field, f"guardian name missing for {col(mobile_field)}")
            continue
        guardian_mobile: str | None = None
        if number:
            try:
                guardian_mobile = normalise_mobile(number, region)
            except PhoneError as exc:
                error(mobile_field, str(exc))
        guardians.append(GuardianEntry(position, " ".join(name.split()), guardian_mobile))

    if birth is not None and is_minor_on(birth, day) and not guardians and not errors:
        warnings.append(f"line {row.line}: no guardian given for a youth aged {age_on(birth, day)}")

    for name, limit in _MAX_LENGTH.items():
        value = row.get(name)
        if len(value) > limit:
            error(name, f"longer than {limit} characters ({len(value)})")

    if errors:
        return None, errors + kept_out, warnings
    assert birth is not None and county is not None
    entry = RosterEntry(
        line=row.line,
        county=county,
        roster_id=roster_id,
        first_name=" ".join(row.get("first_name").split()),
        last_name=" ".join(row.get("last_name").split()),
        birth_date=birth,
        registration_code=registration,
        status_code=status,
        mobile=mobile,
        email=email.lower() if email else None,
        municipality=" ".join(municipality.split()) if municipality else None,
        adviser=" ".join(row.get("adviser").split()) or None,
        language=language,
        school=row.get("school") or None,
        registered_on=registered,
        guardians=tuple(guardians),
    )
    return entry, kept_out, warnings


def check_roster(
    roster: RosterFile,
    *,
    day: date,
    default_county: str | None,
    region: str = DEFAULT_REGION,
) -> CheckedRoster:
    """Check every row against the rules of the service on `day`; duplicates of a roster id lose to the first.

    `region` is the phone region for numbers written without a country code (OTBOT_DEFAULT_REGION).
    """
    checked = CheckedRoster(entries=[], problems=list(roster.problems), warnings=list(roster.warnings),
                            rejected_lines={p.line for p in roster.problems})
    first_seen: dict[tuple[str, str], int] = {}
    for row in roster.rows:
        entry, problems, warnings = check_row(
            row, roster, day=day, default_county=default_county, region=region,
        )
        checked.warnings.extend(warnings)
        roster_id = row.get("roster_id")
        if roster_id:
            # Roster ids are unique per county, so one file may carry several counties.
            county_name = row.get("county")
            key = ((canonical_county(county_name) or county_name) if county_name else default_county or "", roster_id)
            earlier = first_seen.get(key)
            if earlier is not None:
                problems = [RowError(row.line, roster.column("roster_id"),
                                     f"roster id {roster_id} already on line {earlier}")] + problems
                entry = None
            else:
                first_seen[key] = row.line
        checked.problems.extend(problems)
        if entry is None:
            checked.rejected_lines.add(row.line)
        else:
            checked.entries.append(entry)
    checked.problems.sort(key=lambda p: p.line)
    return checked
