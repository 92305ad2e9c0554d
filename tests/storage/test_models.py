"""The tables keep their promises on the database under test: uniqueness, UTC times, JSON, foreign keys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from storage.models import County, Message, Outbox, StatusChange, Youth

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


def _message(county: County, channel: str = "sms", provider_id: str | None = "SM0001") -> Message:
    return Message(county_id=_id(county), direction="in", channel=channel, text="hei", provider_id=provider_id)


def _outbox(county: County, youth: Youth, key: str) -> Outbox:
    return Outbox(county_id=_id(county), youth_id=_id(youth), idempotency_key=key, channel="sms", text="Hei!", due_at=AT)


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
    session.add(_message(county, "sms", "SM0001"))
    session.commit()

    session.add(_message(county, "sms", "SM0001"))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_same_provider_id_on_another_channel_or_without_one_is_stored(session: Session) -> None:
    county = _county(session)
    session.add_all(
        [
            _message(county, "sms", "42"),
            _message(county, "telegram", "42"),
            # Outbound rows get their provider id only after sending; many may wait at once.
            _message(county, "sms", None),
            _message(county, "sms", None),
        ]
    )
    session.commit()

    assert len(session.exec(select(Message)).all()) == 4


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
    change = StatusChange(
        county_id=_id(county), youth_id=_id(youth), old_code="OTUK", new_code="OTEV", actor="bot", evidence=evidence
    )
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
