"""ASGI middleware around every route of the app, the mounted Gradio app's included.

:func:`add_middleware` applies the stack in one place, in order. Each layer is
plain ASGI (or Starlette's), so it sees every request, Gradio's routes and
streaming responses included, before any route does.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..settings import Settings
from .gradio_guard import GradioGuard
from .origins import frame_ancestors, origin_regex


def add_middleware(app: FastAPI, settings: Settings, *, ui: bool) -> None:
    """Wrap ``app`` in its middleware. Outermost first, a request meets:

    1. the security headers, so every response carries them, the refusals of
       the layers below included;
    2. (body size and rate limits belong here: before anything reads a body);
    3. the Gradio guard, with the chat page only (``ui``): text in, nothing else;
    4. CORS for exactly the allowed origins.
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
    app.add_middleware(SecurityHeadersMiddleware, frame_policy=frame_ancestors(settings.allowed_origins))


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
                    existing = headers.get("content-security-policy")
                    headers["Content-Security-Policy"] = (
                        f"{existing}; {self.frame_policy}" if existing else self.frame_policy
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)
