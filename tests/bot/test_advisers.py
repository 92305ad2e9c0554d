"""Adviser accounts: passwords, and who sees which youth (their caseload; the county for a lead; the away
advisers' caseloads for the county's fallback; never another county)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.advisers import AdviserError, authenticate, create_adviser, principal, visible_youth
from bot.roster import import_roster
from storage.enums import AdviserRole
from storage.models import Adviser, County, Youth

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
PASSWORD = "riktig-hest-batteri"


@pytest.fixture
def roster(engine: Engine) -> Engine:
    with Session(engine) as session:
        import_roster(session, (ROOT / "examples" / "roster.csv").read_bytes(), file_name="roster.csv", now=NOW,
                      as_of=NOW.date())
        session.commit()
    return engine


def seen(session: Session, adviser: Adviser) -> set[str]:
    return set(session.exec(select(Youth.roster_id).where(visible_youth(session, principal(adviser)))))


def test_an_account_takes_the_rosters_adviser_and_its_caseload(roster: Engine) -> None:
    with Session(roster) as session:
        tor = create_adviser(session, name="Tor Ivar Lien", email="Tor@Trondelag.example", county="Trøndelag",
                             role=AdviserRole.ADVISER, password=PASSWORD, now=NOW)
        session.commit()
        assert tor.email == "tor@trondelag.example" and tor.password_hash and PASSWORD not in tor.password_hash
        assert len(seen(session, tor)) == 8
        assert authenticate(session, "tor@trondelag.example", PASSWORD, NOW) is not None
        assert authenticate(session, "tor@trondelag.example", "wrong", NOW) is None
        assert authenticate(session, "nobody@x.example", PASSWORD, NOW) is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"email": "not-an-address"}, "not an e-mail address"),
    ({"password": "short"}, "at least 10 characters"),
    ({"county": "Atlantis"}, "no such county"),
])
def test_a_bad_account_is_one_line(roster: Engine, kwargs: dict[str, str], message: str) -> None:
    values = {"name": "Kari", "email": "kari@x.example", "county": "Agder", "role": AdviserRole.ADVISER,
              "password": PASSWORD, "now": NOW, **kwargs}
    with Session(roster) as session, pytest.raises(AdviserError, match=message):
        create_adviser(session, **values)  # type: ignore[arg-type]


def test_lead_sees_the_county_and_the_fallback_sees_the_away_caseload(roster: Engine) -> None:
    with Session(roster) as session:
        tor = create_adviser(session, name="Tor Ivar Lien", email="tor@t.example", county="Trøndelag",
                             role=AdviserRole.ADVISER, password=PASSWORD, now=NOW)
        ingrid = create_adviser(session, name="Ingrid Fossum", email="ingrid@t.example", county="Trøndelag",
                                role=AdviserRole.ADVISER, password=PASSWORD, now=NOW)
        lead = create_adviser(session, name="Liv Leder", email="lead@t.example", county="Trøndelag",
                              role=AdviserRole.LEAD, password=PASSWORD, now=NOW)
        agder = create_adviser(session, name="Petter Salvesen", email="p@a.example", county="Agder",
                               role=AdviserRole.LEAD, password=PASSWORD, now=NOW)
        session.commit()
        assert len(seen(session, lead)) == 14 and seen(session, tor).isdisjoint(seen(session, ingrid))
        assert seen(session, agder).isdisjoint(seen(session, lead))
        # Ingrid is away; Tor is the county's fallback: he sees her caseload too.
        county = session.exec(select(County).where(col(County.name) == "Trøndelag")).one()
        county.settings = {**county.settings, "fallback_adviser_id": tor.id}
        ingrid.away = True
        session.add_all([county, ingrid])
        session.commit()
        assert len(seen(session, tor)) == 14
