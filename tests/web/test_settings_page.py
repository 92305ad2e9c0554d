"""`/inbox/settings` served for real: only the county's admin, the form and its labels, CSRF, a valid save
(what is stored, what is kept, the access log, the log line, and that the engine reads it), a bad save (400,
nothing changed), a stale form (409) and a form that changes nothing."""

from __future__ import annotations

import re
from datetime import time, timedelta
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from structlog.testing import capture_logs

from bot.advisers import create_adviser
from bot.codes import CodeGroup
from bot.engine import county_facts
from bot.inbound import county_policy
from flows.calendar import SendingWindow
from flows.model import default_flows
from storage.enums import ActorKind, AdviserRole
from storage.models import AccessLog, Adviser, County
from tests.web.conftest import PASSWORD, Stack, login

PAGE = "/inbox/settings"
# What another part of the service stored: the page must keep it exactly.
OTHER_KEYS: dict[str, Any] = {"senders": {"sms": "+4759440000"},
                              "rights_link": "https://example.org/rettigheter",
                              "min_confidence_to_apply": 0.8, "language": "nn"}


class Form(HTMLParser):
    """The settings form as a browser would submit it, and every control's id, type and labels."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.controls: list[tuple[str, str]] = []  # (id, tag or input type)
        self.labels: set[str] = set()
        self.legends = 0
        self.fieldsets = 0
        self._select: str | None = None
        self._first_option: str | None = None
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == "settings-form":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends += 1
        elif tag == "label":
            self.labels.add(a.get("for", ""))
        elif tag == "input":
            kind = a.get("type", "text")
            if kind != "hidden":
                self.controls.append((a.get("id", ""), kind))
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value", "on")
            else:
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.controls.append((a.get("id", ""), "select"))
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                self.fields.setdefault(self._select, self._first_option)
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def read_form(html: str) -> Form:
    parser = Form()
    parser.feed(html)
    return parser


def settings_of(engine: Engine, name: str = "Trøndelag") -> dict[str, Any]:
    with Session(engine) as session:
        county = session.exec(select(County).where(col(County.name) == name)).one()
        return dict(county.settings)


def county_of(engine: Engine, name: str = "Trøndelag") -> County:
    with Session(engine) as session:
        return session.exec(select(County).where(col(County.name) == name)).one()


def set_settings(engine: Engine, settings: dict[str, Any], name: str = "Trøndelag") -> None:
    with Session(engine) as session:
        county = session.exec(select(County).where(col(County.name) == name)).one()
        county.settings = settings
        session.add(county)
        session.commit()


def settings_logs(engine: Engine) -> list[AccessLog]:
    with Session(engine) as session:
        return list(session.exec(select(AccessLog).where(col(AccessLog.action) == "settings")))


def admin_form(stack: Stack) -> tuple[httpx.Client, dict[str, str]]:
    """The admin's client and the form's fields as shown (csrf and version included)."""
    client, _ = login(stack, "admin")
    page = client.get(PAGE)
    assert page.status_code == 200
    return client, read_form(page.text).fields


def test_the_admin_gets_the_form_with_labels_fieldsets_and_the_stored_values(inbox_stack: Stack) -> None:
    set_settings(inbox_stack.services.engine, {"status_changes": {"3": "applied"}, "no_reply_after_days": 12})
    client, _ = login(inbox_stack, "admin")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "<h1>Innstillinger for Trøndelag</h1>" in page.text
    form = read_form(page.text)
    ids = [control_id for control_id, _ in form.controls]
    assert len(ids) == 4 * 2 + 3 * 2 + 2 + 1 + 1 + 5 + 4  # radios, times, open boxes, holidays, days, channels, deadlines
    assert all(ids) and set(ids) <= form.labels  # every control has an id and a label for it
    assert form.fieldsets == form.legends == 4 + 4 + 3
    assert form.fields["group_follow_up"] == "applied" and form.fields["group_in_activity"] == "applied"
    assert form.fields["group_clarified"] == "proposed"
    assert (form.fields["weekday_start"], form.fields["weekday_end"]) == ("09:00", "20:00")
    assert form.fields["saturday_open"] == "on" and "sunday_open" not in form.fields
    assert form.fields["no_reply_after_days"] == "12"
    assert form.fields["channel_1"] == ""
    assert form.fields["csrf"] and form.fields["version"]
    # The deadlines the flows use this campaign (NOW is December 2026: the 2027 campaign), shown, not edited.
    assert "Søknadsfrister i 2027" in page.text and "<td>1. mars</td>" in page.text
    assert 'aria-current="page">Innstillinger</a>' in page.text


@pytest.mark.parametrize("who", ["lead", "tor", "agder"])
def test_anyone_but_the_admin_gets_404_and_changes_nothing(inbox_stack: Stack, who: str) -> None:
    engine = inbox_stack.services.engine
    _, shown = admin_form(inbox_stack)
    client, csrf = login(inbox_stack, who)
    assert client.get(PAGE).status_code == 404
    before = settings_of(engine), settings_of(engine, "Agder")
    answer = client.post(PAGE, data={**shown, "csrf": csrf, "group_in_activity": "applied"})
    assert answer.status_code == 404
    assert (settings_of(engine), settings_of(engine, "Agder")) == before
    assert settings_logs(engine) == []
    assert "/inbox/settings" not in client.get("/inbox").text  # no menu link either


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    set_settings(engine, dict(OTHER_KEYS))
    client, shown = admin_form(inbox_stack)
    without = {k: v for k, v in shown.items() if k != "csrf"}
    answer = client.post(PAGE, data={**without, "group_in_activity": "applied"})
    assert answer.status_code == 403
    wrong = client.post(PAGE, data={**shown, "csrf": "not-the-token", "group_in_activity": "applied"})
    assert wrong.status_code == 403
    assert settings_of(engine) == OTHER_KEYS
    assert settings_logs(engine) == []


def test_a_valid_save_stores_the_settings_keeps_other_keys_and_logs_the_change(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    set_settings(engine, {**OTHER_KEYS, "status_changes": {"2": "applied"}})
    agder = settings_of(engine, "Agder")
    client, shown = admin_form(inbox_stack)
    changed = {**shown, "group_in_activity": "applied", "weekday_start": "08:00", "weekday_end": "21:00",
               "public_holidays": "on", "no_reply_after_days": "10", "channel_1": "email", "channel_2": "sms"}
    changed.pop("saturday_open")  # the box unticked: Saturdays closed
    with capture_logs() as logs:
        answer = client.post(PAGE, data=changed)
    assert answer.status_code == 303 and answer.headers["location"] == f"{PAGE}?saved=1"

    stored = settings_of(engine)
    assert {k: stored[k] for k in OTHER_KEYS} == OTHER_KEYS
    assert stored["status_changes"] == {"follow_up": "applied", "in_activity": "applied",
                                        "clarified": "proposed", "not_in_target_group": "proposed"}
    assert stored["sending_window"] == {"weekday": "08:00-21:00", "saturday": None, "sunday": None,
                                        "public_holidays": True}
    assert stored["no_reply_after_days"] == 10
    assert stored["channel_order"] == ["email", "sms"]
    assert set(stored) == set(OTHER_KEYS) | {"status_changes", "sending_window", "no_reply_after_days",
                                              "channel_order"}
    assert settings_of(engine, "Agder") == agder

    [row] = settings_logs(engine)
    with Session(engine) as session:
        admin = session.exec(select(Adviser).where(col(Adviser.email) == "admin@trondelag.example")).one()
    assert (row.county_id, row.youth_id, row.actor, row.actor_kind) == \
        (county_of(engine).id, None, f"adviser:{admin.id}", ActorKind.ADVISER)
    assert row.detail == ("status_changes.in_activity: proposed -> applied; "
                          "sending_window.weekday: 09:00-20:00 -> 08:00-21:00; "
                          "sending_window.saturday: 09:00-16:00 -> closed; "
                          "sending_window.public_holidays: false -> true; "
                          "no_reply_after_days: flow default -> 10; channel_order: flow order -> email,sms")
    [line] = [entry for entry in logs if entry["event"] == "county.settings_changed"]
    assert line["keys"] == ["status_changes.in_activity", "sending_window.weekday", "sending_window.saturday",
                            "sending_window.public_holidays", "no_reply_after_days", "channel_order"]
    assert "08:00" not in str(line) and "email" not in str(line)  # keys only, no values

    page = client.get(answer.headers["location"])
    assert "Innstillingene er lagret." in page.text
    form = read_form(page.text)
    assert form.fields["group_in_activity"] == "applied" and "saturday_open" not in form.fields
    assert [form.fields[f"channel_{n}"] for n in (1, 2, 3)] == ["email", "sms", ""]


def test_the_saved_settings_are_what_the_engine_reads(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    before = county_of(engine)
    assert CodeGroup.CLARIFIED not in county_policy(before.settings).apply_groups
    client, shown = admin_form(inbox_stack)
    changed = {**shown, "group_clarified": "applied", "weekday_start": "10:00", "weekday_end": "18:30",
               "sunday_open": "on", "sunday_start": "12:00", "sunday_end": "15:00",
               "no_reply_after_days": "21"}
    assert client.post(PAGE, data=changed).status_code == 303

    county = county_of(engine)
    policy = county_policy(county.settings)
    assert policy.apply_groups == frozenset({CodeGroup.FOLLOW_UP, CodeGroup.CLARIFIED})
    assert policy.applies("OTMI", 0.9) and not policy.applies("OTAR", 0.9)
    window = SendingWindow.from_settings(county.settings["sending_window"])
    assert window == SendingWindow(weekday=(time(10), time(18, 30)), saturday=(time(9), time(16)),
                                   sunday=(time(12), time(15)), public_holidays=False)
    assert county_facts(county, inbox_stack.url).window == window
    phone_call = next(s for s in default_flows()["first-contact"].steps
                      if s.delay_setting == "no_reply_after_days")
    assert phone_call.delta_for(county_facts(county, inbox_stack.url).settings) == timedelta(days=21)


@pytest.mark.parametrize(
    ("bad", "line"),
    [
        ({"weekday_start": "25:00"},
         "Hverdager fra: «25:00» er ikke et klokkeslett (TT:MM, fra 00:00 til 23:59)."),
        ({"channel_1": "fax"}, "Kanal nr. 1: «fax» er ikke en kanal (gyldige: sms, telegram, webchat, email, "
                               "console)."),
        ({"group_in_activity": "sometimes"},
         "Gruppe 3 (i aktivitet): «sometimes» er ikke et gyldig valg; velg «Boten gjør endringen» eller "
         "«Rådgiver bekrefter»."),
        ({"no_reply_after_days": "to uker"},
         "Dager uten svar før telefon: «to uker» er ikke et helt antall dager fra 1 til 60."),
    ],
)
def test_a_bad_value_answers_400_with_its_line_and_changes_nothing(inbox_stack: Stack, bad: dict[str, str],
                                                                   line: str) -> None:
    engine = inbox_stack.services.engine
    set_settings(engine, dict(OTHER_KEYS))
    client, shown = admin_form(inbox_stack)
    # A good change beside the bad one: it is not saved either.
    answer = client.post(PAGE, data={**shown, "group_clarified": "applied", **bad})
    assert answer.status_code == 400
    errors = re.search(r'<div class="error" role="alert" id="settings-errors">(.*?)</div>', answer.text, re.S)
    assert errors is not None
    assert re.findall(r"<li [^>]*><a [^>]*>(.*?)</a></li>", errors.group(1)) == [line]
    assert 'aria-invalid="true"' in answer.text
    assert settings_of(engine) == OTHER_KEYS
    assert settings_logs(engine) == []
    # The form shows what was submitted, so that it can be corrected.
    assert read_form(answer.text).fields["group_clarified"] == "applied"


def test_several_bad_fields_give_one_line_each(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    client, shown = admin_form(inbox_stack)
    answer = client.post(PAGE, data={**shown, "weekday_end": "24:00", "channel_2": "sms", "channel_4": "sms",
                                     "saturday_start": "nine"})
    assert answer.status_code == 400
    assert "Rett opp disse 3 feltene" in answer.text
    assert answer.text.count('<li id="error-') == 3
    assert settings_of(engine) == {}


def test_a_form_opened_before_another_save_answers_409_and_changes_nothing(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    client, shown = admin_form(inbox_stack)
    set_settings(engine, {"status_changes": {"in_activity": "applied"}})  # someone else saved meanwhile
    answer = client.post(PAGE, data={**shown, "weekday_end": "21:00"})
    assert answer.status_code == 409
    assert "Innstillingene ble endret av noen andre" in answer.text
    assert settings_of(engine) == {"status_changes": {"in_activity": "applied"}}
    assert settings_logs(engine) == []
    assert read_form(answer.text).fields["group_in_activity"] == "applied"  # the stored values now


def test_a_form_that_changes_nothing_writes_nothing(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    set_settings(engine, dict(OTHER_KEYS))
    client, shown = admin_form(inbox_stack)
    answer = client.post(PAGE, data=shown)
    assert answer.status_code == 303 and answer.headers["location"] == f"{PAGE}?saved=0"
    assert settings_of(engine) == OTHER_KEYS
    assert settings_logs(engine) == []
    assert "Ingen endringer å lagre." in client.get(answer.headers["location"]).text


def test_an_admin_edits_only_their_own_county(inbox_stack: Stack) -> None:
    engine = inbox_stack.services.engine
    with Session(engine) as session:
        create_adviser(session, name="Anne Agder", email="anne@agder.example", county="Agder",
                       role=AdviserRole.ADMIN, password=PASSWORD, now=inbox_stack.clock())
        session.commit()
    client = httpx.Client(base_url=inbox_stack.url, follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    signed_in = client.post("/login", data={"email": "anne@agder.example", "password": PASSWORD,
                                            "csrf": token.group(1), "next": PAGE})
    assert signed_in.status_code == 303
    page = client.get(PAGE)
    assert page.status_code == 200 and "<h1>Innstillinger for Agder</h1>" in page.text
    shown = read_form(page.text).fields
    assert client.post(PAGE, data={**shown, "group_in_activity": "applied"}).status_code == 303
    assert settings_of(engine, "Agder")["status_changes"]["in_activity"] == "applied"
    assert settings_of(engine) == {}
    [row] = settings_logs(engine)
    assert row.county_id == county_of(engine, "Agder").id


def test_the_countys_own_deadlines_are_saved_and_planned_with(inbox_stack: Stack) -> None:
    from bot.engine import county_calendar
    from flows.calendar import campaign_dates

    client, fields = admin_form(inbox_stack)
    csrf = fields["csrf"]
    bad = client.post("/inbox/settings", data={**fields, "csrf": csrf, "ordinary_deadline": "31.2."})
    assert bad.status_code == 400 and "er ikke en dato som dd.mm" in bad.text
    late = client.post("/inbox/settings", data={**fields, "csrf": csrf, "special_deadline": "5.3.",
                                                "ordinary_deadline": "1.3."})
    assert late.status_code == 400 and "må komme før den ordinære" in late.text
    saved = client.post("/inbox/settings", data={**fields, "csrf": csrf, "ordinary_deadline": "15.3.",
                                                 "remind_before_days": "10"})
    assert saved.status_code == 303, saved.text
    with Session(inbox_stack.services.engine) as session:
        county = session.exec(select(County).where(col(County.name) == "Trøndelag")).one()
    assert county.settings["calendar"] == {"ordinary_deadline": "03-15", "remind_before_days": 10}
    dates = campaign_dates("Trøndelag", 2027, county_calendar(county, None))
    assert (dates.ordinary_deadline.isoformat(), dates.special_deadline.isoformat()) == ("2027-03-15", "2027-02-01")
    assert dates.remind_ordinary <= dates.ordinary_deadline.replace(day=5)
    assert "15. mars" in client.get("/inbox/settings").text
