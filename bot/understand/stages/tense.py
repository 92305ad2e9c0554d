"""Time and negation of a finding: present, plan, negated, ended or asked about (used by several stages)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.understand.findings import Context, overlaps
from bot.understand.lexicon import Hit

_QUESTION_OPENERS = frozenset(
    "har kan er hva hvor hvordan hvem hvorfor skal må blir får vil gjelder trenger finnes do does can is are "
    "have what where how who why will could would".split()
)
# Concepts that describe a state in their own words ("gjør ingenting"): a negation inside does not undo them.
_NOT_NEGATABLE = frozenset({"idle", "pregnant", "completed"})
# A negation inside the matched words undoes these ("går ikke på skolen"); other concepts spell theirs on purpose.
_NEGATABLE_INSIDE = frozenset({"school", "work", "apprentice", "private_school", "military", "folk_high_school"})
_UNTIL = frozenset({"til", "until", "till", "utover"})
CLAUSE_GUARD = 6  # how many words before an activity a negation may stand and still belong to it
NO_TIME: dict[str, list[Hit]] = {"plan": [], "started": [], "ended": [], "past": []}


def status(hit: Hit, ctx: Context, markers: Mapping[str, list[Hit]] | None = None) -> str:
    """present | plan | negated | ended | question, from the markers in the hit's clause."""
    markers = ctx.markers if markers is None else markers
    norm = ctx.norm
    clause = norm.clause_of[hit.first]

    def in_clause(name: str) -> list[Hit]:
        return [m for m in markers[name] if norm.clause_of[m.first] == clause]

    tokens = ctx.clause_range(clause)
    if clause in norm.question_clauses and tokens and norm.tokens[tokens[0]].std in _QUESTION_OPENERS:
        return "question"
    if hit.concept not in _NOT_NEGATABLE:
        for neg in in_clause("negation"):
            within = hit.first < neg.first <= hit.last
            if hit.first - CLAUSE_GUARD <= neg.first <= hit.last + 2 and (
                not within and neg.first != hit.first or within and hit.concept in _NEGATABLE_INSIDE
            ):
                return "negated"
        if in_clause("ended") and hit.concept != "completed":
            return "ended"
        if in_clause("past") and not in_clause("started") and hit.concept != "completed":
            return "ended"
    if hit.concept == "pregnant":
        return "plan"
    plans = [m for m in in_clause("plan") if not overlaps(m, [hit])]
    if hit.concept in ("illness_blocking", "exchange"):
        # "soner på Ila til våren", "working holiday till next year": "til" after a stay is when it ends.
        plans = [m for m in plans if not (m.first > hit.last and (
            norm.tokens[m.first].std in _UNTIL or m.first > 0 and norm.tokens[m.first - 1].std in _UNTIL))]
    if plans and not in_clause("started"):
        return "plan"
    if hit.concept == "apprentice_place" and not markers["started"]:
        return "plan"
    return "present"


def negated_or_asked(hit: Hit, ctx: Context) -> str:
    """Only negation and questions, not time: "trenger ikke hjelp" (negated), "trenger hjelp" (present)."""
    return status(hit, ctx, {**ctx.markers, **NO_TIME})
