"""The web server: JSON API, chat page, embeddable widget, one FastAPI app.

``build_app`` wires an :class:`~assistant.core.Assistant` (or a loader that
makes one) into routes; it never loads a model itself, so tests can pass an
assistant built on a fake embedder. ``serve`` is what ``assistant serve`` and
``python app.py`` run: it starts listening at once, loads the assistant once in
the background, and answers ``/healthz`` with 503 until it is ready.

Errors from the API are JSON ``{"error": "..."}``: 400 for a body that is not
JSON, 422 for a request that is JSON but not a valid question (missing,
not text, empty, too long) or bad source offsets, 404 for an unknown document,
503 while the assistant is loading.
"""

from __future__ import annotations

import html
import logging
import re
import string
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import uvicorn
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .errors import AssistantError, QuestionError
from .gradio_guard import GradioGuard
from .headers import SecurityHeadersMiddleware, frame_ancestors, origin_regex
from .safety import DISCLAIMER, GROUP_LABELS
from .settings import Settings
from .ui import EMPTY_STATE

if TYPE_CHECKING:
    from .answer import Answer
    from .core import Assistant

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Where the files of ``assistant/static`` are served. Not ``/static`` or
#: ``/assets``: the Gradio app mounted at ``/`` uses those.
STATIC_PATH = "/assistant-static"

LOADING_MESSAGE = "The assistant is still starting up. Please try again in a few seconds."


class NotReady(AssistantError):
    """The assistant has not finished loading (or failed to)."""


# --- API models ------------------------------------------------------------


class AskRequest(BaseModel):
    """A question for the assistant."""

    question: str = Field(
        description="The question, as text. Leading and trailing spaces are ignored; it must not be empty "
        "or longer than the server's limit (1000 characters by default).",
        examples=["Can stretching make back spasms worse?"],
    )


class PassageContext(BaseModel):
    text: str
    start: int
    end: int


class SnippetOut(BaseModel):
    """One verbatim quote: ``text`` is exactly ``document.text[start:end]``."""

    text: str
    doc: str = Field(description="Path of the source document, relative to the corpus folder.")
    start: int = Field(description="Character offset of the quote in the document (Python string index).")
    end: int
    score: float
    group: str | None = Field(description="Side of differing advice: 'caution' or 'supportive', else null.")
    group_label: str | None
    title: str | None = Field(description="Title of the source document, when known.")
    context: PassageContext | None = Field(description="The sentences around the quote, when known.")


class AnswerOut(BaseModel):
    """An answer: fixed texts around verbatim, cited quotes. Same shape as ``Answer.to_dict()``."""

    question: str
    preamble: str
    covered: bool = Field(description="False when the source does not speak to the question.")
    message: str | None = Field(description="The fixed not-covered message, or null.")
    urgent: bool = Field(description="True when the question mentions a red-flag symptom.")
    notice: str | None = Field(description="The fixed urgent-care notice, or null. Show it first.")
    red_flags: list[str]
    snippets: list[SnippetOut]


class ErrorOut(BaseModel):
    error: str = Field(description="What went wrong, in words meant for people.")


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok", "documents": 1, "spans": 132}]})

    status: Literal["ok", "loading", "error"]
    documents: int | None = None
    spans: int | None = None


class SourceInfo(BaseModel):
    doc: str
    title: str | None
    source_url: str | None
    chars: int


class SourcePassage(BaseModel):
    """A window of a source document, split around the quoted passage so no client has to slice by offsets.

    ``before + quote + after == document.text[start:end]``. Without a passage
    (no ``start``/``end`` asked) the whole text is in ``before``.
    """

    doc: str
    title: str | None
    source_url: str | None
    chars: int = Field(description="Length of the whole document in characters.")
    start: int = Field(description="Start of the window in the document.")
    end: int = Field(description="End of the window in the document.")
    quote_start: int | None
    quote_end: int | None
    before: str
    quote: str
    after: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not JSON."},
    422: {"model": ErrorOut, "description": "The request is JSON but not valid."},
    503: {"model": ErrorOut, "description": "The assistant is still loading."},
}


# --- Readiness -------------------------------------------------------------


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


# --- Helpers ---------------------------------------------------------------

_SPACE = re.compile(r"\s")


def passage_window(text: str, start: int, end: int, around: int) -> tuple[int, int]:
    """A window of about ``around`` characters either side of ``[start, end)``, cut between words."""
    lo = max(0, start - around)
    hi = min(len(text), end + around)
    if lo > 0:
        gap = _SPACE.search(text, lo, start)
        lo = gap.end() if gap else lo
    if hi < len(text):
        spaces = [m.start() for m in _SPACE.finditer(text, end, hi)]
        hi = spaces[-1] if spaces else hi
    return lo, hi


def _describe_validation(exc: RequestValidationError) -> tuple[int, str]:
    """Status and a readable message for FastAPI's validation errors."""
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, 'The request body is not valid JSON. Send JSON like {"question": "..."}.'
    parts = []
    for error in errors:
        where = [str(p) for p in error.get("loc", ()) if p != "body"]
        field = f"{where[-1]!r}" if where else "the request body"
        message = str(error.get("msg", "is not valid"))
        if error.get("type") == "missing":
            parts.append(f"{field} is missing" if where else "the request has no JSON body")
        else:
            parts.append(f"{field}: {message}")
    hint = ' Send JSON like {"question": "..."}.' if any(e.get("loc", ("",))[0] == "body" for e in errors) else ""
    return 422, f"Invalid request: {'; '.join(parts)}.{hint}"


def _embed_page(settings: Settings) -> str:
    template = string.Template((STATIC_DIR / "embed.html").read_text("utf-8"))
    return template.substitute(
        disclaimer=html.escape(DISCLAIMER),
        empty=html.escape(EMPTY_STATE),
        max_chars=str(settings.max_question_chars),
        group_order=html.escape(" ".join(GROUP_LABELS)),
        static=STATIC_PATH.lstrip("/"),
    )


# --- The app ---------------------------------------------------------------


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
    defaults to the assistant's. ``ui=False`` leaves out the Gradio chat page.
    """
    if (assistant is None) == (loader is None):
        raise ValueError("Pass either an assistant or a loader.")
    if settings is None:
        settings = assistant.settings if assistant is not None else Settings()
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
    )
    app.state.readiness = readiness
    app.state.settings = settings

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
        # Inside the security headers, so its refusals carry them too.
        app.add_middleware(GradioGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware, frame_policy=frame_ancestors(settings.allowed_origins))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = _describe_validation(exc)
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(NotReady)
    async def not_ready(request: Request, exc: NotReady) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(QuestionError)
    async def bad_question(request: Request, exc: QuestionError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=422)

    @app.get("/healthz", response_model=Health, responses={503: {"model": Health}}, tags=["health"])
    def healthz() -> JSONResponse:
        """200 with counts once the assistant is loaded; 503 while loading or after loading failed."""
        loaded = readiness.assistant
        if loaded is None:
            status: Literal["loading", "error"] = "error" if readiness.error is not None else "loading"
            return JSONResponse(Health(status=status).model_dump(exclude_none=True), status_code=503)
        health = Health(status="ok", documents=len(loaded.documents), spans=len(loaded.index))
        return JSONResponse(health.model_dump())

    @app.post("/api/ask", response_model=AnswerOut, responses=_ERRORS, tags=["api"])
    def ask(request: AskRequest) -> AnswerOut:
        """Answer a question with verbatim quotes from the source, each with its document and offsets."""
        answer = readiness.require().ask(request.question)
        return AnswerOut.model_validate(answer.to_dict())

    @app.get("/api/sources", response_model=list[SourceInfo], responses={503: _ERRORS[503]}, tags=["api"])
    def sources() -> list[SourceInfo]:
        """The source documents the quotes come from."""
        documents = readiness.require().documents
        return [
            SourceInfo(doc=d.path, title=d.title, source_url=d.source_url, chars=len(d.text))
            for d in documents.values()
        ]

    @app.get(
        "/api/source/{doc:path}",
        response_model=SourcePassage,
        responses={404: {"model": ErrorOut, "description": "No such document."}, **_ERRORS},
        tags=["api"],
    )
    def source(
        doc: str,
        start: Annotated[int | None, Query(ge=0, description="Start of the passage to highlight.")] = None,
        end: Annotated[int | None, Query(ge=0, description="End of the passage to highlight.")] = None,
        around: Annotated[int, Query(ge=0, le=20000, description="Characters of context either side.")] = 600,
        whole: Annotated[bool, Query(description="Return the whole document, passage still highlighted.")] = False,
    ) -> SourcePassage:
        """A passage of a source document in its context, or the whole document."""
        document = readiness.require().documents.get(doc)
        if document is None:
            raise HTTPException(404, f"There is no source document named {doc!r}.")
        text = document.text
        if (start is None) != (end is None):
            raise HTTPException(422, "Give both start and end, or neither.")
        info = {"doc": document.path, "title": document.title, "source_url": document.source_url, "chars": len(text)}
        if start is None or end is None:
            return SourcePassage(
                **info, start=0, end=len(text), quote_start=None, quote_end=None, before=text, quote="", after=""
            )
        if not start <= end <= len(text):
            raise HTTPException(422, f"The passage must satisfy 0 <= start <= end <= {len(text)}.")
        lo, hi = (0, len(text)) if whole else passage_window(text, start, end, around)
        return SourcePassage(
            **info,
            start=lo,
            end=hi,
            quote_start=start,
            quote_end=end,
            before=text[lo:start],
            quote=text[start:end],
            after=text[end:hi],
        )

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        # Short cache: sites embed this URL for good, so fixes must reach them.
        return FileResponse(
            STATIC_DIR / "widget.js",
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    embed_html = _embed_page(settings)

    @app.get("/embed", include_in_schema=False)
    def embed() -> HTMLResponse:
        return HTMLResponse(embed_html)

    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="assistant-static")

    if ui:
        from .ui import mount_ui

        def ask_loaded(question: str) -> Answer:
            return readiness.require().ask(question)

        mount_ui(app, ask_loaded, settings, STATIC_PATH)
    return app


# --- Running ---------------------------------------------------------------


class ServerThread:
    """Runs an app with uvicorn in a background thread: for tests and scripts.

    ``port=0`` lets the system pick a free port; ``url`` tells which.
    """

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
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


def serve(settings: Settings | None = None) -> None:
    """Start the server on ``settings.host:settings.port`` and load the assistant once, in the background.

    The port is open (``/healthz`` answers 503) while the model loads. If
    loading fails, the server stops and the error is raised here, so
    ``assistant serve`` reports it and exits non-zero.
    """
    from .core import Assistant

    settings = settings or Settings()
    app = build_app(loader=lambda: Assistant.load(settings), settings=settings)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, lifespan="on"))
    readiness = readiness_of(app)

    def stop(_: BaseException) -> None:
        server.should_exit = True

    readiness.on_failure = stop
    shown = "localhost" if settings.host in ("0.0.0.0", "::") else settings.host
    logger.info("Starting on http://%s:%d/ - loading the model and index", shown, settings.port)
    server.run()
    if readiness.error is not None:
        raise readiness.error
