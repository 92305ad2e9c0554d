"""States and kinds are written through storage.enums, never as bare strings in the application's modules."""

from __future__ import annotations

import ast
from pathlib import Path

from storage.enums import ChangeState, Channel, OutboxState

ROOT = Path(__file__).resolve().parents[1]
# Values with no other meaning in the code ("email" is also a roster column, "rejected" a report line,
# "applied" a field of the classify output).
STATE_WORDS = (({c.value for c in Channel} - {"email", "console"}) | {s.value for s in OutboxState}
               | {s.value for s in ChangeState}) - {"rejected", "sent", "failed", "applied"}
# The reader works on words ("sms" is a word in a reply), not on stored states.
SCANNED = [p for folder in ("bot", "adapters", "flows") for p in (ROOT / folder).rglob("*.py")
           if "understand" not in p.parts]


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            found.add(id(body[0].value))
    return found


def test_no_module_writes_a_bare_state_or_channel_literal() -> None:
    assert len(SCANNED) > 10
    bare: list[str] = []
    for path in SCANNED:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        bare += [f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
                 if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in STATE_WORDS
                 and id(node) not in docs]
    assert bare == []


def test_the_scan_sees_a_bare_literal() -> None:
    tree = ast.parse('channel = "sms"')
    assert [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in STATE_WORDS] == ["sms"]
