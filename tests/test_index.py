import json
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import CorpusError, IndexNotReady
from assistant.index import BM25_DIR, MANIFEST, build_index, index_status, load_index
from assistant.settings import Settings

from .conftest import FakeEmbedder


def _reason(settings: Settings) -> str:
    with pytest.raises(IndexNotReady) as info:
        load_index(settings)
    assert "assistant index --rebuild" in str(info.value)
    return info.value.reason


def test_build_then_load_round_trips(mini_settings: Settings, fake_embedder: FakeEmbedder) -> None:
    built = build_index(mini_settings, fake_embedder)
    loaded = load_index(mini_settings)
    assert [s.span for s in loaded.spans] == [s.span for s in built.spans]
    assert loaded.dense.ntotal == len(loaded.spans) == loaded.lexicon.size
    np.testing.assert_allclose(loaded.centroid, built.centroid)
    manifest = json.loads((mini_settings.index_dir / MANIFEST).read_text())
    assert manifest["model"] == "fake-embedder"
    assert manifest["documents"]["neck.txt"]["sha256"] == loaded.documents["neck.txt"].sha256
    assert set(manifest["libraries"]) >= {"faiss-cpu", "bm25s", "sentence-transformers"}
    assert {"max_span_chars", "rules_sha256"} <= set(manifest["chunker"])
    assert index_status(mini_settings) == "ok"


def test_index_files_are_plain_and_no_temp_files_are_left(mini_settings: Settings, fake_embedder) -> None:
    build_index(mini_settings, fake_embedder)
    names = sorted(p.relative_to(mini_settings.index_dir).as_posix() for p in mini_settings.index_dir.rglob("*"))
    assert not [n for n in names if ".tmp" in n or "/." in n or n.startswith(".")]
    for npy in mini_settings.index_dir.rglob("*.npy"):
        np.load(npy, allow_pickle=False)  # raises if anything was pickled
    for js in mini_settings.index_dir.rglob("*.json"):
        json.loads(js.read_text())


def test_missing_index_is_reported(mini_settings: Settings) -> None:
    assert _reason(mini_settings) == "missing"
    assert index_status(mini_settings) == "missing"


def test_changed_corpus_makes_the_index_stale(mini_settings: Settings, fake_embedder) -> None:
    build_index(mini_settings, fake_embedder)
    doc = mini_settings.corpus_dir / "neck.txt"
    doc.write_text(doc.read_text() + " One more sentence.", encoding="utf-8")
    assert _reason(mini_settings) == "stale"
    (mini_settings.corpus_dir / "extra.md").write_text("A new document.", encoding="utf-8")
    assert _reason(mini_settings) == "stale"


def test_other_model_or_chunker_settings_make_the_index_stale(mini_settings: Settings, fake_embedder) -> None:
    build_index(mini_settings, fake_embedder)
    assert _reason(mini_settings.model_copy(update={"model": "another-model"})) == "stale"
    assert _reason(mini_settings.model_copy(update={"max_span_chars": 123})) == "stale"
    # Retrieval settings do not change what the index holds.
    load_index(mini_settings.model_copy(update={"dense_weight": 0.1}))


@pytest.mark.parametrize("victim", ["dense.faiss", "spans.json", "centroid.npy", f"{BM25_DIR}/params.index.json"])
def test_tampered_file_is_corrupt(mini_settings: Settings, fake_embedder, victim: str) -> None:
    build_index(mini_settings, fake_embedder)
    path = mini_settings.index_dir / victim
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert _reason(mini_settings) == "corrupt"


def test_deleted_file_and_garbled_manifest_are_corrupt(mini_settings: Settings, fake_embedder) -> None:
    build_index(mini_settings, fake_embedder)
    (mini_settings.index_dir / "dense.faiss").unlink()
    assert _reason(mini_settings) == "corrupt"
    (mini_settings.index_dir / MANIFEST).write_text("{ truncated")
    assert _reason(mini_settings) == "corrupt"


def test_rebuild_recovers_from_corruption(mini_settings: Settings, fake_embedder) -> None:
    build_index(mini_settings, fake_embedder)
    (mini_settings.index_dir / "spans.json").write_text("[]")
    assert index_status(mini_settings) == "corrupt"
    build_index(mini_settings, fake_embedder)
    assert index_status(mini_settings) == "ok"


def test_span_text_that_disagrees_with_the_corpus_is_refused(mini_settings: Settings, fake_embedder) -> None:
    """Even with matching checksums (manifest rewritten), a span that is not the corpus text is refused."""
    import hashlib

    build_index(mini_settings, fake_embedder)
    spans_path = mini_settings.index_dir / "spans.json"
    records = json.loads(spans_path.read_text())
    first = next(r for r in records if "row" in r)
    first["text"] = first["text"].replace("stretching", "running")
    spans_path.write_text(json.dumps(records))
    manifest_path: Path = mini_settings.index_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["spans.json"] = hashlib.sha256(spans_path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest))
    assert _reason(mini_settings) == "corrupt"


def test_corpus_with_nothing_quotable_is_a_corpus_error(mini_settings: Settings, fake_embedder) -> None:
    for doc in mini_settings.corpus_dir.glob("*.txt"):
        doc.write_text("Follow us on Instagram. Acme Media Inc. All rights reserved.", encoding="utf-8")
    with pytest.raises(CorpusError, match="no sentence that can be quoted"):
        build_index(mini_settings, fake_embedder)
    assert index_status(mini_settings) == "missing"
