"""Stage 6, questions and requests: a question to OT, a request for help, declining, privacy, hostility."""

from __future__ import annotations

from bot.understand.findings import Cancelled, Context, Finding, Findings, evolve
from bot.understand.lexicon import Hit
from bot.understand.precedence import cancelled_by
from bot.understand.stages.tense import negated_or_asked

PLAIN_INTENTS = ("decline_service", "question", "privacy_objection", "hostility")


def requests(ctx: Context, found: Findings) -> Findings:
    if not ctx.hits["help_request"] and not any(ctx.hits[name] for name in PLAIN_INTENTS):
        return found
    intents = list(found.intents)
    evidence = list(found.evidence)
    decided = dict(found.decided_by)
    for name in PLAIN_INTENTS:
        if ctx.hits[name]:
            intents.append(name)
            evidence += [ctx.evidence(name, h.first, h.last) for h in ctx.hits[name][:3]]
            decided[name] = f"requests/{name}"
    negated = [h for h in ctx.hits["help_request"] if negated_or_asked(h, ctx) == "negated"]
    cue_hits: dict[str, list[Hit]] = {**ctx.hits, "negated": negated}
    kept: list[Hit] = []
    dropped: list[Cancelled] = []
    for h in ctx.hits["help_request"]:
        row = cancelled_by("help_request", h, cue_hits, ctx.norm.clause_of)
        if row is None:
            kept.append(h)
        else:
            dropped.append(Cancelled(Finding("help_request", "requests", (h,)), row.why))
    if kept:
        intents.append("help_request")
        evidence += [ctx.evidence("help_request", h.first, h.last) for h in kept[:3]]
        decided["help_request"] = "requests/help_request"
    return evolve(found, intents=tuple(intents), evidence=tuple(evidence),
                   cancelled=found.cancelled + tuple(dropped), decided_by=decided)
