"""The HTTP API, headers and pages, through FastAPI's TestClient (no model: the fake embedder)."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.core import Assistant
from assistant.errors import IndexNotReady, QuestionError
from assistant.safety import site_wording
from assistant.settings import Settings
from assistant.web.app import build_app
from assistant.web.readiness import readiness_of

DOC = "back-spasms-stretches-and-exercises.txt"
QUESTION = "Can stretching make back spasms worse?"


@pytest.fixture(scope="module")
def client(fake_assistant: Assistant) -> Iterator[TestClient]:
    with TestClient(build_app(fake_assistant, ui=False)) as test_client:
        yield test_client


def _with_origins(assistant: Assistant, origins: list[str]) -> Settings:
    return assistant.settings.replace(allowed_origins=origins)


# --- Health and loading ----------------------------------------------------


def test_healthz_is_503_while_loading_then_200(fake_assistant: Assistant) -> None:
    gate = threading.Event()

    def loader() -> Assistant:
        assert gate.wait(10)
        return fake_assistant

    app = build_app(loader=loader, settings=fake_assistant.settings, ui=False)
    with TestClient(app) as client:
        loading = client.get("/healthz")
        assert loading.status_code == 503
        assert loading.json() == {"status": "loading"}
        early = client.post("/api/ask", json={"question": QUESTION})
        assert early.status_code == 503
        assert early.headers["retry-after"]
        assert "starting up" in early.json()["error"]

        gate.set()
        assert readiness_of(app).wait(10)
        ready = client.get("/healthz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "documents": 1, "spans": len(fake_assistant.index)}
        assert client.post("/api/ask", json={"question": QUESTION}).status_code == 200


def test_healthz_reports_a_failed_load(fake_assistant: Assistant) -> None:
    def loader() -> Assistant:
        raise IndexNotReady("missing", "there is no manifest.json", "/nowhere")

    app = build_app(loader=loader, settings=fake_assistant.settings, ui=False)
    with TestClient(app) as client:
        assert readiness_of(app).wait(10)
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "error"}
        assert isinstance(readiness_of(app).error, IndexNotReady)


def test_the_loader_runs_once_per_app(fake_assistant: Assistant) -> None:
    calls: list[int] = []

    def loader() -> Assistant:
        calls.append(1)
        return fake_assistant

    app = build_app(loader=loader, settings=fake_assistant.settings, ui=False)
    for _ in range(2):  # each "with" runs the app's start-up again
        with TestClient(app) as client:
            assert readiness_of(app).wait(10)
            assert client.get("/healthz").status_code == 200
    assert calls == [1]


def test_build_app_wants_exactly_one_source_of_assistant(fake_assistant: Assistant) -> None:
    with pytest.raises(ValueError):
        build_app()
    with pytest.raises(ValueError):
        build_app(fake_assistant, loader=lambda: fake_assistant)


# --- /api/ask --------------------------------------------------------------


@pytest.fixture
def pinned_answer_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every answer gets the same id, so two answers to one question have equal dicts."""
    monkeypatch.setattr("assistant.answer.new_answer_id", lambda: "0" * 32)


@pytest.mark.usefixtures("pinned_answer_ids")
@pytest.mark.parametrize("question", [QUESTION, "What is the capital of France?", "I fell and my legs are numb"])
def test_ask_returns_exactly_the_answer_dict(client: TestClient, fake_assistant: Assistant, question: str) -> None:
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == fake_assistant.ask(question).to_dict()


def test_ask_happy_path_has_cited_quotes(client: TestClient, fake_assistant: Assistant) -> None:
    body = client.post("/api/ask", json={"question": QUESTION}).json()
    assert body["covered"] is True
    assert body["snippets"]
    text = fake_assistant.documents[DOC].text
    for snippet in body["snippets"]:
        assert text[snippet["start"] : snippet["end"]] == snippet["text"]


def _core_message(assistant: Assistant, question: object) -> str:
    with pytest.raises(QuestionError) as caught:
        assistant.check_question(question)
    return str(caught.value)


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (b"{}", 422, "'question' is missing"),
        (b'{"question": 5}', 422, "'question': Input should be a valid string"),
        (b'{"question": null}', 422, "'question': Input should be a valid string"),
        (b'{"question": ["a"]}', 422, "'question': Input should be a valid string"),
        (b'["question"]', 422, "Input should be a valid dictionary"),
        (b"", 422, "the request has no JSON body"),
        (b'{"question": ', 400, "not valid JSON"),
        (b"question=hi", 400, "not valid JSON"),
    ],
)
def test_bad_requests_get_a_json_error(client: TestClient, body: bytes, status: int, expected: str) -> None:
    response = client.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert list(response.json()) == ["error"]
    assert expected in response.json()["error"]


@pytest.mark.parametrize("question", ["", "   \n", "x" * 1001])
def test_empty_or_long_questions_get_the_core_message(
    client: TestClient, fake_assistant: Assistant, question: str
) -> None:
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 422
    assert response.json() == {"error": _core_message(fake_assistant, question)}


# --- /api/source -----------------------------------------------------------


def test_unknown_document_is_404(client: TestClient) -> None:
    response = client.get("/api/source/no-such-file.txt")
    assert response.status_code == 404
    assert "no-such-file.txt" in response.json()["error"]


def test_source_passage_is_split_at_the_quote(client: TestClient, fake_assistant: Assistant) -> None:
    text = fake_assistant.documents[DOC].text
    snippet = fake_assistant.ask(QUESTION).snippets[0].span
    response = client.get(f"/api/source/{DOC}", params={"start": snippet.start, "end": snippet.end, "around": 200})
    assert response.status_code == 200
    passage = response.json()
    assert passage["quote"] == snippet.text
    assert (passage["quote_start"], passage["quote_end"]) == (snippet.start, snippet.end)
    assert passage["before"] + passage["quote"] + passage["after"] == text[passage["start"] : passage["end"]]
    assert snippet.start - 200 <= passage["start"] <= snippet.start
    assert snippet.end <= passage["end"] <= snippet.end + 200
    assert passage["title"] == fake_assistant.documents[DOC].title
    assert passage["chars"] == len(text)


def test_source_whole_document(client: TestClient, fake_assistant: Assistant) -> None:
    text = fake_assistant.documents[DOC].text
    plain = client.get(f"/api/source/{DOC}").json()
    assert (plain["start"], plain["end"], plain["before"], plain["quote_start"]) == (0, len(text), text, None)
    marked = client.get(f"/api/source/{DOC}", params={"start": 10, "end": 20, "whole": "true"}).json()
    assert (marked["start"], marked["end"]) == (0, len(text))
    assert marked["before"] + marked["quote"] + marked["after"] == text


@pytest.mark.parametrize(
    "params", [{"start": 5}, {"start": 9, "end": 3}, {"start": 0, "end": 10**7}, {"start": -1, "end": 3}]
)
def test_bad_source_offsets_are_422(client: TestClient, params: dict[str, int]) -> None:
    response = client.get(f"/api/source/{DOC}", params=params)
    assert response.status_code == 422
    assert response.json()["error"]


def test_sources_lists_the_documents(client: TestClient, fake_assistant: Assistant) -> None:
    document = fake_assistant.documents[DOC]
    assert client.get("/api/sources").json() == [
        {"doc": DOC, "title": document.title, "source_url": document.source_url, "chars": len(document.text)}
    ]


# --- Pages, widget, docs ---------------------------------------------------


def test_widget_script(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "data-assistant-launcher" in response.text
    assert "data-assistant-frame" in response.text


def test_embed_page(client: TestClient, fake_assistant: Assistant) -> None:
    response = client.get("/embed")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert html.escape(site_wording(fake_assistant.settings).disclaimer) in response.text
    assert 'id="chat-input"' in response.text and 'id="source-viewer"' in response.text
    assert "$" not in response.text  # every template field was filled


def test_openapi_schema_is_typed(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    ask = schema["paths"]["/api/ask"]["post"]
    assert ask["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskRequest")
    assert ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AnswerOut")
    assert ask["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    answer = client.post("/api/ask", json={"question": QUESTION}).json()
    models = schema["components"]["schemas"]
    assert set(models["AnswerOut"]["properties"]) == set(answer)
    assert set(models["SnippetOut"]["properties"]) == set(answer["snippets"][0])


# --- Headers ---------------------------------------------------------------


def directives(response: object) -> dict[str, str]:
    """The response's Content-Security-Policy, directive name -> whole directive (each appears once)."""
    policy = response.headers["content-security-policy"]  # type: ignore[attr-defined]
    parts = [part.strip() for part in policy.split(";") if part.strip()]
    names = [part.split()[0] for part in parts]
    assert len(names) == len(set(names)), policy
    return {part.split()[0]: part for part in parts}


def frame_ancestors_of(response: object) -> str:
    return directives(response)["frame-ancestors"]


def test_pages_carry_a_strict_policy(fake_assistant: Assistant) -> None:
    with TestClient(build_app(fake_assistant)) as client:
        embed = directives(client.get("/embed"))
        assert embed["default-src"] == "default-src 'self'"
        assert embed["script-src"] == "script-src 'self'"  # nothing inline on our own page
        assert embed["base-uri"] == "base-uri 'none'"
        chat = directives(client.get("/"))
        assert chat["base-uri"] == "base-uri 'self'"  # Gradio sets a <base> to its own origin
        for policy in (embed, chat):
            assert policy["object-src"] == "object-src 'none'"
            assert "http" not in policy["default-src"] and "http" not in policy["connect-src"]


def test_html_pages_carry_exactly_the_allowed_frame_ancestors(fake_assistant: Assistant) -> None:
    origins = ["https://example.org", "http://localhost:*", "https://*.example.net"]
    app = build_app(fake_assistant, settings=_with_origins(fake_assistant, origins))
    with TestClient(app) as client:
        for path in ("/", "/embed"):
            response = client.get(path)
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/html")
            assert frame_ancestors_of(response) == (
                "frame-ancestors https://example.org http://localhost:* https://*.example.net"
            )
        api = client.get("/healthz")
        assert api.json()["status"] == "ok"  # the chat page mounted at / does not shadow the API
        for response in (api, client.get("/")):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"


def test_allowed_origins_come_from_the_environment(fake_assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_ALLOWED_ORIGINS", "https://a.example, http://localhost:8080")
    settings = Settings(corpus_dir=fake_assistant.settings.corpus_dir, index_dir=fake_assistant.settings.index_dir)
    with TestClient(build_app(fake_assistant, settings=settings, ui=False)) as client:
        policy = frame_ancestors_of(client.get("/embed"))
        assert policy == "frame-ancestors https://a.example http://localhost:8080"
        allowed = client.get("/healthz", headers={"Origin": "http://localhost:8080"})
        assert allowed.headers["access-control-allow-origin"] == "http://localhost:8080"
        other_port = client.get("/healthz", headers={"Origin": "http://localhost:8081"})
        assert "access-control-allow-origin" not in other_port.headers


def test_no_allowed_origins_means_no_framing(fake_assistant: Assistant) -> None:
    app = build_app(fake_assistant, settings=_with_origins(fake_assistant, []), ui=False)
    with TestClient(app) as client:
        response = client.get("/embed", headers={"Origin": "http://localhost:3000"})
        assert frame_ancestors_of(response) == "frame-ancestors 'none'"
        assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("origin", ["http://localhost:5173", "http://127.0.0.1:8000"])
def test_cors_echoes_allowed_origins(client: TestClient, origin: str) -> None:
    simple = client.post("/api/ask", json={"question": QUESTION}, headers={"Origin": origin})
    assert simple.headers["access-control-allow-origin"] == origin
    preflight = client.options(
        "/api/ask",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://localhost.evil.example:80", "https://localhost:5173", "null"]
)
def test_cors_ignores_other_origins(client: TestClient, origin: str) -> None:
    simple = client.post("/api/ask", json={"question": QUESTION}, headers={"Origin": origin})
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers
    preflight = client.options("/api/ask", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_api_docs_are_off_unless_asked_for(fake_assistant: Assistant) -> None:
    """Swagger UI and ReDoc load from a public CDN: not served by default; the schema always is."""
    with TestClient(build_app(fake_assistant, ui=False)) as client:
        assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
        assert client.get("/openapi.json").status_code == 200
    settings = fake_assistant.settings.replace(api_docs=True)
    with TestClient(build_app(fake_assistant, settings=settings, ui=False)) as client:
        assert client.get("/docs").status_code == 200
