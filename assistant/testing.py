"""Test support in one place: a fake embedder and a server thread, for tests and scripts.

Nothing in the running assistant imports this module.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from starlette.types import ASGIApp

__all__ = ["FakeEmbedder", "ServerThread"]


class FakeEmbedder:
    """Deterministic bag-of-words vectors: texts sharing words are close. No model, no network.

    Each word counts in one of ``dimension`` buckets, chosen by a hash of its
    first five letters (crude stemming: "stretching" ~ "stretch"); rows are
    L2-normalised, as the :class:`~assistant.embedding.Embedder` protocol asks.
    ``calls`` counts the calls to :meth:`embed`.
    """

    name = "fake-embedder"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                stem = word[:5]
                bucket = int(hashlib.md5(stem.encode()).hexdigest(), 16) % self.dimension
                out[row, bucket] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else 1.0 / np.sqrt(self.dimension)
        return out


class ServerThread:
    """Runs an app with uvicorn in a background thread.

    ``port=0`` lets the system pick a free port; ``url`` tells which.
    """

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        from .web.protocol import uvicorn_options

        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on", **uvicorn_options())
        self.server = uvicorn.Server(config)
        self.host = host
        self._thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    def start(self, timeout: float = 30.0) -> str:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The test server did not start.")
            time.sleep(0.02)
        return self.url

    @property
    def port(self) -> int:
        return int(self.server.servers[0].sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout)
