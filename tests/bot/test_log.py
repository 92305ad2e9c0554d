"""Logs never carry message text or phone numbers in clear; one configuration for structlog and stdlib logging."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator

import pytest
import structlog

from bot.log import configure, get_logger, pseudonym


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """configure() changes process-wide state: put it back so later tests see the logging they expect."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in ("sqlalchemy", "sqlalchemy.engine", "alembic")}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name, old in quiet.items():
        logging.getLogger(name).setLevel(old)
    logging.captureWarnings(False)
    structlog.reset_defaults()


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.strip().splitlines()]


def our_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_otbot_log_handler", False)]


@pytest.mark.parametrize(
    "number",
    ["+4791234567", "+47 912 34 567", "91234567", "004791234567", "912.34.567"],
)
def test_phone_numbers_are_pseudonymised_in_every_value(capsys: pytest.CaptureFixture[str], number: str) -> None:
    configure("INFO", "json")
    get_logger("t").info("sent", address=number, note=f"to {number} ok", nested={"to": [number]})
    line = json_lines(capsys.readouterr().err)[-1]
    assert number not in json.dumps(line)
    assert str(line["address"]).startswith("addr:")
    assert str(line["note"]).startswith("to addr:") and str(line["note"]).endswith(" ok")
    assert json.dumps(line["nested"]).startswith('{"to": ["addr:')


def test_message_text_is_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", "json")
    get_logger("t").info("inbound", text="jeg har det vondt", reply="hei", message_id=42)
    line = json_lines(capsys.readouterr().err)[-1]
    assert line["text"] == "[redacted]" and line["reply"] == "[redacted]"
    assert line["message_id"] == 42
    assert "vondt" not in json.dumps(line)


def test_a_number_kept_as_an_integer_is_pseudonymised_too(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", "json")
    get_logger("t").info("sent", to=4791234567, count=60, roster_id=700100)
    line = json_lines(capsys.readouterr().err)[-1]
    assert line["to"] == pseudonym("4791234567") and (line["count"], line["roster_id"]) == (60, 700100)


def test_dates_are_not_mistaken_for_phone_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", "json")
    get_logger("t").info("import.done", as_of="2026-11-22")
    assert json_lines(capsys.readouterr().err)[-1]["as_of"] == "2026-11-22"


def test_pseudonym_is_stable_and_differs_between_numbers() -> None:
    assert pseudonym("+4791234567") == pseudonym("+4791234567")
    assert pseudonym("+4791234567") != pseudonym("+4791234568")


def test_level_is_honoured_for_structlog_and_stdlib(capsys: pytest.CaptureFixture[str]) -> None:
    configure("WARNING", "json")
    get_logger("t").info("quiet")
    get_logger("t").warning("loud")
    logging.getLogger("some.library").info("quiet too")
    logging.getLogger("some.library").error("library trouble")
    events = [line["event"] for line in json_lines(capsys.readouterr().err)]
    assert events == ["loud", "library trouble"]

    configure("DEBUG", "json")
    get_logger("t").debug("now shown")
    assert [line["event"] for line in json_lines(capsys.readouterr().err)] == ["now shown"]


def test_json_and_console_formats(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", "json")
    get_logger("t").info("hello", count=3)
    line = json_lines(capsys.readouterr().err)[0]
    assert line["event"] == "hello" and line["count"] == 3 and line["level"] == "info" and "timestamp" in line

    configure("INFO", "console")
    get_logger("t").info("hello", count=3)
    text = capsys.readouterr().err
    assert "hello" in text and "count=3" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_auto_format_is_json_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", "auto")
    get_logger("t").info("piped")
    assert json_lines(capsys.readouterr().err)[0]["event"] == "piped"


def test_configuring_twice_keeps_one_handler(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", "json")
    configure("DEBUG", "console")
    configure("INFO", "json")
    assert len(our_handlers()) == 1
    get_logger("t").info("once")
    logging.getLogger("lib").warning("once too")
    assert [line["event"] for line in json_lines(capsys.readouterr().err)] == ["once", "once too"]


def test_stdlib_records_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", "json")
    logging.getLogger("alembic.runtime").warning("could not reach %s", "+47 400 00 123")
    try:
        raise ValueError(
            "(sqlite3.IntegrityError) UNIQUE constraint failed\n[SQL: INSERT INTO youth (mobile) VALUES (?)]\n"
            "[parameters: ('hemmeligord', '+4740000123')]")
    except ValueError:
        logging.getLogger("sqlalchemy.pool").exception("failed")
    text = capsys.readouterr().err
    lines = json_lines(text)
    assert lines[0]["logger"] == "alembic.runtime" and str(lines[0]["event"]).startswith("could not reach addr:")
    for leak in ("400 00 123", "4740000123", "40000123", "hemmeligord", "INSERT"):
        assert leak not in text, leak
    assert "UNIQUE constraint failed" in str(lines[1]["exception"])


def test_sqlalchemy_engine_never_logs_statements_even_at_debug(capsys: pytest.CaptureFixture[str]) -> None:
    configure("DEBUG", "json")
    assert logging.getLogger("sqlalchemy.engine").getEffectiveLevel() == logging.WARNING
    logging.getLogger("sqlalchemy.engine.Engine").info("SELECT * FROM youth WHERE mobile = ?")
    assert capsys.readouterr().err == ""


def test_warnings_go_through_the_same_chain(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", "json")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("reached 40000123", UserWarning, stacklevel=1)
    text = capsys.readouterr().err
    assert "40000123" not in text and "addr:" in text
