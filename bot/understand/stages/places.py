"""Stage 8, places and moves: a move, a stay abroad or an exchange, and where to (abroad / county / own county).

The place named in the move's clause decides: abroad, another county (that county follows up), the youth's own
county. A season's work or a stay abroad counts as abroad; a holiday abroad does not (precedence.yaml).
"""

from __future__ import annotations

from bot.understand.findings import Cancelled, Claim, Context, Finding, Findings, evolve
from bot.understand.lexicon import Hit
from bot.understand.precedence import cancelled_by
from bot.understand.stages.tense import status
from bot.understand.where import places_in

MOVE_CODES = {"moved_other_county": "OTFA_IM", "moved_own_county": "OTOV", "moved": "OTOV", "abroad": "OTFU_IM"}
_EXCHANGE_SCHOOL = ("utveksl", "exchange")
_THERE = frozenset({"der", "dær", "there", "deroppe", "dernede", "borte", "hit", "here", "hitover", "hitta"})
_RELATION_CONCEPT = {"abroad": "abroad", "other_county": "moved_other_county", "own_county": "moved_own_county"}


def _moves(ctx: Context, claims: list[Claim], present: dict[str, Hit]) -> None:
    text, tokens = ctx.text, ctx.norm.tokens
    stays = {ctx.clause(h) for h in ctx.hits["illness_blocking"] + ctx.hits["institution"]}
    for h in ctx.hits["moved"]:
        if ctx.clause(h) in stays:
            continue  # living at an institution is a stay, not a move (domain.md)
        state = status(h, ctx)
        span = ctx.clause_range(ctx.clause(h))
        found = places_in(text[tokens[span[0]].start:tokens[span[-1]].end], ctx.county)
        if not found and any(tokens[i].std in _THERE for i in span if i >= h.last):
            # "jobber i Sverige. bor der", "er i Spania, vi har flytta hit": the place an earlier clause named.
            found = places_in(text[: tokens[h.first].start], ctx.county)
        if not found:
            continue
        relations = {p.relation for p in found}
        relation = ("abroad" if "abroad" in relations else "other_county" if "other_county" in relations
                    else found[0].relation)
        concept = _RELATION_CONCEPT.get(relation, "moved")
        claims.append(Claim(concept, MOVE_CODES[concept], state,
                            ctx.evidence(f"move.{relation}", h.first, span[-1])))
        if state == "present":
            present.setdefault(concept, h)


_INPUTS = ("moved", "exchange", "stay", "seasonal_work")


def places(ctx: Context, found: Findings) -> Findings:
    if ctx.found.isdisjoint(_INPUTS):
        return found
    claims = list(found.claims)
    present = dict(found.present)
    dropped: list[Cancelled] = []
    if "abroad" not in present:
        # An exchange year keeps its own code (domain.md: "a stay is not a move"): the pupil is a pupil, OTEV.
        # A working holiday or an au pair year abroad is abroad.
        for h in ctx.hits["exchange"]:
            if status(h, ctx) != "present":
                continue
            if any(w.startswith(_EXCHANGE_SCHOOL) for w in ctx.words(h.first, h.last)):
                if "school" not in present:
                    claims.append(Claim("school", "OTEV", "present", ctx.evidence("activity.exchange_year", h.first,
                                                                                  h.last)))
                    present["school"] = h
            else:
                present["abroad"] = h
    _moves(ctx, claims, present)
    cue_hits = dict(ctx.hits)
    cue_hits["holiday"] = [h for h in ctx.hits["holiday"]
                           if cancelled_by("holiday", h, ctx.hits, ctx.norm.clause_of) is None]
    if "abroad" not in present:
        # "er i Spania med familien": staying abroad (not on a holiday) is abroad; so is a season's work there
        # ("sesongjobb i Åre", "on a cruise ship in the Caribbean"). An ordinary job across the border ("jobber i
        # Sverige men bor i Halden") or at a place that is also a Norwegian name (Grønland) stays work.
        for h in ctx.hits["stay"] + ctx.hits["seasonal_work"]:
            if status(h, ctx) != "present":
                continue
            span = ctx.clause_range(ctx.clause(h))
            start, end = ctx.norm.tokens[h.last].start, ctx.norm.tokens[span[-1]].end
            if not any(p.relation == "abroad" for p in places_in(ctx.text[start:end], ctx.county)):
                continue
            row = cancelled_by("stay_abroad", h, cue_hits, ctx.norm.clause_of)
            if row is not None:
                dropped.append(Cancelled(Finding("stay_abroad", "places", (h,)), row.why))
                break
            claims.append(Claim("abroad", "OTFU_IM", "present", ctx.evidence("move.abroad", h.first, span[-1])))
            present["abroad"] = h
            break
    return evolve(found, claims=tuple(claims), present=present, cancelled=found.cancelled + tuple(dropped))
