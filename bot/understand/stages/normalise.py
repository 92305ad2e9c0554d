"""Stage 1, normalise: language, spelling (dialect, slang, typos, emoji), clauses, and every concept's hits."""

from __future__ import annotations

from bot.understand import lexicon as lx
from bot.understand.findings import Context, clause_ranges
from bot.understand.language import detect_language
from bot.understand.text import normalise


def normalise_reply(text: str, *, sender: str = "youth", age: int | None = None, county: str | None = None) -> Context:
    language = detect_language(text)
    norwegian = language in ("nb", "nn")
    dialect = lx.DIALECT_NORWEGIAN if norwegian else lx.DIALECT_ENGLISH if language == "en" else lx.DIALECT
    norm = normalise(text, dialect, lx.EMOJI, use_fuzzy=language != "other", norwegian=norwegian)
    markers = {
        "negation": lx.find(lx.NEGATION_RE, norm, "negation"),
        "plan": lx.find(lx.PLAN, norm, "plan"),
        "started": lx.find(lx.STARTED, norm, "started"),
        "ended": lx.find(lx.ENDED, norm, "ended"),
        "past": lx.find(lx.PAST, norm, "past"),
        "joke": lx.find(lx.JOKE, norm, "joke"),
    }
    hits = lx.find_all(norm)
    return Context(text=text, sender=sender, age=age, county=county, language=language, norm=norm,
                   hits=hits, markers=markers, clauses=clause_ranges(norm.clause_of),
                   found=frozenset(name for name, found in hits.items() if found))
