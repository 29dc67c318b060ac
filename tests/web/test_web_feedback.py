"""Follow-ups over HTTP, feedback on answers, and the admin report: over a real server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.core import Assistant
from assistant.feedback import FeedbackStore
from assistant.testing import ServerThread
from assistant.web.app import build_app

TOKEN = "a-long-enough-admin-token-for-tests"


@pytest.fixture
def server(fake_assistant: Assistant, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data = tmp_path / "data"
    settings = fake_assistant.settings.replace(data_dir=data, admin_token=TOKEN, rate_limit=1_000_000)
    thread = ServerThread(build_app(fake_assistant.with_settings(data_dir=data), settings=settings))
    url = thread.start()
    yield url, data
    thread.stop()


def ask(url: str, question: str, history: list[str] | None = None) -> dict:
    body: dict = {"question": question}
    if history is not None:
        body["history"] = history
    response = httpx.post(url + "/api/ask", json=body, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_follow_ups_take_the_earlier_questions(server: tuple[str, Path], fake_assistant: Assistant) -> None:
    url, _ = server
    with_history = ask(url, "how long do I hold it?", ["How do I do the pelvic tilt?"])
    expected = fake_assistant.ask("how long do I hold it?", ["How do I do the pelvic tilt?"])
    assert [s["text"] for s in with_history["snippets"]] == [s.span.text for s in expected.snippets]
    assert with_history["question"] == "how long do I hold it?"


@pytest.mark.parametrize(
    ("history", "status"),
    [("not a list", 422), ([1], 422), (["x" * 5000], 422), (["q"] * 201, 422), ([], 200), (None, 200)],
)
def test_bad_history_is_refused(server: tuple[str, Path], history: object, status: int) -> None:
    url, _ = server
    body = {"question": "how long?"} if history is None else {"question": "how long?", "history": history}
    response = httpx.post(url + "/api/ask", json=body, timeout=30)
    assert response.status_code == status, response.text
    if status != 200:
        assert set(response.json()) >= {"error"}


def test_feedback_on_an_answer_and_on_a_quote(server: tuple[str, Path]) -> None:
    url, data = server
    answer = ask(url, "Should I stretch during a back spasm?")
    assert answer["snippets"] and all(s["span_id"] == f"{s['doc']}:{s['start']}-{s['end']}" for s in answer["snippets"])
    up = httpx.post(url + "/api/feedback", json={"id": answer["id"], "rating": "up"})
    assert up.status_code == 200 and up.json() == {"ok": True}
    span = answer["snippets"][0]["span_id"]
    down = httpx.post(url + "/api/feedback", json={"id": answer["id"], "rating": "down", "span": span})
    assert down.status_code == 200
    again = httpx.post(url + "/api/feedback", json={"id": answer["id"], "rating": "down"})
    assert again.status_code == 409 and "already" in again.json()["error"]
    store = FeedbackStore.in_folder(data)
    assert store.ratings() == {"up": 1, "down": 0, "quote_not_helpful": 1}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"id": "0" * 32, "rating": "up"}, 404),  # an answer this server never gave
        ({"id": "nothex", "rating": "up"}, 422),
        ({"id": "0" * 32, "rating": "meh"}, 422),
        ({"id": "0" * 32, "rating": "up", "extra": "x"}, 422),
        ({"rating": "up"}, 422),
        ([], 422),
    ],
)
def test_bad_feedback_is_refused(server: tuple[str, Path], body: object, status: int) -> None:
    url, _ = server
    response = httpx.post(url + "/api/feedback", json=body)
    assert response.status_code == status, response.text
    assert "error" in response.json()


def test_a_quote_from_another_answer_is_refused(server: tuple[str, Path]) -> None:
    url, _ = server
    answer = ask(url, "Should I stretch during a back spasm?")
    response = httpx.post(url + "/api/feedback", json={"id": answer["id"], "rating": "down", "span": "x.txt:0-1"})
    assert response.status_code == 422


def test_declines_and_down_ratings_reach_the_admin_report(server: tuple[str, Path]) -> None:
    url, _ = server
    for _ in range(2):
        ask(url, "What is a good banana bread recipe?")
    rated = ask(url, "Should I stretch during a back spasm?")
    httpx.post(url + "/api/feedback", json={"id": rated["id"], "rating": "down"})
    assert httpx.get(url + "/api/admin/report").status_code == 401
    assert httpx.get(url + "/api/admin/report", headers={"Authorization": "Bearer wrong"}).status_code == 401
    report = httpx.get(url + "/api/admin/report", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert report.status_code == 200, report.text
    data = report.json()
    counts = {g["label"]: g["count"] for g in data["groups"]}
    declined = [c for q, c in counts.items() if "banana" in q.lower()]
    assert declined and declined[0] >= 2
    assert data["ratings"]["down"] == 1
    assert sum(d["questions"] for d in data["per_day"]) >= 3


def test_the_admin_report_does_not_exist_without_a_token(fake_live_server: str) -> None:
    assert httpx.get(fake_live_server + "/api/admin/report").status_code == 404


def test_a_store_that_cannot_open_leaves_answers_working(fake_assistant: Assistant, tmp_path: Path) -> None:
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the data folder should be")
    settings = fake_assistant.settings.replace(data_dir=blocker / "data", rate_limit=1_000_000)
    thread = ServerThread(build_app(fake_assistant, settings=settings))
    url = thread.start()
    try:
        answer = ask(url, "Should I stretch during a back spasm?")
        response = httpx.post(url + "/api/feedback", json={"id": answer["id"], "rating": "up"})
        assert response.status_code == 503 and "error" in response.json()
    finally:
        thread.stop()
