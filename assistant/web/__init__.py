"""The web server: JSON API, Gradio chat page and embeddable widget on one FastAPI app.

- :mod:`.app`: ``build_app`` (the app factory) and ``serve``
- :mod:`.service`: what every entrance calls to answer a question (``/api/ask`` and the chat page)
- :mod:`.readiness`: the assistant once it has loaded in the background
- :mod:`.deps`: FastAPI dependencies for the loaded assistant and the settings
- :mod:`.routes`: ``ask``, ``sources``, ``health``, ``widget`` (``/widget.js`` and ``/embed``)
- :mod:`.middleware`: ASGI middleware around every route, Gradio's included
- :mod:`.origins`: which sites may embed the pages and call the API
- :mod:`.gradio_guard`: the gate in front of Gradio's HTTP API
- :mod:`.errors`: JSON errors ``{"error": "..."}``
- :mod:`.ui`: the Gradio chat page; ``static/``: its scripts and styles, and the widget's

The wire shapes live in :mod:`assistant.schemas`, shared with the CLI. Importing
this package (or any module here but ``ui``'s Gradio functions) loads no Gradio.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Where the files of ``static/`` are served. Not ``/static`` or ``/assets``:
#: the Gradio app mounted at ``/`` uses those.
STATIC_PATH = "/assistant-static"
