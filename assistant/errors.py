"""Errors the assistant reports to people, each with a message that says what to do."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: the message is meant for the person running or using the assistant."""


class CorpusError(AssistantError):
    """The corpus folder is missing, empty, or holds a file that cannot be read."""


class IndexNotReady(AssistantError):
    """The index is missing, stale or corrupt; ``reason`` is one of those words."""

    def __init__(self, reason: str, detail: str, index_dir: object) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(
            f"The index in {index_dir} is {reason}: {detail}. "
            "Rebuild it with `assistant index --rebuild` (or `make run`, which rebuilds it when needed)."
        )


class QuestionError(AssistantError):
    """The question cannot be answered as given (empty, too long, not text)."""


class ModelError(AssistantError):
    """The embedding model could not be loaded."""
