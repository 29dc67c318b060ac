"""Body size and rate limits as ASGI middleware, on a tiny app (no model, no server)."""

from __future__ import annotations

import ipaddress

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from assistant.web.limits import TOO_LARGE, BodyLimit, Buckets, RateLimit, client_address


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def echo_app() -> tuple[Starlette, list[int]]:
    calls: list[int] = []

    async def ask(request: Request) -> JSONResponse:
        body = await request.body()
        calls.append(len(body))
        return JSONResponse({"bytes": len(body)})

    async def page(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/api/ask", ask, methods=["POST"]), Route("/page", page)])
    return app, calls


def test_a_declared_body_over_the_limit_is_refused_before_the_app_runs() -> None:
    app, calls = echo_app()
    client = TestClient(BodyLimit(app, max_bytes=100))
    response = client.post("/api/ask", content=b"x" * 101)
    assert response.status_code == 413 and response.json() == {"error": TOO_LARGE}
    assert calls == []
    assert client.post("/api/ask", content=b"x" * 100).json() == {"bytes": 100}


def test_a_streamed_body_over_the_limit_is_refused() -> None:
    app, calls = echo_app()
    client = TestClient(BodyLimit(app, max_bytes=100))

    def chunks():  # no Content-Length: sent chunked
        for _ in range(5):
            yield b"y" * 50

    response = client.post("/api/ask", content=chunks())
    assert response.status_code == 413
    assert calls == []


def test_a_content_length_that_is_not_a_number_is_refused() -> None:
    app, _ = echo_app()
    client = TestClient(BodyLimit(app, max_bytes=100))
    response = client.post("/api/ask", content=b"x", headers={"Content-Length": "lots"})
    assert response.status_code in (400, 413)


def test_buckets_allow_the_rate_then_ask_to_wait_then_refill() -> None:
    clock = Clock()
    buckets = Buckets(6, clock=clock)  # 6 a minute: one every 10 s
    assert [buckets.take("a") for _ in range(6)] == [0.0] * 6
    assert buckets.take("a") == pytest.approx(10.0)
    assert buckets.take("b") == 0.0  # another client has its own bucket
    clock.now += 10.0
    assert buckets.take("a") == 0.0


def test_buckets_forget_the_least_recent_clients_first() -> None:
    buckets = Buckets(1, max_clients=2, clock=Clock())
    buckets.take("a")
    buckets.take("b")
    buckets.take("c")  # "a" is dropped and starts afresh
    assert buckets.take("a") == 0.0


def test_rate_limit_answers_429_with_retry_after_only_on_answering_routes() -> None:
    app, calls = echo_app()
    client = TestClient(RateLimit(app, per_minute=2, clock=Clock()))
    assert [client.post("/api/ask", content=b"q").status_code for _ in range(2)] == [200, 200]
    refused = client.post("/api/ask", content=b"q")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 30
    assert "Please wait 30 s" in refused.json()["error"]
    assert len(calls) == 2
    assert all(client.get("/page").status_code == 200 for _ in range(10))


def scope(peer: str, forwarded: str | None = None) -> dict[str, object]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"type": "http", "client": (peer, 1234), "headers": headers}


def test_the_client_is_the_socket_peer_unless_it_is_a_trusted_proxy() -> None:
    proxies = [ipaddress.ip_network("10.0.0.0/8")]
    assert client_address(scope("203.0.113.9", "198.51.100.1"), []) == "203.0.113.9"
    assert client_address(scope("203.0.113.9", "198.51.100.1"), proxies) == "203.0.113.9"  # peer not trusted
    assert client_address(scope("10.0.0.2", "198.51.100.1"), proxies) == "198.51.100.1"
    # A client cannot pick its address by prepending its own X-Forwarded-For entries.
    assert client_address(scope("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.3"), proxies) == "198.51.100.1"
    assert client_address(scope("10.0.0.2"), proxies) == "10.0.0.2"
