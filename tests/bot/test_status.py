"""change_status, confirm_proposal and reject_proposal on the real database under test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot import codes
from bot.status import (
    InvalidStatusCode,
    ProposalNotPending,
    StaleStatus,
    StatusChangeError,
    StatusUnchanged,
    change_status,
    confirm_proposal,
    reject_proposal,
)
from storage.enums import ActorKind, ChangeState
from storage.models import County, Message, StatusChange, Youth

NOW = datetime(2025, 10, 14, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)
EVIDENCE = {"rule": "own-number-reply", "confidence": 0.93, "quote": "jobber på Rema, æøå 👍"}


def _youth(session: Session, *, county: str = "Trøndelag", roster_id: str = "R1", code: str = "OTUK") -> Youth:
    county_row = session.exec(select(County).where(County.name == county)).first()
    if county_row is None:
        county_row = County(name=county)
        session.add(county_row)
        session.flush()
    youth = Youth(
        county_id=_id(county_row),
        roster_id=roster_id,
        first_name="Sara",
        last_name="Nilsen",
        birth_date=date(2007, 5, 1),
        registration_code="OSON",
        status_code=code,
        created_at=NOW - timedelta(days=30),
        updated_at=NOW - timedelta(days=30),
    )
    session.add(youth)
    session.commit()
    return youth


def _id(row: County | Youth | StatusChange | Message) -> int:
    assert row.id is not None, "row not flushed"
    return row.id


def _count_changes(engine: Engine) -> int:
    with Session(engine) as fresh:
        return fresh.exec(select(func.count()).select_from(StatusChange)).one()


def _stored_code(engine: Engine, youth_id: int) -> str:
    with Session(engine) as fresh:
        youth = fresh.get(Youth, youth_id)
        assert youth is not None
        return youth.status_code


def test_applied_change_sets_the_code_and_records_old_new_and_evidence(session: Session, engine: Engine) -> None:
    youth = _youth(session)

    change = change_status(session, youth, "OTAR", actor="bot", applied=True, evidence=EVIDENCE, now=NOW)
    session.commit()

    with Session(engine) as fresh:
        stored = fresh.get(StatusChange, change.id)
        assert stored is not None
        assert (stored.old_code, stored.new_code, stored.applied, stored.actor) == ("OTUK", "OTAR", True, "bot")
        assert stored.county_id == youth.county_id and stored.youth_id == youth.id
        assert stored.evidence == EVIDENCE
        assert stored.created_at == NOW
        assert (stored.decided_by, stored.decided_at) == (None, None)
        reloaded = fresh.get(Youth, youth.id)
        assert reloaded is not None
        assert (reloaded.status_code, reloaded.updated_at) == ("OTAR", NOW)


def test_proposed_change_leaves_the_code_until_an_adviser_decides(session: Session, engine: Engine) -> None:
    youth = _youth(session)

    change = change_status(session, youth, "OTLL", actor="bot", applied=False, evidence=EVIDENCE, now=NOW)
    session.commit()

    assert change.applied is False
    assert youth.status_code == "OTUK"
    assert _stored_code(engine, _id(youth)) == "OTUK"
    assert _count_changes(engine) == 1


def test_change_belongs_to_the_callers_transaction(session: Session, engine: Engine) -> None:
    youth = _youth(session)

    change_status(session, youth, "OTOV", actor="bot", applied=True, evidence=EVIDENCE, now=NOW)
    session.rollback()

    assert _count_changes(engine) == 0
    assert _stored_code(engine, _id(youth)) == "OTUK"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("OTOV", "OTOV"), ("otov ", "OTOV"), ("otfa-im", "OTFA_IM"), ("Otar_im", "OTAR_IM")],
)
def test_code_is_stored_in_udirs_spelling(session: Session, typed: str, stored: str) -> None:
    youth = _youth(session)

    change = change_status(session, youth, typed, actor="adviser:3", applied=True, evidence={}, now=NOW)

    assert change.new_code == stored
    assert youth.status_code == stored


@pytest.mark.parametrize("bad_code", ["OTXX", "", "   ", "OTUK2", "OSON", "ot uk"])
def test_unknown_code_is_refused_and_nothing_is_written(session: Session, engine: Engine, bad_code: str) -> None:
    youth = _youth(session)

    with pytest.raises(InvalidStatusCode, match="not a status code") as caught:
        change_status(session, youth, bad_code, actor="bot", applied=True, evidence={}, now=NOW)
    session.commit()

    assert isinstance(caught.value, ValueError) and isinstance(caught.value, codes.UnknownCode)
    assert _count_changes(engine) == 0
    assert _stored_code(engine, _id(youth)) == "OTUK"


def test_naive_clock_is_refused(session: Session) -> None:
    youth = _youth(session)
    with pytest.raises(StatusChangeError, match="time-zone-aware"):
        change_status(session, youth, "OTOV", actor="bot", applied=True, evidence={}, now=datetime(2025, 10, 14, 9))


def test_clock_in_oslo_time_is_stored_as_the_same_instant(session: Session, engine: Engine) -> None:
    youth = _youth(session)
    oslo = datetime(2025, 10, 14, 11, 30, tzinfo=ZoneInfo("Europe/Oslo"))

    change = change_status(session, youth, "OTOV", actor="bot", applied=True, evidence={}, now=oslo)
    session.commit()

    with Session(engine) as fresh:
        stored = fresh.get(StatusChange, change.id)
        assert stored is not None
        assert stored.created_at == NOW
        assert stored.created_at.tzinfo is UTC


def test_change_to_the_code_the_youth_already_has_is_refused(session: Session, engine: Engine) -> None:
    youth = _youth(session, code="OTOV")
    with pytest.raises(StatusUnchanged, match="already has status code OTOV"):
        change_status(session, youth, "otov", actor="bot", applied=True, evidence={}, now=NOW)
    assert _count_changes(engine) == 0


@pytest.mark.parametrize(
    ("actor", "evidence", "message"),
    [
        ("", {}, "actor must name who"),
        ("   ", {}, "actor must name who"),
        ("x" * 81, {}, "at most 80"),
        ("bot", {"when": NOW}, "plain JSON"),
        ("bot", {"confidence": float("nan")}, "plain JSON"),
        ("bot", ["not", "a", "dict"], "must be a dict"),
    ],
)
def test_bad_actor_or_evidence_is_refused_before_anything_is_written(
    session: Session, engine: Engine, actor: str, evidence: object, message: str
) -> None:
    youth = _youth(session)
    with pytest.raises(StatusChangeError, match=message):
        change_status(session, youth, "OTOV", actor=actor, applied=True, evidence=evidence, now=NOW)  # type: ignore[arg-type]
    session.commit()
    assert _count_changes(engine) == 0
    assert _stored_code(engine, _id(youth)) == "OTUK"


def test_evidence_is_a_copy_the_caller_cannot_change_afterwards(session: Session, engine: Engine) -> None:
    youth = _youth(session)
    evidence: dict[str, Any] = {"rule": "own-number-reply", "matches": ["jobber"]}

    change = change_status(session, youth, "OTAR", actor="bot", applied=True, evidence=evidence, now=NOW)
    evidence["matches"].append("added later")

    assert change.evidence == {"rule": "own-number-reply", "matches": ["jobber"]}
    session.commit()

    with Session(engine) as fresh:
        stored = fresh.get(StatusChange, change.id)
        assert stored is not None
        assert stored.evidence == {"rule": "own-number-reply", "matches": ["jobber"]}


def test_stale_youth_object_cannot_overwrite_a_change_made_meanwhile(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as first:
        youth = _youth(first)  # read: OTUK, kept in memory
        with Session(engine) as second:
            other = second.get(Youth, youth.id)
            assert other is not None
            change_status(second, other, "OTOV", actor="adviser:1", applied=True, evidence={}, now=NOW)
            second.commit()

        with pytest.raises(StaleStatus, match="no longer has status code OTUK"):
            change_status(first, youth, "OTAR", actor="bot", applied=True, evidence={}, now=LATER)
        first.commit()

    assert _stored_code(engine, _id(youth)) == "OTOV"
    assert _count_changes(engine) == 1


def test_source_message_is_recorded_when_it_is_the_youths(session: Session, engine: Engine) -> None:
    youth = _youth(session)
    message = Message(
        county_id=youth.county_id, youth_id=youth.id, direction="in", channel="sms", text="jobber nå", provider_id="SM1"
    )
    session.add(message)
    session.flush()

    change = change_status(
        session, youth, "OTAR", actor="bot", applied=True, evidence={}, now=NOW, source_message_id=message.id
    )
    session.commit()

    with Session(engine) as fresh:
        stored = fresh.get(StatusChange, change.id)
        assert stored is not None and stored.source_message_id == message.id


@pytest.mark.parametrize("owner", ["another youth", "another county", "missing"])
def test_source_message_of_someone_else_is_refused(session: Session, engine: Engine, owner: str) -> None:
    youth = _youth(session)
    if owner == "missing":
        message_id = 987654
    else:
        other = _youth(session, roster_id="R2", county="Vestland" if owner == "another county" else "Trøndelag")
        message = Message(county_id=other.county_id, youth_id=other.id, direction="in", channel="sms", text="hei")
        session.add(message)
        session.flush()
        assert message.id is not None
        message_id = message.id

    with pytest.raises(StatusChangeError, match="source message"):
        change_status(
            session, youth, "OTAR", actor="bot", applied=True, evidence={}, now=NOW, source_message_id=message_id
        )
    session.commit()
    assert _count_changes(engine) == 0


def test_confirmed_proposal_applies_the_code_and_records_the_adviser(session: Session, engine: Engine) -> None:
    youth = _youth(session)
    proposal = change_status(session, youth, "OTLL", actor="bot", applied=False, evidence=EVIDENCE, now=NOW)
    session.commit()

    confirmed = confirm_proposal(session, _id(proposal), adviser="adviser:7", now=LATER)
    session.commit()

    assert confirmed.id == proposal.id
    with Session(engine) as fresh:
        stored = fresh.get(StatusChange, proposal.id)
        assert stored is not None
        assert (stored.applied, stored.decided_by, stored.decided_at) == (True, "adviser:7", LATER)
        assert (stored.actor, stored.created_at) == ("bot", NOW)
        reloaded = fresh.get(Youth, youth.id)
        assert reloaded is not None
        assert (reloaded.status_code, reloaded.updated_at) == ("OTLL", LATER)


def test_rejected_proposal_keeps_the_code_and_records_the_adviser(session: Session, engine: Engine) -> None:
    youth = _youth(session)
    proposal = change_status(session, youth, "OTLL", actor="bot", applied=False, evidence=EVIDENCE, now=NOW)
    session.commit()

    reject_proposal(session, _id(proposal), adviser="adviser:7", now=LATER)
    session.commit()

    with Session(engine) as fresh:
        stored = fresh.get(StatusChange, proposal.id)
        assert stored is not None
        assert (stored.applied, stored.decided_by, stored.decided_at) == (False, "adviser:7", LATER)
    assert _stored_code(engine, _id(youth)) == "OTUK"


def test_a_change_that_is_made_supersedes_pending_proposals(session: Session, engine: Engine) -> None:
    youth = _youth(session)
    proposal = change_status(session, youth, "OTLL", actor="bot", applied=False, evidence={}, now=NOW)
    change_status(session, youth, "OTOV", actor="adviser:3", applied=True, evidence={}, now=LATER)
    session.commit()

    with pytest.raises(ProposalNotPending, match="already superseded by adviser:3"):
        confirm_proposal(session, _id(proposal), adviser="adviser:7", now=LATER)
    session.commit()

    assert _stored_code(engine, _id(youth)) == "OTOV"
    with Session(engine) as fresh:
        stored = fresh.get(StatusChange, proposal.id)
        assert stored is not None
        assert (stored.state, stored.applied, stored.decided_by, stored.decided_at) == (
            ChangeState.SUPERSEDED, False, "adviser:3", LATER)


def test_the_sessions_objects_stay_true_without_reading_them_again(session: Session, engine: Engine) -> None:
    youth = _youth(session)
    proposal = change_status(session, youth, "OTLL", actor="bot", applied=False, evidence={"rule": "r"}, now=NOW)
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        change = change_status(session, youth, "OTOV", actor="adviser:3", applied=True, evidence={"rule": "s"},
                               now=LATER)
        made = (youth.status_code, change.id is not None, change.state, change.old_code, change.evidence)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert made == ("OTOV", True, ChangeState.APPLIED, "OTUK", {"rule": "s"})
    assert not any(sql.lstrip().upper().startswith("SELECT") for sql in statements), statements
    assert change in session and change not in session.new and change not in session.dirty
    assert proposal.state is ChangeState.SUPERSEDED  # expired, read again on access
    session.commit()
    with Session(engine) as fresh:
        stored = fresh.get(StatusChange, change.id)
        assert stored is not None and (stored.new_code, stored.state, stored.actor) == (
            "OTOV", ChangeState.APPLIED, "adviser:3")


def test_proposal_whose_old_code_no_longer_holds_cannot_be_confirmed(session: Session, engine: Engine) -> None:
    youth = _youth(session)
    proposal = change_status(session, youth, "OTLL", actor="bot", applied=False, evidence={}, now=NOW)
    youth_id = _id(youth)
    session.commit()
    # Changed behind the status function's back (by hand in the database): the proposal is stale.
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE youth SET status_code = 'OTOV' WHERE id = :id"), {"id": youth_id})

    with pytest.raises(StaleStatus, match="proposes OTUK → OTLL, but youth .* now has OTOV"):
        confirm_proposal(session, _id(proposal), adviser="adviser:7", now=LATER)
    session.commit()

    assert _stored_code(engine, _id(youth)) == "OTOV"
    with Session(engine) as fresh:
        stored = fresh.get(StatusChange, proposal.id)
        assert stored is not None and (stored.state, stored.decided_at) == (ChangeState.PROPOSED, None)


def test_confirming_and_rejecting_record_explicit_states(session: Session) -> None:
    youth = _youth(session)
    first = change_status(session, youth, "OTLL", actor="bot", applied=False, evidence={}, now=NOW)
    second = change_status(session, youth, "OTAR", actor="bot", applied=False, evidence={}, now=NOW)
    assert (first.state, second.state) == (ChangeState.PROPOSED, ChangeState.PROPOSED)

    reject_proposal(session, _id(second), adviser="adviser:7", now=LATER)
    confirm_proposal(session, _id(first), adviser="adviser:7", now=LATER)

    assert (first.state, second.state) == (ChangeState.CONFIRMED, ChangeState.REJECTED)
    assert (first.actor_kind, first.applied, second.applied) == (ActorKind.BOT, True, False)


@pytest.mark.parametrize("actor", ["robot", "adviser", "adviser:", "bot:7", ""])
def test_actor_must_be_of_a_known_kind(session: Session, actor: str) -> None:
    youth = _youth(session)
    with pytest.raises(StatusChangeError):
        change_status(session, youth, "OTOV", actor=actor, applied=True, evidence={}, now=NOW)


Decision = Callable[..., StatusChange]


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (confirm_proposal, confirm_proposal, "already applied"),
        (confirm_proposal, reject_proposal, "already applied"),
        (reject_proposal, confirm_proposal, "already rejected by adviser:1"),
        (reject_proposal, reject_proposal, "already rejected by adviser:1"),
    ],
)
def test_a_decided_proposal_cannot_be_decided_again(
    session: Session, engine: Engine, first: Decision, second: Decision, message: str
) -> None:
    youth = _youth(session)
    proposal = change_status(session, youth, "OTMI", actor="bot", applied=False, evidence={}, now=NOW)
    first(session, _id(proposal), adviser="adviser:1", now=NOW)
    session.commit()
    code_after_first = _stored_code(engine, _id(youth))

    with pytest.raises(ProposalNotPending, match=message):
        second(session, _id(proposal), adviser="adviser:2", now=LATER)
    session.commit()

    assert _stored_code(engine, _id(youth)) == code_after_first
    with Session(engine) as fresh:
        stored = fresh.get(StatusChange, proposal.id)
        assert stored is not None and stored.decided_by == "adviser:1"


@pytest.mark.parametrize("decide", [confirm_proposal, reject_proposal])
def test_only_pending_proposals_can_be_decided(session: Session, decide: Decision) -> None:
    youth = _youth(session)
    applied = change_status(session, youth, "OTOV", actor="bot", applied=True, evidence={}, now=NOW)
    session.commit()

    with pytest.raises(ProposalNotPending, match="already applied"):
        decide(session, _id(applied), adviser="adviser:1", now=LATER)
    with pytest.raises(ProposalNotPending, match="does not exist"):
        decide(session, 424242, adviser="adviser:1", now=LATER)


@pytest.mark.parametrize("decide", [confirm_proposal, reject_proposal])
def test_decisions_need_a_named_adviser_and_an_aware_clock(session: Session, decide: Decision) -> None:
    youth = _youth(session)
    proposal = change_status(session, youth, "OTMI", actor="bot", applied=False, evidence={}, now=NOW)
    session.commit()

    with pytest.raises(StatusChangeError, match="adviser must name"):
        decide(session, _id(proposal), adviser=" ", now=LATER)
    with pytest.raises(StatusChangeError, match="time-zone-aware"):
        decide(session, _id(proposal), adviser="adviser:1", now=LATER.replace(tzinfo=None))
