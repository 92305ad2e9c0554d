"""Roster import (check the rows, then create or update youth in one transaction) and the status-change export."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy import insert as sa_insert
from sqlmodel import Session, col, select

from adapters.roster_csv import (
    REQUIRED_FIELDS,
    ChangeRow,
    DateError,
    PhoneError,
    RawRow,
    RosterFile,
    RosterFileError,
    RowError,
    changes_csv,
    normalise_mobile,
    parse_date,
    read_roster,
)
from bot import codes
from bot.age import age_on, is_minor_on, target_group_problem
from storage.models import AccessLog, Adviser, ContactPoint, County, Guardian, Message, StatusChange, Youth

ACTOR = "import"
# A progress bar only pays off when the import takes noticeable time.
PROGRESS_THRESHOLD = 200
EXIT_OK, EXIT_UNUSABLE, EXIT_REJECTED = 0, 2, 3
# Guardians no longer on the roster keep their row (messages point at it) but leave positions 1 and 2.
FORMER_GUARDIAN = 0

LANGUAGES: dict[str, str] = {
    "nb": "nb", "bokmål": "nb", "bokmal": "nb", "bokmaal": "nb", "nob": "nb", "norsk": "nb", "no": "nb",
    "nn": "nn", "nynorsk": "nn", "nno": "nn",
    "en": "en", "eng": "en", "engelsk": "en", "english": "en",
}
DEFAULT_LANGUAGE = "nb"


# --- checking rows: pure ---


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
    language: str | None = None
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


def _county_lookup() -> tuple[Callable[[str], str | None], Callable[[str], str | None]]:
    from bot.understand.places import canonical_county, municipality_county

    return canonical_county, municipality_county


def looks_like_national_id(value: str) -> bool:
    """An 11-digit fødselsnummer (or D-number) with valid check digits: it must never be used as a roster id."""
    if len(value) != 11 or not value.isdigit():
        return False
    d = [int(c) for c in value]
    k1 = 11 - sum(w * x for w, x in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), d[:9], strict=True)) % 11
    k2 = 11 - sum(w * x for w, x in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), d[:10], strict=True)) % 11
    k1, k2 = (0 if k == 11 else k for k in (k1, k2))
    return k1 == d[9] and k2 == d[10]


def _language(value: str) -> str | None:
    return LANGUAGES.get(value.strip().casefold())


def _same_text(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def check_row(
    row: RawRow,
    roster: RosterFile,
    *,
    day: date,
    default_county: str | None,
    canonical_county: Callable[[str], str | None],
    municipality_county: Callable[[str], str | None],
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
            mobile = normalise_mobile(row.get("mobile"))
        except PhoneError as exc:
            error("mobile", str(exc))

    email = row.get("email") or None
    if email and (email.count("@") != 1 or "." not in email.split("@")[1] or " " in email):
        error("email", "not an email address")

    language: str | None = None
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
                guardian_mobile = normalise_mobile(number)
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
    canonical_county: Callable[[str], str | None] | None = None,
    municipality_county: Callable[[str], str | None] | None = None,
) -> CheckedRoster:
    """Check every row against the rules of the service on `day`; duplicates of a roster id lose to the first."""
    if canonical_county is None or municipality_county is None:
        canonical_county, municipality_county = _county_lookup()
    checked = CheckedRoster(entries=[], problems=list(roster.problems), warnings=list(roster.warnings),
                            rejected_lines={p.line for p in roster.problems})
    first_seen: dict[tuple[str, str], int] = {}
    for row in roster.rows:
        entry, problems, warnings = check_row(
            row, roster, day=day, default_county=default_county,
            canonical_county=canonical_county, municipality_county=municipality_county,
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


# --- applying entries to the database ---


@dataclass(slots=True)
class ImportReport:
    file: str
    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    status_changes: int = 0
    problems: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_REJECTED if self.problems else EXIT_OK


@dataclass(slots=True)
class _Existing:
    """What the database already holds for the counties in the file, loaded in a handful of queries."""

    youth: dict[tuple[int, str], Youth]
    guardians: dict[int, list[Guardian]]
    contact_points: dict[int, list[ContactPoint]]
    advisers: dict[tuple[int, str], Adviser]
    changes: dict[int, list[StatusChange]]


def _load_existing(session: Session, county_ids: Sequence[int]) -> _Existing:
    existing = _Existing({}, defaultdict(list), defaultdict(list), {}, defaultdict(list))
    if not county_ids:
        return existing
    for youth in session.exec(select(Youth).where(col(Youth.county_id).in_(county_ids))):
        existing.youth[(youth.county_id, youth.roster_id)] = youth
    for guardian in session.exec(
        select(Guardian).where(col(Guardian.county_id).in_(county_ids)).order_by(col(Guardian.id))
    ):
        existing.guardians[guardian.youth_id].append(guardian)
    for point in session.exec(
        select(ContactPoint).where(col(ContactPoint.county_id).in_(county_ids)).order_by(col(ContactPoint.id))
    ):
        existing.contact_points[point.youth_id].append(point)
    for adviser in session.exec(select(Adviser).where(col(Adviser.county_id).in_(county_ids))):
        existing.advisers.setdefault((adviser.county_id, adviser.name.casefold()), adviser)
    for change in session.exec(
        select(StatusChange)
        .where(col(StatusChange.county_id).in_(county_ids), col(StatusChange.applied).is_(True))
        .order_by(col(StatusChange.created_at), col(StatusChange.id))
    ):
        existing.changes[change.youth_id].append(change)
    return existing


def roster_is_behind(changes: Iterable[StatusChange], file_code: str) -> bool:
    """True when the file still says a code we moved away from since the roster last changed it.

    Vigo OT is updated by hand from our export, so for days a roster can carry the code the bot
    or an adviser has already replaced; importing it would silently undo that work.
    """
    since_last_import: list[StatusChange] = []
    for change in changes:
        if change.actor == ACTOR:
            since_last_import = []
        else:
            since_last_import.append(change)
    return any(change.old_code == file_code for change in since_last_import)


class _Importer:
    def __init__(self, session: Session, *, file_name: str, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        self.session = session
        self.file_name = file_name
        self.now = now
        self.counties: dict[str, County] = {}
        self.warnings: list[str] = []
        self.new_contact_points: list[dict[str, Any]] = []

    def _county(self, name: str) -> County:
        county = self.counties.get(name)
        if county is None:
            county = self.session.exec(select(County).where(col(County.name) == name)).first()
            if county is None:
                county = County(name=name, created_at=self.now)
                self.session.add(county)
                self.session.flush()
            self.counties[name] = county
        return county

    def _adviser(self, existing: _Existing, county: County, name: str) -> Adviser:
        assert county.id is not None
        key = (county.id, name.casefold())
        adviser = existing.advisers.get(key)
        if adviser is None:
            adviser = Adviser(county_id=county.id, name=name, created_at=self.now)
            self.session.add(adviser)
            self.session.flush()
            existing.advisers[key] = adviser
        return adviser

    def _contact(self, existing: _Existing, youth: Youth, guardian: Guardian | None, channel: str,
                 address: str, line: int, column: str) -> bool:
        """Make `address` the current one for this owner; True when something was written.

        A replaced address is kept (messages point at it) but flagged wrong, so nothing goes
        there any more and a reply from it no longer counts as the youth's.
        """
        assert youth.id is not None
        owner_id = guardian.id if guardian else None
        points = [p for p in existing.contact_points[youth.id] if p.guardian_id == owner_id and p.channel == channel]
        same = next((p for p in points if p.address == address), None)
        if same is not None:
            if same.wrong_number:
                self.warnings.append(
                    f"line {line}: {column}: this address is flagged as wrong in our records; "
                    "it stays unused until an adviser clears the flag"
                )
            return False
        for point in points:
            point.wrong_number = True
        # Each youth is in the file once, so no later row needs to see this point as an object.
        self.new_contact_points.append({
            "county_id": youth.county_id, "youth_id": youth.id, "guardian_id": owner_id, "channel": channel,
            "address": address, "verified": False, "wrong_number": False, "opted_out": False,
            "opted_out_at": None, "created_at": self.now,
        })
        return True

    def _guardians(self, existing: _Existing, youth: Youth, entry: RosterEntry
                   ) -> tuple[list[str], list[tuple[Guardian, GuardianEntry]]]:
        """Match the row's guardians to stored ones by position; new ones are added but not yet flushed."""
        assert youth.id is not None
        changed: list[str] = []
        current_guardians: list[tuple[Guardian, GuardianEntry]] = []
        stored = existing.guardians[youth.id]
        for wanted in entry.guardians:
            current = next((g for g in reversed(stored) if g.position == wanted.position), None)
            label = f"guardian{wanted.position}"
            if current is not None and not _same_text(current.name, wanted.name):
                numbers = {p.address for p in existing.contact_points[youth.id]
                           if p.guardian_id == current.id and not p.wrong_number}
                if wanted.mobile and wanted.mobile in numbers:
                    current.name = wanted.name  # same number, new spelling: a correction, not a new person
                    changed.append(f"{label} name")
                else:
                    current.position = FORMER_GUARDIAN
                    for point in existing.contact_points[youth.id]:
                        if point.guardian_id == current.id:
                            point.wrong_number = True
                    current = None
            if current is None:
                current = Guardian(county_id=youth.county_id, youth_id=youth.id, position=wanted.position,
                                   name=wanted.name, created_at=self.now)
                self.session.add(current)
                stored.append(current)
                changed.append(label)
            current_guardians.append((current, wanted))
        return changed, current_guardians

    def apply(self, entries: Sequence[RosterEntry], report: ImportReport, roster_column: Callable[[str], str],
              advance: Callable[[], None]) -> None:
        from bot.status import change_status

        counties = {name: self._county(name) for name in sorted({e.county for e in entries})}
        existing = _load_existing(self.session, [c.id for c in counties.values() if c.id is not None])

        # Pass 1: youth rows, so that every new youth has an id before guardians and contact points.
        planned: list[tuple[RosterEntry, Youth, list[str] | None]] = []
        new_youth: list[Youth] = []
        for entry in entries:
            county = counties[entry.county]
            assert county.id is not None
            adviser_id = self._adviser(existing, county, entry.adviser).id if entry.adviser else None
            youth = existing.youth.get((county.id, entry.roster_id))
            if youth is None:
                youth = Youth(
                    county_id=county.id, roster_id=entry.roster_id, first_name=entry.first_name,
                    last_name=entry.last_name, birth_date=entry.birth_date, municipality=entry.municipality,
                    registration_code=entry.registration_code, status_code=entry.status_code or codes.UNKNOWN,
                    adviser_id=adviser_id, language=entry.language or county.settings.get("language", DEFAULT_LANGUAGE),
                    school=entry.school, registered_on=entry.registered_on, created_at=self.now, updated_at=self.now,
                )
                existing.youth[(county.id, entry.roster_id)] = youth
                new_youth.append(youth)
                planned.append((entry, youth, None))
            else:
                planned.append((entry, youth, self._update_youth(youth, entry, adviser_id, existing, report,
                                                                 change_status, roster_column)))
            advance()
        self.session.add_all(new_youth)
        self.session.flush()

        # Pass 2: guardians, so that new ones have ids before their contact points.
        guardians_of: list[tuple[list[str], list[tuple[Guardian, GuardianEntry]]]] = [
            self._guardians(existing, youth, entry) for entry, youth, _ in planned
        ]
        self.session.flush()

        # Pass 3: contact points, then one access-log row per youth the import touched.
        access_log: list[dict[str, Any]] = []
        for (entry, youth, changed), (touched, guardians) in zip(planned, guardians_of, strict=True):
            assert youth.id is not None
            for guardian, wanted in guardians:
                if wanted.mobile and self._contact(existing, youth, guardian, "sms", wanted.mobile, entry.line,
                                                   roster_column(f"guardian{wanted.position}_mobile")):
                    touched.append(f"guardian{wanted.position} mobile")
            if entry.mobile and self._contact(existing, youth, None, "sms", entry.mobile, entry.line,
                                              roster_column("mobile")):
                touched.append("mobile")
            if entry.email and self._contact(existing, youth, None, "email", entry.email, entry.line,
                                             roster_column("email")):
                touched.append("email")
            if changed is None:
                report.imported += 1
                action, detail = "import-create", f"{self.file_name} line {entry.line}"
            else:
                changed += touched
                if not changed:
                    report.unchanged += 1
                    continue
                report.updated += 1
                youth.updated_at = self.now
                action = "import-update"
                detail = f"{self.file_name} line {entry.line}: " + ", ".join(changed)
            access_log.append({"county_id": youth.county_id, "youth_id": youth.id, "actor": ACTOR,
                               "action": action, "detail": detail[:400], "at": self.now})
        self.session.flush()
        # Bulk inserts: building thousands of ORM objects costs more than the database work itself.
        for model, rows in ((ContactPoint, self.new_contact_points), (AccessLog, access_log)):
            if rows:
                self.session.execute(sa_insert(model), rows)
        self.new_contact_points = []

    def _update_youth(self, youth: Youth, entry: RosterEntry, adviser_id: int | None, existing: _Existing,
                      report: ImportReport, change_status: Callable[..., StatusChange],
                      roster_column: Callable[[str], str]) -> list[str]:
        """Bring a stored youth in line with the row; an empty optional cell keeps what we have."""
        changed: list[str] = []
        wanted: dict[str, Any] = {
            "first_name": entry.first_name,
            "last_name": entry.last_name,
            "birth_date": entry.birth_date,
            "registration_code": entry.registration_code,
            "municipality": entry.municipality,
            "adviser_id": adviser_id,
            "language": entry.language,
            "school": entry.school,
            "registered_on": entry.registered_on,
        }
        for name, value in wanted.items():
            if value is not None and getattr(youth, name) != value:
                setattr(youth, name, value)
                changed.append(name)
        if entry.status_code and entry.status_code != youth.status_code:
            assert youth.id is not None
            if roster_is_behind(existing.changes[youth.id], entry.status_code):
                self.warnings.append(
                    f"line {entry.line}: {roster_column('status_code')}: the roster still says {entry.status_code}; "
                    f"ours is {youth.status_code} since a later change — kept ours (export the changes for Vigo OT)"
                )
            else:
                change = change_status(
                    self.session, youth, entry.status_code, actor=ACTOR, applied=True,
                    evidence={"rule": "roster import", "file": self.file_name, "line": entry.line},
                    now=self.now,
                )
                existing.changes[youth.id].append(change)
                report.status_changes += 1
                changed.append("status_code")
        return changed


def import_roster(
    session: Session,
    data: bytes,
    *,
    file_name: str,
    now: datetime,
    county: str | None = None,
    default_county: str | None = None,
    as_of: date | None = None,
    progress: Callable[[int], Callable[[], None]] | None = None,
) -> ImportReport:
    """Check and apply a roster in the caller's transaction; RosterFileError (nothing written) when unusable.

    `county` (from --county) and then `default_county` (OTBOT_DEFAULT_COUNTY) fill rows without a county.
    `now` is the import's clock; the target-group and guardian rules use its Europe/Oslo day unless
    `as_of` names another day (checking a roster for a coming date).
    """
    canonical_county, municipality_county = _county_lookup()
    fallback: str | None = None
    for source, name in (("--county", county), ("OTBOT_DEFAULT_COUNTY", default_county)):
        if name:
            fallback = canonical_county(name)
            if fallback is None:
                raise RosterFileError(f"{source}: unknown county {name!r} (one of the 15 counties since 2024)")
            break
    required = set(REQUIRED_FIELDS) if fallback else set(REQUIRED_FIELDS) | {"county"}
    roster = read_roster(data, required=required)
    day = as_of or now.astimezone(_oslo()).date()
    checked = check_roster(roster, day=day, default_county=fallback,
                           canonical_county=canonical_county, municipality_county=municipality_county)
    report = ImportReport(file=file_name, rows=len(roster.rows) + len(roster.problems),
                          rejected=len(checked.rejected_lines), problems=checked.problems,
                          warnings=checked.warnings)
    advance = progress(len(checked.entries)) if progress else (lambda: None)
    importer = _Importer(session, file_name=file_name, now=now)
    importer.apply(checked.entries, report, roster.column, advance)
    report.warnings.extend(importer.warnings)
    return report


def _oslo() -> ZoneInfo:
    from bot.settings import get_settings

    return get_settings().tz


def print_report(report: ImportReport, console: Console, *, dry_run: bool) -> None:
    """The summary table, then every problem as `line N: column: reason`, then warnings."""
    heading = f"{report.file}: dry run, nothing was written" if dry_run else report.file
    console.print(heading, style="bold", markup=False, highlight=False, soft_wrap=True)
    table = Table(show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    for label, value in (("rows", report.rows), ("imported", report.imported), ("updated", report.updated),
                         ("unchanged", report.unchanged), ("rejected", report.rejected),
                         ("status changes", report.status_changes)):
        table.add_row(label, str(value))
    console.print(table)
    if report.problems:
        console.print(f"{len(report.problems)} problem(s):", style="bold red")
        for problem in report.problems:
            console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    if report.warnings:
        console.print(f"{len(report.warnings)} warning(s):", style="bold yellow")
        for warning in report.warnings:
            console.print(warning, markup=False, highlight=False, soft_wrap=True)


def run_import(engine: Engine, path: Path, *, county: str | None, dry_run: bool, console: Console,
               now: datetime, as_of: date | None = None) -> int:
    """`otbot import`: read the file, import in one transaction (rolled back on a dry run), report; the exit code."""
    from bot.settings import get_settings

    try:
        data = path.read_bytes()
    except OSError as exc:
        console.print(f"{path}: cannot read the file: {exc.strerror or exc}", markup=False, highlight=False, soft_wrap=True)
        return EXIT_UNUSABLE
    with Session(engine) as session, Progress(console=console, transient=True) as bar:
        def progress(total: int) -> Callable[[], None]:
            if total <= PROGRESS_THRESHOLD:
                return lambda: None
            task = bar.add_task("importing", total=total)
            return lambda: bar.advance(task)

        try:
            report = import_roster(session, data, file_name=path.name, now=now, county=county,
                                   default_county=get_settings().default_county, as_of=as_of, progress=progress)
        except RosterFileError as exc:
            session.rollback()
            bar.stop()
            console.print(f"{path}: {exc} — nothing was imported", markup=False, highlight=False, soft_wrap=True)
            return EXIT_UNUSABLE
        except BaseException:
            session.rollback()
            raise
        if dry_run:
            session.rollback()
        else:
            session.commit()
    print_report(report, console, dry_run=dry_run)
    return report.exit_code


# --- the export for Vigo OT ---


def evidence_in_words(evidence: dict[str, Any], message_text: str | None = None, limit: int = 60) -> str:
    """Evidence as an adviser reads it: `roster import, file roster.csv line 12` or `reply "…" (rule: work) …`."""
    evidence = dict(evidence or {})
    parts: list[str] = []
    rule = evidence.pop("rule", None)
    file_name, line = evidence.pop("file", None), evidence.pop("line", None)
    if rule == "roster import" or file_name:
        where = " ".join(x for x in (f"file {file_name}" if file_name else "", f"line {line}" if line else "") if x)
        return ", ".join(x for x in ("roster import", where) if x)
    text = message_text or evidence.pop("text", None) or evidence.pop("reply", None)
    if text:
        flat = " ".join(str(text).split())
        parts.append(f'reply "{flat[:limit].rstrip() + "…" if len(flat) > limit else flat}"')
    details: list[str] = []
    if rule:
        details.append(f"rule: {rule}")
    words = evidence.pop("words", None) or evidence.pop("matched", None)
    if words:
        details.append("words: " + (", ".join(map(str, words)) if isinstance(words, list | tuple) else str(words)))
    if details:
        parts.append("(" + ", ".join(details) + ")")
    confidence = evidence.pop("confidence", None)
    if confidence is not None:
        parts.append(f"confidence {confidence:.2f}".rstrip("0").rstrip(".") if isinstance(confidence, float)
                     else f"confidence {confidence}")
    for key, value in evidence.items():
        if value not in (None, "", [], {}):
            parts.append(f"{key}: {value}")
    return " ".join(parts)


def change_rows(session: Session, *, since: date | None, tz: ZoneInfo) -> list[tuple[ChangeRow, int, int]]:
    """Every status change (on or after the local day `since`) as export rows, oldest first, with county and youth ids."""
    query = (
        select(StatusChange, Youth, County, col(Message.text))
        .join(Youth, col(Youth.id) == col(StatusChange.youth_id))
        .join(County, col(County.id) == col(StatusChange.county_id))
        .outerjoin(Message, col(Message.id) == col(StatusChange.source_message_id))
        .order_by(col(StatusChange.created_at), col(StatusChange.id))
    )
    if since is not None:
        query = query.where(col(StatusChange.created_at) >= datetime.combine(since, time(0), tzinfo=tz))
    rows = []
    for change, youth, county, text in session.exec(query):
        rows.append((ChangeRow(
            time=change.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            roster_id=youth.roster_id,
            name=f"{youth.first_name} {youth.last_name}",
            county=county.name,
            old_code=change.old_code,
            new_code=change.new_code,
            actor=change.actor,
            state="applied" if change.applied else "proposed",
            evidence=evidence_in_words(change.evidence, text),
        ), youth.county_id, change.youth_id))
    return rows


def export_changes(engine: Engine, since: date | None, out: Path | None, *, now: datetime | None = None) -> int:
    """`otbot export changes`: the CSV (UTF-8 with BOM, semicolons) to `out` or standard output; rows written.

    Exporting is reading youth records, so each youth exported gets an access-log row.
    """
    from bot.settings import get_settings

    tz = get_settings().tz
    with Session(engine) as session:
        rows = change_rows(session, since=since, tz=tz)
        data = ("\ufeff" + changes_csv(row for row, _, _ in rows)).encode("utf-8")
        if out is not None:
            out.write_bytes(data)
        else:
            stream = getattr(sys.stdout, "buffer", None)
            if stream is not None:
                sys.stdout.flush()
                stream.write(data)
                stream.flush()
            else:  # pragma: no cover - a text-only stdout
                sys.stdout.write(data.decode("utf-8"))
        for county_id, youth_id in sorted({(c, y) for _, c, y in rows}):
            log = AccessLog(county_id=county_id, youth_id=youth_id, actor="export", action="export-changes",
                            detail=f"status changes{f' since {since.isoformat()}' if since else ''}")
            if now is not None:
                log.at = now
            session.add(log)
        session.commit()
    return len(rows)
