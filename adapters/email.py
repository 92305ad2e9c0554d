"""E-mail through SMTP, the last automatic rung of the ladder: the mail carries the chat link, not the reply.

A youth who cannot be reached by SMS or Telegram may still have an e-mail address on the roster. This
channel sends one plain-text mail per outbox row through the county's SMTP submission server (the standard
library's smtplib, run in a worker thread, one connection per message) and maps every answer to an
`Outcome`. Nothing is raised for a server's refusal.

What a mail looks like and why:

- Plain text, UTF-8, quoted-printable: æ, ø and å survive every server, 8BITMIME or not.
- The Subject is the message's own or "Melding fra Oppfølgingstjenesten (OT)".
- The Message-ID is a hash of the outbox row's idempotency key under the From domain, so a retried row
  carries the same Message-ID (mail clients and archives show one message, not two) and the id names our
  row without naming the youth. It is the `provider_id` of the send.
- `Auto-Submitted: auto-generated` (RFC 3834): vacation responders and autoresponders do not answer it.
- Replies are not read. When the dispatcher gives a `reply_link` (the web chat), the mail ends with a short
  paragraph that gives the link and says so; answers come through the chat, where the reader and the
  adviser see them, never by parsing mail. A Reply-To is set only when one is configured.
- From is the configured address, or the county's own e-mail sender (`OutgoingMessage.sender`) when it is an
  e-mail address.

Transport: STARTTLS on the submission port (587) unless turned off, with a certificate check (the system's
trust store, or `ssl_context`); implicit TLS on port 465. If STARTTLS is asked for and the server does not
offer it, nothing is sent in clear: the send FAILS (configuration). Login when a username is configured.

An address that is not an e-mail address is BAD_ADDRESS before any connection is made. The SMTP facts (reply
codes, enhanced status codes, exceptions) are the tables below. `error_code` is the reply code or the
exception's class name, never an address or the text; this module logs nothing.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import smtplib
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr

from adapters.base import Outcome, OutgoingMessage, SendResult
from storage.enums import Channel

DEFAULT_SUBJECT = "Melding fra Oppfølgingstjenesten (OT)"
# The paragraph a mail ends with when the recipient answers through the web chat (Norwegian Bokmål).
REPLY_PARAGRAPH = "Svar oss her: {link}\nSvar på denne e-posten blir ikke lest. Bruk lenken over for å svare oss."
# Ports where TLS starts with the connection (RFC 8314 submissions), not with STARTTLS.
IMPLICIT_TLS_PORTS = frozenset({465})

# A refused recipient (RCPT TO), by reply code (RFC 5321 §4.2.3).
RECIPIENT_CODES: Mapping[int, Outcome] = {
    550: Outcome.BAD_ADDRESS,  # mailbox unavailable: no such user
    551: Outcome.BAD_ADDRESS,  # user not local
    553: Outcome.BAD_ADDRESS,  # mailbox name not allowed
    501: Outcome.BAD_ADDRESS,  # syntax error in the address
    552: Outcome.RETRY,  # too many recipients or storage: RFC 5321 §4.5.3.1.10 says treat it as 452
    421: Outcome.RETRY,  # service not available, closing the channel
    450: Outcome.RETRY,  # mailbox unavailable for now (busy, greylisting)
    451: Outcome.RETRY,  # local error in processing
    452: Outcome.RETRY,  # insufficient system storage
    530: Outcome.FAILED,  # authentication required: configuration
    554: Outcome.FAILED,  # transaction failed (relay denied, policy): an adviser looks
}
# Enhanced status codes (RFC 3463) refine a permanent recipient refusal: the longest matching prefix decides.
# A "550 5.7.1 relay denied" is our configuration, not the youth's address.
ENHANCED_CODES: Mapping[str, Outcome] = {
    "5.1": Outcome.BAD_ADDRESS,  # addressing: bad mailbox, bad domain
    "5.2.1": Outcome.BAD_ADDRESS,  # mailbox disabled
    "5.2.2": Outcome.RETRY,  # mailbox full
    "5.7": Outcome.FAILED,  # security or policy: relay denied, sender not allowed, blocked
}
# Any other refusal that carries a reply code (MAIL FROM, DATA, EHLO, STARTTLS, AUTH), by the code's class.
TRANSIENT_CLASS, PERMANENT_CLASS = 4, 5
# smtplib's exceptions that are mapped the same way whatever their code; the first class that matches decides.
# (smtplib.SMTPException is an OSError: these, the recipient and the reply codes come before the network.)
SMTP_FAILURES: tuple[tuple[type[smtplib.SMTPException], Outcome], ...] = (
    (smtplib.SMTPConnectError, Outcome.RETRY),  # the greeting was not 220 (421 busy, 554 no service now)
    (smtplib.SMTPNotSupportedError, Outcome.FAILED),  # STARTTLS or AUTH not offered: configuration
    (smtplib.SMTPServerDisconnected, Outcome.RETRY),  # the server hung up
)
# Network and TLS failures, after every SMTP exception; the first class that matches decides.
NETWORK_FAILURES: tuple[tuple[type[BaseException], Outcome], ...] = (
    (ssl.SSLCertVerificationError, Outcome.FAILED),  # the server's certificate is not trusted: configuration
    (TimeoutError, Outcome.RETRY),  # socket.timeout is TimeoutError since Python 3.10
    (ConnectionError, Outcome.RETRY),  # refused, reset, aborted
    (OSError, Outcome.RETRY),  # DNS, unreachable network, a TLS handshake cut short
)


def _code_class(code: int) -> int:
    return code // 100 if 100 <= code <= 599 else 0


def recipient_outcome(code: int, reply: bytes | str = b"") -> Outcome:
    """Our outcome for a recipient the server refused with `code` and the reply text `reply`."""
    if _code_class(code) == PERMANENT_CLASS:
        text = reply.decode("ascii", "replace") if isinstance(reply, bytes) else reply
        words = text.split()
        enhanced = words[0] if words and words[0][:2] == "5." else ""
        for prefix in sorted(ENHANCED_CODES, key=len, reverse=True):
            if enhanced == prefix or enhanced.startswith(prefix + "."):
                return ENHANCED_CODES[prefix]
    if code in RECIPIENT_CODES:
        return RECIPIENT_CODES[code]
    if _code_class(code) == TRANSIENT_CLASS:
        return Outcome.RETRY
    if _code_class(code) == PERMANENT_CLASS:
        return Outcome.BAD_ADDRESS  # refused for good: try the next channel
    return Outcome.FAILED


def failure_result(exc: BaseException) -> SendResult:
    """The SendResult for an exception from smtplib or the network: reply code or class name, nothing else."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (0, b""))
        return SendResult(recipient_outcome(code, reply), error_code=str(code))
    for kind, outcome in SMTP_FAILURES:
        if isinstance(exc, kind):
            smtp_code = getattr(exc, "smtp_code", None)
            error_code = str(smtp_code) if isinstance(smtp_code, int) else type(exc).__name__[:40]
            return SendResult(outcome, error_code=error_code)
    if isinstance(exc, smtplib.SMTPResponseException):
        # SMTPAuthenticationError, SMTPSenderRefused, SMTPDataError, SMTPHeloError, a refused STARTTLS, ...
        code = exc.smtp_code
        outcome = Outcome.RETRY if _code_class(code) == TRANSIENT_CLASS else Outcome.FAILED
        return SendResult(outcome, error_code=str(code))
    if isinstance(exc, smtplib.SMTPException):
        return SendResult(Outcome.FAILED, error_code=type(exc).__name__[:40])
    for network_kind, outcome in NETWORK_FAILURES:
        if isinstance(exc, network_kind):
            return SendResult(outcome, error_code=type(exc).__name__[:40])
    return SendResult(Outcome.FAILED, error_code=type(exc).__name__[:40])


def parse_address(raw: str) -> Address | None:
    """`raw` as one e-mail address with an ASCII (IDNA) domain, or None when it is not one."""
    raw = raw.strip()
    if "@" not in raw:
        return None
    try:
        address = Address(addr_spec=raw)
        domain = address.domain
        if not address.username or not domain:
            return None
        if not domain.isascii():
            domain = domain.encode("idna").decode("ascii")
        return Address(username=address.username, domain=domain)
    except (ValueError, IndexError, UnicodeError, MessageError):
        return None


def _named(raw: str) -> Address | None:
    """'ot@example.no' or 'OT Trøndelag <ot@example.no>' as an Address, or None."""
    name, spec = parseaddr(raw.strip())
    address = parse_address(spec) if spec else None
    if address is None:
        return None
    return Address(display_name=name, username=address.username, domain=address.domain)


def message_id(key: str, domain: str) -> str:
    """The Message-ID of the mail for the outbox row `key`: the same for every attempt, naming no one."""
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}@{domain}>"


def login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in: smtplib's login for ASCII credentials; AUTH PLAIN in UTF-8 (RFC 4954) for others, which smtplib
    cannot send (a password with æ, ø or å)."""
    if f"{username}{password}".isascii():
        smtp.login(username, password)
        return
    if not smtp.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    if "PLAIN" not in smtp.esmtp_features["auth"].upper().split():
        raise smtplib.SMTPNotSupportedError("AUTH PLAIN, needed for non-ASCII credentials, is not offered.")
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def body_of(message: OutgoingMessage) -> str:
    text = message.text.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    if message.reply_link:
        text += "\n\n" + REPLY_PARAGRAPH.format(link=message.reply_link)
    return text + "\n"


class EmailChannel:
    """The e-mail channel through one SMTP submission server."""

    channel = Channel.EMAIL

    def __init__(self, host: str, port: int = 587, *, username: str | None = None, password: str | None = None,
                 from_address: str, starttls: bool = True, timeout: float = 20.0,
                 ssl_context: ssl.SSLContext | None = None, reply_to: str | None = None) -> None:
        sender = _named(from_address)
        if sender is None:
            raise ValueError("from_address is not an e-mail address")
        reply = _named(reply_to) if reply_to else None
        if reply_to and reply is None:
            raise ValueError("reply_to is not an e-mail address")
        self.account = from_address
        self.host = host
        self.port = port
        self.starttls = starttls
        self.timeout = timeout
        self._username = username
        self._password = password
        self._from = sender
        self._reply_to = reply
        self._ssl_context = ssl_context
        self.sent = 0

    def _context(self) -> ssl.SSLContext:
        # Built on first use (loading the system's trust store takes a moment), then kept.
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def sender_of(self, message: OutgoingMessage) -> Address:
        """The From of `message`: the county's own e-mail sender when it has one, else the configured one."""
        own = _named(message.sender) if message.sender else None
        return own or self._from

    def build(self, message: OutgoingMessage, recipient: Address, *, now: datetime | None = None) -> EmailMessage:
        """The mail for `message` to `recipient` (an address parse_address accepted)."""
        sender = self.sender_of(message)
        mail = EmailMessage(policy=SMTP_POLICY)
        mail["From"] = sender
        mail["To"] = recipient
        mail["Subject"] = " ".join((message.subject or "").split()) or DEFAULT_SUBJECT  # one line, always
        mail["Date"] = now or datetime.now(UTC)
        mail["Message-ID"] = message_id(message.key, sender.domain)
        mail["Auto-Submitted"] = "auto-generated"
        if self._reply_to is not None:
            mail["Reply-To"] = self._reply_to
        mail.set_content(body_of(message), charset="utf-8", cte="quoted-printable")
        return mail

    async def send(self, message: OutgoingMessage) -> SendResult:
        recipient = parse_address(message.address)
        if recipient is None:
            return SendResult(Outcome.BAD_ADDRESS, error_code="invalid address")
        mail = self.build(message, recipient)
        try:
            await asyncio.to_thread(self._deliver, mail, self.sender_of(message).addr_spec, recipient.addr_spec)
        except (smtplib.SMTPException, OSError, UnicodeError) as exc:
            return failure_result(exc)
        self.sent += 1
        return SendResult(Outcome.SENT, provider_id=str(mail["Message-ID"]))

    def _deliver(self, mail: EmailMessage, sender: str, recipient: str) -> None:
        """Blocking: one connection, one mail. Raises what smtplib raises."""
        implicit = self.port in IMPLICIT_TLS_PORTS
        smtp: smtplib.SMTP
        if implicit:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.starttls and not implicit:
                smtp.starttls(context=self._context())  # SMTPNotSupportedError when not offered: never in clear
                smtp.ehlo()
            if self._username is not None:
                login(smtp, self._username, self._password or "")
            smtp.send_message(mail, from_addr=sender, to_addrs=[recipient])
        except BaseException:
            smtp.close()
            raise
        try:  # the mail is taken: a failing QUIT must not make it a retry (and a second mail)
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
