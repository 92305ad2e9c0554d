"""Stage 4, opt-out and resume: the youth asks us to stop messages (or to start again).

A stop word is about our messages unless the table's rows say otherwise: the clause is about the youth's own
applications, about letters only, a lone "stop" that has an object that is not messages ("I just want it all to
stop"), or a wish that we stop calling and write instead.
"""

from __future__ import annotations

from bot.understand import lexicon as lx
from bot.understand.findings import Cancelled, Context, Finding, Findings, evolve
from bot.understand.lexicon import Hit
from bot.understand.precedence import cancelled_by

_LETTER_WORDS = frozenset("brev brevet brevene brevane post posten letter letters mail email e-post epost".split())
_MESSAGE_KEYS = ("melding", "sms", "text", "messag")
_APPLICATION_WORDS = ("søknad", "cv", "application", "jobbsøknad")
# A stop word that may end a clause as an opt-out ("bare stopp"), but only when nothing else is said with it.
_CLAUSE_END_STOPS = frozenset({"stop", "stopp", "stopper", "stoppe", "avslutt", "slutt", "stans", "quit"})
_CALL_WORDS = frozenset({"ringe", "ring", "ringer", "ringa", "ringje", "call", "calling", "phone", "phoning", "oppringing"})
_INSTEAD = frozenset({"heller", "instead", "rather", "isteden", "istedet", "stedet", "staden", "istaden", "men", "but"})


def _filler(word: str) -> bool:
    return word in lx.STOP_WORDS or word in lx.STOP_FILLERS or word.startswith("emo_")


def bare_stop(ctx: Context) -> bool:
    """One stop word and nothing but filler and emoji around it ("stop pls bruh", "STOPP nå da!!!")."""
    tokens = ctx.norm.tokens
    stops = {t.std for t in tokens if t.std in lx.STOP_WORDS}
    return len(stops) == 1 and len(tokens) <= 8 and all(_filler(t.std) for t in tokens)


def cues(ctx: Context) -> dict[str, list[Hit]]:
    """The derived cues of this stage: a clause (as a hit over it) or the opt-out words they concern."""
    tokens = ctx.norm.tokens
    out: dict[str, list[Hit]] = {"about_applications": [], "about_letters_only": [], "stop_without_object": [],
                                 "stop_calling": []}
    for clause in sorted(set(ctx.norm.clause_of)):
        span = ctx.clause_range(clause)
        if not span:
            continue
        words = [tokens[i] for i in span]
        whole = Hit("clause", span.start, span.stop - 1)
        about_messages = any(t.key.startswith(_MESSAGE_KEYS) for t in words)
        if any(t.std.startswith(_APPLICATION_WORDS) for t in words):
            out["about_applications"].append(whole)
        if any(t.std in _LETTER_WORDS for t in words) and not about_messages:
            out["about_letters_only"].append(whole)
        for h in ctx.hits["opt_out"]:
            if ctx.clause(h) != clause:
                continue
            if h.first == h.last and tokens[h.first].std in _CLAUSE_END_STOPS and not about_messages and not all(
                _filler(t.std) for t in words
            ):
                out["stop_without_object"].append(h)
            after = ctx.words(h.first, h.last + 2)
            if any(w in _CALL_WORDS for w in after) and (
                any(t.std in _INSTEAD for t in words) or not about_messages
            ):
                out["stop_calling"].append(h)
    return out


def opt_out(ctx: Context, found: Findings) -> Findings:
    if not ctx.hits["opt_out"] and not ctx.hits["resume"] and not bare_stop(ctx):
        return found
    cue_hits = {**ctx.hits, **cues(ctx)} if ctx.hits["opt_out"] else ctx.hits
    kept: list[Hit] = []
    dropped: list[Cancelled] = []
    for h in ctx.hits["opt_out"]:
        row = cancelled_by("opt_out", h, cue_hits, ctx.norm.clause_of)
        if row is not None:
            dropped.append(Cancelled(Finding("opt_out", "opt_out", (h,)), row.why))
            continue
        kept.append(h)
    rule = "opt_out/phrase"
    if not kept and bare_stop(ctx):
        kept = [Hit("opt_out", i, i) for i, t in enumerate(ctx.norm.tokens) if t.std in lx.STOP_WORDS][:1]
        rule = "opt_out/bare_stop"
    intents = list(found.intents)
    evidence = list(found.evidence)
    decided = dict(found.decided_by)
    if kept:
        intents.append("opt_out")
        evidence += [ctx.evidence("opt_out", h.first, h.last) for h in kept[:3]]
        decided["opt_out"] = rule
    if ctx.hits["resume"] and len(ctx.norm.tokens) <= 3:
        intents.append("resume")
        evidence += [ctx.evidence("resume", h.first, h.last) for h in ctx.hits["resume"][:3]]
        decided["resume"] = "opt_out/resume"
    return evolve(found, intents=tuple(intents), evidence=tuple(evidence),
                   cancelled=found.cancelled + tuple(dropped), decided_by=decided)
