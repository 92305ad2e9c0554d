"""The contact policy: a Reading + the youth's context + county settings -> a Decision. Pure: no I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.age import ADULT_AGE
from bot.codes import FOLLOW_UP, UNKNOWN, CodeGroup, group_of, is_status_code
from bot.understand import Reading

SENDERS = ("youth", "guardian")

# What the bot answers, per language of the reply. Short, friendly, says who writes (domain.md: tone).
REPLIES: dict[str, dict[str, str]] = {
    "urgent": {
        "nb": "Takk for at du sier ifra. Er det akutt, ring 113. Du kan også snakke med noen nå: Mental Helse "
        "116 123 eller Kirkens SOS 22 40 00 40 (hele døgnet). En veileder fra OT tar kontakt med deg så snart "
        "som mulig.",
        "nn": "Takk for at du seier ifrå. Er det akutt, ring 113. Du kan òg snakke med nokon no: Mental Helse "
        "116 123 eller Kirkens SOS 22 40 00 40 (heile døgeret). Ein rettleiar frå OT tek kontakt med deg så "
        "snart som mogleg.",
        "en": "Thank you for telling us. In an emergency call 113. You can talk to someone now: Mental Helse "
        "116 123 or Kirkens SOS 22 40 00 40 (day and night). An adviser from OT will contact you as soon as "
        "possible.",
    },
    "ack": {
        "nb": "Takk for svar! Hva gjør du for tiden: skole, jobb, læreplass eller noe annet?",
        "nn": "Takk for svar! Kva gjer du for tida: skule, jobb, læreplass eller noko anna?",
        "en": "Thanks for answering! What are you doing these days: school, work, an apprenticeship or "
        "something else?",
    },
    "question": {
        "nb": "Vi er Oppfølgingstjenesten (OT) i fylkeskommunen. Vi hjelper unge mellom 16 og 24 med skole, "
        "læreplass eller jobb. En veileder svarer deg snart.",
        "nn": "Vi er Oppfølgingstenesta (OT) i fylkeskommunen. Vi hjelper unge mellom 16 og 24 med skule, "
        "læreplass eller jobb. Ein rettleiar svarar deg snart.",
        "en": "We are the county's follow-up service (OT). We help young people aged 16 to 24 with school, "
        "apprenticeships or work. An adviser will answer you soon.",
    },
    "opt_out": {
        "nb": "Du får ikke flere meldinger fra oss her. Send START om du vil ha dem igjen.",
        "nn": "Du får ikkje fleire meldingar frå oss her. Send START om du vil ha dei igjen.",
        "en": "You will get no more messages from us here. Send START to get them again.",
    },
    "resume": {
        "nb": "Velkommen tilbake! Du får meldinger fra OT igjen.",
        "nn": "Velkomen tilbake! Du får meldingar frå OT igjen.",
        "en": "Welcome back! You will get messages from OT again.",
    },
    "wrong_number": {
        "nb": "Beklager, da har vi feil nummer. Vi sender ikke flere meldinger hit.",
        "nn": "Orsak, då har vi feil nummer. Vi sender ikkje fleire meldingar hit.",
        "en": "Sorry, we have the wrong number. We will not send more messages here.",
    },
    "help": {
        "nb": "Så fint at du tar kontakt! En veileder fra OT tar kontakt med deg snart.",
        "nn": "Så fint at du tek kontakt! Ein rettleiar frå OT tek kontakt med deg snart.",
        "en": "Great that you got in touch! An adviser from OT will contact you soon.",
    },
    "decline": {
        "nb": "Takk for svar, vi noterer at du ikke ønsker oppfølging nå. Du kan alltid ta kontakt igjen.",
        "nn": "Takk for svar, vi noterer at du ikkje ønskjer oppfølging no. Du kan alltid ta kontakt igjen.",
        "en": "Thanks, we note that you do not want follow-up now. You can always contact us again.",
    },
    "thanks": {
        "nb": "Takk for at du svarte! Ta gjerne kontakt om du vil ha hjelp med skole eller jobb.",
        "nn": "Takk for at du svarte! Ta gjerne kontakt om du vil ha hjelp med skule eller jobb.",
        "en": "Thanks for answering! Get in touch if you would like help with school or work.",
    },
    "guardian": {
        "nb": "Takk for beskjeden. En veileder fra OT ser på den og tar kontakt ved behov.",
        "nn": "Takk for beskjeden. Ein rettleiar frå OT ser på han og tek kontakt ved behov.",
        "en": "Thank you for letting us know. An adviser from OT will look at it and get in touch if needed.",
    },
    "adviser": {
        "nb": "Takk for meldingen. En veileder fra OT leser den og svarer deg.",
        "nn": "Takk for meldinga. Ein rettleiar frå OT les ho og svarar deg.",
        "en": "Thank you for your message. An adviser from OT will read it and answer you.",
    },
}


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """What the policy knows about the reply besides its words. `age` is the youth's age on the day of the reply."""

    sender: str
    age: int
    youth_county: str
    current_code: str = UNKNOWN
    channel: str = "sms"
    bound_account: bool = True
    asked: str | None = None  # the question the bot last asked, in a live conversation

    def __post_init__(self) -> None:
        if self.sender not in SENDERS:
            raise ValueError(f"sender must be one of {SENDERS}, not {self.sender!r}")
        if not is_status_code(self.current_code):
            raise ValueError(f"current_code {self.current_code!r} is not a status code")


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

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


def _lang(reading: Reading) -> str:
    return reading.language if reading.language in ("nb", "nn", "en") else "nb"


def _words(reading: Reading, rule_prefix: str) -> str:
    found = [e.text for e in reading.evidence if e.rule.startswith(rule_prefix)]
    return ", ".join(f"'{w}'" for w in dict.fromkeys(found)) or "-"


def decide(reading: Reading, ctx: ReplyContext, settings: CountyPolicy | None = None) -> Decision:
    """Apply domain.md's contact rule, precedence and guardian rule to one reading."""
    settings = settings or CountyPolicy()
    lang = _lang(reading)
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
        reply = REPLIES["urgent"][lang]
    if opt_out:
        escalate = True
        reasons.append(f"opt-out: {_words(reading, 'opt_out')}")
    if "auto_reply" in intents:
        reasons.append(f"auto-reply: {_words(reading, 'auto_reply')}; never contact")
        # Domain.md, "Escalate": a wrong number always goes to a person, even when an auto-reply says it.
        escalate = escalate or reading.situation or "wrong_number" in intents
        return Decision(False, None, False, escalate, urgent, False, False, "wrong_number" in intents,
                        tuple(reasons), None, reading.confidence, _evidence(reading))
    if wrong_number:
        escalate = True
        reasons.append(f"identity denied / wrong number: {_words(reading, 'wrong_number') if 'wrong_number' in reading.intents else _words(reading, 'someone_else')}")
        return Decision(False, None, False, True, urgent, opt_out, False, True, tuple(reasons),
                        reply or REPLIES["wrong_number"][lang], reading.confidence, _evidence(reading))

    if as_guardian:
        minor = ctx.age < ADULT_AGE
        if urgent:
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
            if not minor:
                reasons.append(f"guardian of a youth aged {ctx.age} (>= {ADULT_AGE}): never counts as contact")
            elif "minor_illness" in intents:
                reasons.append("guardian reports a passing illness: information for the adviser, no contact")
            else:
                reasons.append("guardian information: for the adviser, no contact, code unchanged")
        # Domain.md, "Escalate": guardian information always goes to an adviser, the blocking cases that
        # establish contact included; only a bare acknowledgement ("takk for info") needs nobody.
        bare_ack = "ack" in intents and not (urgent or opt_out or reading.situation)
        escalate = not bare_ack
        reply = reply or (REPLIES["opt_out"][lang] if opt_out else REPLIES["guardian"][lang])
        return _finish(ctx, settings, reading, contact, code, escalate, urgent, opt_out, False, False, reasons, reply)

    if reading.language == "other":
        escalate = True
        reasons.append("reply in a language the reader cannot read with confidence: adviser reads it")
        return _finish(ctx, settings, reading, False, None, escalate, urgent, opt_out, resume, False, reasons,
                       reply or REPLIES["adviser"]["nb"])

    if urgent:
        contact = True
    engaged = reading.situation or bool(intents & {"help_request", "decline_service", "confirm_identity"})
    if engaged:
        contact = True
        if reading.activity_code:
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
    if reading.confidence < 0.5 and contact:
        escalate = True
    if resume:
        reasons.append("START: messages resume")
    if "ack" in intents and not contact:
        reasons.append("bare acknowledgement: no contact; ask one follow-up question")
    if not contact and not reasons:
        reasons.append("no engagement with the content: no contact")

    if reply is None:
        if opt_out:
            reply = REPLIES["opt_out"][lang] if not contact else REPLIES["thanks"][lang] + " " + REPLIES["opt_out"][lang]
        elif resume:
            reply = REPLIES["resume"][lang]
        elif "ack" in intents and not contact:
            reply = REPLIES["ack"][lang]
        elif "question" in intents or "privacy_objection" in intents:
            reply = REPLIES["question"][lang]
        elif "help_request" in intents:
            reply = REPLIES["help"][lang]
        elif code == "OTNO":
            reply = REPLIES["decline"][lang]
        elif contact:
            reply = REPLIES["thanks"][lang]
        elif escalate:
            reply = REPLIES["adviser"][lang]
    return _finish(ctx, settings, reading, contact, code, escalate, urgent, opt_out, resume, False, reasons, reply)


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
) -> Decision:
    current = ctx.current_code
    new_code: str | None = None
    if contact and code is not None and code != current:
        # OTOV only replaces OTUK: a youth already in a known activity keeps it when a reply adds nothing.
        if code != FOLLOW_UP or current == UNKNOWN:
            new_code = code
    applied = bool(new_code) and current == UNKNOWN and settings.applies(new_code or "", reading.confidence)
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
        confidence=reading.confidence,
        evidence=_evidence(reading),
    )
