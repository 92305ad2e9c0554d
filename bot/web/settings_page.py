"""`GET` and `POST /inbox/settings`: the county's settings, edited by its admin (issue 10, item 4).

- Only an admin sees the page, and only for their own county; anyone else gets 404 (the page does not exist
  for them), never 403.
- What can be edited, the stored keys and who reads each is in bot/county_settings.py (which also checks the
  form). The application deadlines: the county's own rules (`County.settings["calendar"]`) laid over
  flows/calendar.yaml by the engine (bot.engine.county_calendar); the page shows the dates the planner will use.
- A bad value re-renders the form with one line per bad field, status 400, and nothing is written. A form
  opened before someone else saved answers 409 with the stored values (its hidden `version` no longer
  matches), so one admin never silently undoes another's change.
- A change is written with an `AccessLog` row (action "settings", detail "key: old -> new; ...") and a log
  line naming the keys only; a form that changes nothing writes nothing. Success redirects (303) back to the
  page, which says what happened.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import col, select

from bot import codes
from bot import county_settings as cs
from bot.advisers import Principal
from bot.inbound import county_policy
from bot.log import get_logger
from bot.web.auth import Checked, SignedIn
from bot.web.deps import Services, ServicesDep
from flows.calendar import CalendarError, campaign_dates, load_calendar, local_day, with_county_rules
from flows.model import default_flows
from flows.planner import deadline_cycle, spoken_date
from storage.db import session_scope, write_session
from storage.enums import ActorKind, AdviserRole, Channel
from storage.models import AccessLog, County

router = APIRouter(tags=["inbox"])
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
PAGE = "/inbox/settings"
ACTION = "settings"
log = get_logger(__name__)

CHANNEL_WORDS: dict[str, str] = {Channel.SMS: "SMS", Channel.EMAIL: "E-post", Channel.WEBCHAT: "Nettchat",
                                 Channel.TELEGRAM: "Telegram", Channel.CONSOLE: "Konsoll (bare for utvikling)"}
NOTICES = {"1": "Innstillingene er lagret.", "0": "Ingen endringer å lagre."}
STALE = ("Innstillingene ble endret av noen andre mens du hadde siden åpen, og ingenting ble lagret. "
         "Skjemaet viser nå de lagrede verdiene; gjør endringene dine på nytt.")
UNREADABLE = {
    cs.SENDING_WINDOW: "De lagrede sendetidene kunne ikke leses; standardtidene vises og gjelder til du "
                       "lagrer.",
    cs.NO_REPLY: "Det lagrede antallet dager før telefon kunne ikke brukes; standarden vises.",
    cs.CHANNEL_ORDER: "Den lagrede kanalrekkefølgen kunne ikke leses; ingen rekkefølge vises.",
}


def version(settings: dict[str, Any]) -> str:
    """A fingerprint of the stored settings: the form carries it, a save checks it (see the module doc)."""
    text = json.dumps(settings, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _admin_only(who: Principal) -> None:
    if who.role != AdviserRole.ADMIN:
        raise HTTPException(status_code=404)


def _phone_call_default() -> int | None:
    """The days of the flow step a county's `no_reply_after_days` replaces (its delay when none is set)."""
    for flow in default_flows():
        for step in flow.steps:
            if step.delay_setting == cs.NO_REPLY:
                return step.delta.days
    return None


@dataclass(frozen=True, slots=True)
class Loaded:
    name: str
    settings: dict[str, Any]


@dataclass(slots=True)
class Saved:
    outcome: str  # "saved", "unchanged", "stale"
    loaded: Loaded
    keys: list[str] = field(default_factory=list)


def _deadlines(county: str, settings: dict[str, Any], today: date) -> dict[str, Any]:
    """The deadlines as the planner will use them: the calendar file with the county's own rules over it."""
    calendar = None
    if isinstance(settings.get(cs.CALENDAR), dict):
        try:
            calendar = with_county_rules(load_calendar(), county, settings[cs.CALENDAR], "settings")
        except CalendarError:
            calendar = None
    year = int(deadline_cycle(county, today, calendar))
    dates = campaign_dates(county, year, calendar)
    return {"year": year, "rows": [
        ("Særskilt søknadsfrist", spoken_date(dates.special_deadline, "nb")),
        ("Påminnelse før særskilt frist", spoken_date(dates.remind_special, "nb")),
        ("Ordinær søknadsfrist", spoken_date(dates.ordinary_deadline, "nb")),
        ("Påminnelse før ordinær frist", spoken_date(dates.remind_ordinary, "nb")),
        ("«Du kan fortsatt søke»", spoken_date(dates.still_apply, "nb")),
    ]}


def _render(request: Request, who: Principal, svc: Services, loaded: Loaded, values: dict[str, str],
            errors: dict[str, str], *, notice: str | None = None, problem: str | None = None,
            form_version: str | None = None, status_code: int = 200) -> Response:
    stored = cs.read(loaded.settings)
    policy = county_policy(loaded.settings)
    context = {
        "who": who, "csrf": request.state.csrf, "nav": "settings", "county": loaded.name,
        "values": values, "errors": errors, "notice": notice, "problem": problem,
        "unreadable": [UNREADABLE[key] for key in sorted(stored.unreadable)],
        "version": form_version or version(loaded.settings),
        "groups": [(cs.field_name(g), g, codes.codes_in_group(g)) for g in cs.GROUPS],
        "choices": [(choice, cs.CHOICE_WORDS[choice]) for choice in cs.CHOICES],
        "min_confidence": round(policy.min_confidence_to_apply * 100),
        "days": [(day, cs.DAY_WORDS[day]) for day in cs.DAYS], "tz": stored.tz,
        "no_reply_default": _phone_call_default(),
        "no_reply_min": cs.NO_REPLY_MIN, "no_reply_max": cs.NO_REPLY_MAX,
        "channels": [(c.value, CHANNEL_WORDS.get(c.value, c.value)) for c in cs.CHANNELS],
        "positions": range(1, len(cs.CHANNELS) + 1),
        "deadlines": _deadlines(loaded.name, loaded.settings, local_day(svc.clock(), stored.tz)),
        "deadline_fields": [(key, cs.DEADLINE_WORDS[key], key in cs.DEADLINE_DATES)
                            for key in (*cs.DEADLINE_DATES, *cs.DEADLINE_DAYS)],
    }
    return TEMPLATES.TemplateResponse(request, "settings.html", context, status_code=status_code)


def _load(svc: Services, county_id: int) -> Loaded:
    with session_scope(svc.engine) as session:
        county = session.get(County, county_id)
        if county is None:
            raise HTTPException(status_code=404)
        return Loaded(county.name, dict(county.settings or {}))


@router.get(PAGE)
async def settings_form(request: Request, who: SignedIn, svc: ServicesDep,
                        saved: str | None = None) -> Response:
    _admin_only(who)
    loaded = await run_in_threadpool(_load, svc, who.county_id)
    return _render(request, who, svc, loaded, cs.form_values(cs.read(loaded.settings).values), {},
                   notice=NOTICES.get(saved or ""))


@router.post(PAGE)
async def save_settings(request: Request, who: Checked, svc: ServicesDep) -> Response:
    _admin_only(who)
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    new, errors = cs.parse(fields)
    if new is None:
        loaded = await run_in_threadpool(_load, svc, who.county_id)
        # The submitted values (so that the admin can correct them) and the version they were made against.
        return _render(request, who, svc, loaded, fields, errors, form_version=fields.get("version", ""),
                       status_code=400)
    wanted = new

    def save() -> Saved:
        # BEGIN IMMEDIATE on SQLite, the county row locked on PostgreSQL: the version check and the write
        # see the same settings.
        with write_session(svc.engine) as session:
            county = session.exec(select(County).where(col(County.id) == who.county_id)
                                  .with_for_update()).first()
            if county is None:
                raise HTTPException(status_code=404)
            settings = dict(county.settings or {})
            loaded = Loaded(county.name, settings)
            if fields.get("version", "") != version(settings):
                return Saved("stale", loaded)
            stored = cs.read(settings)
            found = cs.changes(stored, wanted)
            if not found:
                return Saved("unchanged", loaded)
            county.settings = cs.merge(settings, stored, wanted)
            session.add(county)
            session.add(AccessLog(county_id=who.county_id, youth_id=None, actor=who.actor,
                                  actor_kind=ActorKind.ADVISER, action=ACTION, detail=cs.detail(found),
                                  at=svc.clock()))
            return Saved("saved", loaded, [change.key for change in found])

    result = await run_in_threadpool(save)
    if result.outcome == "stale":
        shown = cs.form_values(cs.read(result.loaded.settings).values)
        return _render(request, who, svc, result.loaded, shown, {}, problem=STALE, status_code=409)
    if result.outcome == "saved":
        log.info("county.settings_changed", county_id=who.county_id, actor=who.actor, keys=result.keys)
    return RedirectResponse(f"{PAGE}?saved={1 if result.outcome == 'saved' else 0}", status_code=303)
