"""Fixtures for the web tests: assistants over the real corpus, live servers on loopback, a browser.

Indexes are built into temporary folders, so these tests never depend on the
state of the repository's ``index/``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.embedding import Embedder
from assistant.index import build_index
from assistant.settings import REPO_ROOT, Settings
from assistant.testing import FakeEmbedder, ServerThread
from assistant.web.app import build_app

from .support import CHROMIUM, CHROMIUM_ARGS, PageServer

CORPUS = REPO_ROOT / "corpus"

# Gradio's cache and upload folder for the whole test session, so tests can
# check that nothing a client named was ever copied there. Set before Gradio is
# imported (the app imports it lazily).
GRADIO_TEMP_DIR = Path(tempfile.mkdtemp(prefix="gradio-test-"))
os.environ["GRADIO_TEMP_DIR"] = str(GRADIO_TEMP_DIR)


def _assistant(index_dir: Path, embedder: Embedder) -> Assistant:
    # Many tests share one client address (loopback): the rate limit has its own tests.
    settings = Settings(
        corpus_dir=CORPUS, index_dir=index_dir, model=embedder.name, second_model=None, rate_limit=1_000_000
    )
    return Assistant(settings, embedder, build_index(settings, embedder))


@pytest.fixture(scope="session")
def fake_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The real corpus with the fake embedder: fast, for API tests that need any answer."""
    return _assistant(tmp_path_factory.mktemp("web-fake-index"), FakeEmbedder())


@pytest.fixture(scope="session")
def live_server(real_assistant: Assistant) -> Iterator[str]:
    """The full app (chat page, API, widget) on 127.0.0.1 and a free port; yields its base URL."""
    # Many tests share one client address (loopback): the rate limit has its own tests.
    server = ServerThread(build_app(real_assistant, settings=real_assistant.settings.replace(rate_limit=1_000_000)))
    url = server.start()
    yield url
    server.stop()


@pytest.fixture(scope="session")
def fake_live_server(fake_assistant: Assistant) -> Iterator[str]:
    """The full app over the fake embedder on loopback: for HTTP tests that need a real server, not the model."""
    server = ServerThread(build_app(fake_assistant))
    url = server.start()
    yield url
    server.stop()


@pytest.fixture
def page_server() -> Iterator[Callable[[str], PageServer]]:
    servers: list[PageServer] = []

    def start(html: str) -> PageServer:
        servers.append(PageServer(html))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright (Playwright's own browser download is never used)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def host_page(widget_src: str, **data: str) -> str:
    """A minimal host site with the widget tag and some hostile CSS that must not reach the widget."""
    attributes = " ".join(f'data-{key}="{value}"' for key, value in data.items())
    return (
        "<!doctype html><html><head><title>Host site</title>"
        "<style>button { background: red !important; } * { color: green; }</style></head>"
        "<body><h1>A site that embeds the assistant</h1><p>Some of its own content.</p>"
        f'<script src="{widget_src}" async {attributes}></script></body></html>'
    )
