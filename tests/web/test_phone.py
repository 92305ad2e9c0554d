"""The demo's phone simulator (/demo/phone): over HTTP without JavaScript (the list, the thread, a reply through
the real inbound path, CSRF, double submits, escaping, the event stream), then in headless Chromium (Debian's
chromium, driven by Playwright): keyboard only, the reply and the bot's answer appear without a reload.
Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import html
import re

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from adapters.base import StatusReport
from bot.receive import report
from storage.enums import ChangeState, Channel, DeliveryStatus, Direction, OutboxState
from storage.models import ContactPoint, Guardian, Message, Outbox, StatusChange, Youth
from tests.web.conftest import ARTIFACTS, Stack

KIWI = "Jeg har fått jobb på Kiwi"


def youth(engine: Engine, roster_id: str) -> Youth:
    with Session(engine) as session:
        return session.exec(select(Youth).where(col(Youth.roster_id) == roster_id)).one()


def sms_point(engine: Engine, *, roster_id: str | None = None, guardian: str | None = None) -> ContactPoint:
    with Session(engine) as session:
        query = select(ContactPoint).where(col(ContactPoint.channel) == Channel.SMS)
        if roster_id is not None:
            query = query.join(Youth, col(Youth.id) == col(ContactPoint.youth_id)).where(col(Youth.roster_id) == roster_id)
        else:
            query = query.join(Guardian, col(Guardian.id) == col(ContactPoint.guardian_id)).where(
                col(Guardian.name) == guardian)
        return session.exec(query).one()


def count(engine: Engine, model: type, *where: object) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())  # type: ignore[arg-type]


def form_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(csrf|client_id)" value="([^"]+)"', page))


def bubbles(page: str, side: str) -> list[str]:
    """The texts of the page's bubbles on one side ("mine": the person's, "theirs": the bot's), unescaped."""
    items = re.findall(r'<li class="msg ' + side + r'".*?<p class="text">(.*?)</p>', page, flags=re.S)
    return [html.unescape(text) for text in items]


def inbound_sms(engine: Engine) -> list[Message]:
    with Session(engine) as session:
        return list(session.exec(select(Message).where(col(Message.channel) == Channel.SMS,
                                                       col(Message.direction) == Direction.INBOUND)).all())


# ---------------------------------------------------------------------------------------------------- over HTTP


def test_the_list_shows_the_demo_people_by_county(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    ingrid = sms_point(engine, roster_id="700100")
    fatima = sms_point(engine, guardian="Fatima Dahl")
    response = httpx.get(f"{inbox_stack.url}/demo/phone")
    assert response.status_code == 200
    page = response.text
    assert "<strong>Demo.</strong>" in page and "oppdiktet" in page and 'lang="nb"' in page
    # Youth: name, age (24 on 8 December 2026), status code; guardians: whose guardian.
    assert re.search(rf'href="/demo/phone/{ingrid.id}">\s*<span class="name">Ingrid Solberg</span>\s*'
                     r'<span class="detail">24 år · OTUK</span>', page)
    assert re.search(rf'href="/demo/phone/{fatima.id}">\s*<span class="name">Fatima Dahl</span>\s*'
                     r'<span class="detail">foresatt til Thea Dahl</span>', page)
    # The numbers are fictional: shown, as a phone shows its own number.
    assert "+47 400 00 100" in page and "+47 400 00 300" in page
    assert "Henrik Andersen" not in page  # 700105 has no mobile number
    # Grouped by county: Trøndelag's people under its heading, Vestland's under its own.
    trondelag, vestland = page.index(">Trøndelag <"), page.index(">Vestland <")
    assert trondelag < page.index("Ingrid Solberg") < vestland < page.index("Máret Kvalheim")
    # Under the page's Content-Security-Policy: no inline script or style.
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "<script>" not in page and "style=" not in page and "<style" not in page


def test_a_reply_goes_through_the_inbound_path_once_and_the_answer_shows(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    point = sms_point(engine, roster_id="700100")
    client = httpx.Client(base_url=inbox_stack.url)
    page = client.get(f"/demo/phone/{point.id}")
    assert page.status_code == 200
    assert '<label for="text">Svar som Ingrid Solberg</label>' in page.text
    assert 'aria-live="polite"' in page.text and "Ingen SMS-er på denne telefonen ennå." in page.text
    data = {**form_fields(page.text), "text": KIWI}
    first = client.post(f"/demo/phone/{point.id}", data=data)
    again = client.post(f"/demo/phone/{point.id}", data=data)  # a double submit of the same form
    fetched = client.post(f"/demo/phone/{point.id}", data=data, headers={"X-Requested-With": "fetch"})
    assert (first.status_code, again.status_code, fetched.status_code) == (303, 303, 204)
    assert first.headers["location"] == f"/demo/phone/{point.id}"
    [message] = inbound_sms(engine)
    assert (message.contact_point_id, message.text, message.provider_account) == (point.id, KIWI, "null")
    assert message.provider_id is not None and message.provider_id.startswith("sim-4740000100-")
    with Session(engine) as session:
        changes = session.exec(select(StatusChange).where(col(StatusChange.source_message_id) == message.id)).all()
        queued = session.exec(select(Outbox).where(col(Outbox.youth_id) == message.youth_id,
                                                   col(Outbox.state) == OutboxState.PENDING)).all()
    assert ("OTUK", "OTAR", ChangeState.PROPOSED) in {(c.old_code, c.new_code, c.state) for c in changes}
    assert [(row.channel, row.contact_point_id) for row in queued] == [(Channel.SMS, point.id)]
    assert bubbles(client.get(f"/demo/phone/{point.id}").text, "theirs") == []
    assert inbox_stack.dispatch().sent == 1
    shown = client.get(f"/demo/phone/{point.id}").text
    assert bubbles(shown, "mine") == [KIWI]
    assert bubbles(shown, "theirs") == [queued[0].text]
    assert "08.12. 10:00" in shown  # 09:00 UTC in Oslo
    assert '<span class="status" data-status="sent">Sendt</span>' in shown


def test_a_guardians_reply_is_read_as_the_guardians(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    point = sms_point(engine, guardian="Fatima Dahl")
    client = httpx.Client(base_url=inbox_stack.url)
    page = client.get(f"/demo/phone/{point.id}").text
    assert "foresatt til Thea Dahl" in page
    assert client.post(f"/demo/phone/{point.id}", data={**form_fields(page), "text": "Thea er syk"}).status_code == 303
    [message] = inbound_sms(engine)
    assert (message.guardian_id, message.youth_id) == (point.guardian_id, youth(engine, "700101").id)
    assert bubbles(client.get(f"/demo/phone/{point.id}").text, "mine") == ["Thea er syk"]


def test_a_post_without_the_pages_token_is_refused(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    ingrid = sms_point(engine, roster_id="700100")
    fatima = sms_point(engine, guardian="Fatima Dahl")
    other = form_fields(httpx.get(f"{inbox_stack.url}/demo/phone/{fatima.id}").text)  # another phone's token
    url = f"{inbox_stack.url}/demo/phone/{ingrid.id}"
    assert httpx.post(url, data={"text": "hei", "client_id": "abcdef0123456789"}).status_code == 403
    assert httpx.post(url, data={"text": "hei", "client_id": "abcdef0123456789", "csrf": "x" * 32}).status_code == 403
    assert httpx.post(url, data={**other, "text": "hei"}).status_code == 403
    assert count(engine, Message) == 0


def test_unknown_and_non_sms_contact_points_are_not_found(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    with Session(engine) as session:
        email = session.exec(select(ContactPoint).where(col(ContactPoint.channel) == Channel.EMAIL)).first()
    assert email is not None
    client = httpx.Client(base_url=inbox_stack.url)
    fields = form_fields(client.get(f"/demo/phone/{sms_point(engine, roster_id='700100').id}").text)
    for point_id in (999_999, email.id):
        page = client.get(f"/demo/phone/{point_id}")
        assert page.status_code == 404 and "Fant ikke denne telefonen" in page.text
        assert client.post(f"/demo/phone/{point_id}", data={**fields, "text": "hei"}).status_code == 404
        assert client.get(f"/demo/phone/{point_id}/events").status_code == 404
    assert client.get("/demo/phone/abc").status_code == 422
    assert count(engine, Message) == 0


def test_empty_and_over_long_replies_store_nothing(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    point = sms_point(engine, roster_id="700100")
    client = httpx.Client(base_url=inbox_stack.url)
    fields = form_fields(client.get(f"/demo/phone/{point.id}").text)
    empty = client.post(f"/demo/phone/{point.id}", data={**fields, "text": "  \n "})
    assert empty.status_code == 303 and empty.headers["location"] == f"/demo/phone/{point.id}?feil=tom"
    assert "Skriv en melding før du sender." in client.get(empty.headers["location"]).text
    long = client.post(f"/demo/phone/{point.id}", data={**fields, "text": "a" * 1601},
                       headers={"X-Requested-With": "fetch"})
    assert long.status_code == 400 and "for lang" in long.text
    assert client.post(f"/demo/phone/{point.id}", data={**fields, "text": "a" * 1601}).headers["location"].endswith(
        "?feil=lang")
    assert client.post(f"/demo/phone/{point.id}", data={"csrf": fields["csrf"], "text": "hei"}).status_code == 400
    assert count(engine, Message) == 0
    assert client.post(f"/demo/phone/{point.id}", data={**fields, "text": "b" * 1600}).status_code == 303
    assert count(engine, Message) == 1


def test_markup_in_a_reply_is_shown_as_text(inbox_stack: Stack) -> None:
    point = sms_point(inbox_stack.services.engine, roster_id="700100")
    client = httpx.Client(base_url=inbox_stack.url)
    fields = form_fields(client.get(f"/demo/phone/{point.id}").text)
    markup = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    client.post(f"/demo/phone/{point.id}", data={**fields, "text": markup})
    page = client.get(f"/demo/phone/{point.id}").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert bubbles(page, "mine") == [markup]


def test_the_event_stream_carries_the_reply_and_the_bots_answer(inbox_stack: Stack) -> None:
    point = sms_point(inbox_stack.services.engine, roster_id="700100")
    client = httpx.Client(base_url=inbox_stack.url)
    fields = form_fields(client.get(f"/demo/phone/{point.id}").text)
    client.post(f"/demo/phone/{point.id}", data={**fields, "text": KIWI})
    assert inbox_stack.dispatch().sent == 1
    events: list[str] = []
    with client.stream("GET", f"/demo/phone/{point.id}/events", params={"after": 0}, timeout=10) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(line)
            if len(events) == 2:
                break
    assert '"mine": true' in events[0] and KIWI in events[0]
    assert '"mine": false' in events[1] and '"status": "sent"' in events[1]


def test_the_event_stream_carries_a_delivery_report(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    point = sms_point(engine, roster_id="700100")
    client = httpx.Client(base_url=inbox_stack.url)
    fields = form_fields(client.get(f"/demo/phone/{point.id}").text)
    client.post(f"/demo/phone/{point.id}", data={**fields, "text": KIWI})
    assert inbox_stack.dispatch().sent == 1
    with Session(engine) as session:
        sent = session.exec(select(Message).where(col(Message.direction) == Direction.OUTBOUND)).one()
    assert sent.id is not None and sent.provider_id is not None
    seen: list[str] = []
    with client.stream("GET", f"/demo/phone/{point.id}/events", params={"after": sent.id}, timeout=10) as stream:
        lines = stream.iter_lines()
        for line in lines:  # first, the statuses of what the page shows (they may have moved since)
            seen.append(line)
            if line.startswith("data: ") and f'"id": {sent.id},' in line:
                break
        report(engine, StatusReport(channel=Channel.SMS, account="null", provider_id=sent.provider_id,
                                    status=DeliveryStatus.DELIVERED, provider_status="delivered"), inbox_stack.clock())
        for line in lines:  # then the report, within a poll of the database
            seen.append(line)
            if line.startswith("data: ") and '"status": "delivered"' in line:
                break
    assert seen.count("event: status") == 3 and not any(line.startswith("event: message") for line in seen)
    assert f'"id": {sent.id},' in seen[-1] and '"status_text": "Levert"' in seen[-1]
    assert '<span class="status" data-status="delivered">Levert</span>' in client.get(f"/demo/phone/{point.id}").text


def test_the_phone_is_served_only_in_demo_mode(chat_stack: Stack) -> None:
    point = sms_point(chat_stack.services.engine, roster_id="700100")
    assert httpx.get(f"{chat_stack.url}/demo/phone").status_code == 404
    assert httpx.get(f"{chat_stack.url}/demo/phone/{point.id}").status_code == 404


# ---------------------------------------------------------------------------------------------------- in Chromium



def test_a_youth_replies_from_the_phone_and_sees_the_answer_live(  # type: ignore[no-untyped-def]
        inbox_stack: Stack, browser) -> None:
    page = browser.new_page(viewport={"width": 430, "height": 900})
    errors: list[str] = []  # script errors, CSP refusals, failed requests (the app has no favicon)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    page.goto(f"{inbox_stack.url}/demo/phone")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone_list.png"))
    page.get_by_role("link", name=re.compile("Ingrid Solberg")).click()
    point = sms_point(inbox_stack.services.engine, roster_id="700100")
    page.wait_for_url(f"**/demo/phone/{point.id}")
    assert page.get_by_label("Svar som Ingrid Solberg").is_visible()
    # Keyboard only: the skip link leads to the text box, Tab to the button, Enter sends.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Hopp til svarfeltet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "text"
    page.keyboard.type(KIWI)
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Send"
    page.keyboard.press("Enter")
    mine = page.locator(".msg.mine .text")
    mine.first.wait_for(timeout=10_000)
    assert mine.all_inner_texts() == [KIWI]
    assert page.evaluate("window.sameDocument === true")  # sent in the background: no reload
    assert page.locator("#text").input_value() == ""
    assert len(inbound_sms(inbox_stack.services.engine)) == 1
    assert inbox_stack.dispatch().sent == 1  # in a thread of its own; the page polls the database
    answer = page.locator(".msg.theirs .text")
    answer.first.wait_for(timeout=10_000)
    with Session(inbox_stack.services.engine) as session:
        sent = session.exec(select(Message).where(col(Message.direction) == Direction.OUTBOUND)).one()
    assert answer.all_inner_texts() == [sent.text]
    assert page.locator(".msg.theirs .status").inner_text() == "Sendt"
    assert sent.provider_id is not None
    report(inbox_stack.services.engine, StatusReport(channel=Channel.SMS, account="null", provider_id=sent.provider_id,
                                                     status=DeliveryStatus.DELIVERED, provider_status="delivered"),
           inbox_stack.clock())
    page.locator('.msg.theirs .status[data-status="delivered"]').wait_for(timeout=10_000)
    assert page.locator(".msg.theirs .status").inner_text() == "Levert"
    assert errors == []
    page.screenshot(path=str(ARTIFACTS / "phone.png"), full_page=True)
    page.close()


def test_markup_stays_text_in_the_browser(inbox_stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    point = sms_point(inbox_stack.services.engine, roster_id="700100")
    page.goto(f"{inbox_stack.url}/demo/phone/{point.id}")
    page.get_by_label("Svar som Ingrid Solberg").fill('<img src=x onerror="alert(1)"><script>alert(2)</script>')
    page.get_by_role("button", name="Send").click()
    page.locator(".msg.mine .text").first.wait_for(timeout=10_000)
    assert page.locator(".msg.mine img").count() == 0
    page.reload()
    page.locator(".msg.mine .text").first.wait_for(timeout=10_000)
    assert page.locator(".msg.mine img").count() == 0
    assert "<script>alert(2)</script>" in page.locator(".msg.mine .text").first.inner_text()
    assert dialogs == []
    page.close()


def test_the_phone_sends_without_javascript(inbox_stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    point = sms_point(inbox_stack.services.engine, roster_id="700100")
    page.goto(f"{inbox_stack.url}/demo/phone/{point.id}")
    page.get_by_label("Svar som Ingrid Solberg").fill("takk for meldingen")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/demo/phone/{point.id}")
    assert page.locator(".msg.mine .text").all_inner_texts() == ["takk for meldingen"]
    context.close()
