"""The gate in front of the mounted Gradio app: text in, nothing else.

Gradio's HTTP API is wider than the chat page needs. It has routes that take
uploads, serve files by path (``/file=``), proxy URLs and stream media, and its
function-calling routes move any ``FileData``-shaped dict a client sends into
its cache before the function runs (when Gradio is mounted on another app, as
here, it does not even check where the path points). A client could name any
file the server can read.

This ASGI middleware closes all of that before Gradio sees the request:

- Under ``/gradio_api/`` only the routes the chat page and ``gradio_client``
  use are let through (API info, ``call``, ``queue/join``, the event stream,
  heartbeat, cancel); everything else, uploads and file routes included, is a
  404 answered here, with nothing read or written.
- Anything that serves or takes files by path outside that prefix (``file=``,
  ``proxy=``, ``/upload``, ``/stream/``) is refused the same way.
- A request that runs a function (``call``, ``queue/join``) must be a small JSON
  object whose ``data`` holds only text or nulls, at most a few entries; any
  dict or list inside (a file, a component, a chat history) is refused with one
  fixed message, whatever it names, so the answer never tells whether a file
  exists. The body is then passed on to Gradio unchanged.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/gradio_api/"

#: The Gradio routes the chat page and gradio_client use (method, path after
#: ``/gradio_api``). Everything else under the prefix is refused.
_ALLOWED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (method, re.compile(pattern))
    for method, pattern in (
        ("GET", r"info/?"),
        ("GET", r"heartbeat/[\w-]{1,64}"),
        ("GET", r"queue/data"),
        ("POST", r"queue/join"),
        ("POST", r"cancel"),
        ("POST", r"call/(?:v2/)?[\w-]{1,64}/?"),
        ("GET", r"call/(?:v2/)?[\w-]{1,64}/[\w-]{1,64}"),
        ("GET", r"startup-events"),
        ("GET", r"app_id/?"),
    )
)

#: Routes that run one of the app's functions: their body is checked.
_RUNS_A_FUNCTION = re.compile(r"queue/join|call/(?:v2/)?[\w-]{1,64}/?")

#: Paths that serve or take files anywhere in Gradio's tree.
_FILE_ROUTES = re.compile(r"(?:^|/)(?:file=|file/|proxy=|upload(?:_progress)?(?:/|$)|stream/)", re.IGNORECASE)

#: Keys a function call may carry, and what each must be.
_CALL_KEYS = {"data", "fn_index", "session_hash", "event_data", "trigger_id", "simple_format"}

TEXT_ONLY = "The chat accepts a question as plain text only."
NO_SUCH_FUNCTION = "The chat has no such function."
EXPECTS_A_QUESTION = "Send the question as the first value of data, and nothing else (null for the rest)."
NOT_FOUND = "Not found."


class RefusedCall(ValueError):
    """A function call whose body is not plain text."""


def check_call_body(
    body: bytes,
    *,
    max_items: int,
    max_chars: int,
    functions: int | None = None,
    inputs: dict[tuple[str, object], int] | None = None,
    api_name: str | None = None,
) -> None:
    """Raise :class:`RefusedCall` unless ``body`` is a JSON object whose ``data`` is only text or nulls."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise RefusedCall("The request body is not valid JSON.") from exc
    if not isinstance(payload, dict) or not _CALL_KEYS.issuperset(payload):
        raise RefusedCall(TEXT_ONLY)
    data = payload.get("data", [])
    if not isinstance(data, list) or len(data) > max_items:
        raise RefusedCall(TEXT_ONLY)
    for item in data:
        if item is not None and not (isinstance(item, str) and len(item) <= max_chars):
            raise RefusedCall(TEXT_ONLY)
    _expect(payload, "fn_index", int)
    fn_index = payload.get("fn_index")
    if isinstance(fn_index, int) and functions is not None and not 0 <= fn_index < functions:
        raise RefusedCall(NO_SUCH_FUNCTION)
    if inputs is not None:
        key: tuple[str, object] = ("api", api_name) if api_name else ("fn", fn_index)
        expected = inputs.get(key)
        if expected is not None and len(data) != expected:
            raise RefusedCall(EXPECTS_A_QUESTION)
    _expect(payload, "trigger_id", int)
    _expect(payload, "session_hash", str)
    _expect(payload, "simple_format", bool)
    if payload.get("event_data") is not None:
        raise RefusedCall(TEXT_ONLY)
    session = payload.get("session_hash")
    if isinstance(session, str) and len(session) > 64:
        raise RefusedCall(TEXT_ONLY)


def _expect(payload: dict[str, Any], key: str, kind: type) -> None:
    value = payload.get(key)
    if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
        raise RefusedCall(TEXT_ONLY)


class GradioGuard:
    """Refuses every Gradio route the chat does not use and every function call that is not plain text."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_items: int = 4, max_chars: int = 4000) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_items = max_items
        self.max_chars = max_chars

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        if _FILE_ROUTES.search(path) and not path.startswith(API_PREFIX):
            await JSONResponse({"error": NOT_FOUND}, status_code=404)(scope, receive, send)
            return
        if not path.startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        rest = path[len(API_PREFIX) :]
        allowed = any(method in (m, "HEAD" if m == "GET" else m) and p.fullmatch(rest) for m, p in _ALLOWED)
        if not allowed:
            await JSONResponse({"error": NOT_FOUND}, status_code=404)(scope, receive, send)
            return
        if method != "POST" or not _RUNS_A_FUNCTION.fullmatch(rest):
            await self.app(scope, receive, send)
            return

        body = await self._read_body(receive)
        if body is None:
            await JSONResponse({"error": "The request is too large."}, status_code=413)(scope, receive, send)
            return
        try:
            app = scope.get("app")
            state = getattr(app, "state", None)
            call = re.fullmatch(r"call/(?:v2/)?([\w-]{1,64})/?", rest)
            check_call_body(
                body,
                max_items=self.max_items,
                max_chars=self.max_chars,
                functions=getattr(state, "gradio_functions", None),
                inputs=getattr(state, "gradio_inputs", None),
                api_name=call.group(1) if call else None,
            )
        except RefusedCall as exc:
            await JSONResponse({"error": str(exc)}, status_code=422)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, or None once it passes the limit (the rest is not read)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body to the app, then passes on what the server sends."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
