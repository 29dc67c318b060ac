"""Shared fixtures: a tiny corpus, a deterministic fake embedder, and the real model once per session."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.index import build_index
from assistant.settings import REPO_ROOT, Settings
from assistant.testing import FakeEmbedder

DATA = Path(__file__).parent / "data"
FIXTURE_CORPUS = DATA / "corpus"
REPO_CORPUS = REPO_ROOT / "corpus"
DEV_QUESTIONS = REPO_ROOT / "eval" / "questions.json"

# Feedback that tests give goes to a folder of their own, never to the checkout's data/
# (set before any Settings is built; subprocesses inherit it).
os.environ["ASSISTANT_DATA_DIR"] = tempfile.mkdtemp(prefix="assistant-test-data-")


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def mini_settings(tmp_path: Path) -> Settings:
    """Settings over a private copy of the fixture corpus, with the index in a temp folder."""
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=FakeEmbedder.name, second_model=None)


@pytest.fixture
def mini_assistant(mini_settings: Settings, fake_embedder: FakeEmbedder) -> Assistant:
    build_index(mini_settings, fake_embedder)
    return Assistant.load(mini_settings, embedder=fake_embedder)


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The real bundled model over the real corpus, index built once into a temp folder."""
    from assistant.embedding import SentenceTransformerEmbedder

    settings = Settings(corpus_dir=REPO_CORPUS, index_dir=tmp_path_factory.mktemp("index"))
    embedder = SentenceTransformerEmbedder(settings.model)
    build_index(settings, embedder)
    yield Assistant.load(settings, embedder=embedder)
