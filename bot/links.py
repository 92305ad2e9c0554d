"""One-time chat links: the web chat page (`/c/<token>`) and the Telegram deep link (`?start=<token>`).

A link is sent only to the youth's own number by SMS (or to their e-mail), so holding it is the proof that
a chat belongs to that youth. A token names the youth, what it opens (web chat or Telegram) and the last day
it is valid, signed with HMAC-SHA256 (truncated to 80 bits) under the deployment's key; it is 23 characters
of A-Z, a-z, 0-9, - and _ (what a Telegram start parameter allows). It binds once: the binding stores the
token's digest under a unique constraint (storage.models.ChatBinding).

Tokens are a pure function of (key, purpose, youth, day issued): the planner can put the same link into
every message of one day, and a simulation gives the same texts twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flows.calendar import local_day
from storage.models import SiteSecret

EPOCH = date(2020, 1, 1)
MAC_BYTES = 10
_LAYOUT = struct.Struct(">BIHH")  # purpose, youth id, issued day, last valid day (days since EPOCH)
KEY_NAME = "chat-links"


class Purpose(IntEnum):
    WEBCHAT = 1
    TELEGRAM = 2


class LinkError(ValueError):
    """A token that is not ours, for another purpose, or expired: one line, no token in it."""


@dataclass(frozen=True, slots=True)
class LinkClaim:
    youth_id: int
    purpose: Purpose
    issued: date
    valid_until: date
    token_id: str  # the digest a binding stores (never the token itself)


def _days(day: date) -> int:
    return (day - EPOCH).days


class LinkSigner:
    def __init__(self, key: bytes, *, days: int = 14) -> None:
        if len(key) < 16:
            raise ValueError("the link key must be at least 16 bytes")
        self._key = key
        self.days = days
        # A digest of the key, from which other keys of the service are derived (the chat's CSRF tokens).
        self.key_digest = hashlib.sha256(b"otbot:" + key).digest()

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:MAC_BYTES]

    def issue(self, purpose: Purpose, youth_id: int, now: datetime) -> str:
        """The token for this youth, issued on today's date in Europe/Oslo and valid `days` days."""
        today = local_day(now)
        payload = _LAYOUT.pack(int(purpose), youth_id, _days(today), _days(today + timedelta(days=self.days)))
        return base64.urlsafe_b64encode(payload + self._mac(payload)).decode("ascii").rstrip("=")

    def check(self, token: str, purpose: Purpose, now: datetime) -> LinkClaim:
        """The claim of a genuine, unexpired token for `purpose`; LinkError otherwise."""
        if not 20 <= len(token) <= 40 or not all(c.isalnum() or c in "-_" for c in token):
            raise LinkError("not a chat link")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except ValueError:
            raise LinkError("not a chat link") from None
        payload, mac = raw[:_LAYOUT.size], raw[_LAYOUT.size:]
        if len(payload) != _LAYOUT.size or not hmac.compare_digest(mac, self._mac(payload)):
            raise LinkError("not a chat link")
        kind, youth_id, issued, until = _LAYOUT.unpack(payload)
        if kind != purpose:
            raise LinkError("a link for another channel")
        valid_until = EPOCH + timedelta(days=until)
        if local_day(now) > valid_until:
            raise LinkError("the link has expired")
        digest = hashlib.sha256(token.encode("ascii")).hexdigest()[:40]
        return LinkClaim(youth_id, Purpose(kind), EPOCH + timedelta(days=issued), valid_until, digest)


def signing_key(engine: Engine, configured: str | None) -> bytes:
    """OTBOT_SECRET_KEY when set; otherwise the deployment's random key, made once and kept in the database."""
    if configured:
        return hashlib.sha256(configured.encode("utf-8")).digest()
    table = SiteSecret.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        value = connection.execute(sa.select(table.c.value).where(table.c.name == KEY_NAME)).scalar_one_or_none()
        if value is None:
            try:
                with connection.begin_nested():
                    value = secrets.token_hex(32)
                    connection.execute(sa.insert(table).values(name=KEY_NAME, value=value,
                                                               created_at=datetime.now(UTC)))
            except sa.exc.IntegrityError:  # another process made it first
                value = connection.execute(sa.select(table.c.value).where(table.c.name == KEY_NAME)).scalar_one()
    return bytes.fromhex(value)
