"""Quote-only, cited answers from a source text.

Importing the package is cheap: the model, the index and the web stack load only
when used. ``from assistant import Assistant`` is the entry point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Answer", "Assistant", "AssistantError", "Settings", "Snippet", "Span"]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from .answer import Answer, Snippet
    from .core import Assistant
    from .corpus import Span
    from .errors import AssistantError
    from .settings import Settings

_LAZY = {
    "Answer": "answer",
    "Snippet": "answer",
    "Assistant": "core",
    "Span": "corpus",
    "AssistantError": "errors",
    "Settings": "settings",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
