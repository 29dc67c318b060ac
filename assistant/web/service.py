"""What every entrance calls to answer a question: the JSON API and the chat page alike.

The Gradio chat calls :func:`answer` and ``/api/ask`` its async twin
:func:`answer_json`; both run :func:`answered` (looked up on this module at
call time) on the same pool, so whatever is added there (logging, limits, a
feedback store keyed by ``Answer.id``) applies to both.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING

from ..errors import AssistantError
from ..feedback import LazyStore, span_id
from ..schemas import AnswerOut

if TYPE_CHECKING:
    from ..answer import Answer
    from ..core import Assistant
    from .readiness import Readiness

logger = logging.getLogger(__name__)

TOO_SLOW = "The answer took too long. Please try again in a moment."

# Answers are computed on these threads, the caller waiting at most settings.request_timeout.
# Most of an answer's time on 2 cores is its two model calls, and the app's batchers
# (assistant/batching.py, wired in app.build_app) gather the calls of concurrent answers into
# one call per model: the batchers, not this pool, now bound the model work. So the pool must
# hold enough answers at once to fill batches: 32 = two batches of ASSISTANT_BATCH_MAX (16 by
# default), one in the models while the next one gathers and the previous one's answers are
# composed. (With the 4 threads the pool had before, batches could hold at most 4 questions.)
# The Python around the model calls (spelling, BM25, composing) holds the GIL, so more threads
# would not compute more at once, only queue longer inside the time limit.
POOL_SIZE = 32
_WORKERS = ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="answer")

_counting = threading.Lock()
_in_progress = 0


def answers_in_progress() -> int:
    """How many answers the pool is computing now: the batchers' hint of how many questions may still come."""
    return _in_progress


def _ask(assistant: Assistant, question: str, history: Sequence[str] | None) -> Answer:
    global _in_progress
    with _counting:
        _in_progress += 1
    try:
        return assistant.ask(question, history)
    finally:
        with _counting:
            _in_progress -= 1


class TooSlow(AssistantError):
    """An answer did not come within the per-request time limit."""


def answer(
    readiness: Readiness, question: str, history: Sequence[str] | None = None, feedback: LazyStore | None = None
) -> Answer:
    """Answer one question with the loaded assistant, within ``settings.request_timeout`` seconds.

    Raises :class:`~assistant.web.readiness.NotReady` while it is loading,
    :class:`~assistant.errors.QuestionError` for a question it cannot take
    (empty, too long, not text) and :class:`TooSlow` past the time limit; each
    carries a message for people. ``history`` holds the reader's earlier
    questions (see :mod:`assistant.followup`). With a ``feedback`` store, the
    answer is remembered for ratings (and logged when declined); a store that
    fails never fails the answer.
    """
    assistant = readiness.require()
    future = _WORKERS.submit(answered, assistant, question, history, feedback)
    try:
        return future.result(timeout=assistant.settings.request_timeout)
    except FutureTimeout:
        future.cancel()
        raise TooSlow(TOO_SLOW) from None


async def answer_json(
    readiness: Readiness, question: str, history: Sequence[str] | None = None, feedback: LazyStore | None = None
) -> str:
    """:func:`answer`, awaited, as the JSON of :class:`~assistant.schemas.AnswerOut`, for the event loop.

    The event loop hands the question straight to the answer pool and is free
    until the answer comes; the JSON is made on the pool's thread too. The same
    errors as :func:`answer`.
    """
    assistant = readiness.require()
    future = _WORKERS.submit(_answered_json, assistant, question, history, feedback)
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), assistant.settings.request_timeout)
    except TimeoutError:
        future.cancel()
        raise TooSlow(TOO_SLOW) from None


def answered(assistant: Assistant, question: str, history: Sequence[str] | None, feedback: LazyStore | None) -> Answer:
    """The job every entrance runs on the answer pool: the answer, remembered for feedback when there is a store."""
    result = _ask(assistant, question, history)
    if feedback is not None:
        _remember(feedback, result)
    return result


def _answered_json(
    assistant: Assistant, question: str, history: Sequence[str] | None, feedback: LazyStore | None
) -> str:
    return AnswerOut.from_answer(answered(assistant, question, history, feedback)).model_dump_json()


def _remember(feedback: LazyStore, result: Answer) -> None:
    store = feedback.get()
    if store is None:
        return
    spans = [span_id(s.span.doc, s.span.start, s.span.end) for s in result.snippets]
    try:
        store.record_answer(result.id, result.question, spans, result.covered)
    except sqlite3.Error:
        logger.exception("Could not record an answer for feedback")
