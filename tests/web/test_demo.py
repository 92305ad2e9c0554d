"""`otbot demo` as a newcomer runs it: it prints the addresses and a login; logged in, a reply typed on the
phone simulator is answered by the bot within seconds and shows in the inbox."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.web.conftest import free_socket

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, seconds: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_the_demo_from_the_first_command_to_an_answer(tmp_path: Path) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "OTBOT_LOG_FORMAT": "json"}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "demo", "--port", str(port), "--db",
                                f"sqlite:///{tmp_path / 'demo.db'}"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None
        printed = ""
        while "Stop with Ctrl+C" not in printed:
            line = process.stdout.readline()
            assert line, "otbot demo ended before it printed its login"
            printed += line
        login = re.search(r"Log in as (\S+) with password (\S+)", printed)
        assert login is not None and f"{base}/inbox" in printed and f"{base}/demo/phone" in printed
        assert wait_for(lambda: _up(base))
        client = httpx.Client(base_url=base)
        page = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        assert client.post("/login", data={"email": login.group(1), "password": login.group(2),
                                           "csrf": token.group(1)}).status_code == 303
        # The demo adviser is an admin of the largest county: the phone of one of its youth.
        county = re.search(r"Demo ready \((.+?)\)", printed)
        assert county is not None
        phones = client.get("/demo/phone").text
        section = phones.split(f">{county.group(1)} <", 1)[1]
        phone = re.search(r'<li class="youth">\s*<a href="/demo/phone/(\d+)"', section)
        assert phone is not None
        page = client.get(f"/demo/phone/{phone.group(1)}").text
        fields = dict(re.findall(r'name="(csrf|client_id)" value="([^"]+)"', page))
        sent = client.post(f"/demo/phone/{phone.group(1)}", data={**fields, "text": "vil ikke leve mer"})
        assert sent.status_code == 303
        # The bot's answer (where to get help now) reaches the phone within seconds: the reply woke the dispatcher.
        assert wait_for(lambda: "Kirkens SOS" in client.get(f"/demo/phone/{phone.group(1)}").text, 20)
        # ... and the urgent alert is in the inbox.
        assert "alert urgent" in client.get("/inbox").text
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


def _up(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
