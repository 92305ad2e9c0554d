"""A small on-disk cache for what the reader derives from its data files at start-up.

Only an optimisation: every entry is named by a hash of everything it was derived from, carries a checksum of its
contents, and is written whole (a temporary file renamed into place), so a stale, partial or damaged entry is
never read; a missing one is derived again. Nothing here raises: an unwritable or absent directory (a read-only
home, no home at all) just means no cache. OT_OUTREACH_CACHE_DIR chooses the directory; OT_OUTREACH_NO_CACHE=1
turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

_MAGIC = b"ot-outreach-cache 1 "


def directory() -> Path | None:
    """Where the cache lives (the user's cache directory), None when it is turned off or there is no home."""
    if os.environ.get("OT_OUTREACH_NO_CACHE"):
        return None
    chosen = os.environ.get("OT_OUTREACH_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        return (Path(base) if base else Path.home() / ".cache") / "ot-outreach"
    except (RuntimeError, KeyError, OSError):  # no home directory to be found
        return None


def load(name: str) -> bytes | None:
    """The payload stored under `name`; None when absent, unreadable or damaged."""
    folder = directory()
    if folder is None:
        return None
    try:
        data = (folder / name).read_bytes()
    except OSError:
        return None
    head, newline, payload = data.partition(b"\n")
    if not newline or head != _MAGIC + hashlib.sha256(payload).hexdigest().encode():
        return None
    return payload


def store(name: str, payload: bytes, *, replaces: str = "", keep: int = 4) -> None:
    """Store `payload` under `name`, and remove all but the newest `keep` entries whose names start with `replaces`
    (several checkouts or versions may share the directory); quietly does nothing when it cannot be written."""
    folder = directory()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(_MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n")
            out.write(payload)
        os.replace(temporary, folder / name)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return
    if replaces:
        with contextlib.suppress(OSError):
            entries = [path for path in folder.iterdir() if path.name.startswith(replaces)]
            entries.sort(key=lambda path: path.stat().st_mtime, reverse=True)
            for old in entries[keep:]:
                if old.name != name:
                    with contextlib.suppress(OSError):
                        old.unlink()
