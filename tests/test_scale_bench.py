"""The synthetic corpora and the scale benchmark, on tiny sizes (no timing is asserted)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.bench.scale import plot_scale, recall_at_k, rss_mb, scale_bench
from assistant.bench.synthetic import synthetic_sentences, synthetic_vectors
from assistant.index.dense import EXACT_MAX, IVFDense, build_dense
from assistant.index.lexical import tokenize

DENSE_KEYS = {
    "n",
    "kind",
    "chosen",
    "build_s",
    "save_s",
    "file_mb",
    "load_s",
    "rss_before_load_mb",
    "rss_after_load_mb",
    "rss_load_delta_mb",
    "rss_anon_load_delta_mb",
    "rss_after_search_mb",
    "rss_anon_after_search_mb",
    "p50_ms",
    "p95_ms",
    "recall_at_10",
}
META_KEYS = {"sizes", "queries", "threads", "dim", "seed", "k", "exact_max", "cpus", "loadavg_before"}
META_KEYS |= {"loadavg_after", "started", "seconds", "versions", "python"}


# --- Synthetic vectors ----------------------------------------------------------


def test_vectors_are_deterministic_normalised_float32() -> None:
    first = synthetic_vectors(1_000, 64, seed=5)
    assert first.dtype == np.float32 and first.shape == (1_000, 64)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(first, synthetic_vectors(1_000, 64, seed=5))
    assert not np.allclose(first, synthetic_vectors(1_000, 64, seed=6))
    assert not np.allclose(first, synthetic_vectors(1_000, 64, seed=5, stream=1))


def test_vectors_for_n_are_a_prefix_of_those_for_more() -> None:
    np.testing.assert_array_equal(synthetic_vectors(100, 32, seed=2), synthetic_vectors(9_000, 32, seed=2)[:100])


def test_vectors_fill_a_given_array(tmp_path: Path) -> None:
    out = np.lib.format.open_memmap(tmp_path / "v.npy", mode="w+", dtype=np.float32, shape=(300, 16))
    assert synthetic_vectors(300, 16, seed=1, out=out) is out
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), synthetic_vectors(300, 16, seed=1))
    with pytest.raises(ValueError, match="shape"):
        synthetic_vectors(300, 16, out=np.empty((300, 8), dtype=np.float32))


def test_vectors_are_clustered_and_anisotropic_not_uniform_noise() -> None:
    data = synthetic_vectors(5_000, 384, seed=0)
    queries = synthetic_vectors(50, 384, seed=0, stream=1)
    noise = np.random.default_rng(0).standard_normal((5_000, 384)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    nearest = (queries @ data.T).max(axis=1).mean()
    nearest_in_noise = (queries @ noise.T).max(axis=1).mean()
    assert nearest > 0.5 > 0.25 > nearest_in_noise  # held-out queries have close neighbours in the data
    assert 0.02 < float((data[:500] @ data[500:1_000].T).mean()) < 0.3  # a shared direction, not a single blob
    # Anisotropic: the spread differs a lot between directions (for isotropic noise it would not).
    directions = np.random.default_rng(1).standard_normal((200, 384)).astype(np.float32)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    spread = ((data - data.mean(axis=0)) @ directions.T).var(axis=0)
    noise_spread = ((noise - noise.mean(axis=0)) @ directions.T).var(axis=0)
    assert spread.max() / spread.min() > 2 * noise_spread.max() / noise_spread.min()


# --- Synthetic sentences --------------------------------------------------------


def test_sentences_are_deterministic_and_prefixes() -> None:
    many = list(synthetic_sentences(5_000, seed=4))
    assert len(many) == 5_000
    assert list(synthetic_sentences(30, seed=4)) == many[:30]
    assert list(synthetic_sentences(30, seed=5)) != many[:30]
    assert all(s[0].isupper() and s.endswith(".") and 5 <= len(s.split()) <= 30 for s in many)


def test_sentence_words_follow_a_zipf_like_law() -> None:
    counts = Counter(token for text in synthetic_sentences(5_000, seed=0) for token in tokenize(text))
    frequencies = sorted(counts.values(), reverse=True)
    assert len(frequencies) > 1_000  # a long tail of rare words
    assert frequencies[0] > 20 * frequencies[len(frequencies) // 2]  # a few words are everywhere
    assert sum(1 for f in frequencies if f == 1) > len(frequencies) // 4  # and many appear once


# --- Recall ------------------------------------------------------------------


def test_recall_at_k_counts_the_overlap_in_any_order() -> None:
    truth = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    found = np.array([[4, 3, 9, -1], [8, 7, 6, 5]])
    assert recall_at_k(found, truth) == pytest.approx((2 / 4 + 4 / 4) / 2)
    assert recall_at_k(truth, truth) == 1.0
    with pytest.raises(ValueError):
        recall_at_k(found[:, :3], truth)


def test_recall_of_a_weakened_ivf_index_agrees_with_numpy_brute_force() -> None:
    """A recall that compared with the wrong list, or by position, would not give this number."""
    import faiss

    data = synthetic_vectors(3_000, 64, seed=9)
    queries = synthetic_vectors(60, 64, seed=9, stream=1)
    dense = build_dense(data, np.arange(3_000), "ivf")
    assert isinstance(dense, IVFDense)
    faiss.extract_index_ivf(dense._index).nprobe = 1  # one list only: recall clearly below 1
    _, found = dense.search(queries, 10)
    truth = np.argsort(-(queries @ data.T), axis=1)[:, :10]
    by_hand = np.mean([len(np.intersect1d(f, t)) / 10 for f, t in zip(found, truth, strict=True)])
    _, faiss_truth = faiss.knn(queries, data, 10, metric=faiss.METRIC_INNER_PRODUCT)
    assert 0.05 < by_hand < 0.95
    assert recall_at_k(found, faiss_truth) == pytest.approx(by_hand, abs=0.01)  # ties aside


# --- The benchmark --------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    messages: list[str] = []
    results = scale_bench(
        (500, 2_000),
        work_dir=tmp_path_factory.mktemp("scale"),
        queries=30,
        threads=1,
        progress=messages.append,
        isolate=False,
    )
    assert messages
    return results


def test_scale_bench_returns_the_documented_keys(tiny_run: dict[str, Any]) -> None:
    json.dumps(tiny_run)  # JSON-serialisable
    assert set(tiny_run) == {"meta", "dense", "bm25"}
    assert META_KEYS <= set(tiny_run["meta"]) and tiny_run["meta"]["exact_max"] == EXACT_MAX
    assert [(r["n"], r["kind"]) for r in tiny_run["dense"]] == [
        (500, "flat"),
        (500, "ivf"),
        (2_000, "flat"),
        (2_000, "ivf"),
    ]
    for row in tiny_run["dense"]:
        assert DENSE_KEYS <= set(row), DENSE_KEYS - set(row)
        assert row["chosen"] == (row["kind"] == "flat")  # both sizes are below the threshold
        assert row["file_mb"] > 0 and row["p95_ms"] >= row["p50_ms"] > 0 and 0 <= row["recall_at_10"] <= 1
        if row["kind"] == "flat":
            assert row["recall_at_10"] == 1.0  # exact search finds the brute-force neighbours
        else:
            assert row["nprobe"] <= row["nlist"]
    assert [r["n"] for r in tiny_run["bm25"]] == [500, 2_000]
    for row in tiny_run["bm25"]:
        assert {"n", "build_s", "vocabulary", "p50_ms", "p95_ms"} <= set(row) and row["vocabulary"] > 100


def test_scale_bench_measures_loading_in_a_subprocess(tmp_path: Path) -> None:
    results = scale_bench((300,), work_dir=tmp_path, queries=5, threads=1, bm25_max=0)
    assert results["bm25"] == [] and [r["kind"] for r in results["dense"]] == ["flat", "ivf"]
    assert all(r["rss_before_load_mb"] > 0 and r["recall_at_10"] > 0.5 for r in results["dense"])
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # vectors, queries and index files removed


def test_plot_scale_writes_a_png(tiny_run: dict[str, Any], tmp_path: Path) -> None:
    plot_scale(tiny_run, tmp_path / "plot" / "scale.png")
    assert (tmp_path / "plot" / "scale.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rss_is_measured() -> None:
    assert rss_mb() > 1
