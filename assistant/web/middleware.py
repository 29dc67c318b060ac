"""ASGI middleware around every route of the app, the mounted Gradio app's included.

:func:`add_middleware` applies the stack in one place, in order. Each layer is
plain ASGI (or Starlette's), so it sees every request, Gradio's routes and
streaming responses included, before any route does.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..settings import Settings
from .gradio_guard import GradioGuard
from .limits import BodyLimit, RateLimit, is_trusted_peer
from .origins import frame_ancestors, origin_regex

logger = logging.getLogger(__name__)

SERVER_ERROR = "Something went wrong on our side. Please try again."


def add_middleware(app: FastAPI, settings: Settings, *, ui: bool) -> None:
    """Wrap ``app`` in its middleware. Outermost first, a request meets:

    1. the security headers, so every response carries them, the refusals of
       the layers below and server errors included;
    2. a last catch that turns any unexpected error into a JSON 500 (logged),
       never a traceback or Starlette's plain-text page;
    3. the body limit (413 before anything reads a body);
    4. the rate limit on the routes that answer (429 with Retry-After);
    5. forwarded headers dropped unless a trusted proxy sent them, so neither
       the client address nor Gradio's URLs come from what a client claims;
    6. the Gradio guard, with the chat page only (``ui``): text in, nothing else;
    7. CORS for exactly the allowed origins.
    """
    # Starlette makes the last one added the outermost, so they are added innermost first.
    regex = origin_regex(settings.allowed_origins)
    if regex is not None:
        app.add_middleware(
            CORSMiddleware,
            allow_origin_regex=regex,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            max_age=600,
        )
    if ui:
        app.add_middleware(GradioGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(ForwardedHeaders, trusted_proxies=settings.trusted_proxies, hosts=known_hosts(settings))
    app.add_middleware(RateLimit, per_minute=settings.rate_limit, trusted_proxies=settings.trusted_proxies)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(CatchAll)
    app.add_middleware(SecurityHeadersMiddleware, frame_policy=frame_ancestors(settings.allowed_origins))


class CatchAll:
    """Any error no handler took becomes a JSON 500 (and a log line with the traceback), headers included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            logger.exception("Unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await JSONResponse({"error": SERVER_ERROR}, status_code=500)(scope, receive, send)


def known_hosts(settings: Settings) -> list[str]:
    """Host names the server answers to: the configured ones, loopback names, and the bind address."""
    hosts = [*settings.allowed_hosts, "localhost", "127.0.0.1", "::1", "[::1]"]
    if settings.host not in ("0.0.0.0", "::", ""):
        hosts.append(settings.host.lower())
    return hosts


class ForwardedHeaders:
    """Neither forwarded headers nor the Host header point the server's URLs elsewhere.

    - ``X-Forwarded-*`` and ``Forwarded`` are dropped unless the socket peer is a
      trusted proxy (``ASSISTANT_TRUSTED_PROXIES``).
    - A ``Host`` naming none of ``hosts`` (``ASSISTANT_ALLOWED_HOSTS``, loopback
      names, the bind address) is replaced by the first of them.

    Gradio builds the URLs in its ``/config`` from these headers; a client on
    the internet must not be able to point them at another site.
    """

    _NAMES = (b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-port", b"forwarded")

    def __init__(self, app: ASGIApp, *, trusted_proxies: list[str], hosts: list[str]) -> None:
        self.app = app
        self.trusted = trusted_proxies
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            trusted = is_trusted_peer(scope, self.trusted)
            headers = []
            for key, value in scope.get("headers", []):
                if key in self._NAMES and not trusted:
                    continue
                if key == b"host" and not self._known(value.decode("latin-1")):
                    value = self.hosts[0].encode("latin-1")
                headers.append((key, value))
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)

    def _known(self, host: str) -> bool:
        name = host.strip().lower()
        if name.startswith("["):  # [::1]:7860
            name = name.split("]")[0] + "]"
        elif name.count(":") == 1:
            name = name.split(":")[0]
        return name in self.hosts


#: Every other HTML page (the Gradio chat): as strict as Gradio allows. Its page bootstraps with inline
#: scripts and styles, evaluates its HTML components' templates (so 'unsafe-eval') and sets a <base> to its
#: own origin; nothing may load from another site and there are no plugins.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    """Adds safe defaults to every response and ``frame-ancestors`` to every HTML page.

    Pure ASGI, so it wraps the mounted Gradio app and streaming responses alike.
    The policy goes on HTML only: it is the document being framed that a browser
    checks, and other responses gain nothing from it.
    """

    def __init__(self, app: ASGIApp, *, frame_policy: str) -> None:
        self.app = app
        self.frame_policy = frame_policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if headers.get("content-type", "").startswith("text/html"):
                    policy = headers.get("content-security-policy") or PAGE_POLICY
                    headers["Content-Security-Policy"] = f"{policy}; {self.frame_policy}"
            await send(message)

        await self.app(scope, receive, send_with_headers)
