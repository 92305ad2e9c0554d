"""The reply texts are Jinja2 templates per language (flows/templates/<language>/<name>.txt.j2), StrictUndefined."""

from __future__ import annotations

import pytest

from bot.policy import REPLY_KEYS, REPLY_LANGUAGES, UNSURE_LINES, reply_text
from flows.templates import LANGUAGES, TemplateError, names, render, variables

ALL_LINES = ("113", "112", "116111", "116123", "22400040")


def test_the_loader_and_the_policy_know_the_same_languages() -> None:
    assert set(LANGUAGES) == set(REPLY_LANGUAGES) == {"nb", "nn", "en"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reply_key_has_a_template_in_every_language(language: str) -> None:
    assert {f"reply_{key}" for key in REPLY_KEYS} <= names(language)


def test_every_language_has_the_same_templates() -> None:
    assert names("nb") == names("nn") == names("en")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", REPLY_KEYS)
@pytest.mark.parametrize("adviser", [None, "Kari Nordmann"])
def test_every_reply_renders_with_strict_undefined(key: str, language: str, adviser: str | None) -> None:
    text = reply_text(key, language, adviser_name=adviser, help_lines=ALL_LINES)
    assert text and text == text.strip()
    assert "{" not in text and "}" not in text and "\n" not in text


@pytest.mark.parametrize("key", REPLY_KEYS)
def test_reply_templates_use_only_the_common_reply_variables(key: str) -> None:
    for language in LANGUAGES:
        assert variables(f"reply_{key}", language) <= {"adviser_name", "help_lines"}


def test_a_missing_variable_raises_an_error_naming_the_template_and_the_variable() -> None:
    with pytest.raises(TemplateError) as caught:
        render("reply_urgent", "nn", adviser_name=None)
    assert "nn/reply_urgent.txt.j2" in str(caught.value)
    assert "missing variable help_lines" in str(caught.value)


def test_a_missing_variable_used_only_in_a_condition_is_an_error_too() -> None:
    with pytest.raises(TemplateError, match="reply_help.*missing variable adviser_name"):
        render("reply_help", "nb")


def test_an_unknown_template_or_language_is_a_clear_error() -> None:
    with pytest.raises(TemplateError, match="no template 'reply_nothing' for language 'nb'"):
        render("reply_nothing", "nb")
    with pytest.raises(TemplateError, match="language must be one of nb, nn, en, not 'se'"):
        render("reply_ack", "se")
    with pytest.raises(TemplateError, match="lower_snake_case"):
        render("../nb/reply_ack", "nb")


def test_the_urgent_default_text_is_the_one_of_before() -> None:
    assert reply_text("urgent", "nb", help_lines=UNSURE_LINES) == (
        "Takk for at du sier ifra. Er det akutt, ring 113. Du kan også snakke med noen nå: Mental Helse 116 123 "
        "eller Kirkens SOS 22 40 00 40 (hele døgnet). En veileder fra OT tar kontakt med deg så snart som mulig."
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_urgent_text_gives_exactly_the_lines_asked_for(language: str) -> None:
    text = reply_text("urgent", language, help_lines=("112", "116111"))
    assert "112" in text and "116 111" in text
    assert "113" not in text and "116 123" not in text and "22 40 00 40" not in text


@pytest.mark.parametrize(("language", "without_name"), [("nb", "En veileder fra OT"), ("nn", "Ein rettleiar frå OT"),
                                                        ("en", "An adviser from OT")])
def test_the_urgent_text_names_the_adviser_when_known(language: str, without_name: str) -> None:
    assert without_name in reply_text("urgent", language)
    named = reply_text("urgent", language, adviser_name="Kari Nordmann")
    assert "Kari Nordmann" in named and without_name not in named
