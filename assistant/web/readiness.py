"""The assistant once it is loaded in the background, or the error that stopped it loading."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import AssistantError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..core import Assistant

logger = logging.getLogger(__name__)

LOADING_MESSAGE = "The assistant is still starting up. Please try again in a few seconds."


class NotReady(AssistantError):
    """The assistant has not finished loading (or failed to)."""


class Readiness:
    """The assistant once it is loaded, or the error that stopped it loading.

    Shared between the loading thread and the request handlers; the attribute
    writes are single assignments, so readers see either nothing or the result.
    """

    def __init__(self, assistant: Assistant | None = None) -> None:
        self.assistant = assistant
        self.error: BaseException | None = None
        self.on_failure: Callable[[BaseException], None] | None = None
        self.loading: threading.Thread | None = None
        self._done = threading.Event()
        if assistant is not None:
            self._done.set()

    def load_in_background(self, loader: Callable[[], Assistant]) -> threading.Thread:
        thread = threading.Thread(target=self._load, args=(loader,), name="assistant-loader", daemon=True)
        self.loading = thread
        thread.start()
        return thread

    def _load(self, loader: Callable[[], Assistant]) -> None:
        began = time.perf_counter()
        try:
            assistant = loader()
        except BaseException as exc:  # reported through /healthz and on_failure, never swallowed
            self.error = exc
            logger.error("The assistant could not be loaded: %s", exc)
            if self.on_failure is not None:
                self.on_failure(exc)
        else:
            self.assistant = assistant
            logger.info(
                "Assistant ready in %.1f s: %d documents, %d spans",
                time.perf_counter() - began,
                len(assistant.documents),
                len(assistant.index),
            )
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until loading has finished (well or not); False on timeout."""
        return self._done.wait(timeout)

    def require(self) -> Assistant:
        if self.assistant is None:
            raise NotReady(LOADING_MESSAGE)
        return self.assistant


def readiness_of(app: FastAPI) -> Readiness:
    readiness: Readiness = app.state.readiness
    return readiness
