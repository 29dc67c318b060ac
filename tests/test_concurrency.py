"""One assistant answering from many threads at once gives the same answers as it does one at a time.

The server answers requests on a thread pool (FastAPI runs the sync route in
one, and Gradio's queue in another) over a single loaded assistant, so nothing
it holds (models, index, query caches) may carry state from one question into
another.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.core import Assistant
from assistant.evaluation import load_questions
from assistant.settings import REPO_ROOT

pytestmark = pytest.mark.model

QUESTION_FILES = [REPO_ROOT / "eval" / "questions.json", REPO_ROOT / "eval" / "robustness.json"]
THREADS = 8
#: Each question is asked this many times in the concurrent run, so the same question also meets itself.
ROUNDS = 2


def _questions() -> list[str]:
    return [q for path in QUESTION_FILES for q in load_questions(path).all_questions]


def _wire(assistant: Assistant, question: str) -> str:
    """The answer as the API sends it, without its random id, as canonical JSON."""
    answer = assistant.ask(question).to_dict()
    del answer["id"]
    return json.dumps(answer, sort_keys=True)


def test_answers_from_eight_threads_equal_serial_answers(real_assistant: Assistant) -> None:
    # A fresh assistant over the loaded models and index, with its own query processor: what it builds
    # lazily (the corpus speller) is first built under the threads, as on a server's first requests.
    base = real_assistant
    assistant = Assistant(base.settings, base.embedder, base.index, second=base.second)
    questions = _questions()
    assert len(questions) > 100  # every question of both sets

    asked = questions * ROUNDS
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        concurrent = list(pool.map(lambda question: _wire(assistant, question), asked))
    serial = {question: _wire(assistant, question) for question in questions}

    differing = [question for question, wire in zip(asked, concurrent, strict=True) if wire != serial[question]]
    assert not differing, f"{len(differing)} answers differ under {THREADS} threads, e.g. {differing[0]!r}"
