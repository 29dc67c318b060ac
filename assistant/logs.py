"""Logging for the server and the command line: our lines at the chosen level, libraries only when they warn.

``info`` (the default) prints the assistant's own lines (starting, ready,
stopped) and nothing per request; ``debug`` adds every request (uvicorn's
access log) and the libraries' own information (FAISS's loader, the model
loader). Set with ``--log-level`` or ``ASSISTANT_LOG_LEVEL``.
"""

from __future__ import annotations

import logging
import os

LEVELS = ("debug", "info", "warning", "error")
FORMAT = "%(levelname)s %(name)s: %(message)s"


def configure(level: str) -> None:
    """Send logs to stderr: ``assistant.*`` at ``level``, everything else at warning unless ``level`` is debug."""
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}, not {level!r}")
    ours = getattr(logging, level.upper())
    logging.basicConfig(level=ours if level == "debug" else logging.WARNING, format=FORMAT, force=True)
    logging.getLogger("assistant").setLevel(ours)
    if level != "debug":
        # transformers draws a progress bar for every model load; read when it is imported.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def uvicorn_levels(level: str) -> dict[str, object]:
    """uvicorn's options for the same level: its own lines only when they warn, the access log only at debug."""
    return {"log_level": "debug" if level == "debug" else "warning", "access_log": level == "debug"}
