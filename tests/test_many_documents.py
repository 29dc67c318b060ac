"""A corpus of several documents: each cited by its own title and address, a sentence they share quoted once."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.core import Assistant
from assistant.index import build_index
from assistant.settings import Settings
from assistant.testing import FakeEmbedder

SHARED = "Gentle stretching eases a stiff neck within a few days."


def _corpus(folder: Path) -> None:
    folder.mkdir()
    (folder / "neck.txt").write_text(f"Neck pain basics. {SHARED} Heat packs help a stiff neck after work.\n")
    (folder / "neck.json").write_text(
        json.dumps({"title": "Neck pain", "source_url": "https://example.org/neck", "topic": "neck pain"})
    )
    (folder / "notes.md").write_text(f"# Desk work\n\n{SHARED} Take a break from the desk every hour.\n")


def test_each_document_is_cited_by_its_own_title_and_a_shared_sentence_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _corpus(corpus)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=FakeEmbedder.name, second_model=None)
    embedder = FakeEmbedder()
    assistant = Assistant(settings, embedder, build_index(settings, embedder))
    assert set(assistant.documents) == {"neck.txt", "notes.md"}

    answer = assistant.with_settings(fused_cover_threshold=-2.0).ask("Does gentle stretching ease a stiff neck?")
    data = answer.to_dict()
    texts = [s["text"] for s in data["snippets"]]
    assert texts.count(SHARED) == 1
    for snippet in data["snippets"]:
        if snippet["doc"] == "neck.txt":
            assert (snippet["title"], snippet["source_url"]) == ("Neck pain", "https://example.org/neck")
        else:
            assert snippet["source_url"] is None
    # Several documents: the fixed texts speak of "the source articles", and of the one topic given.
    assert "the source articles" in (answer.preamble or "")


def test_removing_a_document_removes_its_sentences(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _corpus(corpus)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=FakeEmbedder.name, second_model=None)
    embedder = FakeEmbedder()
    build_index(settings, embedder)
    (corpus / "notes.md").unlink()
    index = build_index(settings, embedder)
    assert {item.span.doc for item in index.spans} == {"neck.txt"}
    assistant = Assistant(settings, embedder, index)
    answer = assistant.with_settings(fused_cover_threshold=-2.0).ask("How often should I take a break from the desk?")
    assert all(s.span.doc == "neck.txt" for s in answer.snippets)
