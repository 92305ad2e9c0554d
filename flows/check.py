"""`otbot templates check`: render every message template with the longest realistic values and count SMS
segments (pure: returns results, prints nothing).

A template fails the check when it cannot be rendered (unknown or broken template, a variable that is not
given, e.g. a new variable a template author forgot to add to SAMPLE_VALUES) or when it costs more SMS
segments than its limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from jinja2 import TemplateSyntaxError

from flows.segments import count_segments
from flows.templates import LANGUAGES, TemplateError, names, render, variables

# The longest values a template will realistically meet, so that a template that passes here fits in real
# use too. Counties: "Møre og Romsdal" is the longest of the 15. Links: 40 characters of https. A realistic
# long double-barrelled adviser name. help_lines: every help line at once (the longest urgent answer).
SAMPLE_VALUES: Mapping[str, object] = {
    "first_name": "Hanne-Kristine",
    "adviser_name": "Marie-Louise Østensen-Kristiansen",
    "county": "Møre og Romsdal",
    "rights_link": "https://www.mrfylke.no/ot/dine-rettar-16",
    "chat_link": "https://chat.mrfylke.no/ot/c/8F3kQ2xZ7pL",
    "telegram_link": "https://t.me/ot_more_romsdal_bot?start=9",
    "deadline": "15. februar",
    "children": ["Hanne-Kristine", "Mohammed-Ali", "Marie-Louise"],
    "help_lines": ("113", "112", "116111", "116123", "22400040"),
}

# Segment limits by template kind, first matching prefix wins. The reply_* answers may take 3: the urgent
# answer must carry several help lines (113, 112, 116 111, 116 123, Kirkens SOS) plus who from OT gets in
# touch, and cutting a help line to save a segment is never worth it. Outbound sequence messages are sent to
# thousands of youth each year, so their cost matters and short reads better: 2. `--max-segments` overrides
# both; it is also the hook for the county-specific limit that will come from county settings.
DEFAULT_LIMITS: tuple[tuple[str, int], ...] = (
    ("reply_", 3),
    ("", 2),
)


def default_limit(name: str) -> int:
    """The segment limit of template `name` when no --max-segments is given."""
    return next(limit for prefix, limit in DEFAULT_LIMITS if name.startswith(prefix))


@dataclass(frozen=True)
class TemplateCheck:
    """One template in one language: what it costs, its limit, and what is wrong (None when it passes)."""

    name: str
    language: str
    limit: int
    encoding: str | None = None  # None when it could not be rendered
    characters: int | None = None
    units: int | None = None
    segments: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_template(name: str, language: str, limit: int, values: Mapping[str, object] = SAMPLE_VALUES) -> TemplateCheck:
    """Render one template with `values` (only the variables it uses) and compare its segments with `limit`."""
    try:
        used = variables(name, language)
        missing = sorted(used - values.keys())
        if missing:
            return TemplateCheck(name, language, limit,
                                 problem=f"undefined variable {', '.join(missing)} (no sample value)")
        text = render(name, language, **{key: values[key] for key in used})
    except TemplateError as exc:
        return TemplateCheck(name, language, limit, problem=str(exc))
    except TemplateSyntaxError as exc:  # variables() lets a syntax error through unwrapped
        return TemplateCheck(name, language, limit,
                             problem=f"template flows/templates/{language}/{name}.txt.j2 line {exc.lineno}: "
                                     f"{exc.message}")
    cost = count_segments(text)
    problem = f"too long: {cost.segments} > {limit} segments" if cost.segments > limit else None
    return TemplateCheck(name, language, limit, cost.encoding, len(text), cost.units, cost.segments, problem)


def check_templates(max_segments: int | None = None, languages: Iterable[str] | None = None,
                    values: Mapping[str, object] = SAMPLE_VALUES) -> list[TemplateCheck]:
    """Every template in every one of `languages` (default: all), sorted by name then language.

    `max_segments` replaces the default limits (DEFAULT_LIMITS) for every template when given.
    """
    chosen = tuple(languages) if languages is not None else LANGUAGES
    results = []
    for language in chosen:
        for name in names(language):
            limit = max_segments if max_segments is not None else default_limit(name)
            results.append(check_template(name, language, limit, values))
    order = {language: index for index, language in enumerate(LANGUAGES)}
    return sorted(results, key=lambda check: (check.name, order.get(check.language, len(order)), check.language))
