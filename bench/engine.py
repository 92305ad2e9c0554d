"""Benchmarks of the engine: planning a large roster, and `otbot simulate` of a county year. Prints figure and target.

    .venv/bin/python bench/engine.py                 # both, on a temporary SQLite file
    .venv/bin/python bench/engine.py --only planner --youth 25000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from bot.engine import plan_tick  # noqa: E402
from bot.roster import import_roster  # noqa: E402
from bot.simulate import read_replies, simulate  # noqa: E402
from storage.db import close_database, open_database  # noqa: E402

OSLO = ZoneInfo("Europe/Oslo")
HEADER = "id;fornavn;etternavn;fødselsdato;mobil;e-post;kommune;fylke;tilmeldingskode;statuskode;veileder;" \
         "foresatt1_navn;foresatt1_mobil;registrert"
FIRST = ("Nora", "Emma", "Jakob", "Emil", "Sara", "Noah", "Ida", "Lukas", "Amina", "Yusuf")
REPLIES = ("jobber på Rema nå", "går på skole", "ok", "hvem er dette?", "STOPP", "2", "1", "ja det er meg",
           "har læreplass som elektriker", "4", "vil ikke ha oppfølging", "takk", "er i militæret", "feil nummer",
           "har flytta til Bergen", "kan noen ringe meg?", "3")


def county_roster(youth: int, day: date, seed: int = 11) -> bytes:
    """`youth` of Trøndelag on `day`: the first 1 000 with a number from the fictional block, the rest with an
    example.com e-mail (the block has only 1 000 numbers); minors have a guardian with a number."""
    rng = random.Random(seed)
    lines = [HEADER]
    for i in range(youth):
        age_days = rng.randint(16 * 365 + 5, 23 * 365)
        birth = day - timedelta(days=age_days)
        minor = age_days < 18 * 365
        mobile = str(40000000 + i) if i < 1000 else ""
        email = "" if i < 1000 else f"ung{i}@example.com"
        guardian = (f"Kari {FIRST[i % 10]}sen", str(40000000 + (i * 7) % 1000)) if minor and i < 1000 else ("", "")
        lines.append(";".join((f"C{i:05d}", FIRST[i % 10], "Nordmann", birth.strftime("%d.%m.%Y"), mobile, email,
                               "Trondheim", "Trøndelag", "OSON", "OTUK", f"Veileder {i % 12}", *guardian,
                               (day - timedelta(days=30)).strftime("%d.%m.%Y"))))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def bench_planner(youth: int) -> None:
    day = date(2026, 12, 14)
    now = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'planner.db'}"
        engine = open_database(url)
        with Session(engine) as session:
            import_roster(session, county_roster(youth, day), file_name="bench.csv", now=now, as_of=day)
            session.commit()
        for label, at in (("first tick (enrols everyone, plans the openings)", now),
                          ("next tick (nothing new)", now + timedelta(minutes=1)),
                          ("next day", now + timedelta(days=1))):
            started = time.perf_counter()
            stats = plan_tick(engine, at, public_url="https://ot.example")
            seconds = time.perf_counter() - started
            print(f"planning {youth:,} youth, {label}: {seconds:.2f} s (target ≤ 5 s) — {stats.enrolled} enrolled, "
                  f"{stats.messages} messages, {stats.alerts} alerts")
        close_database(url)


def county_replies(youth: int, start: date, share: float, seed: int = 5) -> str:
    """A realistic share of the youth answer once, some twice, at a plausible hour within three weeks."""
    rng = random.Random(seed)
    lines = []
    for i in range(youth):
        if rng.random() >= share:
            continue
        for _ in range(1 if rng.random() < 0.8 else 2):
            at = datetime.combine(start + timedelta(days=rng.randint(0, 20)), datetime.min.time(), OSLO) \
                + timedelta(hours=rng.randint(8, 23), minutes=rng.randint(0, 59))
            lines.append(json.dumps({"at": at.isoformat(), "youth": f"C{i:05d}", "text": rng.choice(REPLIES)},
                                    ensure_ascii=False))
    return "\n".join(lines)


def bench_simulate(youth: int, days: int, share: float) -> None:
    start = date(2026, 9, 1)
    replies, problems = read_replies(county_replies(youth, start, share))
    assert not problems, problems[:3]
    started = time.perf_counter()
    result = asyncio.run(simulate(county_roster(youth, start), "bench.csv", start, days, replies,
                                  public_url="https://ot.example"))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"simulate {youth:,} youth × {days} days with {len(replies):,} replies: {seconds:.1f} s (target ≤ 60 s), "
          f"peak memory {peak:.0f} MiB — {len(result.messages):,} messages, {len(result.code_changes):,} code "
          f"changes, {len(result.alerts):,} alerts")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("planner", "simulate"))
    parser.add_argument("--youth", type=int, default=None, help="youth (planner: 25 000, simulate: 2 600)")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--reply-share", type=float, default=0.4)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    from bot.log import configure

    configure("WARNING", "console")
    if args.only in (None, "planner"):
        bench_planner(args.youth or 25_000)
    if args.only in (None, "simulate"):
        bench_simulate(args.youth or 2_600, args.days, args.reply_share)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
