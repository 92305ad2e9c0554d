"""Benchmark: import N fictional roster rows into a temporary database, then re-import them; prints rows/s."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from bot.places import municipality_county
from bot.roster import import_roster
from storage.db import close_database, open_database

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
DAY = date(2026, 11, 22)
HEADER = ("id;fornavn;etternavn;fødselsdato;mobil;kommune;fylke;tilmeldingskode;statuskode;veileder;målform;"
          "foresatt1_navn;foresatt1_mobil;foresatt2_navn;foresatt2_mobil;registrert")
FIRST = ("Nora", "Emma", "Jakob", "Emil", "Sara", "Noah", "Ida", "Lukas", "Amina", "Yusuf")
LAST = ("Hansen", "Olsen", "Berg", "Lie", "Dahl", "Moen", "Strand", "Nowak", "Tran", "Vik")
MUNICIPALITIES = ("Trondheim", "Stjørdal", "Steinkjer", "Levanger", "Orkland", "Melhus")
CODES = ("OSON", "OSVE", "OSNP", "OSUT", "OESL")


def roster(rows: int, seed: int = 7) -> bytes:
    """`rows` youth of Trøndelag; numbers cycle through the fictional block +47 4000 0000–0999."""
    rng = random.Random(seed)
    lines = [HEADER]
    for i in range(rows):
        birth = date(2002, 1, 1) + timedelta(days=rng.randint(0, (date(2011, 11, 1) - date(2002, 1, 1)).days))
        minor = birth > date(2008, 11, 22)
        guardians = (f"Kari {LAST[i % 10]};{40000000 + (i + 500) % 1000};;" if minor else ";;;")
        lines.append(";".join((
            f"B{i:06d}", FIRST[i % 10], LAST[(i // 10) % 10], birth.strftime("%d.%m.%Y"), str(40000000 + i % 1000),
            rng.choice(MUNICIPALITIES), "Trøndelag", CODES[i % 5], "OTUK", f"Veileder {i % 20}", "bokmål",
            guardians, "07.09.2026",
        )))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rows", nargs="?", type=int, default=5000)
    parser.add_argument("--db", help="database URL (default: a SQLite file in a temporary directory)")
    args = parser.parse_args(argv)
    data = roster(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = open_database(url)
        started = time.perf_counter()
        municipality_county("Bodø")
        print(f"loading the places data (once per process): {time.perf_counter() - started:.2f} s")
        for label in ("first import", "re-import"):
            started = time.perf_counter()
            with Session(engine) as session:
                report = import_roster(session, data, file_name="bench.csv", now=NOW, as_of=DAY)
                session.commit()
            seconds = time.perf_counter() - started
            print(f"{label}: {args.rows} rows in {seconds:.2f} s = {args.rows / seconds:,.0f} rows/s "
                  f"(imported {report.imported}, updated {report.updated}, unchanged {report.unchanged}, "
                  f"rejected {report.rejected})")
        close_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
