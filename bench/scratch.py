"""A throw-away database for a benchmark: a SQLite file in a temporary folder, or with `--db` a fresh schema on
that PostgreSQL server, dropped afterwards (nothing of a benchmark stays behind)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import sqlalchemy as sa

from storage.db import close_database, resolve_url


def _libpq(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def scratch_database(db: str | None) -> Iterator[str]:
    """The URL of an empty database for one benchmark run (not migrated: open_database does that)."""
    with tempfile.TemporaryDirectory() as tmp:
        schema = None
        if db:
            server = resolve_url(db)
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(_libpq(server), autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')  # type: ignore[arg-type]
            url = sa.make_url(server).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
                hide_password=False)
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        try:
            yield url
        finally:
            close_database(url)
            if schema is not None:
                with psycopg.connect(_libpq(resolve_url(db or "")), autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')  # type: ignore[arg-type]
