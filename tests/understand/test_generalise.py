"""Families of phrasings the reader must generalise to: my own sentences per concept, with near-misses it must not catch."""

from __future__ import annotations

import pytest

from bot.understand import read

# ---------- urgency, by concept (nb, nn, dialect, en) ----------

WANTING_TO_DIE = [
    "jeg vil egentlig bare dø",
    "har så lyst til å døy",
    "skulle ønske eg var daud",
    "i honestly just wanna die",
    "sometimes i wish i was never born",
    "er så lei av å leve",
    "har ikke lyst å leve mer",
    "tired of living like this",
]
BEING_GONE_SOON = [
    "snart er jeg borte uansett",
    "æ e itj her lenger om et par uker",
    "ingen kommer til å merke det når jeg er borte",
    "won't be around much longer anyway",
    "nobody will miss me when im gone",
    "alle hadde hatt det betre utan meg",
    "everyone would be better off without me",
]
GOODBYE_AND_BELONGINGS = [
    "takk for alt",
    "farvel alle sammen",
    "har gitt bort katten og alle tingene mine",
    "gave away all my stuff this week",
    "this is goodbye",
]
PLAN_OR_METHOD = [
    "har spart på sovepiller i flere uker",
    "tenker på å hoppe fra brua i kveld",
    "kommer til å legge meg foran toget",
    "bought a rope yesterday",
    "took the whole bottle of pills",
    "eg har tenkt å henge meg",
]
TIRED_OF_IT_ALL = [
    "orker ikkje meir",
    "vil bare sove for alltid",
    "vil forsvinne for godt",
    "klarer ikke mer",
]
SELF_HARM = [
    "jeg kutter meg når det blir for mye",
    "har skore meg sjølv igjen",
    "begynte å skade meg selv igjen",
    "i burn myself sometimes",
    "started cutting again",
]
THREATS_AND_VIOLENCE = [
    "typen truer med å drepe meg hvis jeg drar",
    "han kjem til å slå meg når han ser dette",
    "mora mi kaster ting etter meg",
    "my dad chokes me when he is drunk",
    "he threatened me with a knife",
    "stefaren låser meg inne på rommet",
    "he won't let me leave the flat",
    "han sjekker mobilen min hver kveld",
]
FEAR_AND_NOT_SAFE = [
    "er livredd for å dra hjem etter skolen",
    "eg tør ikkje gå heim i kveld",
    "jeg er redd for ham",
    "scared to go back home tonight",
    "i'm afraid of my stepdad",
    "i don't feel safe here",
    "føler meg utrygg hjemme",
]
THROWN_OUT = [
    "ble kastet ut i natt og har ingen plass å sove",
    "mamma kasta meg ut, veit ikkje kor eg skal sove",
    "got kicked out and have nowhere to sleep",
    "sover ute i natt",
]
SEXUAL_ABUSE = [
    "han presser meg til sex",
    "blei tvungen til ting eg ikkje ville",
    "he touched me and I said no",
    "ble seksuelt misbrukt av en voksen",
]
OTHER_LANGUAGES = [
    "ölmek istiyorum artık",
    "yaşamak istemiyorum",
    "chcę się zabić",
    "я больше не хочу жить",
    "хочу померти",
    "لا أريد أن أعيش",
    "نمیخوام زنده باشم",
    "noriu mirti",
]
GUARDIAN_REPORTS = [
    "sønnen min snakker om å ta livet sitt",
    "hun har skadet seg selv igjen, vi er redde",
    "jeg er redd han skal gjøre noe dumt",
    "dottera mi kuttar seg",
]


@pytest.mark.parametrize(
    "text",
    WANTING_TO_DIE
    + BEING_GONE_SOON
    + GOODBYE_AND_BELONGINGS
    + PLAN_OR_METHOD
    + TIRED_OF_IT_ALL
    + SELF_HARM
    + THREATS_AND_VIOLENCE
    + FEAR_AND_NOT_SAFE
    + THROWN_OUT
    + SEXUAL_ABUSE
    + OTHER_LANGUAGES,
)
def test_every_phrasing_of_a_cry_for_help_is_urgent(text: str) -> None:
    assert read(text).urgent, text


@pytest.mark.parametrize("text", GUARDIAN_REPORTS)
def test_guardian_reporting_danger_to_the_youth_is_urgent(text: str) -> None:
    assert read(text, sender="guardian", age=16).urgent


@pytest.mark.parametrize(
    "text",
    [
        "dødsbra dag i dag",
        "dødtrøtt etter nattevakt",
        "daudkjedeleg på skulen",
        "dødslei av matte",
        "døde nesten av latter 😂",
        "skolen dreper meg lol",
        "matten tar livet av meg 😂😂",
        "jobben dreper meg haha",
        "jeg er ikke her neste uke, er på ferie i Spania",
        "takk for alt, har fått fast jobb nå",
        "won't be around next week, going on a trip",
        "ingen bryr seg om det",
        "skal hoppe av skolen",
        "tar vakter på sykehjemmet",
    ],
)
def test_figures_of_speech_and_explained_absences_are_not_urgent(text: str) -> None:
    assert not read(text).urgent, text


@pytest.mark.parametrize("text", ["skolen dreper meg", "jobben tar livet av meg"])
def test_a_figure_of_speech_without_a_joke_marker_is_read_as_urgent(text: str) -> None:
    assert read(text).urgent


# ---------- intents ----------


@pytest.mark.parametrize(
    "text",
    [
        "kan dere slutte å sende meg sms",
        "vær så snill og stopp å sende meldinger",
        "kan dokker slutta å mase",
        "avmeld meg",
        "please stop texting me",
        "could you quit messaging me",
        "ikkje send meir til meg",
    ],
)
def test_a_request_to_stop_messages_is_opt_out(text: str) -> None:
    assert "opt_out" in read(text).intents, text


@pytest.mark.parametrize(
    "text",
    ["har slutta å sende søknader", "stoppa med å sende CV", "sluttet på skolen"],
)
def test_stopping_ones_own_sending_is_not_opt_out(text: str) -> None:
    assert "opt_out" not in read(text).intents


@pytest.mark.parametrize(
    "text",
    [
        "dette nummeret tilhører meg nå",
        "han bruker ikke dette nummeret lenger",
        "fikk dette nummeret for to måneder siden",
        "she doesn't use this number anymore",
        "this number belongs to me now",
        "hei, jeg er ikke Jonas",
    ],
)
def test_a_number_that_belongs_to_someone_else_is_a_wrong_number(text: str) -> None:
    assert "wrong_number" in read(text).intents, text


@pytest.mark.parametrize("text", ["jeg er ikke interessert", "bruker ikke mobilen så mye"])
def test_near_misses_are_not_a_wrong_number(text: str) -> None:
    assert "wrong_number" not in read(text).intents


@pytest.mark.parametrize(
    "text",
    [
        "hvordan søker jeg læreplass?",
        "korleis søkjer eg på vidaregåande",
        "how do I get an apprenticeship",
        "har jeg fortsatt rett til skole når jeg er 22?",
        "er det for seint å søke no?",
        "kem kan hjelp mæ med søknaden?",
    ],
)
def test_a_question_asking_for_help_is_a_help_request(text: str) -> None:
    assert "help_request" in read(text).intents, text


@pytest.mark.parametrize(
    "text",
    [
        "takk skal du ha",
        "tusen takk for påminnelsen",
        "takk for det 🙏",
        "thanks a lot",
        "greit å vite, takk",
        "den er grei",
    ],
)
def test_a_vague_thanks_is_a_bare_acknowledgement(text: str) -> None:
    reading = read(text)
    assert "ack" in reading.intents, text
    assert not reading.situation


def test_thanks_with_a_situation_is_not_bare() -> None:
    assert "ack" not in read("takk for det, jobber på Kiwi nå").intents


# ---------- activities ----------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("eg går i turnus på ein sjukeheim", "OTAR"),
        ("tar helgevakter på omsorgssenteret", "OTAR"),
        ("doing an apprenticeship as a plumber", "OTLL"),
        ("i'm an apprentice electrician", "OTLL"),
        ("æ e heime med ungan", "OTBA"),
        ("e heime med dei to småa, har ikkje barnehageplass", "OTBA"),
        ("looking after my daughter full time", "OTBA"),
        ("bor på en ungdomsinstitusjon nå", "OTSY"),
        ("er på ein rusinstitusjon i Bergen", "OTSY"),
        ("er på et dagtilbud i kommunen, ikke gjennom nav", "OTOV"),
        ("har fått jobb på lager, begynner om to uker", "OTOV"),
        ("fikk jobb på Kiwi. første vakt er på mandag", "OTOV"),
        ("rykker inn til førstegangstjenesten i august", "OTOV"),
        ("venter fortsatt på læreplass", "OTOV"),
        ("har ikke fått læreplass ennå", "OTOV"),
        ("går på DPS og klarer verken skole eller jobb", "OTSY"),
        ("studerer på heltid", "OTOV"),
    ],
)
def test_activity_phrasings_give_their_code(text: str, code: str) -> None:
    assert read(text).activity_code == code or (code == "OTOV" and read(text).activity_code is None
                                                 and read(text).situation), text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("jobber fulltid på Rema", "OTAR"),
        ("har jobb på lager, begynte for to uker siden", "OTAR"),
        ("er lærling som frisør", "OTLL"),
        ("jobber på sykehuset som renholder", "OTAR"),
        ("tar nattevakter på et omsorgssenter", "OTAR"),
    ],
)
def test_near_misses_keep_their_activity(text: str, code: str) -> None:
    assert read(text).activity_code == code
