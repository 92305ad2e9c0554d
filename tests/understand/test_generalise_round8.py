"""Round 8 phrasing families: parents announcing themselves, urgent phrases, opt-out, job seeking and help."""

from __future__ import annotations

import pytest

from bot.policy import Decision, ReplyContext, decide
from bot.understand import Reading, read


def _decide(text: str, sender: str = "youth", age: int = 19, county: str = "Trøndelag") -> tuple[Reading, Decision]:
    reading = read(text, sender=sender, age=age, county=county)
    return reading, decide(reading, ReplyContext(sender=sender, age=age, youth_county=county))


# ---------- 1. a parent on the youth's phone announcing themselves ----------

@pytest.mark.parametrize(
    "text",
    [
        "pappa her. han jobber på lager",
        "hei, far her! Ola er på skolen",
        "dad here, he is at work",
        "mamma her, ho går på vgs no",
        "mum here, she has a job at a shop",
    ],
)
def test_parent_announcing_themselves_follows_the_guardian_rule(text: str) -> None:
    _, decision = _decide(text)
    assert not decision.contact_established, text
    assert decision.escalate, text
    assert decision.status_code is None or not decision.applied, text


@pytest.mark.parametrize(
    "text",
    [
        "jeg bor hos pappa her i byen, jobber på rema",  # "here" in town, the youth writes
        "mamma her er syk, så jeg er hjemme med henne",  # "mum here" is the subject of a sentence
    ],
)
def test_parent_word_followed_by_here_inside_a_sentence_is_the_youth(text: str) -> None:
    _, decision = _decide(text)
    assert decision.contact_established, text


# ---------- 2. urgent in other languages: cannot live, ending my life ----------

@pytest.mark.parametrize(
    "text",
    [
        "لا استطيع العيش بعد اليوم",
        "أفكر أن أنهي حياتي",
        "ما اقدر اعيش كذا",
        "nie mogę już tak żyć",
        "chcę odebrać sobie życie",
        "не могу больше так жить",
        "не можу так жити",
        "waxaan rabaa inaan dhinto",
        "میخوام به زندگیم پایان بدم",
    ],
)
def test_cannot_live_or_ending_life_in_other_languages_is_urgent(text: str) -> None:
    assert read(text).urgent, text


@pytest.mark.parametrize(
    "text",
    [
        "لا أستطيع العيش بدون قهوة",  # cannot live without coffee
        "لا أستطيع العمل هذا الأسبوع",  # cannot work this week
    ],
)
def test_everyday_cannot_in_arabic_is_not_urgent(text: str) -> None:
    assert not read(text).urgent, text


# ---------- 3. erasing the youth's own number is an opt-out ----------

@pytest.mark.parametrize(
    "text",
    [
        "vær så snill og slett mobilnummeret mitt",
        "fjern nummeret mitt takk",
        "can you remove my number",
        "delete my cell number pls",
    ],
)
def test_asking_to_erase_my_number_opts_out(text: str) -> None:
    assert _decide(text)[1].opt_out, text


@pytest.mark.parametrize(
    "text",
    [
        "jeg slettet nummeret ditt ved en feil",  # the youth erased OUR number
        "har dere slettet nummeret mitt?",  # a question about what we did
    ],
)
def test_talk_about_a_deleted_number_is_no_opt_out(text: str) -> None:
    assert not _decide(text)[1].opt_out, text


# ---------- 4. looking for work is not work; a parent "killing me" with a joke is a figure ----------

def _code(text: str) -> str | None:
    reading = read(text)
    return reading.activity_code or ("OTOV" if reading.situation else None)


@pytest.mark.parametrize(
    "text",
    ["trenger jobb asap", "ser etter jobb nå", "leiter etter arbeid", "I'm looking for a job", "need a job tbh"],
)
def test_needing_or_looking_for_a_job_is_idle_not_work(text: str) -> None:
    assert _code(text) == "OTOV", text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("jobber på rema, men trenger mer penger", "OTAR"),  # needing money, not a job
        ("jobber på kiwi og ser etter en bedre jobb", "OTAR"),  # has a job, wants another
        ("ser etter ungen min hjemme", "OTBA"),  # "se etter" = look after
    ],
)
def test_seeking_words_beside_a_real_activity_keep_the_activity(text: str, code: str) -> None:
    assert _code(text) == code, text


def test_asking_us_to_arrange_a_job_is_contact_and_escalates() -> None:
    _, decision = _decide("trenger jobb bro, kan dere fikse noe?")
    assert decision.contact_established
    assert decision.status_code == "OTOV"
    assert decision.escalate


def test_parent_killing_me_with_a_joke_marker_is_a_figure() -> None:
    reading, _ = _decide("pappa kommer til å drepe meg lol, men jeg går på vgs")
    assert not reading.urgent
    assert reading.activity_code == "OTEV"


def test_parent_killing_me_without_a_joke_marker_stays_urgent() -> None:
    assert read("pappa kommer til å drepe meg").urgent


# ---------- 5. courier and driving work beats declining; 6. Nynorsk "born" ----------

@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("leverer mat for foodora på kveldene", "OTAR"),
        ("køyrer budbil no", "OTAR"),
        ("I deliver food for Uber, doing fine", "OTAR"),
        ("kjører for Wolt og klarer meg, vil ikke ha oppfølging", "OTAR"),
        ("heime med borna no", "OTBA"),
    ],
)
def test_round8_activity_phrasings_give_their_code(text: str, code: str) -> None:
    _, decision = _decide(text)
    assert decision.status_code == code, text


@pytest.mark.parametrize(
    "text",
    ["kjører bil til skolen hver dag", "our baby was born in may"],  # driving oneself; English "born" is a birth
)
def test_driving_and_english_born_are_no_work_or_childcare(text: str) -> None:
    assert read(text).activity_code not in ("OTAR", "OTBA"), text
