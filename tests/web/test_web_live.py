"""Real servers on loopback: Gradio's own API, ``python app.py`` start-up, and ``serve`` refusing a bad index."""

from __future__ import annotations

import html
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from assistant.core import Assistant
from assistant.errors import IndexNotReady
from assistant.settings import REPO_ROOT, Settings
from assistant.web.app import serve

pytestmark = pytest.mark.model


def test_gradio_client_calls_the_chat_api(live_server: str, real_assistant: Assistant) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(live_server + "/", verbose=False)
    history, box = client.predict("What stretches help a back spasm?", api_name="/ask")
    assert box == ""
    assert [m["role"] for m in history] == ["user", "assistant"]
    answer = history[1]["content"][0]["text"]
    preamble = real_assistant.ask("What stretches help a back spasm?").preamble
    assert preamble and html.escape(preamble) in answer
    assert 'class="citation"' in answer and "[1] " in answer

    with pytest.raises(AppError, match="Please type a question"):
        client.predict("   ", api_name="/ask")

    # The conversation is the server's: a second question in the same session appends to it.
    history, _ = client.predict("How long should I hold a stretch?", api_name="/ask")
    assert [m["role"] for m in history] == ["user", "assistant"] * 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_app_py_listens_at_once_and_is_healthy_once_loaded(real_assistant: Assistant, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "ASSISTANT_INDEX_DIR": str(real_assistant.settings.index_dir),
        "HF_HUB_OFFLINE": "1",
    }
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    seen: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            if not seen or seen[-1] != response.status_code:
                seen.append(response.status_code)
            if response.status_code == 200:
                assert response.json() == {"status": "ok", "documents": 1, "spans": len(real_assistant.index)}
                break
            time.sleep(0.05)
        for path in ("/", "/healthz", "/gradio_api/info"):
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10)
    finally:
        # Ctrl+C, as people stop it.
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        log.close()
    output = (tmp_path / "server.log").read_text()
    assert seen == [503, 200], output
    # A clean stop, and a quiet log: no traceback, no line per request, no progress bars.
    assert code == 0, output
    assert "Traceback" not in output and "Stopped." in output
    assert "GET /" not in output and "Loading weights" not in output
    assert len(output.splitlines()) <= 6, output


def test_serve_stops_and_reports_a_missing_index(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "no-index", port=0)
    raised: list[BaseException] = []

    def run() -> None:
        try:
            serve(settings)
        except BaseException as exc:
            raised.append(exc)

    # A thread of its own: Playwright's sync API may hold an event loop in the main thread.
    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "serve() kept running although the assistant could not load"
    assert len(raised) == 1 and isinstance(raised[0], IndexNotReady)
    assert raised[0].reason == "missing"
