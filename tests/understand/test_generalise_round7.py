"""Round 7 phrasing families: dialect apocope, English text-speak, time horizons and the remaining activities."""

from __future__ import annotations

import pytest

from bot.policy import Decision, ReplyContext, decide
from bot.understand import Reading, lexicon, read
from bot.understand.text import normalise


def _decide(text: str, sender: str = "youth", age: int = 19, county: str = "Trøndelag") -> tuple[Reading, Decision]:
    reading = read(text, sender=sender, age=age, county=county)
    return reading, decide(reading, ReplyContext(sender=sender, age=age, youth_county=county))


def _stds(text: str, *, norwegian: bool) -> list[str]:
    dialect = lexicon.DIALECT_NORWEGIAN if norwegian else lexicon.DIALECT
    return [t.std for t in normalise(text, dialect, lexicon.EMOJI, norwegian=norwegian).tokens]


# ---------- 1. morphology: apocope and text-speak ----------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("æ har lyst te å kjør bil", "kjøre"),
        ("ho ska begynn på skolen", "begynne"),
        ("vi må svar på brevet", "svare"),
        ("han kan send det", "sende"),
        ("æ ha itj tid", "har"),
    ],
)
def test_apocope_after_infinitive_marker_or_modal_reads_as_full_form(text: str, expected: str) -> None:
    assert expected in _stds(text, norwegian=True)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("å nei", "nei"),  # not a verb: no "-e" form of the same word
        ("vil ha kake", "ha"),  # "ha" after a modal is the infinitive, not "har"
        ("jeg skal til Bergen", "til"),
    ],
)
def test_apocope_never_invents_a_word(text: str, kept: str) -> None:
    assert kept in _stds(text, norwegian=True)


def test_apocope_is_only_applied_to_norwegian() -> None:
    assert "leve" not in _stds("i want to lev", norwegian=False)


APOCOPE_URGENT = [
    "æ ha ikkje lyst te å lev mer",
    "orke ikke å lev lenger",
    "vil itj lev sånn her",
]


@pytest.mark.parametrize("text", APOCOPE_URGENT)
def test_dialect_without_final_e_is_still_a_cry_for_help(text: str) -> None:
    reading, decision = _decide(text, age=17)
    assert reading.urgent and decision.urgent and decision.escalate, text


@pytest.mark.parametrize(
    "text",
    [
        "who r u and why do u have my number",
        "who r u",
        "y r u texting me",
        "how did u get my number n who gave it to u",
    ],
)
def test_text_speak_question_about_us_is_no_contact_but_escalates(text: str) -> None:
    reading, decision = _decide(text)
    assert reading.language == "en", text
    assert not decision.contact_established, text
    assert decision.escalate, text


@pytest.mark.parametrize(
    "text",
    [
        "how do i get an apprenticeship",
        "how can i get help finding a job",
    ],
)
def test_how_to_get_something_is_still_a_help_request(text: str) -> None:
    assert "help_request" in read(text).intents


def test_text_speak_does_not_touch_norwegian() -> None:
    # "r" and "n" are no words in Norwegian, but they must not become English ones in a Norwegian reply.
    assert "are" not in _stds("jeg jobber på Rema r", norwegian=True)


# ---------- 2. a time horizon the writer will not live to ----------

HORIZON_URGENT = [
    "eg kjem ikkje til å vere her til påske",
    "jeg kommer ikke til å være her til sommeren",
    "i wont be here by summer",
    "im not gonna be around by my birthday",
]

HORIZON_NEAR_MISSES = [
    "jeg er ikke hjemme til jul, jobber i Tromsø",
    "kan ikke være her på fredag, har tannlegen",
]


@pytest.mark.parametrize("text", HORIZON_URGENT)
def test_not_being_here_by_a_time_is_urgent(text: str) -> None:
    reading, decision = _decide(text, age=17)
    assert reading.urgent and decision.urgent and decision.escalate, text


@pytest.mark.parametrize("text", HORIZON_NEAR_MISSES)
def test_being_away_for_a_time_is_not_urgent(text: str) -> None:
    assert not read(text).urgent, text


# ---------- 3. activities told without their usual word ----------

def _code(text: str, county: str = "Trøndelag") -> str | None:
    reading = read(text, county=county)
    return reading.activity_code or ("OTOV" if reading.situation else None)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # childcare without the word "barn"
        ("our son was born in june so im at home with him", "OTBA"),
        ("e hjemme med veslejenta mi no", "OTBA"),
        ("heime med minstemann, han e 4 mnd", "OTBA"),
        ("babyen kom i september, så eg er heime med ho", "OTBA"),
        # self-employed
        ("har mitt eget firma, maler hus for folk", "OTAR"),
        ("driver for meg selv som frisør", "OTAR"),
        ("jobber som frilanser, mest foto", "OTAR"),
        ("plenklipping for naboer og snømåking om vinteren", "OTAR"),
        # at sea, offshore, on rotation
        ("er matros på hurtigruta", "OTAR"),
        ("jobbar på ein tråler, to veker på og to av", "OTAR"),
        ("renholder på riggen, to uker på fire uker fri", "OTAR"),
        ("im a deckhand, 3 weeks on and 3 off", "OTAR"),
        # a figure of doing well at a job
        ("crushing it at work, im a cashier at Kiwi", "OTAR"),
        # a summer job that is over
        ("hadde sommarjobb på hotellet men det er over no", "OTOV"),
        ("jobbet på Coop i juli, men det var bare en sommerjobb", "OTOV"),
        ("had a summer job at a cafe but its finished", "OTOV"),
    ],
)
def test_round7_activity_phrasings_give_their_code(text: str, code: str) -> None:
    assert _code(text) == code, text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("fisker mye på fritida", None),  # a hobby, not a trade
        ("hadde sommerjobb på Kiwi, nå jobber jeg fast på Rema", "OTAR"),  # the summer job is over, this is not
        ("passer lillebroren min av og til", None),  # a sibling is not one's own child
        ("skal starte eget firma neste år", "OTOV"),  # a plan, not the present
    ],
)
def test_round7_activity_near_misses(text: str, code: str | None) -> None:
    assert _code(text) == code, text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("sesongjobb i Chamonix hele vinteren", "OTFU_IM"),
        ("jobbar som skilærar i Alpane i vinter", "OTFU_IM"),
        ("doing a season in Val Thorens, bar work", "OTFU_IM"),
        ("jobber på et hotell på Gran Canaria til påske", "OTFU_IM"),
        # near-misses: a season at home, a job across the border while living here
        ("sesongjobb i heisen i Trysil", "OTAR"),
        ("jobber på et hotell i Tromsø", "OTAR"),
    ],
)
def test_season_of_work_abroad_is_abroad(text: str, code: str) -> None:
    assert read(text, county="Innlandet").activity_code == code, text


# ---------- 4. schools by short name, a job with a trade test ahead, wrong numbers, escalation ----------

@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("går på KVN i Bodø", "OTVF"),
        ("vg2 på KVT", "OTVF"),
        ("Sandnes kristne vgs, vg1", "OTVF"),
        ("jobber på et verksted og tar fagbrev som praksiskandidat neste år", "OTAR"),
        ("jobbar på Coop og tek fagbrevet til hausten", "OTAR"),
    ],
)
def test_round7_short_school_names_and_work_with_a_future_trade_test(text: str, code: str) -> None:
    assert _code(text) == code, text


@pytest.mark.parametrize(
    "text",
    [
        "her bor det ingen som heter Jonas",
        "ingen her som heter Sara",
        "no Emma living here, wrong number",
        "nobody called Ali here",
    ],
)
def test_nobody_of_that_name_here_is_a_wrong_number(text: str) -> None:
    reading, decision = _decide(text)
    assert decision.wrong_number and not decision.contact_established, text


def test_somebody_of_that_name_who_lives_here_is_no_wrong_number() -> None:
    _, decision = _decide("her bor jeg og Jonas, vi jobber begge på Rema")
    assert not decision.wrong_number


@pytest.mark.parametrize(
    "text",
    [
        "Dere har maset i månedsvis. Vil ikke ha noe med dere å gjøre. Punktum.",
        "dere maser hele tida, vil ikke ha oppfølging",
        "har fått nok av dere, vil ikke ha hjelp",
    ],
)
def test_refusal_with_hostility_declines_and_escalates(text: str) -> None:
    reading, decision = _decide(text)
    assert decision.contact_established and decision.status_code == "OTNO", text
    assert decision.escalate, text


@pytest.mark.parametrize(
    "text",
    [
        "Hvordan får jeg lærlingplass? Har ikke fått noe",
        "korleis får eg plass på vgs igjen?",
        "how do i get into school again",
    ],
)
def test_how_to_get_a_place_is_contact_and_escalates(text: str) -> None:
    reading, decision = _decide(text)
    assert decision.contact_established and decision.escalate, text


def test_how_you_got_my_number_is_no_help_request() -> None:
    assert "help_request" not in read("hvordan får dere tak i nummeret mitt?").intents


# ---------- 5. a passing illness told by the youth ----------

@pytest.mark.parametrize(
    "text",
    [
        "har vore forkjøla heile veka, så det har ikkje skjedd stort",
        "ligger i senga med influensa, svarer mer senere",
        "been sick with a cold all week so not much going on",
    ],
)
def test_youth_telling_a_passing_illness_is_contact_without_illness_code(text: str) -> None:
    reading, decision = _decide(text)
    assert decision.contact_established, text
    assert decision.status_code == "OTOV", text


def test_guardian_telling_a_passing_illness_is_no_contact() -> None:
    _, decision = _decide("hun er forkjølet hele uka", sender="guardian", age=16)
    assert not decision.contact_established


# ---------- 6. irony taken back, anger at a sibling ----------

@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("hater folkehøgskolen lol nei da, digger det. Skiringssal", "OTIF"),
        ("jobben er et helvete haha neida, trives på Kiwi", "OTAR"),
    ],
)
def test_neida_takes_back_a_joke_without_negating(text: str, code: str | None) -> None:
    assert _code(text) == code, text


def test_a_plain_nei_still_negates() -> None:
    assert read("nei, går ikke på skole").activity_code is None


@pytest.mark.parametrize(
    "text",
    [
        "skal kverke søstera mi som ga dere nummeret 😡 går vg2 på Amalie Skram",
        "eg skal ta knekken på veslebror som ga ut nummeret mitt 🙄 går på Tangen vgs",
    ],
)
def test_anger_at_a_sibling_over_a_trifle_is_not_urgent(text: str) -> None:
    reading = read(text)
    assert not reading.urgent, text
    assert reading.activity_code == "OTEV", text


@pytest.mark.parametrize("text", ["STOP STOP STOP 😡", "stopp stopp 🤬"])
def test_repeated_stop_with_an_angry_emoji_opts_out(text: str) -> None:
    assert "opt_out" in read(text).intents, text
