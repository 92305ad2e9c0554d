"""Stage 7, activities with time and negation: every activity the reply mentions, as a Claim with its status.

Concepts come from the lexicon (work, school, apprentice, military, childcare, illness, measures, ...); the
status (present, plan, negated, ended, question, unpaid) from the markers in the clause (stages/tense.py).
Which present activity decides the code is the precedence table's `activity_order`, applied by the reader.
"""

from __future__ import annotations

from bot.understand import lexicon as lx
from bot.understand.findings import Cancelled, Claim, Context, Finding, Findings, evolve, inside, overlaps
from bot.understand.lexicon import Hit
from bot.understand.precedence import TABLE, cancelled_by
from bot.understand.stages.persons import THIRD_PERSON
from bot.understand.stages.tense import NO_TIME, status

# Activity concepts of the lexicon and the status code each claims when it is the present.
ACTIVITY_CODES: dict[str, str] = {
    "work": "OTAR",
    "work_practice_candidate": "OTAR",
    "school": "OTEV",
    "private_school": "OTVF",
    "apprentice": "OTLL",
    "apprentice_place": "OTLL",
    "military": "OTMI",
    "childcare": "OTBA",
    "illness_blocking": "OTSY",
    "illness": "OTSY",
    "folk_high_school": "OTIF",
    "higher_education": "OTOV",
    "adult_education": "OTOV",
    "lower_secondary": "ELGS_IM",
    "completed": "OTOV",
    "abroad": "OTFU_IM",
    "pregnant": "OTOV",
    "idle": "OTOV",
}
MEASURE_CODES = {"combined_measure": "OTKO", "nav_measure": "OTAP", "county_measure": "OTOA"}
_WENT = frozenset({"gikk", "gjekk", "went", "attended"})
# Money from NAV, not a measure: "på AAP, ikke i noe tiltak" is no measure at all.
_BENEFIT_WORDS = frozenset({"aap", "arbeidsavklaringspenger", "arbeidsavklaringspengar"})
_STAY_VERBS = frozenset(
    "ligger ligg låg lå innlagt innlagd soner sonar sitter sit satt inne overført overflytta plassert sendt "
    "admitted inpatient serving lying".split()
)
_SUBJECT_SELF = frozenset({"jeg", "i", "vi", "we", "og", "and"})  # possessives ("mannen min") do not stop


# The concepts this stage reads: its own, and the cues of every table row about an activity (a short dict is
# cheaper to copy and merge than all of the lexicon's hits).
_READS: tuple[str, ...] = tuple(dict.fromkeys([
    *ACTIVITY_CODES, "institution", "institution_if_staying", "school_by_name", "ack_phrase", "work_extent",
    "illness_minor", "job_seeking", "unpaid", "no_income", "joke_job", "job_over", "help_request", "starts_soon",
    "released", "child_mentioned", "home_with_them", "measure", "nav_specific", "nav_ref", "county_ref",
    "municipality_ref",
    *(cue for row in TABLE.cancel if any(k.startswith("activity.") for k in row.cancels)
      for cue in row.cues if cue in lx.CONCEPTS),
]))


# A simple past of an activity verb is over ("jobbet litt på Rema"), unless a perfect ("har jobbet der siden mars")
# or a word of the present in the clause ("jobba der i fjor og er der fortsatt") says it goes on.
_PAST_VERBS = frozenset("jobbet jobba jobbede arbeidet arbeida arbeidde worked gikk gjekk went attended".split())
_PERFECT = frozenset("har have has hev".split())
_STILL = frozenset("nå no now fortsatt framleis still enda ennå fremdeles currently".split())


def _past_tense(hit: Hit, ctx: Context) -> bool:
    tokens = ctx.norm.tokens
    span = ctx.clause_range(ctx.clause(hit))
    verb = next((i for i in range(hit.first, max(span.start, hit.first - 4) - 1, -1) if tokens[i].std in _PAST_VERBS),
                None)  # the hit's own word, or the verb just before a workplace ("jobbet litt på Rema")
    if verb is None:
        return False
    if verb > 0 and tokens[verb - 1].std in _PERFECT or verb > 1 and tokens[verb - 2].std in _PERFECT:
        return False
    return not any(tokens[i].std in _STILL for i in ctx.clause_range(ctx.clause(hit)))


def _workplace(hit: Hit, work: list[Hit], ctx: Context, reach: int = 3) -> bool:
    """The place just after a work phrase in the same clause is where the youth works."""
    return any(ctx.clause(w) == ctx.clause(hit) and 0 <= hit.first - w.last <= reach for w in work)


def _someone_elses(hit: Hit, ctx: Context) -> bool:
    """The work verb belongs to another subject just before it: "mens samboer jobber", "mamma jobber natt"."""
    clause = ctx.clause(hit)
    for i in range(hit.first - 1, max(hit.first - 4, -1), -1):
        if ctx.norm.clause_of[i] != clause:
            return False
        word = ctx.norm.tokens[i].std
        if word in _SUBJECT_SELF:
            return False  # "pappa og jeg jobber", "I work": the youth works too
        if word in THIRD_PERSON:
            return True
    return False


def _staying_there(hit: Hit, ctx: Context) -> bool:
    """A verb of staying (lying in, serving, admitted) a few words before the name, in its clause."""
    clause = ctx.clause(hit)
    for i in range(hit.first - 1, max(hit.first - 5, -1), -1):
        if ctx.norm.clause_of[i] != clause:
            return False
        if ctx.norm.tokens[i].std in _STAY_VERBS:
            return True
    return False


def concept_hits(ctx: Context) -> dict[str, list[Hit]]:
    """The activity hits, with institutions by name and schools by name folded into their concepts."""
    hits = {name: ctx.hits[name] for name in _READS}
    # Hospitals, prisons and treatment places by name (data/institutions.csv); a name that is also a place or a
    # word ("Ila", "Ullevål") counts only beside a verb of staying there ("ligger på Ullevål", "soner på Ila").
    staying = [h for h in hits["institution_if_staying"] if _staying_there(h, ctx)]
    hits["illness_blocking"] = hits["illness_blocking"] + [
        Hit("illness_blocking", h.first, h.last) for h in hits["institution"] + staying
        if not overlaps(h, hits["illness_blocking"])
    ]
    if hits["school_by_name"]:
        others = [h for name, found in ctx.hits.items() if found and name not in ("school_by_name", "moved") for h in found]
        hits["school"] = hits["school"] + [
            h for h in hits["school_by_name"] if not any(o.first <= h.last <= o.last for o in others)
        ]
    # "takk for at dere tenker på meg": the words of a thank-you state nothing ("tenker" is not "vurderer").
    hits["idle"] = [h for h in hits["idle"] if not inside(h, hits["ack_phrase"])]
    return hits


def cues(ctx: Context, hits: dict[str, list[Hit]]) -> dict[str, list[Hit]]:
    other_activity_clauses = {ctx.clause(h) for c in ACTIVITY_CODES if c != "work" for h in hits[c]}
    carers = hits["apprentice"] + hits["apprentice_place"] + hits["work_practice_candidate"]
    illness = hits["illness"] + hits["illness_blocking"]
    return {
        **hits,
        **ctx.markers,
        "workplace": [h for h in illness if _workplace(h, hits["work"], ctx) or _workplace(h, carers, ctx, reach=6)],
        "extent_of_other_activity": [h for h in hits["work"] if ctx.clause(h) in other_activity_clauses
                                     and inside(h, hits["work_extent"])],
        "someone_elses": [h for h in hits["work"] if _someone_elses(h, ctx)],
    }


def _unpaid(hit: Hit, ctx: Context, hits: dict[str, list[Hit]]) -> bool:
    """Work that earns nothing: no income anywhere in the reply, unpaid right beside it, or a joke job."""
    clause = ctx.clause(hit)
    # "jobber frivillig i Røde Kors og deltid på Kiwi": "frivillig" belongs to the job next to it, not to both.
    unpaid = any(ctx.clause(u) == clause and hit.first - 3 <= u.first <= hit.last + 3 for u in hits["unpaid"])
    joke_job = bool(ctx.markers["joke"]) and any(ctx.clause(j) == clause for j in hits["joke_job"])
    return bool(hits["no_income"]) or unpaid or joke_job


def _claim(ctx: Context, concept: str, code: str, state: str, hit: Hit, rule: str | None = None) -> Claim:
    return Claim(concept, code, state, ctx.evidence(rule or f"activity.{concept}", hit.first, hit.last))


def _measures(ctx: Context, hits: dict[str, list[Hit]], claims: list[Claim], present: dict[str, Hit]) -> None:
    """Measures: who runs it decides the code (NAV, county, both, or the municipality alone)."""
    measure_all = [(h, status(h, ctx)) for h in hits["measure"] + hits["nav_specific"]]
    measure_hits = [h for h, state in measure_all if state == "present"]
    if any(state == "negated" for _, state in measure_all) and all(
        ctx.norm.tokens[h.first].std in _BENEFIT_WORDS for h in measure_hits
    ):
        measure_hits = []  # "går på AAP, er ikke i noe tiltak": money from NAV, no measure
    for h, state in measure_all:
        if state != "present" and not overlaps(h, measure_hits):
            # "NAV sa jeg skulle få et tiltak": a measure promised, not started, is still a situation.
            claims.append(_claim(ctx, "measure", "OTOV", state, h))
            break
    if not measure_hits:
        return

    def named(refs: list[Hit]) -> bool:
        # "i kommunen, ikkje NAV": a negated organiser does not run the measure.
        return any(status(r, ctx, {**ctx.markers, **NO_TIME}) != "negated" for r in refs)

    nav = named(hits["nav_ref"]) or bool(hits["nav_specific"])
    county_run = named(hits["county_ref"])
    municipal = named(hits["municipality_ref"])
    first = measure_hits[0]
    concept = ("combined_measure" if nav and (county_run or municipal) else "nav_measure" if nav
               else "county_measure" if county_run else None)
    if concept:
        present[concept] = first
        claims.append(_claim(ctx, concept, MEASURE_CODES[concept], "present", first))
    else:
        claims.append(_claim(ctx, "measure", "OTOV", "present", first))
        present.setdefault("idle", first)


# Every concept this stage reads: when none has a hit, the reply states no activity.
_INPUTS = (*ACTIVITY_CODES, "institution", "institution_if_staying", "school_by_name", "child_mentioned",
           "measure", "nav_specific", "starts_soon")


def activities(ctx: Context, found: Findings) -> Findings:
    if ctx.found.isdisjoint(_INPUTS):
        return found
    hits = concept_hits(ctx)
    cue_hits = cues(ctx, hits)
    claims: list[Claim] = list(found.claims)
    present: dict[str, Hit] = dict(found.present)
    dropped: list[Cancelled] = []
    activity_clauses = {ctx.clause(h) for c in ACTIVITY_CODES for h in hits[c]}
    activity_clauses |= {ctx.clause(h) for h in hits["measure"] + hits["nav_specific"]}
    soon_clauses = {ctx.clause(h) for h in hits["starts_soon"]} - activity_clauses
    asked = hits["help_request"]
    quit_school = bool(ctx.markers["ended"])
    for concept, code in ACTIVITY_CODES.items():
        for h in hits[concept]:
            clause = ctx.clause(h)
            row = cancelled_by(f"activity.{concept}", h, cue_hits, ctx.norm.clause_of)
            if row is not None:
                dropped.append(Cancelled(Finding(f"activity.{concept}", "activities", (h,)), row.why))
                continue
            if concept == "work" and _unpaid(h, ctx, hits):
                # "streamer, tjent 0 kr", "direktør i mammas kjeller lol": says something, but it is no paid job.
                claims.append(_claim(ctx, concept, code, "unpaid", h))
                continue
            state = status(h, ctx)
            if state == "present" and (clause + 1 in soon_clauses or clause - 1 in soon_clauses):
                state = "plan"
            if state == "present" and (overlaps(h, asked) or clause in ctx.norm.question_clauses and any(
                ctx.clause(a) == clause for a in asked
            )):
                state = "question"  # "har jeg rett på videregående?", "any jobs?": asked for, not done
            if state == "present" and _past_tense(h, ctx):
                state = "ended"  # "jobbet litt på Rema, men sluttet": a simple past without "now" is over
            if state == "present" and concept == "school" and quit_school and ctx.norm.tokens[h.first].std in _WENT:
                state = "ended"  # "gikk på Tangen, men slutta i vg1": the school attended is over
            if state == "present" and concept == "work" and any(
                0 <= ctx.clause(o) - clause <= 1 for o in hits["job_over"]
            ):
                state = "ended"  # "jobba på Rema i sommer, men det var bare sommerjobb": a job that has ended
            claims.append(_claim(ctx, concept, code, state, h))
            if state == "present":
                present.setdefault(concept, h)
    if hits["released"] and "illness_blocking" in present:
        # "satt i varetekt, kom ut forrige uke": the stay is over.
        release_clause = max(ctx.clause(h) for h in hits["released"])
        stay_clause = ctx.clause(present["illness_blocking"])
        claims = [Claim(c.concept, c.code, "ended", c.evidence)
                  if c.concept == "illness_blocking" and c.status == "present" and stay_clause <= release_clause
                  else c for c in claims]
        if not any(c.concept == "illness_blocking" and c.status == "present" for c in claims):
            del present["illness_blocking"]
    if "childcare" not in present and hits["child_mentioned"] and hits["home_with_them"]:
        # "fikk barn i august, e hjemme med han": the child in one clause, at home with them in another.
        home = hits["home_with_them"][0]
        # "was born in june so im home with him": the past of the birth is not the past of being at home.
        births = hits["child_mentioned"]
        birth_free = {name: [m for m in ctx.markers[name] if not overlaps(m, births)] for name in ("ended", "past")}
        if status(home, ctx, {**ctx.markers, **birth_free}) == "present":
            claims.append(_claim(ctx, "childcare", "OTBA", "present", home))
            present["childcare"] = home
    _measures(ctx, hits, claims, present)
    if not claims and hits["starts_soon"]:
        # "begynner ikke før august": a start is coming, of something the reply does not name — a plan.
        soon = hits["starts_soon"][0]
        claims.append(_claim(ctx, "starts_soon", "OTOV", "plan", soon))
    return evolve(found, claims=tuple(claims), present=present, cancelled=found.cancelled + tuple(dropped))
