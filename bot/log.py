"""Structured logging that never writes message text or phone numbers in clear.

`configure()` is called once at the start of every command (bot.cli). structlog events and stdlib records
(alembic, sqlalchemy, libraries) go through one handler on the root logger and the same processor chain,
so redaction applies to both: content keys dropped, phone-like runs pseudonymised, SQL statements and their
parameters cut out. Output is JSON lines (production) or readable lines (a terminal), on standard error.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog

# Keys whose values are personal content: dropped from every log event.
CONTENT_KEYS = frozenset({"text", "body", "message_text", "reply", "Body"})
# Phone-like runs: +47 912 34 567, 91234567, 004791234567 ...
_PHONE = re.compile(r"(?<![\w])(?!\d{4}-\d\d-\d\d(?!\d))(?:\+|00)?\d(?:[\s.-]?\d){6,14}(?![\w])")
# What SQLAlchemy appends to its error messages: the statement and its parameters (personal data).
_SQL_TAIL = re.compile(r"\[(?:SQL|parameters):.*", re.S)
# sqlalchemy.engine logs each statement at INFO and its parameters at INFO/DEBUG: never below WARNING.
QUIET_LOGGERS = ("sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool", "sqlalchemy.orm")
# Set on the handler configure() installs, so a second call replaces it instead of adding another.
_HANDLER_MARK = "_otbot_log_handler"


def pseudonym(value: str) -> str:
    """A short stable token for an address, so log lines can be correlated without the number."""
    return "addr:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:10]


def redact_text(value: str) -> str:
    """A text fit for a log or a terminal: SQL and parameters cut, phone numbers pseudonymised."""
    value = _SQL_TAIL.sub("[SQL and parameters removed]", value)
    return _PHONE.sub(lambda m: pseudonym(re.sub(r"\D", "", m.group(0))), value)


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {key: "[redacted]" if key in CONTENT_KEYS else _mask(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_mask(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and abs(value) >= 10_000_000:
        # Eight digits and more: a phone number kept as a number (counts and ids never get this big).
        return pseudonym(str(abs(value)))
    if isinstance(value, int | float):
        return value
    # Anything else would be rendered with str() or repr() later: mask that text now.
    return redact_text(str(value))


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: drop content keys, mask phone numbers and SQL in every remaining value."""
    for key in list(event):
        if key in CONTENT_KEYS:
            event[key] = "[redacted]"
        else:
            event[key] = _mask(event[key])
    return event


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time of each record (pytest and CliRunner swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _use_json(fmt: str) -> bool:
    if fmt == "auto":
        isatty = getattr(sys.stderr, "isatty", None)
        return not (callable(isatty) and isatty())
    return fmt == "json"


def configure(level: str = "INFO", fmt: str = "auto") -> None:
    """Set up logging for this process: `level` (DEBUG…CRITICAL), `fmt` auto | json | console. Idempotent."""
    number = logging.getLevelName(level.strip().upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}")
    if fmt not in ("auto", "json", "console"):
        raise ValueError(f"unknown log format {fmt!r}")
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if _use_json(fmt)
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, True)

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(number)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(number, logging.WARNING))
    # Alembic says "Context impl SQLiteImpl." at INFO on every command: shown only when debugging.
    # Chatty at INFO (every migration step, every job run): shown only at DEBUG.
    for name in ("alembic", "apscheduler"):
        logging.getLogger(name).setLevel(number if number <= logging.DEBUG else max(number, logging.WARNING))
    # Warnings (SAWarning and the like) become log records, so they are redacted too.
    logging.captureWarnings(True)

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(number),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
