"""Limits on a real server on loopback: body size, rate, unknown functions, server errors, forwarded headers."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from assistant.core import Assistant
from assistant.testing import ServerThread
from assistant.web.app import build_app
from assistant.web.gradio_guard import EXPECTS_A_QUESTION, NO_SUCH_FUNCTION
from assistant.web.middleware import SERVER_ERROR

SECURITY_HEADERS = ("x-content-type-options", "referrer-policy")


@pytest.fixture
def server(fake_assistant: Assistant) -> Iterator[httpx.Client]:
    """The whole app with a small rate limit and body cap, one per test (each starts with full buckets)."""
    settings = fake_assistant.settings.replace(rate_limit=5, max_body_bytes=4096)
    thread = ServerThread(build_app(fake_assistant, settings=settings))
    url = thread.start()
    with httpx.Client(base_url=url, timeout=30) as client:
        yield client
    thread.stop()


def test_a_body_over_the_cap_gets_413_on_every_route(server: httpx.Client) -> None:
    big = b'{"question": "' + b"x" * 10_000 + b'"}'
    for path in ("/api/ask", "/gradio_api/call/ask", "/gradio_api/queue/join", "/healthz", "/nowhere"):
        response = server.post(path, content=big, headers={"Content-Type": "application/json"})
        assert response.status_code == 413, path
        assert response.json() == {"error": "The request is too large."}
        assert all(name in response.headers for name in SECURITY_HEADERS)


def test_one_client_past_its_rate_gets_429_fast_with_retry_after(server: httpx.Client) -> None:
    codes = [server.post("/api/ask", json={"question": "stretch?"}).status_code for _ in range(5)]
    assert codes == [200] * 5
    start = time.perf_counter()
    refused = server.post("/api/ask", json={"question": "stretch?"})
    elapsed = time.perf_counter() - start
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many questions" in refused.json()["error"]
    assert elapsed < 0.5  # refused before any work (the load test measures this properly)
    # The Gradio chat's calls count against the same bucket.
    gradio = server.post("/gradio_api/call/ask", json={"data": ["stretch?", None]})
    assert gradio.status_code == 429
    # Pages and health are not rate-limited.
    assert server.get("/healthz").status_code == 200


def test_a_forwarded_address_is_not_believed_from_an_untrusted_peer(server: httpx.Client) -> None:
    for n in range(5):
        server.post("/api/ask", json={"question": "q"}, headers={"X-Forwarded-For": f"198.51.100.{n}"})
    refused = server.post("/api/ask", json={"question": "q"}, headers={"X-Forwarded-For": "203.0.113.77"})
    assert refused.status_code == 429


def test_an_unknown_function_index_is_a_4xx(server: httpx.Client) -> None:
    for fn_index in (99, -1, 10_000):
        response = server.post(
            "/gradio_api/queue/join", json={"data": ["q"], "fn_index": fn_index, "session_hash": "x"}
        )
        assert response.status_code == 422
        assert response.json() == {"error": NO_SUCH_FUNCTION}


def test_gradio_urls_ignore_forwarded_and_unknown_host_headers(server: httpx.Client) -> None:
    config = server.get("/config", headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert config.status_code == 200
    assert "evil.example" not in config.text
    config = server.get("/config", headers={"Host": "evil.example"})
    assert config.status_code == 200
    assert "evil.example" not in config.text
    assert config.json()["root"].startswith("http://localhost")


def test_a_call_with_the_wrong_number_of_values_is_a_4xx(server: httpx.Client) -> None:
    for data in ([], ["one", None, "three"]):
        response = server.post("/gradio_api/call/ask", json={"data": data})
        assert response.status_code == 422
        assert response.json() == {"error": EXPECTS_A_QUESTION}


def test_an_unexpected_error_is_a_json_500_with_the_security_headers(fake_assistant: Assistant) -> None:
    app = build_app(fake_assistant, ui=False)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("internal detail that must not leak")

    thread = ServerThread(app)
    url = thread.start()
    try:
        response = httpx.get(url + "/boom", timeout=10)
    finally:
        thread.stop()
    assert response.status_code == 500
    assert response.json() == {"error": SERVER_ERROR}
    assert "internal detail" not in response.text
    assert all(name in response.headers for name in SECURITY_HEADERS)


def test_a_client_too_slow_to_send_its_headers_is_disconnected(
    fake_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from assistant.web.protocol import HeaderDeadlineProtocol

    monkeypatch.setattr(HeaderDeadlineProtocol, "header_timeout", 1.0)
    thread = ServerThread(build_app(fake_assistant, ui=False))
    thread.start()
    try:
        with socket.create_connection((thread.host, thread.port), timeout=10) as slow:
            start = time.monotonic()
            closed_after = None
            for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\n":
                try:
                    slow.sendall(bytes([byte]))
                    time.sleep(0.2)
                    slow.setblocking(False)
                    try:
                        if slow.recv(1) == b"":
                            closed_after = time.monotonic() - start
                            break
                    except BlockingIOError:
                        pass
                    finally:
                        slow.setblocking(True)
                except OSError:
                    closed_after = time.monotonic() - start
                    break
        assert closed_after is not None and closed_after < 4.0
        # A normal client is unaffected.
        assert httpx.get(thread.url + "/healthz", timeout=10).status_code == 200
    finally:
        thread.stop()


def test_an_answer_past_the_time_limit_is_a_503(fake_assistant: Assistant) -> None:
    from fastapi.testclient import TestClient

    from assistant.web.service import TOO_SLOW

    class SlowEmbedder:
        name = fake_assistant.embedder.name

        def embed(self, texts: list[str], *, show_progress_bar: bool = False):  # type: ignore[no-untyped-def]
            time.sleep(1.0)
            return fake_assistant.embedder.embed(texts)

    slow = fake_assistant.with_embedder(SlowEmbedder()).with_settings(request_timeout=0.2)  # type: ignore[arg-type]
    with TestClient(build_app(slow, ui=False)) as client:
        start = time.perf_counter()
        response = client.post("/api/ask", json={"question": "How long should I hold a stretch?"})
        assert time.perf_counter() - start < 0.9
    assert response.status_code == 503 and response.json() == {"error": TOO_SLOW}
    assert response.headers["Retry-After"] == "5"
