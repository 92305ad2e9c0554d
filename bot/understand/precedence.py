"""The precedence table (data/precedence.yaml): which finding wins or is cancelled when several meet.

The stages find things; this module answers three questions from the table, and nothing else:
- which present activity decides the code (`activity_order`) and which speaker finding decides who writes;
- whether a finding is cancelled by a cue in its scope (`cancelled_by`), and by which row (its reason);
- which combinations of concepts hold (`combinations`): concepts that say something only together.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import yaml

from bot.understand import lexicon as lx
from bot.understand.findings import inside, overlaps
from bot.understand.lexicon import Hit, LexiconError

SCOPES = frozenset({"overlap", "inside", "clause", "reply"})
# Cues a stage computes from the reply (not lexicon concepts or markers); each names the stage that makes it.
DERIVED_CUES: dict[str, str] = {
    "crying_figure": "urgency: a trivial subject ('skolen dreper meg') with a crying-laughing emoji",
    "service_refusal": "urgency: 'orker ikke' with a word for our service ('opplegg', 'oppfølging')",
    "present_activity": "settle: any activity stated as the present",
    "recovered_past": "urgency: risk words in a past clause, and 'better now / safe / helped' in the reply",
    "ack_only": "urgency: the reply is nothing but thanks and acknowledgement words",
    "negated_risk": "urgency: a one-word risk term with a negation just before it ('ikke voldelig')",
    "past_death": "urgency: someone else's life taken, in the past tense ('tok sitt eget liv')",
    "third_person_only": "urgency: the clause names another person and not the writer",
    "about_applications": "opt_out: the clause is about the youth's applications",
    "about_letters_only": "opt_out: the clause names letters and no messages",
    "stop_without_object": "opt_out: a clause-final stop word with no object about messages",
    "stop_calling": "opt_out: the thing to stop is calling, and messages are welcome",
    "negated": "requests: a negation stands before the words",
    "workplace": "activities: the place just after a work phrase",
    "extent_of_other_activity": "activities: 'full time' in a clause about another activity",
    "someone_elses": "activities: the work verb has another subject ('mamma jobber')",
}
MARKERS = frozenset({"negation", "plan", "started", "ended", "past", "joke"})


@dataclass(frozen=True, slots=True)
class CancelRow:
    cues: tuple[str, ...]
    cancels: tuple[str, ...]
    scope: str
    why: str

    def applies_to(self, kind: str) -> bool:
        return kind in self.cancels or any(kind.startswith(c[:-3]) for c in self.cancels if c.endswith(".any"))


@dataclass(frozen=True, slots=True)
class CombineRow:
    all: tuple[str, ...]
    gives: str
    within: str
    why: str


@dataclass(frozen=True)
class Table:
    activity_order: tuple[str, ...]
    speaker_order: tuple[str, ...]
    cancel: tuple[CancelRow, ...]
    combine: tuple[CombineRow, ...]

    @functools.cached_property
    def _by_kind(self) -> dict[str, tuple[CancelRow, ...]]:
        return {}

    def rows_for(self, kind: str) -> tuple[CancelRow, ...]:
        """The cancel rows that apply to a finding kind, in table order (looked up once per kind)."""
        rows = self._by_kind.get(kind)
        if rows is None:
            rows = self._by_kind[kind] = tuple(row for row in self.cancel if row.applies_to(kind))
        return rows


def _names(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise LexiconError(f"precedence.yaml {where}: expected a name or a list of names")
    return tuple(value)


def load(raw: Mapping[str, Any], concepts: Sequence[str]) -> Table:
    """Check and build the table; every cue must be a concept, a marker or a derived cue (one clear error)."""
    known = set(concepts) | MARKERS | set(DERIVED_CUES)
    cancel: list[CancelRow] = []
    for n, row in enumerate(raw.get("cancel") or [], start=1):
        where = f"cancel row {n}"
        if not isinstance(row, dict) or not str(row.get("why") or "").strip():
            raise LexiconError(f"precedence.yaml {where}: needs cue, cancels, scope and a why")
        cues = _names(row.get("cue"), where)
        unknown = [c for c in cues if c not in known]
        if unknown:
            raise LexiconError(f"precedence.yaml {where}: unknown cue {unknown[0]!r}")
        if row.get("scope") not in SCOPES:
            raise LexiconError(f"precedence.yaml {where}: scope must be one of {sorted(SCOPES)}")
        cancel.append(CancelRow(cues, _names(row.get("cancels"), where), str(row["scope"]), str(row["why"])))
    combine: list[CombineRow] = []
    for n, row in enumerate(raw.get("combine") or [], start=1):
        where = f"combine row {n}"
        if not isinstance(row, dict) or not str(row.get("why") or "").strip() or not row.get("gives"):
            raise LexiconError(f"precedence.yaml {where}: needs all, gives, within and a why")
        parts = _names(row.get("all"), where)
        unknown = [c for c in parts if c not in concepts]
        if unknown:
            raise LexiconError(f"precedence.yaml {where}: unknown concept {unknown[0]!r}")
        if row.get("within") not in ("reply", "clause"):
            raise LexiconError(f"precedence.yaml {where}: within must be reply or clause")
        combine.append(CombineRow(parts, str(row["gives"]), str(row["within"]), str(row["why"])))
    order = _names(raw.get("activity_order"), "activity_order")
    speakers = _names(raw.get("speaker_order"), "speaker_order")
    return Table(order, speakers, tuple(cancel), tuple(combine))


def _load_default() -> Table:
    with (files("bot.understand") / "data" / "precedence.yaml").open(encoding="utf-8") as handle:
        raw = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(raw, dict):
        raise LexiconError("precedence.yaml: expected a mapping at the top")
    return load(raw, list(lx.CONCEPTS))


TABLE = _load_default()


def in_scope(scope: str, hit: Hit, cue: Hit, clause_of: Sequence[int]) -> bool:
    if scope == "reply":
        return True
    if scope == "overlap":
        return overlaps(hit, [cue])
    if scope == "inside":
        return inside(hit, [cue])
    return clause_of[hit.first] == clause_of[cue.first]


def cancelled_by(
    kind: str, hit: Hit, cues: Mapping[str, Sequence[Hit]], clause_of: Sequence[int], table: Table = TABLE
) -> CancelRow | None:
    """The first row of the table that cancels a finding of `kind` at `hit`, None when it stands."""
    for row in table.rows_for(kind):
        for name in row.cues:
            if any(in_scope(row.scope, hit, cue, clause_of) for cue in cues.get(name, ())):
                return row
    return None


def combinations(
    hits: Mapping[str, Sequence[Hit]], clause_of: Sequence[int], table: Table = TABLE,
    present: frozenset[str] | None = None,
) -> list[tuple[CombineRow, tuple[Hit, ...]]]:
    """Every combination row whose concepts are all present, each by words of its own (in one clause when
    `within: clause`)."""
    found: list[tuple[CombineRow, tuple[Hit, ...]]] = []
    for row in table.combine:
        if present is not None and not present.issuperset(row.all):
            continue  # `present`: the concepts with hits, when the caller knows them (a cheap pre-check)
        if not all(hits.get(name) for name in row.all):
            continue
        parts = [list(hits[name]) for name in row.all]
        if row.within == "reply":
            # Each concept by words of its own: "hoppe" is no method and its own thought at once.
            chosen: list[Hit] = []
            for part in parts:
                pick = next((h for h in part if not overlaps(h, chosen)), None)
                if pick is None:
                    break
                chosen.append(pick)
            else:
                found.append((row, tuple(chosen)))
            continue
        for first in parts[0]:
            clause = clause_of[first.first]
            rest = [next((h for h in p if clause_of[h.first] == clause), None) for p in parts[1:]]
            if all(r is not None for r in rest):
                found.append((row, (first, *[r for r in rest if r is not None])))
                break
    return found


def first_present(order: Sequence[str], present: Mapping[str, object]) -> str | None:
    return next((name for name in order if name in present), None)
