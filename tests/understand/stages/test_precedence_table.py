"""The precedence table (data/precedence.yaml) as data: its loader, its scopes and its combinations."""

from __future__ import annotations

import pytest

from bot.understand import lexicon as lx
from bot.understand.lexicon import Hit, LexiconError
from bot.understand.precedence import DERIVED_CUES, TABLE, cancelled_by, combinations, load

CONCEPTS = list(lx.CONCEPTS)
ROW = {"cue": ["joke"], "cancels": ["urgent.weak"], "scope": "reply", "why": "a joke"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"cancel": [{**ROW, "cue": ["no_such_cue"]}]}, "unknown cue 'no_such_cue'"),
        ({"cancel": [{**ROW, "scope": "sentence"}]}, "scope must be one of"),
        ({"cancel": [{**ROW, "why": ""}]}, "needs cue, cancels, scope and a why"),
        ({"combine": [{"all": ["urgent_means", "nope"], "gives": "urgent.x", "within": "reply", "why": "w"}]},
         "unknown concept 'nope'"),
        ({"combine": [{"all": ["urgent_means"], "gives": "urgent.x", "within": "paragraph", "why": "w"}]},
         "within must be reply or clause"),
        ({"activity_order": []}, "activity_order: expected a name or a list of names"),
    ],
)
def test_a_broken_table_is_one_clear_error(raw: dict, message: str) -> None:
    full = {"activity_order": ["work"], "speaker_order": ["confirm_identity"], **raw}
    with pytest.raises(LexiconError, match=message):
        load(full, CONCEPTS)


def test_the_shipped_table_names_only_known_cues_and_every_activity_code() -> None:
    from bot.understand.stages.activities import ACTIVITY_CODES, MEASURE_CODES
    from bot.understand.stages.places import MOVE_CODES

    known = set(CONCEPTS) | set(DERIVED_CUES) | {"negation", "plan", "started", "ended", "past", "joke"}
    assert {cue for row in TABLE.cancel for cue in row.cues} <= known
    assert set(TABLE.activity_order) == set(ACTIVITY_CODES) | set(MEASURE_CODES) | set(MOVE_CODES)
    assert TABLE.activity_order[0] == "abroad"  # abroad beats any activity (domain.md)
    assert TABLE.activity_order.index("school") < TABLE.activity_order.index("work")  # school beats a side job


CLAUSES = [0, 0, 0, 1, 1, 1]  # two clauses of three words each


@pytest.mark.parametrize(
    ("scope", "cue", "cancelled"),
    [
        ("overlap", Hit("c", 1, 2), True),
        ("overlap", Hit("c", 3, 4), False),
        ("inside", Hit("c", 0, 2), True),
        ("inside", Hit("c", 2, 2), False),
        ("clause", Hit("c", 2, 2), True),
        ("clause", Hit("c", 4, 4), False),
        ("reply", Hit("c", 5, 5), True),
    ],
)
def test_each_scope(scope: str, cue: Hit, cancelled: bool) -> None:
    table = load({"activity_order": ["work"], "speaker_order": ["confirm_identity"],
                  "cancel": [{"cue": ["joke"], "cancels": ["urgent.weak"], "scope": scope, "why": "w"}]}, CONCEPTS)
    row = cancelled_by("urgent.weak", Hit("urgent_weak", 1, 1), {"joke": [cue]}, CLAUSES, table)
    assert (row is not None) is cancelled
    assert cancelled_by("urgent.phrase", Hit("urgent", 1, 1), {"joke": [cue]}, CLAUSES, table) is None


def test_a_family_row_cancels_every_member_of_it() -> None:
    table = load({"activity_order": ["work"], "speaker_order": ["confirm_identity"],
                  "cancel": [{"cue": ["joke"], "cancels": ["activity.any"], "scope": "reply", "why": "w"}]}, CONCEPTS)
    assert cancelled_by("activity.work", Hit("work", 0, 0), {"joke": [Hit("j", 5, 5)]}, CLAUSES, table)
    assert cancelled_by("urgent.weak", Hit("w", 0, 0), {"joke": [Hit("j", 5, 5)]}, CLAUSES, table) is None


def test_combinations_need_every_part_and_distinct_clauses_when_asked() -> None:
    table = load({"activity_order": ["work"], "speaker_order": ["confirm_identity"], "combine": [
        {"all": ["danger_who", "danger_act"], "gives": "urgent.x", "within": "clause", "why": "w"},
        {"all": ["urgent_means", "urgent_intent"], "gives": "urgent.y", "within": "reply", "why": "w"},
    ]}, CONCEPTS)
    same = combinations({"danger_who": [Hit("a", 0, 0)], "danger_act": [Hit("b", 1, 2)]}, CLAUSES, table)
    assert [row.gives for row, _ in same] == ["urgent.x"]
    apart = combinations({"danger_who": [Hit("a", 0, 0)], "danger_act": [Hit("b", 3, 4)]}, CLAUSES, table)
    assert apart == []
    reply = combinations({"urgent_means": [Hit("a", 0, 0)], "urgent_intent": [Hit("b", 5, 5)]}, CLAUSES, table)
    assert [row.gives for row, _ in reply] == ["urgent.y"]
    assert combinations({"urgent_means": [Hit("a", 0, 0)]}, CLAUSES, table) == []


def test_a_combination_needs_words_of_its_own_for_each_concept() -> None:
    table = load({"activity_order": ["work"], "speaker_order": ["confirm_identity"], "combine": [
        {"all": ["urgent_method", "urgent_think"], "gives": "urgent.m", "within": "reply", "why": "w"}]}, CONCEPTS)
    assert combinations({"urgent_method": [Hit("a", 2, 3)], "urgent_think": [Hit("b", 3, 3)]}, CLAUSES, table) == []
    both = combinations({"urgent_method": [Hit("a", 2, 3)], "urgent_think": [Hit("b", 3, 3), Hit("b", 5, 5)]},
                        CLAUSES, table)
    assert [hits for _, hits in both] == [(Hit("a", 2, 3), Hit("b", 5, 5))]
