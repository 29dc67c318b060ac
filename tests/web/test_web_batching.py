"""The server answers through the micro-batchers: concurrent questions share model calls, answers unchanged."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from assistant.batching import BatchingEmbedder
from assistant.core import Assistant
from assistant.web import service
from assistant.web.app import build_app
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
