"""No file is ever read, copied or served on a client's behalf, by any way into the chat.

These are the attacks of a client on the public internet against a real server
on loopback: a chat "history" naming a file, a question that is a file, the
example buttons' hidden functions, uploads, and Gradio's file routes. Each must
get the same refusal whatever path it names, and Gradio's cache folder must stay
free of anything a client named.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.core import Assistant
from assistant.settings import REPO_ROOT
from assistant.web.gradio_guard import TEXT_ONLY, RefusedCall, check_call_body

from .conftest import GRADIO_TEMP_DIR
from .support import complete_event

SECRET = REPO_ROOT / "constraints.txt"
# A file that exists, one the project owns, and one that does not exist.
PATHS = ["/etc/passwd", str(SECRET), str(REPO_ROOT / "README.md"), "/nonexistent/secret.txt"]


def file_data(path: str) -> dict[str, Any]:
    return {"path": path, "meta": {"_type": "gradio.FileData"}}


def history_naming(path: str) -> list[dict[str, Any]]:
    """The chat history of the reported attack: one user message whose content is a file."""
    return [{"role": "user", "content": [{"type": "file", "file": file_data(path)}]}]


def cached_files() -> list[Path]:
    return [p for p in GRADIO_TEMP_DIR.rglob("*") if p.is_file()]


def assert_nothing_leaked(response: httpx.Response) -> None:
    body = response.text
    assert "file=" not in body and "gradio_api/file" not in body
    assert "root:" not in body  # the first bytes of /etc/passwd
    assert SECRET.read_text("utf-8")[:40] not in body
    names = {p.name for p in cached_files()}
    assert not names & {"passwd", "constraints.txt", "README.md", "secret.txt"}


@pytest.fixture(scope="module")
def http(fake_live_server: str) -> Any:
    with httpx.Client(base_url=fake_live_server, timeout=30) as client:
        yield client


# --- The reported request and its variants ---------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_the_reported_call_gets_one_refusal_for_every_path(http: httpx.Client, path: str) -> None:
    response = http.post("/gradio_api/call/ask", json={"data": ["hi", history_naming(path)]})
    assert response.status_code == 422
    assert response.json() == {"error": TEXT_ONLY}  # the same for files that exist and those that do not
    assert_nothing_leaked(response)


@pytest.mark.parametrize("fn_index", [0, 1, 2, 3, 4, 5, 99])
@pytest.mark.parametrize("path", ["/etc/passwd", "/nonexistent/secret.txt"])
def test_queue_join_with_any_fn_index_is_refused(http: httpx.Client, fn_index: int, path: str) -> None:
    for data in (["hi", history_naming(path)], [history_naming(path)], [file_data(path)], [file_data(path), None]):
        response = http.post(
            "/gradio_api/queue/join",
            json={"data": data, "fn_index": fn_index, "session_hash": "attacker1", "event_data": None},
        )
        assert response.status_code == 422, data
        assert response.json() == {"error": TEXT_ONLY}
        assert_nothing_leaked(response)


@pytest.mark.parametrize("path", PATHS)
def test_a_question_that_is_a_file_is_refused(http: httpx.Client, path: str) -> None:
    response = http.post("/gradio_api/call/ask", json={"data": [file_data(path), None]})
    assert response.status_code == 422 and response.json() == {"error": TEXT_ONLY}
    assert_nothing_leaked(response)


@pytest.mark.parametrize(
    "payload",
    [
        {"data": ["hi", None], "event_data": {"path": "/etc/passwd"}},
        {"data": ["hi", None], "unknown": 1},
        {"data": ["hi", None], "fn_index": True},
        {"data": "hi"},
        ["hi"],
        {"data": ["hi", [["user", "hello"]]]},
    ],
)
def test_other_shapes_are_refused(http: httpx.Client, payload: object) -> None:
    response = http.post("/gradio_api/call/ask", json=payload)
    assert response.status_code == 422 and response.json() == {"error": TEXT_ONLY}


def test_a_text_question_still_gets_a_text_answer_and_never_echoes_a_sent_history(http: httpx.Client) -> None:
    # A string in the history slot passes the guard, but the chat never reads it:
    # its history is the server's own state.
    response = http.post("/gradio_api/call/ask", json={"data": ["What stretches help?", "SENT-HISTORY /etc/passwd"]})
    assert response.status_code == 200
    result = complete_event(http, f"/gradio_api/call/ask/{response.json()['event_id']}")
    assert result.startswith("complete: ")
    messages, state, textbox = json.loads(result.split(": ", 1)[1])
    assert state is None  # the conversation stays on the server
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert all(part["type"] == "text" for m in messages for part in m["content"])
    assert "SENT-HISTORY" not in result and "/etc/passwd" not in result
    assert 'class="citation"' in messages[1]["content"][0]["text"] and textbox == ""
    assert_nothing_leaked(response)


# --- Uploads and file routes -----------------------------------------------


@pytest.mark.parametrize("route", ["/gradio_api/upload", "/upload", "/gradio_api/upload?upload_id=x"])
def test_uploads_are_refused_and_nothing_is_written(http: httpx.Client, route: str) -> None:
    before = set(cached_files())
    response = http.post(route, files={"files": ("evil.txt", b"x" * 100_000, "text/plain")})
    assert 400 <= response.status_code < 500
    assert set(cached_files()) == before


@pytest.mark.parametrize(
    "route",
    [
        "/gradio_api/file=/etc/passwd",
        "/file=/etc/passwd",
        "/gradio_api/file/etc/passwd",
        "/gradio_api/proxy=http://127.0.0.1/",
        "/gradio_api/stream/x",
        "/gradio_api/upload_progress",
        "/gradio_api/run/ask",
        "/gradio_api/component_server",
        "/gradio_api/process_recording",
        "/gradio_api/custom_component/1/x/y/z.js",
    ],
)
def test_file_and_unused_gradio_routes_are_closed(http: httpx.Client, route: str) -> None:
    for method in ("GET", "POST"):
        response = http.request(method, route)
        assert response.status_code == 404, (method, route)
        assert "root:" not in response.text


# --- Rules in isolation ------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": ["q", null]}',
        b'{"data": [], "fn_index": 3, "session_hash": "abc", "event_data": null, "trigger_id": 12}',
        b'{"data": ["q"], "simple_format": true}',
    ],
)
def test_plain_text_calls_pass(body: bytes) -> None:
    check_call_body(body, max_items=4, max_chars=100)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"data": ["' + b"x" * 101 + b'"]}',
        b'{"data": ["a", "b", "c", "d", "e"]}',
        b'{"data": [1]}',
        b'{"data": [true]}',
        b'{"data": [{"path": "/etc/passwd"}]}',
        b'{"data": [["/etc/passwd"]]}',
        b'{"data": [], "session_hash": "' + b"s" * 65 + b'"}',
        b'{"data": [], "fn_index": "0"}',
        b'{"data": [], "trigger_id": 1.5}',
    ],
)
def test_anything_else_is_refused(body: bytes) -> None:
    with pytest.raises(RefusedCall):
        check_call_body(body, max_items=4, max_chars=100)


def test_the_chat_functions_take_no_client_history(fake_assistant: Assistant) -> None:
    """Every function of the page reads only a text box and server-side state, never the chat component."""
    import gradio as gr

    from assistant.web.ui import build_blocks

    blocks = build_blocks(fake_assistant.ask, fake_assistant.settings)
    functions = list(blocks.fns.values())
    assert functions
    for function in functions:
        kinds = {type(block) for block in function.inputs}
        assert kinds <= {gr.Textbox, gr.State}, function.name
