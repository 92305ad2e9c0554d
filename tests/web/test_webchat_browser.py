"""The web chat in headless Chromium (Debian's chromium, driven by Playwright): a youth opens the link from
the SMS, writes with the keyboard only, sees the message and the bot's answer appear without a reload; the
page sends without JavaScript too. Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.links import Purpose
from storage.enums import Direction
from storage.models import Message, Youth
from tests.web.conftest import ARTIFACTS, NOW, Stack


def chat_link(stack: Stack) -> str:
    with Session(stack.services.engine) as session:
        youth = session.exec(select(Youth).where(col(Youth.roster_id) == "700100")).one()
    assert youth.id is not None
    return f"{stack.url}/c/{stack.services.links.issue(Purpose.WEBCHAT, youth.id, NOW)}"


def test_a_youth_writes_and_sees_the_answer_live(chat_stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)  # a phone screen
    page.goto(chat_link(chat_stack))
    assert page.url.endswith("/chat")
    assert page.get_by_label("Din melding").is_visible()
    # Keyboard only: the text box is reachable with Tab and the form sends with the button.
    page.keyboard.press("Tab")
    for _ in range(5):
        if page.evaluate("document.activeElement && document.activeElement.id") == "text":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "text"
    page.keyboard.type("Jeg jobber på Kiwi nå, 60 prosent")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    mine = page.locator(".msg.mine .text")
    mine.first.wait_for(timeout=10_000)
    assert mine.first.inner_text() == "Jeg jobber på Kiwi nå, 60 prosent"
    assert page.url.endswith("/chat")  # sent in the background: no reload
    assert page.locator("#text").input_value() == ""
    assert chat_stack.dispatch().sent == 1
    answer = page.locator(".msg.theirs .text")
    answer.first.wait_for(timeout=10_000)
    with Session(chat_stack.services.engine) as session:
        sent = session.exec(select(Message).where(col(Message.direction) == Direction.OUTBOUND)).one()
    assert answer.first.inner_text() == sent.text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "webchat.png"), full_page=True)
    page.close()


def test_markup_from_a_youth_stays_text(chat_stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(chat_link(chat_stack))
    page.get_by_label("Din melding").fill('<img src=x onerror="alert(1)"><script>alert(2)</script>')
    page.get_by_role("button", name="Send").click()
    page.locator(".msg.mine .text").first.wait_for(timeout=10_000)
    page.reload()
    page.locator(".msg.mine .text").first.wait_for(timeout=10_000)
    assert page.locator(".msg.mine img").count() == 0
    assert "<script>alert(2)</script>" in page.locator(".msg.mine .text").first.inner_text()
    assert dialogs == []
    page.close()


def test_sending_works_without_javascript(chat_stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(chat_link(chat_stack))
    page.get_by_label("Din melding").fill("takk for meldingen")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert page.url.endswith("/chat")
    assert page.locator(".msg.mine .text").first.inner_text() == "takk for meldingen"
    context.close()
