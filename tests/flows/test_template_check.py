"""Outbound message templates, their SMS cost, their tone, and `otbot templates check`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import flows.check as check
import flows.templates as templates
from bot.cli import app
from flows.check import SAMPLE_VALUES, TemplateCheck, check_template, check_templates, default_limit
from flows.segments import count_segments
from flows.templates import LANGUAGES, names, render, variables

OUTBOUND = ("first_contact", "reminder_1", "reminder_2", "chat_invite", "guardian_info", "deadline_special",
            "deadline_ordinary", "still_apply", "which_child")
OUTBOUND_VARIABLES = {"first_name", "adviser_name", "county", "rights_link", "chat_link", "telegram_link",
                      "deadline", "children"}
CHOICES = {
    "nb": "Svar 1 skole, 2 jobb, 3 noe annet, 4 vil snakke med noen",
    "nn": "Svar 1 skule, 2 jobb, 3 noko anna, 4 vil snakke med nokon",
    "en": "Reply 1 school, 2 work, 3 other, 4 talk to someone",
}
SERVICE = {"nb": "Oppfølgingstjenesten", "nn": "Oppfølgingstenesta", "en": "follow-up service"}
NO_ADVISER = {"nb": "En veileder", "nn": "Ein rettleiar", "en": "An adviser"}


def _render(name: str, language: str, **overrides: object) -> str:
    values = {**SAMPLE_VALUES, **overrides}
    return render(name, language, **{key: values[key] for key in variables(name, language)})


# --- the templates exist, agree across languages and render ----------------------------------------------------

@pytest.mark.parametrize("name", OUTBOUND)
def test_every_outbound_template_exists_in_every_language_with_the_same_variables(name: str) -> None:
    for language in LANGUAGES:
        assert name in names(language), f"{language}/{name} is missing"
    used = {language: variables(name, language) for language in LANGUAGES}
    assert used["nb"] == used["nn"] == used["en"]
    assert used["nb"] <= OUTBOUND_VARIABLES


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", OUTBOUND)
def test_every_outbound_template_starts_with_a_comment_naming_its_variables(name: str, language: str) -> None:
    source = (Path(templates.__file__).parent / "templates" / language / f"{name}.txt.j2").read_text("utf-8")
    assert source.startswith("{#")
    comment = source[: source.index("#}")]
    assert "Variables:" in comment
    for variable in variables(name, language):
        assert variable in comment, f"{language}/{name}: the comment does not name {variable}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", OUTBOUND)
@pytest.mark.parametrize("optional", [{}, {"adviser_name": None, "telegram_link": None}])
def test_every_outbound_template_renders_as_one_plain_gsm_line(name: str, language: str,
                                                               optional: dict[str, object]) -> None:
    text = _render(name, language, **optional)
    assert text and text == text.strip()
    assert "{" not in text and "}" not in text and "\n" not in text and "  " not in text
    assert "None" not in text
    assert count_segments(text).encoding == "GSM-7", "a non-GSM character (emoji, dash, quote) makes it UCS-2"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", OUTBOUND)
def test_links_are_never_glued_to_punctuation(name: str, language: str) -> None:
    # Many phones take a trailing "." or ")" into the link, which then leads nowhere.
    text = _render(name, language)
    for link in re.findall(r"https://\S+", text):
        assert link in {SAMPLE_VALUES["rights_link"], SAMPLE_VALUES["chat_link"], SAMPLE_VALUES["telegram_link"]}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", OUTBOUND)
def test_every_outbound_template_fits_its_limit_with_the_longest_values(name: str, language: str) -> None:
    result = check_template(name, language, default_limit(name))
    assert result.ok, result.problem
    assert result.segments is not None and result.segments <= 2


def test_the_default_limits_are_three_for_replies_and_two_for_outbound_messages() -> None:
    assert default_limit("reply_urgent") == 3
    assert default_limit("first_contact") == 2
    assert default_limit("anything_new") == 2


def test_the_sample_values_are_the_long_realistic_ones() -> None:
    assert SAMPLE_VALUES["county"] == "Møre og Romsdal"
    assert SAMPLE_VALUES["adviser_name"] == "Marie-Louise Østensen-Kristiansen"
    for key in ("rights_link", "chat_link", "telegram_link"):
        link = SAMPLE_VALUES[key]
        assert isinstance(link, str) and link.startswith("https://") and len(link) == 40


# --- tone ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_first_contact_says_who_why_where_to_read_and_asks_one_numbered_question(language: str) -> None:
    text = _render("first_contact", language)
    assert SAMPLE_VALUES["county"] in text
    assert SAMPLE_VALUES["rights_link"] in text
    assert SAMPLE_VALUES["adviser_name"] in text
    assert SERVICE[language] in text
    assert CHOICES[language] in text
    for digit in "1234":
        assert digit in text
    assert text.count("?") == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_first_contact_without_an_adviser_names_an_adviser_in_general(language: str) -> None:
    assert NO_ADVISER[language] in _render("first_contact", language, adviser_name=None)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["reminder_1", "reminder_2"])
def test_reminders_repeat_the_choices_and_name_who_writes(name: str, language: str) -> None:
    text = _render(name, language)
    assert CHOICES[language].split(" ", 1)[1] in text  # "1 skole, 2 jobb, …", after "Svar"/"svar"
    assert "OT" in text and SAMPLE_VALUES["county"] in text and SAMPLE_VALUES["adviser_name"] in text


GUARDIAN_FORBIDDEN = ("otuk", "otov", "status", "ukjent", "unknown", "aktivitet", "activity", "registrert",
                      "registered", "skole", "skule", "jobb", "school", "work", "svar 1", "reply 1", "1 ")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("adviser", ["Marie-Louise Østensen-Kristiansen", None])
def test_guardian_info_tells_only_the_right_and_how_to_reach_ot(language: str, adviser: str | None) -> None:
    text = _render("guardian_info", language, adviser_name=adviser)
    lowered = text.lower()
    for word in GUARDIAN_FORBIDDEN:
        assert word not in lowered, f"{language}/guardian_info says {word!r}"
    assert SAMPLE_VALUES["first_name"] in text
    assert SAMPLE_VALUES["county"] in text and SAMPLE_VALUES["rights_link"] in text and "OT" in text
    assert (adviser or NO_ADVISER[language].lower()) in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_chat_invite_offers_telegram_only_when_the_county_has_it(language: str) -> None:
    with_telegram = _render("chat_invite", language)
    assert SAMPLE_VALUES["chat_link"] in with_telegram and SAMPLE_VALUES["telegram_link"] in with_telegram
    without = _render("chat_invite", language, telegram_link=None)
    assert SAMPLE_VALUES["chat_link"] in without and "Telegram" not in without


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["deadline_special", "deadline_ordinary"])
def test_deadline_reminders_give_the_date_and_offer_help(name: str, language: str) -> None:
    text = _render(name, language, deadline="1. mars")
    assert "1. mars" in text
    assert SAMPLE_VALUES["adviser_name"] in text and SAMPLE_VALUES["county"] in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["deadline_ordinary", "still_apply"])
def test_youth_in_work_hear_of_the_trade_certificate(name: str, language: str) -> None:
    assert "praksiskandidat" in _render(name, language)


@pytest.mark.parametrize(
    ("language", "children", "expected"),
    [
        ("nb", ["Ada", "Bo"], "Ada eller Bo?"),
        ("nb", ["Ada", "Bo", "Cy"], "Ada, Bo eller Cy?"),
        ("nb", ["Ada"], "Ada?"),
        ("nn", ["Ada", "Bo", "Cy"], "Ada, Bo eller Cy?"),
        ("en", ["Ada", "Bo"], "Ada or Bo?"),
        ("en", ["Ada", "Bo", "Cy"], "Ada, Bo or Cy?"),
    ],
)
def test_which_child_lists_the_first_names(language: str, children: list[str], expected: str) -> None:
    text = _render("which_child", language, children=children)
    assert expected in text
    assert SAMPLE_VALUES["county"] in text


# --- the check itself ---------------------------------------------------------------------------------------

def test_check_templates_covers_every_template_in_every_language_and_all_pass() -> None:
    results = check_templates()
    assert {(result.name, result.language) for result in results} == {
        (name, language) for language in LANGUAGES for name in names(language)}
    assert {f"reply_{key}" for key in ("urgent", "ack", "help")} <= {result.name for result in results}
    assert all(result.ok for result in results), [result.problem for result in results if not result.ok]


def test_max_segments_overrides_both_limits() -> None:
    results = check_templates(1, ["nb"])
    assert {result.language for result in results} == {"nb"}
    assert {result.limit for result in results} == {1}
    failed = {result.name for result in results if not result.ok}
    assert "first_contact" in failed and "reply_urgent" in failed and "reply_ack" not in failed
    first = next(result for result in results if result.name == "first_contact")
    assert first.problem == f"too long: {first.segments} > 1 segments"


@pytest.fixture
def extra_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A throwaway template folder consulted before the real one (the loader and names() both see it)."""
    real_load, real_names = templates._load, check.names

    def load(path: str) -> tuple[str, str, object] | None:
        extra = tmp_path / path
        if extra.is_file():
            return extra.read_text("utf-8"), str(extra), lambda: True
        return real_load(path)

    def all_names(language: str) -> frozenset[str]:
        folder = tmp_path / language
        extra = {item.name.removesuffix(templates.SUFFIX) for item in folder.glob(f"*{templates.SUFFIX}")}
        return real_names(language) | extra

    monkeypatch.setattr(templates, "_load", load)
    monkeypatch.setattr(check, "names", all_names)
    templates._environment.cache_clear()
    yield tmp_path
    templates._environment.cache_clear()


def test_a_template_with_an_undefined_variable_is_reported_by_name(extra_templates: Path) -> None:
    (extra_templates / "nn").mkdir()
    (extra_templates / "nn" / "broken_invite.txt.j2").write_text(
        "{#- A test template. Variables: first_name, mystery_value. -#}\nHei {{ first_name }}, {{ mystery_value }}",
        encoding="utf-8")
    results = check_templates(None, ["nn"])
    broken = next(result for result in results if result.name == "broken_invite")
    assert broken == TemplateCheck("broken_invite", "nn", 2,
                                   problem="undefined variable mystery_value (no sample value)")
    assert all(result.ok for result in results if result.name != "broken_invite")


def test_an_undefined_attribute_is_reported_with_the_template(extra_templates: Path) -> None:
    (extra_templates / "nb").mkdir()
    (extra_templates / "nb" / "broken_deadline.txt.j2").write_text("Frist {{ deadline.when }}", encoding="utf-8")
    result = check_template("broken_deadline", "nb", 2)
    assert not result.ok and result.segments is None
    assert "nb/broken_deadline.txt.j2" in (result.problem or "") and "when" in (result.problem or "")


def test_a_template_with_a_syntax_error_is_reported(extra_templates: Path) -> None:
    (extra_templates / "en").mkdir()
    (extra_templates / "en" / "broken_syntax.txt.j2").write_text("Hi {{ first_name ", encoding="utf-8")
    result = check_template("broken_syntax", "en", 2)
    assert not result.ok and "broken_syntax" in (result.problem or "")


# --- the command --------------------------------------------------------------------------------------------

def test_the_command_prints_the_table_and_exits_0_on_the_real_templates() -> None:
    result = CliRunner().invoke(app, ["templates", "check"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in (*OUTBOUND, "reply_urgent"):
        assert name in result.stdout
    assert "GSM-7" in result.stdout and "segments" in result.stdout


def test_the_command_exits_1_when_a_template_is_over_the_limit() -> None:
    result = CliRunner().invoke(app, ["templates", "check", "--max-segments", "1", "--language", "nb"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "too long" in result.stdout
    assert " nn " not in result.stdout and " en " not in result.stdout


def test_the_command_exits_1_naming_a_template_with_an_undefined_variable(extra_templates: Path) -> None:
    (extra_templates / "nb").mkdir()
    (extra_templates / "nb" / "broken_invite.txt.j2").write_text("Hei {{ mystery_value }}", encoding="utf-8")
    result = CliRunner().invoke(app, ["templates", "check", "--language", "nb"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "broken_invite" in result.stdout and "mystery_value" in result.stdout


def test_the_command_refuses_an_unknown_language() -> None:
    result = CliRunner().invoke(app, ["templates", "check", "--language", "se"])
    assert result.exit_code == 2
