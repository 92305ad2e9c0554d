"""`GET /inbox/dashboard`: the overview of the signed-in person's scope (issue 10, item 3).

What the page shows and how each number is counted is in bot/dashboard_stats.py (the page repeats the
definitions in Bokmål). The scope is `visible_youth`: an adviser counts the youth they may see, a lead or an
admin their county; nobody another county's. The numbers are aggregates that name no youth, so the read is not
written to the access log.

The charts are inline SVG drawn from geometry computed here (no script, no style attribute: the app's
Content-Security-Policy is `default-src 'self'`); every number is also in a table. `?on=YYYY-MM-DD` chooses the
day of the Udir view (default: today in the service's time zone), `?weeks=N` the span of the OTUK chart; a bad
value answers 400 with the page and one error line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from bot import codes
from bot import dashboard_stats as stats
from bot.codes import CodeGroup
from bot.web.auth import SignedIn
from bot.web.deps import ServicesDep
from storage.enums import AdviserRole, Channel
from storage.models import County

router = APIRouter(tags=["inbox"])
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
WEEK_CHOICES = (4, 8, 12, 26, 52)
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
SHOWN_INPUT = 40  # characters of a bad value repeated in the error line

# Bokmål names of the templates in flows/templates; an unknown template shows its id.
TEMPLATE_NAMES = {
    "first_contact": "Første kontakt",
    "reminder_1": "Påminnelse 1",
    "reminder_2": "Påminnelse 2",
    "chat_invite": "Invitasjon til chat",
    "guardian_info": "Informasjon til foresatte",
    "deadline_special": "Særskilt søknadsfrist",
    "deadline_ordinary": "Ordinær søknadsfrist",
    "still_apply": "Du kan fortsatt søke",
    "which_child": "Spørsmål: hvilket barn",
    "reply_ack": "Svar: oppfølgingsspørsmål",
    "reply_adviser": "Svar: veileder leser",
    "reply_decline": "Svar: takket nei",
    "reply_guardian": "Svar til foresatt",
    "reply_help": "Svar: ber om hjelp",
    "reply_opt_out": "Svar: avmeldt",
    "reply_question": "Svar: hvem vi er",
    "reply_resume": "Svar: meldinger igjen",
    "reply_thanks": "Svar: takk (kontakt)",
    "reply_urgent": "Svar: akutt hjelp",
    "reply_wrong_number": "Svar: feil nummer",
}
CHANNEL_NAMES: dict[str, str] = {Channel.SMS: "SMS", Channel.EMAIL: "E-post", Channel.WEBCHAT: "Nettchat",
                                 Channel.TELEGRAM: "Telegram", Channel.CONSOLE: "Konsoll"}
FUNNEL_STEPS = ("Melding sendt til ungdommen", "Ungdommen svarte", "Kontakt etablert",
                "Kode endret bort fra OTUK")


# ------------------------------------------------------------------------------------------ formatting


def number(value: float | None, decimals: int = 1) -> str:
    """Norwegian notation: decimal comma, no needless ",0"; a dash for nothing."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.{decimals}f}".replace(".", ",")


def percent(share: stats.Share) -> str:
    ratio = share.ratio
    return "–" if ratio is None else f"{number(round(ratio * 100, 1))} %"


def day_text(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def template_name(template: str | None) -> str:
    if template is None:
        return "(uten mal)"
    return TEMPLATE_NAMES.get(template, template)


# ------------------------------------------------------------------------------------------------ charts


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    y: float


def nice_max(value: int) -> tuple[int, int]:
    """An axis top at or above `value` and a tick step giving at most five steps."""
    if value <= 0:
        return 1, 1
    magnitude = 10 ** max(0, int(math.log10(value)) - 1)
    for factor in (1, 2, 5, 10, 20, 50, 100):
        step = factor * magnitude
        if math.ceil(value / step) <= 5:
            return step * math.ceil(value / step), step
    return value, value  # pragma: no cover - the factors above always cover five steps


def line_chart(labels: Sequence[str], values: Sequence[int], *, width: int = 640, height: int = 260) -> dict[str, Any]:
    """Points of a line chart in a width × height viewBox, with y-axis ticks and x labels."""
    left, right, top, bottom = 48, 30, 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value, step = nice_max(max(values, default=0))
    n = len(values)

    def x(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y(v: float) -> float:
        return top + plot_h * (1 - v / top_value)

    every = max(1, math.ceil(n / 13))
    points = [{"x": round(x(i), 1), "y": round(y(v), 1), "value": v, "label": labels[i],
               "show_label": (n - 1 - i) % every == 0} for i, v in enumerate(values)]
    return {
        "width": width, "height": height, "left": left, "right": width - right, "top": top,
        "bottom": top + plot_h, "label_y": top + plot_h + 20,
        "ticks": [Tick(v, round(y(v), 1)) for v in range(0, top_value + 1, step)],
        "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
    }


def bar_chart(labels: Sequence[str], values: Sequence[float], *, texts: Sequence[str] | None = None,
              top_value: float | None = None, width: int = 660) -> dict[str, Any]:
    """Horizontal bars, one row each: label on the left, bar, value text after the bar."""
    label_w, value_w, row_h, gap = 270, 70, 28, 10
    bar_max = width - label_w - value_w
    top = top_value if top_value is not None else max(max(values, default=0), 1)
    rows = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        length = round(bar_max * (value / top), 1) if top else 0.0
        y = i * (row_h + gap)
        rows.append({"label": label, "value": value, "text": texts[i] if texts else number(value),
                     "y": y, "text_y": y + row_h / 2 + 5, "x": label_w, "length": length,
                     "value_x": label_w + length + 6, "height": row_h})
    return {"width": width, "height": max(len(rows) * (row_h + gap) - gap, row_h), "label_x": label_w - 8,
            "rows": rows}


# -------------------------------------------------------------------------------------------------- page


def _parse_day(raw: str | None, today: date) -> tuple[date, str | None]:
    if raw is None or not raw.strip():
        return today, None
    text = raw.strip()
    shown = text[:SHOWN_INPUT]
    try:
        if not ISO_DAY.match(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        return today, f"Ugyldig dato «{shown}»: skriv datoen som ÅÅÅÅ-MM-DD, for eksempel {today.isoformat()}."
    if day > today:
        return today, f"Datoen {day_text(day)} er etter i dag ({day_text(today)}): velg i dag eller en dag før."
    return day, None


def _parse_weeks(raw: str | None) -> tuple[int, str | None]:
    if raw is None or not raw.strip():
        return stats.DEFAULT_WEEKS, None
    text = raw.strip()
    if text.isdigit() and int(text) in WEEK_CHOICES:
        return int(text), None
    choices = ", ".join(str(w) for w in WEEK_CHOICES)
    return stats.DEFAULT_WEEKS, f"Ugyldig antall uker «{text[:SHOWN_INPUT]}»: velg {choices}."


@router.get("/inbox/dashboard")
def dashboard(request: Request, who: SignedIn, svc: ServicesDep, on: str | None = None,
              weeks: str | None = None) -> Response:
    tz = svc.settings.tz
    now = svc.clock()
    today = now.astimezone(tz).date()
    day, day_error = _parse_day(on, today)
    span, weeks_error = _parse_weeks(weeks)
    error = day_error or weeks_error

    with Session(svc.engine) as session:
        rows = stats.load_rows(session, who, tz)
        county = session.get(County, who.county_id)
    county_name = county.name if county is not None else ""
    history = stats.History(rows.changes, tz)

    ends = stats.week_ends(today, span)
    otuk = stats.otuk_over_time(rows.youth, history, ends)
    week_labels = [f"uke {d.isocalendar().week}" for d in ends]
    within = stats.contacted_within(rows.youth, history, today)
    waiting = stats.time_to_contact(rows.youth, history)
    rates = stats.reply_rates(rows.sent, rows.inbound, now)
    total = stats.total_rate(rates)
    steps = stats.funnel(rows.youth, rows.sent, rows.inbound, history).steps()
    groups = stats.group_counts(rows.youth, history, day)

    funnel_rows = []
    for i, (label, count) in enumerate(zip(FUNNEL_STEPS, steps, strict=True)):
        funnel_rows.append({"label": label, "count": count,
                            "of_previous": "–" if i == 0 else percent(stats.Share(count, steps[i - 1]))})
    rate_rows = [{"template": template_name(r.template), "channel": CHANNEL_NAMES.get(r.channel, r.channel),
                  "counted": r.counted, "replied": r.replied, "share": percent(r.share), "waiting": r.pending}
                 for r in rates]
    rated = [r for r in rates if r.counted]
    rate_chart = bar_chart(
        [f"{template_name(r.template)} · {CHANNEL_NAMES.get(r.channel, r.channel)}" for r in rated],
        [round(r.replied / r.counted * 100, 1) for r in rated],
        texts=[percent(r.share) for r in rated], top_value=100)
    group_rows = [{"number": g.value, "label": g.label.capitalize(), "count": groups.groups[g]} for g in CodeGroup]
    code_rows = [{"code": c, "label": codes.STATUS_CODES[c].label_nb if c in codes.STATUS_CODES else "ukjent kode",
                  "group": codes.group_of(c).value if codes.is_status_code(c) else "–", "count": n}
                 for c, n in groups.codes.items()]

    context = {
        "who": who, "csrf": request.state.csrf, "nav": "dashboard", "error": error,
        "scope": (f"hele {county_name}" if who.role in (AdviserRole.LEAD, AdviserRole.ADMIN)
                  else f"ungdommene du kan se i {county_name}"),
        "youth_count": len(rows.youth), "today": day_text(today), "today_iso": today.isoformat(),
        "tz": svc.settings.timezone,
        "weeks": span, "week_choices": WEEK_CHOICES, "weeks_is_default": span == stats.DEFAULT_WEEKS,
        "otuk_rows": [{"week": week_labels[i], "day": day_text(d), "count": otuk[i]} for i, d in enumerate(ends)],
        "otuk_chart": line_chart(week_labels, otuk),
        "otuk_first": week_labels[0], "otuk_last": week_labels[-1], "otuk_now": otuk[-1],
        "within": within, "within_text": percent(within), "within_days": stats.CONTACT_WITHIN_DAYS,
        "waiting": waiting, "median": number(waiting.median), "p75": number(waiting.p75),
        "rate_rows": rate_rows, "total": total, "total_share": percent(total.share),
        "reply_days": stats.REPLY_WINDOW.days,
        "rate_chart": rate_chart,
        "funnel_rows": funnel_rows,
        "funnel_chart": bar_chart(FUNNEL_STEPS, steps),
        "on": day.isoformat(), "on_text": day_text(day), "groups": group_rows, "group_total": groups.total,
        "code_rows": code_rows,
        "group_chart": bar_chart([f"{g.value} {g.label.capitalize()}" for g in CodeGroup],
                                 [groups.groups[g] for g in CodeGroup]),
    }
    response = TEMPLATES.TemplateResponse(request, "dashboard.html", context, status_code=400 if error else 200)
    response.headers["Cache-Control"] = "no-store"
    return response
