"""A status change's evidence in words, as an adviser reads it (the export for Vigo OT, the inbox)."""

from __future__ import annotations

from typing import Any


def evidence_in_words(evidence: dict[str, Any], message_text: str | None = None, limit: int = 60) -> str:
    """Evidence as an adviser reads it: `roster import, file roster.csv line 12` or `reply "…" (rule: work) …`."""
    evidence = dict(evidence or {})
    parts: list[str] = []
    rule = evidence.pop("rule", None)
    file_name, line = evidence.pop("file", None), evidence.pop("line", None)
    if rule == "roster import" or file_name:
        where = " ".join(x for x in (f"file {file_name}" if file_name else "", f"line {line}" if line else "") if x)
        return ", ".join(x for x in ("roster import", where) if x)
    text = message_text or evidence.pop("text", None) or evidence.pop("reply", None)
    if text:
        flat = " ".join(str(text).split())
        parts.append(f'reply "{flat[:limit].rstrip() + "…" if len(flat) > limit else flat}"')
    details: list[str] = []
    if rule:
        details.append(f"rule: {rule}")
    words = evidence.pop("words", None) or evidence.pop("matched", None)
    if words:
        details.append("words: " + (", ".join(map(str, words)) if isinstance(words, list | tuple) else str(words)))
    if details:
        parts.append("(" + ", ".join(details) + ")")
    confidence = evidence.pop("confidence", None)
    if confidence is not None:
        parts.append(f"confidence {confidence:.2f}".rstrip("0").rstrip(".") if isinstance(confidence, float)
                     else f"confidence {confidence}")
    for key, value in evidence.items():
        if value not in (None, "", [], {}):
            parts.append(f"{key}: {value}")
    return " ".join(parts)
