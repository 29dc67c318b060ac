"""One service behind every entrance, one wire shape, one id per answer.

``/api/ask`` and the Gradio chat both answer through ``assistant.web.service.answered``;
the answer's JSON, its OpenAPI schema and ``Answer.to_dict()`` all come from
``assistant.schemas.AnswerOut``; and every answer carries a fresh id, the same
in its JSON and in the chat's HTML.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import assistant.web.service
from assistant.answer import Answer
from assistant.core import Assistant
from assistant.errors import QuestionError
from assistant.schemas import AnswerOut, PassageContext, SnippetOut
from assistant.web.app import build_app
from assistant.web.routes import ask
from assistant.web.ui import answer_id_class

from .support import complete_event

QUESTION = "Can stretching make back spasms worse?"
HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def service_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Answer]]:
    """Every call of the service function, with the answer it returned (it still answers as before)."""
    calls: list[tuple[str, Answer]] = []
    original = assistant.web.service.answered

    def recording(served: Assistant, question: str, *args: Any) -> Answer:
        answer = original(served, question, *args)
        calls.append((question, answer))
        return answer

    monkeypatch.setattr(assistant.web.service, "answered", recording)
    return calls


@pytest.fixture(scope="module")
def http(fake_live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_live_server, timeout=30) as client:
        yield client


def chat(http: httpx.Client, question: str) -> str:
    """Ask on the chat page through Gradio's HTTP API; the ``complete`` (or ``error``) event's data."""
    response = http.post("/gradio_api/call/ask", json={"data": [question, None]})
    assert response.status_code == 200, response.text
    return complete_event(http, f"/gradio_api/call/ask/{response.json()['event_id']}")


def chat_answers(event: str) -> list[str]:
    """The answers' HTML in a chat's ``complete`` event, oldest first."""
    assert event.startswith("complete: "), event
    messages, _, _ = json.loads(event.split(": ", 1)[1])
    return [m["content"][0]["text"] for m in messages if m["role"] == "assistant"]


def ids_in(markup: str) -> list[str]:
    return re.findall(r"qa-answer-id-([0-9a-f]{32})", markup)


# --- One service -------------------------------------------------------------


def test_the_api_and_the_chat_call_the_same_service_function(
    http: httpx.Client, service_calls: list[tuple[str, Answer]]
) -> None:
    api = http.post("/api/ask", json={"question": QUESTION})
    assert api.status_code == 200
    answers = chat_answers(chat(http, "What stretches help?"))

    assert [question for question, _ in service_calls] == [QUESTION, "What stretches help?"]
    from_api, from_chat = (answer for _, answer in service_calls)
    assert api.json()["id"] == from_api.id
    assert ids_in(answers[-1]) == [from_chat.id]


def test_what_the_service_refuses_is_refused_on_both_paths(http: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(served: Assistant, question: str, *args: Any) -> Answer:
        raise QuestionError("Refused by the service.")

    monkeypatch.setattr(assistant.web.service, "answered", refuse)
    api = http.post("/api/ask", json={"question": QUESTION})
    assert api.status_code == 422 and api.json() == {"error": "Refused by the service."}
    event = chat(http, QUESTION)
    assert event.startswith("error: ") and "Refused by the service." in event


# --- The answer id -------------------------------------------------------------


def test_every_response_gets_a_fresh_id(http: httpx.Client) -> None:
    first, second = (http.post("/api/ask", json={"question": QUESTION}).json() for _ in range(2))
    assert HEX_ID.fullmatch(first["id"]) and HEX_ID.fullmatch(second["id"])
    assert first["id"] != second["id"]
    assert {**first, "id": ""} == {**second, "id": ""}  # nothing else differs


def test_the_chat_keeps_each_answers_id_across_turns(fake_live_server: str) -> None:
    from gradio_client import Client

    client = Client(fake_live_server + "/", verbose=False)
    first, _ = client.predict("What stretches help a back spasm?", api_name="/ask")
    (first_id,) = ids_in(first[1]["content"][0]["text"])
    history, _ = client.predict("How long should I hold a stretch?", api_name="/ask")
    ids = [ids_in(m["content"][0]["text"]) for m in history if m["role"] == "assistant"]
    assert ids[0] == [first_id]  # re-rendered with the same id
    assert len(ids[1]) == 1 and ids[1][0] != first_id


def test_answer_id_class_is_what_the_chat_renders(fake_assistant: Assistant) -> None:
    from assistant.web.ui import render_answer

    answer = fake_assistant.ask(QUESTION)
    assert render_answer(answer).startswith(f'<div class="qa-answer {answer_id_class(answer.id)}">')
    assert render_answer(answer) == render_answer(AnswerOut.from_answer(answer))


# --- One wire shape ------------------------------------------------------------


def test_openapi_answer_schema_is_the_answer_dict(fake_assistant: Assistant) -> None:
    app = build_app(fake_assistant, ui=False)
    with TestClient(app) as client:
        models = client.get("/openapi.json").json()["components"]["schemas"]
    data = fake_assistant.ask("Does heat help a back spasm?").to_dict()
    snippet = data["snippets"][0]
    assert list(models["AnswerOut"]["properties"]) == list(data) == list(AnswerOut.model_fields)
    assert list(models["SnippetOut"]["properties"]) == list(snippet) == list(SnippetOut.model_fields)
    assert list(models["PassageContext"]["properties"]) == list(PassageContext.model_fields)
    own = AnswerOut.model_json_schema(ref_template="#/components/schemas/{model}")
    assert models["AnswerOut"]["properties"] == own["properties"]
    assert models["AnswerOut"]["required"] == own["required"]
    (route,) = [r for r in ask.router.routes if isinstance(r, APIRoute) and r.path == "/api/ask"]
    assert route.response_model is AnswerOut


@pytest.mark.browser
def test_each_page_shows_the_id_of_the_answer_it_got(
    browser: Any, fake_live_server: str, service_calls: list[tuple[str, Answer]]
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        # The widget's page: the id of the JSON it read from /api/ask, on the answer's container.
        page.goto(fake_live_server + "/embed")
        with page.expect_response(lambda response: response.url.endswith("/api/ask")) as asked:
            page.locator("#chat-input").fill(QUESTION)
            page.locator("#chat-input").press("Enter")
        answer_id = asked.value.json()["id"]
        page.locator(".answer").first.wait_for()
        assert page.locator(".answer").first.get_attribute("data-answer-id") == answer_id
        assert page.locator("[data-doc], [data-start], [data-end]").count() == 0

        # The chat page: the id as a class, which Gradio's sanitizer keeps (it drops data- attributes).
        page.goto(fake_live_server + "/")
        box = page.locator("#chat-input textarea")
        box.fill(QUESTION)
        box.press("Enter")
        shown = page.locator("#chat .qa-answer").first
        shown.wait_for()
        assert [answer.id for _, answer in service_calls][0] == answer_id
        chat_id = service_calls[1][1].id
        assert chat_id != answer_id
        assert answer_id_class(chat_id) in (shown.get_attribute("class") or "").split()
    finally:
        context.close()
