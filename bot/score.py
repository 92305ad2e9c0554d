"""Score the reply reader and policy (what `otbot classify` answers) against labelled replies.

    python -m bot.score LABELS.jsonl [MORE.jsonl ...] [--show-failures]

Each labelled line is an `otbot classify` input line (id, text, sender, age, county, channel) plus "expect":
contact (true, false or null when either is right), codes (the right new codes; [] means the code stays),
and optionally urgent, opt_out, wrong_number, escalate, escalate_or_code. The counting and the bars are the
project's scorer's (shared/eval/score_replies.py), so the figures agree; this one runs in-process and needs
nothing outside the repository. It prints per file "N replies, M with a failure" and one "replies: …" line
ending in "ok" or "SHORT:<figures below the bar>", and exits 1 when any file is below a bar.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.enums import Channel

FIELDS = ("id", "text", "sender", "age", "county", "channel")

# The product's goals (the bars): figure -> lowest acceptable value.
BARS: dict[str, float] = {
    "contact_precision": 1.0,
    "contact_recall": 0.95,
    "code_accuracy": 0.90,
    "urgent_recall": 1.0,
    "urgent_precision": 0.90,
    "opt_out_recall": 1.0,
    "opt_out_precision": 1.0,
    "wrong_number_recall": 0.95,
    "escalate_recall": 0.95,
}


def _ratio(hit: int, total: int) -> float:
    return hit / total if total else 1.0


@dataclass
class Figures:
    """Counts over labelled replies, the same counting as the project's scorer."""

    replies: int = 0
    contact: list[int] = field(default_factory=lambda: [0, 0, 0])  # tp, fp, fn
    codes: list[int] = field(default_factory=lambda: [0, 0])  # right, scored
    flags: dict[str, list[int]] = field(
        default_factory=lambda: {k: [0, 0, 0] for k in ("urgent", "opt_out", "wrong_number")}
    )
    escalate: list[int] = field(default_factory=lambda: [0, 0])  # right, scored
    failures: list[str] = field(default_factory=list)

    def add(self, case: dict[str, Any], got: dict[str, Any]) -> None:
        """Count one labelled case against one classify output object."""
        self.replies += 1
        want = case["expect"]
        why: list[str] = []
        contact = bool(got.get("contact_established"))
        if want.get("contact") is not None:
            if contact and want["contact"]:
                self.contact[0] += 1
            elif contact:
                self.contact[1] += 1
                why.append("FALSE CONTACT")
            elif want["contact"]:
                self.contact[2] += 1
                why.append("missed contact")
        if want.get("codes") is not None:
            self.codes[1] += 1
            code = got.get("status_code")
            right = code in (None, "OTUK") if not want["codes"] else code in want["codes"]
            self.codes[0] += right
            if not right:
                why.append(f"code {code} not in {want['codes'] or '[no change]'}")
        for flag, counts in self.flags.items():
            expected = want.get(flag, None if want.get("contact") is None else False)
            if expected is None:
                continue
            flagged = bool(got.get(flag))
            if flagged and expected:
                counts[0] += 1
            elif flagged:
                counts[1] += 1
                why.append(f"{flag} wrongly set")
            elif expected:
                counts[2] += 1
                why.append(f"{flag} missed")
        if want.get("escalate"):
            self.escalate[1] += 1
            self.escalate[0] += bool(got.get("escalate"))
            if not got.get("escalate"):
                why.append("escalation missed")
        if want.get("escalate_or_code"):
            self.escalate[1] += 1
            right = bool(got.get("escalate")) or got.get("status_code") == want["escalate_or_code"]
            self.escalate[0] += right
            if not right:
                why.append("unread reply neither escalated nor understood")
        if why:
            self.failures.append(f"{case.get('id')} [{case.get('sender')}] {case.get('text')!r}: {'; '.join(why)}")

    def values(self) -> dict[str, float | int]:
        tp, fp, fn = self.contact
        urgent, opt_out, wrong = self.flags["urgent"], self.flags["opt_out"], self.flags["wrong_number"]
        return {
            "contact_precision": _ratio(tp, tp + fp),
            "contact_recall": _ratio(tp, tp + fn),
            "false_contacts": fp,
            "code_accuracy": _ratio(*self.codes),
            "urgent_recall": _ratio(urgent[0], urgent[0] + urgent[2]),
            "urgent_precision": _ratio(urgent[0], urgent[0] + urgent[1]),
            "opt_out_recall": _ratio(opt_out[0], opt_out[0] + opt_out[2]),
            "opt_out_precision": _ratio(opt_out[0], opt_out[0] + opt_out[1]),
            "wrong_number_recall": _ratio(wrong[0], wrong[0] + wrong[2]),
            "escalate_recall": _ratio(*self.escalate),
        }

    def short(self, bars: dict[str, float] | None = None) -> list[str]:
        """The figures below their bar."""
        values = self.values()
        return [name for name, bar in (bars or BARS).items() if values[name] < bar]

    def summary(self, bars: dict[str, float] | None = None) -> str:
        short = self.short(bars)
        figures = " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in self.values().items())
        return f"replies: {figures}" + (f" SHORT:{','.join(short)}" if short else " ok")


def read_cases(path: Path) -> list[dict[str, Any]]:
    """The labelled cases of one JSON-lines file (empty lines skipped)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(cases: Iterable[dict[str, Any]], classify: Callable[[dict[str, Any]], dict[str, Any]] | None = None
          ) -> Figures:
    """Classify every case (as `otbot classify` would: only the input fields) and count it."""
    if classify is None:
        from bot.classify import classify_record

        classify = classify_record
    figures = Figures()
    for case in cases:
        record = {k: case.get(k, Channel.SMS.value if k == "channel" else None) for k in FIELDS}
        figures.add(case, classify(record))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.score", description=__doc__.split("\n\n")[0])
    parser.add_argument("labels", nargs="+", type=Path, help="labelled JSON-lines files")
    parser.add_argument("--show-failures", action="store_true", help="print every case that missed")
    args = parser.parse_args(argv)
    status = 0
    for path in args.labels:
        cases = read_cases(path)
        started = time.perf_counter()
        figures = score(cases)
        elapsed = time.perf_counter() - started
        if args.show_failures:
            for failure in figures.failures:
                print(failure)
        print(f"{path.name}: {figures.replies} replies, {len(figures.failures)} with a failure, "
              f"{figures.replies / elapsed if elapsed else 0.0:.0f} replies/s")
        print(figures.summary())
        status = max(status, 1 if figures.short() else 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
