"""TwilioPeer against the real twilio SDK (sync and async), over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from tests.peers.twilio_peer import (
    API_VERSION,
    TwilioPeer,
    basic_auth_header,
    num_segments,
    signed_form,
)

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "peer-test-token-0123456789abcdef"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
SENDER = "+4759440000"
YOUTH = "+4791234567"


# ---------------------------------------------------------------------------------------------------
# A small webhook receiver: validates X-Twilio-Signature the way the product must
# ---------------------------------------------------------------------------------------------------


class Receiver:
    """ThreadingHTTPServer on 127.0.0.1 that records form POSTs and checks their Twilio signatures.

    Any path answers 204 to valid and invalid posts alike (status callbacks); "/sms..." answers 200 with
    empty TwiML when the signature is valid and 403 when it is not (an inbound webhook).
    """

    def __init__(self, auth_token: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.hits: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length).decode("utf-8")
                pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True)
                params = dict(pairs)
                url = f"{receiver.base_url}{self.path}"
                signature = self.headers.get("X-Twilio-Signature")
                valid = signature is not None and receiver.validator.validate(url, params, signature)
                with receiver.lock:
                    receiver.hits.append(
                        {
                            "url": url,
                            "params": params,
                            "signature": signature,
                            "valid": valid,
                            "headers": dict(self.headers),
                        }
                    )
                if self.path.startswith("/sms"):
                    status = 200 if valid else 403
                    payload = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>' if valid else b""
                else:
                    status, payload = 204, b""
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def peer() -> Iterator[TwilioPeer]:
    with TwilioPeer(ACCOUNT_SID, AUTH_TOKEN) as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(AUTH_TOKEN) as running:
        yield running


def wait_until(predicate: Any, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def raw_create(peer: TwilioPeer, form: dict[str, str], password: str = AUTH_TOKEN) -> tuple[int, Any, Any]:
    """POST Messages.json without the SDK; return (status, headers, JSON body)."""
    url = f"{peer.base_url}/{API_VERSION}/Accounts/{peer.account_sid}/Messages.json"
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Authorization": basic_auth_header(peer.account_sid, password)},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, json.loads(exc.read())


# ---------------------------------------------------------------------------------------------------
# Creating and fetching messages
# ---------------------------------------------------------------------------------------------------


def test_create_with_from_returns_twilio_message_resource(peer: TwilioPeer) -> None:
    client = peer.client()
    message = client.messages.create(to=YOUTH, from_=SENDER, body="Hei! Hva driver du med nå?")

    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert message.account_sid == ACCOUNT_SID
    assert (message.to, message.from_, message.messaging_service_sid) == (YOUTH, SENDER, None)
    assert message.status == "queued"
    assert message.direction == "outbound-api"
    assert message.api_version == "2010-04-01"
    assert message.num_segments == "1"
    assert (message.price, message.error_code, message.error_message) == (None, None, None)
    assert message.date_created is not None and message.date_created.tzinfo is not None
    assert message.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message.sid}.json"
    assert message.subresource_uris == {"media": message.uri.removesuffix(".json") + "/Media.json"}

    assert [m["sid"] for m in peer.messages] == [message.sid]
    (record,) = peer.requests
    assert (record.method, record.auth_ok) == ("POST", True)
    assert record.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert record.form == {"To": YOUTH, "From": SENDER, "Body": "Hei! Hva driver du med nå?"}


def test_raw_create_answer_has_twilio_json_shape(peer: TwilioPeer) -> None:
    status, _, payload = raw_create(peer, {"To": YOUTH, "From": SENDER, "Body": "Hei"})

    assert status == 201
    assert set(payload) == {
        "account_sid",
        "api_version",
        "body",
        "date_created",
        "date_sent",
        "date_updated",
        "direction",
        "error_code",
        "error_message",
        "from",
        "messaging_service_sid",
        "num_media",
        "num_segments",
        "price",
        "price_unit",
        "sid",
        "status",
        "subresource_uris",
        "to",
        "uri",
    }
    assert payload["date_created"].endswith("+0000") and payload["date_sent"] is None


def test_create_through_messaging_service_assigns_sender_from_pool(
    peer: TwilioPeer, receiver: Receiver
) -> None:
    pool = ["+4759440001", "+4759440002"]
    peer.messaging_service(SERVICE_SID, pool)
    client = peer.client()
    message = client.messages.create(
        to=YOUTH, messaging_service_sid=SERVICE_SID, body="Hei", status_callback=f"{receiver.base_url}/status"
    )

    assert (message.status, message.from_, message.num_segments) == ("accepted", None, "0")
    assert message.messaging_service_sid == SERVICE_SID

    records = peer.wait_callbacks(2, timeout=3)
    fetched = client.messages(message.sid).fetch()
    assert fetched.from_ in pool
    assert (fetched.status, fetched.num_segments) == ("delivered", "1")
    assert [r.params["MessagingServiceSid"] for r in records] == [SERVICE_SID, SERVICE_SID]
    assert [r.params["From"] for r in records] == [fetched.from_, fetched.from_]


def test_fetch_returns_current_status_and_unknown_sid_is_20404(peer: TwilioPeer) -> None:
    client = peer.client()
    message = client.messages.create(to=YOUTH, from_=SENDER, body="Hei")

    wait_until(lambda: peer.message(message.sid)["status"] == "delivered")
    fetched = client.messages(message.sid).fetch()
    assert (fetched.sid, fetched.status, fetched.body) == (message.sid, "delivered", "Hei")
    assert fetched.date_sent is not None

    with pytest.raises(TwilioRestException) as caught:
        client.messages("SM" + "0" * 32).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_wrong_token_is_401_code_20003_and_creates_nothing(peer: TwilioPeer) -> None:
    client = peer.client(auth_token="not-the-token")
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=YOUTH, from_=SENDER, body="Hei")

    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert peer.messages == []
    assert [r.auth_ok for r in peer.requests] == [False]

    status, headers, payload = raw_create(peer, {"To": YOUTH, "From": SENDER, "Body": "x"}, password="nope")
    assert status == 401
    assert payload == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    assert headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": "", "from_": SENDER, "body": "Hei"}, 21604),
        ({"to": YOUTH, "from_": SENDER}, 21602),
        ({"to": YOUTH, "body": "Hei"}, 21603),
        ({"to": YOUTH, "from_": SENDER, "body": "x" * 1601}, 21617),
    ],
)
def test_missing_parameters_are_400_with_twilio_codes(
    peer: TwilioPeer, kwargs: dict[str, str], code: int
) -> None:
    with pytest.raises(TwilioRestException) as caught:
        peer.client().messages.create(**kwargs)

    assert (caught.value.status, caught.value.code) == (400, code)
    assert peer.messages == []


@pytest.mark.parametrize("to", ["91234567", "+47123", "+47 912 34 567", "0047912345678"])
def test_implausible_number_is_21211(peer: TwilioPeer, to: str) -> None:
    with pytest.raises(TwilioRestException) as caught:
        peer.client().messages.create(to=to, from_=SENDER, body="Hei")

    assert (caught.value.status, caught.value.code) == (400, 21211)
    assert f"Invalid 'To' Phone Number: {to}" in caught.value.msg
    assert peer.messages == []


@pytest.mark.parametrize(
    ("mark", "code", "text"),
    [
        ("opted_out", 21610, "Attempt to send to unsubscribed recipient"),
        ("not_mobile", 21614, "is not a valid mobile number"),
    ],
)
def test_marked_recipient_errors(peer: TwilioPeer, mark: str, code: int, text: str) -> None:
    getattr(peer, mark)(YOUTH)
    with pytest.raises(TwilioRestException) as caught:
        peer.client().messages.create(to=YOUTH, from_=SENDER, body="Hei")

    assert (caught.value.status, caught.value.code) == (400, code)
    assert text in caught.value.msg
    assert peer.messages == []
    # Other recipients are unaffected.
    assert peer.client().messages.create(to="+4798765432", from_=SENDER, body="Hei").status == "queued"


def test_opted_in_again_can_be_sent_to(peer: TwilioPeer) -> None:
    client = peer.client()
    peer.opted_out(YOUTH)
    with pytest.raises(TwilioRestException):
        client.messages.create(to=YOUTH, from_=SENDER, body="Hei")
    peer.opted_in(YOUTH)

    assert client.messages.create(to=YOUTH, from_=SENDER, body="Hei").status == "queued"


# ---------------------------------------------------------------------------------------------------
# Failure injection
# ---------------------------------------------------------------------------------------------------


def test_fail_next_500_then_success(peer: TwilioPeer) -> None:
    client = peer.client()
    peer.fail_next(2, status=500)

    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            client.messages.create(to=YOUTH, from_=SENDER, body="Hei")
        assert (caught.value.status, caught.value.code) == (500, 20500)
    assert peer.messages == []

    message = client.messages.create(to=YOUTH, from_=SENDER, body="Hei")
    assert [m["sid"] for m in peer.messages] == [message.sid]
    assert len(peer.requests) == 3


def test_fail_next_429_has_code_20429_and_retry_after(peer: TwilioPeer) -> None:
    peer.fail_next(2, status=429, retry_after=3)

    with pytest.raises(TwilioRestException) as caught:
        peer.client().messages.create(to=YOUTH, from_=SENDER, body="Hei")
    assert (caught.value.status, caught.value.code) == (429, 20429)

    status, headers, payload = raw_create(peer, {"To": YOUTH, "From": SENDER, "Body": "Hei"})
    assert (status, payload["code"], payload["message"]) == (429, 20429, "Too Many Requests")
    assert headers["Retry-After"] == "3"
    assert peer.messages == []


def test_hang_next_times_out_the_sdk_but_the_message_exists(peer: TwilioPeer) -> None:
    peer.hang_next(1, 0.6)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        peer.client(timeout=0.2).messages.create(to=YOUTH, from_=SENDER, body="Hei")

    assert time.monotonic() - started < 0.55
    assert [m["to"] for m in peer.messages] == [YOUTH]


def test_hang_next_without_create_leaves_nothing_when_client_gave_up(peer: TwilioPeer) -> None:
    peer.hang_next(1, 0.4, create=False)
    with pytest.raises(requests.exceptions.ReadTimeout):
        peer.client(timeout=0.15).messages.create(to=YOUTH, from_=SENDER, body="Hei")

    time.sleep(0.4)  # past the hang: a handler that was not cancelled would have created the message now
    assert peer.messages == []
    # The next create is served at once.
    assert peer.client(timeout=2).messages.create(to=YOUTH, from_=SENDER, body="Hei").status == "queued"


# ---------------------------------------------------------------------------------------------------
# Status callbacks
# ---------------------------------------------------------------------------------------------------


def test_status_callbacks_are_signed_for_the_exact_url_and_in_order(
    peer: TwilioPeer, receiver: Receiver
) -> None:
    callback = f"{receiver.base_url}/twilio/status?m=42"
    message = peer.client().messages.create(to=YOUTH, from_=SENDER, body="Hei", status_callback=callback)

    records = peer.wait_callbacks(2, timeout=3)
    assert [r.params["MessageStatus"] for r in records] == ["sent", "delivered"]
    assert [status_code for _, _, status_code in records] == [204, 204]
    first = records[0]
    assert first.url == callback
    assert first.params == {
        "SmsSid": message.sid,
        "SmsStatus": "sent",
        "MessageStatus": "sent",
        "To": YOUTH,
        "MessageSid": message.sid,
        "AccountSid": ACCOUNT_SID,
        "From": SENDER,
        "ApiVersion": "2010-04-01",
    }

    wait_until(lambda: len(receiver.hits) == 2)
    assert [hit["url"] for hit in receiver.hits] == [callback, callback]
    assert [hit["valid"] for hit in receiver.hits] == [True, True]
    assert [hit["params"] for hit in receiver.hits] == [r.params for r in records]
    hit = receiver.hits[0]
    assert hit["signature"] == RequestValidator(AUTH_TOKEN).compute_signature(callback, hit["params"])
    # The signature covers the query string: without "?m=42" it does not validate.
    without_query = callback.split("?")[0]
    assert not RequestValidator(AUTH_TOKEN).validate(without_query, hit["params"], hit["signature"])
    assert not RequestValidator("another-token").validate(callback, hit["params"], hit["signature"])
    assert hit["headers"]["User-Agent"] == "TwilioProxy/1.1"


def test_status_callbacks_reversed(peer: TwilioPeer, receiver: Receiver) -> None:
    peer.callback_order = "reversed"
    client = peer.client()
    message = client.messages.create(
        to=YOUTH, from_=SENDER, body="Hei", status_callback=f"{receiver.base_url}/status"
    )

    records = peer.wait_callbacks(2, timeout=3)
    assert [r.params["MessageStatus"] for r in records] == ["delivered", "sent"]
    wait_until(lambda: len(receiver.hits) == 2)
    assert [hit["params"]["MessageStatus"] for hit in receiver.hits] == ["delivered", "sent"]
    assert all(hit["valid"] for hit in receiver.hits)
    # The resource keeps its final lifecycle status, whatever order the callbacks came in.
    assert client.messages(message.sid).fetch().status == "delivered"


def test_status_callbacks_duplicated(peer: TwilioPeer, receiver: Receiver) -> None:
    peer.duplicate_callbacks = True
    peer.client().messages.create(
        to=YOUTH, from_=SENDER, body="Hei", status_callback=f"{receiver.base_url}/s"
    )

    records = peer.wait_callbacks(4, timeout=3)
    assert [r.params["MessageStatus"] for r in records] == ["sent", "sent", "delivered", "delivered"]
    tokens = [r.headers["I-Twilio-Idempotency-Token"] for r in records]
    assert tokens[0] == tokens[1] and tokens[2] == tokens[3] and tokens[0] != tokens[2]
    wait_until(lambda: len(receiver.hits) == 4)
    assert all(hit["valid"] for hit in receiver.hits)


def test_undelivered_carries_error_code(peer: TwilioPeer, receiver: Receiver) -> None:
    peer.undelivered(YOUTH, error_code=30005)
    client = peer.client()
    message = client.messages.create(
        to=YOUTH, from_=SENDER, body="Hei", status_callback=f"{receiver.base_url}/status?m=42"
    )

    records = peer.wait_callbacks(2, timeout=3)
    assert [r.params["MessageStatus"] for r in records] == ["sent", "undelivered"]
    assert "ErrorCode" not in records[0].params
    assert records[1].params["ErrorCode"] == "30005"
    wait_until(lambda: len(receiver.hits) == 2)
    assert [hit["valid"] for hit in receiver.hits] == [True, True]
    fetched = client.messages(message.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30005)


def test_failed_is_a_single_callback(peer: TwilioPeer, receiver: Receiver) -> None:
    peer.failed(YOUTH, error_code=30008)
    peer.client().messages.create(
        to=YOUTH, from_=SENDER, body="Hei", status_callback=f"{receiver.base_url}/s"
    )

    (record,) = peer.wait_callbacks(1, timeout=3)
    assert (record.params["MessageStatus"], record.params["ErrorCode"]) == ("failed", "30008")
    time.sleep(0.1)  # no second callback follows
    assert len(peer.callbacks) == 1


def test_wait_callbacks_times_out(peer: TwilioPeer) -> None:
    peer.client().messages.create(to=YOUTH, from_=SENDER, body="Hei")  # no StatusCallback

    with pytest.raises(TimeoutError):
        peer.wait_callbacks(1, timeout=0.2)


def test_unreachable_callback_is_recorded_without_status(peer: TwilioPeer) -> None:
    with Receiver(AUTH_TOKEN) as gone:  # a port that was free a moment ago and is closed now
        url = f"{gone.base_url}/status"
    peer.client().messages.create(to=YOUTH, from_=SENDER, body="Hei", status_callback=url)

    records = peer.wait_callbacks(2, timeout=3)
    assert [status_code for _, _, status_code in records] == [None, None]


# ---------------------------------------------------------------------------------------------------
# Inbound webhooks
# ---------------------------------------------------------------------------------------------------


def test_inbound_sms_is_signed_and_forged_or_unsigned_is_refused(
    peer: TwilioPeer, receiver: Receiver
) -> None:
    url = f"{receiver.base_url}/sms?county=46"

    status, text = peer.inbound_sms(url, from_=YOUTH, to=SENDER, body="Jeg går på skole 👍")
    assert status == 200
    assert "<Response>" in text
    hit = receiver.hits[-1]
    assert hit["valid"] is True
    params = hit["params"]
    assert params["Body"] == "Jeg går på skole 👍"
    assert (params["From"], params["To"], params["AccountSid"]) == (YOUTH, SENDER, ACCOUNT_SID)
    assert params["MessageSid"] == params["SmsSid"] == params["SmsMessageSid"]
    assert params["MessageSid"].startswith("SM")
    assert (params["NumMedia"], params["NumSegments"], params["ApiVersion"]) == ("0", "1", "2010-04-01")
    assert (params["FromCountry"], params["FromCity"]) == ("NO", "")
    assert "MessagingServiceSid" not in params

    assert peer.inbound_sms(url, from_=YOUTH, to=SENDER, body="Hei", signature="Zm9yZ2Vk")[0] == 403
    assert peer.inbound_sms(url, from_=YOUTH, to=SENDER, body="Hei", sign=False)[0] == 403
    assert [hit["valid"] for hit in receiver.hits] == [True, False, False]
    assert receiver.hits[2]["signature"] is None


def test_inbound_sms_options(peer: TwilioPeer, receiver: Receiver) -> None:
    url = f"{receiver.base_url}/sms"
    status, _ = peer.inbound_sms(
        url,
        from_=YOUTH,
        to=SENDER,
        body="STOPP",
        message_sid="SM" + "1" * 32,
        messaging_service_sid=SERVICE_SID,
        extra={"FromCity": "TROMSO", "ToZip": None},
    )

    assert status == 200
    params = receiver.hits[-1]["params"]
    assert params["MessageSid"] == "SM" + "1" * 32
    assert params["MessagingServiceSid"] == SERVICE_SID
    assert params["FromCity"] == "TROMSO"
    assert "ToZip" not in params


async def test_inbound_sms_async(peer: TwilioPeer, receiver: Receiver) -> None:
    url = f"{receiver.base_url}/sms?x=1"

    assert (await peer.inbound_sms_async(url, from_=YOUTH, to=SENDER, body="Ja"))[0] == 200
    assert (await peer.inbound_sms_async(url, from_=YOUTH, to=SENDER, body="Ja", signature="AAAA"))[0] == 403
    assert [hit["valid"] for hit in receiver.hits] == [True, False]


def test_signed_form_validates_with_request_validator() -> None:
    url = "https://bot.example.no/twilio/sms?county=46"
    params = {"Body": "Hei på deg", "From": YOUTH, "To": SENDER, "FromCity": ""}
    headers, body = signed_form(url, params, AUTH_TOKEN)

    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    decoded = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    assert decoded == params
    validator = RequestValidator(AUTH_TOKEN)
    assert validator.validate(url, decoded, headers["X-Twilio-Signature"])
    assert not validator.validate(url, {**decoded, "Body": "Hei"}, headers["X-Twilio-Signature"])


def test_num_segments() -> None:
    assert num_segments("æøå ÆØÅ" * 20) == 1  # 140 GSM-7 characters: Norwegian letters are in GSM-7
    assert num_segments("a" * 161) == 2
    assert num_segments("€" * 80) == 1  # extension characters count double: 160 septets
    assert num_segments("👍" * 36) == 2  # UCS-2: 72 code units


# ---------------------------------------------------------------------------------------------------
# The SDK's async path
# ---------------------------------------------------------------------------------------------------


# twilio 9.13's AsyncTwilioHttpClient passes aiohttp.BasicAuth / auth=, which aiohttp 3.14 deprecates.
@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning")
async def test_async_create_and_fetch(peer: TwilioPeer, receiver: Receiver) -> None:
    client = peer.async_client()
    try:
        message = await client.messages.create_async(
            to=YOUTH, from_=SENDER, body="Hei", status_callback=f"{receiver.base_url}/status?m=42"
        )
        assert (message.status, message.to) == ("queued", YOUTH)

        records = await peer.wait_callbacks_async(2, timeout=3)
        assert [r.params["MessageStatus"] for r in records] == ["sent", "delivered"]
        fetched = await client.messages(message.sid).fetch_async()
        assert fetched.status == "delivered"

        peer.fail_next(1, status=429)
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(to=YOUTH, from_=SENDER, body="Hei")
        assert (caught.value.status, caught.value.code) == (429, 20429)
    finally:
        await client.http_client.close()
    wait_until(lambda: len(receiver.hits) == 2)
    assert all(hit["valid"] for hit in receiver.hits)


def test_peer_lifecycle_and_records_are_copies() -> None:
    peer = TwilioPeer(ACCOUNT_SID, AUTH_TOKEN)
    with pytest.raises(RuntimeError):
        _ = peer.base_url
    peer.start()
    try:
        assert peer.base_url.startswith("http://127.0.0.1:")
        peer.client().messages.create(to=YOUTH, from_=SENDER, body="Hei")
        peer.messages[0]["status"] = "tampered"
        assert peer.messages[0]["status"] != "tampered"
    finally:
        peer.stop()
    with pytest.raises(ValueError):
        TwilioPeer("AC123", AUTH_TOKEN)
