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
