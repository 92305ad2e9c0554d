"""Twilio SMS end to end: the real twilio SDK against the fake Twilio API (tests/peers/twilio_peer.py), and
the peer's signed webhooks into our app served on 127.0.0.1."""

from __future__ import annotations

import concurrent.futures
import time

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from adapters.twilio_sms import INBOUND_PATH, STATUS_PATH
from bot.engine import plan_tick
from bot.receive import forget_routes
from storage.enums import AlertKind, Channel, DeliveryStatus, Direction, OutboxState
from storage.models import Alert, ContactPoint, DeliveryReport, Message, Outbox, StatusChange, Youth
from tests.peers.twilio_peer import signed_form
from tests.web.conftest import NOW, Stack

INGRID = "+4740000100"  # roster 700100, an adult with an e-mail address
OUR_NUMBER = "+4759440000"


def count(engine: Engine, model: type, *where: object) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())  # type: ignore[arg-type]


def youth(engine: Engine, roster_id: str) -> Youth:
    with Session(engine) as session:
        return session.exec(select(Youth).where(col(Youth.roster_id) == roster_id)).one()


def inbound_url(stack: Stack) -> str:
    return stack.url + INBOUND_PATH


# --- signatures -------------------------------------------------------------------------------------------------


def test_a_forged_or_missing_signature_is_refused_and_nothing_is_stored(twilio_stack: Stack,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    peer = twilio_stack.twilio
    assert peer is not None
    forged = peer.inbound_sms(inbound_url(twilio_stack), from_=INGRID, to=OUR_NUMBER, body="jeg jobber nå",
                              signature="bm90IGEgc2lnbmF0dXJl")
    missing = peer.inbound_sms(inbound_url(twilio_stack), from_=INGRID, to=OUR_NUMBER, body="jeg jobber nå",
                               sign=False)
    status = httpx.post(twilio_stack.url + STATUS_PATH, data={"MessageSid": "SM" + "0" * 32,
                                                             "MessageStatus": "delivered"})
    assert (forged[0], missing[0], status.status_code) == (403, 403, 403)
    assert count(twilio_stack.services.engine, Message) == 0
    assert count(twilio_stack.services.engine, DeliveryReport) == 0
    assert INGRID not in caplog.text and "jobber" not in caplog.text
    metrics = httpx.get(twilio_stack.url + "/metrics").text
    assert 'otbot_webhook_requests_total{result="forbidden",route="twilio_sms"} 2.0' in metrics


def test_another_accounts_signature_is_refused(twilio_stack: Stack) -> None:
    url = inbound_url(twilio_stack)
    params = {"MessageSid": "SM" + "1" * 32, "AccountSid": "AC" + "2" * 32, "From": INGRID, "To": OUR_NUMBER,
              "Body": "hei"}
    headers, body = signed_form(url, params, "another-accounts-token")
    assert httpx.post(url, content=body, headers=headers).status_code == 403
    assert count(twilio_stack.services.engine, Message) == 0


def test_behind_a_reverse_proxy_the_public_url_is_what_is_signed(roster: Engine, twilio_stack: Stack) -> None:
    # The provider calls https://ot.example/otbot/webhooks/twilio/sms; the proxy forwards to us on loopback.
    svc = twilio_stack.services
    svc.settings = svc.settings.model_copy(update={"public_url": "https://ot.example/otbot"})
    local = inbound_url(twilio_stack) + "?county=x"
    public = "https://ot.example/otbot" + INBOUND_PATH + "?county=x"
    params = {"MessageSid": "SM" + "3" * 32, "AccountSid": svc.settings.twilio_account_sid or "",
              "From": INGRID, "To": OUR_NUMBER, "Body": "ok"}
    headers, body = signed_form(local, params, svc.settings.twilio_auth_token.get_secret_value())  # type: ignore[union-attr]
    assert httpx.post(local, content=body, headers=headers).status_code == 403
    headers, body = signed_form(public, params, svc.settings.twilio_auth_token.get_secret_value())  # type: ignore[union-attr]
    assert httpx.post(local, content=body, headers=headers).status_code == 200
    assert count(roster, Message) == 1


# --- inbound ----------------------------------------------------------------------------------------------------


def test_the_same_sms_delivered_three_times_is_stored_once(twilio_stack: Stack) -> None:
    peer = twilio_stack.twilio
    assert peer is not None
    answers = [peer.inbound_sms(inbound_url(twilio_stack), from_=INGRID, to=OUR_NUMBER, body="takk",
                                message_sid="SM" + "a" * 32) for _ in range(3)]
    assert [status for status, _ in answers] == [200, 200, 200]
    assert all("<Response" in text for _, text in answers)
    assert count(twilio_stack.services.engine, Message, col(Message.direction) == Direction.INBOUND) == 1


def test_a_youths_sms_reply_changes_the_code_with_evidence(twilio_stack: Stack) -> None:
    peer = twilio_stack.twilio
    assert peer is not None
    status, _ = peer.inbound_sms(inbound_url(twilio_stack), from_=INGRID, to=OUR_NUMBER,
                                 body="Hei! Jeg har fått fast jobb på Rema 1000 i Verdal nå")
    assert status == 200
    engine = twilio_stack.services.engine
    ingrid = youth(engine, "700100")
    with Session(engine) as session:
        change = session.exec(select(StatusChange).where(col(StatusChange.youth_id) == ingrid.id)
                              .where(col(StatusChange.actor) == "bot")).one()
        message = session.exec(select(Message).where(col(Message.youth_id) == ingrid.id)).one()
        answer = session.exec(select(Outbox).where(col(Outbox.youth_id) == ingrid.id)).one()
    assert (change.old_code, change.new_code) == ("OTUK", "OTAR")
    assert change.source_message_id == message.id and change.evidence
    assert message.text == "Hei! Jeg har fått fast jobb på Rema 1000 i Verdal nå"  # the form decoded as sent
    assert message.provider_account == peer.account_sid and message.channel == Channel.SMS
    assert answer.channel == Channel.SMS and answer.state == OutboxState.PENDING


def test_the_body_is_stored_exactly_as_the_youth_wrote_it(twilio_stack: Stack) -> None:
    # Characters that form encoding escapes (+ & = % and spaces), letters outside ASCII, an emoji, a new line.
    body = "50% sikker & glad = 1+1 😊\nÆØÅ æøå — \"ok\""
    peer = twilio_stack.twilio
    assert peer is not None
    status, _ = peer.inbound_sms(inbound_url(twilio_stack), from_=INGRID, to=OUR_NUMBER, body=body,
                                 message_sid="SM" + "e" * 32)
    assert status == 200
    with Session(twilio_stack.services.engine) as session:
        assert session.exec(select(Message.text).where(col(Message.provider_id) == "SM" + "e" * 32)).one() == body


def test_a_webhook_that_meets_another_writer_waits_in_a_thread_and_the_server_keeps_answering(
        twilio_stack: Stack) -> None:
    # SQLite: the write runs on the event loop only when nobody holds the file's write lock; otherwise it waits
    # in a worker thread (holding the inbound gate), and the loop goes on serving other requests meanwhile.
    engine = twilio_stack.services.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one write lock")
    peer = twilio_stack.twilio
    assert peer is not None
    gate = twilio_stack.services.inbound_gate
    holder = engine.connect()
    holder.begin()
    holder.execute(sa.update(Youth).where(col(Youth.roster_id) == "700100").values(updated_at=NOW))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        try:
            answer = pool.submit(peer.inbound_sms, inbound_url(twilio_stack), from_=INGRID, to=OUR_NUMBER,
                                 body="takk", message_sid="SM" + "c" * 32)
            while gate.acquire(blocking=False):  # until the webhook's worker thread holds the gate
                gate.release()
                assert not answer.done(), answer.result()
                time.sleep(0.01)
            health = httpx.get(twilio_stack.url + "/healthz", timeout=5, trust_env=False)
            assert health.status_code == 200
            assert not answer.done() and count(engine, Message, col(Message.provider_id) == "SM" + "c" * 32) == 0
        finally:
            holder.rollback()
            holder.close()
        status, text = answer.result(timeout=30)
    assert status == 200 and "<Response" in text
    assert count(engine, Message, col(Message.provider_id) == "SM" + "c" * 32) == 1


def test_a_reply_to_a_messaging_service_pool_number_is_accepted(twilio_stack: Stack) -> None:
    peer = twilio_stack.twilio
    assert peer is not None
    status, _ = peer.inbound_sms(inbound_url(twilio_stack), from_=INGRID, to="+4759449999", body="ja",
                                 messaging_service_sid="MG" + "5" * 32)
    assert status == 200
    assert count(twilio_stack.services.engine, Message) == 1


def test_a_county_with_its_own_number_receives_only_its_own_youth(twilio_stack: Stack) -> None:
    engine = twilio_stack.services.engine
    from storage.models import County

    with Session(engine) as session:
        other = session.exec(select(County).where(col(County.name) == "Nordland")).first() or County(name="Nordland")
        other.settings = {**(other.settings or {}), "senders": {"sms": "+4759441111"}}
        session.add(other)
        session.commit()
        other_id = other.id
    forget_routes()  # the app reads county routes once per 30 s
    peer = twilio_stack.twilio
    assert peer is not None
    # Ingrid is a Trøndelag youth: her number texting Nordland's number is a stranger there.
    peer.inbound_sms(inbound_url(twilio_stack), from_=INGRID, to="+4759441111", body="hvem er dette?")
    with Session(engine) as session:
        message = session.exec(select(Message)).one()
    assert message.county_id == other_id and message.youth_id is None


# --- outbound ---------------------------------------------------------------------------------------------------


def plan_for(stack: Stack, roster_id: str) -> int:
    target = youth(stack.services.engine, roster_id)
    assert target.id is not None
    stats = plan_tick(stack.services.engine, NOW, public_url=stack.url, youth_ids=[target.id])
    assert stats.messages >= 1
    return target.id


def sent_message(engine: Engine, youth_id: int) -> Message:
    with Session(engine) as session:
        return session.exec(select(Message).where(col(Message.youth_id) == youth_id,
                                                  col(Message.direction) == Direction.OUTBOUND)).one()


def test_engine_to_twilio_to_a_signed_callback_to_delivered(twilio_stack: Stack) -> None:
    peer = twilio_stack.twilio
    assert peer is not None
    youth_id = plan_for(twilio_stack, "700100")
    stats = twilio_stack.dispatch()
    assert stats.sent == 1
    created = peer.messages[0]
    assert created["to"] == INGRID and created["from"] == OUR_NUMBER
    callbacks = peer.wait_callbacks(2)
    assert [c.status_code for c in callbacks] == [204, 204]
    assert all(c.url.startswith(twilio_stack.url + STATUS_PATH + "?ref=") for c in callbacks)
    twilio_stack.dispatch()  # applies reports that arrived before the message was recorded, if any
    message = sent_message(twilio_stack.services.engine, youth_id)
    assert message.provider_id == created["sid"]
    assert message.delivery_status == DeliveryStatus.DELIVERED and message.delivered_at is not None


def test_callbacks_out_of_order_and_twice_never_move_a_status_back(twilio_stack: Stack) -> None:
    peer = twilio_stack.twilio
    assert peer is not None
    peer.callback_order = "reversed"
    peer.duplicate_callbacks = True
    youth_id = plan_for(twilio_stack, "700100")
    twilio_stack.dispatch()
    peer.wait_callbacks(4)
    twilio_stack.dispatch()
    message = sent_message(twilio_stack.services.engine, youth_id)
    assert message.delivery_status == DeliveryStatus.DELIVERED
    assert count(twilio_stack.services.engine, DeliveryReport) == 2  # delivered and sent, once each


def test_undelivered_fails_the_row_and_the_planner_falls_back_to_email(twilio_stack: Stack) -> None:
    peer = twilio_stack.twilio
    assert peer is not None
    peer.undelivered(INGRID, error_code=30003)
    youth_id = plan_for(twilio_stack, "700100")
    twilio_stack.dispatch()
    peer.wait_callbacks(2)
    twilio_stack.dispatch()
    engine = twilio_stack.services.engine
    message = sent_message(engine, youth_id)
    assert message.delivery_status == DeliveryStatus.FAILED and message.error_code == "30003"
    with Session(engine) as session:
        row = session.exec(select(Outbox).where(col(Outbox.message_id) == message.id)).one()
    assert row.state == OutboxState.FAILED
    plan_tick(engine, NOW, public_url=twilio_stack.url, youth_ids=[youth_id])
    assert count(engine, Outbox, col(Outbox.youth_id) == youth_id, col(Outbox.channel) == Channel.EMAIL) == 1


@pytest.mark.parametrize("status", [500, 429])
def test_a_provider_failure_is_retried_and_the_message_goes_once(twilio_stack: Stack, status: int) -> None:
    peer = twilio_stack.twilio
    assert peer is not None
    peer.fail_next(1, status=status)
    youth_id = plan_for(twilio_stack, "700100")
    first = twilio_stack.dispatch()
    assert first.retried == 1 and first.sent == 0
    twilio_stack.clock.advance(minutes=5)
    second = twilio_stack.dispatch()
    assert second.sent == 1
    assert len(peer.messages) == 1
    assert count(twilio_stack.services.engine, Message, col(Message.youth_id) == youth_id) == 1


@pytest.mark.parametrize(("mark", "flag", "kind"), [("opted_out", "opted_out", AlertKind.OPT_OUT),
                                                     ("not_mobile", "wrong_number", AlertKind.WRONG_NUMBER)])
def test_carrier_opt_out_and_bad_address_flag_the_number_and_alert(twilio_stack: Stack, mark: str, flag: str,
                                                                   kind: AlertKind) -> None:
    peer = twilio_stack.twilio
    assert peer is not None
    getattr(peer, mark)(INGRID)
    youth_id = plan_for(twilio_stack, "700100")
    twilio_stack.dispatch()
    engine = twilio_stack.services.engine
    with Session(engine) as session:
        point = session.exec(select(ContactPoint).where(col(ContactPoint.address) == INGRID)).one()
        alerts = session.exec(select(Alert).where(col(Alert.youth_id) == youth_id)).all()
    assert getattr(point, flag) is True
    assert kind in {a.kind for a in alerts}
    assert peer.messages == []
