"""The reply reader: pure text (+ sender, age, county) -> Reading (language, intents, claimed activity, urgency)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.understand.reader import ACTIVITY_CODES, Claim, Evidence, Reading, read

__all__ = ["ACTIVITY_CODES", "Claim", "Evidence", "Reading", "read"]


def __getattr__(name: str) -> Any:
    # Lazy: importing the package (e.g. for a submodule) must not load the lexicon.
    if name in __all__:
        from bot.understand import reader

        return getattr(reader, name)
    raise AttributeError(f"module 'bot.understand' has no attribute {name!r}")
