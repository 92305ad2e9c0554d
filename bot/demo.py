"""`otbot demo`: the whole product on one machine with no accounts.

It creates (or reuses) the SQLite database, imports the fictional roster made for today, makes a demo
adviser (an admin of the county with the most youth) with a new random password, and runs the web service
with the scheduler and the dispatcher: SMS, Telegram and e-mail go to the console (standard output), the web
chat is real, and the phone simulator (`/demo/phone`) lets you answer as any fictional youth or guardian.
`--speed N` runs the demo's clock N times faster than real time (the planner's delays pass in minutes).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.advisers import create_adviser
from storage.enums import AdviserRole
from storage.models import County, Youth

DEMO_EMAIL = "demo@ot.example"
DEMO_NAME = "Demo Veileder"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    password: str
    county: str


def demo_adviser(engine: Engine, now: datetime) -> DemoLogin:
    """The demo adviser, admin of the county with the most youth, with a new random password."""
    password = "-".join(secrets.token_hex(3) for _ in range(3))
    with Session(engine) as session:
        county = session.exec(
            select(County.name).join(Youth, col(Youth.county_id) == col(County.id))
            .group_by(col(County.name)).order_by(func.count(col(Youth.id)).desc(), col(County.name))).first()
        if county is None:
            raise RuntimeError("the demo roster was not imported")
        create_adviser(session, name=DEMO_NAME, email=DEMO_EMAIL, county=county, role=AdviserRole.ADMIN,
                       password=password, now=now)
        session.commit()
    return DemoLogin(DEMO_EMAIL, password, county)


def demo_clock(speed: float, start: datetime | None = None,
               real: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Callable[[], datetime]:
    """A clock that runs `speed` times faster than real time from `start` (now)."""
    origin = real()
    begin = start or origin
    if speed == 1:
        return real
    return lambda: begin + (real() - origin) * speed


ALL_DAY = {"weekday": "00:00-23:59", "saturday": "00:00-23:59", "sunday": "00:00-23:59", "public_holidays": True}


def open_all_hours(engine: Engine) -> None:
    """In the demo database only: every county sends at any hour, so that a newcomer trying the demo in the
    evening sees the bot answer at once (a real county's window is in its settings, domain.md's by default)."""
    with Session(engine) as session:
        for county in session.exec(select(County)):
            county.settings = {**(county.settings or {}), "sending_window": dict(ALL_DAY)}
            session.add(county)
        session.commit()
