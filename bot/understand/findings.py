"""What the reader's stages pass along: the read-only Context of one reply and the Findings so far.

Every stage is a pure function `stage(ctx, found) -> Findings`: it reads the reply (ctx) and what earlier stages
found, and returns the findings with its own part filled in (dataclasses.replace). Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.understand import lexicon as lx
from bot.understand.lexicon import Hit
from bot.understand.text import Normalised


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why the reader concluded something: the rule and the words of the reply (with offsets)."""

    rule: str
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Claim:
    """An activity the reply mentions, and whether it is the present, a plan, negated, ended or asked about."""

    concept: str
    code: str
    status: str  # present | plan | negated | ended | question | unpaid (a "job" that earns nothing)
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a stage found: its kind ("urgent.phrase", "opt_out", ...), the stage, and the words."""

    kind: str
    stage: str
    hits: tuple[Hit, ...]


@dataclass(frozen=True, slots=True)
class Cancelled:
    """A finding a row of the precedence table cancelled, kept for the explanation."""

    finding: Finding
    why: str


@dataclass(frozen=True, slots=True)
class Context:
    """One reply as the normalise stage left it: read-only for every later stage."""

    text: str
    sender: str
    age: int | None
    county: str | None
    language: str
    norm: Normalised
    hits: Mapping[str, list[Hit]]
    markers: Mapping[str, list[Hit]]

    # The token range of each clause (clause numbers run 0, 1, 2 ... in reading order); see clause_ranges().
    clauses: Mapping[int, range] = field(default_factory=dict)
    found: frozenset[str] = frozenset()  # the concepts with at least one hit

    def clause(self, hit: Hit) -> int:
        return self.norm.clause_of[hit.first]

    def clause_range(self, clause: int) -> range:
        return self.clauses.get(clause, range(0))

    def words(self, first: int, last: int) -> list[str]:
        return [self.norm.tokens[i].std for i in range(max(first, 0), min(last + 1, len(self.norm.tokens)))]

    def only_ack(self) -> bool:
        """Nothing but acknowledgement words, acknowledgement phrases ("takk for info") and emoji."""
        covered = {i for h in self.hits["ack_phrase"] for i in range(h.first, h.last + 1)}
        return all(i in covered or t.std in lx.ACK_WORDS or t.std.startswith("emo_")
                   for i, t in enumerate(self.norm.tokens))

    def evidence(self, rule: str, first: int, last: int) -> Evidence:
        start = self.norm.tokens[first].start
        end = self.norm.tokens[last].end
        return Evidence(rule=rule, text=self.text[start:end], start=start, end=end)


@dataclass(frozen=True, slots=True)
class Findings:
    """What the stages found so far. Each stage fills in its own fields."""

    speaker: str = "self"  # self | guardian | other: who the writer says they are
    urgent: tuple[Finding, ...] = ()
    # Risk concepts the reply touches whether or not they stood as urgent (the safety net reads these).
    risk: tuple[Finding, ...] = ()
    intents: tuple[str, ...] = ()
    claims: tuple[Claim, ...] = ()
    present: Mapping[str, Hit] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
    cancelled: tuple[Cancelled, ...] = ()
    # Which stage decided each intent or activity: "stage/rule" (for the explanation).
    decided_by: Mapping[str, str] = field(default_factory=dict)

    def has(self, intent: str) -> bool:
        return intent in self.intents


def clause_ranges(clause_of: Iterable[int]) -> dict[int, range]:
    """Clause number -> the range of its tokens."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for i, c in enumerate(clause_of):
        first.setdefault(c, i)
        last[c] = i
    return {c: range(first[c], last[c] + 1) for c in first}


def evolve(found: Findings, **changes: object) -> Findings:
    """A copy of `found` with some fields changed (dataclasses.replace, without its per-call introspection)."""
    new = object.__new__(Findings)
    setter = object.__setattr__
    for name in _FINDINGS_FIELDS:
        setter(new, name, getattr(found, name))
    for name, value in changes.items():
        setter(new, name, value)
    return new


def overlaps(hit: Hit, others: Iterable[Hit]) -> bool:
    return any(not (hit.last < o.first or hit.first > o.last) for o in others)


def inside(hit: Hit, others: Iterable[Hit]) -> bool:
    return any(o.first <= hit.first and hit.last <= o.last for o in others)


_FINDINGS_FIELDS = tuple(Findings.__dataclass_fields__)
