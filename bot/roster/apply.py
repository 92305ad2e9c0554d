"""Applying a checked roster to the database: youth, guardians (one person, linked to each child), contact points."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import insert as sa_insert
from sqlmodel import Session, col, select

from adapters.roster_csv import REQUIRED_FIELDS, RosterFileError, RowError, read_roster
from bot import codes
from bot.age import is_minor_on
from bot.places import canonical_county
from bot.roster.check import DEFAULT_REGION, GuardianEntry, RosterEntry, check_roster, same_text
from storage.enums import MADE_STATES, ActorKind, Channel, ContactRetired, GuardianEnded, Language
from storage.models import (
    AccessLog,
    Adviser,
    ContactPoint,
    County,
    Guardian,
    Message,
    Outbox,
    StatusChange,
    Youth,
    YouthGuardian,
)

ACTOR = ActorKind.IMPORT
EXIT_OK, EXIT_UNUSABLE, EXIT_REJECTED = 0, 2, 3
# A link that ended keeps its row (the guardian's thread points at the youth) but leaves positions 1 and 2.
FORMER_GUARDIAN = 0
DEFAULT_LANGUAGE = Language.NB
OSLO = ZoneInfo("Europe/Oslo")

_YOUTH_OWNED, _GUARDIAN_OWNED = "youth", "guardian"
Owner = tuple[str, int]


@dataclass(slots=True)
class ImportReport:
    file: str
    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    status_changes: int = 0
    # Youth who turned 18 since their guardians were stored: their guardians' links and numbers went.
    guardians_removed: int = 0
    problems: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_REJECTED if self.problems else EXIT_OK


@dataclass(slots=True)
class _Existing:
    """What the database already holds for the counties in the file, loaded in a handful of queries."""

    youth: dict[tuple[int, str], Youth]
    guardians: dict[int, Guardian]
    links: dict[int, list[YouthGuardian]]  # by youth id
    links_of_guardian: dict[int, list[YouthGuardian]]
    points: dict[Owner, list[ContactPoint | dict[str, Any]]]
    # (county id, address) -> the guardian whose usable number it is: one number is one person.
    guardian_by_number: dict[tuple[int, str], Guardian]
    youth_numbers: dict[tuple[int, str], int]  # (county id, address) -> youth id
    advisers: dict[tuple[int, str], Adviser]
    changes: dict[int, list[StatusChange]]


def _get(point: ContactPoint | dict[str, Any], name: str) -> Any:
    return point[name] if isinstance(point, dict) else getattr(point, name)


def _set(point: ContactPoint | dict[str, Any], name: str, value: Any) -> None:
    if isinstance(point, dict):
        point[name] = value
    else:
        setattr(point, name, value)


def _usable(point: ContactPoint | dict[str, Any]) -> bool:
    return not _get(point, "wrong_number") and _get(point, "retired_at") is None


def _load_existing(session: Session, county_ids: Sequence[int]) -> _Existing:
    existing = _Existing({}, {}, defaultdict(list), defaultdict(list), defaultdict(list), {}, {}, {},
                         defaultdict(list))
    if not county_ids:
        return existing
    for youth in session.exec(select(Youth).where(col(Youth.county_id).in_(county_ids))):
        existing.youth[(youth.county_id, youth.roster_id)] = youth
    for guardian in session.exec(select(Guardian).where(col(Guardian.county_id).in_(county_ids))):
        existing.guardians[guardian.id or 0] = guardian
    for link in session.exec(
        select(YouthGuardian).where(col(YouthGuardian.county_id).in_(county_ids)).order_by(col(YouthGuardian.id))
    ):
        existing.links[link.youth_id].append(link)
        existing.links_of_guardian[link.guardian_id].append(link)
    for point in session.exec(
        select(ContactPoint).where(col(ContactPoint.county_id).in_(county_ids)).order_by(col(ContactPoint.id))
    ):
        _index_point(existing, point)
    for adviser in session.exec(select(Adviser).where(col(Adviser.county_id).in_(county_ids))):
        existing.advisers.setdefault((adviser.county_id, adviser.name.casefold()), adviser)
    for change in session.exec(
        select(StatusChange)
        .where(col(StatusChange.county_id).in_(county_ids), col(StatusChange.state).in_(MADE_STATES))
        .order_by(col(StatusChange.created_at), col(StatusChange.id))
    ):
        existing.changes[change.youth_id].append(change)
    return existing


def _index_point(existing: _Existing, point: ContactPoint | dict[str, Any]) -> None:
    youth_id, guardian_id = _get(point, "youth_id"), _get(point, "guardian_id")
    owner: Owner = (_YOUTH_OWNED, youth_id) if youth_id is not None else (_GUARDIAN_OWNED, guardian_id)
    existing.points[owner].append(point)
    if _get(point, "channel") != Channel.SMS or not _usable(point):
        return
    key = (_get(point, "county_id"), _get(point, "address"))
    if guardian_id is not None:
        guardian = existing.guardians.get(guardian_id)
        if guardian is not None:
            existing.guardian_by_number.setdefault(key, guardian)
    else:
        existing.youth_numbers.setdefault(key, youth_id)


def roster_is_behind(changes: Iterable[StatusChange], file_code: str) -> bool:
    """True when the file still says a code we moved away from since the roster last changed it.

    Vigo OT is updated by hand from our export, so for days a roster can carry the code the bot
    or an adviser has already replaced; importing it would silently undo that work.
    """
    since_last_import: list[StatusChange] = []
    for change in changes:
        if change.actor_kind == ACTOR:
            since_last_import = []
        else:
            since_last_import.append(change)
    return any(change.old_code == file_code for change in since_last_import)


@dataclass(slots=True)
class _GuardianPlan:
    """One guardian of one row: the person (maybe new, not yet flushed) and the link to make or keep."""

    guardian: Guardian
    wanted: GuardianEntry
    link: YouthGuardian | None


class _Importer:
    def __init__(self, session: Session, *, file_name: str, now: datetime, day: date) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        self.session = session
        self.file_name = file_name
        self.now = now
        self.day = day
        self.counties: dict[str, County] = {}
        self.warnings: list[str] = []

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

    def _contact(self, existing: _Existing, county_id: int, owner: Owner, channel: Channel, address: str,
                 line: int, column: str) -> bool:
        """Make `address` the owner's current one on `channel`; True when something was written.

        A replaced address is kept (messages point at it) but flagged wrong, so nothing goes
        there any more and a reply from it no longer counts as the owner's.
        """
        points = [p for p in existing.points[owner] if _get(p, "channel") == channel]
        same = next((p for p in points if _get(p, "address") == address), None)
        if same is not None:
            if _get(same, "wrong_number"):
                self.warnings.append(
                    f"line {line}: {column}: this address is flagged as wrong in our records; "
                    "it stays unused until an adviser clears the flag"
                )
            elif _get(same, "retired_at") is not None:
                _set(same, "retired_at", None)
                _set(same, "retired_reason", None)
                return True
            return False
        for point in points:
            _set(point, "wrong_number", True)
        kind, owner_id = owner
        point = {
            "county_id": county_id, "youth_id": owner_id if kind == _YOUTH_OWNED else None,
            "guardian_id": owner_id if kind == _GUARDIAN_OWNED else None, "channel": channel,
            "address": address, "verified": False, "wrong_number": False, "opted_out": False,
            "opted_out_at": None, "retired_at": None, "retired_reason": None, "created_at": self.now,
        }
        _index_point(existing, point)
        self.new_points.append(point)
        return True

    def _active_links(self, existing: _Existing, youth_id: int) -> list[YouthGuardian]:
        return [link for link in existing.links[youth_id] if link.position != FORMER_GUARDIAN]

    def _end_link(self, existing: _Existing, link: YouthGuardian, reason: GuardianEnded) -> None:
        link.position = FORMER_GUARDIAN
        link.ended_at = self.now
        link.ended_reason = reason
        guardian = existing.guardians.get(link.guardian_id)
        if guardian is not None and not any(
            other.position != FORMER_GUARDIAN for other in existing.links_of_guardian[link.guardian_id]
        ):
            # A person who guards no one on the roster any more gets no messages from us.
            for point in existing.points[(_GUARDIAN_OWNED, link.guardian_id)]:
                if reason is GuardianEnded.REPLACED:
                    _set(point, "wrong_number", True)
                elif _get(point, "retired_at") is None:
                    _set(point, "retired_at", self.now)
                    _set(point, "retired_reason", ContactRetired.YOUTH_ADULT)
            self.leaving.add(link.guardian_id)

    def _guardians(self, existing: _Existing, youth: Youth, entry: RosterEntry) -> tuple[list[str], list[_GuardianPlan]]:
        """Match the row's guardians to this youth's links by position, and to persons by number."""
        assert youth.id is not None
        changed: list[str] = []
        plans: list[_GuardianPlan] = []
        for wanted in entry.guardians:
            label = f"guardian{wanted.position}"
            link = next((lk for lk in self._active_links(existing, youth.id) if lk.position == wanted.position), None)
            guardian = existing.guardians.get(link.guardian_id) if link else None
            if link is not None and guardian is not None and not same_text(guardian.name, wanted.name):
                numbers = {_get(p, "address") for p in existing.points[(_GUARDIAN_OWNED, link.guardian_id)]
                           if _usable(p)}
                if wanted.mobile and wanted.mobile in numbers:
                    guardian.name = wanted.name  # same number, new spelling: a correction, not a new person
                    changed.append(f"{label} name")
                else:
                    self._end_link(existing, link, GuardianEnded.REPLACED)
                    link, guardian = None, None
            if link is None:
                guardian = self._person(existing, youth.county_id, wanted, entry.line)
                changed.append(label)
                # The same person may have been this youth's guardian before (or in the other position).
                link = next((lk for lk in existing.links[youth.id] if guardian.id is not None
                             and lk.guardian_id == guardian.id), None)
                if link is not None:
                    link.position, link.ended_at, link.ended_reason = wanted.position, None, None
            assert guardian is not None
            plans.append(_GuardianPlan(guardian, wanted, link))
        return changed, plans

    def _person(self, existing: _Existing, county_id: int, wanted: GuardianEntry, line: int) -> Guardian:
        """The stored person with this number, else a new one: a parent of siblings is one person."""
        if wanted.mobile:
            known = existing.guardian_by_number.get((county_id, wanted.mobile))
            if known is not None:
                if not same_text(known.name, wanted.name):
                    self.warnings.append(
                        f"line {line}: guardian{wanted.position}: the number belongs to a guardian stored under "
                        "another name; linked to that person (check the name)"
                    )
                return known
        guardian = Guardian(county_id=county_id, name=wanted.name, created_at=self.now)
        self.session.add(guardian)
        if wanted.mobile:
            existing.guardian_by_number[(county_id, wanted.mobile)] = guardian
        return guardian

    def _guardians_of_adult(self, existing: _Existing, youth: Youth) -> bool:
        """Guardians of a youth of 18 or more are never contacted: their links and numbers leave. True if any did."""
        assert youth.id is not None
        active = self._active_links(existing, youth.id)
        for link in active:
            self._end_link(existing, link, GuardianEnded.YOUTH_ADULT)
            self.adult_links.append(link)
        return bool(active)

    def apply(self, entries: Sequence[RosterEntry], report: ImportReport, roster_column: Callable[[str], str],
              advance: Callable[[], None]) -> None:
        from bot.status import change_status

        self.new_points: list[dict[str, Any]] = []
        self.leaving: set[int] = set()
        self.adult_links: list[YouthGuardian] = []
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
                    adviser_id=adviser_id,
                    language=entry.language or Language(county.settings.get("language", DEFAULT_LANGUAGE)),
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

        # Pass 2: guardians (persons first, so that a parent of siblings is created once and gets an id).
        guardians_of: list[tuple[list[str], list[_GuardianPlan]]] = []
        for entry, youth, changed in planned:
            assert youth.id is not None
            if changed is not None and not is_minor_on(youth.birth_date, self.day):
                if self._guardians_of_adult(existing, youth):
                    report.guardians_removed += 1
                    self.warnings.append(
                        f"line {entry.line}: the youth is 18 or older: their guardians are no longer kept "
                        "(links ended, numbers removed)"
                    )
                    changed.append("guardians removed (18)")
            guardians_of.append(self._guardians(existing, youth, entry))
        self.session.flush()
        new_links: list[YouthGuardian] = []
        for (_, youth, _), (_, plans) in zip(planned, guardians_of, strict=True):
            for plan in plans:
                assert youth.id is not None and plan.guardian.id is not None
                existing.guardians[plan.guardian.id] = plan.guardian
                if plan.link is None:
                    plan.link = YouthGuardian(county_id=youth.county_id, youth_id=youth.id,
                                              guardian_id=plan.guardian.id, position=plan.wanted.position,
                                              created_at=self.now)
                    existing.links[youth.id].append(plan.link)
                    existing.links_of_guardian[plan.guardian.id].append(plan.link)
                    new_links.append(plan.link)
                self.leaving.discard(plan.guardian.id)
        self.session.add_all(new_links)

        # Pass 3: contact points, then one access-log row per youth the import touched.
        access_log: list[dict[str, Any]] = []
        for (entry, youth, changed), (touched, plans) in zip(planned, guardians_of, strict=True):
            assert youth.id is not None
            for plan in plans:
                assert plan.guardian.id is not None
                column = roster_column(f"guardian{plan.wanted.position}_mobile")
                if plan.wanted.mobile and self._contact(existing, youth.county_id,
                                                        (_GUARDIAN_OWNED, plan.guardian.id), Channel.SMS,
                                                        plan.wanted.mobile, entry.line, column):
                    touched.append(f"guardian{plan.wanted.position} mobile")
                if plan.wanted.mobile and existing.youth_numbers.get((youth.county_id, plan.wanted.mobile)):
                    self.warnings.append(f"line {entry.line}: {column}: the same number as a youth's own number; "
                                         "stored for both — check it")
            if entry.mobile and self._contact(existing, youth.county_id, (_YOUTH_OWNED, youth.id), Channel.SMS,
                                              entry.mobile, entry.line, roster_column("mobile")):
                touched.append("mobile")
            if entry.mobile and (youth.county_id, entry.mobile) in existing.guardian_by_number:
                self.warnings.append(f"line {entry.line}: {roster_column('mobile')}: the same number as a "
                                     "guardian's number; stored for both — check it")
            if entry.email and self._contact(existing, youth.county_id, (_YOUTH_OWNED, youth.id), Channel.EMAIL,
                                             entry.email, entry.line, roster_column("email")):
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
            access_log.append({"county_id": youth.county_id, "youth_id": youth.id, "actor": ACTOR.value,
                               "actor_kind": ACTOR, "action": action, "detail": detail[:400], "at": self.now})
        self.session.flush()
        # Bulk inserts: building thousands of ORM objects costs more than the database work itself.
        for model, rows in ((ContactPoint, self.new_points), (AccessLog, access_log)):
            if rows:
                self.session.execute(sa_insert(model), rows)
        self.new_points = []
        self._forget_what_is_kept_out(existing)

    def _forget_what_is_kept_out(self, existing: _Existing) -> None:
        """Guardians of adults are kept out of the database: delete what no message or outbox row needs."""
        for link in self.adult_links:
            if not self._has_thread(Message, link.guardian_id, link.youth_id) and not self._has_thread(
                    Outbox, link.guardian_id, link.youth_id):
                self.session.delete(link)
                existing.links_of_guardian[link.guardian_id].remove(link)
        self.session.flush()
        for guardian_id in sorted(self.leaving):
            if existing.links_of_guardian[guardian_id] or self._has_thread(Message, guardian_id) \
                    or self._has_thread(Outbox, guardian_id):
                continue  # still linked (with a thread, or to a youth whose link ended otherwise): retired above
            self.session.execute(sa.delete(ContactPoint).where(col(ContactPoint.guardian_id) == guardian_id))
            guardian = existing.guardians.pop(guardian_id, None)
            if guardian is not None:
                self.session.delete(guardian)
        self.session.flush()

    def _has_thread(self, model: type[Message] | type[Outbox], guardian_id: int, youth_id: int | None = None) -> bool:
        query = select(model.id).where(col(model.guardian_id) == guardian_id)  # type: ignore[arg-type]
        if youth_id is not None:
            query = query.where(col(model.youth_id) == youth_id)
        return self.session.exec(query.limit(1)).first() is not None

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
                    self.session, youth, entry.status_code, actor=ACTOR.value, applied=True,
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
    tz: ZoneInfo = OSLO,
    county: str | None = None,
    default_county: str | None = None,
    region: str = DEFAULT_REGION,
    as_of: date | None = None,
    progress: Callable[[int], Callable[[], None]] | None = None,
) -> ImportReport:
    """Check and apply a roster in the caller's transaction; RosterFileError (nothing written) when unusable.

    `county` (from --county) and then `default_county` (OTBOT_DEFAULT_COUNTY) fill rows without a county;
    `region` reads numbers written without a country code. `now` is the import's clock; the target-group
    and guardian rules use its day in `tz` unless `as_of` names another day (checking a roster for a coming date).
    """
    fallback: str | None = None
    for source, name in (("--county", county), ("OTBOT_DEFAULT_COUNTY", default_county)):
        if name:
            fallback = canonical_county(name)
            if fallback is None:
                raise RosterFileError(f"{source}: unknown county {name!r} (one of the 15 counties since 2024)")
            break
    required = set(REQUIRED_FIELDS) if fallback else set(REQUIRED_FIELDS) | {"county"}
    roster = read_roster(data, required=required)
    day = as_of or now.astimezone(tz).date()
    checked = check_roster(roster, day=day, default_county=fallback, region=region)
    report = ImportReport(file=file_name, rows=len(roster.rows) + len(roster.problems),
                          rejected=len(checked.rejected_lines), problems=checked.problems,
                          warnings=checked.warnings)
    advance = progress(len(checked.entries)) if progress else (lambda: None)
    importer = _Importer(session, file_name=file_name, now=now, day=day)
    importer.apply(checked.entries, report, roster.column, advance)
    report.warnings.extend(importer.warnings)
    return report
