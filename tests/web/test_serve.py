"""`otbot serve` as deployed: the channels come from OTBOT_* settings alone (here Twilio, pointed at the local
peer); a signed SMS is stored, a forged one refused; the process logs neither the number nor the text."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from adapters.twilio_sms import INBOUND_PATH
from storage.models import Message
from tests.peers.twilio_peer import TwilioPeer
from tests.web.conftest import free_socket

ROOT = Path(__file__).resolve().parents[2]


def test_serve_takes_twilio_from_the_settings(roster: Engine, db_url: str, tmp_path: Path,
                                              twilio_peer: TwilioPeer) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "OTBOT_LOG_FORMAT": "json",
           "OTBOT_PUBLIC_URL": f"http://127.0.0.1:{port}", "OTBOT_TWILIO_ACCOUNT_SID": twilio_peer.account_sid,
           "OTBOT_TWILIO_AUTH_TOKEN": twilio_peer.auth_token, "OTBOT_TWILIO_FROM": "+4759440000",
           "OTBOT_TWILIO_API_URL": twilio_peer.base_url, "OTBOT_DEFAULT_COUNTY": "Trøndelag"}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--no-worker", "--port", str(port),
                                "--db", db_url], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(url + "/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        good = twilio_peer.inbound_sms(url + INBOUND_PATH, from_="+4740000100", to="+4759440000",
                                       body="Jeg studerer ved NTNU nå")
        forged = twilio_peer.inbound_sms(url + INBOUND_PATH, from_="+4740000100", to="+4759440000",
                                         body="Jeg studerer ved NTNU nå", signature="Zm9yZ2Vk")
        assert (good[0], forged[0]) == (200, 403)
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    with Session(roster) as session:
        assert session.exec(select(func.count()).select_from(Message)).one() == 1
    output = (stdout + stderr).decode()
    assert "40000100" not in output and "NTNU" not in output
