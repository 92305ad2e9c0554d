"""The contact policy: domain.md's contact rule, guardian rule and precedents, table-driven."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.codes import CodeGroup
from bot.policy import CountyPolicy, ReplyContext, decide
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
