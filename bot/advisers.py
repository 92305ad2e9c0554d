"""Adviser accounts: create, set a password (argon2id), authenticate, and who may see which youth.

Visibility, the rule every inbox page, API and export goes through (`visible_youth`):

- an **adviser** sees their caseload (youth whose adviser they are), the youth of their county with no
  adviser yet, and — when they are their county's fallback (`County.settings["fallback_adviser_id"]`) — the
  caseloads of the county's advisers who are away;
- a **lead** and an **admin** see every youth of their county;
- nobody sees another county's youth: such a youth is "not found" (404), never "forbidden".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, col, or_, select

from storage.enums import AdviserRole
from storage.models import Adviser, County, Youth

HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD = 10
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
# A hash to verify against when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong password.
_DUMMY = HASHER.hash("no such adviser, no such password")


class AdviserError(ValueError):
    """A refused account change: one line, never the password."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The person behind a request."""

    adviser_id: int
    county_id: int
    role: AdviserRole
    name: str

    @property
    def actor(self) -> str:
        return f"adviser:{self.adviser_id}"


def principal(adviser: Adviser) -> Principal:
    assert adviser.id is not None
    return Principal(adviser.id, adviser.county_id, adviser.role, adviser.name)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AdviserError(f"the password must have at least {MIN_PASSWORD} characters")


def create_adviser(session: Session, *, name: str, email: str, county: str, role: AdviserRole, password: str,
                   now: datetime) -> Adviser:
    """A new adviser account (or a password and role for an existing one with this e-mail, same county)."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise AdviserError(f"--email {email!r}: not an e-mail address")
    if not name.strip():
        raise AdviserError("--name: empty")
    check_password(password)
    found = session.exec(select(County).where(col(County.name) == county)).first()
    if found is None or found.id is None:
        raise AdviserError(f"--county {county!r}: no such county (import its roster first)")
    adviser = session.exec(select(Adviser).where(col(Adviser.email) == email)).first()
    if adviser is not None and adviser.county_id != found.id:
        raise AdviserError(f"--email {email!r}: already an adviser in another county")
    if adviser is None:
        # The roster names advisers without e-mail; the same name in the same county is that adviser.
        adviser = session.exec(select(Adviser).where(col(Adviser.county_id) == found.id,
                                                     col(Adviser.name) == name.strip(),
                                                     col(Adviser.email).is_(None))).first()
    if adviser is None:
        adviser = Adviser(county_id=found.id, name=name.strip(), created_at=now)
    adviser.email = email
    adviser.role = role
    adviser.password_hash = HASHER.hash(password)
    adviser.active = True
    session.add(adviser)
    session.flush()
    return adviser


def authenticate(session: Session, email: str, password: str, now: datetime) -> Adviser | None:
    """The active adviser with this e-mail and password, else None (in the same time either way)."""
    adviser = session.exec(select(Adviser).where(col(Adviser.email) == email.strip().lower())).first()
    stored = adviser.password_hash if adviser is not None and adviser.active and adviser.password_hash else _DUMMY
    try:
        HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if adviser is None or stored is _DUMMY:
        return None
    if HASHER.check_needs_rehash(stored):
        adviser.password_hash = HASHER.hash(password)
    adviser.last_login_at = now
    session.add(adviser)
    return adviser


def fallback_for(session: Session, county_id: int) -> int | None:
    county = session.get(County, county_id)
    value = (county.settings or {}).get("fallback_adviser_id") if county is not None else None
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else None


def visible_youth(session: Session, who: Principal) -> Any:
    """The WHERE clause of the youth `who` may see (see the module docstring)."""
    in_county = col(Youth.county_id) == who.county_id
    if who.role in (AdviserRole.LEAD, AdviserRole.ADMIN):
        return in_county
    mine = or_(col(Youth.adviser_id) == who.adviser_id, col(Youth.adviser_id).is_(None))
    if fallback_for(session, who.county_id) == who.adviser_id:
        away = select(Adviser.id).where(col(Adviser.county_id) == who.county_id, col(Adviser.away).is_(True))
        mine = or_(mine, col(Youth.adviser_id).in_(away))
    return in_county & mine


def youth_for(session: Session, who: Principal, youth_id: int) -> Youth | None:
    """The youth if `who` may see them, else None (the caller answers 404)."""
    return session.exec(select(Youth).where(col(Youth.id) == youth_id, visible_youth(session, who))).first()
