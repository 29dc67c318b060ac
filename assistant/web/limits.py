"""Limits applied before any work: request body size, and questions per client per minute.

Both are pure ASGI middleware, so they cover every route of the app, the
mounted Gradio app's included, and answer before a body is parsed.

- :class:`BodyLimit` refuses a body over ``max_bytes`` with 413: at once from
  ``Content-Length``, or as soon as a streamed body passes the limit.
- :class:`RateLimit` gives each client a token bucket of ``per_minute`` requests
  on the routes that answer questions (``/api/ask`` and Gradio's function
  calls); past it, 429 with ``Retry-After``. The client is the socket's peer
  address, or the address its ``X-Forwarded-For`` names when the peer is one of
  ``trusted_proxies``. Buckets live in memory, at most ``max_clients`` of them
  (the least recently seen are dropped first).
"""

from __future__ import annotations

import ipaddress
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = "The request is too large."
TOO_MANY = "Too many questions from your address. Please wait {seconds} s and try again."

#: The routes that answer a question (method, path pattern).
ANSWERING: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("POST", re.compile(r"/api/ask/?")),
    ("POST", re.compile(r"/gradio_api/queue/join/?")),
    ("POST", re.compile(r"/gradio_api/call/.*")),
    ("POST", re.compile(r"/gradio_api/run/.*")),
    ("POST", re.compile(r"/gradio_api/api/.*")),
)


class BodyLimit:
    """413 for a request body over ``max_bytes``, before the app reads it."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.max_bytes
            except ValueError:
                too_large = True  # not a number: refuse rather than guess
            if too_large:
                await _refuse(scope, receive, send, 413, TOO_LARGE)
                return
        seen = 0
        started = refused = False

        async def counted() -> Message:
            # Past the limit the app is told the client left, and the 413 goes out instead.
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not refused:
                    refused = True
                    if not started:
                        await JSONResponse({"error": TOO_LARGE}, status_code=413)(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except Exception:
            if not refused:
                raise
            # The app gave up on the "disconnected" client (Starlette raises ClientDisconnect); the 413 is sent.


class Buckets:
    """Token buckets by client: ``per_minute`` tokens, refilled continuously. Thread-safe."""

    def __init__(self, per_minute: int, *, max_clients: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 when the client may go on, else the seconds until it may."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait


class RateLimit:
    """429 with ``Retry-After`` once a client passes its questions per minute on the answering routes."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_minute: int,
        trusted_proxies: Iterable[str] = (),
        routes: tuple[tuple[str, re.Pattern[str]], ...] = ANSWERING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.buckets = Buckets(per_minute, clock=clock)
        self.trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._answers(scope):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(client_address(scope, self.trusted))
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            await _refuse(scope, receive, send, 429, TOO_MANY.format(seconds=seconds), {"Retry-After": str(seconds)})
            return
        await self.app(scope, receive, send)

    def _answers(self, scope: Scope) -> bool:
        method, path = scope["method"], scope["path"]
        return any(method == m and p.fullmatch(path) for m, p in self.routes)


def is_trusted_peer(scope: Scope, trusted_proxies: Iterable[str]) -> bool:
    """Whether the socket peer is one of the trusted proxies (addresses or networks)."""
    networks = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]
    peer = (scope.get("client") or ("unknown", 0))[0]
    return bool(networks) and _is_in(str(peer), networks)


def client_address(scope: Scope, trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str:
    """The socket's peer, or the nearest untrusted address in ``X-Forwarded-For`` when the peer is a trusted proxy."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted or not _is_in(peer, trusted):
        return str(peer)
    forwarded = _header(scope, b"x-forwarded-for")
    if not forwarded:
        return str(peer)
    # Read from the right: each trusted proxy appended the address it saw.
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _is_in(hop, trusted):
            return hop
    return str(peer)


def _is_in(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, message: str, headers: dict[str, str] | None = None
) -> None:
    await JSONResponse({"error": message}, status_code=status, headers=headers)(scope, receive, send)
