"""How the dense and lexical indexes scale: build time, size, memory, latency and recall from 10^3 to 10^6.

``scale_bench`` builds, for each corpus size, the exact index (``flat``) and
the approximate one (``ivf``) over synthetic embedding-like vectors
(:func:`~assistant.bench.synthetic.synthetic_vectors`), saves each, and then
loads and queries it **in a fresh subprocess**, so the memory figures are those
of a process that only loaded the index (not one that also built it, holds the
vectors, and has a fragmented heap). Latency is measured there, per single
query (k=10), on the loaded, memory-mapped index, as the assistant would use
it. Recall@10 is measured against brute force (``faiss.knn`` over the raw
vectors), on held-out queries drawn from the same mixture as the data, not
from the index. BM25 (bm25s through :class:`~assistant.index.lexical.Lexicon`)
is timed on synthetic health sentences.

Run it from the command line::

    python -m assistant.bench.scale --work-dir /tmp/scale_run --json /tmp/scale_run/scale.json \\
        --plot /tmp/scale_run/scale.png

Timings depend on what else the machine is doing; the result records the load
average before and after, so a noisy run can be recognised.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..index.dense import EXACT_MAX, IVFDense, build_dense, choose_kind
from ..index.records import installed_versions
from .latency import proc_status_mib
from .synthetic import synthetic_sentences, synthetic_vectors

__all__ = ["DEFAULT_BM25_MAX", "K", "plot_scale", "recall_at_k", "rss_mb", "scale_bench"]

#: Neighbours per query.
K = 10
#: BM25 is measured up to this many sentences. A million take ~30 s to generate, tokenize and index on two
#: busy cores (p95 8.6 ms per query), well within a benchmark's budget, so the default covers every size.
DEFAULT_BM25_MAX = 1_000_000
#: Queries run (untimed) before the timed ones, so first-touch page faults and lazy setup are not counted.
WARMUP_QUERIES = 20
KINDS = ("flat", "ivf")


def rss_mb() -> float:
    """Resident set size of this process in MB (psutil when installed, else ``VmRSS`` in /proc/self/status)."""
    try:
        import psutil
    except ImportError:
        return proc_status_mib("VmRSS")
    return float(psutil.Process().memory_info().rss) / 2**20


def _memory() -> dict[str, float]:
    """Total resident memory, and the part that is anonymous (heap; not file pages mapped from the index)."""
    return {"rss_mb": round(rss_mb(), 1), "rss_anon_mb": round(proc_status_mib("RssAnon"), 1)}


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each query's true top-k ids (rows of ``truth``) that ``found`` (same shape) has, any order."""
    found, truth = np.asarray(found), np.asarray(truth)
    if found.shape != truth.shape or found.ndim != 2:
        raise ValueError(f"expected two q x k id arrays, got {found.shape} and {truth.shape}")
    hits = [len(set(f[f >= 0].tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True)]
    return float(np.mean(hits) / truth.shape[1]) if hits else float("nan")


def _percentiles(seconds: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(seconds, dtype=np.float64) * 1e3
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p95_ms": round(float(np.percentile(ms, 95)), 3)}


# --- The subprocess that loads and queries one index ------------------------


def _measure_loaded(kind: str, index_path: Path, queries_path: Path, threads: int) -> tuple[dict[str, Any], np.ndarray]:
    """Load ``index_path`` as ``kind``, then time each query alone; the figures and the ids found."""
    import faiss

    from ..index.dense import load_dense

    faiss.omp_set_num_threads(threads)
    queries = np.load(queries_path)
    gc.collect()
    before = _memory()
    start = time.perf_counter()
    dense = load_dense(kind, index_path)
    load_s = time.perf_counter() - start
    after_load = _memory()
    for query in queries[:WARMUP_QUERIES]:
        dense.search(query[None], K)
    found = np.empty((queries.shape[0], K), dtype=np.int64)
    seconds = []
    for i, query in enumerate(queries):
        start = time.perf_counter()
        _, ids = dense.search(query[None], K)
        seconds.append(time.perf_counter() - start)
        found[i] = ids[0]
    after_search = _memory()
    figures = {
        "load_s": round(load_s, 3),
        "rss_before_load_mb": before["rss_mb"],
        "rss_after_load_mb": after_load["rss_mb"],
        "rss_load_delta_mb": round(after_load["rss_mb"] - before["rss_mb"], 1),
        "rss_anon_load_delta_mb": round(after_load["rss_anon_mb"] - before["rss_anon_mb"], 1),
        "rss_after_search_mb": after_search["rss_mb"],
        "rss_anon_after_search_mb": after_search["rss_anon_mb"],
        **_percentiles(seconds),
    }
    return figures, found


def _run_loaded(kind: str, index_path: Path, queries_path: Path, threads: int) -> tuple[dict[str, Any], np.ndarray]:
    """:func:`_measure_loaded` in a fresh Python process (clean memory figures); its figures and found ids."""
    found_path = index_path.with_suffix(".found.npy")
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads)}
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "assistant.bench.scale", "_loaded", kind, str(index_path)]
    command += [str(queries_path), str(found_path), str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"measuring {index_path.name} failed:\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    found = np.load(found_path)
    found_path.unlink()
    return figures, found


# --- The benchmark ------------------------------------------------------------


def _dense_row(
    n: int,
    kind: str,
    vectors: np.ndarray,
    truth: np.ndarray,
    work_dir: Path,
    queries_path: Path,
    threads: int,
    isolate: bool,
) -> dict[str, Any]:
    """Build, save, load (in a subprocess) and query one index of the first ``n`` vectors."""
    start = time.perf_counter()
    dense = build_dense(vectors[:n], np.arange(n, dtype=np.int64), kind)
    build_s = time.perf_counter() - start
    row: dict[str, Any] = {"n": n, "kind": kind, "chosen": choose_kind(n) == kind, "build_s": round(build_s, 3)}
    if isinstance(dense, IVFDense):
        row.update(nlist=dense.nlist, nprobe=dense.nprobe)
    path = work_dir / f"{kind}-{n}.faiss"
    start = time.perf_counter()
    dense.save(path)
    row["save_s"] = round(time.perf_counter() - start, 3)
    row["file_mb"] = round(path.stat().st_size / 2**20, 2)
    del dense
    gc.collect()
    if isolate:
        figures, found = _run_loaded(kind, path, queries_path, threads)
    else:
        figures, found = _measure_loaded(kind, path, queries_path, threads)
    row.update(figures)
    row["recall_at_10"] = round(recall_at_k(found, truth), 4)
    path.unlink()
    return row


def _bm25_rows(sizes: Sequence[int], n_queries: int, seed: int, say: Callable[[str], None]) -> list[dict[str, Any]]:
    """Build BM25 over the first n synthetic sentences for each size; time a query as retrieval runs it
    (``Lexicon.matches``, then the top k of the rows that matched)."""
    from ..index.lexical import Lexicon, tokenize

    if not sizes:
        return []
    largest = max(sizes)
    say(f"bm25: generating {largest + n_queries:,} sentences")
    sentences = list(synthetic_sentences(largest + n_queries, seed))
    questions = [tokenize(text) for text in sentences[largest:]]  # the same vocabulary, not in the corpus
    rows = []
    for n in sorted(sizes):
        start = time.perf_counter()
        lexicon = Lexicon.build(sentences[:n])
        build_s = time.perf_counter() - start
        for tokens in questions[:WARMUP_QUERIES]:
            lexicon.matches(tokens).top(K)
        seconds = []
        matched = []
        for tokens in questions:
            start = time.perf_counter()
            found = lexicon.matches(tokens)
            found.top(K)
            seconds.append(time.perf_counter() - start)
            matched.append(int(np.count_nonzero(found.scores)) if found.rows is None else found.rows.size)
        row = {
            "n": n,
            "build_s": round(build_s, 3),
            "vocabulary": len(lexicon.vocabulary),
            "matched_rows_p50": int(np.median(matched)),
            **_percentiles(seconds),
        }
        say(f"bm25 n={n:,}: build {row['build_s']} s, p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms")
        rows.append(row)
        del lexicon
        gc.collect()
    return rows


def _versions() -> dict[str, str]:
    names = ("faiss-cpu", "numpy", "bm25s", "psutil")
    found = installed_versions(names)
    return {name: found.get(name, "not installed") for name in names}


def scale_bench(
    sizes: Sequence[int] = (1_000, 10_000, 100_000, 1_000_000),
    *,
    work_dir: Path,
    queries: int = 500,
    threads: int = 2,
    progress: Callable[[str], None] | None = None,
    dim: int = 384,
    seed: int = 0,
    bm25_max: int = DEFAULT_BM25_MAX,
    isolate: bool = True,
) -> dict[str, Any]:
    """Measure both dense kinds at every size, and BM25 up to ``bm25_max`` sentences; a JSON-serialisable dict.

    The vectors for the largest size are generated once into
    ``work_dir/vectors.npy`` (memory-mapped) and every size uses a prefix of
    them; index files are written to ``work_dir`` and removed once measured.
    FAISS uses at most ``threads`` threads while building and searching
    (single queries run on one, see :data:`~assistant.index.dense.ONE_THREAD_BELOW`).
    Each index is loaded and queried in a fresh subprocess unless ``isolate``
    is False (faster, for tests: the memory figures then include whatever this
    process holds). ``dim``, ``seed`` and ``bm25_max`` shape the data.

    Returns ``{"meta": {...}, "dense": [row, ...], "bm25": [row, ...]}``.
    ``meta``: ``sizes``, ``queries``, ``threads``, ``dim``, ``seed``, ``k``,
    ``exact_max`` (the threshold of :func:`~assistant.index.dense.choose_kind`),
    ``cpus``, ``loadavg_before``/``loadavg_after``, ``started``, ``seconds``,
    ``versions``, ``python``. A dense row has ``n``, ``kind``, ``chosen``
    (whether :func:`~assistant.index.dense.choose_kind` picks it at n),
    ``build_s``, ``save_s``, ``file_mb``, ``load_s``, ``rss_before_load_mb``,
    ``rss_after_load_mb``, ``rss_load_delta_mb``, ``rss_anon_load_delta_mb``,
    ``rss_after_search_mb``, ``rss_anon_after_search_mb``, ``p50_ms``,
    ``p95_ms`` (one query, k=10), ``recall_at_10`` (against brute force), and
    for IVF ``nlist`` and ``nprobe``. A BM25 row has ``n``, ``build_s``,
    ``vocabulary``, ``matched_rows_p50`` and ``p50_ms``, ``p95_ms`` (the rows that hold a query word, then their
    top k, as retrieval takes them).
    """
    import faiss

    say = progress or (lambda message: None)
    sizes = sorted(int(n) for n in sizes)
    if not sizes or sizes[0] < 1:
        raise ValueError("sizes must be positive counts")
    work_dir.mkdir(parents=True, exist_ok=True)
    started, clock = datetime.now(UTC), time.perf_counter()
    load_before = list(os.getloadavg())
    threads_before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(threads)
    try:
        largest = sizes[-1]
        say(f"generating {largest:,} x {dim} vectors")
        vectors_path = work_dir / "vectors.npy"
        vectors = np.lib.format.open_memmap(vectors_path, mode="w+", dtype=np.float32, shape=(largest, dim))
        synthetic_vectors(largest, dim, seed, out=vectors)
        vectors.flush()
        query_vectors = synthetic_vectors(queries, dim, seed, stream=1)
        queries_path = work_dir / "queries.npy"
        np.save(queries_path, query_vectors)
        dense_rows = []
        for n in sizes:
            start = time.perf_counter()
            _, truth = faiss.knn(query_vectors, vectors[:n], K, metric=faiss.METRIC_INNER_PRODUCT)
            say(f"n={n:,}: brute-force neighbours in {time.perf_counter() - start:.1f} s")
            for kind in KINDS:
                row = _dense_row(n, kind, vectors, truth, work_dir, queries_path, threads, isolate)
                say(
                    f"n={n:,} {kind}: build {row['build_s']} s, file {row['file_mb']} MB, "
                    f"load +{row['rss_load_delta_mb']} MB RSS, p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, "
                    f"recall@10 {row['recall_at_10']}"
                )
                dense_rows.append(row)
        del vectors
        vectors_path.unlink()
        queries_path.unlink()
        bm25_rows = _bm25_rows([n for n in sizes if n <= bm25_max], queries, seed, say)
    finally:
        faiss.omp_set_num_threads(threads_before)
    meta = {
        "sizes": sizes,
        "queries": queries,
        "threads": threads,
        "dim": dim,
        "seed": seed,
        "k": K,
        "exact_max": EXACT_MAX,
        "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - clock, 1),
        "versions": _versions(),
        "python": platform.python_version(),
    }
    return {"meta": meta, "dense": dense_rows, "bm25": bm25_rows}


# --- Plot ----------------------------------------------------------------------


def plot_scale(results: dict[str, Any], path: Path) -> None:
    """Two log-log panels against corpus size: single-query p95 latency, and memory; exact vs approximate."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {"flat": ("exact (flat)", "tab:blue", "o"), "ivf": ("approximate (IVF)", "tab:orange", "s")}
    fig, (latency, memory) = plt.subplots(1, 2, figsize=(12, 4.8))
    for kind, (label, colour, marker) in styles.items():
        rows = sorted((r for r in results["dense"] if r["kind"] == kind), key=lambda r: r["n"])
        if not rows:
            continue
        n = [r["n"] for r in rows]
        latency.plot(n, [r["p95_ms"] for r in rows], marker=marker, color=colour, label=f"{label} p95")
        latency.plot(
            n, [r["p50_ms"] for r in rows], marker=marker, color=colour, alpha=0.4, ls=":", label=f"{label} p50"
        )
        if kind == "ivf":
            for r in rows:
                latency.annotate(
                    f"R@10 {r['recall_at_10']:.3f}",
                    (r["n"], r["p95_ms"]),
                    textcoords="offset points",
                    xytext=(4, -12),
                    fontsize=7,
                    color=colour,
                )
        memory.plot(
            n,
            [r["rss_load_delta_mb"] for r in rows],
            marker=marker,
            color=colour,
            label=f"{label}: RSS increase on load",
        )
        memory.plot(
            n,
            [r["file_mb"] for r in rows],
            marker=marker,
            color=colour,
            ls="--",
            alpha=0.6,
            label=f"{label}: index file (mapped; resident once queries touch it)",
        )
    bm25 = sorted(results.get("bm25", []), key=lambda r: r["n"])
    if bm25:
        latency.plot(
            [r["n"] for r in bm25], [r["p95_ms"] for r in bm25], marker="^", color="tab:green", label="BM25 p95"
        )
    exact_max = results.get("meta", {}).get("exact_max")
    for axis in (latency, memory):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("corpus size (sentences)")
        axis.grid(True, which="both", alpha=0.3)
        if exact_max:
            axis.axvline(exact_max, color="grey", ls="-.", lw=1)
    latency.axhline(10, color="red", lw=0.8, alpha=0.5)
    latency.set_ylabel("single-query latency, k=10 (ms)")
    latency.set_title("Query latency")
    memory.set_ylabel("MB")
    memory.set_title("Memory: RSS increase on load, and index file size")
    latency.legend(fontsize=7)
    memory.legend(fontsize=7)
    meta = results.get("meta", {})
    fig.suptitle(
        f"Dense index scaling: {meta.get('dim', '?')}-d synthetic vectors, {meta.get('threads', '?')} threads, "
        f"{meta.get('queries', '?')} queries; grey line: exact/approximate threshold",
        fontsize=9,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --- Command line -------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["_loaded"]:  # the measuring subprocess
        kind, index_path, queries_path, found_path, threads = args[1:6]
        figures, found = _measure_loaded(kind, Path(index_path), Path(queries_path), int(threads))
        np.save(found_path, found)
        print(json.dumps(figures))
        return 0
    parser = argparse.ArgumentParser(prog="python -m assistant.bench.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bm25-max", type=int, default=DEFAULT_BM25_MAX)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--plot", type=Path, help="draw the results here (PNG)")
    options = parser.parse_args(args)

    def say(message: str) -> None:
        print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    results = scale_bench(
        options.sizes,
        work_dir=options.work_dir,
        queries=options.queries,
        threads=options.threads,
        progress=say,
        bm25_max=options.bm25_max,
    )
    text = json.dumps(results, indent=1)
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(text + "\n", "utf-8")
    else:
        print(text)
    if options.plot:
        plot_scale(results, options.plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
