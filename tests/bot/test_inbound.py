"""bot.inbound: one inbound message end to end, on the real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.codes import CodeGroup
from bot.inbound import InboundMessage, InboundResult, UnknownSender, county_policy, handle_inbound
from flows.templates import names as template_names
from storage.enums import (
    AlertKind,
    Audience,
    ChangeState,
    Channel,
    Direction,
    EnrolmentState,
    GuardianEnded,
    OutboxState,
    Question,
    StopReason,
)
from storage.models import (
    Adviser,
    Alert,
    ContactPoint,
    Conversation,
    County,
    Enrolment,
    Guardian,
    Message,
    Outbox,
    StatusChange,
    Youth,
    YouthGuardian,
    telegram_provider_id,
)

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2025, 11, 12, 10, 0, tzinfo=UTC)  # a Wednesday
SARA_SMS, OLA_GUARDIAN, SIBLINGS_GUARDIAN, ADULT_GUARDIAN = "+4791234567", "+4792000001", "+4792000002", "+4792000003"
_ids = itertools.count(1)


@dataclass
class World:
    county: County
    adviser: Adviser
    sara: Youth  # 19, OTUK, own SMS number, enrolled in first-contact and a deadline campaign
    sara_sms: ContactPoint
    ola: Youth  # 16, one guardian
    ada: Youth  # 16, sibling of bo
    bo: Youth  # 15
    eva: Youth  # 18: her guardian's link is still active (the roster has not caught up)
    siblings_guardian: ContactPoint


def _id(row: County | Adviser | Youth | Guardian | ContactPoint) -> int:
    assert row.id is not None
    return row.id


@pytest.fixture
def world(session: Session) -> World:
    county = County(name="Trøndelag")
    session.add(county)
    session.flush()
    cid = _id(county)
    adviser = Adviser(county_id=cid, name="Kari Nordmann")
    other_adviser = Adviser(county_id=cid, name="Per Hansen")
    session.add_all([adviser, other_adviser])
    session.flush()

    def youth(roster: str, first: str, born: date, adviser_id: int) -> Youth:
        row = Youth(county_id=cid, roster_id=roster, first_name=first, last_name="Berg", birth_date=born,
                    registration_code="OSON", adviser_id=adviser_id)
        session.add(row)
        session.flush()
        return row

    sara = youth("R1", "Sara", date(2006, 3, 1), _id(adviser))
    ola = youth("R2", "Ola", date(2009, 5, 1), _id(adviser))
    ada = youth("R3", "Ada", date(2009, 2, 1), _id(adviser))
    bo = youth("R4", "Bo", date(2010, 6, 1), _id(other_adviser))
    eva = youth("R5", "Eva", date(2007, 1, 10), _id(adviser))
    sara_sms = ContactPoint(county_id=cid, youth_id=sara.id, channel=Channel.SMS, address=SARA_SMS, verified=True)
    session.add(sara_sms)

    def guardian(name: str, address: str, children: list[Youth]) -> ContactPoint:
        row = Guardian(county_id=cid, name=name)
        session.add(row)
        session.flush()
        for child in children:
            session.add(YouthGuardian(county_id=cid, youth_id=_id(child), guardian_id=_id(row), position=1))
        point = ContactPoint(county_id=cid, guardian_id=row.id, channel=Channel.SMS, address=address)
        session.add(point)
        return point

    guardian("Per Berg", OLA_GUARDIAN, [ola])
    siblings = guardian("Anne Berg", SIBLINGS_GUARDIAN, [bo, ada])
    guardian("Lise Berg", ADULT_GUARDIAN, [eva])
    for flow, cycle in (("first-contact", ""), ("deadline-ordinary", "2026")):
        session.add(Enrolment(county_id=cid, youth_id=_id(sara), flow=flow, cycle=cycle, started_at=NOW))
    session.flush()
    first_contact = session.exec(select(Enrolment).where(col(Enrolment.flow) == "first-contact")).one()
    session.add(Outbox(county_id=cid, youth_id=_id(sara), contact_point_id=sara_sms.id, enrolment_id=first_contact.id,
                       idempotency_key="plan:reminder_1", channel=Channel.SMS, flow="first-contact", step="reminder_1",
                       text="Hei Sara!", due_at=NOW + timedelta(days=7), next_attempt_at=NOW + timedelta(days=7)))
    session.commit()
    return World(county, adviser, sara, sara_sms, ola, ada, bo, eva, siblings)


def _in(session: Session, text: str, address: str = SARA_SMS, *, pid: str | None = None,
        at: datetime = NOW, channel: Channel = Channel.SMS, county_id: int | None = None) -> InboundResult:
    msg = InboundMessage(channel=channel, account="", provider_id=pid or f"SM{next(_ids)}", address=address,
                         text=text, received_at=at)
    result = handle_inbound(session, msg, now=at, county_id=county_id)
    session.commit()
    return result


def _ask(session: Session, point: ContactPoint, question: Question, youth: Youth | None = None) -> None:
    session.add(Conversation(county_id=point.county_id, youth_id=youth.id if youth else point.youth_id,
                             contact_point_id=_id(point), question=question, asked_at=NOW - timedelta(days=1)))
    session.commit()


def _changes(session: Session, youth: Youth) -> list[StatusChange]:
    return list(session.exec(select(StatusChange).where(col(StatusChange.youth_id) == youth.id)))


def _answers(session: Session) -> list[Outbox]:
    return list(session.exec(select(Outbox).where(col(Outbox.idempotency_key).startswith("answer:"))
                             .order_by(col(Outbox.id))))


def _alerts(session: Session) -> list[Alert]:
    return list(session.exec(select(Alert).order_by(col(Alert.id))))


def _enrolment(session: Session, flow: str) -> Enrolment:
    return session.exec(select(Enrolment).where(col(Enrolment.flow) == flow)).one()


def _conversation(session: Session, point: ContactPoint) -> Conversation:
    return session.exec(select(Conversation).where(col(Conversation.contact_point_id) == point.id)).one()


def _point(session: Session, address: str) -> ContactPoint:
    return session.exec(select(ContactPoint).where(col(ContactPoint.address) == address)).one()


# --------------------------------------------------------------------------------------------- store once


def test_provider_retry_is_stored_once_with_no_second_answer(session: Session, world: World) -> None:
    first = _in(session, "jobber på Rema", pid="SM-retry")
    again = _in(session, "jobber på Rema", pid="SM-retry", at=NOW + timedelta(minutes=1))
    assert not first.duplicate and again.duplicate
    assert again.message_id == first.message_id and again.youth_id == world.sara.id
    assert again.decision is None and again.alerts == [] and again.answer_outbox_id is None
    assert len(session.exec(select(Message)).all()) == 1
    assert len(_answers(session)) == 1
    assert len(_changes(session, world.sara)) == 1


def test_retry_of_an_alerting_message_raises_no_second_alert(session: Session, world: World) -> None:
    _in(session, "STOPP", pid="SM-stop")
    again = _in(session, "STOPP", pid="SM-stop")
    assert again.duplicate
    assert [a.kind for a in _alerts(session)] == [AlertKind.OPT_OUT]


def test_the_same_provider_id_on_another_account_is_another_message(session: Session, world: World) -> None:
    for account in ("AC-one", "AC-two"):
        msg = InboundMessage(Channel.SMS, account, "SM-same", SARA_SMS, "ok", NOW)
        assert not handle_inbound(session, msg, now=NOW).duplicate
    session.commit()
    assert len(session.exec(select(Message)).all()) == 2


def test_message_one_of_two_telegram_chats_is_stored_twice(session: Session, world: World) -> None:
    cid = _id(world.county)
    session.add(ContactPoint(county_id=cid, youth_id=world.sara.id, channel=Channel.TELEGRAM, address="1001"))
    session.commit()
    a = _in(session, "jobber på Rema", "1001", pid=telegram_provider_id(1001, 1), channel=Channel.TELEGRAM)
    b = _in(session, "hei", "1002", pid=telegram_provider_id(1002, 1), channel=Channel.TELEGRAM, county_id=cid)
    assert not a.duplicate and not b.duplicate and a.message_id != b.message_id
    stored = session.exec(select(Message).order_by(col(Message.id))).all()
    assert [m.provider_id for m in stored] == ["1001:1", "1002:1"]
    assert stored[0].youth_id == world.sara.id and stored[1].youth_id is None


def test_stored_message_is_inbound_received_with_its_identities(session: Session, world: World) -> None:
    result = _in(session, "jobber på Rema")
    message = session.get(Message, result.message_id)
    assert message is not None
    assert message.direction is Direction.INBOUND and message.delivery_status.value == "received"
    assert message.received_at == NOW and message.youth_id == world.sara.id
    assert message.contact_point_id == world.sara_sms.id and message.county_id == world.county.id


# ----------------------------------------------------------------------------------------- the youth's replies


def test_work_reply_proposes_otar_stops_first_contact_and_queues_thanks(session: Session, world: World) -> None:
    result = _in(session, "jobber på Rema")
    assert result.decision is not None and result.decision.contact_established
    [change] = _changes(session, world.sara)
    assert (change.old_code, change.new_code, change.state) == ("OTUK", "OTAR", ChangeState.PROPOSED)
    assert change.actor == "bot" and change.source_message_id == result.message_id
    assert change.evidence["words"] and change.evidence["confidence"] == result.decision.confidence
    assert "jobber på Rema" not in str(change.evidence.get("reply", ""))
    assert result.status_change_id == change.id
    first_contact = _enrolment(session, "first-contact")
    assert first_contact.state is EnrolmentState.STOPPED
    assert first_contact.stop_reason is StopReason.CONTACT_ESTABLISHED
    assert _enrolment(session, "deadline-ordinary").state is EnrolmentState.ACTIVE
    planned = session.exec(select(Outbox).where(col(Outbox.idempotency_key) == "plan:reminder_1")).one()
    assert planned.state is OutboxState.CANCELLED
    [answer] = _answers(session)
    assert answer.id == result.answer_outbox_id and answer.idempotency_key == f"answer:{result.message_id}"
    assert answer.template == "reply_thanks" and answer.audience is Audience.YOUTH and not answer.urgent
    assert answer.contact_point_id == world.sara_sms.id and answer.channel is Channel.SMS
    assert answer.due_at == NOW and answer.next_attempt_at == NOW and answer.state is OutboxState.PENDING
    assert result.alerts == []  # a clear activity needs no escalation: the proposal waits in the queue


def test_county_that_applies_activity_codes_gets_otar_applied(session: Session, world: World) -> None:
    world.county.settings = {"status_changes": {"3": "applied"}}
    session.add(world.county)
    session.commit()
    _in(session, "jobber på Rema")
    [change] = _changes(session, world.sara)
    assert change.state is ChangeState.APPLIED
    session.refresh(world.sara)
    assert world.sara.status_code == "OTAR"


@pytest.mark.parametrize(("text", "code", "state"), [
    ("2", "OTAR", ChangeState.PROPOSED),
    ("nr 1", "OTEV", ChangeState.PROPOSED),
    ("3.", "OTOV", ChangeState.APPLIED),
])
def test_number_after_activity_choice_is_an_answer(session: Session, world: World, text: str, code: str,
                                                    state: ChangeState) -> None:
    _ask(session, world.sara_sms, Question.ACTIVITY_CHOICE)
    result = _in(session, text)
    assert result.decision is not None and result.decision.contact_established
    [change] = _changes(session, world.sara)
    assert (change.new_code, change.state) == (code, state)
    assert change.evidence["asked"] == "activity_choice"
    assert _conversation(session, world.sara_sms).question is None  # answered: closed
    assert result.alerts == []


def test_4_after_activity_choice_wants_to_talk(session: Session, world: World) -> None:
    _ask(session, world.sara_sms, Question.ACTIVITY_CHOICE)
    result = _in(session, "4")
    assert result.alerts == [AlertKind.HELP]
    [change] = _changes(session, world.sara)
    assert change.new_code == "OTOV"
    [answer] = _answers(session)
    assert answer.template == "reply_help"


def test_number_without_a_question_is_unclear(session: Session, world: World) -> None:
    result = _in(session, "2")
    assert result.decision is not None and not result.decision.contact_established
    assert _changes(session, world.sara) == [] and result.alerts == [AlertKind.UNREAD]


def test_ja_after_a_question_confirms_identity(session: Session, world: World) -> None:
    _ask(session, world.sara_sms, Question.WHAT_DOING)
    result = _in(session, "ja")
    assert result.decision is not None and result.decision.contact_established
    [change] = _changes(session, world.sara)
    assert (change.new_code, change.state) == ("OTOV", ChangeState.APPLIED)
    assert _enrolment(session, "first-contact").stop_reason is StopReason.CONTACT_ESTABLISHED


def test_ja_without_a_question_is_no_contact(session: Session, world: World) -> None:
    result = _in(session, "ja")
    assert result.decision is not None and not result.decision.contact_established
    assert _changes(session, world.sara) == []
    assert _enrolment(session, "first-contact").state is EnrolmentState.ACTIVE


def test_ok_gets_one_follow_up_question_and_a_second_ok_none(session: Session, world: World) -> None:
    first = _in(session, "ok")
    assert first.answer_outbox_id is not None and first.alerts == []
    [answer] = _answers(session)
    assert answer.template == "reply_ack"
    conversation = _conversation(session, world.sara_sms)
    assert conversation.question is Question.WHAT_DOING and conversation.youth_id == world.sara.id
    second = _in(session, "👍", at=NOW + timedelta(hours=1))
    assert second.answer_outbox_id is None and second.alerts == []
    assert len(_answers(session)) == 1
    assert _changes(session, world.sara) == []
    assert _conversation(session, world.sara_sms).question is Question.WHAT_DOING


def test_the_code_is_read_from_the_database_not_from_a_stale_object(session: Session, world: World) -> None:
    session.get(Youth, world.sara.id)  # loaded: the session's copy will be stale
    session.execute(sa.update(Youth.__table__).where(Youth.__table__.c.id == world.sara.id)  # type: ignore[attr-defined]
                    .values(status_code="OTEV"))
    result = handle_inbound(session, InboundMessage(Channel.SMS, "", "SM-fresh", SARA_SMS, "ja det er meg", NOW),
                            now=NOW)
    # The youth is known to be in an activity (OTEV): "it is me" establishes contact and changes no code.
    assert result.decision is not None and result.decision.contact_established
    assert result.status_change_id is None and result.notes == []


def test_a_code_changed_meanwhile_is_noted_not_raised(session: Session, world: World) -> None:
    """Another transaction changes the code between the read and the guarded UPDATE (PostgreSQL's read committed):
    the change is not made, the answer still goes."""
    from bot import status

    def meanwhile(connection: sa.Connection, statement: object, *args: object) -> None:
        if statement is status._APPLY:
            connection.execute(sa.update(Youth.__table__)  # type: ignore[attr-defined]
                               .where(Youth.__table__.c.id == world.sara.id).values(status_code="OTEV"))  # type: ignore[attr-defined]

    connection = session.connection()
    sa.event.listen(connection, "before_execute", meanwhile)
    try:
        result = handle_inbound(session, InboundMessage(Channel.SMS, "", "SM-stale", SARA_SMS, "ja det er meg", NOW),
                                now=NOW)
    finally:
        sa.event.remove(connection, "before_execute", meanwhile)
    assert result.decision is not None and result.decision.status_code is not None and result.decision.applied
    assert result.status_change_id is None and any("StaleStatus" in note for note in result.notes)
    assert result.answer_outbox_id is not None
    session.commit()
    assert _changes(session, world.sara) == []
    assert session.get(Youth, world.sara.id).status_code == "OTEV"  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------- opt-out and resume


def test_stopp_opts_out_confirms_stops_enrolments_and_alerts(session: Session, world: World) -> None:
    result = _in(session, "STOPP")
    point = _point(session, SARA_SMS)
    assert point.opted_out and point.opted_out_at == NOW
    for flow in ("first-contact", "deadline-ordinary"):
        enrolment = _enrolment(session, flow)
        assert (enrolment.state, enrolment.stop_reason) == (EnrolmentState.STOPPED, StopReason.OPTED_OUT)
    [answer] = _answers(session)
    assert answer.template == "reply_opt_out" and answer.id == result.answer_outbox_id
    assert result.alerts == [AlertKind.OPT_OUT]
    [alert] = _alerts(session)
    assert alert.adviser_id == world.adviser.id and alert.youth_id == world.sara.id
    assert alert.message_id == result.message_id
    assert _changes(session, world.sara) == []


def test_opted_out_point_gets_no_answer_but_the_reply_is_recorded(session: Session, world: World) -> None:
    _in(session, "STOPP")
    again = _in(session, "STOPP", at=NOW + timedelta(minutes=5))
    later = _in(session, "jobber på Rema", at=NOW + timedelta(hours=1))
    assert again.answer_outbox_id is None and later.answer_outbox_id is None
    assert len(_answers(session)) == 1
    [change] = _changes(session, world.sara)
    assert change.new_code == "OTAR"


def test_start_resumes_the_point_and_the_enrolments_the_opt_out_stopped(session: Session, world: World) -> None:
    _in(session, "STOPP")
    result = _in(session, "START", at=NOW + timedelta(days=1))
    assert result.decision is not None and result.decision.resume
    point = _point(session, SARA_SMS)
    assert not point.opted_out and point.opted_out_at is None
    for flow in ("first-contact", "deadline-ordinary"):
        enrolment = _enrolment(session, flow)
        assert enrolment.state is EnrolmentState.ACTIVE
        assert enrolment.stopped_at is None and enrolment.stop_reason is None
    assert [a.template for a in _answers(session)] == ["reply_opt_out", "reply_resume"]


def test_start_does_not_revive_enrolments_stopped_for_contact(session: Session, world: World) -> None:
    _in(session, "jobber på Rema, ikke send mer")
    _in(session, "START", at=NOW + timedelta(days=1))
    assert _enrolment(session, "first-contact").stop_reason is StopReason.CONTACT_ESTABLISHED
    assert _enrolment(session, "deadline-ordinary").state is EnrolmentState.ACTIVE


# ------------------------------------------------------------------------------------------------ wrong number


def test_wrong_number_flags_the_point_alerts_and_is_no_contact(session: Session, world: World) -> None:
    result = _in(session, "feil nummer")
    point = _point(session, SARA_SMS)
    assert point.wrong_number
    assert result.decision is not None and not result.decision.contact_established
    assert result.alerts == [AlertKind.WRONG_NUMBER]
    assert _changes(session, world.sara) == []
    assert _enrolment(session, "first-contact").stop_reason is StopReason.WRONG_NUMBER
    [answer] = _answers(session)
    assert answer.template == "reply_wrong_number"


def test_later_message_from_a_wrong_number_is_not_the_youths(session: Session, world: World) -> None:
    _in(session, "feil nummer")
    result = _in(session, "jobber på Rema", at=NOW + timedelta(hours=1))
    assert result.youth_id == world.sara.id and result.decision is None
    assert _changes(session, world.sara) == []
    assert result.alerts == [AlertKind.UNREAD] and result.answer_outbox_id is None


# ----------------------------------------------------------------------------------------------------- urgent


def test_urgent_reply_on_saturday_night_alerts_and_answers_now(session: Session, world: World) -> None:
    at = datetime(2025, 11, 15, 23, 30, tzinfo=OSLO).astimezone(UTC)  # Saturday 23:30 in Oslo
    assert at.astimezone(OSLO).weekday() == 5
    result = _in(session, "har ikke lyst til å leve lenger", at=at)
    assert AlertKind.URGENT in result.alerts
    [alert] = [a for a in _alerts(session) if a.kind is AlertKind.URGENT]
    assert alert.urgent and alert.adviser_id == world.adviser.id and alert.created_at == at
    [answer] = _answers(session)
    assert answer.urgent and answer.due_at == at and answer.next_attempt_at == at
    assert answer.template == "reply_urgent" and "116 123" in answer.text


def test_adviser_hold_withholds_answers_but_not_urgent_ones(session: Session, world: World) -> None:
    world.sara.held_by_adviser_id = world.adviser.id
    world.sara.held_since = NOW
    session.add(world.sara)
    session.commit()
    calm = _in(session, "jobber på Rema")
    assert calm.answer_outbox_id is None and any("holds" in n for n in calm.notes)
    urgent = _in(session, "har ikke lyst til å leve lenger", at=NOW + timedelta(hours=1))
    assert urgent.answer_outbox_id is not None
    [answer] = _answers(session)
    assert answer.urgent


# -------------------------------------------------------------------------------------------------- guardians


def test_guardian_of_two_siblings_is_asked_which_child_never_a_guess(session: Session, world: World) -> None:
    result = _in(session, "Barnet mitt er innlagt på sykehuset og kan ikke svare", SIBLINGS_GUARDIAN)
    assert result.youth_id is None and result.guardian_id == world.siblings_guardian.guardian_id
    assert result.status_change_id is None and _changes(session, world.ada) == _changes(session, world.bo) == []
    alerts = _alerts(session)
    assert {a.kind for a in alerts} == {AlertKind.GUARDIAN_INFO}
    assert {(a.youth_id, a.adviser_id) for a in alerts} == {(world.ada.id, world.ada.adviser_id),
                                                            (world.bo.id, world.bo.adviser_id)}
    conversation = _conversation(session, world.siblings_guardian)
    assert conversation.question is Question.WHICH_CHILD and conversation.youth_id is None
    assert conversation.choices == {"1": world.ada.id, "2": world.bo.id}  # oldest first
    assert conversation.message_id == result.message_id
    [question] = _answers(session)
    assert question.template == "which_child" and question.audience is Audience.GUARDIAN
    assert question.youth_id == world.ada.id and question.guardian_id == world.siblings_guardian.guardian_id
    if "which_child" in template_names("nb"):
        assert "Ada" in question.text and "Bo" in question.text


def test_guardian_says_1_and_the_message_is_attributed(session: Session, world: World) -> None:
    first = _in(session, "Barnet mitt er innlagt på sykehuset og kan ikke svare", SIBLINGS_GUARDIAN)
    result = _in(session, "1", SIBLINGS_GUARDIAN, at=NOW + timedelta(hours=1))
    assert result.youth_id == world.ada.id
    original = session.get(Message, first.message_id)
    assert original is not None and original.youth_id == world.ada.id
    # Ada is 16: a guardian reporting hospital establishes contact (OTSY, proposed), as the guardian rule says.
    [change] = _changes(session, world.ada)
    assert (change.new_code, change.state) == ("OTSY", ChangeState.PROPOSED)
    assert change.source_message_id == first.message_id
    assert _changes(session, world.bo) == []
    assert _conversation(session, world.siblings_guardian).question is None


def test_guardian_names_the_child_by_first_name(session: Session, world: World) -> None:
    _in(session, "Hun har begynt på skolen", SIBLINGS_GUARDIAN)
    result = _in(session, "Det gjelder Bo!", SIBLINGS_GUARDIAN, at=NOW + timedelta(hours=1))
    assert result.youth_id == world.bo.id
    assert _changes(session, world.bo) == []  # guardian information: for the adviser, no code change


@pytest.mark.parametrize("reply", ["begge", "Ada og Bo", "3", "ok"])
def test_no_child_named_is_never_guessed_and_not_asked_twice(session: Session, world: World, reply: str) -> None:
    _in(session, "Hun har begynt på skolen", SIBLINGS_GUARDIAN)
    result = _in(session, reply, SIBLINGS_GUARDIAN, at=NOW + timedelta(hours=1))
    assert result.youth_id is None
    assert len([a for a in _answers(session) if a.template == "which_child"]) == 1


def test_guardian_of_one_minor_reporting_hospital_is_contact_otsy(session: Session, world: World) -> None:
    result = _in(session, "Sønnen min er innlagt på sykehuset og kan ikke svare", OLA_GUARDIAN)
    assert result.youth_id == world.ola.id and result.decision is not None
    assert result.decision.contact_established
    [change] = _changes(session, world.ola)
    assert (change.new_code, change.state) == ("OTSY", ChangeState.PROPOSED)
    assert change.evidence["sender"] == "guardian"
    assert result.alerts == [AlertKind.GUARDIAN_INFO]
    [answer] = _answers(session)
    assert answer.audience is Audience.GUARDIAN and answer.template == "reply_guardian"


def test_guardian_of_an_eighteen_year_old_is_no_contact_and_gets_no_answer(session: Session, world: World) -> None:
    result = _in(session, "Datteren min er innlagt på sykehuset og kan ikke svare", ADULT_GUARDIAN)
    assert result.youth_id == world.eva.id and result.decision is not None
    assert not result.decision.contact_established and _changes(session, world.eva) == []
    assert result.alerts == [AlertKind.GUARDIAN_INFO]
    assert result.answer_outbox_id is None


def test_guardian_whose_links_all_ended_still_reaches_the_youths_thread(session: Session, world: World) -> None:
    link = session.exec(select(YouthGuardian).where(col(YouthGuardian.youth_id) == world.eva.id)).one()
    link.position, link.ended_at, link.ended_reason = 0, NOW, GuardianEnded.YOUTH_ADULT
    session.add(link)
    session.commit()
    result = _in(session, "Hun har flyttet hjemmefra", ADULT_GUARDIAN)
    assert result.youth_id == world.eva.id and result.answer_outbox_id is None


def test_youth_point_is_preferred_over_a_guardian_point_with_the_same_address(session: Session,
                                                                             world: World) -> None:
    guardian = session.exec(select(Guardian).where(col(Guardian.name) == "Per Berg")).one()
    session.add(ContactPoint(county_id=_id(world.county), guardian_id=guardian.id, channel=Channel.SMS,
                             address=SARA_SMS))
    session.commit()
    result = _in(session, "jobber på Rema")
    assert result.youth_id == world.sara.id and result.guardian_id is None


def test_retired_point_does_not_identify(session: Session, world: World) -> None:
    point = _point(session, OLA_GUARDIAN)
    point.retired_at = NOW
    point.retired_reason = "youth_adult"  # type: ignore[assignment]
    session.add(point)
    session.commit()
    with pytest.raises(UnknownSender):
        _in(session, "hei", OLA_GUARDIAN)


# ------------------------------------------------------------------------------------------------ unknown sender


def test_unknown_number_is_stored_with_an_unread_alert_and_no_answer(session: Session, world: World) -> None:
    result = _in(session, "hei, hvem er dette?", "+4799999999", county_id=_id(world.county))
    assert result.youth_id is None and result.guardian_id is None and result.decision is None
    assert result.alerts == [AlertKind.UNREAD] and result.answer_outbox_id is None
    [alert] = _alerts(session)
    assert alert.message_id == result.message_id and alert.youth_id is None
    assert _answers(session) == []


def test_unknown_number_without_a_county_raises_before_storing(session: Session, world: World) -> None:
    with pytest.raises(UnknownSender):
        _in(session, "hei", "+4799999999")
    assert session.exec(select(Message)).all() == []


# ------------------------------------------------------------------------------------------------------ privacy


def test_alert_details_hold_neither_text_nor_numbers(session: Session, world: World) -> None:
    texts = ["STOPP", "feil nummer", "har ikke lyst til å leve lenger", "kan noen ringe meg på 91234567?"]
    for n, text in enumerate(texts):
        _in(session, text, at=NOW + timedelta(minutes=n))
    _in(session, "Barnet mitt er innlagt på sykehuset", SIBLINGS_GUARDIAN)
    _in(session, "hei", "+4799999999", county_id=_id(world.county))
    alerts = _alerts(session)
    assert len(alerts) >= 5
    for alert in alerts:
        assert alert.detail and len(alert.detail) <= 400
        assert not re.search(r"\d{5,}", alert.detail)
        for text in [*texts, "sykehuset", "hei"]:
            assert text.casefold() not in alert.detail.casefold()


# ------------------------------------------------------------------------------------------------ county policy


def test_county_policy_reads_groups_by_number_or_name() -> None:
    assert county_policy({}).apply_groups == frozenset({CodeGroup.FOLLOW_UP})
    policy = county_policy({"status_changes": {"3": "applied", "follow_up": "proposed", "x": "applied"},
                            "min_confidence_to_apply": 0.8})
    assert policy.apply_groups == frozenset({CodeGroup.IN_ACTIVITY})
    assert policy.min_confidence_to_apply == 0.8
    assert county_policy({"status_changes": {"1": "applied"}}).apply_groups == frozenset({CodeGroup.FOLLOW_UP})


def test_guardian_of_several_in_danger_is_urgent_for_every_child_and_answered(session: Session,
                                                                              world: World) -> None:
    result = _in(session, "Han slår meg og jeg er redd", SIBLINGS_GUARDIAN)
    assert result.alerts == [AlertKind.URGENT] and result.youth_id is None
    urgent = [a for a in _alerts(session) if a.kind is AlertKind.URGENT]
    assert {a.youth_id for a in urgent} == {world.ada.id, world.bo.id} and all(a.urgent for a in urgent)
    [answer] = _answers(session)
    assert answer.urgent and answer.template == "reply_urgent"


def test_guardian_of_several_opting_out_is_confirmed_once(session: Session, world: World) -> None:
    _in(session, "STOPP", SIBLINGS_GUARDIAN)
    _in(session, "STOPP", SIBLINGS_GUARDIAN, at=NOW + timedelta(minutes=1))
    assert _point(session, SIBLINGS_GUARDIAN).opted_out
    assert [a.template for a in _answers(session)] == ["reply_opt_out"]
    # the guardian's opt-out is not the youth's: their own enrolments go on
    assert _enrolment(session, "first-contact").state is EnrolmentState.ACTIVE


def test_attributed_alert_points_at_the_message_with_the_information(session: Session, world: World) -> None:
    first = _in(session, "Barnet mitt er innlagt på sykehuset og kan ikke svare", SIBLINGS_GUARDIAN)
    second = _in(session, "Ada", SIBLINGS_GUARDIAN, at=NOW + timedelta(hours=1))
    assert second.alerts == [AlertKind.GUARDIAN_INFO]
    latest = _alerts(session)[-1]
    assert latest.message_id == first.message_id and latest.youth_id == world.ada.id


def test_channel_given_as_text_is_read_as_the_channel(session: Session, world: World) -> None:
    msg = InboundMessage("sms", "", "SM-text-channel", SARA_SMS, "jobber på Rema", NOW)  # type: ignore[arg-type]
    assert msg.channel is Channel.SMS
    assert handle_inbound(session, msg, now=NOW).youth_id == world.sara.id


def test_two_messages_from_one_point_at_once_both_remember_the_question(session: Session, world: World,
                                                                        engine: sa.Engine) -> None:
    """Both transactions read "no conversation yet" before either writes one (PostgreSQL's read committed):
    the conversation is one upsert, so the second neither fails nor makes a second row."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's one writer (BEGIN IMMEDIATE) runs the two one after the other")
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from bot import inbound_db
    from storage.db import write_connection

    both_read = Barrier(2, timeout=10)

    def meet(connection: sa.Connection, statement: object, *args: object) -> None:
        if statement in inbound_db._SAVE_CONVERSATION.values():
            both_read.wait()

    def handle(pid: str) -> InboundResult:
        with write_connection(engine) as connection:
            return handle_inbound(connection, InboundMessage(Channel.SMS, "", pid, SARA_SMS, "ok", NOW), now=NOW)

    sa.event.listen(engine, "before_execute", meet)
    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(handle, ["SM-race-1", "SM-race-2"]))
    finally:
        sa.event.remove(engine, "before_execute", meet)
    assert [r.duplicate for r in results] == [False, False]
    conversations = session.exec(select(Conversation).where(col(Conversation.contact_point_id) == world.sara_sms.id)).all()
    assert [c.question for c in conversations] == [Question.WHAT_DOING]
    assert conversations[0].message_id in {r.message_id for r in results}
