"""Round 6 phrasing families (sets E and F kinds), my own sentences, each with near-misses."""

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


# ---------- 1. urgency: nn/dialect forms, indirect abuse, a means at hand disclosed ----------

URGENT_ROUND6 = [
    # being gone soon, in Nynorsk and dialect
    "æ e itj her så lenge te uansett",
    "eg kjem ikkje til å vere her så mykje lenger",
    "i wont be around much longer anyway",
    "det spelar inga rolle kva eg gjer uansett",
    # indirect sexual abuse
    "stefaren min gjør ting mot meg som ikke er ok",
    "naboen har gjort noko mot meg som ikkje er greitt",
    "my uncle did stuff to me and nobody knows",
    "han tar på meg om natta og seier eg ikkje får seie det",
    "ingen vet det, han sier jeg ikke skal si noe",
    # a means at hand and "so someone knows"
    "eg har tablettane klare i skuffen. berre så nokon veit det",
    "har et tau i garasjen, bare sånn at noen vet",
    "i have pills hidden in my room. just so someone knows",
    "pillene ligger klare på rommet mitt",
]

NEAR_MISSES_ROUND6 = [
    "eg er ikkje her i helga, er på hytta",
    "onkelen min har gjort mye fint for meg",
    "har et tau i bilen til å taue båten",
    "bare så dere vet det: jeg jobber på Kiwi nå",
    "pillene mine mot allergi ligger i skuffen",
]


@pytest.mark.parametrize("text", URGENT_ROUND6)
def test_round6_cry_for_help_in_any_form_is_urgent(text: str) -> None:
    reading, decision = _decide(text, age=17)
    assert reading.urgent, text
    assert decision.urgent and decision.escalate, text
    assert not decision.opt_out, text


@pytest.mark.parametrize("text", NEAR_MISSES_ROUND6)
def test_round6_near_misses_are_not_urgent(text: str) -> None:
    assert not read(text, age=19, county="Vestland").urgent, text


# ---------- 2. opt-out precision and recall ----------


@pytest.mark.parametrize(
    "text",
    [
        "i just want everything to stop",
        "jeg vil bare at alt skal stoppe",
        "eg vil berre at det skal slutte",
        "kan dere slutte å ringe meg? send heller sms",
        "please stop calling, texting is fine",
        "slutt å ringe, skriv melding i staden",
    ],
)
def test_stop_without_an_object_about_messages_is_no_opt_out(text: str) -> None:
    assert not read(text, age=19, county="Vestland").has("opt_out"), text


@pytest.mark.parametrize(
    "text",
    [
        "fuck off with these messages",
        "faen ta deg med disse smsene",
        "dra til hælvete med maset ditt på sms",
        "drit i å skrive til meg",
        "stopp for faen",
        "STOPP sa jeg, andre gangen nå",
        "stop texting me ffs",
        "slutt å sende meg meldinger",
    ],
)
def test_hostile_words_at_the_messages_or_a_bare_stop_is_an_opt_out(text: str) -> None:
    assert read(text, age=19, county="Vestland").has("opt_out"), text


@pytest.mark.parametrize("text", ["faen, glemte bussen igjen", "fuck off med det vaktskiftet mitt, jobber på Rema"])
def test_hostility_not_aimed_at_the_messages_is_no_opt_out(text: str) -> None:
    assert not read(text, age=19, county="Vestland").has("opt_out"), text


# ---------- 8. institutions as data, apprenticeships started, measures, childcare, wrong numbers ----------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # a hospital, a psychiatric unit, a treatment place or a prison by its name
        ("ligger på Haukeland etter ein sykkelulykke", "OTSY"),
        ("er innlagt på Gaustad nå", "OTSY"),
        ("sitter inne på Bredtveit til jul", "OTSY"),
        ("soner på Bastøy ut året", "OTSY"),
        ("er på Tyrili og blir der en stund", "OTSY"),
        ("ligger på Ahus, får ikke ha mobilen", "OTSY"),
        # working or training there is work, not a stay
        ("jobber som portør på Ullevål", "OTAR"),
        ("eg er lærling som ambulansearbeidar ved Førde sentralsjukehus", "OTLL"),
        # discharged: the stay is over
        ("vart skriven ut frå Sandviken sjukehus i går", "OTOV"),
        # an apprenticeship that has started
        ("fikk lærlingplass hos en rørlegger og har vært der sia mars", "OTLL"),
        # abroad on a working holiday or as an au pair
        ("er au pair i London til sommeren", "OTFU_IM"),
        ("doing a working holiday in New Zealand until march", "OTFU_IM"),
        # county and municipal offers
        ("går på jobbsøkerkurs på karrieresenteret", "OTOA"),
        ("er på ungdomsklubben til kommunen et par dager i uka", "OTOV"),
        # childcare told in two halves
        ("fekk ei jente i mars, er heime med ho no", "OTBA"),
        ("har tre unger og er hjemme med dem", "OTBA"),
        ("minsten holder meg våken hele natta, hjemme med han", "OTBA"),
    ],
)
def test_round6_institution_measure_and_childcare_phrasings_give_their_code(text: str, code: str) -> None:
    assert _code(text) == code, text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("bor på Ila og jobber på Rema", "OTAR"),  # Ila the neighbourhood, not the prison
        ("tok førstehjelpskurs i fjor, jobber på Kiwi nå", "OTAR"),  # a course that is no measure
        ("er hjemme med han lillebroren min i dag, jobber i morgen", "OTOV"),  # minding a brother is no childcare
    ],
)
def test_round6_near_misses_keep_their_code(text: str, code: str) -> None:
    assert _code(text) == code, text


def test_a_guardian_telling_of_a_minor_in_hospital_by_its_name_is_contact_with_otsy() -> None:
    reading, decision = _decide("Datteren min ligger på Rikshospitalet og kan ikke svare nå", sender="guardian", age=16)
    assert reading.blocking
    assert decision.contact_established and decision.status_code == "OTSY"


@pytest.mark.parametrize(
    ("text", "sender"),
    [
        ("Dette nummeret tilhører Elektroimport AS. Vennligst kontakt rett person.", "youth"),
        ("this number belongs to a company, please contact the right person", "youth"),
        ("Vi har ingen barn på 19 år her i huset", "guardian"),
        ("we have no kids that age", "guardian"),
    ],
)
def test_a_company_number_or_a_parent_without_such_a_child_is_a_wrong_number(text: str, sender: str) -> None:
    reading, decision = _decide(text, sender=sender, age=17)
    assert decision.wrong_number, text
    assert not decision.contact_established, text


def test_yes_right_person_still_confirms_identity() -> None:
    assert read("ja, rett person", age=19, county="Vestland").has("confirm_identity")


@pytest.mark.parametrize(
    "text",
    ["babyen tar livet av meg, null søvn", "ungane drep meg snart, heime med dei heile dagen", "the twins are killing me lol"],
)
def test_a_child_who_wears_a_parent_out_is_a_figure_not_urgent(text: str) -> None:
    assert not read(text, age=20, county="Vestland").urgent, text


def test_exam_in_a_subject_is_contact_not_urgent() -> None:
    reading, decision = _decide("nokon skyt meg, tentamen i kjemi på fredag 😩")
    assert not reading.urgent
    assert decision.contact_established


# ---------- 4. military service that has ended ----------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("vart dimma frå Bardufoss i juni", "OTOV"),
        ("dimmet fra førstegangstjenesten før jul", "OTOV"),
        ("er ferdig med førstegangstjenesten nå", "OTOV"),
        ("er inne i militæret til sommeren", "OTMI"),  # near-miss: still serving
    ],
)
def test_round6_military_service_ended_or_ongoing(text: str, code: str) -> None:
    assert _code(text) == code, text
