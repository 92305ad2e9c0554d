"""Stage 2, speaker and auto-reply: who writes (the youth, a guardian, someone else) and whether a machine does."""

from __future__ import annotations

from bot.understand.findings import Context, Findings, evolve
from bot.understand.precedence import TABLE, first_present

# The speaker finding (precedence.yaml, speaker_order) -> (who writes, the intent it stands for).
SPEAKERS: dict[str, tuple[str, str]] = {
    "confirm_identity": ("self", "confirm_identity"),
    "guardian_speaker": ("guardian", "guardian_speaking"),
    "other_person": ("other", "someone_else"),
}


def speaker(ctx: Context, found: Findings) -> Findings:
    if not (ctx.hits["auto_reply"] or any(ctx.hits[name] for name in SPEAKERS)):
        return found
    intents = list(found.intents)
    evidence = list(found.evidence)
    decided = dict(found.decided_by)
    if ctx.hits["auto_reply"]:
        intents.append("auto_reply")
        evidence += [ctx.evidence("auto_reply", h.first, h.last) for h in ctx.hits["auto_reply"][:3]]
        decided["auto_reply"] = "speaker/auto_reply"
    present = {name: ctx.hits[name] for name in SPEAKERS if ctx.hits[name]}
    if ctx.sender == "guardian":
        present.pop("other_person", None)  # a guardian writing from their own number speaks for the youth
    winner = first_present(TABLE.speaker_order, present)
    who = "self"
    if winner is not None:
        who, intent = SPEAKERS[winner]
        intents.append(intent)
        evidence += [ctx.evidence(intent, h.first, h.last) for h in present[winner][:3]]
        decided[intent] = f"speaker/{winner}"
    return evolve(found, speaker=who, intents=tuple(intents), evidence=tuple(evidence), decided_by=decided)
