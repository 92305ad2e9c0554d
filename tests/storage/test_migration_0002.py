"""Migration 0002 takes a database written by 0001 to the messaging ground with every row kept, and back."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.db import create_engine, migrate

AT = datetime(2026, 11, 20, 9, 0)
SIBLING_PARENT = "+4740000300"


def _insert(connection: sa.Connection, table: str, **values: object) -> int:
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    return int(connection.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"),
                                  values).scalar_one())


def _a_0001_database(db_url: str) -> Engine:
    """What main wrote before 0002: a parent of two siblings stored once per child, changes by applied/decided_at."""
    engine = create_engine(db_url)
    migrate(engine, "0001")
    with engine.begin() as c:
        county = _insert(c, "county", name="Trøndelag", settings="{}", created_at=AT)
        youth = {}
        for roster_id, first in (("1", "Ada"), ("2", "Bo")):
            youth[roster_id] = _insert(c, "youth", county_id=county, roster_id=roster_id, first_name=first,
                                       last_name="Berg", birth_date=datetime(2010, 1, 1).date(),
                                       registration_code="OSON", status_code="OTUK", language="nb",
                                       created_at=AT, updated_at=AT)
        guardians = {}
        for roster_id, youth_id in youth.items():
            guardians[roster_id] = _insert(c, "guardian", county_id=county, youth_id=youth_id, position=1,
                                           name="Kari Berg", created_at=AT)
            _insert(c, "contactpoint", county_id=county, youth_id=youth_id, guardian_id=None, channel="sms",
                    address=f"+474000010{roster_id}", verified=False, wrong_number=False, opted_out=False,
                    created_at=AT)
            _insert(c, "contactpoint", county_id=county, youth_id=youth_id, guardian_id=guardians[roster_id],
                    channel="sms", address=SIBLING_PARENT, verified=False, wrong_number=False, opted_out=False,
                    created_at=AT)
        # A former guardian of Ada (replaced), and a message from the parent filed under Bo's guardian row.
        former = _insert(c, "guardian", county_id=county, youth_id=youth["1"], position=0, name="Per Berg",
                         created_at=AT)
        _insert(c, "contactpoint", county_id=county, youth_id=youth["1"], guardian_id=former, channel="sms",
                address="+4740000399", verified=False, wrong_number=True, opted_out=False, created_at=AT)
        parent_point = c.execute(sa.text("SELECT id FROM contactpoint WHERE guardian_id = :g"),
                                 {"g": guardians["2"]}).scalar_one()
        _insert(c, "message", county_id=county, youth_id=youth["2"], guardian_id=guardians["2"],
                contact_point_id=parent_point, direction="in", channel="sms", text="hei", provider_id="SM1",
                delivery_status="received", created_at=AT)
        for applied, decided, actor in ((True, False, "import"), (True, True, "bot"), (False, False, "bot"),
                                        (False, True, "bot")):
            _insert(c, "statuschange", county_id=county, youth_id=youth["1"], old_code="OTUK", new_code="OTOV",
                    actor=actor, applied=applied, evidence="{}", decided_by="adviser:1" if decided else None,
                    decided_at=AT if decided else None, created_at=AT)
        _insert(c, "accesslog", county_id=county, youth_id=youth["1"], actor="import", action="import-create", at=AT)
        _insert(c, "accesslog", county_id=county, youth_id=youth["1"], actor="export", action="export-changes", at=AT)
    return engine


def _all(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as c:
        return [tuple(row) for row in c.execute(sa.text(sql))]


def test_upgrade_from_0001_keeps_every_row_and_makes_a_parent_of_siblings_one_person(db_url: str) -> None:
    engine = _a_0001_database(db_url)
    try:
        migrate(engine)

        assert _all(engine, "SELECT roster_id FROM youth ORDER BY roster_id") == [("1",), ("2",)]
        assert _all(engine, "SELECT name FROM guardian ORDER BY id") == [("Kari Berg",), ("Per Berg",)]
        links = _all(engine, "SELECT y.roster_id, g.name, l.position, l.ended_reason FROM youthguardian l "
                             "JOIN youth y ON y.id = l.youth_id JOIN guardian g ON g.id = l.guardian_id "
                             "ORDER BY y.roster_id, l.position DESC")
        assert links == [("1", "Kari Berg", 1, None), ("1", "Per Berg", 0, "replaced"), ("2", "Kari Berg", 1, None)]
        # One point for the parent's number, owned by the person; the youth keep their own numbers.
        points = _all(engine, "SELECT address, youth_id IS NULL, guardian_id IS NULL FROM contactpoint ORDER BY address")
        assert points == [("+4740000101", False, True), ("+4740000102", False, True),
                          (SIBLING_PARENT, True, False), ("+4740000399", True, False)]
        (kari,) = _all(engine, "SELECT id FROM guardian WHERE name = 'Kari Berg'")
        assert _all(engine, "SELECT guardian_id, contact_point_id FROM message") == [
            (kari[0], _all(engine, f"SELECT id FROM contactpoint WHERE address = '{SIBLING_PARENT}'")[0][0])]
        assert _all(engine, "SELECT state, actor_kind FROM statuschange ORDER BY id") == [
            ("applied", "import"), ("confirmed", "bot"), ("proposed", "bot"), ("rejected", "bot")]
        assert _all(engine, "SELECT actor_kind FROM accesslog ORDER BY id") == [("import",), ("export",)]
        assert _all(engine, "SELECT provider_account FROM message") == [("",)]
    finally:
        engine.dispose()


def test_downgrade_to_0001_gives_each_child_its_own_guardian_row_again(db_url: str) -> None:
    engine = _a_0001_database(db_url)
    try:
        migrate(engine)
        migrate(engine, "0001", downgrade=True)

        guardians = _all(engine, "SELECT y.roster_id, g.name, g.position FROM guardian g "
                                 "JOIN youth y ON y.id = g.youth_id ORDER BY y.roster_id, g.position DESC")
        assert guardians == [("1", "Kari Berg", 1), ("1", "Per Berg", 0), ("2", "Kari Berg", 1)]
        parent_points = _all(engine, "SELECT y.roster_id FROM contactpoint p JOIN youth y ON y.id = p.youth_id "
                                     f"WHERE p.address = '{SIBLING_PARENT}' ORDER BY y.roster_id")
        assert parent_points == [("1",), ("2",)]
        assert _all(engine, "SELECT applied, decided_at IS NULL FROM statuschange ORDER BY id") == [
            (True, True), (True, False), (False, True), (False, False)]

        migrate(engine)
        assert len(_all(engine, "SELECT id FROM statuschange")) == 4
    finally:
        engine.dispose()
