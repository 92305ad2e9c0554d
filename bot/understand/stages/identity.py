"""Stage 5, identity: the number is wrong, or the writer is someone else than the youth.

The speaker stage already said who writes; this stage adds the wrong number: words that say so ("feil nummer",
"kjenner ingen som heter det") unless the writer confirms who they are (precedence.yaml), and anyone other than
the youth or a guardian writing from the youth's number.
"""

from __future__ import annotations

from bot.understand.findings import Cancelled, Context, Finding, Findings, evolve
from bot.understand.lexicon import Hit
from bot.understand.precedence import cancelled_by

# The writer states an age no youth in the target group has (16 to the year they turn 24, with a margin):
# "Jeg er 52 år", "I'm 45 years old" is a grown-up with the youth's old number.
ADULT_WRITER_AGE = 30
_I_AM = ({"jeg", "i"}, {"er", "am", "e", "'m"})
_YEARS = frozenset({"år", "years", "year", "yrs", "y/o", "yo", "åring"})


def stated_adult_age(ctx: Context) -> Hit | None:
    """ "jeg er 52 år", "i am 45 years old": the words, when the age is ADULT_WRITER_AGE or more."""
    tokens = ctx.norm.tokens
    for i in range(len(tokens) - 2):
        if tokens[i].std in _I_AM[0] and tokens[i + 1].std in _I_AM[1] and tokens[i + 2].std.isdigit():
            age = int(tokens[i + 2].std)
            after = tokens[i + 3].std if i + 3 < len(tokens) else ""
            if ADULT_WRITER_AGE <= age <= 120 and (after in _YEARS or after == ""):
                return Hit("adult_age", i, min(i + 3, len(tokens) - 1))
    return None


def identity(ctx: Context, found: Findings) -> Findings:
    if not ctx.hits["wrong_number"] and found.speaker != "other" and not any(t.std.isdigit() for t in ctx.norm.tokens):
        return found
    intents = list(found.intents)
    evidence = list(found.evidence)
    decided = dict(found.decided_by)
    dropped: list[Cancelled] = []
    cue_hits = dict(ctx.hits)
    if found.speaker != "self" or not ctx.hits["confirm_identity"]:
        cue_hits["confirm_identity"] = []  # a confirmation only counts when the speaker stage took it
    kept = []
    for h in ctx.hits["wrong_number"]:
        row = cancelled_by("wrong_number", h, cue_hits, ctx.norm.clause_of)
        if row is None:
            kept.append(h)
        else:
            dropped.append(Cancelled(Finding("wrong_number", "identity", (h,)), row.why))
    adult = stated_adult_age(ctx)
    if kept:
        intents.append("wrong_number")
        evidence += [ctx.evidence("wrong_number", h.first, h.last) for h in kept[:3]]
        decided["wrong_number"] = "identity/wrong_number"
    elif adult is not None and found.speaker == "self" and not ctx.hits["confirm_identity"]:
        intents.append("wrong_number")
        evidence.append(ctx.evidence("wrong_number.adult_age", adult.first, adult.last))
        decided["wrong_number"] = "identity/adult_age"
    elif found.speaker == "other":
        intents.append("wrong_number")
        decided["wrong_number"] = "identity/someone_else"
    return evolve(found, intents=tuple(intents), evidence=tuple(evidence),
                   cancelled=found.cancelled + tuple(dropped), decided_by=decided)
