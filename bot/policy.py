"""The contact policy: a Reading + the youth's context + county settings -> a Decision.

Pure: no clock and no I/O beyond loading the reply templates (flows.templates, read once and cached).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from bot.age import ADULT_AGE
from bot.codes import FOLLOW_UP, UNKNOWN, CodeGroup, group_of, is_status_code
from bot.conversation import ANSWER_KINDS, CONFIRM, OTHER, SCHOOL, TALK, WORK
from bot.understand import Reading
from bot.understand.language import BOKMAL, ENGLISH, NYNORSK
from flows.templates import render
from storage.enums import Channel, Question

SENDERS = ("youth", "guardian")

# What the bot answers: one template per key, flows/templates/<language>/reply_<key>.txt.j2 (see flows.templates).
# Every reply template gets the same variables: adviser_name (or None) and help_lines (ids, see HELP_LINES).
REPLY_KEYS = ("urgent", "ack", "question", "opt_out", "resume", "wrong_number", "help", "decline", "thanks",
              "guardian", "adviser")
REPLY_LANGUAGES = ("nb", "nn", "en")

# The help lines an urgent answer gives, by the kind of danger the reply's urgent evidence shows (domain.md,
# "Urgent messages"): 113 medical emergency, 112 police when someone is a danger to them, 116 111
# Alarmtelefonen for barn og unge (violence or abuse, under 18), 116 123 Mental Helse and 22 40 00 40 Kirkens
# SOS for dark thoughts. Keyed by (kind, minor); a youth of unknown age counts as a minor here, because a line
# too many costs less than a missing one.
HELP_LINES: dict[tuple[str, bool], tuple[str, ...]] = {
    ("dark_thoughts", True): ("113", "116123", "22400040"),
    ("dark_thoughts", False): ("113", "116123", "22400040"),
    ("danger_from_others", True): ("112", "116111"),
    ("danger_from_others", False): ("112", "22400040"),
}
UNSURE_LINES = ("113", "116123", "22400040")  # when the evidence does not show the kind of danger
# Which kind of danger one piece of urgent evidence shows: the first row whose words occur in the evidence
# text wins ("slår meg selv" is self-harm, "slår meg" is violence, "ta livet av meg" said of someone who
# threatens is violence). Evidence no row matches counts as unsure and adds UNSURE_LINES.
URGENT_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("dark_thoughts", re.compile(
        r"\b(?:selv|sjølv|sjøl|myself|herself|himself|themselves)\b|selvmord|sjølvmord|suicid|selvskad|sjølvskad")),
    ("danger_from_others", re.compile(
        r"\b(?:slår|slo|slått|banker|banka|banket|juler|jula|dytter|sparker|kveler|truer|trua|truet|truga|trussel"
        r"|trusler|truslar|voldt\w*|vold\w*|misbruk\w*|mishandl\w*|tafser|overgrep\w*|incest|sextortion|utrygg?t?"
        r"|trygg?t?|redd|livredd|skremt|farlig|farleg|kastet|kasta|rømt|rømte|rømmer|stakk|tar på meg|gifte|gifta"
        r"|tvunget|kontroll\w*|overvåker|sjekker telefonen|tør|hits?|beats?|beating|hurts|threat\w*|rapes?|raped"
        r"|abus\w*|chokes?|choked|touches|molested|unsafe|safe|danger\w*|scared|afraid|terrified|frightened"
        r"|violen\w*|marry|married|forced|control\w*|let me|checks? my phone|dare|kicked out|ran away|run away"
        r"|runaway|nowhere to|sted å|på gata|dreper meg|drepe meg|drep meg|kill me|ting (?:med|mot) meg"
        # a few words of the immigrant languages the reader recognises (pl, ru/uk, ar, so)
        r"|bije|boję|бьёт|бьет|б'є|небезопасно|يضربني|يضربنا|بالأمان|هددني|خايفة|garaacaa|amaan)\b")),
    ("dark_thoughts", re.compile(
        r"\b(?:liv|livet|leve|lever|levd|dø|døy|død|døden|daud|die|dying|dead|death|alive|live|living|kill\w*"
        r"|kms|unalive\w*|piller|pillene|tabletter|tablettar|pills|tablets|overdos\w*|bru|brua|bro|broa|bridge"
        r"|hopp\w*|jump\w*|henge|hang\w*|tau|rope|kniv|knife|forsvinne|forsvann|disappear\w*|farvel|goodbye"
        r"|avskjed\w*|brev|letter|note|savne|savna|merka|merket|miss|notice|orker|orke|vits|point|gir opp"
        r"|give up|gone|borte|kutter|kutte|kutta|risper|cut\w*|hurt\w*|harm\w*|skade\w*)\b")),
)

# Confidently English: the reader says "en" and the words it matched hold an English-only word and no
# Norwegian one. Words written alike in Norwegian or common as loanwords in Norwegian replies prove nothing
# ("i" is Norwegian "in", "me" Nynorsk "we"; "stop", "ok", "sorry" are everyday Norwegian).
_NORWEGIAN_WORDS = (BOKMAL | NYNORSK) - ENGLISH
_NOT_ENGLISH_PROOF = frozenset(
    "i a an at to for be her hit is me man ok okay stop hi hey sorry lol idk tbh rn pls please thanks thank "
    "baby hospital".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

# A bare answer to the question the bot asked (bot.conversation.answer_to_question, ReplyContext.answer): the code
# it states and the intents it stands for. Only for the youth's own words; an urgent reply is read as urgent.
ANSWER_EFFECTS: dict[str, tuple[str, frozenset[str]]] = {
    SCHOOL: ("OTEV", frozenset()),
    WORK: ("OTAR", frozenset()),
    OTHER: (FOLLOW_UP, frozenset()),
    TALK: (FOLLOW_UP, frozenset({"help_request"})),
    CONFIRM: (FOLLOW_UP, frozenset({"confirm_identity"})),
}
# An exact answer from a fixed table is read with this confidence (at least): the reader alone sees "2" as unclear.
ANSWER_CONFIDENCE = 0.9


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """What the policy knows about the reply besides its words.

    `age` is the youth's age on the day of the reply, None when unknown (then a guardian's reply cannot count
    as contact). `language` is the youth's målform from the roster (nb, nn or en): the language of the answer,
    unless the reply itself is confidently English. `adviser_name` is the responsible adviser, named in the
    answer when known.
    """

    sender: str
    age: int | None
    youth_county: str
    current_code: str = UNKNOWN
    channel: Channel = Channel.SMS
    bound_account: bool = True
    asked: str | None = None  # the question the bot last asked, in a live conversation (storage.enums.Question)
    language: str = "nb"
    adviser_name: str | None = None
    # What the reply answers of `asked` (bot.conversation.answer_to_question: one of ANSWER_KINDS), None when
    # it is not a bare answer.
    answer: str | None = None

    def __post_init__(self) -> None:
        if self.sender not in SENDERS:
            raise ValueError(f"sender must be one of {SENDERS}, not {self.sender!r}")
        if self.language not in REPLY_LANGUAGES:
            raise ValueError(f"language must be one of {REPLY_LANGUAGES}, not {self.language!r}")
        if self.age is not None and (isinstance(self.age, bool) or not isinstance(self.age, int)):
            raise ValueError(f"age must be a whole number of years or None, not {self.age!r}")
        if not is_status_code(self.current_code):
            raise ValueError(f"current_code {self.current_code!r} is not a status code")
        if self.answer is not None and (self.answer not in ANSWER_KINDS or self.asked is None):
            raise ValueError(f"answer must be one of {ANSWER_KINDS} to a question asked, not {self.answer!r}")


@dataclass(frozen=True, slots=True)
class CountyPolicy:
    """Per code group: does the bot apply a change itself (True) or propose it for an adviser (False)?"""

    apply_groups: frozenset[CodeGroup] = frozenset({CodeGroup.FOLLOW_UP})
    min_confidence_to_apply: float = 0.7

    def applies(self, code: str, confidence: float) -> bool:
        return group_of(code) in self.apply_groups and confidence >= self.min_confidence_to_apply


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one reply."""

    contact_established: bool
    status_code: str | None  # the new code, None when the code stays
    applied: bool
    escalate: bool
    urgent: bool
    opt_out: bool
    resume: bool
    wrong_number: bool
    reasons: tuple[str, ...]
    reply: str | None
    confidence: float
    evidence: tuple[str, ...] = field(default=())
    reply_key: str | None = None  # which reply template `reply` ends with (REPLY_KEYS), None without a reply
    # The safety net: alert an adviser at once, at any hour, though the reply is not urgent (a risk concept the
    # reader could not resolve). Urgent replies alert at once anyway.
    alert_now: bool = False

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


def confidently_english(reading: Reading) -> bool:
    """The reply itself is English beyond doubt: detected as English, with English-only words in what the reader
    matched and no Norwegian word there. Norwegian with a few loanwords ("skal begynne i militæret i januar")
    is not."""
    if reading.language != "en":
        return False
    words = {w.casefold() for e in reading.evidence for w in _WORD.findall(e.text)}
    english = {w for w in words if w in ENGLISH and w not in _NOT_ENGLISH_PROOF and w not in _NORWEGIAN_WORDS}
    return bool(english) and not words & _NORWEGIAN_WORDS


def reply_language(reading: Reading, ctx: ReplyContext) -> str:
    """The youth's målform from the roster; English when the roster says so or the reply is confidently English."""
    return "en" if ctx.language == "en" or confidently_english(reading) else ctx.language


def urgent_kinds(reading: Reading) -> tuple[str, ...]:
    """The kinds of danger the urgent evidence shows (URGENT_KINDS); "unsure" for evidence no row matches."""
    kinds: list[str] = []
    for e in reading.evidence:
        if e.rule != "urgent" and not e.rule.startswith("urgent."):
            continue
        text = e.text.casefold()
        kinds.append(next((kind for kind, words in URGENT_KINDS if words.search(text)), "unsure"))
    return tuple(dict.fromkeys(kinds)) or ("unsure",)


def help_lines(reading: Reading, ctx: ReplyContext) -> tuple[str, ...]:
    """The help lines that fit the danger (HELP_LINES), in a fixed order; 113 + 116 123 + 22 40 00 40 when unsure."""
    minor = ctx.age is None or ctx.age < ADULT_AGE
    found: set[str] = set()
    for kind in urgent_kinds(reading):
        found.update(HELP_LINES.get((kind, minor), UNSURE_LINES))
    order = ("113", "112", "116111", "116123", "22400040")
    return tuple(line for line in order if line in found)


def reply_text(key: str, language: str, *, adviser_name: str | None = None,
               help_lines: tuple[str, ...] = UNSURE_LINES) -> str:
    """One answer text: template flows/templates/<language>/reply_<key>.txt.j2 with the common reply variables."""
    if key not in REPLY_KEYS:
        raise KeyError(f"no reply {key!r}; replies are {', '.join(REPLY_KEYS)}")
    return render(f"reply_{key}", language, adviser_name=adviser_name, help_lines=list(help_lines))


def _words(reading: Reading, rule_prefix: str) -> str:
    found = [e.text for e in reading.evidence if e.rule.startswith(rule_prefix)]
    return ", ".join(f"'{w}'" for w in dict.fromkeys(found)) or "-"


def decide(reading: Reading, ctx: ReplyContext, settings: CountyPolicy | None = None) -> Decision:
    """Apply domain.md's contact rule, precedence and guardian rule to one reading, then the safety net.

    The safety net (domain.md, "Urgent messages"): a reply that touches a risk concept the reader could not
    resolve (a means or a method at hand, violence named, no joke or alibi to explain it) is escalated with an
    immediate alert and answered with where to get help now; a reply whose parts disagree is escalated.
    """
    decision = _decide(reading, ctx, settings)
    if reading.decided_by:
        # Which stage and rule of the reader decided (README, "How the reply reader decides").
        rules = ", ".join(f"{what} by {how}" for what, how in reading.decided_by)
        decision = replace(decision, reasons=(*decision.reasons, f"reader: {rules}"))
    if reading.risk_unresolved and not decision.urgent:
        reasons = (*decision.reasons, f"touches risk without being resolved ({_words(reading, 'risk.')}): "
                                      f"adviser alerted at once, help lines given")
        keep = decision.reply_key in ("opt_out", "wrong_number", "guardian", "question", "help", "adviser")
        reply, key = decision.reply, decision.reply_key
        if not keep:
            reply = reply_text("adviser", reply_language(reading, ctx), adviser_name=ctx.adviser_name,
                               help_lines=UNSURE_LINES)
            key = "adviser"
        decision = replace(decision, escalate=True, alert_now=True, reasons=reasons, reply=reply, reply_key=key)
    if reading.disagreement and not decision.escalate:
        decision = replace(decision, escalate=True,
                           reasons=(*decision.reasons, f"the reply's parts disagree ({reading.disagreement}): "
                                                       f"an adviser looks"))
    return decision


def _decide(reading: Reading, ctx: ReplyContext, settings: CountyPolicy | None = None) -> Decision:
    """Domain.md's contact rule, precedence and guardian rule for one reading."""
    settings = settings or CountyPolicy()
    language = reply_language(reading, ctx)
    lines = help_lines(reading, ctx)

    keys: list[str] = []

    def text(key: str) -> str:
        keys.append(key)
        return reply_text(key, language, adviser_name=ctx.adviser_name, help_lines=lines)

    def key_of(reply: str | None) -> str | None:
        return keys[-1] if reply is not None and keys else None

    reasons: list[str] = []
    intents = set(reading.intents)
    opt_out = "opt_out" in intents
    resume = "resume" in intents and not opt_out
    urgent = reading.urgent
    wrong_number = "wrong_number" in intents
    escalate = False
    contact = False
    code: str | None = None
    reply: str | None = None

    as_guardian = ctx.sender == "guardian" or reading.speaker == "guardian"
    if reading.speaker == "guardian" and ctx.sender == "youth":
        reasons.append(f"a parent writes from the youth's phone ({_words(reading, 'guardian_speaking')}): guardian rule")
        escalate = True
        # A parent on the youth's phone is read by the guardian rule, unless the words say the number is not theirs.
        wrong_number = "wrong_number" in reading.intents

    if urgent:
        escalate = True
        reasons.append(f"urgent: {_words(reading, 'urgent')}")
        reply = text("urgent")
    if opt_out:
        escalate = True
        reasons.append(f"opt-out: {_words(reading, 'opt_out')}")
    if "auto_reply" in intents:
        reasons.append(f"auto-reply: {_words(reading, 'auto_reply')}; never contact")
        # Domain.md, "Escalate": a wrong number always goes to a person, even when an auto-reply says it.
        escalate = escalate or reading.situation or "wrong_number" in intents
        return Decision(False, None, False, escalate, urgent, False, False, "wrong_number" in intents,
                        tuple(reasons), None, reading.confidence, _evidence(reading), None)
    if wrong_number:
        escalate = True
        reasons.append(f"identity denied / wrong number: {_words(reading, 'wrong_number') if 'wrong_number' in reading.intents else _words(reading, 'someone_else')}")
        reply = reply or text("wrong_number")
        return Decision(False, None, False, True, urgent, opt_out, False, True, tuple(reasons),
                        reply, reading.confidence, _evidence(reading), key_of(reply))

    if as_guardian:
        minor = ctx.age is not None and ctx.age < ADULT_AGE
        if urgent and minor and reading.blocking:
            # In hospital after an overdose, admitted after self-harm: the guardian rule's contact, and the code
            # is the adviser's call (an urgent reply proposes none).
            contact = True
            reasons.append(f"guardian of a youth aged {ctx.age} (<{ADULT_AGE}) reports an emergency that stops the "
                           f"youth answering: adviser alerted, no code proposed")
        elif urgent:
            reasons.append("guardian reports an emergency: adviser alerted, no contact with the youth")
        elif minor and reading.blocking and not opt_out:
            contact = True
            code = "OTSY"
            reasons.append(
                f"guardian of a youth aged {ctx.age} (<{ADULT_AGE}) reports a situation that stops the youth "
                f"answering: {_words(reading, 'activity.illness_blocking')}"
            )
        else:
            escalate = True
            if ctx.age is None:
                reasons.append("age unknown: a guardian's reply cannot count as contact")
            elif not minor:
                reasons.append(f"guardian of a youth aged {ctx.age} (>= {ADULT_AGE}): never counts as contact")
            elif "minor_illness" in intents:
                reasons.append("guardian reports a passing illness: information for the adviser, no contact")
            else:
                reasons.append("guardian information: for the adviser, no contact, code unchanged")
        # Domain.md, "Escalate": guardian information always goes to an adviser, the blocking cases that
        # establish contact included; only a bare acknowledgement ("takk for info") needs nobody.
        bare_ack = "ack" in intents and not (urgent or opt_out or reading.situation)
        escalate = not bare_ack
        reply = reply or (text("opt_out") if opt_out else text("guardian"))
        return _finish(ctx, settings, reading, contact, code, escalate, urgent, opt_out, False, False, reasons, reply,
                       reply_key=key_of(reply))

    if reading.language == "other":
        escalate = True
        reasons.append("reply in a language the reader cannot read with confidence: adviser reads it")
        # A cry for help is the youth's own words reaching us: contact, whatever the language. Anything else stays
        # no contact: who writes (the youth, a parent) cannot be read.
        contact = urgent and reading.speaker == "self"
        reply = reply or text("adviser")
        return _finish(ctx, settings, reading, contact, FOLLOW_UP if contact else None, escalate, urgent, opt_out,
                       resume, False, reasons, reply, reply_key=key_of(reply))

    # The context rule (bot.conversation): a bare answer to the bot's question engages with it. Only the youth's
    # own words count; a bare acknowledgement it replaces ("ja") or the reader's "unclear" ("2") no longer apply.
    confidence = reading.confidence
    answered_code: str | None = None
    if ctx.answer is not None and reading.speaker == "self" and not (urgent or opt_out):
        answered_code, answer_intents = ANSWER_EFFECTS[ctx.answer]
        intents = (intents - {"ack", "unclear"}) | answer_intents
        confidence = max(confidence, ANSWER_CONFIDENCE)
        reasons.append(f"answers the bot's question ({ctx.asked}): {ctx.answer}")

    if urgent:
        contact = True
    engaged = (reading.situation or answered_code is not None
               or bool(intents & {"help_request", "decline_service", "confirm_identity"}))
    if engaged:
        contact = True
        if answered_code is not None:
            code = answered_code
            if code != FOLLOW_UP:
                reasons.append(f"states {ctx.answer} ({code}) by answering the question")
            else:
                reasons.append(f"engages ({ctx.answer}) without a present activity: OTOV")
        elif reading.activity_code and not (reading.activity == "idle" and "decline_service" in intents):
            # (Doing nothing is no activity that beats declining: "ingen skole, ingen jobb, ikke interessert" is OTNO.)
            code = reading.activity_code
            reasons.append(f"states {reading.activity} ({code}): {_words(reading, f'activity.{reading.activity}')}"
                           if reading.activity and not reading.activity.startswith("moved") and reading.activity != "abroad"
                           else f"moved ({code}): {_words(reading, 'move.')}{_words(reading, 'activity.abroad') if reading.activity == 'abroad' else ''}")
        elif "decline_service" in intents:
            code = "OTNO"
            reasons.append(f"declines follow-up: {_words(reading, 'decline_service')}")
        else:
            code = FOLLOW_UP
            parts = [i for i in ("situation", "help_request", "confirm_identity") if i in intents]
            reasons.append(f"engages ({', '.join(parts)}) without a present activity: OTOV")
    if urgent and code not in (None, FOLLOW_UP):
        # An urgent reply is about safety, not about a code change; the adviser decides the code.
        reasons.append(f"code {code} not proposed: urgent reply")
        code = FOLLOW_UP
    if intents & {"help_request", "question", "privacy_objection", "hostility", "no_code_fits", "completed_school"}:
        escalate = True
        reasons.append("needs an adviser: " + ", ".join(sorted(intents & {"help_request", "question",
                       "privacy_objection", "hostility", "no_code_fits", "completed_school"})))
    if "unclear" in intents:
        escalate = True
        reasons.append("the reader could not understand the reply: adviser reads it")
    if confidence < 0.5 and contact:
        escalate = True
    if resume:
        reasons.append("START: messages resume")
    # One follow-up question after a bare acknowledgement, never a second (the adviser is not bothered either).
    followed_up = ctx.asked == Question.WHAT_DOING
    if "ack" in intents and not contact:
        reasons.append("bare acknowledgement: no contact; "
                       + ("the follow-up question was asked already, no answer" if followed_up
                          else "ask one follow-up question"))
    if not contact and not reasons:
        reasons.append("no engagement with the content: no contact")

    if reply is None:
        if opt_out:
            reply = text("opt_out") if not contact else text("thanks") + " " + text("opt_out")
        elif resume:
            reply = text("resume")
        elif "ack" in intents and not contact:
            reply = None if followed_up else text("ack")
        elif "question" in intents or "privacy_objection" in intents:
            reply = text("question")
        elif "help_request" in intents:
            reply = text("help")
        elif code == "OTNO":
            reply = text("decline")
        elif contact:
            reply = text("thanks")
        elif escalate:
            reply = text("adviser")
    return _finish(ctx, settings, reading, contact, code, escalate, urgent, opt_out, resume, False, reasons, reply,
                   confidence=confidence, reply_key=key_of(reply))


def _evidence(reading: Reading) -> tuple[str, ...]:
    return tuple(f"{e.rule}: '{e.text}' [{e.start}:{e.end}]" for e in reading.evidence)


def _finish(
    ctx: ReplyContext,
    settings: CountyPolicy,
    reading: Reading,
    contact: bool,
    code: str | None,
    escalate: bool,
    urgent: bool,
    opt_out: bool,
    resume: bool,
    wrong_number: bool,
    reasons: list[str],
    reply: str | None,
    *,
    confidence: float | None = None,
    reply_key: str | None = None,
) -> Decision:
    confidence = reading.confidence if confidence is None else confidence
    current = ctx.current_code
    new_code: str | None = None
    if contact and code is not None and code != current:
        # OTOV only replaces OTUK: a youth already in a known activity keeps it when a reply adds nothing.
        if code != FOLLOW_UP or current == UNKNOWN:
            new_code = code
    applied = bool(new_code) and current == UNKNOWN and settings.applies(new_code or "", confidence)
    if new_code and not applied:
        reasons.append(f"{current} -> {new_code} proposed for an adviser")
    elif new_code:
        reasons.append(f"{current} -> {new_code} applied")
    return Decision(
        contact_established=contact,
        status_code=new_code,
        applied=applied,
        escalate=escalate,
        urgent=urgent,
        opt_out=opt_out,
        resume=resume,
        wrong_number=wrong_number,
        reasons=tuple(reasons),
        reply=reply,
        confidence=confidence,
        evidence=_evidence(reading),
        reply_key=reply_key if reply is not None else None,
    )
