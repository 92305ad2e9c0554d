"""The learned second opinion on urgency (bot.understand.second_opinion) and its training script.

No wall-clock asserts here: speed and load time are measured by hand (see the module docstring). The one
slow test retrains in memory (`--check` logic) and takes a few seconds (well under 20 s).
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest

from bot.understand import second_opinion as so
from bot.understand import train_urgent

# Written for these tests, not taken from the corpus (test_these_texts_are_not_in_the_corpus checks it).
CRIES_FOR_HELP = [
    "jeg vil ikke leve lenger, orker ikke mer",  # nb
    "eg vil ikkje leve meir, orkar ikkje",  # nn
    "i really want to die tonight",  # en
    "pappa slår meg hver dag og jeg tør ikke gå hjem",  # nb, violence at home
    "nie chcę już dłużej żyć",  # pl
    "не хочу більше жити",  # uk
    "artık yaşamak istemiyorum",  # tr
    "waxaan doonayaa inaan dhinto",  # so
    "أريد أن أموت",  # ar
]

CALM_REPLIES = [
    "jobber på rema",
    "ok takk",
    "skolen dreper meg lol",
    "går vg2 elektro",
    "i work at a cafe now",
    "takk for meldingen, går på vgs",
]

ODD_INPUTS = ["", "   ", "💀💀💀💀", "?!?!", "a" * 5000, "ክሞት እደሊ እየ", "我不想活了", "ذهبتُ إلى المدرسة", "\u200c\u200d\ufe0f"]


def test_the_model_loads_with_its_header() -> None:
    model = so.load()
    assert model is so.load()  # cached
    assert 0.5 <= model.threshold < 1.0
    assert model.char and model.word
    cv = model.header["cv"]
    assert cv["precision"] >= cv["target_precision"] == 0.97
    assert 0.0 < cv["recall"] <= 1.0
    assert model.header["features"] == so.FEATURE_SETTINGS


def test_the_model_file_is_small_and_names_its_corpus() -> None:
    assert so.MODEL_PATH.stat().st_size < 400_000
    corpus = train_urgent.CORPUS_PATH.read_bytes()
    assert so.load().header["corpus"]["sha256"] == hashlib.sha256(corpus).hexdigest()
    rows = [json.loads(line) for line in corpus.decode("utf-8").splitlines()]
    assert all(set(r) == {"text", "urgent", "source"} and isinstance(r["urgent"], bool) for r in rows)
    assert so.load().header["corpus"]["texts"] == len(rows)


def test_the_corpus_keeps_out_the_evaluation_set() -> None:
    sources = {json.loads(line)["source"] for line in train_urgent.CORPUS_PATH.read_text(encoding="utf-8").splitlines()}
    assert not [s for s in sources if "replies_dev" in s or "labelled_new" in s or s.startswith("/")]


@pytest.mark.parametrize("text", CRIES_FOR_HELP + CALM_REPLIES + ODD_INPUTS)
def test_probabilities_are_in_range_and_deterministic(text: str) -> None:
    p = so.urgent_probability(text)
    assert 0.0 <= p <= 1.0
    assert so.urgent_probability(text) == p
    fresh = so.model_from_dict(json.loads(so.MODEL_PATH.read_text(encoding="utf-8")))
    assert fresh.probability(text) == pytest.approx(p, abs=1e-12)  # the word cache changes nothing


def test_these_texts_are_not_in_the_corpus() -> None:
    corpus = {so.normalise(json.loads(line)["text"])
              for line in train_urgent.CORPUS_PATH.read_text(encoding="utf-8").splitlines()}
    assert not [t for t in CRIES_FOR_HELP if so.normalise(t) in corpus]


@pytest.mark.parametrize("text", CRIES_FOR_HELP)
def test_a_clear_cry_for_help_in_any_language_is_urgent(text: str) -> None:
    """The reader (its concepts, with the second opinion beside them) flags every one of these."""
    from bot.understand import read

    assert read(text).urgent, (text, so.urgent_probability(text), so.load().threshold)


def test_the_model_ranks_every_cry_for_help_above_every_calm_reply() -> None:
    cries = {t: so.urgent_probability(t) for t in CRIES_FOR_HELP}
    calm = {t: so.urgent_probability(t) for t in CALM_REPLIES}
    assert min(cries.values()) > max(calm.values()), (cries, calm)
    assert sum(so.raises_urgent(t) for t in CRIES_FOR_HELP) >= len(CRIES_FOR_HELP) // 2


@pytest.mark.parametrize("text", CALM_REPLIES)
def test_a_calm_reply_does_not_raise_urgent(text: str) -> None:
    assert not so.raises_urgent(text), (text, so.urgent_probability(text), so.load().threshold)


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("Neiiiii!!!  jeg   VIL", "neii jeg vil"),
        ("don't", "dont"),
        ("ＡＢＣ", "abc"),  # NFKC
        ("أَرِيدُ", "ارید"),  # harakat dropped, yeh unified
        ("می\u200cخوام", "میخوام"),  # ZWNJ dropped
        ("💀💀💀💀", "💀 💀"),
    ],
)
def test_normalise(raw: str, norm: str) -> None:
    assert so.normalise(raw) == norm


def test_features_count_every_occurrence() -> None:
    chars, words = so.features("vil dø")
    assert words == ["vil", "dø", "vil dø"]
    assert " dø " in chars and " vi" in chars and "l d" not in chars  # n-grams stay inside a padded word


def test_a_changed_weight_is_a_difference() -> None:
    committed = json.loads(so.MODEL_PATH.read_text(encoding="utf-8"))
    changed = copy.deepcopy(committed)
    key = next(iter(changed["weights"]["word"]))
    changed["weights"]["word"][key] += 0.01
    assert train_urgent._same(committed, copy.deepcopy(committed))
    assert not train_urgent._same(committed, changed)


def test_check_fails_in_one_line_on_a_stale_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "urgent_corpus.jsonl"
    stale.write_text('{"text": "x", "urgent": false, "source": "t"}\n', encoding="utf-8")
    monkeypatch.setattr(train_urgent, "CORPUS_PATH", stale)
    assert train_urgent.main(["--check"]) == 1
    assert len(capsys.readouterr().out.strip().splitlines()) == 1


def test_the_committed_model_is_what_the_training_script_produces() -> None:
    # Retrains in memory (5 folds + the final fit): a few seconds.
    assert train_urgent.check() is None
