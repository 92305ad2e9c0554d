"""Table-driven tests of the reply reader: my own sentences per rule (nb, nn, dialect, en), plus never-crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.understand import read
from bot.understand.text import collapse_repeats


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("jobber på Bunnpris i helgene og på kvelden", "OTAR"),
        ("eg jobbar på eit sagbruk no", "OTAR"),
        ("æ jobbe deltid på Extra", "OTAR"),
        ("working full time at a warehouse", "OTAR"),
        ("har fått fast stilling på et hotell", "OTAR"),
        ("går på vg2 restaurant og matfag", "OTEV"),
        ("eg går på skulen att, vg3", "OTEV"),
        ("back in school, doing vg1", "OTEV"),
        ("går på NTG i Bærum", "OTVF"),
        ("går på Steinerskolen i Trondheim", "OTVF"),
        ("er lærling som elektriker", "OTLL"),
        ("eg er lærekandidat på ein gard", "OTLL"),
        ("tar fagbrev som praksiskandidat og jobber på lager", "OTAR"),
        ("er inne til førstegangstjeneste på Rena", "OTMI"),
        ("avtjener verneplikten i Heimevernet", "OTMI"),
        ("er i mammaperm med minsten", "OTBA"),
        ("I stay at home with my baby", "OTBA"),
        ("ligger på sykehuset etter en operasjon", "OTSY"),
        ("er sjukmeldt for tida", "OTSY"),
        ("går på folkehøgskule i Hardanger", "OTIF"),
        ("er på AFT gjennom NAV", "OTAP"),
        ("har arbeidstrening via nav på en butikk", "OTAP"),
        ("OT fiksa praksisplass til meg på et verksted", "OTOA"),
        ("har et opplegg med NAV og kommunen, praksis to dager", "OTKO"),
    ],
)
def test_present_activity_gives_its_code(text: str, code: str) -> None:
    assert read(text).activity_code == code


@pytest.mark.parametrize(
    "text",
    [
        "jobber ikke lenger",
        "jobbar ikkje no",
        "har itj fått læreplass",
        "not working anymore",
        "sluttet som lærling før påske",
        "hoppet av skolen i oktober",
        "fekk sparken frå Coop",
        "i quit my job at Burger King",
    ],
)
def test_negated_or_ended_activity_is_not_the_present(text: str) -> None:
    reading = read(text)
    assert reading.activity_code in (None, "OTOV")
    assert reading.situation


@pytest.mark.parametrize(
    "text",
    [
        "skal begynne i militæret i mars",
        "har fått læreplass fra høsten",
        "begynner på skolen neste år",
        "planlegger å søke jobb",
        "er gravid og venter med skole",
        "going to start school in august",
    ],
)
def test_plans_are_not_the_present(text: str) -> None:
    assert read(text).activity_code in (None, "OTOV")


def test_started_apprenticeship_is_the_present() -> None:
    assert read("fikk læreplass som maler, begynte i februar").activity_code == "OTLL"


def test_school_wins_over_a_side_job() -> None:
    assert read("går vg1 og jobber litt på Rema i helgene").activity_code == "OTEV"


@pytest.mark.parametrize(
    "text",
    [
        "har ikke lyst til å leve lenger",
        "eg orkar ikkje meir, vil ikkje vere her lenger",
        "alle hadde hatt det bedre uten meg",
        "tenker på å ta livet mitt",
        "jeg skader meg selv når det blir for mye",
        "I've been cutting myself again",
        "nobody would notice if I was gone. i want to die",
        "faren min slår meg når han drikker",
        "tør ikke dra hjem i kveld",
        "føler meg ikke trygg hjemme",
        "my stepdad hits me",
        "nie chcę już żyć",
    ],
)
def test_cries_for_help_are_urgent(text: str) -> None:
    assert read(text).urgent


@pytest.mark.parametrize(
    "text",
    [
        "dødskjedelig på skolen i dag",
        "døde av latter 😂",
        "daudtrøytt etter jobb",
        "matteprøven dreper meg lol",
        "jeg dør 😂😂",
        "dødssliten men jobber på Kiwi",
    ],
)
def test_figures_of_speech_are_not_urgent(text: str) -> None:
    assert not read(text).urgent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("STOPP", "opt_out"),
        ("Stop", "opt_out"),
        ("avslutt", "opt_out"),
        ("ikkje send fleire meldingar", "opt_out"),
        ("slutt å sende meg sms", "opt_out"),
        ("ønsker ikke flere meldinger", "opt_out"),
        ("START", "resume"),
        ("feil nummer", "wrong_number"),
        ("kjenner ingen som heter Kari", "wrong_number"),
        ("wrong number sorry", "wrong_number"),
        ("Dette er broren til Ola, han har fått nytt nummer", "wrong_number"),
        ("ja det er meg", "confirm_identity"),
        ("yes this is me", "confirm_identity"),
        ("ok", "ack"),
        ("takk for info", "ack"),
        ("👍", "ack"),
        ("okeiii takkk", "ack"),
        ("Automatisk svar: jeg er på ferie", "auto_reply"),
        ("hvem er dette?", "question"),
        ("kven er de?", "question"),
        ("is this a scam", "question"),
        ("jeg har ikke gitt samtykke til dette, GDPR", "privacy_objection"),
        ("kan noen ringe meg", "help_request"),
        ("vil ikke ha oppfølging", "decline_service"),
        ("trenger ikkje hjelp frå dykk", "decline_service"),
    ],
)
def test_intents(text: str, intent: str) -> None:
    assert intent in read(text).intents


@pytest.mark.parametrize("text", ["har sluttet å sende søknader", "stoppa med skulen", "ikke send flere brev"])
def test_words_like_stop_in_a_statement_are_not_opt_out(text: str) -> None:
    assert "opt_out" not in read(text).intents


def test_parent_on_the_youths_phone_is_read_as_guardian() -> None:
    reading = read("hei, dette er moren til Sara. Hun er innlagt nå")
    assert reading.speaker == "guardian"
    assert reading.blocking


def test_a_cold_is_not_a_blocking_situation() -> None:
    assert not read("han er forkjølet og ligger i senga").blocking


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("eg jobbar på ein butikk", "nn"),
        ("jeg jobber på en butikk", "nb"),
        ("I work at a shop", "en"),
        ("Pracuję w sklepie od roku", "other"),
        ("أنا أعمل في متجر", "other"),
    ],
)
def test_language(text: str, language: str) -> None:
    assert read(text).language == language


def test_other_language_is_not_guessed_into_a_code() -> None:
    assert read("Dzień dobry, pracuję w magazynie").activity_code is None


def test_repeated_letters_collapse_to_a_known_word() -> None:
    assert collapse_repeats("jaaaa") == "ja"
    assert collapse_repeats("takkkk") == "takk"


def test_typo_in_a_vocabulary_word_still_matches() -> None:
    assert read("er lærlinng som snekker").activity_code == "OTLL"


def test_evidence_points_into_the_text() -> None:
    text = "Hei! Jobber på Rema nå"
    reading = read(text)
    assert reading.evidence
    for ev in reading.evidence:
        assert text[ev.start : ev.end] == ev.text


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_reader_never_raises_on_any_string(text: str) -> None:
    reading = read(text)
    assert reading.language in ("nb", "nn", "en", "other")


@pytest.mark.parametrize(
    "text",
    ["\x00\x01\x02\x1b[31m", "a" * 10_000, "jobber " * 2_000, "ሰላም Привет مرحبا 你好 jobber", "\u200b\ufeff", ""],
)
def test_reader_survives_odd_input(text: str) -> None:
    read(text)
