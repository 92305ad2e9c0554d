"""Shared helpers for the reply reader's concept tests (tests/understand/concepts/).

A case is a reply, what it must give, and the context it is read in: the reader and the policy both use
the sender, the youth's age and the county, so the context is part of the case. There are two ways to
run a reply, with different defaults for what the context leaves out:

- `reading_of(text, **ctx)` and `code_of(text, **ctx)` run `bot.understand.read` alone, with read()'s
  own defaults: a youth of unknown age in no county;
- `decide_for(text, **ctx)` runs read() and then `bot.policy.decide` with the matching ReplyContext, by
  default for a youth of 19 in Vestland.

Tables are built with `case(text, *expected, **ctx)`, which gives each row a readable id.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _pytest.mark.structures import ParameterSet

    from bot.policy import Decision
    from bot.understand import Reading

# bot.understand and bot.policy are imported where they are used, not here: collecting the tests must not
# depend on the reader loading (a lexicon being edited then fails the tests that use it, and every case is
# still collected and counted).

# Letters NFKD does not take apart into a base letter and a mark.
_LATIN = str.maketrans({"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "å": "aa", "Å": "AA", "ß": "ss"})
_ID_LENGTH = 60


def text_id(value: object) -> str | None:
    """A readable ASCII test id for a reply: Norwegian letters spelt out, accents and emoji dropped.

    None (pytest's own id) for anything that is not a string or keeps no ASCII letter.
    """
    if not isinstance(value, str):
        return None
    plain = unicodedata.normalize("NFKD", value.translate(_LATIN))
    ascii_only = "".join(ch for ch in plain if ch.isascii() and ch.isprintable())
    ascii_only = re.sub(r"\s+", " ", ascii_only).strip()
    if not re.search(r"[A-Za-z]", ascii_only):
        return None
    return ascii_only if len(ascii_only) <= _ID_LENGTH else ascii_only[: _ID_LENGTH - 3].rstrip() + "..."


def case(text: str, *expected: Any, **ctx: Any) -> ParameterSet:
    """One table row: `(text, *expected, ctx)`, with the reply as its id.

    `ctx` holds the keywords for reading_of/code_of or decide_for (sender, age, county): only what differs
    from that helper's defaults.
    """
    return pytest.param(text, *expected, ctx, id=text_id(text))


def reading_of(text: str, **ctx: Any) -> Reading:
    """What the reader understands of the reply, read as bot.understand.read reads it."""
    from bot.understand import read

    return read(text, **ctx)


def code_in(reading: Reading) -> str | None:
    """The code a reading gives: its activity's code; OTOV (contact, activity unknown) when it says something
    about the youth's situation but names no activity; None when it says nothing about the situation."""
    return reading.activity_code or ("OTOV" if reading.situation else None)


def code_of(text: str, **ctx: Any) -> str | None:
    """code_in() of the reply read with `ctx`."""
    return code_in(reading_of(text, **ctx))


def decide_for(
    text: str, sender: str = "youth", age: int | None = 19, county: str = "Vestland", **ctx: Any
) -> tuple[Reading, Decision]:
    """Read the reply, then decide on it; `ctx` sets the other ReplyContext fields (current_code, channel, ...)."""
    from bot.policy import ReplyContext, decide

    reading = reading_of(text, sender=sender, age=age, county=county)
    return reading, decide(reading, ReplyContext(sender=sender, age=age, youth_county=county, **ctx))


# ---------- assertions on a Decision ----------

_ANY = object()


def assert_contact(decision: Decision, code: str | None | object = _ANY) -> None:
    """Contact is established; with `code`, the decision sets that status code."""
    assert decision.contact_established, f"no contact: {decision.explanation}"
    if code is not _ANY:
        assert decision.status_code == code, f"code {decision.status_code}, not {code}: {decision.explanation}"


def assert_no_contact(decision: Decision) -> None:
    assert not decision.contact_established, f"contact: {decision.explanation}"


def assert_escalated(decision: Decision) -> None:
    assert decision.escalate, f"not escalated: {decision.explanation}"


def assert_wrong_number(decision: Decision) -> None:
    """Read as a wrong number, and therefore no contact."""
    assert decision.wrong_number, f"not a wrong number: {decision.explanation}"
    assert_no_contact(decision)


def assert_opt_out(decision: Decision, expected: bool = True) -> None:
    """The decision opts the youth out (or, with expected=False, does not)."""
    assert bool(decision.opt_out) is expected, f"opt_out={decision.opt_out}: {decision.explanation}"
