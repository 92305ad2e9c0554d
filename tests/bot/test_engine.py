"""The planner's edges: facts gathered from the database, the plan written once, whatever runs it twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.engine import plan_tick, turns_18_on
from bot.enrolments import stop_enrolments
from bot.roster import import_roster
from storage.enums import AlertKind, Audience, EnrolmentState, OutboxState, Question, StopReason
from storage.models import Alert, Conversation, Enrolment, Outbox, Youth

OSLO = ZoneInfo("Europe/Oslo")
URL = "https://ot.example"
HEADER = "id;fornavn;etternavn;fødselsdato;mobil;fylke;tilmeldingskode;statuskode;foresatt1_navn;foresatt1_mobil"
ROWS = (
    "1;Ada;Berg;2010-03-02;40000101;Agder;OSON;;Kari Berg;40000300",  # a minor with a guardian
    "2;Bo;Dahl;2006-01-01;40000102;Agder;OSVE;;;",  # an adult
    "3;Cy;Eng;2006-01-01;;Agder;OSON;;;",  # no number at all
    "4;Di;Fjell;2005-05-05;40000104;Agder;OESL;OTAR;;",  # in work: deadlines only
)


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO).astimezone(UTC)


def imported(engine: Engine, at: datetime) -> None:
    data = ("\ufeff" + "\r\n".join((HEADER, *ROWS)) + "\r\n").encode()
    with Session(engine) as session:
        import_roster(session, data, file_name="r.csv", now=at)
        session.commit()


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def youth_id(engine: Engine, roster_id: str) -> int:
    with Session(engine) as session:
        found = session.exec(select(Youth.id).where(Youth.roster_id == roster_id)).one()
        assert found is not None
        return found


def test_a_tick_enrols_plans_the_opening_and_guardian_info_and_a_second_tick_adds_nothing(engine: Engine) -> None:
    now = oslo(2026, 12, 14, 10, 0)  # a Monday
    imported(engine, now)

    first = plan_tick(engine, now, public_url=URL)

    with Session(engine) as session:
        rows = session.exec(select(Outbox).order_by(Outbox.id)).all()
        planned = sorted((r.youth_id, r.flow, r.step, r.audience) for r in rows)
        assert all(r.enrolment_id is not None and r.state is OutboxState.PENDING and r.next_attempt_at == r.due_at
                   for r in rows)
        enrolments = sorted((e.youth_id, e.flow, e.cycle) for e in session.exec(select(Enrolment)))
        alerts = [(a.youth_id, a.kind) for a in session.exec(select(Alert))]
        opening = next(r for r in rows if r.step == "opening" and r.youth_id == youth_id(engine, "1"))
        conversation = session.exec(select(Conversation).where(Conversation.contact_point_id
                                                               == opening.contact_point_id)).one()
    ada, bo, cy, di = (youth_id(engine, r) for r in "1234")
    assert planned == sorted([(ada, "first-contact", "opening", Audience.YOUTH),
                              (ada, "guardian-info", "information", Audience.GUARDIAN),
                              (bo, "first-contact", "opening", Audience.YOUTH)])
    assert enrolments == sorted([(ada, "first-contact", ""), (ada, "guardian-info", ""), (ada, "deadline", "2027"),
                                 (bo, "first-contact", ""), (bo, "deadline", "2027"), (di, "deadline", "2027")])
    # Cy has no number: one no_channel alert (a letter or a call is the adviser's task), nothing planned.
    assert alerts == [(cy, AlertKind.NO_CHANNEL)]
    assert (conversation.question, conversation.youth_id) == (Question.ACTIVITY_CHOICE, ada)
    assert first.messages == 3

    # The reminder asks again: the same conversation row now waits for the reminder's answer.
    plan_tick(engine, oslo(2026, 12, 17, 9, 0), public_url=URL)
    with Session(engine) as session:
        again = session.exec(select(Conversation).where(Conversation.contact_point_id
                                                        == opening.contact_point_id)).one()
    assert (again.id, again.question, again.asked_at) == (conversation.id, Question.ACTIVITY_CHOICE,
                                                          oslo(2026, 12, 17, 10, 0))

    before = (count(engine, Outbox), count(engine, Enrolment), count(engine, Alert))
    plan_tick(engine, oslo(2026, 12, 17, 9, 0), public_url=URL)
    plan_tick(engine, oslo(2026, 12, 17, 9, 1), public_url=URL)
    assert (count(engine, Outbox), count(engine, Enrolment), count(engine, Alert)) == before


def test_stopping_an_enrolment_cancels_what_it_planned(engine: Engine) -> None:
    now = oslo(2026, 12, 14, 10, 0)
    imported(engine, now)
    plan_tick(engine, now, public_url=URL)
    with Session(engine) as session:
        loaded = list(session.exec(select(Enrolment).where(Enrolment.youth_id == youth_id(engine, "2"))))
        stopped_ids = stop_enrolments(session, youth_id(engine, "2"), StopReason.CONTACT_ESTABLISHED, now,
                                      flows=["first-contact"])
        # The session's own objects are updated with the database, without a statement reading them again.
        stopped = [(e.flow, e.state, e.stop_reason) for e in loaded if e.id in stopped_ids]
        assert all(e.state is EnrolmentState.ACTIVE for e in loaded if e.id not in stopped_ids)
        session.commit()
        states = {r.state for r in session.exec(select(Outbox).where(Outbox.youth_id == youth_id(engine, "2")))}
        stored = {(e.flow, e.state, e.stop_reason)
                  for e in session.exec(select(Enrolment).where(col(Enrolment.id).in_(stopped_ids)))}
    assert stopped == [
        ("first-contact", EnrolmentState.STOPPED, StopReason.CONTACT_ESTABLISHED)]
    assert stored == set(stopped)
    assert states == {OutboxState.CANCELLED}
    # A stopped enrolment is not started again.
    plan_tick(engine, now + timedelta(days=3), public_url=URL)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Outbox).where(
            Outbox.youth_id == youth_id(engine, "2"), Outbox.state == OutboxState.PENDING)).one() == 0


def test_a_code_change_stops_first_contact_at_the_next_tick(engine: Engine) -> None:
    now = oslo(2026, 12, 14, 10, 0)
    imported(engine, now)
    plan_tick(engine, now, public_url=URL)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE youth SET status_code = 'OTEV' WHERE roster_id = '2'"))
    plan_tick(engine, now + timedelta(minutes=1), public_url=URL)
    with Session(engine) as session:
        enrolment = session.exec(select(Enrolment).where(Enrolment.youth_id == youth_id(engine, "2"),
                                                         Enrolment.flow == "first-contact")).one()
    assert (enrolment.state, enrolment.stop_reason) == (EnrolmentState.STOPPED, StopReason.CODE_CHANGED)


def test_a_youth_turning_18_before_the_guardian_message_is_due_gets_none(engine: Engine) -> None:
    # Ada turns 18 on 2028-03-02; enrolled on the Friday evening before, the information is due Monday.
    friday = oslo(2028, 2, 25, 21, 0)
    imported(engine, friday)
    plan_tick(engine, friday, public_url=URL, lookahead=timedelta(days=7))
    ada = youth_id(engine, "1")
    with Session(engine) as session:
        row = session.exec(select(Outbox).where(Outbox.youth_id == ada, Outbox.audience == Audience.GUARDIAN)).one()
    assert row.state is OutboxState.PENDING
    assert turns_18_on(date(2010, 3, 2)) == date(2028, 3, 2)

    plan_tick(engine, oslo(2028, 3, 2, 8, 0), public_url=URL)

    with Session(engine) as session:
        row = session.exec(select(Outbox).where(Outbox.id == row.id)).one()
        enrolment = session.exec(select(Enrolment).where(Enrolment.youth_id == ada,
                                                         Enrolment.flow == "guardian-info")).one()
    assert (enrolment.state, enrolment.stop_reason) == (EnrolmentState.STOPPED, StopReason.YOUTH_ADULT)
    assert row.state is OutboxState.CANCELLED


def test_turns_18_on_a_leap_day_birthday_is_1_march() -> None:
    assert turns_18_on(date(2008, 2, 29)) == date(2026, 3, 1)


def test_a_countys_own_deadline_moves_its_reminders(engine: Engine) -> None:
    from datetime import timedelta as days

    from storage.models import County

    now = oslo(2027, 1, 15, 10, 0)
    imported(engine, now)
    with Session(engine) as session:
        agder = session.exec(select(County).where(County.name == "Agder")).one()
        agder.settings = {**agder.settings, "calendar": {"special_deadline": "02-15"}}
        session.add(agder)
        session.commit()
    plan_tick(engine, now, public_url=URL, lookahead=days(days=60))
    with Session(engine) as session:
        row = session.exec(select(Outbox).where(Outbox.step == "before-special",
                                                Outbox.youth_id == youth_id(engine, "4"))).one()
    # 7 days before 15 February (a Monday), not before the file's 1 February.
    assert row.due_at.astimezone(OSLO).date() == date(2027, 2, 8)
