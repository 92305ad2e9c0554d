"""`/inbox/dashboard` served for real: the charts and tables, login, the scope of each person, the Udir view on a
past date and a bad date."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote

import httpx
from sqlmodel import Session, col, select

from bot.engine import plan_tick
from bot.inbound import InboundMessage, handle_inbound
from bot.status import change_status
from storage.enums import Channel
from storage.models import County, Youth
from tests.web.conftest import ADVISERS, NOW, PASSWORD, Stack

PAGE = "/inbox/dashboard"
HTML = {"accept": "text/html"}


def login(stack: Stack, who: str) -> httpx.Client:
    """A client signed in as ADVISERS[who]; it lands on the dashboard (the inbox page is not needed)."""
    client = httpx.Client(base_url=stack.url, follow_redirects=False, headers=HTML)
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    answer = client.post("/login", data={"email": ADVISERS[who][1], "password": PASSWORD, "csrf": token.group(1),
                                         "next": PAGE})
    assert answer.status_code == 303 and answer.headers["location"] == PAGE, answer.text
    return client


class Tables(HTMLParser):
    """The text of every cell of every table with an id, row by row, and each such table's caption."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.captions: dict[str, str] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("id"):
            self._table = str(found["id"])
            self.tables[self._table] = []
        elif self._table and tag == "tr":
            self.tables[self._table].append([])
        elif self._table and tag in ("td", "th"):
            self._cell = []
        elif self._table and tag == "caption":
            self._caption = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif self._table and tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif self._table and tag == "caption" and self._caption is not None:
            self.captions[self._table] = " ".join("".join(self._caption).split())
            self._caption = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._caption):
            if part is not None:
                part.append(data)


def page(client: httpx.Client, **params: str) -> tuple[httpx.Response, Tables]:
    answer = client.get(PAGE, params=params)
    return answer, Tables(answer.text)


def groups(tables: Tables) -> dict[str, int]:
    """Udir view: group number -> count, and "sum"."""
    rows = {row[0]: int(row[2]) for row in tables.tables["udir-table"][1:]}
    return {("sum" if key == "Sum" else key): value for key, value in rows.items()}


def row(tables: Tables, table: str, *first: str) -> list[str]:
    """The one row of `table` whose first cells are `first`."""
    matches = [r for r in tables.tables[table] if tuple(r[:len(first)]) == first]
    assert len(matches) == 1, (table, first, tables.tables[table])
    return matches[0]


# -------------------------------------------------------------------------------------------------- the page


def test_the_page_has_svg_charts_and_accessible_tables(inbox_stack: Stack) -> None:
    client = login(inbox_stack, "lead")
    answer, tables = page(client)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    html = answer.text
    svgs = re.findall(r"<svg\b[^>]*>\s*<title>[^<]+</title>", html)
    assert len(svgs) == 3  # OTUK over time, funnel, Udir view (no reply chart before any message was sent)
    assert all('role="img"' in svg and 'aria-label="' in svg for svg in svgs)
    assert "<polyline" in html and "<rect" in html
    # Nothing the Content-Security-Policy would block: no inline script or style.
    assert not re.search(r"\sstyle=|<style", html)
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", html))
    for table in ("otuk-table", "contact-table", "reply-table", "funnel-table", "udir-table", "udir-codes"):
        assert table in tables.captions and tables.captions[table], table
    assert html.count("<caption>") == 6
    assert 'scope="col"' in html and 'scope="row"' in html
    assert '<html lang="nb">' in html and "Oversikt" in html and 'aria-current="page"' in html
    # The lead sees Trøndelag's 14 youth, all OTUK today.
    assert tables.tables["otuk-table"][-1][1:] == [NOW.strftime("%d.%m.%Y"), "14"]
    assert len(tables.tables["otuk-table"]) == 1 + 12
    assert groups(tables) == {"1": 14, "2": 0, "3": 0, "4": 0, "5": 0, "sum": 14}
    assert row(tables, "funnel-table", "Melding sendt til ungdommen")[1] == "0"
    # The form works without JavaScript: a GET form with a date input.
    assert re.search(r'<form method="get" action="/inbox/dashboard"[^>]*>(?:(?!</form>).)*'
                     r'<input id="on" name="on" type="date" value="2026-12-08"', html, re.S)


def test_without_login_the_page_redirects_to_login(inbox_stack: Stack) -> None:
    answer = httpx.get(f"{inbox_stack.url}{PAGE}?on=2026-12-01", headers=HTML, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next={quote(PAGE + '?on=2026-12-01', safe='')}"


# ------------------------------------------------------------------------------------------------------ scope


def test_each_person_sees_only_their_scope(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    with Session(engine) as session:
        youth = session.exec(select(Youth).where(col(Youth.roster_id) == "700100")).one()  # Trøndelag, Tor's
        change_status(session, youth, "OTAR", actor="adviser:1", applied=True, evidence={"rule": "phone call"},
                      now=NOW - timedelta(days=3))
        session.commit()
    counts = {}
    for who in ("agder", "lead", "tor", "ingrid"):
        _, tables = page(login(inbox_stack, who))
        counts[who] = groups(tables)
    assert counts["agder"] == {"1": 8, "2": 0, "3": 0, "4": 0, "5": 0, "sum": 8}
    assert counts["lead"] == {"1": 13, "2": 0, "3": 1, "4": 0, "5": 0, "sum": 14}
    assert counts["tor"] == {"1": 7, "2": 0, "3": 1, "4": 0, "5": 0, "sum": 8}  # his caseload
    assert counts["ingrid"] == {"1": 6, "2": 0, "3": 0, "4": 0, "5": 0, "sum": 6}


def test_messages_replies_and_contact_are_counted_for_the_county_that_had_them(inbox_stack: Stack) -> None:
    stack = inbox_stack
    engine = stack.services.engine
    with Session(engine) as session:
        agder = session.exec(select(County).where(col(County.name) == "Agder")).one().id
    assert agder is not None
    plan_tick(engine, NOW, public_url=stack.url, county_ids=[agder])
    stack.dispatch()
    later = NOW + timedelta(hours=1)
    with Session(engine) as session:
        for number, text in (("+4740000135", "jeg jobber på Rema nå"), ("+4740000137", "ja, det er meg"),
                             ("+4740000138", "ok")):
            handle_inbound(session, InboundMessage(Channel.SMS, "", f"in-{number}", number, text, later), now=later)
        session.commit()
    stack.clock.advance(hours=1)
    stack.dispatch()  # the bot's answers

    agder_client = login(stack, "agder")
    _, tables = page(agder_client)
    # 8 first messages to the youth; 3 answered; 2 read as contact (OTAR proposed, OTOV applied); 1 code changed.
    assert [int(r[1]) for r in tables.tables["funnel-table"][1:]] == [8, 3, 2, 1]
    assert row(tables, "reply-table", "Første kontakt", "SMS")[2:] == ["0", "0", "–", "7"]  # all sent today: pending, not in the share yet
    # Contact on 8 December: 700135 registered 15 March (268 days), 700137 on 7 September (92 days).
    assert row(tables, "contact-table", "Median dager til første kontakt")[1:] == ["180", "2 kontaktet"]
    assert row(tables, "contact-table", "75-persentil dager til første kontakt")[1] == "224"
    assert row(tables, "contact-table", "Andel kontaktet innen 14 dager etter registrering")[1:3] == [
        "0 %", "0 av 8 registrert med OTUK for minst 14 dager siden"]
    assert groups(tables) == {"1": 7, "2": 1, "3": 0, "4": 0, "5": 0, "sum": 8}  # the proposal is not a code

    stack.clock.advance(days=8)
    answer, tables = page(agder_client)
    assert len(re.findall(r'<svg role="img" aria-label="[^"]+"', answer.text)) == 4  # now with the reply chart
    assert row(tables, "reply-table", "Første kontakt", "SMS")[2:] == ["7", "3", "42,9 %", "0"]
    assert row(tables, "reply-table", "Informasjon til foresatte")[1:] == ["SMS", "3", "0", "0 %", "0"]
    assert row(tables, "reply-table", "Alle")[1:] == ["", "14", "3", "21,4 %", "0"]  # with the 3 answers
    assert row(tables, "reply-table", "Svar: takk (kontakt)")[1:] == ["SMS", "2", "0", "0 %", "0"]
    assert row(tables, "reply-table", "Svar: oppfølgingsspørsmål")[1:] == ["SMS", "1", "0", "0 %", "0"]

    _, lead = page(login(stack, "lead"))  # Trøndelag had no messages
    assert [int(r[1]) for r in lead.tables["funnel-table"][1:]] == [0, 0, 0, 0]
    assert lead.tables["reply-table"][1] == ["Ingen meldinger sendt ennå."]


# ------------------------------------------------------------------------------------------------ Udir view


def test_a_past_date_reconstructs_the_codes(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    with Session(engine) as session:
        youth = session.exec(select(Youth).where(col(Youth.roster_id) == "700100")).one()
        change_status(session, youth, "OTAR", actor="adviser:1", applied=True, evidence={"rule": "phone call"},
                      now=NOW - timedelta(days=10))  # 28 November
        session.commit()
    client = login(inbox_stack, "lead")
    before = page(client, on="2026-11-27")[1]
    on_the_day = page(client, on="2026-11-28")[1]
    today = page(client)[1]
    assert groups(before) == {"1": 14, "2": 0, "3": 0, "4": 0, "5": 0, "sum": 14}
    assert groups(on_the_day) == {"1": 13, "2": 0, "3": 1, "4": 0, "5": 0, "sum": 14}
    assert groups(today) == groups(on_the_day)
    assert row(on_the_day, "udir-codes", "OTAR")[1:] == ["I arbeid", "3", "1"]
    # Two youth (700104, 700111) are registered on 9 and 10 November: not counted on 1 November.
    assert groups(page(client, on="2026-11-01")[1])["sum"] == 12
    # The weekly chart's table: 14 at the end of the week of 22 November, 13 from the week of 29 November.
    weeks = {r[1]: int(r[2]) for r in today.tables["otuk-table"][1:]}
    assert weeks["22.11.2026"] == 14 and weeks["29.11.2026"] == 13 and weeks["08.12.2026"] == 13
    # The weeks form keeps the date; the span changes the table.
    answer, four = page(client, on="2026-11-27", weeks="4")
    assert answer.status_code == 200 and len(four.tables["otuk-table"]) == 1 + 4
    assert groups(four)["1"] == 14


def test_a_bad_date_answers_400_with_one_error_line(inbox_stack: Stack) -> None:
    client = login(inbox_stack, "lead")
    for value, words in (("2026-13-45", "Ugyldig dato «2026-13-45»"), ("8.12.2026", "Ugyldig dato «8.12.2026»"),
                         ("<script>alert(1)</script>", "Ugyldig dato «&lt;script&gt;alert(1)&lt;/script&gt;»"),
                         ("2027-01-01", "Datoen 01.01.2027 er etter i dag")):
        answer = client.get(PAGE, params={"on": value})
        assert answer.status_code == 400, value
        errors = re.findall(r'<p class="error" role="alert"[^>]*>([^<]*)</p>', answer.text)
        assert len(errors) == 1 and words in errors[0], (value, errors)
        assert "Traceback" not in answer.text and "<script>alert" not in answer.text
        assert groups(Tables(answer.text))["sum"] == 14  # the page is there, with today's view
    answer = client.get(PAGE, params={"weeks": "7"})
    assert answer.status_code == 400 and "Ugyldig antall uker «7»" in answer.text
    assert client.get(PAGE, params={"on": ""}).status_code == 200  # an empty field is today
