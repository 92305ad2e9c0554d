"""Writes examples/roster.csv: 60 fictional youth as a Vigo OT export opened in Norwegian Excel (deterministic).

The rows come from bot.demo_roster for the fixed day below; `--check` verifies the committed file.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot.demo_roster import COUNT, demo_roster

# The day the example is made for: ages and the target group are counted from it (tests pin --as-of to it).
DAY = date(2026, 11, 22)


def render() -> bytes:
    return demo_roster(DAY)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("roster.csv"))
    parser.add_argument("--check", action="store_true", help="exit 1 when the file differs from what this writes")
    args = parser.parse_args(argv)
    data = render()
    if args.check:
        same = args.out.exists() and args.out.read_bytes() == data
        print(f"{args.out}: {'up to date' if same else 'differs from make_roster.py output'}")
        return 0 if same else 1
    args.out.write_bytes(data)
    print(f"wrote {COUNT} youth to {args.out} (made for {DAY.isoformat()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
