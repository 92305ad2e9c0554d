"""`otbot classify`: JSON lines in, one line out per input, in order; malformed lines get an error and the run goes on."""

from __future__ import annotations

import io
import json

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
