"""Chats bound to a youth by a one-time link: the web chat page and Telegram.

`bind` checks the link (bot.links), records its single use (ChatBinding, unique on the token's digest) and
makes the chat a verified contact point of the youth, in one transaction. The same chat using the same link
again (a Telegram retry, a reload) is told it is bound; another chat with a used link gets nothing.

`TelegramRecords` is what a Telegram event does to our records (the hooks adapters/telegram.py calls):
bound?, bind, /stop (the chat's contact point opts out), /start (it opts in again), and a message from a
bound chat (the common inbound path, bot.receive).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from adapters.base import Inbound
from bot.links import LinkError, LinkSigner, Purpose
from bot.log import get_logger
from bot.receive import Received, receive
from flows.templates import LANGUAGES, render
from storage.db import session_scope, write_session
from storage.enums import Channel
from storage.models import ChatBinding, ContactPoint, County, Youth

log = get_logger("bot.chats")

PURPOSE = {Channel.WEBCHAT: Purpose.WEBCHAT, Channel.TELEGRAM: Purpose.TELEGRAM}


@dataclass(frozen=True, slots=True)
class Bound:
    """A chat bound (now or before) to a youth: the contact point, and the text to greet the chat with."""

    youth_id: int
    contact_point_id: int
    language: str
    county: str
    again: bool  # this chat had used this link before


class BindRefused(Exception):
    """The link is not ours, expired, or was used by another chat."""


def bind(engine: Engine, links: LinkSigner, channel: Channel, token: str, address: str, now: datetime) -> Bound:
    """Bind the chat at `address` on `channel` to the youth the link names; BindRefused otherwise."""
    try:
        claim = links.check(token, PURPOSE[channel], now)
    except LinkError as exc:
        raise BindRefused(str(exc)) from None
    with write_session(engine) as session:
        used = session.exec(select(ChatBinding).where(col(ChatBinding.token_id) == claim.token_id)).first()
        if used is not None:
            point = session.get(ContactPoint, used.contact_point_id)
            if point is None or point.address != address or point.channel != channel:
                raise BindRefused("the link was used by another chat")
            return _bound(session, used.youth_id, point, again=True)
        youth = session.get(Youth, claim.youth_id)
        if youth is None:
            raise BindRefused("the link names no youth")
        point = session.exec(select(ContactPoint).where(
            col(ContactPoint.channel) == channel, col(ContactPoint.address) == address,
            col(ContactPoint.youth_id) == youth.id)).first()
        if point is None:
            point = ContactPoint(county_id=youth.county_id, youth_id=youth.id, channel=channel, address=address,
                                 verified=True, created_at=now)
            session.add(point)
            session.flush()
        else:
            point.verified = True
            point.retired_at = None
            point.retired_reason = None
        assert point.id is not None and youth.id is not None
        try:
            with session.begin_nested():
                session.add(ChatBinding(county_id=youth.county_id, youth_id=youth.id, channel=channel,
                                        token_id=claim.token_id, contact_point_id=point.id, created_at=now))
                session.flush()
        except IntegrityError:
            raise BindRefused("the link was used by another chat") from None
        log.info("chat bound", channel=channel.value, youth_id=youth.id, contact_point_id=point.id)
        return _bound(session, youth.id, point, again=False)


def _bound(session: Session, youth_id: int, point: ContactPoint, *, again: bool) -> Bound:
    youth = session.get(Youth, youth_id)
    county = session.get(County, point.county_id)
    assert youth is not None and county is not None and point.id is not None
    return Bound(youth_id, point.id, str(youth.language), county.name, again)


def chat_point(engine: Engine, channel: Channel, address: str) -> ContactPoint | None:
    """The youth's usable contact point for this chat, if the chat is bound."""
    with session_scope(engine) as session:
        return session.exec(select(ContactPoint).where(
            col(ContactPoint.channel) == channel, col(ContactPoint.address) == address,
            col(ContactPoint.youth_id).is_not(None), col(ContactPoint.retired_at).is_(None),
            col(ContactPoint.wrong_number).is_(False))).first()


def language_of(code: str | None, default: str = "nb") -> str:
    """Our language for a Telegram language_code: nn and en as given, every other Norwegian as nb."""
    if not code:
        return default
    code = code.lower()
    if code.startswith("nn"):
        return "nn"
    if code.startswith(("nb", "no")):
        return "nb"
    return "en" if code.startswith("en") else default


def _call(function: Callable[..., Received], *args: object, **kwargs: object) -> Received:
    return function(*args, **kwargs)


class TelegramRecords:
    """The Telegram hooks over our database (see adapters.telegram.TelegramHooks)."""

    def __init__(self, engine: Engine, links: LinkSigner, clock: Callable[[], datetime], *,
                 default_county: str | None = None, on_inbound: Callable[[], object] | None = None,
                 write: Callable[..., Received] | None = None) -> None:
        self.engine = engine
        # How an inbound message is written: the web app passes Services.write (its inbound gate, shared with
        # the Twilio webhooks and the web chat); alone, directly.
        self.write: Callable[..., Received] = write or _call
        self.links = links
        self.clock = clock
        self.default_county = default_county
        self.on_inbound = on_inbound

    def bound(self, chat_id: int) -> bool:
        return chat_point(self.engine, Channel.TELEGRAM, str(chat_id)) is not None

    def bind(self, chat_id: int, token: str, language_code: str | None) -> str | None:
        try:
            bound = bind(self.engine, self.links, Channel.TELEGRAM, token, str(chat_id), self.clock())
        except BindRefused as exc:
            log.info("chat link refused", channel=Channel.TELEGRAM.value, reason=str(exc))
            return render("chat_link_invalid", language_of(language_code))
        language = bound.language if bound.language in LANGUAGES else "nb"
        return render("chat_bound", language, county=bound.county)

    def stop(self, chat_id: int) -> str | None:
        point = self._set_opt_out(chat_id, True)
        if point is None:
            return render("chat_not_bound", "nb")
        return render("chat_stopped", point)

    def start(self, chat_id: int, language_code: str | None) -> str | None:
        point = self._set_opt_out(chat_id, False)
        if point is None:
            return render("chat_not_bound", language_of(language_code))
        return render("reply_resume", point)

    def receive(self, inbound: Inbound) -> None:
        self.write(receive, self.engine, inbound, self.clock(), default_county_name=self.default_county)
        if self.on_inbound is not None:
            self.on_inbound()

    def _set_opt_out(self, chat_id: int, opted_out: bool) -> str | None:
        """Opt the chat's contact point out (or in again); the youth's language, or None when not bound."""
        with write_session(self.engine) as session:
            point = session.exec(select(ContactPoint).where(
                col(ContactPoint.channel) == Channel.TELEGRAM, col(ContactPoint.address) == str(chat_id),
                col(ContactPoint.youth_id).is_not(None), col(ContactPoint.retired_at).is_(None))).first()
            if point is None or point.youth_id is None:
                return None
            point.opted_out = opted_out
            point.opted_out_at = self.clock() if opted_out else None
            youth = session.get(Youth, point.youth_id)
            language = str(youth.language) if youth is not None else "nb"
        log.info("telegram opt-out" if opted_out else "telegram opt-in", contact_point_id=point.id)
        return language if language in LANGUAGES else "nb"
