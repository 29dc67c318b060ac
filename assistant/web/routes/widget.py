"""The widget: ``/widget.js`` for other sites, and ``/embed``, the compact chat it shows in an iframe.

The page's scripts and styles are served from ``STATIC_PATH`` (mounted by the app factory).
"""

from __future__ import annotations

import html
import string

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from ...safety import CONTEXT_LABEL, GROUP_LABELS, SUGGESTIONS_LABEL, site_wording
from ...settings import Settings
from .. import STATIC_DIR, STATIC_PATH
from ..ui import EMPTY_STATE

#: The strictest policy the widget's page allows: its scripts, styles and API calls are all same-origin.
EMBED_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)


def embed_page(settings: Settings) -> str:
    """The ``/embed`` page, its template filled in."""
    template = string.Template((STATIC_DIR / "embed.html").read_text("utf-8"))
    return template.substitute(
        disclaimer=html.escape(site_wording(settings).disclaimer),
        empty=html.escape(EMPTY_STATE),
        max_chars=str(settings.max_question_chars),
        group_order=html.escape(" ".join(GROUP_LABELS)),
        # Fixed texts the page shows around answers: defined once, in assistant/safety.py.
        suggestions_label=html.escape(SUGGESTIONS_LABEL),
        context_label=html.escape(CONTEXT_LABEL),
        static=STATIC_PATH.lstrip("/"),
    )


def build_router(settings: Settings) -> APIRouter:
    """The widget's routes; ``/embed`` is rendered once, from ``settings``."""
    router = APIRouter(include_in_schema=False)
    embed_html = embed_page(settings)

    @router.get("/widget.js")
    def widget() -> FileResponse:
        # Short cache: sites embed this URL for good, so fixes must reach them.
        return FileResponse(
            STATIC_DIR / "widget.js",
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @router.get("/embed")
    def embed() -> HTMLResponse:
        # Our own page: nothing inline, nothing from elsewhere (frame-ancestors is added by the middleware).
        return HTMLResponse(embed_html, headers={"Content-Security-Policy": EMBED_POLICY})

    return router
