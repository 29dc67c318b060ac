"""uvicorn's HTTP/1.1 protocol with a deadline for a client to send its request headers.

uvicorn times out idle keep-alive connections, but not a client that sends its
headers one byte at a time: each such connection is held open for as long as
it likes ("slowloris"). Here a connection that has not sent a complete request
head within ``HEADER_TIMEOUT`` seconds of connecting (or of its previous
response) is closed. Bodies are bounded by size in :mod:`.limits`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

#: Seconds a client has to send a request's head.
HEADER_TIMEOUT = 10.0


class HeaderDeadlineProtocol(H11Protocol):
    """H11Protocol that closes connections whose request head does not arrive in time."""

    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_deadline: asyncio.TimerHandle | None = self.loop.call_later(self.header_timeout, self._too_slow)

    def handle_events(self) -> None:
        cycle_before = self.cycle
        super().handle_events()
        if self.cycle is not None and self.cycle is not cycle_before:
            self._cancel_deadline()  # a complete request head arrived

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The next request on this keep-alive connection gets the same deadline.
        if not self.transport.is_closing():
            self._cancel_deadline()
            self._head_deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _cancel_deadline(self) -> None:
        deadline = getattr(self, "_head_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._head_deadline = None

    def _too_slow(self) -> None:
        self._head_deadline = None
        if self.cycle is None or self.cycle.response_complete:
            self.transport.close()


def uvicorn_options(**extra: Any) -> dict[str, Any]:
    """The uvicorn settings every server of the project runs with.

    - ``http``: the protocol above (a deadline for request heads);
    - ``proxy_headers=False``: uvicorn would otherwise believe ``X-Forwarded-For``
      from 127.0.0.1; which proxies to believe is ``ASSISTANT_TRUSTED_PROXIES``'s
      job, in the middleware;
    - ``timeout_keep_alive``: idle connections close after 5 s;
    - ``limit_concurrency``: past this many connections, new ones get 503;
    - ``h11_max_incomplete_event_size``: a request head over 16 KiB is refused.
    """
    return {
        "http": HeaderDeadlineProtocol,
        "proxy_headers": False,
        "timeout_keep_alive": 5,
        "limit_concurrency": 256,
        "h11_max_incomplete_event_size": 16 * 1024,
        **extra,
    }
