"""Round 4 phrasing families (two more authors' kinds of replies), my own sentences, each with near-misses."""

from __future__ import annotations

import pytest

from bot.policy import Decision, ReplyContext, decide
from bot.understand import Reading, read


def _decide(text: str, sender: str = "youth", age: int = 19, county: str = "Vestland") -> tuple[Reading, Decision]:
    reading = read(text, sender=sender, age=age, county=county)
    return reading, decide(reading, ReplyContext(sender=sender, age=age, youth_county=county))


def _code(text: str, county: str = "Vestland") -> str | None:
    reading = read(text, county=county)
    return reading.activity_code or ("OTOV" if reading.situation else None)


# ---------- 1. urgency, tier 2: risk concepts with no figure-of-speech cue ----------


@pytest.mark.parametrize(
    "text",
    [
        # no point / reason / strength to live, in nb, nn and English (contractions without apostrophes)
        "i really dont see any reason to keep living",
        "whats even the point of living like this",
        "ser ikkje meininga med å leve lenger",
        "det er ingen vits i å leve for meg",
        "livet mitt er helt meningsløst",
        "honestly life is pointless",
        "i cant see myself living much longer",
        "i dont want to be alive anymore",
        "vil ikkje leve meir",
        "i feel dead inside",
        "everyone would be better off without me",
        "i wanna kms",
        "ingen vits å leve på denne måten",
        "no reason to live",
        "ser ikke poenget med noe lenger",
        "no one would care if i was gone",
        "my family wants me to marry my cousin",
        # threats, fear of a person, violence
        "jeg er redd for stefaren min",
        "im scared of my boyfriend",
        "får trusler fra eksen hele tiden",
        "fikk trusler fra en på skolen",
        # forced marriage
        "foreldrene mine har bestemt at jeg skal gifte meg med fetteren min",
        "they are taking me to pakistan this summer to get married",
        "må gifte meg med en jeg aldri har møtt",
        "mamma vil sende meg tilbake til Irak for å gifte meg bort",
        # "help" and a danger word
        "hjelp, jeg er livredd",
        "please help, its not safe here",
        "hjelp, det er farlig hjemme hos oss",
    ],
)
def test_risk_concepts_without_a_figure_cue_are_urgent(text: str) -> None:
    reading, decision = _decide(text)
    assert reading.urgent, text
    assert decision.urgent and decision.escalate and decision.contact_established, text


@pytest.mark.parametrize(
    "text",
    [
        "im dead 💀",
        "i'm so dead tired after work",
        "er helt død etter trening i dag",
        "jeg var helt daud etter vakta",
        "dying of laughter rn",
        "holder på å dø av kjedsomhet her hjemme",
        "jeg trener meg ihjel for tida",
        "bestefar døde i fjor, så det har vært tungt",
        "katten vår døde",
        "jeg er redd for eksamen",
        "redd for å ikke komme inn på skolen",
        "kan dere hjelpe meg å finne læreplass? er redd det er for seint",
        "trenger hjelp med søknad, fristen er farlig nær",
        "skal gifte meg til sommeren 🥰",
        "ser ingen vits med skolen",
        "no point applying now",
        "orker ikke noe opplegg fra dere",
        # living somewhere is not being alive
        "vil ikke leve på NAV resten av livet",
        "i dont want to live in Oslo anymore",
        "no reason to live at home when i work in Bergen",
        "hva er vitsen med alt dette papirarbeidet",
        "gamer til jeg dør",
        "ser ikke poenget med å søke på noe mer",
        "kan dere hjelpe? er tvunget til å velge linje nå",
    ],
)
def test_figures_of_speech_and_trivial_worries_are_not_urgent(text: str) -> None:
    assert not read(text).urgent, text


def test_a_guardian_reporting_that_the_youth_sees_no_point_in_living_is_urgent() -> None:
    reading, decision = _decide("han sier det ikke er noen vits å leve lenger", sender="guardian", age=16)
    assert reading.urgent and decision.urgent and decision.escalate


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("kjemien på Wang dreper meg 😭", "OTVF"),
        ("læretida dreper meg lol, fagprøve i juni", "OTLL"),
        ("har jobba meg ihjel på Kiwi denne uka 💀", "OTAR"),
        ("heilt daud etter kveldsskift på lageret", "OTAR"),
        ("er helt død etter nattevakt på sykehjemmet", "OTAR"),
    ],
)
def test_a_figure_of_speech_beside_an_activity_gives_the_activity_not_urgent(text: str, code: str) -> None:
    reading = read(text)
    assert not reading.urgent, text
    assert _code(text) == code, (text, reading.activity, reading.evidence)


# ---------- 2. contact families ----------


@pytest.mark.parametrize(
    "text",
    [
        "kunne trengt en prat med noen snart",
        "trenger noen å prate med",
        "i need someone to talk to",
        "ønsker en samtale med en veileder",
        "har jeg krav på læreplass?",
        "jeg har vel rett til videregående enda? vil tilbake",
        "am i still entitled to upper secondary?",
        "har dere noen jobber?",
        "finnes det noe jobb for meg?",
    ],
)
def test_wanting_to_talk_asking_about_rights_or_a_job_is_contact_and_escalates(text: str) -> None:
    _, decision = _decide(text)
    assert decision.contact_established and decision.escalate and decision.status_code == "OTOV", text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # abroad with the family ("hit" is the place an earlier clause named)
        ("bur i Tyrkia med familien no, vi flytta hit i sommar", "OTFU_IM"),
        ("vi er i Polen med familien, har flytta hit for godt", "OTFU_IM"),
        ("we are in Lithuania with my family now, moved here in june", "OTFU_IM"),
        # refusing the service in slang
        ("gidder itj dokker", "OTNO"),
        ("orker ikke noe opplegg fra dere", "OTNO"),
        # a NAV measure promised, not started; AAP beside "no measure"
        ("nav lovet meg arbeidstrening men ingenting har skjedd", "OTOV"),
        ("fikk beskjed om tiltak fra nav, men har ikke hørt noe siden", "OTOV"),
        ("er på aap pga angst, ikke i noe tiltak", "OTSY"),
        # someone else's work
        ("er hjemme med dattera mi, mannen min jobber", "OTBA"),
        ("passer babyen mens kjæresten jobber på Rema", "OTBA"),
        # a school attended and quit; out of custody or hospital
        ("gikk på Tangen vgs men slutta i vg1", "OTOV"),
        ("slapp ut av fengsel i august, bor hos mor nå", "OTOV"),
        ("ble skrevet ut fra psykiatrisk i forrige uke", "OTOV"),
        # military units and roles
        ("er rekrutt på Madla nå", "OTMI"),
        ("tjenestegjør i HV", "OTMI"),
        ("er i Kystvakten", "OTMI"),
        # jokes and jobs that earn nothing
        ("jobber som CEO på gutterommet haha", "OTOV"),
        ("influencer på tiktok men tjener ingenting", "OTOV"),
        ("jobber frivillig i Røde Kors", "OTOV"),
        # a diagnosis on its own is illness
        ("har angst og er mest hjemme", "OTSY"),
    ],
)
def test_round4_activity_phrasings_give_their_code(text: str, code: str) -> None:
    reading, decision = _decide(text)
    assert decision.contact_established, text
    assert decision.status_code == code, (text, reading.evidence)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("er i Spania på ferie med familien, jobber på Kiwi ellers", "OTAR"),
        ("går på AAP og er i arbeidstrening hos NAV", "OTAP"),
        ("jobber på Kiwi, får ikke lønn før den 20.", "OTAR"),
        ("jobber frivillig i Røde Kors og deltid på Kiwi", "OTAR"),
        ("går på Tangen vgs", "OTEV"),
        ("pappa og jeg jobber på verkstedet hans", "OTAR"),
    ],
)
def test_round4_near_misses_keep_their_code(text: str, code: str) -> None:
    assert _code(text) == code, (text, read(text, county="Vestland").evidence)


def test_someone_elses_work_alone_states_nothing_about_the_youth() -> None:
    assert read("mamma jobber på Kiwi").activity_code is None


# ---------- 3. a warm thank-you with no content is not contact ----------


@pytest.mark.parametrize(
    "text",
    ["tusen takk for at dere tenker på meg ❤️", "thanks for checking in 🙂", "takk for at dere bryr dere"],
)
def test_a_warm_thank_you_is_a_bare_acknowledgement(text: str) -> None:
    reading, decision = _decide(text)
    assert "ack" in reading.intents, (text, reading.intents)
    assert not decision.contact_established and decision.status_code is None


def test_a_thank_you_that_states_an_activity_is_contact() -> None:
    _, decision = _decide("takk for at dere tenker på meg, jeg jobber på Kiwi nå")
    assert decision.contact_established and decision.status_code == "OTAR"


# ---------- 4. wrong number: a number bought or owned for a while ----------


@pytest.mark.parametrize(
    "text",
    [
        "har hatt dette nummeret i to år, kjenner ingen med det navnet",
        "nummeret tilhører ikke Jonas lenger",
        "kjøpte nytt abonnement og fikk dette nummeret",
        "i bought this number last month, whoever you are looking for doesnt have it anymore",
    ],
)
def test_a_number_that_changed_hands_is_a_wrong_number(text: str) -> None:
    _, decision = _decide(text)
    assert decision.wrong_number and decision.escalate and not decision.contact_established, text


@pytest.mark.parametrize("text", ["kjøpte ny mobil, derfor svarte jeg ikke", "har hatt samme nummer hele livet, ja det er meg"])
def test_a_new_phone_or_an_old_number_of_ones_own_is_not_a_wrong_number(text: str) -> None:
    assert "wrong_number" not in read(text).intents, text
