"""Structured logging that never writes message text or phone numbers in clear."""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Keys whose values are personal content: dropped from every log event.
CONTENT_KEYS = frozenset({"text", "body", "message_text", "reply", "Body"})
# Phone-like runs: +47 912 34 567, 91234567, 004791234567 ...
_PHONE = re.compile(r"(?<![\w])(?:\+|00)?\d(?:[\s.-]?\d){6,14}(?![\w])")


def pseudonym(value: str) -> str:
    """A short stable token for an address, so log lines can be correlated without the number."""
    return "addr:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:10]


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return _PHONE.sub(lambda m: pseudonym(re.sub(r"\D", "", m.group(0))), value)
    return value


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: drop content keys, mask phone numbers in every remaining value."""
    for key in list(event):
        if key in CONTENT_KEYS:
            event[key] = "[redacted]"
        else:
            event[key] = _mask(event[key])
    return event


def configure(level: str = "INFO", json: bool = False) -> None:
    logging.basicConfig(stream=sys.stderr, level=level.upper(), format="%(message)s")
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
