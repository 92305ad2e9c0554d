"""The contact policy: domain.md's contact rule, guardian rule and precedents, table-driven."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.codes import CodeGroup
from bot.policy import (
    UNSURE_LINES,
    CountyPolicy,
    ReplyContext,
    confidently_english,
    decide,
    reply_language,
    reply_text,
)
from bot.understand import read


def _decide(text: str, sender: str = "youth", age: int = 19, county: str = "Oslo", current: str = "OTUK",
            policy: CountyPolicy | None = None):
    reading = read(text, sender=sender, age=age, county=county)
    return decide(reading, ReplyContext(sender=sender, age=age, youth_county=county, current_code=current), policy)


@pytest.mark.parametrize(
    ("text", "contact", "code"),
    [
        ("ok", False, None),
        ("👍", False, None),
        ("takk for meldinga", False, None),
        ("STOPP", False, None),
        ("feil nummer", False, None),
        ("Automatisk svar: jeg er i militæret og svarer senere", False, None),
        ("hvem er dette?", False, None),
        ("ja det er meg", True, "OTOV"),
        ("jobber på Kiwi", True, "OTAR"),
        ("jobber fulltid, ikke send mer", True, "OTAR"),
        ("vil ikke ha oppfølging", True, "OTNO"),
        ("jobber på lager, trenger ikke dette", True, "OTAR"),
        ("jobber ikke, gjør ingenting", True, "OTOV"),
        ("kan noen ringe meg?", True, "OTOV"),
    ],
)
def test_contact_rule_for_youth_replies(text: str, contact: bool, code: str | None) -> None:
    decision = _decide(text)
    assert decision.contact_established is contact
    assert decision.status_code == code


def test_bare_opt_out_is_no_contact_but_opt_out_and_escalated() -> None:
    decision = _decide("slutt å sende meg meldinger")
    assert decision.opt_out and decision.escalate and not decision.contact_established


def test_opt_out_with_activity_is_contact_code_and_opt_out() -> None:
    decision = _decide("går på vgs, ikke send flere meldinger")
    assert decision.contact_established and decision.opt_out and decision.status_code == "OTEV"


def test_urgent_reply_is_contact_escalated_with_help_lines() -> None:
    decision = _decide("har ikke lyst til å leve lenger")
    assert decision.urgent and decision.escalate and decision.contact_established
    assert decision.reply is not None and "113" in decision.reply and "116 123" in decision.reply


@pytest.mark.parametrize(("age", "contact"), [(17, True), (18, False)])
def test_guardian_rule_at_the_18th_birthday(age: int, contact: bool) -> None:
    decision = _decide("Sønnen min er innlagt på sykehuset og kan ikke svare", sender="guardian", age=age)
    assert decision.contact_established is contact
    assert decision.status_code == ("OTSY" if contact else None)
    assert decision.escalate


@pytest.mark.parametrize(
    "text",
    [
        "Sønnen min sitter i fengsel og kan ikke svare",
        "Ho er innlagt på psykiatrisk avdeling",
        "Datteren min bor på ungdomsheim og har ikkje mobil",
    ],
)
def test_guardian_information_that_establishes_contact_still_goes_to_an_adviser(text: str) -> None:
    decision = _decide(text, sender="guardian", age=16)
    assert decision.contact_established and decision.status_code == "OTSY" and decision.escalate


@pytest.mark.parametrize("text", ["Takk for info", "ok, takk", "👍"])
def test_guardian_bare_acknowledgement_needs_no_adviser(text: str) -> None:
    decision = _decide(text, sender="guardian", age=16)
    assert not decision.contact_established and not decision.escalate


def test_guardian_reply_for_adult_never_counts_as_contact() -> None:
    decision = _decide("Hun sitter i fengsel", sender="guardian", age=20)
    assert not decision.contact_established and decision.escalate and decision.status_code is None


@pytest.mark.parametrize(
    "text",
    ["Han har forkjølelse og svarer senere", "Hun har begynt på skolen igjen", "Kan vi få et møte?"],
)
def test_guardian_non_blocking_information_escalates_without_contact(text: str) -> None:
    decision = _decide(text, sender="guardian", age=16)
    assert not decision.contact_established and decision.escalate and decision.status_code is None


def test_guardian_opt_out_is_honoured() -> None:
    decision = _decide("Vi ønsker ikke flere meldinger", sender="guardian", age=16)
    assert decision.opt_out and not decision.contact_established


def test_parent_writing_from_youths_phone_follows_guardian_rule() -> None:
    decision = _decide("Dette er mora til Emma. Ho er innlagt på sjukehuset.", sender="youth", age=16)
    assert decision.escalate and not decision.wrong_number


def test_sibling_on_youths_phone_is_a_wrong_number() -> None:
    decision = _decide("dette er broren hans, han har nytt nummer")
    assert decision.wrong_number and not decision.contact_established


def test_default_county_policy_applies_otov_and_proposes_the_rest() -> None:
    assert _decide("ja det er meg").applied
    assert not _decide("jobber på Rema").applied


def test_county_may_apply_activity_codes_itself() -> None:
    policy = CountyPolicy(apply_groups=frozenset({CodeGroup.FOLLOW_UP, CodeGroup.IN_ACTIVITY}))
    assert _decide("jobber på Rema", policy=policy).applied


def test_known_activity_is_not_downgraded_to_otov() -> None:
    decision = _decide("ja det er meg", current="OTAR")
    assert decision.contact_established and decision.status_code is None


def test_other_language_goes_to_an_adviser_without_a_code() -> None:
    decision = _decide("Dzień dobry, pracuję w magazynie w Oslo")
    assert decision.escalate and decision.status_code is None and not decision.contact_established


def test_reply_context_rejects_an_unknown_sender() -> None:
    with pytest.raises(ValueError, match="sender"):
        ReplyContext(sender="teacher", age=17, youth_county="Oslo")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["youth", "guardian"]), st.integers(min_value=15, max_value=24))
def test_decide_never_raises(text: str, sender: str, age: int) -> None:
    decision = _decide(text, sender=sender, age=age)
    if sender == "guardian" and age >= 18:
        assert not decision.contact_established


@pytest.mark.parametrize(
    ("text", "sender", "age"),
    [
        ("STOPP", "youth", 19),
        ("jobber fulltid, ikke send mer", "youth", 20),
        ("kan dere slutte å sende meldinger", "guardian", 16),
        ("avmeld meg", "guardian", 17),
        ("vil ikke ha oppfølging, og ikke send flere sms", "youth", 18),
        ("Automatisk svar: slutt å sende", "youth", 19),
    ],
)
def test_every_opt_out_is_escalated(text: str, sender: str, age: int) -> None:
    decision = _decide(text, sender=sender, age=age)
    assert decision.opt_out or "auto" in decision.explanation
    assert decision.escalate


@pytest.mark.parametrize(
    ("text", "sender", "age"),
    [
        ("feil nummer", "youth", 19),
        ("dette er ikke Sara", "youth", 17),
        ("hun bruker ikke dette nummeret lenger", "guardian", 16),
        ("dette er mora hennes, hun har ikke dette nummeret lenger", "youth", 16),
        ("Automatisk svar: nummeret er ikke i bruk, feil nummer", "youth", 20),
        ("dette er broren hans", "youth", 18),
    ],
)
def test_every_wrong_number_is_flagged_and_escalated(text: str, sender: str, age: int) -> None:
    decision = _decide(text, sender=sender, age=age)
    assert decision.wrong_number
    assert decision.escalate
    assert not decision.contact_established


# ---- The answer: language (the youth's målform from the roster), help lines and the adviser's name ----


def _answer(text: str, language: str = "nb", age: int | None = 19, sender: str = "youth",
            adviser: str | None = None):
    reading = read(text, sender=sender, age=age, county="Oslo")
    ctx = ReplyContext(sender=sender, age=age, youth_county="Oslo", language=language, adviser_name=adviser)
    return decide(reading, ctx)


@pytest.mark.parametrize(
    ("text", "roster_language", "key", "answer_language"),
    [
        ("jobber på Kiwi", "nb", "thanks", "nb"),  # nb youth, Norwegian reply
        ("jobber på Kiwi", "nn", "thanks", "nn"),  # nn youth writing Bokmål: the roster's choice wins
        ("eg jobbar på Kiwi", "nb", "thanks", "nb"),  # nb youth writing Nynorsk: still nb
        ("Hi, who is this and why do you have my info?", "nb", "question", "en"),  # confidently English
        ("I work at Burger King in Sandnes, about 30 hours a week", "nn", "thanks", "en"),
        ("jobber på Kiwi", "en", "thanks", "en"),  # the roster says English
        ("skal begynne i militæret i januar", "nb", "thanks", "nb"),  # loanword-free plan, the reader says "en"
        ("skal begynne i militæret i januar", "nn", "thanks", "nn"),
        ("ok", "nb", "ack", "nb"),  # loanwords prove nothing
        ("stop", "nn", "opt_out", "nn"),
    ],
)
def test_reply_language_is_the_roster_language_unless_the_reply_is_confidently_english(
    text: str, roster_language: str, key: str, answer_language: str
) -> None:
    assert _answer(text, roster_language).reply == reply_text(key, answer_language)


@pytest.mark.parametrize("roster_language", ["nb", "nn"])
def test_norwegian_with_a_future_plan_never_gets_an_english_answer(roster_language: str) -> None:
    reading = read("skal begynne i militæret i januar")
    assert not confidently_english(reading)
    assert reply_language(reading, ReplyContext(sender="youth", age=17, youth_county="Oslo",
                                                language=roster_language)) == roster_language


def test_reply_context_rejects_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="language"):
        ReplyContext(sender="youth", age=17, youth_county="Oslo", language="se")


def test_urgent_self_harm_gets_the_lines_for_dark_thoughts() -> None:
    decision = _answer("jeg kutter meg selv hver kveld", age=16)
    assert decision.urgent and decision.reply is not None
    assert "113" in decision.reply and "116 123" in decision.reply and "22 40 00 40" in decision.reply
    assert "116 111" not in decision.reply and "112" not in decision.reply


def test_urgent_violence_at_home_for_a_minor_gets_police_and_alarmtelefonen() -> None:
    decision = _answer("pappa slår meg når han er full", age=16)
    assert decision.urgent and decision.reply is not None
    assert "112" in decision.reply and "116 111" in decision.reply
    assert "116 123" not in decision.reply


def test_urgent_violence_for_an_adult_gets_police_without_the_childrens_line() -> None:
    decision = _answer("pappa slår meg når han er full", age=20)
    assert decision.reply is not None
    assert "112" in decision.reply and "116 111" not in decision.reply


def test_urgent_violence_with_unknown_age_keeps_the_childrens_line() -> None:
    decision = _answer("pappa slår meg når han er full", age=None)
    assert decision.reply is not None and "116 111" in decision.reply


def test_urgent_without_a_known_kind_of_danger_gets_the_default_lines() -> None:
    decision = _answer("takk for at dere prøvde. dette er siste melding fra meg", age=17)
    assert decision.urgent and decision.reply == reply_text("urgent", "nb", help_lines=UNSURE_LINES)


def test_urgent_answer_names_the_adviser_when_known() -> None:
    named = _answer("har ikke lyst til å leve lenger", adviser="Kari Nordmann")
    assert named.reply is not None and "Kari Nordmann fra OT" in named.reply
    anonymous = _answer("har ikke lyst til å leve lenger")
    assert anonymous.reply is not None and "En veileder fra OT" in anonymous.reply


def test_urgent_answer_in_nynorsk_names_the_adviser() -> None:
    decision = _answer("pappa slår meg", language="nn", age=16, adviser="Ola Nordmann")
    assert decision.reply is not None
    assert "Ola Nordmann frå OT" in decision.reply and "116 111" in decision.reply


# ---- Unknown age ----


def test_guardian_reply_with_unknown_age_cannot_count_as_contact() -> None:
    decision = _answer("Sønnen min er innlagt på sykehuset og kan ikke svare", sender="guardian", age=None)
    assert not decision.contact_established and decision.status_code is None and decision.escalate
    assert "age unknown: a guardian's reply cannot count as contact" in decision.explanation


@pytest.mark.parametrize("text", ["jobber på Kiwi", "ok", "STOPP", "feil nummer", "har ikke lyst til å leve lenger"])
def test_youth_reply_with_unknown_age_is_judged_as_with_a_known_age(text: str) -> None:
    unknown, known = _answer(text, age=None), _answer(text, age=19)
    assert unknown == known


@pytest.mark.parametrize(("text", "sender", "age", "key"), [
    ("ok", "youth", 19, "ack"),
    ("jobber på Kiwi", "youth", 19, "thanks"),
    ("STOPP", "youth", 19, "opt_out"),
    ("jobber fulltid, ikke send mer", "youth", 19, "opt_out"),
    ("START", "youth", 19, "resume"),
    ("feil nummer", "youth", 19, "wrong_number"),
    ("har ikke lyst til å leve lenger", "youth", 19, "urgent"),
    ("kan noen ringe meg?", "youth", 19, "help"),
    ("Sønnen min er innlagt på sykehuset og kan ikke svare", "guardian", 16, "guardian"),
    ("Automatisk svar: jeg er i militæret og svarer senere", "youth", 19, None),
])
def test_reply_key_names_the_template_the_reply_ends_with(text: str, sender: str, age: int, key: str | None) -> None:
    decision = _decide(text, sender=sender, age=age)
    assert decision.reply_key == key
    if key is not None:
        assert decision.reply is not None and decision.reply.endswith(reply_text(key, "nb"))


def test_a_question_asked_without_a_bare_answer_changes_nothing() -> None:
    reading = read("ok", sender="youth", age=19, county="Oslo")
    plain = decide(reading, ReplyContext(sender="youth", age=19, youth_county="Oslo"))
    asked = decide(reading, ReplyContext(sender="youth", age=19, youth_county="Oslo", asked="activity_choice"))
    assert plain == asked
