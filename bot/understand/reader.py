"""The reply reader: one reply's text (+ sender, age, county) -> a Reading. Pure: no I/O, no clock.

`read()` runs the stages in order (bot/understand/stages: normalise, speaker and auto-reply, urgency, opt-out and
resume, identity, questions and requests, activities with time and negation, places and moves), then settles
what they found with the precedence table (data/precedence.yaml) and says how sure it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.understand.findings import Cancelled, Claim, Context, Evidence, Finding, Findings, evolve, overlaps
from bot.understand.precedence import TABLE, cancelled_by, first_present
from bot.understand.stages import PIPELINE, normalise_reply
from bot.understand.stages.activities import ACTIVITY_CODES, MEASURE_CODES
from bot.understand.stages.places import MOVE_CODES
from bot.understand.stages.urgency import PENDING, finding_evidence
from bot.understand.stages.urgency import cues as urgency_cues

__all__ = ["ACTIVITY_CODES", "Claim", "Evidence", "Reading", "read"]

_NO_EXPLANATION = frozenset({"idle", "pregnant", "completed"})
# Confidence: what the figures mean (policy applies a change only at >= 0.7 and escalates below it).
SURE = 0.9  # urgent, or a present activity with its own code
READ = 0.75  # understood, nothing to contradict it (an acknowledgement, a question, OTOV)
TORN = 0.55  # the parts disagree: several activities with different codes, or the same one both ways
FOREIGN = 0.3  # a language the reader cannot read
NOTHING = 0.2  # nothing the reader recognises
# Intents that mean the reader recognised something (anything else is "unclear").
_RECOGNISED = ("urgent", "opt_out", "resume", "auto_reply", "decline_service", "question", "privacy_objection",
               "hostility", "help_request", "confirm_identity", "guardian_speaking", "someone_else", "wrong_number")


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything the reader understood from one reply. Policy turns it into a Decision."""

    language: str
    intents: tuple[str, ...]
    claims: tuple[Claim, ...]
    activity: str | None  # the concept that decides the code (precedence.yaml), None when nothing present
    activity_code: str | None
    urgent: bool
    blocking: bool  # a situation that stops the youth answering (hospital, institution, prison, serious illness)
    speaker: str  # self | guardian | other: who the writer says they are
    situation: bool  # the reply says something about the youth's situation (any claim, even negated)
    confidence: float
    evidence: tuple[Evidence, ...] = field(default=())
    # The safety net: the reply touches a risk concept (a means, a place, a threat, a farewell, ...) that neither
    # stood as urgent nor was explained by a clear cue (a joke, a figure of speech, an alibi).
    risk_unresolved: bool = False
    # Which stage and rule decided each intent and the activity ("urgency/urgent.means", "settle/activity_order").
    decided_by: tuple[tuple[str, str], ...] = ()
    # What the precedence table cancelled, and why (for the explanation).
    cancelled: tuple[tuple[str, str], ...] = ()
    disagreement: str | None = None  # why the confidence dropped, when the parts disagree

    def has(self, intent: str) -> bool:
        return intent in self.intents

    @property
    def urgent_by_model_only(self) -> bool:
        """Urgent by the learned second opinion and no rule: an alert, never contact on its own."""
        return self.urgent and dict(self.decided_by).get("urgent") == "urgency/urgent.learned"


def _settle_pending(ctx: Context, found: Findings) -> Findings:
    """Urgency that waits for the activities: being gone soon, a trivial subject "killing" the writer. They stand
    unless a trip, a move, an activity or a joke explains them (precedence.yaml)."""
    gone = [f for f in found.urgent if f.kind in PENDING]
    if not gone and not found.risk:
        return found
    others = tuple(f for f in found.urgent if f.kind not in PENDING)
    # The activity must be more than the subject's own word ("jobben tar livet av meg" states no job).
    subjects = ctx.hits["urgent_figure_subject"]
    # ... and doing nothing explains nothing ("har ikke lyst på noe nå" is no reason to be gone).
    activities = [h for name, h in found.present.items() if name not in _NO_EXPLANATION and not overlaps(h, subjects)]
    cue_hits = {**urgency_cues(ctx), "present_activity": activities}
    risk = tuple(f for f in found.risk if cancelled_by(f.kind, f.hits[0], cue_hits, ctx.norm.clause_of) is None)
    found = evolve(found, risk=risk)
    if not gone:
        return found
    kept: list[Finding] = []
    dropped: list[Cancelled] = []
    for f in gone:
        row = cancelled_by(f.kind, f.hits[0], cue_hits, ctx.norm.clause_of)
        if row is None:
            kept.append(f)
        else:
            dropped.append(Cancelled(f, row.why))
    intents = list(found.intents)
    evidence = list(found.evidence)
    decided = dict(found.decided_by)
    if kept and not others:
        intents.insert(0, "urgent")
        decided["urgent"] = f"urgency/{kept[0].kind}"
        evidence += [e for f in kept[:3] for e in finding_evidence(ctx, f)]
    return evolve(found, urgent=others + tuple(kept), intents=tuple(intents), evidence=tuple(evidence),
                   cancelled=found.cancelled + tuple(dropped), decided_by=decided)


_NOT_ACK = frozenset({"opt_out", "resume", "wrong_number", "question"})


def _code_of(activity: str) -> str:
    return ACTIVITY_CODES.get(activity) or MEASURE_CODES.get(activity) or MOVE_CODES.get(activity) or "OTOV"


def _disagreement(claims: tuple[Claim, ...], present: Mapping[str, object]) -> str | None:
    codes = {_code_of(c) for c in present} - {"OTOV"}
    if len(codes) > 1:
        return "several present activities with different codes: " + ", ".join(sorted(present))
    for concept in present:
        if any(c.concept == concept and c.status == "negated" for c in claims):
            return f"{concept} is said both to be and not to be"
    return None


def read(text: str, *, sender: str = "youth", age: int | None = None, county: str | None = None) -> Reading:
    """Read one reply. Pure and deterministic; never raises on any string."""
    if not isinstance(text, str):
        raise TypeError(f"read() takes the reply text as str, not {type(text).__name__}")
    ctx = normalise_reply(text, sender=sender, age=age, county=county)
    found = Findings()
    for _name, stage in PIPELINE:
        found = stage(ctx, found)
    found = _settle_pending(ctx, found)
    return _settle(ctx, found)


def _settle(ctx: Context, found: Findings) -> Reading:
    """The last step: the deciding activity (activity_order), the intents that follow, and the confidence."""
    hits = ctx.hits
    present = dict(found.present)
    intents = list(found.intents)
    decided = dict(found.decided_by)
    urgent = "urgent" in intents
    activity = first_present(TABLE.activity_order, present)
    activity_code = _code_of(activity) if activity is not None else None
    if activity is not None:
        decided["activity"] = f"settle/activity_order: {activity}"
    if activity in ("higher_education", "adult_education", "lower_secondary"):
        intents.append("no_code_fits")  # domain.md, "No code fits": OTOV (or ELGS_IM) and an adviser looks
    if "completed" in present:
        intents.append("completed_school")
    blocking = "illness_blocking" in present and not hits["illness_minor"]
    if hits["illness_minor"] and not blocking:
        intents.append("minor_illness")
    # "har vært forkjøla hele uka": the youth's own passing illness tells their week (OTOV, not OTSY).
    passing_illness = "minor_illness" in intents and found.speaker == "self" and not blocking
    situation = bool(found.claims) or bool([h for h in hits["idle"] if not any(
        o.first <= h.first and h.last <= o.last for o in hits["ack_phrase"])]) or passing_illness
    engaged = situation or bool(set(intents) & {"help_request", "decline_service", "confirm_identity", "urgent"})
    # A bare acknowledgement: nothing but ack words and ack phrases ("ok", "takk for info", "skal tenke på det").
    if not engaged and _NOT_ACK.isdisjoint(intents) and ctx.only_ack():
        intents.append("ack")
        decided["ack"] = "settle/ack_only"
    if situation:
        intents.append("situation")
    recognised = bool(set(intents) & set(_RECOGNISED)) or situation or "ack" in intents
    if not recognised:
        intents.append("unclear")
        decided["unclear"] = "settle/nothing_recognised"
    if ctx.language == "other" and "unclear" not in intents:
        intents.append("other_language")

    evidence = list(found.evidence)
    for claim in found.claims:
        evidence.append(Evidence(f"{claim.evidence.rule}:{claim.status}", claim.evidence.text, claim.evidence.start,
                                 claim.evidence.end))
    if ctx.markers["joke"]:
        evidence += [ctx.evidence("joke_marker", h.first, h.last) for h in ctx.markers["joke"][:3]]
    # The safety net: risk touched, not urgent, and nothing in the table explains it away.
    risk_unresolved = not urgent and bool(found.risk)
    if risk_unresolved:
        evidence += [ctx.evidence(f.kind.replace("touch.", "risk."), h.first, h.last) for f in found.risk[:3]
                     for h in f.hits]
        decided["risk_unresolved"] = f"urgency/{found.risk[0].kind}"

    disagreement = None if urgent else _disagreement(found.claims, present)
    if ctx.language == "other":
        confidence = FOREIGN
    elif urgent:
        confidence = SURE
    elif "unclear" in intents:
        confidence = NOTHING
    elif disagreement:
        confidence = TORN
    elif activity_code not in (None, "OTOV"):
        confidence = SURE
    else:
        confidence = READ
    return Reading(
        language=ctx.language,
        intents=tuple(dict.fromkeys(intents)),
        claims=found.claims,
        activity=activity,
        activity_code=activity_code,
        urgent=urgent,
        blocking=blocking,
        speaker=found.speaker,
        situation=situation,
        confidence=confidence,
        evidence=tuple(evidence),
        risk_unresolved=risk_unresolved,
        decided_by=tuple(decided.items()),
        cancelled=tuple((c.finding.kind, c.why) for c in found.cancelled),
        disagreement=disagreement,
    )


# Replies that take the reader down every path that builds a table on first use (places, the language
# detector, the second opinion, the word caches): what `warm_up` reads.
_WARM_UP = (
    ("har flytta til Bergen og jobber på Rema 1000 der", "youth", 19),
    ("eg går på vidaregåande i Volda no", "youth", 17),
    ("I work in a shop in Tromsø now, thanks", "youth", 20),
    ("orker ikke mer, vil ikke leve", "youth", 16),
    ("sønnen min har begynt på skolen igjen", "guardian", 16),
    ("Ich arbeite jetzt in einer Fabrik in der Stadt", "youth", 21),  # no word known: the language detector
)


def warm_up() -> None:
    """Read a few replies so that every table the reader builds on first use is built (a server at start-up,
    before `gc.freeze`: otherwise a youth's reply pays for it, ~0.1 s for the place names alone)."""
    for text, sender, age in _WARM_UP:
        read(text, sender=sender, age=age, county="Trøndelag")
