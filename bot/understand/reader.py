"""The reply reader: one reply's text (+ sender, age, county) -> a Reading. Pure: no I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.understand import lexicon as lx
from bot.understand.language import detect_language
from bot.understand.lexicon import Hit
from bot.understand.text import Normalised, Token, normalise
from bot.understand.where import places_in

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
    "completed": "OTOV",
    "abroad": "OTFU_IM",
    "pregnant": "OTOV",
    "idle": "OTOV",
}
# Which present activity decides the code when a reply states several (domain.md, "Which code wins").
PRECEDENCE: tuple[str, ...] = (
    "abroad",
    "moved_other_county",
    "combined_measure",
    "nav_measure",
    "county_measure",
    "folk_high_school",
    "illness_blocking",
    "private_school",
    # A praksiskandidat is in work (domain.md) even while preparing the trade test ("tar fagprøven").
    "work_practice_candidate",
    "apprentice",
    "apprentice_place",
    "school",
    "military",
    "work",
    "illness",
    "childcare",
    "higher_education",
    "completed",
    "moved_own_county",
    "moved",
    "idle",
    "pregnant",
)
MEASURE_CODES = {"combined_measure": "OTKO", "nav_measure": "OTAP", "county_measure": "OTOA"}
MOVE_CODES = {"moved_other_county": "OTFA_IM", "moved_own_county": "OTOV", "moved": "OTOV"}
# Concepts that describe a state in their own words ("gjør ingenting"): a negation inside does not undo them.
_NOT_NEGATABLE = frozenset({"idle", "pregnant", "completed"})
_QUESTION_OPENERS = frozenset(
    "har kan er hva hvor hvordan hvem hvorfor skal må blir får vil gjelder trenger finnes do does can is are "
    "have what where how who why will could would".split()
)
_LETTER_WORDS = frozenset("brev brevet brevene brevane post posten letter letters mail email e-post epost".split())
_MESSAGE_KEYS = ("melding", "sms", "text", "messag")
# A stop word that may end a clause as an opt-out ("bare stopp"), but only when nothing else is said with it.
_CLAUSE_END_STOPS = frozenset({"stop", "stopp", "stopper", "stoppe", "avslutt", "slutt", "stans", "quit"})
_CALL_WORDS = frozenset({"ringe", "ring", "ringer", "ringa", "ringje", "call", "calling", "phone", "phoning", "oppringing"})
_INSTEAD = frozenset({"heller", "instead", "rather", "isteden", "istedet", "stedet", "staden", "istaden", "men", "but"})
_UNTIL = frozenset({"til", "until", "till", "utover"})
_STAY_VERBS = frozenset(
    "ligger ligg låg lå innlagt innlagd soner sonar sitter sit satt inne overført overflytta plassert sendt "
    "admitted inpatient serving lying".split()
)
_APPLICATION_WORDS = ("søknad", "cv", "application", "jobbsøknad")
_THERE = frozenset({"der", "dær", "there", "deroppe", "dernede", "borte", "hit", "here", "hitover", "hitta"})
# A negation inside the matched words undoes these ("går ikke på skolen"); other concepts spell theirs on purpose.
_NEGATABLE_INSIDE = frozenset({"school", "work", "apprentice", "private_school", "military", "folk_high_school"})
_SERVICE_WORDS = frozenset(
    "opplegg opplegget tilbud tilbudet tilbod oppfølging hjelp hjelpa møte møter program programmet veiledning "
    "rettleiing dere deres dokker dykk".split()
)
_WENT = frozenset({"gikk", "gjekk", "went", "attended"})
# Money from NAV, not a measure: "på AAP, ikke i noe tiltak" is no measure at all.
_BENEFIT_WORDS = frozenset({"aap", "arbeidsavklaringspenger", "arbeidsavklaringspengar"})
_CLAUSE_GUARD = 6  # how many words before an activity a negation may stand and still belong to it
# The writer's own voice (tier-2 urgency): first-person words; "i" only counts in English ("i" is "in" in Norwegian).
_FIRST_PERSON = frozenset("jeg meg min mi mitt mine vi oss selv sjølv me my myself mine we us".split())
_SUBJECT_SELF = frozenset({"jeg", "i", "vi", "we", "og", "and"})  # possessives ("mannen min") do not stop
_THIRD_PERSON = frozenset(
    "han hun ho hen ham henne dem de dei he she him they them".split()
    + [w.lstrip("=") for w in lx.GROUPS.get("parent", "").split("|") + lx.GROUPS.get("relative", "").split("|")]
) - _FIRST_PERSON


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why the reader concluded something: the rule and the words of the reply (with offsets)."""

    rule: str
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Claim:
    """An activity the reply mentions, and whether it is the present, a plan, negated, ended or asked about."""

    concept: str
    code: str
    status: str  # present | plan | negated | ended | question | unpaid (a "job" that earns nothing)
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything the reader understood from one reply. Policy turns it into a Decision."""

    language: str
    intents: tuple[str, ...]
    claims: tuple[Claim, ...]
    activity: str | None  # the concept that decides the code (see PRECEDENCE), None when nothing present
    activity_code: str | None
    urgent: bool
    blocking: bool  # a situation that stops the youth answering (hospital, institution, prison, serious illness)
    speaker: str  # self | guardian | other: who the writer says they are
    situation: bool  # the reply says something about the youth's situation (any claim, even negated)
    confidence: float
    evidence: tuple[Evidence, ...] = field(default=())

    def has(self, intent: str) -> bool:
        return intent in self.intents


def _evidence(rule: str, text: str, norm: Normalised, first: int, last: int) -> Evidence:
    start = norm.tokens[first].start
    end = norm.tokens[last].end
    return Evidence(rule=rule, text=text[start:end], start=start, end=end)


def _overlaps(hit: Hit, others: list[Hit]) -> bool:
    return any(not (hit.last < o.first or hit.first > o.last) for o in others)


def _workplace(hit: Hit, work: list[Hit], norm: Normalised, reach: int = 3) -> bool:
    """The place just after a work phrase in the same clause is where the youth works."""
    clause = norm.clause_of[hit.first]
    return any(norm.clause_of[w.first] == clause and 0 <= hit.first - w.last <= reach for w in work)


def _inside(hit: Hit, others: list[Hit]) -> bool:
    return any(o.first <= hit.first and hit.last <= o.last for o in others)


def _clause_tokens(norm: Normalised, clause: int) -> range:
    indexes = [i for i, c in enumerate(norm.clause_of) if c == clause]
    return range(indexes[0], indexes[-1] + 1) if indexes else range(0)


def _status(hit: Hit, norm: Normalised, markers: dict[str, list[Hit]]) -> str:
    clause = norm.clause_of[hit.first]

    def in_clause(name: str) -> list[Hit]:
        return [m for m in markers[name] if norm.clause_of[m.first] == clause]

    tokens = _clause_tokens(norm, clause)
    if clause in norm.question_clauses and tokens and norm.tokens[tokens[0]].std in _QUESTION_OPENERS:
        return "question"
    if hit.concept not in _NOT_NEGATABLE:
        for neg in in_clause("negation"):
            inside = hit.first < neg.first <= hit.last
            if hit.first - _CLAUSE_GUARD <= neg.first <= hit.last + 2 and (
                not inside and neg.first != hit.first or inside and hit.concept in _NEGATABLE_INSIDE
            ):
                return "negated"
        if in_clause("ended") and hit.concept != "completed":
            return "ended"
        if in_clause("past") and not in_clause("started") and hit.concept != "completed":
            return "ended"
    if hit.concept == "pregnant":
        return "plan"
    plans = [m for m in in_clause("plan") if not _overlaps(m, [hit])]
    if hit.concept in ("illness_blocking", "exchange"):
        # "soner på Ila til våren", "working holiday till next year": "til" after a stay is when it ends.
        plans = [m for m in plans if not (m.first > hit.last and (
            norm.tokens[m.first].std in _UNTIL or m.first > 0 and norm.tokens[m.first - 1].std in _UNTIL))]
    if plans and not in_clause("started"):
        return "plan"
    if hit.concept == "apprentice_place" and not markers["started"]:
        return "plan"
    return "present"


def _not_paid_work(hit: Hit, norm: Normalised, hits: dict[str, list[Hit]], joke_job_clauses: set[int]) -> bool:
    """Work that earns nothing: no income anywhere in the reply, unpaid right beside it, or a joke job."""
    clause = norm.clause_of[hit.first]
    # "jobber frivillig i Røde Kors og deltid på Kiwi": "frivillig" belongs to the job next to it, not to both.
    unpaid = any(norm.clause_of[u.first] == clause and hit.first - 3 <= u.first <= hit.last + 3 for u in hits["unpaid"])
    return bool(hits["no_income"]) or unpaid or clause in joke_job_clauses


def _someone_elses(hit: Hit, norm: Normalised) -> bool:
    """The work verb belongs to another subject just before it: "mens samboer jobber", "mamma jobber natt"."""
    clause = norm.clause_of[hit.first]
    for i in range(hit.first - 1, max(hit.first - 4, -1), -1):
        if norm.clause_of[i] != clause:
            return False
        word = norm.tokens[i].std
        if word in _SUBJECT_SELF:
            return False  # "pappa og jeg jobber", "I work": the youth works too
        if word in _THIRD_PERSON:
            return True
    return False


def _bare_stop(norm: Normalised) -> bool:
    """One stop word and nothing but filler and emoji around it ("stop pls bruh", "STOPP nå da!!!")."""
    stops = {t.std for t in norm.tokens if t.std in lx.STOP_WORDS}
    if len(stops) != 1 or len(norm.tokens) > 8:  # one stop word, perhaps repeated ("STOP STOP STOP 🤬")
        return False
    return all(t.std in lx.STOP_WORDS or t.std in lx.STOP_FILLERS or t.std.startswith("emo_") for t in norm.tokens)


def _stops_calling(hit: Hit, norm: Normalised, clause: list[Token]) -> bool:
    """The thing to stop is calling ("slutte å ringe", "stop calling"), and messages are welcome instead."""
    after = [norm.tokens[i].std for i in range(hit.first, min(hit.last + 3, len(norm.tokens)))]
    if not any(w in _CALL_WORDS for w in after):
        return False
    return any(t.std in _INSTEAD for t in clause) or not any(t.key.startswith(_MESSAGE_KEYS) for t in clause)


def _staying_there(hit: Hit, norm: Normalised) -> bool:
    """A verb of staying (lying in, serving, admitted) a few words before the name, in its clause."""
    clause = norm.clause_of[hit.first]
    for i in range(hit.first - 1, max(hit.first - 5, -1), -1):
        if norm.clause_of[i] != clause:
            return False
        if norm.tokens[i].std in _STAY_VERBS:
            return True
    return False


def _own_voice(norm: Normalised, hit: Hit, language: str) -> bool:
    """The clause speaks of the writer (or of nobody in particular), not of a third person."""
    words = {norm.tokens[i].std for i in _clause_tokens(norm, norm.clause_of[hit.first])}
    if words & _FIRST_PERSON or (language == "en" and "i" in words):
        return True
    return not words & _THIRD_PERSON


def _risk_without_figure(
    norm: Normalised, hits: dict[str, list[Hit]], markers: dict[str, list[Hit]], sender: str, language: str
) -> list[Hit]:
    """Tier-2 urgency: risk concepts that no joke, trivial subject or intensifier turns into a figure of speech.

    When a reply has a risk concept and nothing says it is a figure of speech, it is urgent: a missed cry for help
    costs more than an adviser reading a false alarm.
    """
    if markers["joke"]:
        return []
    figure_clauses = {norm.clause_of[h.first] for name in ("figure_cue", "not_urgent", "urgent_figure_subject")
                      for h in hits[name]}

    def literal(h: Hit) -> bool:
        return norm.clause_of[h.first] not in figure_clauses and not _overlaps(h, hits["not_urgent"])

    # A trivial subject makes "dying" a figure; it does not make a threat or a forced marriage one.
    found = [h for h in hits["urgent_risk_harm"] if not _overlaps(h, hits["not_urgent"])]
    found += [h for h in hits["urgent_risk_life"]
              if literal(h) and (sender == "guardian" or _own_voice(norm, h, language))]
    if hits["urgent_help_word"] and not figure_clauses:
        danger = [h for h in hits["urgent_danger_word"] if not _overlaps(h, hits["not_urgent"])]
        if danger:
            found += hits["urgent_help_word"][:1] + danger[:1]
    return found


def _urgent_structures(norm: Normalised, hits: dict[str, list[Hit]]) -> list[Hit]:
    """Tier-3 urgency: structures over the whole reply that phrase lists keep missing.

    A last message (telling someone close "I love them", sorry for everything) is urgent on its own; a means or
    method (a bridge, a wall to drive into, pills, a rope) is urgent with thinking, planning, wanting or a time
    anywhere in the reply, unless the reply is about work, cooking, sport or a doctor's pills. Having a plan is
    urgent with "do it" or a time; being controlled is urgent with being kept from going out or having friends.
    """
    figures = hits["not_urgent"]
    found = [h for h in hits["urgent_farewell"] if not _overlaps(h, figures)]
    if hits["urgent_control"] and hits["urgent_confined"]:
        found += hits["urgent_control"][:1] + hits["urgent_confined"][:1]
    if hits["urgent_plan"] and hits["urgent_plan_when"]:
        found += hits["urgent_plan"][:1] + hits["urgent_plan_when"][:1]
    if hits["urgent_method_alibi"]:
        return found
    # Trivial subjects are no figure cue here: "drive into the traffic", "crash the car" are the method itself.
    methods = [h for h in hits["urgent_method"] if not _overlaps(h, figures)]
    thinking = [h for h in hits["urgent_think"] if not _overlaps(h, methods)]
    if methods and thinking:
        found += methods[:1] + thinking[:1]
    return found


def read(text: str, *, sender: str = "youth", age: int | None = None, county: str | None = None) -> Reading:
    """Read one reply. Pure and deterministic; never raises on any string."""
    if not isinstance(text, str):
        raise TypeError(f"read() takes the reply text as str, not {type(text).__name__}")
    language = detect_language(text)
    norwegian = language in ("nb", "nn")
    dialect = lx.DIALECT_NORWEGIAN if norwegian else lx.DIALECT_ENGLISH if language == "en" else lx.DIALECT
    norm = normalise(text, dialect, lx.EMOJI, use_fuzzy=language != "other", norwegian=norwegian)
    hits = lx.find_all(norm)
    markers = {
        "negation": lx.find(lx.NEGATION_RE, norm, "negation"),
        "plan": lx.find(lx.PLAN, norm, "plan"),
        "started": lx.find(lx.STARTED, norm, "started"),
        "ended": lx.find(lx.ENDED, norm, "ended"),
        "past": lx.find(lx.PAST, norm, "past"),
        "joke": lx.find(lx.JOKE, norm, "joke"),
    }
    evidence: list[Evidence] = []
    intents: list[str] = []

    def note(rule: str, found: list[Hit]) -> None:
        for h in found[:3]:
            evidence.append(_evidence(rule, text, norm, h.first, h.last))

    # Urgency first: it overrides everything else the reply says.
    figures = hits["not_urgent"]
    # "skolen dreper meg" reads as a figure of speech only when a joke marker (or a crying-laughing 😭) says so.
    subjects = hits["urgent_figure_subject"]
    sad_marker = "emo_sad" in norm.std_set
    # "orker ikke noe opplegg fra dere" refuses the service; "orker ikke noe" alone may be despair.
    refusals = [h for h in hits["decline_service"]
                if any(norm.tokens[i].std in _SERVICE_WORDS for i in range(h.first, h.last + 1))]
    strong = [h for h in hits["urgent"] if not _overlaps(h, figures) and not _overlaps(h, subjects)]
    weak = [h for h in hits["urgent_weak"] + [h for h in hits["urgent"] if _overlaps(h, subjects)]
            if not _overlaps(h, figures) and not (sad_marker and _overlaps(h, subjects))
            and not _overlaps(h, refusals)] if not markers["joke"] else []
    urgent = bool(strong or weak)
    if not urgent:
        # Tier 2, the safety net: a risk concept with no figure-of-speech cue is urgent (see lexicon.yaml).
        weak = _risk_without_figure(norm, hits, markers, sender, language)
        urgent = bool(weak)
    if not urgent and not markers["joke"]:
        weak = _urgent_structures(norm, hits)
        urgent = bool(weak)
    means, intent = hits["urgent_means"], hits["urgent_intent"]
    if means and intent and not markers["joke"] and not _overlaps(means[0], figures):
        strong = strong + means[:1] + intent[:1]
        urgent = True
    if urgent:
        intents.append("urgent")
        note("urgent", strong + weak)

    # Opt-out: about messages, not letters ("ikke send flere brev" asks for SMS instead).
    opt_out_hits = []
    for h in hits["opt_out"]:
        clause_range = _clause_tokens(norm, norm.clause_of[h.first])
        words = [norm.tokens[i] for i in clause_range]
        if any(t.std.startswith(_APPLICATION_WORDS) for t in words):
            continue  # "sluttet å sende søknader" is about the youth's applications, not our messages
        about_letters = any(t.std in _LETTER_WORDS for t in words)
        about_messages = any(t.key.startswith(_MESSAGE_KEYS) for t in words)
        if about_letters and not about_messages:
            continue
        if h.first == h.last and norm.tokens[h.first].std in _CLAUSE_END_STOPS and not about_messages and not all(
            t.std in lx.STOP_WORDS or t.std in lx.STOP_FILLERS or t.std.startswith("emo_") for t in words
        ):
            continue  # "I just want it all to stop": a stop word needs an object about messages or to stand alone
        if _stops_calling(h, norm, words):
            continue  # "slutte å ringe og heller sende melding": a channel preference, not an opt-out
        opt_out_hits.append(h)
    if not opt_out_hits and _bare_stop(norm):
        opt_out_hits = [Hit("opt_out", i, i) for i, t in enumerate(norm.tokens) if t.std in lx.STOP_WORDS][:1]
    if opt_out_hits:
        intents.append("opt_out")
        note("opt_out", opt_out_hits)
    if hits["resume"] and len(norm.tokens) <= 3:
        intents.append("resume")
        note("resume", hits["resume"])

    for name in ("auto_reply", "decline_service", "question", "privacy_objection", "hostility"):
        if hits[name]:
            intents.append(name)
            note(name, hits[name])
    help_hits = [h for h in hits["help_request"] if not _overlaps(h, hits["help_received"])]
    help_hits = [h for h in help_hits if _status(h, norm, {**markers, "plan": [], "started": [], "ended": [], "past": []})
                 not in ("negated",)]
    if help_hits:
        intents.append("help_request")
        note("help_request", help_hits)

    confirms = hits["confirm_identity"]
    speaker = "self"
    if confirms:
        intents.append("confirm_identity")
        note("confirm_identity", confirms)
    elif hits["guardian_speaker"]:
        speaker = "guardian"
        intents.append("guardian_speaking")
        note("guardian_speaking", hits["guardian_speaker"])
    elif hits["other_person"]:
        speaker = "other"
        intents.append("someone_else")
        note("someone_else", hits["other_person"])
    if hits["wrong_number"] and not confirms:
        intents.append("wrong_number")
        note("wrong_number", hits["wrong_number"])
    elif speaker == "other":
        intents.append("wrong_number")

    # Hospitals, prisons and treatment places by name (data/institutions.csv); a name that is also a place or a
    # word ("Ila", "Ullevål") counts only beside a verb of staying there ("ligger på Ullevål", "soner på Ila").
    staying = [h for h in hits["institution_if_staying"] if _staying_there(h, norm)]
    hits["illness_blocking"] = hits["illness_blocking"] + [
        Hit("illness_blocking", h.first, h.last) for h in hits["institution"] + staying
        if not _overlaps(h, hits["illness_blocking"])
    ]
    others = [h for name, found in hits.items() if name not in ("school_by_name", "moved") for h in found]
    hits["school"] = hits["school"] + [
        h for h in hits["school_by_name"] if not any(o.first <= h.last <= o.last for o in others)
    ]
    # Activities: every mention with its status; the present ones compete by precedence.
    claims: list[Claim] = []
    present: dict[str, Hit] = {}
    activity_clauses = {norm.clause_of[h.first] for c in ACTIVITY_CODES for h in hits[c]}
    activity_clauses |= {norm.clause_of[h.first] for h in hits["measure"] + hits["nav_specific"]}
    soon_clauses = {norm.clause_of[h.first] for h in hits["starts_soon"]} - activity_clauses
    other_activity_clauses = {norm.clause_of[h.first] for c in ACTIVITY_CODES if c != "work" for h in hits[c]}
    joke_job_clauses = {norm.clause_of[h.first] for h in hits["joke_job"]} if markers["joke"] else set()
    # "takk for at dere tenker på meg": the words of a thank-you state nothing ("tenker" is not "vurderer").
    hits["idle"] = [h for h in hits["idle"] if not _inside(h, hits["ack_phrase"])]
    asked = hits["help_request"]
    quit_school = bool(markers["ended"])
    for concept, code in ACTIVITY_CODES.items():
        for h in hits[concept]:
            clause = norm.clause_of[h.first]
            if _inside(h, hits["ack_phrase"]):
                continue
            if concept.startswith("illness") and (_workplace(h, hits["work"], norm) or _workplace(
                h, hits["apprentice"] + hits["apprentice_place"] + hits["work_practice_candidate"], norm, reach=6
            )):
                continue  # "jobber på sykehuset", "vakter på omsorgssenteret": a workplace, not a patient
            if concept == "work" and clause in other_activity_clauses and _inside(h, hits["work_extent"]):
                continue  # "taking care of my son full time": the extent belongs to the other activity
            if concept == "illness" and _overlaps(h, hits["illness_minor"]):
                continue  # "sick with a cold this week": a passing illness, not illness in the code's sense
            if concept == "work" and _inside(h, hits["job_seeking"]):
                continue  # "trenger jobb", "looking for a job": a job wanted is no job had
            if concept == "work" and _someone_elses(h, norm):
                continue  # "mens samboer jobber": not the youth's work
            if concept == "work" and _not_paid_work(h, norm, hits, joke_job_clauses):
                # "streamer, tjent 0 kr", "direktør i mammas kjeller lol": says something, but it is no paid job.
                claims.append(Claim(concept, code, "unpaid", _evidence(f"activity.{concept}", text, norm, h.first,
                                                                       h.last)))
                continue
            status = _status(h, norm, markers)
            if status == "present" and (clause + 1 in soon_clauses or clause - 1 in soon_clauses):
                status = "plan"
            if status == "present" and (_overlaps(h, asked) or clause in norm.question_clauses and any(
                norm.clause_of[a.first] == clause for a in asked
            )):
                status = "question"  # "har jeg rett på videregående?", "any jobs?": asked for, not done
            if status == "present" and concept == "school" and quit_school and norm.tokens[h.first].std in _WENT:
                status = "ended"  # "gikk på Tangen, men slutta i vg1": the school attended is over
            if status == "present" and concept == "work" and any(
                0 <= norm.clause_of[o.first] - clause <= 1 for o in hits["job_over"]
            ):
                status = "ended"  # "jobba på Rema i sommer, men det var bare sommerjobb": a job that has ended
            claims.append(Claim(concept, code, status, _evidence(f"activity.{concept}", text, norm, h.first, h.last)))
            if status == "present":
                present.setdefault(concept, h)
    if hits["released"] and "illness_blocking" in present:
        # "satt i varetekt, kom ut forrige uke": the stay is over.
        release_clause = max(norm.clause_of[h.first] for h in hits["released"])
        kept = []
        for claim in claims:
            if claim.concept == "illness_blocking" and claim.status == "present" and (
                norm.clause_of[present["illness_blocking"].first] <= release_clause
            ):
                claim = Claim(claim.concept, claim.code, "ended", claim.evidence)
            kept.append(claim)
        claims = kept
        if not any(c.concept == "illness_blocking" and c.status == "present" for c in claims):
            del present["illness_blocking"]
    if "childcare" not in present and hits["child_mentioned"] and hits["home_with_them"]:
        # "fikk barn i august, e hjemme med han": the child in one clause, at home with them in another.
        home = hits["home_with_them"][0]
        # "was born in june so im home with him": the past of the birth is not the past of being at home.
        births = hits["child_mentioned"]
        birth_free = {name: [m for m in markers[name] if not _overlaps(m, births)] for name in ("ended", "past")}
        if _status(home, norm, {**markers, **birth_free}) == "present":
            claims.append(Claim("childcare", "OTBA", "present",
                                _evidence("activity.childcare", text, norm, home.first, home.last)))
            present["childcare"] = home
    if "exchange" in hits and hits["exchange"] and "abroad" not in present:
        for h in hits["exchange"]:
            if _status(h, norm, markers) == "present":
                present["abroad"] = h
    # Measures: who runs it decides the code (NAV, county, both, or the municipality alone).
    measure_all = [(h, _status(h, norm, markers)) for h in hits["measure"] + hits["nav_specific"]]
    measure_hits = [h for h, status in measure_all if status == "present"]
    if any(status == "negated" for _, status in measure_all) and all(
        norm.tokens[h.first].std in _BENEFIT_WORDS for h in measure_hits
    ):
        measure_hits = []  # "går på AAP, er ikke i noe tiltak": money from NAV, no measure
    for h, status in measure_all:
        if status != "present" and not _overlaps(h, measure_hits):
            # "NAV sa jeg skulle få et tiltak": a measure promised, not started, is still a situation.
            claims.append(Claim("measure", "OTOV", status, _evidence("activity.measure", text, norm, h.first, h.last)))
            break
    if measure_hits:
        def named(refs: list[Hit]) -> bool:
            # "i kommunen, ikkje NAV": a negated organiser does not run the measure.
            return any(_status(r, norm, {**markers, "plan": [], "started": [], "ended": [], "past": []}) != "negated"
                       for r in refs)

        nav = named(hits["nav_ref"]) or bool(hits["nav_specific"])
        county_run = named(hits["county_ref"])
        municipal = named(hits["municipality_ref"])
        first = measure_hits[0]
        measure_concept: str | None = None
        if nav and (county_run or municipal):
            measure_concept = "combined_measure"
        elif nav:
            measure_concept = "nav_measure"
        elif county_run:
            measure_concept = "county_measure"
        if measure_concept:
            present[measure_concept] = first
            claims.append(Claim(measure_concept, MEASURE_CODES[measure_concept], "present",
                                _evidence(f"activity.{measure_concept}", text, norm, first.first, first.last)))
        else:
            claims.append(Claim("measure", "OTOV", "present",
                                _evidence("activity.measure", text, norm, first.first, first.last)))
            present.setdefault("idle", first)
    # Moves: the place in the same clause decides abroad / another county / own county.
    for h in hits["moved"]:
        status = _status(h, norm, markers)
        clause_range = _clause_tokens(norm, norm.clause_of[h.first])
        span_start, span_end = norm.tokens[clause_range[0]].start, norm.tokens[clause_range[-1]].end
        found = places_in(text[span_start:span_end], county)
        if not found and any(norm.tokens[i].std in _THERE for i in clause_range if i >= h.last):
            # "jobber i Sverige. bor der", "er i Spania, vi har flytta hit": the place an earlier clause named.
            found = places_in(text[: norm.tokens[h.first].start], county)
        if not found:
            continue
        relation = found[0].relation
        for p in found:
            if p.relation == "abroad":
                relation = "abroad"
            elif p.relation == "other_county" and relation != "abroad":
                relation = "other_county"
        concept = {"abroad": "abroad", "other_county": "moved_other_county", "own_county": "moved_own_county"}.get(
            relation, "moved"
        )
        code = "OTFU_IM" if concept == "abroad" else MOVE_CODES.get(concept, "OTOV")
        claims.append(Claim(concept, code, status, _evidence(f"move.{relation}", text, norm, h.first, clause_range[-1])))
        if status == "present":
            present.setdefault(concept, h)

    holidays = [h for h in hits["holiday"] if not _overlaps(h, hits["exchange"])]  # a working holiday is work
    if "abroad" not in present and not holidays:
        # "er i Spania med familien": staying abroad (not on a holiday) is abroad; so is a season's work there
        # ("sesongjobb i Åre", "on a cruise ship in the Caribbean"). An ordinary job across the border ("jobber i
        # Sverige men bor i Halden") or at a place that is also a Norwegian name (Grønland) stays work.
        for h in hits["stay"] + hits["seasonal_work"]:
            if _status(h, norm, markers) != "present":
                continue
            clause_range = _clause_tokens(norm, norm.clause_of[h.first])
            start, end = norm.tokens[h.last].start, norm.tokens[clause_range[-1]].end
            if any(p.relation == "abroad" for p in places_in(text[start:end], county)):
                claims.append(Claim("abroad", "OTFU_IM", "present",
                                    _evidence("move.abroad", text, norm, h.first, clause_range[-1])))
                present["abroad"] = h
                break

    # Being gone soon or saying goodbye: urgent unless a trip, a move, an activity or a joke explains it.
    if not urgent and hits["urgent_gone"] and not markers["joke"] and not hits["urgent_alibi"] and not present:
        urgent = True
        intents.insert(0, "urgent")
        note("urgent", hits["urgent_gone"])

    activity = next((c for c in PRECEDENCE if c in present), None)
    activity_code = None
    if activity is not None:
        activity_code = (
            ACTIVITY_CODES.get(activity) or MEASURE_CODES.get(activity) or MOVE_CODES.get(activity)
            or ("OTFU_IM" if activity == "abroad" else "OTOV")
        )
    if activity in ("higher_education",):
        intents.append("no_code_fits")
    if "completed" in present:
        intents.append("completed_school")
    blocking = "illness_blocking" in present and not hits["illness_minor"]
    if hits["illness_minor"] and not blocking:
        intents.append("minor_illness")

    # "har vært forkjøla hele uka": the youth's own passing illness tells their week (OTOV, not OTSY).
    passing_illness = "minor_illness" in intents and speaker == "self" and not blocking
    situation = bool(claims) or bool(hits["idle"]) or passing_illness
    engaged = situation or bool(set(intents) & {"help_request", "decline_service", "confirm_identity", "urgent"})

    # A bare acknowledgement: nothing but ack words and ack phrases ("ok", "takk for info", "skal tenke på det").
    covered: set[int] = set()
    for h in hits["ack_phrase"]:
        covered.update(range(h.first, h.last + 1))
    only_ack = all(
        i in covered or t.std in lx.ACK_WORDS or t.std.startswith("emo_") for i, t in enumerate(norm.tokens)
    )
    if only_ack and not engaged and not set(intents) & {"opt_out", "resume", "wrong_number", "question"}:
        intents.append("ack")
    if situation:
        intents.append("situation")
    if not intents:
        intents.append("unclear")
    if language == "other" and "unclear" not in intents:
        intents.append("other_language")

    for claim in claims:
        evidence.append(
            Evidence(f"{claim.evidence.rule}:{claim.status}", claim.evidence.text, claim.evidence.start,
                     claim.evidence.end)
        )
    if markers["joke"]:
        note("joke_marker", markers["joke"])

    if language == "other":
        confidence = 0.3
    elif urgent or activity_code not in (None, "OTOV"):
        confidence = 0.9
    elif "unclear" in intents:
        confidence = 0.2
    else:
        confidence = 0.75
    return Reading(
        language=language,
        intents=tuple(dict.fromkeys(intents)),
        claims=tuple(claims),
        activity=activity,
        activity_code=activity_code,
        urgent=urgent,
        blocking=blocking,
        speaker=speaker,
        situation=situation,
        confidence=confidence,
        evidence=tuple(evidence),
    )
