"""What every entrance calls to answer a question: the JSON API and the chat page alike.

``/api/ask`` and the Gradio chat both call :func:`answer` (looked up on this
module at call time), so whatever is added here (logging, limits, a feedback
store keyed by ``Answer.id``) applies to both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..answer import Answer
    from .readiness import Readiness


def answer(readiness: Readiness, question: str) -> Answer:
    """Answer one question with the loaded assistant.

    Raises :class:`~assistant.web.readiness.NotReady` while it is loading and
    :class:`~assistant.errors.QuestionError` for a question it cannot take
    (empty, too long, not text); both carry a message for people.
    """
    return readiness.require().ask(question)
