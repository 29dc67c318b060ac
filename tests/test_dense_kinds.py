"""Every dense index kind: explicit ids, save/load, scores, the size rules, and recall of the approximate kind."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import faiss
import numpy as np
import pytest

from assistant.bench.synthetic import synthetic_vectors
from assistant.index.dense import (
    DEFAULT_KIND,
    EXACT_MAX,
    IVF_MIN_PROBE,
    KINDS,
    DenseIndex,
    FlatDense,
    IVFDense,
    build_dense,
    choose_kind,
    ivf_nlist,
    ivf_nprobe,
    load_dense,
    make_dense,
)


def _brute_force(vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """The ids of the k largest inner products per query, by numpy alone."""
    order = np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]
    return ids[order]


@pytest.fixture(scope="module")
def clustered() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """3,000 clustered vectors under shuffled, non-contiguous ids, and 40 held-out queries."""
    vectors = synthetic_vectors(3_000, 384, seed=3)
    ids = np.random.default_rng(3).permutation(3_000).astype(np.int64) * 7 + 11
    return vectors, ids, synthetic_vectors(40, 384, seed=3, stream=1)


def test_kinds_and_default() -> None:
    assert KINDS == ("flat", "ivf") and DEFAULT_KIND == "flat"
    for kind in KINDS:
        assert make_dense(kind, 8).kind == kind
    with pytest.raises(ValueError, match="Unknown dense index kind"):
        load_dense("hnsw-someday", Path("nowhere.faiss"))


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_round_trips_with_the_same_results_and_ids(kind: str, clustered, tmp_path: Path) -> None:
    vectors, ids, queries = clustered
    dense = make_dense(kind, 384)
    assert isinstance(dense, DenseIndex)
    dense.add(vectors[:2_000], ids[:2_000])  # IVF trains on the first batch it is given
    dense.add(vectors[2_000:], ids[2_000:])
    assert (dense.kind, dense.ntotal, dense.dimension) == (kind, 3_000, 384)
    np.testing.assert_array_equal(dense.ids(), ids)  # storage order is insertion order, for every kind
    scores, found = dense.search(queries, 10)
    assert found.shape == scores.shape == (40, 10) and set(found.ravel().tolist()) <= set(ids.tolist())
    assert np.all(np.diff(scores, axis=1) <= 1e-6)  # best first

    dense.save(tmp_path / "dense.faiss")
    again = load_dense(kind, tmp_path / "dense.faiss")
    assert type(again) is type(dense) and (again.kind, again.ntotal, again.dimension) == (kind, 3_000, 384)
    np.testing.assert_array_equal(again.ids(), ids)
    again_scores, again_found = again.search(queries, 10)
    np.testing.assert_array_equal(again_found, found)
    np.testing.assert_array_equal(again_scores, scores)
    if isinstance(dense, IVFDense):
        assert isinstance(again, IVFDense)
        assert (again.nlist, again.nprobe) == (dense.nlist, dense.nprobe)  # stored in the file


@pytest.mark.parametrize("kind", KINDS)
def test_scores_match_brute_force(kind: str, clustered, tmp_path: Path) -> None:
    vectors, ids, queries = clustered
    dense = build_dense(vectors, ids, kind)
    rows = [5, 2_999, 0, 1_234]
    expected = vectors[rows] @ queries[0]
    np.testing.assert_allclose(dense.scores(queries[0], ids[rows].tolist()), expected, rtol=1e-5, atol=1e-6)
    dense.save(tmp_path / "dense.faiss")
    loaded = load_dense(kind, tmp_path / "dense.faiss")
    np.testing.assert_allclose(loaded.scores(queries[0], ids[rows]), expected, rtol=1e-5, atol=1e-6)
    # The scores search reports are these inner products too.
    scores, found = loaded.search(queries[:1], 5)
    position = {int(i): r for r, i in enumerate(ids)}
    np.testing.assert_allclose(scores[0], vectors[[position[int(i)] for i in found[0]]] @ queries[0], rtol=1e-5)


def test_size_rules() -> None:
    assert choose_kind(1) == choose_kind(EXACT_MAX) == "flat"
    assert choose_kind(EXACT_MAX + 1) == choose_kind(10**6) == "ivf"
    assert ivf_nlist(1_000_000) == 4_000 and ivf_nlist(100_000) == 1_265  # round(4·√n)
    assert ivf_nlist(2_000) == 2_000 // 39 and ivf_nlist(10) == 1  # at least 39 training points a list
    assert ivf_nprobe(4_000) == 60  # 1.5 % of the lists
    assert ivf_nprobe(1_265) == IVF_MIN_PROBE and ivf_nprobe(10) == 10  # the floor, or every list
    assert all(ivf_nprobe(a) <= ivf_nprobe(b) for a, b in zip(range(1, 5000, 7), range(8, 5007, 7), strict=True))


def test_build_dense_chooses_by_size(clustered) -> None:
    vectors, ids, _ = clustered
    assert isinstance(build_dense(vectors, ids), FlatDense)  # 3,000 <= EXACT_MAX
    dense = build_dense(vectors, ids, "ivf")
    assert isinstance(dense, IVFDense)
    assert dense.nlist == ivf_nlist(3_000) and dense.nprobe == ivf_nprobe(ivf_nlist(3_000))


def test_approximate_recall_at_10_against_numpy_brute_force(clustered) -> None:
    vectors, ids, queries = clustered
    dense = build_dense(vectors, ids, "ivf")
    _, found = dense.search(queries, 10)
    truth = _brute_force(vectors, ids, queries, 10)
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found.tolist(), truth.tolist(), strict=True)])
    assert recall >= 0.95, recall


def test_training_is_seeded(clustered) -> None:
    vectors, ids, queries = clustered
    first = build_dense(vectors, ids, "ivf").search(queries, 10)
    second = build_dense(vectors, ids, "ivf").search(queries, 10)
    np.testing.assert_array_equal(first[1], second[1])


def test_build_dense_reads_a_memory_map(tmp_path: Path) -> None:
    array = np.lib.format.open_memmap(tmp_path / "v.npy", mode="w+", dtype=np.float32, shape=(2_500, 384))
    synthetic_vectors(2_500, 384, seed=1, out=array)
    dense = build_dense(np.load(tmp_path / "v.npy", mmap_mode="r"), np.arange(2_500), "ivf")
    assert dense.ntotal == 2_500 and dense.ids().tolist() == list(range(2_500))


@pytest.mark.parametrize("kind", KINDS)
def test_a_loaded_index_is_read_only_and_checked(kind: str, clustered, tmp_path: Path) -> None:
    vectors, ids, _ = clustered
    build_dense(vectors[:500], ids[:500], kind).save(tmp_path / "dense.faiss")
    loaded = load_dense(kind, tmp_path / "dense.faiss")
    with pytest.raises(ValueError, match="read-only"):
        loaded.add(vectors[:1], np.array([1], dtype=np.int64))
    other = "ivf" if kind == "flat" else "flat"
    with pytest.raises(ValueError, match="does not hold"):
        load_dense(other, tmp_path / "dense.faiss")


def test_an_empty_ivf_index() -> None:
    dense = make_dense("ivf", 8)
    assert (dense.ntotal, dense.dimension, dense.ids().size) == (0, 8, 0)
    scores, found = dense.search(np.ones((2, 8), dtype=np.float32), 3)
    assert found.shape == (2, 3) and np.all(found == -1)
    with pytest.raises(ValueError, match="nothing to save"):
        dense.save(Path("never-written.faiss"))


def _rss_anon_mb() -> float | None:
    from assistant.bench.latency import proc_status_mib

    value = proc_status_mib("RssAnon")
    return None if math.isnan(value) else value


@pytest.mark.parametrize("kind", KINDS)
def test_loading_maps_the_vectors_instead_of_copying_them(kind: str, tmp_path: Path) -> None:
    """The vectors stay in the file: loading ~60 MB adds little private (anonymous) memory."""
    if _rss_anon_mb() is None:
        pytest.skip("needs /proc/self/status")
    vectors = np.random.default_rng(0).standard_normal((40_000, 384), dtype=np.float32)
    dense = make_dense(kind, 384)
    if isinstance(dense, IVFDense):
        dense.train(vectors[:2_000])  # few lists: this test is about loading, not about k-means
    dense.add(vectors, np.arange(40_000, dtype=np.int64))
    dense.save(tmp_path / "dense.faiss")
    del dense
    file_mb = (tmp_path / "dense.faiss").stat().st_size / 2**20
    before = _rss_anon_mb()
    loaded = load_dense(kind, tmp_path / "dense.faiss")
    after = _rss_anon_mb()
    assert before is not None and after is not None
    assert after - before < 0.25 * file_mb, (after - before, file_mb)
    np.testing.assert_allclose(loaded.scores(vectors[7], [7]), [vectors[7] @ vectors[7]], rtol=1e-5)


def test_single_queries_leave_the_callers_thread_setting_alone(clustered) -> None:
    vectors, ids, queries = clustered
    dense = build_dense(vectors, ids, "ivf")
    before = faiss.omp_get_max_threads()
    expected = dense.search(queries, 10)[1]
    results: dict[int, np.ndarray] = {}

    def search(i: int) -> None:
        results[i] = np.vstack([dense.search(q[None], 10)[1] for q in queries])

    workers = [threading.Thread(target=search, args=(i,)) for i in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert faiss.omp_get_max_threads() == before
    for found in results.values():
        np.testing.assert_array_equal(found, expected)
