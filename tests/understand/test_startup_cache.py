"""The start-up cache (bot.understand.cache): never wrong, never in the way.

The lexicon's prepared patterns, their compiled regexes and the decompressed word list are kept in the user's cache
directory. A damaged, stale or unwritable cache must change nothing but the start-up time.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.understand import cache

ROOT = Path(__file__).resolve().parents[2]

# A child process that imports the reader and prints what the lexicon made of the data and how it reads replies.
CHILD = r"""
import json, sys
from bot.understand import lexicon as lx, read
def plain(value):  # sets in a fixed order: a set's iteration order depends on how it was filled
    if isinstance(value, (set, frozenset)):
        return sorted(map(plain, value), key=repr)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
concepts = [*lx.CONCEPTS.values(), lx.PLAN, lx.STARTED, lx.ENDED, lx.PAST, lx.JOKE, lx.NEGATION_RE]
state = [plain(c._state()) for c in concepts]
replies = ["jeg jobber på Rema og går på skolen", "ikke send flere meldinger", "æ e i militæret no",
           "har flytta til Bergen", "working part time at a cafe", "vil ikke ha oppfølging lol"]
readings = [repr(read(r, county="Oslo")) for r in replies]
print(json.dumps({
    "cached": lx._CACHED is not None,
    "state": state,
    "vocabulary": sorted(lx.VOCABULARY.known),
    "readings": readings,
}))
"""


def _child(env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env={**os.environ, **env, "PYTHONHASHSEED": "0"},
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_store_and_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OT_OUTREACH_CACHE_DIR", str(tmp_path / "c"))
    assert cache.load("x-1") is None
    cache.store("x-1", b"payload\nwith lines")
    assert cache.load("x-1") == b"payload\nwith lines"


def test_a_damaged_entry_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OT_OUTREACH_CACHE_DIR", str(tmp_path))
    cache.store("x-1", b"0123456789")
    path = tmp_path / "x-1"
    data = path.read_bytes()
    path.write_bytes(data[:-1] + b"8")
    assert cache.load("x-1") is None
    path.write_bytes(data[:10])
    assert cache.load("x-1") is None
    path.write_bytes(b"")
    assert cache.load("x-1") is None


def test_older_entries_are_removed_but_a_few(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OT_OUTREACH_CACHE_DIR", str(tmp_path))
    for n in range(6):
        cache.store(f"x-{n}", b"data", replaces="x-", keep=2)
        os.utime(tmp_path / f"x-{n}", (1000 + n, 1000 + n))
    cache.store("x-9", b"data", replaces="x-", keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x-5", "x-9"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only directories")
def test_a_read_only_directory_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OT_OUTREACH_CACHE_DIR", str(tmp_path))
    cache.store("x-1", b"kept")
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        cache.store("x-2", b"new")  # no error
        assert cache.load("x-2") is None
        assert cache.load("x-1") == b"kept"
    finally:
        tmp_path.chmod(stat.S_IRWXU)


def test_an_unusable_directory_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    monkeypatch.setenv("OT_OUTREACH_CACHE_DIR", str(blocker / "below-a-file"))
    cache.store("x-1", b"data")  # no error
    assert cache.load("x-1") is None
    monkeypatch.setenv("OT_OUTREACH_NO_CACHE", "1")
    assert cache.directory() is None


def test_the_reader_is_the_same_without_a_cache_with_a_new_one_and_from_it(tmp_path: Path) -> None:
    without = _child({"OT_OUTREACH_NO_CACHE": "1"})
    first = _child({"OT_OUTREACH_CACHE_DIR": str(tmp_path)})
    again = _child({"OT_OUTREACH_CACHE_DIR": str(tmp_path)})
    assert not without["cached"] and not first["cached"] and again["cached"]
    assert {p.name.split("-")[0] for p in tmp_path.iterdir()} == {"lexicon", "words"}
    for other in (first, again):
        assert other["state"] == without["state"]
        assert other["vocabulary"] == without["vocabulary"]
        assert other["readings"] == without["readings"]


def test_an_unwritable_cache_directory_changes_nothing(tmp_path: Path) -> None:
    without = _child({"OT_OUTREACH_NO_CACHE": "1"})
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")  # a directory below a file cannot be made, not even by root
    unwritable = _child({"OT_OUTREACH_CACHE_DIR": str(blocker / "cache")})
    assert not unwritable["cached"]
    assert unwritable["readings"] == without["readings"]
    assert unwritable["state"] == without["state"]
    if os.geteuid() != 0:  # root writes to read-only directories
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            read_only = _child({"OT_OUTREACH_CACHE_DIR": str(folder)})
        finally:
            folder.chmod(stat.S_IRWXU)
        assert read_only["readings"] == without["readings"]
