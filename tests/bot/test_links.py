"""One-time chat links: signed, for one channel, expiring, and a pure function of their inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.links import LinkError, LinkSigner, Purpose, signing_key

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
SIGNER = LinkSigner(b"0123456789abcdef0123456789abcdef", days=14)


def test_a_token_names_its_youth_and_is_allowed_in_a_telegram_start_parameter() -> None:
    token = SIGNER.issue(Purpose.TELEGRAM, 4242, NOW)
    assert 20 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)
    claim = SIGNER.check(token, Purpose.TELEGRAM, NOW + timedelta(days=3))
    assert claim.youth_id == 4242 and claim.purpose is Purpose.TELEGRAM
    assert token not in claim.token_id and len(claim.token_id) == 40


def test_the_same_day_gives_the_same_token_and_another_day_another() -> None:
    assert SIGNER.issue(Purpose.WEBCHAT, 1, NOW) == SIGNER.issue(Purpose.WEBCHAT, 1, NOW + timedelta(hours=5))
    assert SIGNER.issue(Purpose.WEBCHAT, 1, NOW) != SIGNER.issue(Purpose.WEBCHAT, 1, NOW + timedelta(days=1))
    assert SIGNER.issue(Purpose.WEBCHAT, 1, NOW) != SIGNER.issue(Purpose.WEBCHAT, 2, NOW)


@pytest.mark.parametrize(("token", "purpose", "when", "reason"), [
    (SIGNER.issue(Purpose.WEBCHAT, 7, NOW), Purpose.TELEGRAM, NOW, "another channel"),
    (SIGNER.issue(Purpose.WEBCHAT, 7, NOW), Purpose.WEBCHAT, NOW + timedelta(days=16), "expired"),
    (LinkSigner(b"another key, also 32 bytes long!").issue(Purpose.WEBCHAT, 7, NOW), Purpose.WEBCHAT, NOW,
     "not a chat link"),
    ("short", Purpose.WEBCHAT, NOW, "not a chat link"),
    ("<script>alert(1)</script>xxxxxxxx", Purpose.WEBCHAT, NOW, "not a chat link"),
])
def test_a_wrong_link_is_refused_with_its_reason(token: str, purpose: Purpose, when: datetime, reason: str) -> None:
    with pytest.raises(LinkError, match=reason):
        SIGNER.check(token, purpose, when)


def test_a_changed_character_breaks_the_signature() -> None:
    token = SIGNER.issue(Purpose.WEBCHAT, 7, NOW)
    changed = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    with pytest.raises(LinkError):
        SIGNER.check(changed, Purpose.WEBCHAT, NOW)


def test_the_deployments_key_is_made_once_and_shared(engine: Engine) -> None:
    first = signing_key(engine, None)
    assert len(first) == 32 and signing_key(engine, None) == first
    assert signing_key(engine, "configured") != first
