"""`otbot classify`: JSON lines of replies in, one JSON line of reading + decision out per input line."""

from __future__ import annotations

import json
from typing import Any, TextIO

from bot.policy import SENDERS, CountyPolicy, ReplyContext, decide
from bot.understand import read

FIELDS = ("id", "text", "sender", "age", "county", "channel")


class InputError(ValueError):
    """One input line that cannot be classified; the message says which field and why."""


def _check(record: Any) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str):
        raise InputError("'text' is missing or not a string")
    sender = record.get("sender", "youth")
    if sender not in SENDERS:
        raise InputError(f"'sender' must be one of {', '.join(SENDERS)}, not {sender!r}")
    age = record.get("age")
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 130:
        raise InputError(f"'age' must be a whole number of years, not {age!r}")
    county = record.get("county")
    if county is not None and not isinstance(county, str):
        raise InputError(f"'county' must be a string, not {county!r}")
    channel = record.get("channel") or "sms"
    if not isinstance(channel, str):
        raise InputError(f"'channel' must be a string, not {channel!r}")
    return {"text": text, "sender": sender, "age": age, "county": county or "", "channel": channel}


def classify_record(record: Any, policy: CountyPolicy | None = None) -> dict[str, Any]:
    """One input object -> the output object (reading + decision). Raises InputError on bad input."""
    fields = _check(record)
    reading = read(fields["text"], sender=fields["sender"], age=fields["age"], county=fields["county"])
    ctx = ReplyContext(sender=fields["sender"], age=fields["age"], youth_county=fields["county"],
                       channel=fields["channel"])
    decision = decide(reading, ctx, policy)
    return {
        "id": record.get("id"),
        "contact_established": decision.contact_established,
        "status_code": decision.status_code,
        "applied": decision.applied,
        "urgent": decision.urgent,
        "opt_out": decision.opt_out,
        "resume": decision.resume,
        "wrong_number": decision.wrong_number,
        "escalate": decision.escalate,
        "language": reading.language,
        "intents": list(reading.intents),
        "activity": reading.activity,
        "explanation": decision.explanation,
        "confidence": decision.confidence,
        "reply": decision.reply,
        "evidence": list(decision.evidence),
    }


def classify_line(line: str, number: int, policy: CountyPolicy | None = None) -> dict[str, Any] | None:
    """One input line -> one output object; None for an empty line (it yields no output line)."""
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": None, "error": f"line {number}: not JSON ({exc.msg} at column {exc.colno})"}
    record_id = record.get("id") if isinstance(record, dict) else None
    try:
        return classify_record(record, policy)
    except InputError as exc:
        return {"id": record_id, "error": f"line {number}: {exc}"}
    except Exception as exc:  # never stop the run: this line goes to a person, the rest is still classified
        return {"id": record_id, "error": f"line {number}: could not classify ({type(exc).__name__})"}


def run_classify(stdin: TextIO, stdout: TextIO, policy: CountyPolicy | None = None) -> int:
    """Classify every line of `stdin` in order; an empty line yields no output. Returns the number of errors."""
    errors = 0
    for number, line in enumerate(stdin, start=1):
        result = classify_line(line, number, policy)
        if result is None:
            continue
        errors += "error" in result
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        stdout.flush()
    return errors
