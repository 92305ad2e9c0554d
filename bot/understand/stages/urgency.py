"""Stage 3, urgency: cries for help, found by concepts and the combinations of concepts (precedence.yaml).

Candidates come from four sources, and the precedence table's cancellation rows drop those that a clear cue
(a fixed figure of speech, a joke marker, a trivial subject, an alibi) shows to be something else:
- urgent phrases (lexicon `urgent`: a cry for help in any words), soft phrases (`urgent_weak`);
- risk concepts: a danger to life in the writer's own voice (`urgent_risk_life`), harm from others
  (`urgent_risk_harm`), farewells (`urgent_farewell`), being gone soon (`urgent_gone`, settled after the
  activities: a trip or a new job explains it);
- combinations: a means and an intent, a place and being there, a person close and an act of violence, a plan
  and a time, control and confinement, a call for help and a danger.
Every risk concept the reply touches is kept in `risk`, cancelled or not: the safety net reads it.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.understand import second_opinion
from bot.understand.findings import Cancelled, Context, Evidence, Finding, Findings, evolve, overlaps
from bot.understand.lexicon import Hit
from bot.understand.precedence import cancelled_by, combinations
from bot.understand.stages.persons import FIRST_PERSON, THIRD_PERSON

# Risk concepts that are no cry for help on their own but touch one: a means or a method at hand, violence or
# control named, someone else's death, being gone soon. When one stands uncancelled (no joke, figure of speech or
# alibi explains it) in a reply that is not urgent, the safety net raises an immediate alert (Reading.risk_unresolved).
TOUCH_CONCEPTS: tuple[str, ...] = (
    "urgent_means", "urgent_method", "danger_act", "urgent_control", "urgent_confined", "urgent_other_life",
    "urgent_gone", "urgent_homeless", "urgent_weak",
)
PENDING = frozenset({"urgent.gone", "urgent.subject", "urgent.giveaway"})
_PAST_TAKE = frozenset({"tok", "tatt", "took", "taken"})
_SERVICE_WORDS = frozenset(
    "opplegg opplegget tilbud tilbudet tilbod oppfølging hjelp hjelpa møte møter program programmet veiledning "
    "rettleiing dere deres dokker dykk".split()
)


def _third_person_only(ctx: Context, hits: list[Hit]) -> list[Hit]:
    """Clauses (as hits) that name someone else and not the writer: "broren min ville ikke leve" is not the writer.

    A guardian's report about their child is the child's danger, so from a guardian no clause counts here.
    """
    if ctx.sender == "guardian":
        return []
    out: list[Hit] = []
    for h in hits:
        span = ctx.clause_range(ctx.clause(h))
        words = set(ctx.words(span.start, span.stop - 1))
        mine = words & FIRST_PERSON or (ctx.language == "en" and "i" in words)
        if not mine and words & THIRD_PERSON:
            out.append(Hit("third_person_only", span.start, span.stop - 1))
    return out


_RISK_NAMES = ("urgent", "urgent_risk_harm", "urgent_risk_life", "urgent_weak")
# Words that may stand between a negation and the risk it negates: "har ikke tenkt å ta livet av meg".
_BETWEEN = frozenset("tenkt tenker tenkte planer planlegger å om på noe noen going planning to thinking about of "
                     "har have am er e".split())


def _negated_terms(ctx: Context) -> list[Hit]:
    """Risk words negated just before, in their clause: "ikke voldelig", "har ikke tenkt å ta livet av meg"."""
    negations = ctx.markers["negation"]
    if not negations:
        return []
    out: list[Hit] = []
    for name in _RISK_NAMES:
        for h in ctx.hits[name]:
            for n in negations:
                if ctx.clause(n) != ctx.clause(h) or not 0 < h.first - n.last <= 3:
                    continue
                if h.first == h.last or all(w in _BETWEEN for w in ctx.words(n.last + 1, h.first - 1)):
                    out.append(h)
                    break
    return out


def _recovered_past(ctx: Context) -> list[Hit]:
    """Risk words in a clause told in the past, when the reply says the writer is better, safe or helped now."""
    if not ctx.hits["recovered"]:
        return []
    past = {ctx.clause(m) for name in ("past", "ended") for m in ctx.markers[name]}
    return [h for name in _RISK_NAMES for h in ctx.hits[name] if ctx.clause(h) in past]


def cues(ctx: Context) -> dict[str, list[Hit]]:
    """The cues the table's urgency rows test: concepts, markers, and the ones this stage derives."""
    hits, norm = ctx.hits, ctx.norm
    sad = "emo_sad" in norm.std_set
    refusals = [h for h in hits["decline_service"] if any(w in _SERVICE_WORDS for w in ctx.words(h.first, h.last))]
    return {
        **hits,
        **ctx.markers,
        "crying_figure": list(hits["urgent_figure_subject"]) if sad else [],
        "service_refusal": refusals,
        "third_person_only": _third_person_only(ctx, hits["urgent_risk_life"]),
        "negated_risk": _negated_terms(ctx),
        "recovered_past": _recovered_past(ctx),
        "ack_only": [Hit("ack_only", 0, 0)] if ctx.norm.tokens and ctx.only_ack() else [],
        # "planlegger begravelsen min lol. nei seriøst": a serious marker takes back the joke.
        "joke": [] if hits["serious_marker"] else ctx.markers["joke"],
        "not_urgent": [] if hits["serious_marker"] else hits["not_urgent"],
        "past_death": [h for h in hits["urgent_other_life"] if ctx.norm.tokens[h.first].std in _PAST_TAKE],
    }


# A concept whose words alone stand as a cry for help, and the kind of finding it gives (precedence.yaml names the
# kinds: each has its own cancellation rows).
SINGLE_KINDS: dict[str, str] = {
    "urgent_risk_life": "urgent.risk_life",
    "urgent_risk_harm": "urgent.risk_harm",
    "urgent_farewell": "urgent.farewell",
    "urgent_gone": "urgent.gone",
    "urgent_other_life": "urgent.other_life",
    "urgent_homeless": "urgent.homeless",
}


def candidates(ctx: Context) -> list[Finding]:
    hits = ctx.hits
    # A trivial subject: a fixed figure phrase ("skolen dreper meg"), or its word up to three words before a phrase
    # in the same clause ("sjefen har tatt livet av meg") or two after it ("dreper meg den bussen").
    subjects = hits["urgent_figure_subject"] + [
        Hit("subject", min(w.first, h.first), max(w.last, h.last))
        for w in hits["trivial_subject_word"] for h in hits["urgent"] + hits["urgent_weak"]
        if ctx.clause(w) == ctx.clause(h) and (0 < h.first - w.last <= 3 or 0 < w.first - h.last <= 2)
    ]
    # Phrases: plain ("urgent") or soft ("urgent_weak"); either with a trivial subject waits for the activities.
    found = [Finding("urgent.subject" if overlaps(h, subjects) else "urgent.phrase", "urgency", (h,))
             for h in hits["urgent"]]
    found += [Finding("urgent.subject" if overlaps(h, subjects) else "urgent.weak", "urgency", (h,))
              for h in hits["urgent_weak"]]
    for name, kind in SINGLE_KINDS.items():
        if name in ctx.found:
            found += [Finding(kind, "urgency", (h,)) for h in hits[name]]
    for row, parts in combinations(hits, ctx.norm.clause_of, present=ctx.found):
        if row.gives.startswith("urgent."):
            found.append(Finding(row.gives, "urgency", parts))
    return found


def settle(found: list[Finding], cue_hits: dict[str, list[Hit]], clause_of: Sequence[int]) -> tuple[
        list[Finding], list[Cancelled]]:
    """Split candidates into those that stand and those a row of the table cancels (any of its words)."""
    kept: list[Finding] = []
    dropped: list[Cancelled] = []
    for f in found:
        row = next((r for h in f.hits if (r := cancelled_by(f.kind, h, cue_hits, clause_of)) is not None), None)
        if row is None:
            kept.append(f)
        else:
            dropped.append(Cancelled(f, row.why))
    return kept, dropped


def finding_evidence(ctx: Context, f: Finding) -> list[Evidence]:
    """The words of a finding: one span when its parts share a clause ("stefaren min slår meg"), else each part."""
    if len({ctx.clause(h) for h in f.hits}) == 1:
        return [ctx.evidence(f.kind, min(h.first for h in f.hits), max(h.last for h in f.hits))]
    return [ctx.evidence(f.kind, h.first, h.last) for h in f.hits]


def urgency(ctx: Context, found: Findings) -> Findings:
    all_found = candidates(ctx)
    touched = not ctx.found.isdisjoint(TOUCH_CONCEPTS)
    if not all_found and not touched and not (ctx.norm.tokens and second_opinion.raises_urgent(ctx.text)):
        return found  # nothing of risk in the reply, and the second opinion agrees
    cue_hits = cues(ctx)
    # "Being gone soon" and "school is killing me" wait for the activities (a trip, a job, still going to school
    # explain them): settled in the reader's last step, with the cues of this stage.
    kept, dropped = settle([f for f in all_found if f.kind not in PENDING], cue_hits, ctx.norm.clause_of)
    pending = [f for f in all_found if f.kind in PENDING]
    if not kept and ctx.norm.tokens and second_opinion.raises_urgent(ctx.text):
        # The learned second opinion (data/urgent_model.json) may raise the flag, never lower it; a clear figure cue
        # of the table (a joke marker, a fixed figure of speech) still cancels it.
        whole = Finding("urgent.learned", "urgency", (Hit("learned", 0, len(ctx.norm.tokens) - 1),))
        learned, not_learned = settle([whole], cue_hits, ctx.norm.clause_of)
        kept += learned
        dropped += not_learned
    touches = [Finding(f"touch.{name}", "urgency", (h,)) for name in TOUCH_CONCEPTS for h in ctx.hits[name]]
    risk, _explained = settle(touches, cue_hits, ctx.norm.clause_of)
    evidence = list(found.evidence)
    intents = list(found.intents)
    decided = dict(found.decided_by)
    if kept:
        intents.insert(0, "urgent")
        decided["urgent"] = f"urgency/{kept[0].kind}"
        for f in kept[:4]:
            evidence += finding_evidence(ctx, f)
    return evolve(found, urgent=tuple(kept) + tuple(pending), risk=tuple(risk), intents=tuple(intents),
                   evidence=tuple(evidence), cancelled=found.cancelled + tuple(dropped), decided_by=decided)
