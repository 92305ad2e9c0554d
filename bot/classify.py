"""`otbot classify`: JSON lines of replies in, one JSON line of reading + decision out per non-empty input line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from bot.policy import REPLY_LANGUAGES, SENDERS, CountyPolicy, ReplyContext, decide
from bot.understand import read
from storage.enums import Channel

# Input fields; only "text" is required (see README, "otbot classify").
FIELDS = ("id", "text", "sender", "age", "county", "channel", "language", "adviser")


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
    if age is not None and (isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 130):
        raise InputError(f"'age' must be a whole number of years (or null when unknown), not {age!r}")
    county = record.get("county")
    if county is not None and not isinstance(county, str):
        raise InputError(f"'county' must be a string, not {county!r}")
    channel = record.get("channel") or Channel.SMS.value
    if channel not in {c.value for c in Channel}:
        raise InputError(f"'channel' must be one of {', '.join(c.value for c in Channel)}, not {channel!r}")
    if not isinstance(channel, str):
        raise InputError(f"'channel' must be a string, not {channel!r}")
    language = record.get("language")
    if language is None:
        language = "nb"
    elif language not in REPLY_LANGUAGES:
        raise InputError(f"'language' must be one of {', '.join(REPLY_LANGUAGES)} (the youth's målform), "
                         f"not {language!r}")
    adviser = record.get("adviser")
    if adviser is not None and (not isinstance(adviser, str) or not adviser.strip()):
        raise InputError(f"'adviser' must be the adviser's name as a non-empty string, not {adviser!r}")
    return {"text": text, "sender": sender, "age": age, "county": county or "", "channel": channel,
            "language": language, "adviser": adviser.strip() if adviser else None}


def classify_record(record: Any, policy: CountyPolicy | None = None) -> dict[str, Any]:
    """One input object -> the output object (reading + decision). Raises InputError on bad input."""
    fields = _check(record)
    reading = read(fields["text"], sender=fields["sender"], age=fields["age"], county=fields["county"])
    ctx = ReplyContext(sender=fields["sender"], age=fields["age"], youth_county=fields["county"],
                       channel=fields["channel"], language=fields["language"], adviser_name=fields["adviser"])
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
        "alert_now": decision.alert_now,
        "language": reading.language,
        "intents": list(reading.intents),
        "activity": reading.activity,
        "explanation": decision.explanation,
        "confidence": decision.confidence,
        "decided_by": dict(reading.decided_by),
        "reply": decision.reply,
        "evidence": list(decision.evidence),
    }


def classify_line(line: str | bytes, number: int, policy: CountyPolicy | None = None) -> dict[str, Any] | None:
    """One input line -> one output object; None for an empty line (it yields no output line).

    Columns in errors are 1-based and count characters of the line as the user sees it (a UTF-8 byte order
    mark at the start of a line is not part of it). A line given as bytes must be UTF-8.
    """
    if isinstance(line, bytes):
        raw = line
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            column = len(raw[: exc.start].decode("utf-8", errors="replace")) + 1
            return {"id": None, "error": f"line {number}: not UTF-8 text (byte {raw[exc.start]:#04x} at column "
                                         f"{column})"}
    line = line.removeprefix("\ufeff")  # a byte order mark (Windows editors, concatenated files) is not text
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


def run_classify(stdin: TextIO | Iterable[str | bytes], stdout: TextIO,
                 policy: CountyPolicy | None = None) -> int:
    """Classify every line of `stdin` (text, or bytes read as UTF-8) in order; an empty line yields no output.

    Returns the number of lines that failed (each one written as an error line; the run goes on)."""
    errors = 0
    for number, line in enumerate(stdin, start=1):
        result = classify_line(line, number, policy)
        if result is None:
            continue
        errors += "error" in result
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        stdout.flush()
    return errors
