"""/healthz, /metrics and the security headers of every page."""

from __future__ import annotations

import httpx

from tests.web.conftest import Stack


def test_health_and_metrics(chat_stack: Stack) -> None:
    assert httpx.get(chat_stack.url + "/healthz").json() == {"status": "ok"}
    chat_stack.dispatch()  # nothing due: the lag gauge reads 0
    text = httpx.get(chat_stack.url + "/metrics").text
    assert "otbot_dispatcher_lag_seconds 0.0" in text
    assert "otbot_delivery_reports_pending 0.0" in text
    assert "# TYPE otbot_messages gauge" in text and "# TYPE otbot_alerts_open gauge" in text


def test_security_headers(chat_stack: Stack) -> None:
    response = httpx.get(chat_stack.url + "/chat")
    assert response.headers["referrer-policy"] == "no-referrer"  # a chat link never leaks in a Referer
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
