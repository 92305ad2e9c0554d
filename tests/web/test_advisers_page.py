"""`/inbox/advisers`: an admin manages the county's advisers; nobody else sees the page; other counties'
advisers are not found; every change is in the access log."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from storage.enums import AdviserRole
from storage.models import AccessLog, Adviser, County
from tests.web.conftest import Stack, login


def adviser(stack: Stack, name: str) -> Adviser:
    with Session(stack.services.engine) as session:
        return session.exec(select(Adviser).where(col(Adviser.name) == name)).one()


def test_only_an_admin_sees_the_page(inbox_stack: Stack) -> None:
    admin, _ = login(inbox_stack, "admin")
    page = admin.get("/inbox/advisers")
    assert page.status_code == 200 and "Tor Ivar Lien" in page.text and "Petter Salvesen" not in page.text
    for who in ("tor", "lead", "agder"):
        client, csrf = login(inbox_stack, who)
        assert client.get("/inbox/advisers").status_code == 404
        assert client.post("/inbox/advisers", data={"csrf": csrf, "name": "X", "email": "x@x.example",
                                                    "password": "0123456789", "role": "admin"}).status_code == 404


def test_an_admin_marks_away_sets_the_fallback_changes_a_role_and_adds_an_adviser(inbox_stack: Stack) -> None:
    admin, csrf = login(inbox_stack, "admin")
    ingrid = adviser(inbox_stack, "Ingrid Fossum")
    tor = adviser(inbox_stack, "Tor Ivar Lien")
    assert admin.post(f"/inbox/advisers/{ingrid.id}", data={"csrf": csrf, "away": "1"}).status_code == 303
    assert admin.post(f"/inbox/advisers/{tor.id}", data={"csrf": csrf, "fallback": "1"}).status_code == 303
    assert admin.post(f"/inbox/advisers/{tor.id}", data={"csrf": csrf, "role": "lead"}).status_code == 303
    added = admin.post("/inbox/advisers", data={"csrf": csrf, "name": "Nina Ny", "email": "nina@t.example",
                                                "password": "et-godt-passord", "role": "adviser"})
    assert added.status_code == 303
    with Session(inbox_stack.services.engine) as session:
        county = session.exec(select(County).where(col(County.name) == "Trøndelag")).one()
        log = session.exec(select(AccessLog).where(col(AccessLog.action) == "advisers")).all()
        nina = session.exec(select(Adviser).where(col(Adviser.email) == "nina@t.example")).one()
    assert adviser(inbox_stack, "Ingrid Fossum").away and adviser(inbox_stack, "Tor Ivar Lien").role == AdviserRole.LEAD
    assert county.settings["fallback_adviser_id"] == tor.id
    assert len(log) == 4 and all("passord" not in (entry.detail or "") for entry in log)
    assert nina.county_id == county.id and nina.password_hash and "et-godt-passord" not in nina.password_hash


def test_a_bad_new_adviser_is_one_line_and_nothing_is_stored(inbox_stack: Stack) -> None:
    admin, csrf = login(inbox_stack, "admin")
    answer = admin.post("/inbox/advisers", data={"csrf": csrf, "name": "Kort", "email": "kort@t.example",
                                                 "password": "kort", "role": "adviser"})
    assert answer.status_code == 400
    assert re.search(r'role="alert">the password must have at least 10 characters<', answer.text)
    with Session(inbox_stack.services.engine) as session:
        assert session.exec(select(Adviser).where(col(Adviser.email) == "kort@t.example")).first() is None


def test_another_countys_adviser_is_not_found_and_csrf_is_needed(inbox_stack: Stack) -> None:
    admin, csrf = login(inbox_stack, "admin")
    petter = adviser(inbox_stack, "Petter Salvesen")
    assert admin.post(f"/inbox/advisers/{petter.id}", data={"csrf": csrf, "away": "1"}).status_code == 404
    tor = adviser(inbox_stack, "Tor Ivar Lien")
    assert admin.post(f"/inbox/advisers/{tor.id}", data={"away": "1"}).status_code == 403
    assert not adviser(inbox_stack, "Petter Salvesen").away and not adviser(inbox_stack, "Tor Ivar Lien").away
