"""The inbox in headless Chromium (Playwright over Debian's chromium): log in, an urgent alert appears live
after a youth's reply in the phone simulator, take over, reply, hand back, confirm a proposed code; the
screenshots of the inbox, a conversation and the dashboard are saved in test-artifacts/ (git-ignored)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from bot.status import change_status
from storage.enums import OutboxState
from storage.models import Outbox, Youth
from tests.web.conftest import ADVISERS, ARTIFACTS, NOW, PASSWORD, Stack


def logged_in(browser: Any, stack: Stack, who: str) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(stack.url + "/inbox")
    assert "/login" in page.url
    page.get_by_label("E-post").fill(ADVISERS[who][1])
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(stack.url + "/inbox")
    return page


def test_an_urgent_alert_appears_live_after_a_reply_in_the_phone_simulator(inbox_stack: Stack, browser: Any) -> None:
    inbox = logged_in(browser, inbox_stack, "tor")
    assert inbox.locator("#alerts .alert.urgent").count() == 0
    phones = browser.new_page()
    engine = inbox_stack.services.engine
    with Session(engine) as session:
        thea = session.exec(select(Youth).where(col(Youth.roster_id) == "700101")).one()
        from storage.models import ContactPoint

        point = session.exec(select(ContactPoint).where(col(ContactPoint.youth_id) == thea.id)).first()
    assert point is not None
    phones.goto(f"{inbox_stack.url}/demo/phone/{point.id}")
    phones.get_by_role("textbox").fill("jeg orker ikke mer, har bestemt meg for å ta livet mitt i kveld")
    phones.get_by_role("button", name="Send").click()
    urgent = inbox.locator("#alerts .alert.urgent")
    urgent.first.wait_for(timeout=15_000)  # no reload: the page hears it over server-sent events
    assert "Thea Dahl" in urgent.first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    inbox.screenshot(path=str(ARTIFACTS / "inbox.png"), full_page=True)


def test_take_over_reply_hand_back_and_confirm(inbox_stack: Stack, browser: Any) -> None:
    engine = inbox_stack.services.engine
    with Session(engine) as session:
        target = session.exec(select(Youth).where(col(Youth.roster_id) == "700100")).one()
        change_status(session, target, "OTAR", actor="bot", applied=False,
                      evidence={"rule": "work", "reply": "jobber på Rema"}, now=NOW)
        session.commit()
        youth_id = target.id
    page = logged_in(browser, inbox_stack, "tor")
    page.get_by_role("link", name="Ingrid Solberg").click()
    page.wait_for_url(f"{inbox_stack.url}/inbox/youth/{youth_id}")
    page.get_by_role("button", name="Ta over samtalen").click()
    page.get_by_text("Tatt over av Tor Ivar Lien").wait_for()
    page.get_by_label("Melding").fill("Hei Ingrid! Tor her. Passer det å ringe i morgen?")
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_role("button", name="Bekreft OTAR").click()
    page.get_by_text("OTUK → OTAR").first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "conversation.png"), full_page=True)
    page.get_by_role("button", name="Gi tilbake til boten").click()
    page.get_by_role("button", name="Ta over samtalen").wait_for()
    with Session(engine) as session:
        ingrid = session.get(Youth, youth_id)
        sent = session.exec(select(Outbox).where(col(Outbox.youth_id) == youth_id,
                                                 col(Outbox.template) == "adviser_reply")).all()
    assert ingrid is not None and ingrid.status_code == "OTAR" and ingrid.held_by_adviser_id is None
    assert len(sent) == 1 and sent[0].state in (OutboxState.PENDING, OutboxState.SENT)


def test_the_dashboard_renders(inbox_stack: Stack, browser: Any) -> None:
    page = logged_in(browser, inbox_stack, "lead")
    page.get_by_role("link", name="Oversikt").click()
    page.wait_for_url(inbox_stack.url + "/inbox/dashboard")
    assert page.locator("svg").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)


def test_a_youths_markup_stays_text_in_the_conversation(inbox_stack: Stack, browser: Any) -> None:
    from bot.inbound import InboundMessage, handle_inbound
    from storage.enums import Channel

    engine = inbox_stack.services.engine
    with Session(engine) as session:
        handle_inbound(session, InboundMessage(Channel.SMS, "", "xss1", "+4740000100",
                                               '<img src=x onerror="alert(1)"><script>alert(2)</script>', NOW), now=NOW)
        session.commit()
        youth_id = session.exec(select(Youth.id).where(col(Youth.roster_id) == "700100")).one()
    page = logged_in(browser, inbox_stack, "tor")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{inbox_stack.url}/inbox/youth/{youth_id}")
    text = page.locator(".msg.in .text").first
    text.wait_for()
    assert text.inner_text() == '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    assert page.locator(".msg.in img").count() == 0 and dialogs == []
