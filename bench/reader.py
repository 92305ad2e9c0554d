"""Benchmark of the reply reader: replies per second in one process, and peak memory."""

from __future__ import annotations

import json
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Issue 8's targets: replies per second in one process, and start-up.
TARGET_RATE = 3000
TARGET_START_UP = 0.8

_import_started = time.perf_counter()
from bot.understand import read  # noqa: E402

read("hei")
START_UP = time.perf_counter() - _import_started  # loading the lexicon and word list, compiling the regexes

FRAGMENTS = [
    "jobber på Rema", "eg går på skulen", "æ e i militæret no", "har fått læreplass", "ikke send flere meldinger",
    "ok", "takk", "👍", "feil nummer", "hvem er dette?", "sluttet på skolen", "er hjemme med babyen",
    "working part time at a cafe", "vil ikke ha oppfølging", "har flytta til Bergen", "skal begynne i august",
    "lol 😂", "wallah bro", "er innlagt", "dødskjedelig", "kan noen ringe meg", "tar vakter innimellom",
    "går vg2 elektro", "gjør ingenting nå", "jobbar ikkje lenger", "Automatisk svar:", "ja det er meg",
]


def corpus(size: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    own = ROOT / "tests" / "understand" / "data" / "heldout_own.jsonl"
    texts = [json.loads(line)["text"] for line in own.read_text(encoding="utf-8").splitlines() if line.strip()]
    while len(texts) < size:
        parts = rng.sample(FRAGMENTS, rng.randint(1, 4))
        texts.append(rng.choice([", ", ". ", " og ", " men "]).join(parts))
    return texts[:size]


# A reply in a language the reader does not know: lingua reads it, and loads its language models on first use
# (a third of a second, once per process). Most replies never reach lingua, so the first 50 need not.
FOREIGN = "Dzień dobry, pracuję teraz w sklepie"


def main(size: int = 5000) -> None:
    texts = corpus(size)
    for text in [*texts[:50], FOREIGN]:  # first replies fill caches before timing
        read(text)
    started = time.perf_counter()
    for text in texts:
        read(text, sender="youth", age=19, county="Oslo")
    elapsed = time.perf_counter() - started
    # Memory in a second, shorter pass: tracing slows the reader down several times.
    tracemalloc.start()
    for text in texts[:500]:
        read(text + " ", sender="youth", age=19, county="Oslo")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate = len(texts) / elapsed
    print(f"{len(texts)} replies in {elapsed:.2f} s: {rate:,.0f} replies/s (target >= {TARGET_RATE:,}: "
          f"{'met' if rate >= TARGET_RATE else 'NOT met'}); peak traced memory while reading {peak / 1e3:.0f} kB; "
          f"start-up (import + first reply) {START_UP:.2f} s (target <= {TARGET_START_UP} s: "
          f"{'met' if START_UP <= TARGET_START_UP else 'NOT met'})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
