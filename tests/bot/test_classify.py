"""`otbot classify`: JSON lines in, one line out per input, in order; malformed lines get an error and the run goes on."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from bot.classify import run_classify
from bot.cli import app


def _run(lines: list[str]) -> list[dict]:
    out = io.StringIO()
    run_classify(io.StringIO("".join(line + "\n" for line in lines)), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _line(id_: str, text: str, **extra: object) -> str:
    record = {"id": id_, "text": text, "sender": "youth", "age": 19, "county": "Oslo", "channel": "sms", **extra}
    return json.dumps(record, ensure_ascii=False)


def test_one_output_line_per_input_in_order() -> None:
    results = _run([_line("a", "ok"), _line("b", "jobber på Rema"), _line("c", "STOPP")])
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert results[1]["status_code"] == "OTAR" and results[2]["opt_out"]
    for key in ("contact_established", "applied", "urgent", "wrong_number", "escalate", "language", "intents",
                "explanation", "confidence", "reply", "evidence"):
        assert key in results[0]


def test_malformed_lines_get_an_error_and_the_run_goes_on() -> None:
    results = _run(
        ["{not json", _line("x", "ok", age="nineteen"), json.dumps({"id": "y", "sender": "youth", "age": 19}),
         _line("z", "hei", sender="teacher"), "[1, 2]", _line("ok", "jobber")]
    )
    assert len(results) == 6
    assert results[0]["error"].startswith("line 1:")
    assert results[1]["id"] == "x" and "age" in results[1]["error"]
    assert "text" in results[2]["error"]
    assert "sender" in results[3]["error"]
    assert "object" in results[4]["error"]
    assert results[5]["status_code"] == "OTAR"


def test_an_empty_line_yields_no_output() -> None:
    assert len(_run([_line("a", "ok"), "", "   ", _line("b", "ok")])) == 2


def test_cli_command_reads_stdin() -> None:
    result = CliRunner().invoke(app, ["classify"], input=_line("a", "feil nummer") + "\n")
    assert result.exit_code == 0
    assert json.loads(result.stdout.strip())["wrong_number"] is True


def _cli(stdin: str | bytes) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(app, ["classify"], input=stdin)
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()]


def test_age_is_optional() -> None:
    missing = json.dumps({"id": "m", "text": "jobber på Rema"})
    null = json.dumps({"id": "n", "text": "jobber på Rema", "age": None})
    results = _run([missing, null])
    assert [r["status_code"] for r in results] == ["OTAR", "OTAR"]
    assert all("error" not in r for r in results)


def test_a_guardian_with_unknown_age_cannot_establish_contact_and_the_explanation_says_so() -> None:
    line = json.dumps({"id": "g", "text": "Sønnen min er innlagt på sykehuset og kan ikke svare", "sender": "guardian"})
    (result,) = _run([line])
    assert result["contact_established"] is False and result["status_code"] is None
    assert "age unknown: a guardian's reply cannot count as contact" in result["explanation"]


def test_language_chooses_the_language_of_the_answer() -> None:
    results = _run([_line("nb", "jobber på Rema"), _line("nn", "jobber på Rema", language="nn"),
                    _line("en", "jobber på Rema", language="en")])
    assert [r["reply"] for r in results] == [
        "Takk for at du svarte! Ta gjerne kontakt om du vil ha hjelp med skole eller jobb.",
        "Takk for at du svarte! Ta gjerne kontakt om du vil ha hjelp med skule eller jobb.",
        "Thanks for answering! Get in touch if you would like help with school or work.",
    ]
    assert all(r["language"] == "nb" for r in results)  # the reading's language, not the answer's


@pytest.mark.parametrize("language", ["se", "NB", 3, ""])
def test_an_invalid_language_is_an_error_naming_the_field(language: object) -> None:
    (result,) = _run([_line("x", "jobber på Rema", language=language)])
    assert result["id"] == "x" and result["error"].startswith("line 1: 'language' must be one of nb, nn, en")


def test_adviser_is_named_in_the_urgent_answer() -> None:
    (result,) = _run([_line("u", "pappa slår meg", age=16, adviser="Kari Nordmann")])
    assert result["urgent"] and "Kari Nordmann fra OT" in result["reply"] and "116 111" in result["reply"]


@pytest.mark.parametrize("adviser", ["", "  ", 7, ["Kari"]])
def test_an_invalid_adviser_is_an_error_naming_the_field(adviser: object) -> None:
    (result,) = _run([_line("x", "ok", adviser=adviser)])
    assert "'adviser'" in result["error"]


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ('{"id": 1, "text": "x", "age": }', 31),
        ('{"id": 1, "text": "blåbærsyltetøy", "age": }', 44),  # characters, not UTF-8 bytes
        ('{"id": 1, "text": "😀 ok", "age": }', 34),  # an emoji is one character
        ('\t{"id": 1, "text": "x",}', 24),
        ('{"id": 1, "text": "x"} trailing', 24),
        ('\ufeff{"id": 1, "text": "x", "age": }', 31),  # a byte order mark is not part of the line
    ],
)
def test_a_json_error_names_the_column_as_the_user_sees_it(line: str, column: int) -> None:
    code, results = _cli(line + "\n")
    assert code == 1
    assert results[0]["error"].endswith(f"at column {column})")
    assert line.removeprefix("\ufeff")[column - 1] in "},t"


def test_a_line_that_is_not_utf8_gets_an_error_and_the_run_goes_on() -> None:
    code, results = _cli(b'{"id": 1, "text": "bl\xe5b\xe6r"}\n' + _line("b", "jobber").encode() + b"\n")
    assert code == 1
    assert results[0]["error"] == "line 1: not UTF-8 text (byte 0xe5 at column 22)"
    assert results[1]["status_code"] == "OTAR"


def test_exit_status_is_1_when_any_line_failed_and_the_run_goes_on() -> None:
    code, results = _cli(_line("a", "ok") + "\n{broken\n" + _line("c", "jobber på Rema") + "\n")
    assert code == 1
    assert [r.get("error", "").split(":")[0] for r in results] == ["", "line 2", ""]
    assert results[2]["status_code"] == "OTAR"


def test_exit_status_is_0_when_every_line_was_classified() -> None:
    code, results = _cli(_line("a", "ok") + "\n\n" + _line("b", "jobber på Rema") + "\n")
    assert code == 0 and len(results) == 2


def test_the_real_command_exits_1_on_a_bad_line_and_writes_every_line() -> None:
    feed = _line("a", "STOPP") + "\n" + '{"id": 2, "text": "x", "age": }' + "\n"
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "classify"], input=feed.encode(), capture_output=True,
                          timeout=120, check=False)
    assert proc.returncode == 1
    lines = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert lines[0]["opt_out"] is True
    assert lines[1] == {"id": None, "error": "line 2: not JSON (Expecting value at column 31)"}
