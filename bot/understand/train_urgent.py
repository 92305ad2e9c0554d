"""Build the urgent corpus and train the second-opinion urgency model (bot.understand.second_opinion).

    python -m bot.understand.train_urgent --gather  # rebuild data/urgent_corpus.jsonl from the repository's tests
    python -m bot.understand.train_urgent           # train data/urgent_model.json on the committed corpus
    python -m bot.understand.train_urgent --check   # exit 1 when the committed model differs from a retrain

The committed corpus is the training data; `--gather` refreshes it from the labelled material below (run it
when a labelled set or an urgency table is added, then train), so editing a test never silently changes the
model.

The corpus is gathered from the repository's own labelled material, never from the evaluation set
(shared/eval/replies_dev.jsonl, only scored here) nor from any sealed test set:
  1. URGENT and NEAR_MISSES in tests/understand/test_urgent_corpus.py (parsed, not imported);
  2. the "urgent" expectations in tests/understand/data/labelled/*.jsonl and heldout_own.jsonl
     (no "urgent" key but a non-null contact counts as not urgent; a null contact without the key is
     left out, as the scorer leaves it out);
  3. the parametrised tables of tests/understand/**/test_*.py whose test asserts `<x>.urgent` (urgent) or
     `not <x>.urgent` (not urgent), and single-text tests of the same shape.
Texts are deduplicated on their normalised form; a text labelled both ways is dropped (and counted).

Training is deterministic: a fixed seed for the fold split and the SGD order, and the same pure-Python
arithmetic as the scorer. The threshold is the lowest out-of-fold probability at which 5-fold
cross-validated precision on the corpus is still >= 0.97; each fold's model is pruned and rounded exactly
as the shipped one is, so the threshold belongs to the model form that ships.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import math
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from bot.understand import second_opinion as so

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests" / "understand"
CORPUS_PATH = Path(__file__).resolve().parent / "data" / "urgent_corpus.jsonl"
MODEL_PATH = so.MODEL_PATH
DEV_PATH = REPO.parent / "shared" / "eval" / "replies_dev.jsonl"

SEED = 20240611
FOLDS = 5
TARGET_PRECISION = 0.97
EPOCHS = 25
ETA0 = 1.0
L2 = 1e-5
POSITIVE_WEIGHT = 1.0
MAX_FEATURES = 12000  # keeps the model file near 250 kB, well under 400 kB
DECIMALS = 5


class Example(TypedDict):
    text: str
    urgent: bool
    source: str


# ---------- corpus ----------


def _literal(node: ast.expr, names: dict[str, ast.expr]) -> Any:
    """The value of a literal table expression: literals, module-level names and `+` of lists."""
    if isinstance(node, ast.Name) and node.id in names:
        return _literal(names[node.id], names)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal(node.left, names) + _literal(node.right, names)
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(e, names) for e in node.elts]
    return ast.literal_eval(node)


def _module_names(tree: ast.Module) -> dict[str, ast.expr]:
    names: dict[str, ast.expr] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            names[stmt.targets[0].id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            names[stmt.target.id] = stmt.value
    return names


def _polarity(func: ast.FunctionDef) -> bool | None:
    """True when the test asserts `<x>.urgent`, False for `not <x>.urgent`, None for neither or both."""
    seen: set[bool] = set()
    for node in ast.walk(func):
        if not isinstance(node, ast.Assert):
            continue
        negated: set[int] = set()
        for sub in ast.walk(node.test):
            if isinstance(sub, ast.UnaryOp) and isinstance(sub.op, ast.Not):
                negated.update(id(x) for x in ast.walk(sub.operand))
        for sub in ast.walk(node.test):
            if isinstance(sub, ast.Attribute) and sub.attr == "urgent":
                seen.add(id(sub) not in negated)
    return seen.pop() if len(seen) == 1 else None


def _table_texts(func: ast.FunctionDef, names: dict[str, ast.expr]) -> list[str]:
    """The texts a test runs on: its parametrize table's "text" column, or its one literal read() text."""
    for deco in func.decorator_list:
        if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)
                and deco.func.attr == "parametrize" and len(deco.args) >= 2):
            continue
        argnames = _literal(deco.args[0], names)
        columns = [a.strip() for a in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
        if "text" not in columns:
            return []
        try:
            rows = _literal(deco.args[1], names)
        except ValueError:  # a computed table (a function call): not a literal one
            return []
        column = columns.index("text")
        return [row if len(columns) == 1 else row[column] for row in rows]
    texts = []
    for node in ast.walk(func):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("read", "_decide")
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            texts.append(node.args[0].value)
    return texts if len(texts) == 1 else []


def _from_urgent_corpus(path: Path) -> list[Example]:
    names = _module_names(ast.parse(path.read_text(encoding="utf-8")))
    urgent: dict[str, list[str]] = ast.literal_eval(names["URGENT"])
    near: list[str] = ast.literal_eval(names["NEAR_MISSES"])
    source = f"{path.relative_to(REPO).as_posix()}"
    return ([Example(text=t, urgent=True, source=f"{source}:URGENT.{family}")
             for family, texts in urgent.items() for t in texts]
            + [Example(text=t, urgent=False, source=f"{source}:NEAR_MISSES") for t in near])


def _from_test_tables(paths: Iterable[Path]) -> list[Example]:
    out: list[Example] = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _module_names(tree)
        for func in tree.body:
            if not (isinstance(func, ast.FunctionDef) and func.name.startswith("test_")):
                continue
            polarity = _polarity(func)
            if polarity is None:
                continue
            for text in _table_texts(func, names):
                if isinstance(text, str):
                    out.append(Example(text=text, urgent=polarity,
                                       source=f"{path.relative_to(REPO).as_posix()}:{func.name}"))
    return out


def labelled_urgent(case: dict[str, Any]) -> bool | None:
    """A labelled reply's urgent label as the scorer counts it (None: not counted)."""
    expect = case["expect"]
    if "urgent" in expect:
        return bool(expect["urgent"])
    return None if expect.get("contact") is None else False


def _from_labelled(paths: Iterable[Path]) -> list[Example]:
    out: list[Example] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            label = labelled_urgent(case)
            if label is not None:
                out.append(Example(text=case["text"], urgent=label,
                                   source=f"{path.relative_to(REPO).as_posix()}:{case['id']}"))
    return out


def build_corpus() -> tuple[list[Example], int]:
    """The deduplicated corpus and the number of texts dropped for carrying both labels."""
    urgent_corpus = TESTS / "test_urgent_corpus.py"
    tables = sorted(p for p in TESTS.rglob("test_*.py")
                    if p.name not in (urgent_corpus.name, "test_second_opinion.py"))
    labelled = [*sorted((TESTS / "data" / "labelled").glob("*.jsonl")), TESTS / "data" / "heldout_own.jsonl"]
    raw = _from_urgent_corpus(urgent_corpus) + _from_test_tables(tables) + _from_labelled(labelled)
    by_key: dict[str, Example] = {}
    conflicts: set[str] = set()
    for ex in raw:
        text = ex["text"].strip()
        key = so.normalise(text)
        if not key:
            continue
        if key in by_key:
            if by_key[key]["urgent"] != ex["urgent"]:
                conflicts.add(key)
            continue
        by_key[key] = Example(text=text, urgent=ex["urgent"], source=ex["source"])
    return [ex for key, ex in by_key.items() if key not in conflicts], len(conflicts)


def corpus_text(corpus: Sequence[Example]) -> str:
    return "".join(json.dumps(ex, ensure_ascii=False) + "\n" for ex in corpus)


# ---------- training ----------


@dataclass
class Vectors:
    """Every text as feature indices (one per occurrence) with its 1/sqrt(n) scale."""

    names: list[str]  # "c" + char n-gram or "w" + word n-gram, by index
    rows: list[list[int]]
    scales: list[float]
    labels: list[bool]


def vectorise(corpus: Sequence[Example]) -> Vectors:
    index: dict[str, int] = {}
    rows: list[list[int]] = []
    scales: list[float] = []
    for ex in corpus:
        chars, words = so.features(ex["text"])
        keys = ["c" + g for g in chars] + ["w" + g for g in words]
        rows.append([index.setdefault(k, len(index)) for k in keys])
        scales.append(1.0 / math.sqrt(len(keys)) if keys else 0.0)
    names = sorted(index, key=index.__getitem__)
    return Vectors(names=names, rows=rows, scales=scales, labels=[ex["urgent"] for ex in corpus])


def fit(vec: Vectors, members: Sequence[int], seed: int) -> tuple[list[float], float]:
    """Logistic regression by plain SGD with L2 (lazy scaling) and a 1/(1+eta0*l2*t) step size."""
    weights = [0.0] * len(vec.names)
    scale = 1.0  # true weight = scale * weights[i]
    bias = 0.0
    order = list(members)
    rng = random.Random(seed)
    step = 0
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for r in order:
            row, x = vec.rows[r], vec.scales[r]
            eta = ETA0 / (1.0 + ETA0 * L2 * step)
            step += 1
            z = bias + scale * x * sum(weights[i] for i in row)
            y = 1.0 if vec.labels[r] else 0.0
            g = (y - so.sigmoid(z)) * (POSITIVE_WEIGHT if y else 1.0)
            scale *= 1.0 - eta * L2
            if scale < 1e-6:
                weights = [w * scale for w in weights]
                scale = 1.0
            delta = eta * g * x / scale
            for i in row:
                weights[i] += delta
            bias += eta * g
    return [w * scale for w in weights], bias


def prune(names: Sequence[str], weights: Sequence[float], bias: float) -> tuple[dict[str, float], float]:
    """The MAX_FEATURES largest weights (ties by name), rounded as the model file stores them."""
    ranked = sorted((i for i, w in enumerate(weights) if round(w, DECIMALS) != 0.0),
                    key=lambda i: (-abs(weights[i]), names[i]))
    return {names[i]: round(weights[i], DECIMALS) for i in ranked[:MAX_FEATURES]}, round(bias, DECIMALS)


def _split(kept: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    char = {k[1:]: v for k, v in sorted(kept.items()) if k[0] == "c"}
    word = {k[1:]: v for k, v in sorted(kept.items()) if k[0] == "w"}
    return char, word


def _model(kept: dict[str, float], bias: float, threshold: float = 0.5) -> so.Model:
    char, word = _split(kept)
    return so.Model(char=char, word=word, bias=bias, threshold=threshold, header={})


def folds(labels: Sequence[bool], k: int, seed: int) -> list[list[int]]:
    """Stratified folds: each class shuffled with the seed and dealt round-robin."""
    rng = random.Random(seed)
    out: list[list[int]] = [[] for _ in range(k)]
    for cls in (True, False):
        members = [i for i, y in enumerate(labels) if y == cls]
        rng.shuffle(members)
        for j, i in enumerate(members):
            out[j % k].append(i)
    return [sorted(f) for f in out]


def pr_at(probs: Sequence[float], labels: Sequence[bool], threshold: float) -> tuple[float, float, int, int, int]:
    tp = sum(1 for p, y in zip(probs, labels, strict=True) if p >= threshold and y)
    fp = sum(1 for p, y in zip(probs, labels, strict=True) if p >= threshold and not y)
    fn = sum(1 for p, y in zip(probs, labels, strict=True) if p < threshold and y)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def pick_threshold(probs: Sequence[float], labels: Sequence[bool], target: float) -> float:
    """The lowest out-of-fold probability whose flagged set still has precision >= target."""
    best = 1.0
    for t in sorted(set(probs), reverse=True):
        precision, _, tp, _, _ = pr_at(probs, labels, t)
        if tp and precision >= target:
            best = t
    return math.floor(best * 1e6) / 1e6


def train(corpus: Sequence[Example], log: bool = False) -> dict[str, Any]:
    """The model file's JSON object for this corpus."""
    vec = vectorise(corpus)
    oof = [0.0] * len(corpus)
    for k, held in enumerate(folds(vec.labels, FOLDS, SEED)):
        held_set = set(held)
        weights, bias = fit(vec, [i for i in range(len(corpus)) if i not in held_set], SEED + 1 + k)
        model = _model(*prune(vec.names, weights, bias))
        for i in held:
            oof[i] = model.probability(corpus[i]["text"])
        if log:
            print(f"  fold {k + 1}/{FOLDS} done", file=sys.stderr)
    threshold = pick_threshold(oof, vec.labels, TARGET_PRECISION)
    precision, recall, tp, fp, fn = pr_at(oof, vec.labels, threshold)
    weights, bias = fit(vec, range(len(corpus)), SEED)
    kept, bias_r = prune(vec.names, weights, bias)
    char, word = _split(kept)
    text = corpus_text(corpus)
    return {
        "format": so.FORMAT,
        "model": "logistic regression, plain SGD with L2 (pure Python)",
        "features": so.FEATURE_SETTINGS,
        "training": {"seed": SEED, "epochs": EPOCHS, "eta0": ETA0, "l2": L2, "positive_weight": POSITIVE_WEIGHT,
                     "max_features": MAX_FEATURES, "decimals": DECIMALS},
        "corpus": {"path": "bot/understand/data/urgent_corpus.jsonl",
                   "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                   "texts": len(corpus), "urgent": sum(vec.labels)},
        "cv": {"folds": FOLDS, "target_precision": TARGET_PRECISION, "threshold": threshold,
               "precision": round(precision, 4), "recall": round(recall, 4), "tp": tp, "fp": fp, "fn": fn},
        "threshold": threshold,
        "bias": bias_r,
        "weights": {"char": char, "word": word},
    }


def model_text(model: dict[str, Any]) -> str:
    return json.dumps(model, ensure_ascii=False, indent=1) + "\n"


# ---------- evaluation on the dev set ----------


def dev_figures(model: so.Model, path: Path = DEV_PATH) -> str | None:
    """Model alone, reader alone and reader-or-model on the dev set's urgent labels (None without the file)."""
    if not path.is_file():
        return None
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = [c for c in cases if labelled_urgent(c) is not None]
    labels = [bool(labelled_urgent(c)) for c in cases]
    mine = [model.probability(c["text"]) >= model.threshold for c in cases]
    parts = [_pr("model", mine, labels)]
    try:
        from bot.classify import classify_record
        from bot.score import FIELDS

        reader = [bool(classify_record({k: c.get(k, "sms" if k == "channel" else None) for k in FIELDS})["urgent"])
                  for c in cases]
    except Exception as exc:  # the reader is optional here: the figures for the model alone still count
        parts.append(f"reader unavailable ({type(exc).__name__}: {exc})")
    else:
        parts.append(_pr("reader", reader, labels))
        parts.append(_pr("reader+model", [a or b for a, b in zip(reader, mine, strict=True)], labels))
        added = [c["text"] for c, a, b in zip(cases, reader, mine, strict=True) if b and not a]
        if added:
            parts.append("model adds: " + "; ".join(repr(t) for t in added))
    return f"dev {path.name} ({len(cases)} labelled, {sum(labels)} urgent): " + " | ".join(parts)


def _pr(name: str, got: Sequence[bool], labels: Sequence[bool]) -> str:
    tp = sum(g and y for g, y in zip(got, labels, strict=True))
    fp = sum(g and not y for g, y in zip(got, labels, strict=True))
    fn = sum(y and not g for g, y in zip(got, labels, strict=True))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return f"{name} precision={precision:.3f} recall={recall:.3f} (tp={tp} fp={fp} fn={fn})"


# ---------- check ----------


def _same(a: Any, b: Any, tol: float = 1e-4) -> bool:
    """Equal JSON values, floats within tol (another platform's libm may differ in the last bits)."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and abs(a - b) <= tol
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, tol) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def read_corpus() -> list[Example]:
    """The committed training corpus (data/urgent_corpus.jsonl)."""
    rows = [json.loads(line) for line in CORPUS_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Example(text=r["text"], urgent=bool(r["urgent"]), source=r["source"]) for r in rows]


def check() -> str | None:
    """None when the committed model is what training on the committed corpus produces, else one line saying why."""
    if not CORPUS_PATH.is_file():
        return f"{CORPUS_PATH.name} is missing; run python -m bot.understand.train_urgent --gather"
    corpus = read_corpus()
    if not MODEL_PATH.is_file():
        return f"{MODEL_PATH.name} is missing; run python -m bot.understand.train_urgent"
    committed = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    fresh = json.loads(model_text(train(corpus)))
    if not _same(committed, fresh):
        diff = sorted(k for k in fresh.keys() | committed.keys() if not _same(fresh.get(k), committed.get(k)))
        return f"{MODEL_PATH.name} differs from a retrain ({', '.join(diff)}); run python -m bot.understand.train_urgent"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.understand.train_urgent", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed model differs from a retrain")
    parser.add_argument("--gather", action="store_true", help="rebuild the corpus from the repository's tests first")
    args = parser.parse_args(argv)
    if args.check:
        problem = check()
        if problem:
            print(problem)
            return 1
        print(f"{MODEL_PATH.name}: matches a retrain")
        return 0
    conflicts = 0
    if args.gather or not CORPUS_PATH.is_file():
        corpus, conflicts = build_corpus()
        CORPUS_PATH.write_text(corpus_text(corpus), encoding="utf-8")
    corpus = read_corpus()
    data = train(corpus, log=True)
    text = model_text(data)
    MODEL_PATH.write_text(text, encoding="utf-8")
    so.load.cache_clear()
    cv = data["cv"]
    print(f"corpus: {len(corpus)} texts, {data['corpus']['urgent']} urgent, {conflicts} dropped for both labels")
    print(f"model: {len(data['weights']['char']) + len(data['weights']['word'])} features, "
          f"{len(text.encode('utf-8')) / 1000:.1f} kB, threshold {data['threshold']:.6f}")
    print(f"cv ({FOLDS}-fold) at threshold: precision={cv['precision']:.3f} recall={cv['recall']:.3f} "
          f"(tp={cv['tp']} fp={cv['fp']} fn={cv['fn']})")
    dev = dev_figures(so.model_from_dict(data))
    if dev:
        print(dev)
    return 0


if __name__ == "__main__":
    sys.exit(main())
