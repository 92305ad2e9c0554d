"""Write a new schema revision: `python -m storage.migrations "add opt-out reason"` after changing storage.models.

Autogenerates against a scratch SQLite database brought to the current head, so the revision holds
exactly the difference between the models and the existing revisions. Review it by hand, then run
tests/storage/test_migrations.py on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from storage.db import alembic_config, close_database, head_revisions, open_database


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].strip():
        print('usage: python -m storage.migrations "what the revision does"', file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'scratch.db'}"
        open_database(url)
        close_database(url)
        heads = head_revisions()
        next_id = f"{int(max(heads)) + 1:04d}" if heads and all(h.isdigit() for h in heads) else None
        command.revision(alembic_config(url), message=argv[0].strip(), autogenerate=True, rev_id=next_id)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
