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


def test_a_route_that_sets_its_own_security_header_keeps_it() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from bot.web.app import SecurityHeaders

    def own(_: Request) -> PlainTextResponse:
        return PlainTextResponse("x", headers={"Content-Security-Policy": "default-src 'none'"})

    def plain(_: Request) -> PlainTextResponse:
        return PlainTextResponse("x")

    app = SecurityHeaders(Starlette(routes=[Route("/own", own), Route("/plain", plain)]))
    with TestClient(app) as client:  # lifespan messages pass through untouched
        mine, default = client.get("/own"), client.get("/plain")
    assert mine.headers.get_list("content-security-policy") == ["default-src 'none'"]
    assert mine.headers["x-content-type-options"] == "nosniff"
    assert default.headers["content-security-policy"].startswith("default-src 'self'")
    assert default.headers["referrer-policy"] == "no-referrer"


def test_settle_heap_builds_the_lazy_tables_and_hides_the_heap_from_the_collector() -> None:
    import gc

    from bot import places
    from bot.understand import language, second_opinion
    from bot.web.app import settle_heap
    from flows import templates

    try:
        settle_heap()
        assert gc.get_freeze_count() > 100_000  # the reader's lexicon, place names and model at least
    finally:
        gc.unfreeze()  # this test process goes on making and dropping apps
    # What a first reply would otherwise build: the place names, the language detector, the second opinion,
    # and every message template compiled.
    assert places._tables.cache_info().currsize == 1
    assert language._detector.cache_info().currsize == 1
    assert second_opinion.load.cache_info().currsize == 1
    compiled = templates._environment().cache
    assert compiled is not None
    assert len(compiled) == sum(len(templates.names(lang)) for lang in templates.LANGUAGES)
