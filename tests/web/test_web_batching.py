"""The server answers through the micro-batchers: concurrent questions share model calls, answers unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from assistant.batching import BatchingEmbedder
from assistant.core import Assistant
from assistant.web import service
from assistant.web.app import SERVING_ENVIRONMENT, build_app, serving_environment
from assistant.web.readiness import readiness_of

QUESTIONS = [
    "How long should I hold a stretch?",
    "what causes back spasms",
    "is heat good for a spasm",
    "Should I stretch during a back spasm?",
]


def _without_id(data: dict[str, object]) -> str:
    return json.dumps({k: v for k, v in data.items() if k != "id"}, sort_keys=True)


def test_the_app_answers_through_batchers_and_stops_them_at_shutdown(fake_assistant: Assistant) -> None:
    app = build_app(fake_assistant, ui=False)
    served = readiness_of(app).assistant
    assert served is not None and isinstance(served.embedder, BatchingEmbedder)
    assert fake_assistant.embedder is not served.embedder  # the assistant handed in is left as it was
    with TestClient(app) as client:
        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(lambda q: client.post("/api/ask", json={"question": q}), QUESTIONS * 4))
        assert [r.status_code for r in responses] == [200] * len(responses)
        assert served.embedder.batcher.running
        assert sum(served.embedder.batcher.batch_sizes) == len(responses)
    assert not served.embedder.batcher.running  # stopped with the app
    expected = {q: _without_id(fake_assistant.ask(q).to_dict()) for q in QUESTIONS}
    assert [_without_id(r.json()) for r in responses] == [expected[q] for q in QUESTIONS * 4]
    assert service.answers_in_progress() == 0


def test_the_answer_pool_can_fill_a_batch(fake_assistant: Assistant) -> None:
    assert service.POOL_SIZE >= fake_assistant.settings.batch_max


def test_the_serving_environment_fills_only_what_is_unset() -> None:
    environ = {"TOKENIZERS_PARALLELISM": "true"}
    assert serving_environment(environ) == {"GOMP_SPINCOUNT": SERVING_ENVIRONMENT["GOMP_SPINCOUNT"]}
    assert environ == {"TOKENIZERS_PARALLELISM": "true", "GOMP_SPINCOUNT": "3000000"}
    assert serving_environment(environ) == {}  # nothing left to set


SERVE_UNTIL_BUILD = """
import os, sys
import assistant.web.app as web
def stop(*args, **kwargs):
    print(os.environ.get("GOMP_SPINCOUNT"), os.environ.get("TOKENIZERS_PARALLELISM"), "torch" in sys.modules)
    raise SystemExit(0)
web.build_app = stop
from assistant.settings import load_settings
web.serve(load_settings())
"""


@pytest.mark.parametrize(("given", "seen"), [(None, "3000000 false False"), ("5", "5 false False")])
def test_serve_sets_the_environment_before_torch_loads(given: str | None, seen: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SERVING_ENVIRONMENT}
    if given is not None:
        env["GOMP_SPINCOUNT"] = given  # the operator's own value wins
    done = subprocess.run(
        [sys.executable, "-c", SERVE_UNTIL_BUILD], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == seen
