"""The adviser inbox over HTTP: login, scope, alerts, the conversation and what an adviser does there, CSRF,
escaping, the export, and a walk over every route with another county's ids."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.inbound import InboundMessage, handle_inbound
from bot.status import change_status
from storage.enums import AlertKind, ChangeState, Channel, OutboxState
from storage.models import AccessLog, Adviser, Alert, Note, Outbox, StatusChange, Youth
from tests.web.conftest import ADVISERS, NOW, PASSWORD, Stack, login


def youth(engine: Engine, roster_id: str) -> Youth:
    with Session(engine) as session:
        return session.exec(select(Youth).where(col(Youth.roster_id) == roster_id)).one()


def reply(engine: Engine, number: str, text: str, sid: str) -> None:
    with Session(engine) as session:
        handle_inbound(session, InboundMessage(Channel.SMS, "", sid, number, text, NOW), now=NOW)
        session.commit()


def test_the_inbox_needs_a_login(inbox_stack: Stack) -> None:
    answer = httpx.get(inbox_stack.url + "/inbox", headers={"accept": "text/html"})
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Finbox"
    assert httpx.get(inbox_stack.url + "/inbox/export.csv", headers={"accept": "text/csv"}).status_code == 401


def test_a_wrong_password_and_then_the_limit(inbox_stack: Stack) -> None:
    client = httpx.Client(base_url=inbox_stack.url)
    statuses = []
    for _ in range(7):
        page = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        statuses.append(client.post("/login", data={"email": ADVISERS["ingrid"][1], "password": "wrong password",
                                                   "csrf": token.group(1)}).status_code)
    assert statuses == [401] * 5 + [429] * 2
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    # Even the right password waits out the window.
    assert client.post("/login", data={"email": ADVISERS["ingrid"][1], "password": PASSWORD,
                                       "csrf": token.group(1)}).status_code == 429


def test_a_login_without_the_forms_token_is_refused(inbox_stack: Stack) -> None:
    answer = httpx.post(inbox_stack.url + "/login", data={"email": ADVISERS["tor"][1], "password": PASSWORD})
    assert answer.status_code == 403 and "otbot_session" not in answer.headers.get("set-cookie", "")


def test_an_adviser_sees_their_caseload_a_lead_the_county(inbox_stack: Stack) -> None:
    tor, _ = login(inbox_stack, "tor")
    lead, _ = login(inbox_stack, "lead")
    mine = tor.get("/inbox").text
    county = lead.get("/inbox").text
    assert "Ingrid Solberg" in mine and "Vilde Andersen" not in mine  # Vilde is Ingrid Fossum's
    assert "Ingrid Solberg" in county and "Vilde Andersen" in county
    assert "Ungdommer (8)" in mine and "Ungdommer (14)" in county


def test_an_urgent_reply_is_the_first_alert_and_acknowledging_records_who(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    reply(engine, "+4740000101", "vet ikke om jeg klarer mer, vil bare forsvinne for godt", "u1")
    client, csrf = login(inbox_stack, "tor")
    page = client.get("/inbox").text
    first = re.search(r'<article class="alert ([a-z ]*)" data-alert="(\d+)">', page)
    assert first is not None and "urgent" in first.group(1)
    answer = client.post(f"/inbox/alerts/{first.group(2)}/ack", data={"csrf": csrf})
    assert answer.status_code == 303
    with Session(engine) as session:
        alert = session.get(Alert, int(first.group(2)))
    assert alert is not None and alert.kind == AlertKind.URGENT
    assert alert.acknowledged_at is not None and alert.acknowledged_by is not None


def test_a_post_without_csrf_is_refused_and_changes_nothing(inbox_stack: Stack) -> None:
    client, _ = login(inbox_stack, "tor")
    target = youth(inbox_stack.services.engine, "700100")
    answer = client.post(f"/inbox/youth/{target.id}/takeover", data={})
    forged = client.post(f"/inbox/youth/{target.id}/takeover", data={"csrf": "forged"})
    assert (answer.status_code, forged.status_code) == (403, 403)
    assert youth(inbox_stack.services.engine, "700100").held_by_adviser_id is None


def test_take_over_reply_and_hand_back(inbox_stack: Stack) -> None:
    from bot.engine import plan_tick

    engine = inbox_stack.services.engine
    target = youth(engine, "700100")
    assert target.id is not None
    plan_tick(engine, NOW, public_url=inbox_stack.url, youth_ids=[target.id])
    client, csrf = login(inbox_stack, "tor")
    assert client.post(f"/inbox/youth/{target.id}/takeover", data={"csrf": csrf}).status_code == 303
    assert youth(engine, "700100").held_by_adviser_id is not None
    page = client.get(f"/inbox/youth/{target.id}").text
    client_id = re.search(r'name="client_id" value="([^"]+)"', page)
    assert client_id is not None
    for _ in range(2):  # a double submit sends once
        client.post(f"/inbox/youth/{target.id}/reply", data={"csrf": csrf, "client_id": client_id.group(1),
                                                              "text": "Hei Ingrid, dette er Tor fra OT."})
    stats = inbox_stack.dispatch()
    with Session(engine) as session:
        rows = session.exec(select(Outbox).where(col(Outbox.youth_id) == target.id)).all()
    bot_rows = [r for r in rows if r.template != "adviser_reply"]
    adviser_rows = [r for r in rows if r.template == "adviser_reply"]
    assert len(adviser_rows) == 1 and adviser_rows[0].state == OutboxState.SENT
    assert bot_rows and all(r.state == OutboxState.CANCELLED and r.last_error == "adviser hold" for r in bot_rows)
    assert stats.sent == 1
    assert client.post(f"/inbox/youth/{target.id}/handback", data={"csrf": csrf}).status_code == 303
    assert youth(engine, "700100").held_by_adviser_id is None


def test_confirm_a_proposal_set_a_code_and_note_with_the_access_log(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    with Session(engine) as session:
        target = session.exec(select(Youth).where(col(Youth.roster_id) == "700100")).one()
        proposal = change_status(session, target, "OTAR", actor="bot", applied=False,
                                 evidence={"rule": "work", "reply": "jobber på Rema"}, now=NOW)
        session.commit()
        proposal_id, youth_id = proposal.id, target.id
    client, csrf = login(inbox_stack, "tor")
    page = client.get(f"/inbox/youth/{youth_id}").text
    assert "Bekreft OTAR" in page and "jobber på Rema" in page
    assert client.post(f"/inbox/changes/{proposal_id}/confirm", data={"csrf": csrf}).status_code == 303
    assert youth(engine, "700100").status_code == "OTAR"
    inbox_stack.clock.advance(minutes=5)
    assert client.post(f"/inbox/youth/{youth_id}/code", data={"csrf": csrf, "code": "OTEV",
                                                               "reason": "ringte, har begynt på skole"}).status_code == 303
    assert client.post(f"/inbox/youth/{youth_id}/notes", data={"csrf": csrf, "text": "Ringte mor."}).status_code == 303
    with Session(engine) as session:
        changes = session.exec(select(StatusChange).where(col(StatusChange.youth_id) == youth_id)
                               .order_by(col(StatusChange.id))).all()
        notes = session.exec(select(Note).where(col(Note.youth_id) == youth_id)).all()
        log = session.exec(select(AccessLog).where(col(AccessLog.youth_id) == youth_id,
                                                   col(AccessLog.actor).like("adviser:%"))).all()
    assert [c.state for c in changes[-2:]] == [ChangeState.CONFIRMED, ChangeState.APPLIED]
    assert changes[-1].new_code == "OTEV" and changes[-1].evidence["reason"] == "ringte, har begynt på skole"
    assert len(notes) == 1
    assert {entry.action for entry in log} == {"read", "change"}


def test_a_youths_markup_is_shown_as_text(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    reply(engine, "+4740000100", '<script>alert(1)</script><img src=x onerror="alert(2)">', "x1")
    client, _ = login(inbox_stack, "tor")
    page = client.get(f"/inbox/youth/{youth(engine, '700100').id}").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_export_holds_only_what_the_person_may_see(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    with Session(engine) as session:
        for roster_id, code in (("700100", "OTAR"), ("700102", "OTEV")):
            target = session.exec(select(Youth).where(col(Youth.roster_id) == roster_id)).one()
            change_status(session, target, code, actor="adviser:1", applied=True, evidence={"rule": "test"},
                          now=NOW + timedelta(minutes=1))
        session.commit()
    tor, _ = login(inbox_stack, "tor")
    lead, _ = login(inbox_stack, "lead")
    agder, _ = login(inbox_stack, "agder")
    assert "700100" in tor.get("/inbox/export.csv").text and "700102" not in tor.get("/inbox/export.csv").text
    both = lead.get("/inbox/export.csv").text
    assert "700100" in both and "700102" in both
    assert "7001" not in agder.get("/inbox/export.csv").text.split("\n", 1)[1]


def test_every_route_hides_another_countys_youth(inbox_stack: Stack) -> None:
    """An Agder adviser walks every inbox route with Trøndelag's ids: 404 everywhere (or 405 for a method
    the route does not have) — never the page, never a change."""
    engine = inbox_stack.services.engine
    reply(engine, "+4740000100", "vil ikke leve mer", "walk1")  # an urgent alert on a Trøndelag youth
    with Session(engine) as session:
        target = session.exec(select(Youth).where(col(Youth.roster_id) == "700100")).one()
        proposal = change_status(session, target, "OTAR", actor="bot", applied=False, evidence={"rule": "t"},
                                 now=NOW)
        alert = session.exec(select(Alert).where(col(Alert.youth_id) == target.id)).first()
        session.add(Outbox(county_id=target.county_id, youth_id=target.id, idempotency_key="walk:planned",
                           channel=Channel.SMS, text="planned", due_at=NOW + timedelta(days=2),
                           next_attempt_at=NOW + timedelta(days=2)))
        session.commit()
        planned = session.exec(select(Outbox).where(col(Outbox.idempotency_key) == "walk:planned")).one()
        tor = session.exec(select(Adviser).where(col(Adviser.name) == "Tor Ivar Lien")).one()
        ids = {"youth_id": target.id, "change_id": proposal.id, "alert_id": alert.id if alert else None,
               "outbox_id": planned.id, "verdict": "confirm", "adviser_id": tor.id}
    assert ids["alert_id"] is not None
    client, csrf = login(inbox_stack, "agder")
    walked = 0
    for route in every_route(inbox_stack.server.app.routes):
        path = getattr(route, "path", "")
        names = re.findall(r"{(\w+)}", path)
        if not path.startswith("/inbox") or not names:
            continue
        url = path.format(**{name: ids[name] for name in names})
        for method in sorted(getattr(route, "methods", set()) - {"HEAD"}):
            answer = client.request(method, url, data={"csrf": csrf, "text": "x", "code": "OTEV", "reason": "x",
                                                       "client_id": "abcdef123456"})
            assert answer.status_code == 404, (method, path, answer.status_code)
            walked += 1
    assert walked >= 9
    with Session(engine) as session:
        again = session.get(Youth, ids["youth_id"])
        assert again is not None and again.status_code == "OTUK" and again.held_by_adviser_id is None
        assert session.exec(select(Note)).first() is None


def every_route(routes: list[Any]) -> list[Any]:
    """Routes, with those of included routers (FastAPI keeps an included router whole, routes inside)."""
    found = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        found.extend(every_route(inner.routes) if inner is not None else [route])
    return found


@pytest.mark.parametrize("who", ["tor", "lead"])
def test_logout_ends_the_session(inbox_stack: Stack, who: str) -> None:
    client, csrf = login(inbox_stack, who)
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    assert client.get("/inbox", headers={"accept": "text/html"}).status_code == 303
