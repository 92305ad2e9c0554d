"""Who a clause is about: the writer's own words and words for someone else (used by urgency and activities)."""

from __future__ import annotations

from bot.understand import lexicon as lx

# The writer's own voice; "i" only counts in English ("i" is "in" in Norwegian), so it is checked apart.
FIRST_PERSON = frozenset("jeg meg min mi mitt mine vi oss selv sjølv me my myself mine we us".split())
THIRD_PERSON = frozenset(
    "han hun ho hen ham henne dem de dei he she him they them".split()
    + [w.lstrip("=") for w in lx.GROUPS.get("parent", "").split("|") + lx.GROUPS.get("relative", "").split("|")]
) - FIRST_PERSON
