"""The tables keep their promises on the database under test: uniqueness, UTC times, JSON, foreign keys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from storage.enums import ActorKind, AlertKind, ChangeState, Channel, DeliveryStatus, Direction
from storage.models import (
    AccessLog,
    Alert,
    ContactPoint,
    County,
    Guardian,
    Message,
    Outbox,
    StatusChange,
    Youth,
    telegram_provider_id,
)

AT = datetime(2025, 3, 30, 0, 59, 59, 123456, tzinfo=UTC)  # the night Norway moves to summer time


def _id(row: County | Youth) -> int:
    assert row.id is not None, "row not flushed"
    return row.id


def _county(session: Session, name: str = "Trøndelag") -> County:
    county = County(name=name)
    session.add(county)
    session.commit()
    return county


def _youth(county: County, roster_id: str = "R1") -> Youth:
    return Youth(
        county_id=_id(county),
        roster_id=roster_id,
        first_name="Ola",
        last_name="Nordmann",
        birth_date=date(2006, 1, 31),
        registration_code="OESL",
    )


def _message(county: County, channel: Channel = Channel.SMS, provider_id: str | None = "SM0001",
             account: str = "") -> Message:
    return Message(county_id=_id(county), direction=Direction.INBOUND, channel=channel, text="hei",
                   provider_id=provider_id, provider_account=account, delivery_status=DeliveryStatus.RECEIVED)


def _outbox(county: County, youth: Youth, key: str) -> Outbox:
    return Outbox(county_id=_id(county), youth_id=_id(youth), idempotency_key=key, channel=Channel.SMS,
                  text="Hei!", due_at=AT)


def test_roster_id_is_unique_within_a_county(session: Session) -> None:
    county = _county(session)
    session.add(_youth(county, "R1"))
    session.commit()

    session.add(_youth(county, "R1"))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_same_roster_id_in_two_counties_is_two_youth(session: Session) -> None:
    north, west = _county(session, "Trøndelag"), _county(session, "Vestland")
    session.add_all([_youth(north, "R1"), _youth(west, "R1")])
    session.commit()

    assert len(session.exec(select(Youth).where(Youth.roster_id == "R1")).all()) == 2


def test_provider_retry_cannot_store_the_same_message_twice(session: Session) -> None:
    county = _county(session)
    session.add(_message(county, Channel.SMS, "SM0001"))
    session.commit()

    session.add(_message(county, Channel.SMS, "SM0001"))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_same_provider_id_on_another_channel_or_without_one_is_stored(session: Session) -> None:
    county = _county(session)
    session.add_all(
        [
            _message(county, Channel.SMS, "42"),
            _message(county, Channel.TELEGRAM, "42"),
            # Outbound rows get their provider id only after sending; many may wait at once.
            _message(county, Channel.SMS, None),
            _message(county, Channel.SMS, None),
        ]
    )
    session.commit()

    assert len(session.exec(select(Message)).all()) == 4


def test_two_telegram_chats_message_1_are_both_stored_and_a_retry_once(session: Session) -> None:
    county = _county(session)
    session.add_all([_message(county, Channel.TELEGRAM, telegram_provider_id(1001, 1), account="bot-a"),
                     _message(county, Channel.TELEGRAM, telegram_provider_id(2002, 1), account="bot-a")])
    session.commit()
    assert len(session.exec(select(Message)).all()) == 2

    session.add(_message(county, Channel.TELEGRAM, telegram_provider_id(1001, 1), account="bot-a"))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_same_provider_id_in_two_provider_accounts_is_two_messages(session: Session) -> None:
    # Two counties' own Twilio accounts: SIDs are unique per account only as far as we may assume.
    county = _county(session)
    session.add_all([_message(county, Channel.SMS, "SM0001", account="AC-north"),
                     _message(county, Channel.SMS, "SM0001", account="AC-west")])
    session.commit()
    assert len(session.exec(select(Message)).all()) == 2


def _check_names(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_check_constraints(table)}


def test_every_enum_column_is_backed_by_a_check_constraint_in_the_database(engine: Engine) -> None:
    expected = {
        (table.name, f"ck_{table.name}_{column.type.name}")
        for table in SQLModel.metadata.sorted_tables for column in table.columns
        if isinstance(column.type, sa.Enum)
    }
    assert {("message", "ck_message_channel"), ("statuschange", "ck_statuschange_state"),
            ("alert", "ck_alert_kind"), ("youth", "ck_youth_language")} <= expected
    missing = {(table, name) for table, name in expected if name not in _check_names(engine, table)}
    assert missing == set()


@pytest.mark.parametrize(
    ("table", "column", "bad"),
    [("message", "channel", "pigeon"), ("message", "direction", "up"), ("outbox", "state", "lost"),
     ("statuschange", "state", "maybe"), ("alert", "kind", "whatever"), ("youth", "language", "sv")],
)
def test_the_database_refuses_a_state_outside_its_enum(session: Session, engine: Engine, table: str, column: str,
                                                       bad: str) -> None:
    county = _county(session)
    youth = _youth(county)
    session.add(youth)
    session.commit()
    session.add_all([_message(county), _outbox(county, youth, "k"),
                     StatusChange(county_id=_id(county), youth_id=_id(youth), old_code="OTUK", new_code="OTOV",
                                  actor="bot", actor_kind=ActorKind.BOT, state=ChangeState.APPLIED),
                     Alert(county_id=_id(county), youth_id=_id(youth), kind=AlertKind.HELP)])
    session.commit()
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE {table} SET {column} = :bad"), {"bad": bad})


@pytest.mark.parametrize("table", ["contactpoint", "outbox", "statuschange", "alert", "accesslog", "message"])
def test_a_row_about_a_youth_carries_that_youths_county(session: Session, engine: Engine, table: str) -> None:
    north, west = _county(session, "Trøndelag"), _county(session, "Vestland")
    youth = _youth(north)
    session.add(youth)
    session.commit()
    rows: dict[str, Any] = {
        "contactpoint": ContactPoint(county_id=_id(west), youth_id=_id(youth), channel=Channel.SMS,
                                     address="+4740000001"),
        "outbox": _outbox(west, youth, "k"),
        "statuschange": StatusChange(county_id=_id(west), youth_id=_id(youth), old_code="OTUK", new_code="OTOV",
                                     actor="bot", actor_kind=ActorKind.BOT, state=ChangeState.APPLIED),
        "alert": Alert(county_id=_id(west), youth_id=_id(youth), kind=AlertKind.HELP),
        "accesslog": AccessLog(county_id=_id(west), youth_id=_id(youth), actor="import", actor_kind=ActorKind.IMPORT,
                               action="read"),
        "message": Message(county_id=_id(west), youth_id=_id(youth), direction=Direction.INBOUND, channel=Channel.SMS,
                           text="hei", provider_id="SM1", delivery_status=DeliveryStatus.RECEIVED),
    }
    session.add(rows[table])
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_a_contact_point_has_exactly_one_owner_and_one_row_per_address(session: Session) -> None:
    county = _county(session)
    youth = _youth(county)
    guardian = Guardian(county_id=_id(county), name="Kari Nordmann")
    session.add_all([youth, guardian])
    session.commit()
    point = {"county_id": _id(county), "channel": Channel.SMS, "address": "+4740000001"}
    # The same number for the youth and for a guardian is allowed (the import flags it).
    session.add_all([ContactPoint(youth_id=_id(youth), **point), ContactPoint(guardian_id=_id(guardian), **point)])
    session.commit()
    for owners in ({"youth_id": _id(youth)}, {"guardian_id": _id(guardian)},
                   {"youth_id": _id(youth), "guardian_id": _id(guardian)}, {}):
        session.add(ContactPoint(**owners, **{**point, "address": "+4740000002"} if len(owners) != 1 else point))
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()
        session.rollback()


def test_outbox_idempotency_key_plans_a_step_only_once(session: Session) -> None:
    county = _county(session)
    youth = _youth(county)
    session.add(youth)
    session.commit()
    session.add(_outbox(county, youth, "enrolment:1:first-contact"))
    session.commit()

    session.add(_outbox(county, youth, "enrolment:1:first-contact"))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()

    session.add(_outbox(county, youth, "enrolment:1:reminder-1"))
    session.commit()
    assert len(session.exec(select(Outbox)).all()) == 2


def test_rows_pointing_at_missing_parents_are_refused(session: Session) -> None:
    county = _county(session)
    youth = _youth(county)
    youth.county_id = 987654
    session.add(youth)
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


@pytest.mark.parametrize(
    "written",
    [
        AT,
        AT.astimezone(ZoneInfo("Europe/Oslo")),
        AT.astimezone(timezone(timedelta(hours=-5))),
    ],
    ids=["utc", "oslo", "minus-five"],
)
def test_times_come_back_aware_in_utc_and_equal(session: Session, engine: Engine, written: datetime) -> None:
    county = _county(session)
    youth = _youth(county)
    session.add(youth)
    session.commit()
    row = _outbox(county, youth, "k")
    row.due_at = written
    session.add(row)
    session.commit()

    with Session(engine) as fresh:
        row = fresh.exec(select(Outbox)).one()
        assert row.due_at == AT
        assert row.due_at.tzinfo is UTC
        assert row.due_at.microsecond == 123456
        assert row.claimed_at is None
        # Comparisons in SQL see the same instant too.
        assert fresh.exec(select(Outbox).where(Outbox.due_at <= AT)).all() == [row]
        assert fresh.exec(select(Outbox).where(Outbox.due_at < AT - timedelta(microseconds=1))).all() == []


def test_naive_time_is_refused_at_the_storage_edge(session: Session) -> None:
    county = _county(session)
    youth = _youth(county)
    youth.updated_at = datetime(2025, 3, 30, 2, 30)
    session.add(youth)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        session.commit()


EVIDENCE: list[dict[str, Any]] = [
    {"quote": "Jeg går på skole i Ålesund, bør få læreplass 😊", "rule": "activity-stated"},
    {"nested": {"scores": [0.91, 0.09], "flags": [True, False, None]}, "n": 3},
    {"quote": "ሰላም 🇳🇴 Привіт", "emoji": "👍🏽", "empty": {}},
    {},
]


@pytest.mark.parametrize("evidence", EVIDENCE, ids=["norwegian", "nested", "scripts", "empty"])
def test_json_evidence_round_trips(session: Session, engine: Engine, evidence: dict[str, Any]) -> None:
    county = _county(session)
    youth = _youth(county)
    session.add(youth)
    session.commit()
    change = StatusChange(county_id=_id(county), youth_id=_id(youth), old_code="OTUK", new_code="OTEV", actor="bot",
                          actor_kind=ActorKind.BOT, state=ChangeState.PROPOSED, evidence=evidence)
    session.add(change)
    session.commit()

    with Session(engine) as fresh:
        stored = fresh.get(StatusChange, change.id)
        assert stored is not None and stored.evidence == evidence


def test_nullable_times_are_optional_and_default_to_none() -> None:
    models = {getattr(m, "__tablename__", None): m for m in SQLModel.__subclasses__()}
    checked = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if column.nullable and isinstance(column.type, sa.types.TypeDecorator):
                field = models[table.name].model_fields[column.name]
                assert not field.is_required(), f"{table.name}.{column.name}"
                assert field.default is None, f"{table.name}.{column.name}"
                checked.append(f"{table.name}.{column.name}")
    assert "message.sent_at" in checked and "statuschange.decided_at" in checked
