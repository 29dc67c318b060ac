"""What every entrance calls to answer a question: the JSON API and the chat page alike.

``/api/ask`` and the Gradio chat both call :func:`answer` (looked up on this
module at call time), so whatever is added here (logging, limits, a feedback
store keyed by ``Answer.id``) applies to both.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING

from ..errors import AssistantError

if TYPE_CHECKING:
    from ..answer import Answer
    from .readiness import Readiness

TOO_SLOW = "The answer took too long. Please try again in a moment."

# Answers are computed here, a few at a time: on 2 cores more would only queue
# inside the models. The caller waits at most settings.request_timeout.
_WORKERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="answer")


class TooSlow(AssistantError):
    """An answer did not come within the per-request time limit."""


def answer(readiness: Readiness, question: str) -> Answer:
    """Answer one question with the loaded assistant, within ``settings.request_timeout`` seconds.

    Raises :class:`~assistant.web.readiness.NotReady` while it is loading,
    :class:`~assistant.errors.QuestionError` for a question it cannot take
    (empty, too long, not text) and :class:`TooSlow` past the time limit; each
    carries a message for people.
    """
    assistant = readiness.require()
    future = _WORKERS.submit(assistant.ask, question)
    try:
        return future.result(timeout=assistant.settings.request_timeout)
    except FutureTimeout:
        future.cancel()
        raise TooSlow(TOO_SLOW) from None
