"""The app factory, ``build_app``, and ``serve``, which ``assistant serve`` and ``python app.py`` run.

``build_app`` wires an :class:`~assistant.core.Assistant` (or a loader that
makes one) into routes; it never loads a model itself, so tests can pass an
assistant built on a fake embedder. ``serve`` starts listening at once, loads
the assistant once in the background, and answers ``/healthz`` with 503 until
it is ready.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..settings import Settings
from . import STATIC_DIR, STATIC_PATH, service
from .errors import add_error_handlers
from .middleware import add_middleware
from .protocol import uvicorn_options
from .readiness import Readiness, readiness_of
from .routes import ask, health, sources, widget

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
    readiness = Readiness(assistant)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Once per app, even if the app is started again (as TestClient does per "with").
        if loader is not None and readiness.loading is None:
            readiness.load_in_background(loader)
        yield

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

    add_middleware(app, settings, ui=ui)
    add_error_handlers(app)
    app.include_router(health.router)
    app.include_router(ask.router)
    app.include_router(sources.router)
    app.include_router(widget.build_router(settings))
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="assistant-static")

    if ui:
        from .ui import mount_ui

        def ask_loaded(question: str) -> Answer:
            # The same service function as /api/ask, looked up at call time.
            return service.answer(readiness, question)

        # Last: the chat page at / catches every path not routed above.
        mount_ui(app, ask_loaded, settings, STATIC_PATH)
    return app


def serve(settings: Settings) -> None:
    """Start the server on ``settings.host:settings.port`` and load the assistant once, in the background.

    The port is open (``/healthz`` answers 503) while the model loads. If
    loading fails, the server stops and the error is raised here, so
    ``assistant serve`` reports it and exits non-zero.
    """
    from ..core import Assistant

    app = build_app(loader=lambda: Assistant.load(settings), settings=settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host=settings.host, port=settings.port, lifespan="on", **uvicorn_options())
    )
    readiness = readiness_of(app)

    def stop(_: BaseException) -> None:
        server.should_exit = True

    readiness.on_failure = stop
    shown = "localhost" if settings.host in ("0.0.0.0", "::") else settings.host
    logger.info("Starting on http://%s:%d/ - loading the model and index", shown, settings.port)
    server.run()
    if readiness.error is not None:
        raise readiness.error
