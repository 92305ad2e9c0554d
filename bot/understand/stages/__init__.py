"""The reader's stages, in the order they run. Each is a pure function `(Context, Findings) -> Findings` with one
job; `normalise` makes the Context. The precedence table (bot/understand/precedence.py) settles what they find.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.understand.findings import Context, Findings
from bot.understand.stages.activities import activities
from bot.understand.stages.identity import identity
from bot.understand.stages.normalise import normalise_reply
from bot.understand.stages.opt_out import opt_out
from bot.understand.stages.places import places
from bot.understand.stages.requests import requests
from bot.understand.stages.speaker import speaker
from bot.understand.stages.urgency import urgency

Stage = Callable[[Context, Findings], Findings]

# The pipeline after normalising, in order: later stages read what earlier ones found.
PIPELINE: tuple[tuple[str, Stage], ...] = (
    ("speaker", speaker),
    ("urgency", urgency),
    ("opt_out", opt_out),
    ("identity", identity),
    ("requests", requests),
    ("activities", activities),
    ("places", places),
)

__all__ = ["PIPELINE", "Stage", "normalise_reply"]
