"""One inbound message end to end: store once, identify, read and decide, record, alert, answer.

Everything runs in the caller's transaction (never committed), so the webhook commits the message,
its code change, its alerts and its answer together or not at all.

Decisions this module makes (domain.md and architecture.md leave them open):

- **Order.** The sender is identified (read-only) before the message is stored, because the stored row carries
  the youth, the guardian and the contact point; a provider retry is still recognised by the unique constraint
  on (channel, provider account, provider id) — one INSERT .. ON CONFLICT DO NOTHING — and does nothing else.
- **Speed.** Every reply a youth sends runs this path inside the webhook (issue 9: 200 webhooks/s): the sender,
  their youth, county, adviser and conversation come in one statement, as plain rows; every write is a Core
  statement built once (`bot.inbound_db`); no ORM object is loaded or flushed.
- **Guardian of several youth, which child unknown.** The message is stored without a youth, and every youth
  the guardian is linked to gets its own `guardian_info` alert (youth_id and that youth's adviser set), so the
  alert shows in each youth's record and each adviser's caseload; siblings with the same adviser give that
  adviser one alert per youth. The `which_child` question is asked once (again only when the list of children
  changed). A bare answer ("1", "Ada", "det gjelder Ada") attributes the answer and the message the question
  was about; that earlier message is then read and decided for the chosen youth (the answer itself carries no
  information). The outbox row of the question names the first child (Outbox.youth_id is required).
- **Urgent first.** An urgent reply is answered even when an adviser holds the conversation, the point had opted
  out, the guardian's youth is an adult or the number was flagged wrong: where to get help now is never
  withheld. Every other automatic answer is withheld in those cases (the alert still goes).
- **A number flagged as wrong** still identifies its owner (the thread shows the message) but its words are
  someone else's: no reading as the owner, no code change, no enrolment change. Urgency and opt-out are still
  honoured; anything else but a bare acknowledgement raises an `unread` alert. `decision` is None.
- **Guardians of adults** (18+ on the day of the reply) get no automatic answer: they are never contacted.
- **County settings** (`County.settings["status_changes"]`, per code group number or name: "applied" or
  "proposed"; `min_confidence_to_apply`) build the CountyPolicy; absent means the safe default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from bot import inbound_db as rows
from bot.age import ADULT_AGE, age_on
from bot.codes import CodeGroup
from bot.conversation import CHILD, TALK, answer_to_question
from bot.enrolments import stop_enrolments
from bot.inbound_db import ConversationRow, CountyRow, PointRow, YouthRow
from bot.log import get_logger
from bot.policy import CountyPolicy, Decision, ReplyContext, decide, reply_language
from bot.status import StaleStatus, StatusUnchanged, record_change
from bot.understand import read
from flows.templates import TemplateError, render
from storage.db import connection_of
from storage.enums import AlertKind, Audience, ChangeState, Channel, Question, StopReason

OSLO = ZoneInfo("Europe/Oslo")
FIRST_CONTACT_FLOW = "first-contact"
WHICH_CHILD_TEMPLATE = "which_child"
ENDED_POSITION = 0
DETAIL_MAX = 400
ACTOR = "bot"

log = get_logger(__name__)


class InboundError(ValueError):
    """An inbound message that cannot be handled; nothing was stored."""


class UnknownSender(InboundError):
    """No usable contact point has this address and no county was given to store the message under."""


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message as an adapter parsed it. `address` is normalised (E.164, lower-case e-mail, chat id)."""

    channel: Channel
    account: str  # the provider account ("" where a channel has only one)
    provider_id: str  # Telegram: telegram_provider_id(chat, message)
    address: str
    text: str
    received_at: datetime  # aware

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel", Channel(self.channel))  # "sms" from an adapter is Channel.SMS
        _require_aware(self.received_at, "received_at")
        if not self.provider_id:
            raise InboundError("an inbound message needs the provider's message id (retries are recognised by it)")


@dataclass(slots=True)
class InboundResult:
    message_id: int
    duplicate: bool
    youth_id: int | None
    guardian_id: int | None
    decision: Decision | None
    status_change_id: int | None
    alerts: list[AlertKind]
    answer_outbox_id: int | None
    # What was noted instead of done (a stale code, a missing template): no text, no numbers.
    notes: list[str] = field(default_factory=list)


def county_policy(settings: Mapping[str, Any] | None) -> CountyPolicy:
    """County.settings -> CountyPolicy: `status_changes` maps a code group (number or name) to "applied" or
    "proposed"; unknown groups and values are ignored (the safe default stays)."""
    settings = settings or {}
    groups = set(CountyPolicy().apply_groups)
    raw = settings.get("status_changes")
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            group = _group(key)
            if group is None or group is CodeGroup.UNKNOWN:
                continue
            if value == ChangeState.APPLIED:
                groups.add(group)
            elif value == ChangeState.PROPOSED:
                groups.discard(group)
    minimum = settings.get("min_confidence_to_apply")
    if isinstance(minimum, int | float) and not isinstance(minimum, bool) and 0 <= minimum <= 1:
        return CountyPolicy(frozenset(groups), float(minimum))
    return CountyPolicy(frozenset(groups))


def _group(key: object) -> CodeGroup | None:
    text = str(key).strip()
    if text.isdigit():
        try:
            return CodeGroup(int(text))
        except ValueError:
            return None
    return CodeGroup.__members__.get(text.upper())


def handle_inbound(db: Session | sa.Connection, msg: InboundMessage, *, now: datetime,
                   county_id: int | None = None, only_county: int | None = None) -> InboundResult:
    """Handle one inbound message in the caller's transaction (never committed); see the module doc. `db` is a
    session or a connection; with a session, its unflushed changes are flushed first.

    `county_id` is where a message from an unknown address is stored; without it such a message raises
    UnknownSender before anything is stored. `only_county`: the message came in on that county's own number,
    so only that county's contact points can be its sender (and an unknown sender is stored there).
    """
    _require_aware(now, "now")
    connection = connection_of(db)
    address = _normalise(msg.channel, msg.address)
    senders = rows.usable_points(connection, msg.channel, address)
    if only_county is not None:
        senders = [s for s in senders if s.point.county_id == only_county]
        county_id = only_county
    if not senders:
        if county_id is None:
            raise UnknownSender(f"no usable {msg.channel.value} contact point has this address and no county was "
                                "given; nothing was stored")
        return _unknown(connection, msg, now, county_id)

    first = senders[0]
    point = first.point
    twins = [s for s in senders[1:] if s.point.youth_id is not None and point.youth_id is not None
             and s.point.wrong_number == point.wrong_number]
    if twins:
        return _shared_by_youth(connection, msg, now, [first, *twins])

    path = _Path(connection, msg, now, point, first.county)
    if first.youth is not None:
        return path.for_youth(first.youth, sender="youth", conversation=first.conversation)

    assert point.guardian_id is not None
    children = rows.children(connection, point.guardian_id, ENDED_POSITION)
    if not children:
        return _unknown(connection, msg, now, point.county_id, point=point)
    if len(children) == 1:
        return path.for_youth(children[0], sender="guardian", conversation=first.conversation)
    conversation = first.conversation
    if conversation is not None and conversation.question == Question.WHICH_CHILD:
        by_key = _choices(children)
        if {int(v) for v in conversation.choices.values() if _is_int(v)} == {c.id for c in children}:
            names = {key: child.first_name for key, child in by_key.items()}
            answer = answer_to_question(msg.text, Question.WHICH_CHILD, conversation.choices, names=names)
            if answer is not None and answer.kind == CHILD and answer.key in by_key:
                return path.for_youth(by_key[answer.key], sender="guardian", conversation=conversation,
                                      attributed=True)
    return path.several_children(children, conversation)


# ---------------------------------------------------------------------------------------------------- the paths


class _Path:
    """One message from a known point: the store, the county and the alerts it raises, shared by the paths."""

    def __init__(self, connection: sa.Connection, msg: InboundMessage, now: datetime, point: PointRow,
                 county: CountyRow) -> None:
        self.connection, self.msg, self.now, self.point, self.county = connection, msg, now, point, county
        self.alerts: list[rows.NewAlert] = []

    def county_of(self, youth: YouthRow) -> CountyRow:
        if youth.county_id != self.county.id:  # pragma: no cover - a youth's points are in the youth's county
            self.county = rows.county(self.connection, youth.county_id)
        return self.county

    def alert(self, youth: YouthRow, message_id: int, kind: AlertKind, detail: str) -> None:
        self.alerts.append(rows.NewAlert(youth.county_id, youth.id, youth.adviser_id, message_id, kind,
                                         detail[:DETAIL_MAX]))

    def finish(self) -> None:
        """Write what was collected: the point's flags, the alerts."""
        rows.save_point(self.connection, self.point)
        rows.raise_alerts(self.connection, self.alerts, self.now)

    def queue(self, message_id: int, youth_id: int, text: str, *, audience: Audience, template: str | None,
              language: str, urgent: bool) -> int:
        return rows.queue_answer(self.connection, message_id=message_id, youth_id=youth_id, point=self.point,
                                 channel=self.msg.channel, text=text, now=self.now, audience=audience,
                                 template=template, language=language, urgent=urgent)

    def for_youth(self, youth: YouthRow, *, sender: str, conversation: ConversationRow | None,
                  attributed: bool = False) -> InboundResult:
        """A message from the youth's own point, or from a guardian attributed to this youth (`attributed`: a
        guardian of several youth just said which child). `conversation` is the point's, if it has one."""
        connection, msg, now, point = self.connection, self.msg, self.now, self.point
        guardian_id = point.guardian_id
        message = _store(connection, msg, now, county_id=youth.county_id, youth_id=youth.id,
                         guardian_id=guardian_id, point_id=point.id)
        if message.duplicate:
            return _duplicate(message)
        result = InboundResult(message.id, False, youth.id, guardian_id, None, None, [], None)
        if point.wrong_number:
            return self.stranger(youth, message, result)

        county = self.county_of(youth)
        day = msg.received_at.astimezone(OSLO).date()
        age = age_on(youth.birth_date, day)

        text = msg.text
        source_id = message.id
        asked: str | None = None
        answer_kind: str | None = None
        if attributed:
            assert conversation is not None
            # The answer names the child and says nothing else: decide on the message the question was about.
            pending = rows.message(connection, conversation.message_id) \
                if conversation.message_id is not None else None
            if pending is not None and pending.youth_id is None and pending.contact_point_id == point.id:
                assert conversation.message_id is not None
                rows.attribute_message(connection, conversation.message_id, youth.id)
                source_id, text = conversation.message_id, pending.text
            result.notes.append("guardian named the child: message attributed")
        elif conversation is not None and conversation.question is not None \
                and conversation.youth_id in (None, youth.id) and conversation.question != Question.WHICH_CHILD:
            asked = conversation.question.value
            if sender == "youth":
                answer = answer_to_question(text, asked, conversation.choices or None)
                answer_kind = answer.kind if answer is not None else None

        reading = read(text, sender=sender, age=age, county=county.name)
        ctx = ReplyContext(sender=sender, age=age, youth_county=county.name, current_code=youth.status_code,
                           channel=msg.channel, bound_account=True, asked=asked, language=youth.language.value,
                           adviser_name=youth.adviser_name, answer=answer_kind)
        decision = decide(reading, ctx, county_policy(county.settings))
        result.decision = decision
        as_guardian = sender == "guardian" or reading.speaker == "guardian"

        # Record: the code change (through the one function), then enrolments and the point's flags.
        old_code = youth.status_code
        if decision.status_code is not None:
            evidence = {
                "rule": decision.explanation[:DETAIL_MAX],
                "rules": [e.rule for e in reading.evidence],
                "words": [e.text for e in reading.evidence],
                "confidence": decision.confidence,
                "sender": "guardian" if as_guardian else "youth",
                "channel": msg.channel.value,
                "asked": asked,
                "answer": answer_kind,
            }
            try:
                result.status_change_id = record_change(
                    connection, youth_id=youth.id, county_id=youth.county_id, old_code=old_code,
                    new_code=decision.status_code, actor=ACTOR, applied=decision.applied, evidence=evidence,
                    now=now, source_message_id=source_id, source_checked=source_id == message.id).id
            except (StaleStatus, StatusUnchanged) as exc:
                result.notes.append(f"status change {old_code} -> {decision.status_code} not made: "
                                    f"{type(exc).__name__}")
                log.info("inbound.status_not_changed", message_id=message.id, reason=type(exc).__name__)
        own_point = point.youth_id == youth.id
        if decision.contact_established:
            stop_enrolments(connection, youth.id, StopReason.CONTACT_ESTABLISHED, now, flows=[FIRST_CONTACT_FLOW])
        was_opted_out = point.opted_out
        if decision.opt_out:
            _opt_out(point, now)
            if own_point:
                stop_enrolments(connection, youth.id, StopReason.OPTED_OUT, now)
        elif decision.resume:
            _resume(connection, point, youth.id if own_point else None, now)
        if decision.wrong_number:
            _flag_wrong(point)
            if own_point:
                stop_enrolments(connection, youth.id, StopReason.WRONG_NUMBER, now)

        # Alerts: urgent, opt-out and wrong number each; then one for anything else a person must read.
        who = "guardian" if as_guardian else "youth"
        summary = _summary(decision, old_code)
        kinds: list[tuple[AlertKind, str]] = []
        if decision.urgent:
            kinds.append((AlertKind.URGENT, f"urgent reply from the {who}; answered with help lines now. {summary}"))
        elif decision.alert_now:
            # The safety net: a risk the reader could not resolve is read by a person now, not in the morning queue.
            kinds.append((AlertKind.URGENT, f"reply from the {who} touches risk the bot could not resolve; read it "
                                            f"now (answered with help lines). {summary}"))
        if decision.opt_out:
            kinds.append((AlertKind.OPT_OUT, f"the {who} opted out of messages on {msg.channel.value}; "
                                             f"letter and phone remain. {summary}"))
        if decision.wrong_number:
            kinds.append((AlertKind.WRONG_NUMBER, f"{msg.channel.value} address flagged as a wrong number. "
                                                  f"{summary}"))
        if decision.escalate and not kinds:
            if as_guardian:
                kinds.append((AlertKind.GUARDIAN_INFO, f"information from a guardian. {summary}"))
            elif {"help_request", "question"} & set(reading.intents) or answer_kind == TALK:
                kinds.append((AlertKind.HELP, f"the youth asks for help or asks a question. {summary}"))
            else:
                kinds.append((AlertKind.UNREAD, f"reply the bot could not settle; please read it. {summary}"))
        for kind, detail in kinds:
            self.alert(youth, source_id, kind, detail)  # the message to read: the earlier one when attributed
            result.alerts.append(kind)

        # The conversation: the one follow-up question is remembered, an answered question is closed.
        if conversation is not None and (attributed or decision.contact_established or answer_kind is not None):
            _set_question(conversation, None, {}, youth.id, message.id)

        # Answer.
        reply = decision.reply
        withheld = _withheld(decision, point, held=youth.held_by_adviser_id is not None,
                             adult_guardian=point.guardian_id is not None and age >= ADULT_AGE,
                             was_opted_out=was_opted_out)
        if reply is not None and withheld:
            result.notes.append(f"answer withheld: {withheld}")
        elif reply is not None:
            template = f"reply_{decision.reply_key}" if decision.reply_key else None
            result.answer_outbox_id = self.queue(
                message.id, youth.id, reply,
                audience=Audience.GUARDIAN if point.guardian_id is not None else Audience.YOUTH, template=template,
                language=reply_language(reading, ctx), urgent=decision.urgent or decision.alert_now)
            if decision.reply_key == "ack":
                conversation = conversation or _new_conversation(point, youth.id)
                _set_question(conversation, Question.WHAT_DOING, {}, youth.id, message.id)
        if conversation is not None and conversation.changed:
            rows.save_conversation(connection, conversation, now)
        self.finish()
        log.info("inbound.handled", message_id=message.id, youth_id=youth.id, sender=who,
                 contact=decision.contact_established, code=decision.status_code, applied=decision.applied,
                 alerts=[k.value for k in result.alerts], answered=result.answer_outbox_id is not None)
        return result

    def several_children(self, children: Sequence[YouthRow], conversation: ConversationRow | None
                         ) -> InboundResult:
        """A guardian of 2+ youth, the child not (yet) named: never a guess; ask which child."""
        connection, msg, now, point = self.connection, self.msg, self.now, self.point
        message = _store(connection, msg, now, county_id=point.county_id, youth_id=None,
                         guardian_id=point.guardian_id, point_id=point.id)
        if message.duplicate:
            return _duplicate(message)
        result = InboundResult(message.id, False, None, point.guardian_id, None, None, [], None)
        first = children[0]
        county = self.county
        reading = read(msg.text, sender="guardian", age=None, county=county.name)
        ctx = ReplyContext(sender="guardian", age=None, youth_county=county.name, channel=msg.channel,
                           language=first.language.value)
        decision = decide(reading, ctx, county_policy(county.settings))
        result.decision = decision
        was_opted_out = point.opted_out
        if decision.opt_out:
            _opt_out(point, now)
        elif decision.resume:
            _resume(connection, point, None, now)
        if decision.wrong_number:
            _flag_wrong(point)

        n = len(children)
        if decision.urgent or decision.alert_now:
            kind, detail = AlertKind.URGENT, (f"urgent message from a guardian of {_count(n)} youth; which child is "
                                              "not known")
        elif decision.opt_out:
            kind, detail = AlertKind.OPT_OUT, f"a guardian of {_count(n)} youth opted out on {msg.channel.value}"
        elif decision.wrong_number:
            kind, detail = AlertKind.WRONG_NUMBER, (f"a guardian's {msg.channel.value} address flagged as a wrong "
                                                    "number")
        elif decision.escalate:
            kind, detail = AlertKind.GUARDIAN_INFO, (f"information from a guardian of {_count(n)} youth; which "
                                                     "child is not known yet, the guardian was asked")
        else:
            kind, detail = None, ""
        if kind is not None:
            for child in children:
                self.alert(child, message.id, kind, detail)
            result.alerts.append(kind)

        held = any(child.held_by_adviser_id is not None for child in children)
        day = msg.received_at.astimezone(OSLO).date()
        adults = all(age_on(child.birth_date, day) >= ADULT_AGE for child in children)
        if kind is AlertKind.GUARDIAN_INFO:
            choices = _choices(children)
            stored = {key: child.id for key, child in choices.items()}
            conversation = conversation or _new_conversation(point, None)
            already = conversation.question == Question.WHICH_CHILD and conversation.choices == stored
            if not already:
                _set_question(conversation, Question.WHICH_CHILD, stored, None, message.id)
                rows.save_conversation(connection, conversation, now)
                text = _which_child_text([child.first_name for child in choices.values()], first.language.value,
                                         county.name)
                withheld = _withheld(None, point, held=held, adult_guardian=adults, was_opted_out=was_opted_out)
                if text is None:
                    result.notes.append("which_child template missing: question not queued")
                elif withheld:
                    result.notes.append(f"answer withheld: {withheld}")
                else:
                    result.answer_outbox_id = self.queue(
                        message.id, first.id, text, audience=Audience.GUARDIAN, template=WHICH_CHILD_TEMPLATE,
                        language=first.language.value, urgent=False)
            else:
                result.notes.append("which child was asked already: not asked again")
        elif decision.reply is not None:
            withheld = _withheld(decision, point, held=held, adult_guardian=adults, was_opted_out=was_opted_out)
            if withheld:
                result.notes.append(f"answer withheld: {withheld}")
            else:
                result.answer_outbox_id = self.queue(
                    message.id, first.id, decision.reply, audience=Audience.GUARDIAN,
                    template=f"reply_{decision.reply_key}" if decision.reply_key else None,
                    language=reply_language(reading, ctx), urgent=decision.urgent or decision.alert_now)
        self.finish()
        log.info("inbound.guardian_of_several", message_id=message.id, children=n,
                 alerts=[k.value for k in result.alerts], answered=result.answer_outbox_id is not None)
        return result

    def stranger(self, youth: YouthRow, message: Stored, result: InboundResult) -> InboundResult:
        """A message from a point flagged as a wrong number: someone else's words. Urgency and opt-out only."""
        msg, point = self.msg, self.point
        county = self.county_of(youth)
        reading = read(msg.text, sender="youth", age=None, county=county.name)
        ctx = ReplyContext(sender="youth", age=None, youth_county=county.name, channel=msg.channel,
                           language=youth.language.value)
        decision = decide(reading, ctx)
        was_opted_out = point.opted_out
        kind: AlertKind | None = None
        reply: str | None = None
        if decision.urgent or decision.alert_now:
            kind, detail = AlertKind.URGENT, "urgent message from a number flagged as a wrong number"
            reply = decision.reply
        elif decision.opt_out:
            _opt_out(point, self.now)
            kind, detail = AlertKind.OPT_OUT, "a number flagged as a wrong number opted out"
            reply = decision.reply
        elif set(reading.intents) != {"ack"}:
            kind, detail = AlertKind.UNREAD, "message from a number flagged as a wrong number; please read it"
        if kind is not None:
            self.alert(youth, message.id, kind, detail)
            result.alerts.append(kind)
        withheld = _withheld(decision, point, held=youth.held_by_adviser_id is not None, adult_guardian=False,
                             was_opted_out=was_opted_out)
        if reply is not None and withheld:
            result.notes.append(f"answer withheld: {withheld}")
        elif reply is not None:
            result.answer_outbox_id = self.queue(
                message.id, youth.id, reply,
                audience=Audience.GUARDIAN if point.guardian_id is not None else Audience.YOUTH,
                template=f"reply_{decision.reply_key}" if decision.reply_key else None,
                language=reply_language(reading, ctx), urgent=decision.urgent or decision.alert_now)
        result.notes.append("number flagged as wrong: not read as the owner's words")
        self.finish()
        return result


def _unknown(connection: sa.Connection, msg: InboundMessage, now: datetime, county_id: int, *,
             point: PointRow | None = None) -> InboundResult:
    """An address no usable point has (or a guardian linked to no youth): stored, an adviser reads it."""
    message = _store(connection, msg, now, county_id=county_id, youth_id=None,
                     guardian_id=point.guardian_id if point else None, point_id=point.id if point else None)
    if message.duplicate:
        return _duplicate(message)
    what = "a guardian linked to no youth" if point is not None else "an unknown address"
    rows.raise_alerts(connection, [rows.NewAlert(county_id, None, None, message.id, AlertKind.UNREAD,
                                                 f"{msg.channel.value} message from {what}; no answer was sent")],
                      now)
    log.info("inbound.unknown_sender", message_id=message.id, channel=msg.channel.value)
    return InboundResult(message.id, False, None, point.guardian_id if point else None, None, None,
                         [AlertKind.UNREAD], None)


def _shared_by_youth(connection: sa.Connection, msg: InboundMessage, now: datetime,
                     senders: Sequence[rows.Sender]) -> InboundResult:
    """One address on several youth's records: whose message it is cannot be known; an adviser reads it."""
    first = senders[0].point
    message = _store(connection, msg, now, county_id=first.county_id, youth_id=None, guardian_id=None,
                     point_id=None)
    if message.duplicate:
        return _duplicate(message)
    detail = (f"{msg.channel.value} address shared by {_count(len(senders))} youth; whose message it is is not "
              "known")
    rows.raise_alerts(connection, [
        rows.NewAlert(s.youth.county_id, s.youth.id, s.youth.adviser_id, message.id, AlertKind.UNREAD, detail)
        for s in senders if s.youth is not None and s.point.county_id == first.county_id
    ], now)
    return InboundResult(message.id, False, None, None, None, None, [AlertKind.UNREAD], None,
                         ["address shared by several youth: not attributed, no answer"])


# ------------------------------------------------------------------------------------------------------ helpers


@dataclass(frozen=True, slots=True)
class Stored:
    """The message row of an inbound message: its id, and whether a provider's retry found it stored already."""

    id: int
    duplicate: bool
    youth_id: int | None
    guardian_id: int | None


def _store(connection: sa.Connection, msg: InboundMessage, now: datetime, *, county_id: int,
           youth_id: int | None, guardian_id: int | None, point_id: int | None) -> Stored:
    """Insert the message unless (channel, provider account, provider id) is stored: a provider's retry then finds
    the stored row. One statement (INSERT .. ON CONFLICT DO NOTHING RETURNING); on PostgreSQL a retry racing the
    first delivery waits for its transaction and then finds its row."""
    new_id = rows.store_message(connection, channel=msg.channel, account=msg.account, provider_id=msg.provider_id,
                                text=msg.text, received_at=msg.received_at, now=now, county_id=county_id,
                                youth_id=youth_id, guardian_id=guardian_id, point_id=point_id)
    if new_id is not None:
        return Stored(new_id, False, youth_id, guardian_id)
    row = rows.stored_message(connection, msg.channel, msg.account, msg.provider_id)
    if row is None:  # pragma: no cover - the conflicting row is committed before DO NOTHING gives way
        raise InboundError("the message conflicted with a stored one that cannot be found; nothing was stored")
    log.info("inbound.duplicate", message_id=row.id, channel=msg.channel.value)
    return Stored(int(row.id), True, row.youth_id, row.guardian_id)


def _duplicate(message: Stored) -> InboundResult:
    return InboundResult(message.id, True, message.youth_id, message.guardian_id, None, None, [], None)


def _normalise(channel: Channel, address: str) -> str:
    address = address.strip()
    return address.lower() if channel is Channel.EMAIL else address


def _choices(children: Sequence[YouthRow]) -> dict[str, YouthRow]:
    """The which_child numbering: "1", "2", ... in the children's stable order (oldest first)."""
    return {str(number): child for number, child in enumerate(children, start=1)}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _new_conversation(point: PointRow, youth_id: int | None) -> ConversationRow:
    return ConversationRow(point.id, point.county_id, youth_id=youth_id)


def _set_question(conversation: ConversationRow, question: Question | None, choices: dict[str, Any],
                  youth_id: int | None, message_id: int | None) -> None:
    conversation.question = question
    conversation.choices = choices
    conversation.youth_id = youth_id
    conversation.message_id = message_id
    conversation.changed = True


def _opt_out(point: PointRow, now: datetime) -> None:
    if not point.opted_out:
        point.opted_out = True
        point.opted_out_at = now
        point.changed = True


def _flag_wrong(point: PointRow) -> None:
    point.wrong_number = True
    point.changed = True


def _resume(connection: sa.Connection, point: PointRow, youth_id: int | None, now: datetime) -> None:
    """START: the point takes messages again; the youth's own point also re-activates what the opt-out stopped."""
    point.opted_out = False
    point.opted_out_at = None
    point.changed = True
    if youth_id is not None:
        rows.resume_enrolments(connection, youth_id, now)


def _withheld(decision: Decision | None, point: PointRow, *, held: bool, adult_guardian: bool,
              was_opted_out: bool) -> str | None:
    """Why an automatic answer must not go, or None. Urgent answers always go (module doc)."""
    if decision is not None and (decision.urgent or decision.alert_now):
        return None
    opt_out = decision is not None and decision.opt_out
    if point.opted_out and not opt_out:
        return "opted out"
    if was_opted_out and opt_out:
        return "opted out before: the confirmation was sent then"
    if held:
        return "adviser holds the conversation"
    if adult_guardian:
        return "guardians of adults are never contacted"
    return None


def _summary(decision: Decision, old_code: str) -> str:
    """What the bot concluded, for an alert: codes and flags only, never the words of the message."""
    parts = ["contact established" if decision.contact_established else "no contact"]
    if decision.status_code:
        parts.append(f"{old_code} -> {decision.status_code} {(ChangeState.APPLIED if decision.applied else ChangeState.PROPOSED).value}")
    return "; ".join(parts)


def _count(n: int) -> str:
    words = {2: "two", 3: "three", 4: "four", 5: "five"}
    return words.get(n, "several")


def _which_child_text(children: list[str], language: str, county: str) -> str | None:
    """The which_child question in the youth's language, else Bokmål; None when the template is missing."""
    values: dict[str, Any] = {"children": children, "county": county, "adviser_name": None}
    for lang in dict.fromkeys((language, "nb")):
        try:
            return render(WHICH_CHILD_TEMPLATE, lang, **values)
        except TemplateError:
            continue
    return None


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InboundError(f"{name} must be a time-zone-aware datetime, got {value!r}")


__all__ = ["InboundError", "InboundMessage", "InboundResult", "UnknownSender", "county_policy", "handle_inbound"]
