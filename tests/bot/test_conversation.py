"""bot.conversation: a bare reply read against the question the bot asked, and the policy's use of it."""

from __future__ import annotations

import pytest

from bot.conversation import CHILD, CONFIRM, OTHER, SCHOOL, TALK, WORK, answer_to_question
from bot.policy import ReplyContext, decide
from bot.understand import read
from storage.enums import Question

ACTIVITY, WHAT, WHICH = Question.ACTIVITY_CHOICE, Question.WHAT_DOING, Question.WHICH_CHILD


@pytest.mark.parametrize(("text", "kind", "key"), [
    ("1", SCHOOL, "1"), ("2", WORK, "2"), ("3", OTHER, "3"), ("4", TALK, "4"),
    ("2.", WORK, "2"), (" 2 ", WORK, "2"), ("nr 2", WORK, "2"), ("nr. 2", WORK, "2"), ("2)", WORK, "2"),
    ("2 jobb", WORK, "2"), ("2: jobb", WORK, "2"), ("1 skole", SCHOOL, "1"), ("3 noe annet", OTHER, "3"),
    ("4 vil snakke med noen", TALK, "4"), ("2!", WORK, "2"), ("2 👍", WORK, "2"),
])
def test_numbers_answer_the_activity_choice(text: str, kind: str, key: str) -> None:
    answer = answer_to_question(text, ACTIVITY)
    assert answer is not None and (answer.kind, answer.key) == (kind, key)


@pytest.mark.parametrize("text", ["5", "0", "12", "2 skole", "2 barn", "jeg har 2 jobber", "2 eller 3", "", "  "])
def test_other_numbers_and_longer_replies_are_not_answers(text: str) -> None:
    assert answer_to_question(text, ACTIVITY) is None


@pytest.mark.parametrize("question", [ACTIVITY, WHAT, "activity_choice"])
@pytest.mark.parametrize("text", ["ja", "Ja!", "yes", "jepp", "stemmer", "Det stemmer.", "ja 👍"])
def test_a_bare_yes_to_any_question_confirms(text: str, question: str) -> None:
    answer = answer_to_question(text, question)
    assert answer is not None and answer.kind == CONFIRM


@pytest.mark.parametrize("text", ["ja", "2", "stemmer", "ok"])
def test_nothing_is_an_answer_without_a_question(text: str) -> None:
    assert answer_to_question(text, None) is None


@pytest.mark.parametrize("text", ["ok", "👍", "takk", "nei", "ja men jobber ikke", "2"])
def test_acks_and_other_words_are_not_answers_to_what_doing(text: str) -> None:
    assert answer_to_question(text, WHAT) is None


def test_stored_choices_replace_the_default_numbering() -> None:
    answer = answer_to_question("1", ACTIVITY, {"1": "work", "2": "school"})
    assert answer is not None and answer.kind == WORK


CHOICES = {"1": 11, "2": 12}
NAMES = {"1": "Ada", "2": "Bo Martin"}


@pytest.mark.parametrize(("text", "key"), [
    ("1", "1"), ("2.", "2"), ("nr 2", "2"), ("Ada", "1"), ("ada!", "1"), ("Det gjelder Bo", "2"),
    ("Martin", "2"), ("1 Ada", "1"), ("it's about Ada", "1"),
])
def test_which_child_by_number_or_first_name(text: str, key: str) -> None:
    answer = answer_to_question(text, WHICH, CHOICES, names=NAMES)
    assert answer is not None and (answer.kind, answer.key, answer.value) == (CHILD, key, CHOICES[key])


@pytest.mark.parametrize("text", ["begge", "Ada og Bo", "1 og 2", "3", "ja", "Ada er syk", "2 Ada", "Eva", "ok"])
def test_which_child_is_never_guessed(text: str) -> None:
    assert answer_to_question(text, WHICH, CHOICES, names=NAMES) is None


# ------------------------------------------------------------------------------------------- the policy uses it


def _decide(text: str, asked: str | None, sender: str = "youth", age: int = 19):
    answer = answer_to_question(text, asked)
    reading = read(text, sender=sender, age=age, county="Oslo")
    ctx = ReplyContext(sender=sender, age=age, youth_county="Oslo", asked=asked,
                       answer=answer.kind if answer and answer.kind != CHILD else None)
    return decide(reading, ctx)


@pytest.mark.parametrize(("text", "code", "applied", "escalate", "reply_key"), [
    ("1", "OTEV", False, False, "thanks"),
    ("2", "OTAR", False, False, "thanks"),
    ("nr 2", "OTAR", False, False, "thanks"),
    ("2 jobb", "OTAR", False, False, "thanks"),
    ("3", "OTOV", True, False, "thanks"),
    ("4", "OTOV", True, True, "help"),
    ("ja", "OTOV", True, False, "thanks"),
    ("stemmer", "OTOV", True, False, "thanks"),
])
def test_answers_to_the_activity_choice(text: str, code: str, applied: bool, escalate: bool,
                                        reply_key: str) -> None:
    decision = _decide(text, ACTIVITY)
    assert decision.contact_established
    assert (decision.status_code, decision.applied, decision.escalate) == (code, applied, escalate)
    assert decision.reply_key == reply_key


@pytest.mark.parametrize("text", ["1", "2", "ja", "stemmer"])
def test_without_a_question_the_reader_alone_decides(text: str) -> None:
    decision = _decide(text, None)
    assert not decision.contact_established and decision.status_code is None


def test_ja_without_a_question_stays_a_bare_acknowledgement() -> None:
    decision = _decide("ja", None)
    assert decision.reply_key == "ack" and not decision.escalate


def test_ok_after_the_follow_up_question_gets_no_second_question() -> None:
    first = _decide("ok", ACTIVITY)
    assert first.reply_key == "ack" and not first.contact_established
    second = _decide("ok", WHAT)
    assert second.reply is None and second.reply_key is None
    assert not second.contact_established and not second.escalate


def test_ja_after_the_follow_up_question_confirms() -> None:
    decision = _decide("ja", WHAT)
    assert decision.contact_established and decision.status_code == "OTOV"


def test_a_guardians_bare_answer_is_no_contact() -> None:
    decision = _decide("ja", ACTIVITY, sender="guardian", age=16)
    assert not decision.contact_established and decision.status_code is None


def test_urgent_words_are_read_as_urgent_whatever_was_asked() -> None:
    reading = read("har ikke lyst til å leve lenger", sender="youth", age=19, county="Oslo")
    ctx = ReplyContext(sender="youth", age=19, youth_county="Oslo", asked=ACTIVITY, answer=CONFIRM)
    decision = decide(reading, ctx)
    assert decision.urgent and decision.reply_key == "urgent"


def test_an_answer_needs_a_question_and_a_known_kind() -> None:
    with pytest.raises(ValueError):
        ReplyContext(sender="youth", age=19, youth_county="Oslo", answer=WORK)
    with pytest.raises(ValueError):
        ReplyContext(sender="youth", age=19, youth_county="Oslo", asked=ACTIVITY, answer="child")
