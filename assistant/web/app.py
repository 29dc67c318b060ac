"""The app factory, ``build_app``, and ``serve``, which ``assistant serve`` and ``python app.py`` run.

``build_app`` wires an :class:`~assistant.core.Assistant` (or a loader that
makes one) into routes; it never loads a model itself, so tests can pass an
assistant built on a fake embedder. ``serve`` starts listening at once, loads
the assistant once in the background, and answers ``/healthz`` with 503 until
it is ready.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import AsyncIterator, Callable, MutableMapping, Sequence
from contextlib import asynccontextmanager
from types import FrameType
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..batching import Batcher, batched_models
from ..feedback import LazyStore
from ..logs import uvicorn_levels
from ..settings import Settings
from . import STATIC_DIR, STATIC_PATH, service
from .errors import add_error_handlers
from .middleware import add_middleware
from .protocol import uvicorn_options
from .readiness import Readiness, readiness_of
from .routes import admin, ask, feedback, health, sources, widget

if TYPE_CHECKING:
    from ..answer import Answer
    from ..core import Assistant

logger = logging.getLogger(__name__)


def build_app(
    assistant: Assistant | None = None,
    *,
    loader: Callable[[], Assistant] | None = None,
    settings: Settings | None = None,
    ui: bool = True,
) -> FastAPI:
    """The FastAPI app for an assistant, or for one ``loader`` will make once the server starts.

    With a ``loader`` the app starts at once and loads in a background thread;
    ``/healthz`` and ``/api/ask`` answer 503 until it is done. ``settings``
    defaults to the assistant's (a loader needs them passed). ``ui=False`` leaves out the Gradio chat page.
    """
    if (assistant is None) == (loader is None):
        raise ValueError("Pass either an assistant or a loader.")
    if settings is None:
        if assistant is None:
            raise ValueError("Pass the settings with a loader: they are built once, at the edge.")
        settings = assistant.settings
    # Concurrent questions share model calls (assistant/batching.py); the workers stop at shutdown.
    batcher = Batcher(
        window=settings.batch_window_ms / 1000,
        max_batch=settings.batch_max,
        peers=service.answers_in_progress,
        exact=settings.batch_exact,
    )

    def batched(loaded: Assistant) -> Assistant:
        return loaded.with_embedder(*batched_models(loaded.embedder, loaded.second, batcher))

    readiness = Readiness(batched(assistant) if assistant is not None else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Once per app, even if the app is started again (as TestClient does per "with").
        if loader is not None and readiness.loading is None:
            readiness.load_in_background(lambda: batched(loader()))
        try:
            yield
        finally:
            batcher.close()
            feedback_store.close()

    app = FastAPI(
        title="Quote assistant",
        version=__version__,
        summary="Answers questions about a source text with verbatim, cited quotes only.",
        lifespan=lifespan,
        # Swagger UI and ReDoc load from a public CDN: off unless ASSISTANT_API_DOCS=true.
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
    )
    app.state.readiness = readiness
    app.state.settings = settings
    # Ratings and unanswered questions (data/assistant.sqlite3), opened on first use.
    app.state.feedback = feedback_store = LazyStore(settings.data_dir, settings.retention_days)

    add_middleware(app, settings, ui=ui)
    add_error_handlers(app)
    app.include_router(health.router)
    app.include_router(ask.router)
    app.include_router(feedback.router)
    app.include_router(sources.router)
    app.include_router(widget.build_router(settings))
    app.include_router(admin.router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="assistant-static")

    if ui:
        from .ui import mount_ui

        def ask_loaded(question: str, history: Sequence[str] | None = None) -> Answer:
            # The same service function as /api/ask, looked up at call time.
            return service.answer(readiness, question, history, feedback_store)

        # Last: the chat page at / catches every path not routed above.
        mount_ui(app, ask_loaded, settings, STATIC_PATH)
    return app


#: What the server's models run under, unless the environment says otherwise. Both are read when the
#: libraries load, so :func:`serve` sets them before anything imports torch.
SERVING_ENVIRONMENT = {
    # After a parallel region libgomp's threads busy-wait this many spins before they sleep. Its
    # default, 300,000, lasts ~5 ms on the 2-core machine: less than the time between one question's
    # last model call and the next question's first, so every question woke sleeping threads (the
    # same two model calls took 20 % longer with an 8 ms pause before each). 3,000,000 spins last
    # ~50 ms, at the cost of one core spinning for up to 50 ms after the last question.
    "GOMP_SPINCOUNT": "3000000",
    # The server batches questions itself and runs OpenMP on every core; the tokenizers' own
    # thread pool on top would only compete with it.
    "TOKENIZERS_PARALLELISM": "false",
}


def serving_environment(environ: MutableMapping[str, str] = os.environ) -> dict[str, str]:
    """Set the :data:`SERVING_ENVIRONMENT` values ``environ`` does not have; return the ones set."""
    added = {name: value for name, value in SERVING_ENVIRONMENT.items() if name not in environ}
    environ.update(added)
    if added and "torch" in sys.modules:
        logger.warning("torch was loaded before the server set %s; they may not apply", ", ".join(added))
    return added


class _Server(uvicorn.Server):
    """uvicorn's server, stopping on Ctrl+C or SIGTERM without raising the signal again afterwards.

    uvicorn shuts down gracefully on the first signal and then re-raises it for
    the caller, which surfaces as a KeyboardInterrupt traceback from inside the
    event loop. Stopping is the normal way to end the server, so it is not
    re-raised; a second Ctrl+C still forces the exit.
    """

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()


def serve(settings: Settings) -> None:
    """Start the server on ``settings.host:settings.port`` and load the assistant once, in the background.

    The port is open (``/healthz`` answers 503) while the model loads. If
    loading fails, the server stops and the error is raised here, so
    ``assistant serve`` reports it and exits non-zero.
    """
    from ..core import Assistant

    serving_environment()
    app = build_app(loader=lambda: Assistant.load(settings), settings=settings)
    server = _Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            lifespan="on",
            log_config=None,  # ours (assistant.logs), not uvicorn's
            **uvicorn_options(**uvicorn_levels(settings.log_level)),
        )
    )
    readiness = readiness_of(app)

    def stop(_: BaseException) -> None:
        server.should_exit = True

    readiness.on_failure = stop
    shown = "localhost" if settings.host in ("0.0.0.0", "::") else settings.host
    logger.info("Starting on http://%s:%d/ - loading the model and index", shown, settings.port)
    server.run()
    logger.info("Stopped.")
    if readiness.error is not None:
        raise readiness.error
