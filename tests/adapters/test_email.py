"""The e-mail channel against a real SMTP peer (aiosmtpd on 127.0.0.1): what arrives, how refusals map,
STARTTLS, implicit TLS and login. The throwaway certificate is made with the openssl command."""

from __future__ import annotations

import shutil
import smtplib
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

import adapters.email as email_adapter
from adapters.base import Outcome, OutgoingMessage
from adapters.email import DEFAULT_SUBJECT, EmailChannel, failure_result, parse_address, recipient_outcome
from storage.enums import Channel

HOST = "127.0.0.1"
FROM = "ot@trondelag.example.no"
TO = "sara.nordmann@example.no"
GONE = "borte@example.no"  # the server answers 550 5.1.1
LATER = "senere@example.no"  # the server answers 451 4.3.0
RELAY = "relay@elsewhere.example"  # the server answers 550 5.7.1 (our configuration, not the address)
SPAM = "spam@example.no"  # the server refuses the DATA with 554 5.7.1
TEXT = "Hei Sara! Dette er OT i Trøndelag. Vi håper alt er bra – vil du prate om skole, jobb eller kurs? Vi vil gjerne lære hva du ønsker."
LINK = "https://ot.example.no/c/abc123"
# Two accounts: smtplib's own login for ASCII credentials, our AUTH PLAIN in UTF-8 for a password with æøå.
USER, PASSWORD = "ot-bot", "hemmelig-æøå"
ASCII_USER, ASCII_PASSWORD = "ot-ascii", "hemmelig"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    authenticated: bool

    def mail(self) -> EmailMessage:
        # As a mailbox keeps it: the wire's CRLF line ends as newlines.
        parsed = message_from_bytes(self.content.replace(b"\r\n", b"\n"), policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed


class Recorder:
    """An SMTP handler that keeps what it accepts and refuses some recipients."""

    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        refusals = {GONE: "550 5.1.1 mailbox unavailable", LATER: "451 4.3.0 try later",
                    RELAY: "550 5.7.1 relaying denied"}
        if address in refusals:
            return refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if SPAM in envelope.rcpt_tos:
            return "554 5.7.1 message refused as spam"
        assert envelope.mail_from is not None and envelope.original_content is not None
        tls = session.ssl is not None or server.transport is not None and \
            server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
                                      tls=tls, authenticated=bool(session.authenticated)))
        return "250 Message accepted for delivery"


class CountingController(Controller):
    """A Controller that counts the connections made to it (the one start() makes included)."""

    connections = 0

    def factory(self) -> SMTP:
        self.connections += 1
        return super().factory()  # type: ignore[no-any-return]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    port: int
    handler: Recorder
    controller: CountingController


@contextmanager
def serve(**smtp: Any) -> Iterator[Server]:
    handler = Recorder()
    port = free_port()
    controller = CountingController(handler, hostname=HOST, port=port, server_hostname="localhost", **smtp)
    controller.start()
    try:
        yield Server(port, handler, controller)
    finally:
        controller.stop()


@pytest.fixture
def server() -> Iterator[Server]:
    with serve() as running:
        yield running


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this certificate and only it (hostname checked: 127.0.0.1)."""
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a throwaway certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=30)
    return Certificate(cert, key)


def authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                  auth_data: Any) -> AuthResult:
    accounts = {(USER.encode(), PASSWORD.encode()), (ASCII_USER.encode(), ASCII_PASSWORD.encode())}
    ok = isinstance(auth_data, LoginPassword) and tuple(auth_data) in accounts
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


def message(address: str = TO, *, key: str = "e1:first:youth", reply_link: str | None = LINK,
            subject: str | None = None, text: str = TEXT, sender: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(key=key, channel=Channel.EMAIL, address=address, text=text, reply_link=reply_link,
                           subject=subject, sender=sender)


def plain(port: int, **options: Any) -> EmailChannel:
    """A channel without TLS, for the plain test server."""
    return EmailChannel(HOST, port, from_address=FROM, starttls=False, timeout=5.0, **options)


# --- what arrives -------------------------------------------------------------------------------------------


async def test_a_sent_mail_arrives_with_headers_body_and_the_chat_link(server: Server) -> None:
    channel = plain(server.port)
    assert (channel.channel, channel.account) == (Channel.EMAIL, FROM)
    result = await channel.send(message())
    assert result.outcome is Outcome.SENT and result.error_code is None
    [got] = server.handler.received
    assert (got.mail_from, got.rcpt_tos) == (FROM, [TO])
    mail = got.mail()
    assert (mail["From"], mail["To"], mail["Subject"]) == (FROM, TO, DEFAULT_SUBJECT)
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Date"] is not None and mail["Reply-To"] is None
    assert result.provider_id == mail["Message-ID"]
    assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
    body = mail.get_content()
    assert body.startswith(TEXT + "\n\n")
    assert set("æøå") <= set(body)
    assert f"Svar oss her: {LINK}\n" in body
    assert "Svar på denne e-posten blir ikke lest" in body
    assert got.content.isascii()  # quoted-printable on the wire: no server needs 8BITMIME


async def test_norwegian_letters_survive_in_subject_and_body_and_no_link_without_one(server: Server) -> None:
    text = "Blåbærsyltetøy, ærlig talt! ÆØÅ æøå"
    result = await plain(server.port).send(message(reply_link=None, subject="Hei fra OT – æøå", text=text))
    assert result.outcome is Outcome.SENT
    mail = server.handler.received[0].mail()
    assert mail["Subject"] == "Hei fra OT – æøå"
    assert mail.get_content() == text + "\n"
    assert "Svar oss her" not in mail.get_content() and "https://" not in mail.get_content()


async def test_the_message_id_is_the_same_for_the_same_key(server: Server) -> None:
    channel = plain(server.port)
    first = await channel.send(message(key="k1"))
    again = await channel.send(message(key="k1"))
    other = await channel.send(message(key="k2"))
    ids = [got.mail()["Message-ID"] for got in server.handler.received]
    assert ids == [first.provider_id, again.provider_id, other.provider_id]
    assert first.provider_id == again.provider_id != other.provider_id
    assert first.provider_id is not None and first.provider_id.endswith("@trondelag.example.no>")
    assert "k1" not in first.provider_id


async def test_reply_to_only_when_configured_and_the_countys_own_sender(server: Server) -> None:
    channel = plain(server.port, reply_to="Rådgiver <radgiver@trondelag.example.no>")
    result = await channel.send(message(sender="OT Innlandet <ot@innlandet.example.no>"))
    assert result.outcome is Outcome.SENT
    got = server.handler.received[0]
    mail = got.mail()
    assert got.mail_from == "ot@innlandet.example.no"
    assert mail["From"] == "OT Innlandet <ot@innlandet.example.no>"
    assert mail["Reply-To"] == "Rådgiver <radgiver@trondelag.example.no>"
    assert result.provider_id is not None and result.provider_id.endswith("@innlandet.example.no>")


async def test_an_international_domain_goes_out_in_idna(server: Server) -> None:
    result = await plain(server.port).send(message("ola@blåbær.no"))
    assert result.outcome is Outcome.SENT
    assert server.handler.received[0].rcpt_tos == ["ola@xn--blbr-roah.no"]


# --- refusals -----------------------------------------------------------------------------------------------


async def test_a_refused_mailbox_is_a_bad_address_and_try_later_is_a_retry(server: Server) -> None:
    channel = plain(server.port)
    gone = await channel.send(message(GONE))
    later = await channel.send(message(LATER))
    relay = await channel.send(message(RELAY))
    assert (gone.outcome, gone.error_code, gone.provider_id) == (Outcome.BAD_ADDRESS, "550", None)
    assert (later.outcome, later.error_code) == (Outcome.RETRY, "451")
    assert (relay.outcome, relay.error_code) == (Outcome.FAILED, "550")  # 5.7.1: our configuration
    assert server.handler.received == []


async def test_a_refused_message_body_fails(server: Server) -> None:
    result = await plain(server.port).send(message(SPAM))
    assert (result.outcome, result.error_code) == (Outcome.FAILED, "554")
    assert server.handler.received == []


@pytest.mark.parametrize("address", ["not-an-address", "", "ola@", "@example.no", "a@b@c", "åse@example.no",
                                     "Ola <ola@example.no>", "ola@example.no, kari@example.no",
                                     "ola@example.no\r\nBcc: x@example.no"])
async def test_what_is_not_an_email_address_is_refused_without_connecting(server: Server, address: str) -> None:
    before = server.controller.connections
    result = await plain(server.port).send(message(address))
    assert (result.outcome, result.error_code) == (Outcome.BAD_ADDRESS, "invalid address")
    assert server.controller.connections == before
    assert server.handler.received == []


async def test_the_connection_count_sees_a_send() -> None:
    # The counter the test above relies on does count a connection.
    with serve() as running:
        before = running.controller.connections
        assert (await plain(running.port).send(message())).outcome is Outcome.SENT
        assert running.controller.connections == before + 1


async def test_nothing_listening_is_a_retry() -> None:
    result = await plain(free_port()).send(message())
    assert (result.outcome, result.error_code) == (Outcome.RETRY, "ConnectionRefusedError")


def test_addresses_are_parsed_with_the_domain_in_idna() -> None:
    parsed = parse_address(" Sara.Nordmann@Blåbær.no ")
    assert parsed is not None and parsed.addr_spec == "Sara.Nordmann@xn--blbr-roah.no"
    assert parse_address("not-an-address") is None
    with pytest.raises(ValueError, match="from_address"):
        EmailChannel(HOST, from_address="not-an-address")


@pytest.mark.parametrize(("exc", "outcome", "code"), [
    (smtplib.SMTPRecipientsRefused({TO: (553, b"5.1.3 bad address syntax")}), Outcome.BAD_ADDRESS, "553"),
    (smtplib.SMTPRecipientsRefused({TO: (501, b"5.1.3 syntax error")}), Outcome.BAD_ADDRESS, "501"),
    (smtplib.SMTPRecipientsRefused({TO: (421, b"4.4.2 closing")}), Outcome.RETRY, "421"),
    (smtplib.SMTPRecipientsRefused({TO: (450, b"4.2.0 greylisted")}), Outcome.RETRY, "450"),
    (smtplib.SMTPRecipientsRefused({TO: (452, b"4.5.3 too many")}), Outcome.RETRY, "452"),
    (smtplib.SMTPRecipientsRefused({TO: (552, b"5.2.2 mailbox full")}), Outcome.RETRY, "552"),
    (smtplib.SMTPRecipientsRefused({TO: (554, b"5.7.1 relay access denied")}), Outcome.FAILED, "554"),
    (smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"), Outcome.FAILED, "535"),
    (smtplib.SMTPAuthenticationError(454, b"4.7.0 temporary failure"), Outcome.RETRY, "454"),
    (smtplib.SMTPSenderRefused(553, b"5.7.1 not yours", FROM), Outcome.FAILED, "553"),
    (smtplib.SMTPSenderRefused(451, b"4.3.0 later", FROM), Outcome.RETRY, "451"),
    (smtplib.SMTPDataError(552, b"5.3.4 too big"), Outcome.FAILED, "552"),
    (smtplib.SMTPDataError(451, b"4.3.0 later"), Outcome.RETRY, "451"),
    (smtplib.SMTPConnectError(554, b"no service"), Outcome.RETRY, "554"),
    (smtplib.SMTPServerDisconnected("gone"), Outcome.RETRY, "SMTPServerDisconnected"),
    (smtplib.SMTPNotSupportedError("STARTTLS extension not supported"), Outcome.FAILED, "SMTPNotSupportedError"),
    (TimeoutError("timed out"), Outcome.RETRY, "TimeoutError"),
    (TimeoutError("timed out"), Outcome.RETRY, "TimeoutError"),
    (ConnectionResetError(), Outcome.RETRY, "ConnectionResetError"),
    (socket.gaierror(-2, "Name or service not known"), Outcome.RETRY, "gaierror"),
    (ssl.SSLCertVerificationError("self-signed"), Outcome.FAILED, "SSLCertVerificationError"),
])
def test_the_error_table(exc: BaseException, outcome: Outcome, code: str) -> None:
    result = failure_result(exc)
    assert (result.outcome, result.error_code) == (outcome, code)
    assert TO not in str(result) and FROM not in str(result)


def test_enhanced_codes_refine_a_permanent_recipient_refusal() -> None:
    assert recipient_outcome(550, b"5.1.1 no such user") is Outcome.BAD_ADDRESS
    assert recipient_outcome(550, b"5.2.1 mailbox disabled") is Outcome.BAD_ADDRESS
    assert recipient_outcome(550, b"5.7.54 unable to relay") is Outcome.FAILED
    assert recipient_outcome(550, "mailbox unavailable") is Outcome.BAD_ADDRESS
    assert recipient_outcome(559, b"") is Outcome.BAD_ADDRESS
    assert recipient_outcome(470, b"") is Outcome.RETRY
    assert recipient_outcome(250, b"") is Outcome.FAILED


# --- TLS and login ------------------------------------------------------------------------------------------


async def test_starttls_then_the_mail_arrives_over_tls(certificate: Certificate) -> None:
    with serve(tls_context=certificate.server_context(), require_starttls=True) as running:
        channel = EmailChannel(HOST, running.port, from_address=FROM, timeout=5.0,
                               ssl_context=certificate.client_context())
        result = await channel.send(message())
        assert result.outcome is Outcome.SENT
        [got] = running.handler.received
        assert got.tls and not got.authenticated
        assert got.mail().get_content().startswith(TEXT)


async def test_without_starttls_a_server_that_requires_it_takes_nothing(certificate: Certificate) -> None:
    with serve(tls_context=certificate.server_context(), require_starttls=True) as running:
        result = await plain(running.port).send(message())
        assert (result.outcome, result.error_code) == (Outcome.FAILED, "530")
        assert running.handler.received == []


async def test_starttls_asked_of_a_server_without_it_sends_nothing_in_clear(server: Server) -> None:
    channel = EmailChannel(HOST, server.port, from_address=FROM, timeout=5.0)
    result = await channel.send(message())
    assert (result.outcome, result.error_code) == (Outcome.FAILED, "SMTPNotSupportedError")
    assert server.handler.received == []


async def test_an_untrusted_certificate_fails(certificate: Certificate) -> None:
    with serve(tls_context=certificate.server_context(), require_starttls=True) as running:
        # No ssl_context: the system's trust store, which does not know the throwaway certificate.
        channel = EmailChannel(HOST, running.port, from_address=FROM, timeout=5.0)
        result = await channel.send(message())
        assert (result.outcome, result.error_code) == (Outcome.FAILED, "SSLCertVerificationError")
        assert running.handler.received == []


async def test_login_over_starttls_and_a_wrong_password_fails(certificate: Certificate) -> None:
    with serve(tls_context=certificate.server_context(), require_starttls=True, auth_required=True,
               auth_require_tls=True, authenticator=authenticator) as running:
        def channel(username: str | None, password: str | None) -> EmailChannel:
            return EmailChannel(HOST, running.port, username=username, password=password, from_address=FROM,
                                timeout=5.0, ssl_context=certificate.client_context())

        utf8 = await channel(USER, PASSWORD).send(message(key="k1"))
        ascii_ = await channel(ASCII_USER, ASCII_PASSWORD).send(message(key="k2"))
        wrong = await channel(USER, "feil").send(message(key="k3"))
        wrong_utf8 = await channel(ASCII_USER, "hemmelig-æøå").send(message(key="k4"))
        anonymous = await channel(None, None).send(message(key="k5"))
        assert (utf8.outcome, ascii_.outcome) == (Outcome.SENT, Outcome.SENT)
        assert (wrong.outcome, wrong.error_code) == (Outcome.FAILED, "535")
        assert (wrong_utf8.outcome, wrong_utf8.error_code) == (Outcome.FAILED, "535")
        assert (anonymous.outcome, anonymous.error_code) == (Outcome.FAILED, "530")
        assert [(got.tls, got.authenticated) for got in running.handler.received] == [(True, True)] * 2
        assert [got.mail()["Message-ID"] for got in running.handler.received] == [utf8.provider_id,
                                                                                    ascii_.provider_id]


async def test_implicit_tls_on_the_submissions_port(certificate: Certificate,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 465 cannot be bound here: the test server's port is made an implicit-TLS port instead.
    with serve(ssl_context=certificate.server_context()) as running:
        monkeypatch.setattr(email_adapter, "IMPLICIT_TLS_PORTS", frozenset({running.port}))
        channel = EmailChannel(HOST, running.port, username=None, from_address=FROM, timeout=5.0,
                               ssl_context=certificate.client_context())
        result = await channel.send(message())
        assert result.outcome is Outcome.SENT
        [got] = running.handler.received
        assert got.tls


