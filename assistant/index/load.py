"""Load and verify the index: schema, checksums, freshness, and every span against the corpus.

Loading reads what retrieval needs and no more: the dense index, BM25, and
plain ``.npy`` arrays written at build time (the per-row centring terms), and
the second retriever's dense indexes, memory-mapped rather than copied into memory.
It never reads the embedding store (``embeddings/``, :mod:`.store`): that is
the build's cache, outside the manifest, and the checks here pass over it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..corpus import Document, load_corpus
from ..errors import IndexNotReady
from ..settings import Settings
from .dense import DenseIndex, load_dense
from .lexical import Lexicon
from .records import (
    BM25_DIR,
    CENTRED_NORMS,
    CENTROID,
    CENTROID_DOTS,
    DENSE,
    FORMAT_VERSION,
    MANIFEST,
    SECOND,
    SECOND_CENTRED,
    SECOND_CENTROID,
    SPANS,
    IndexedSpan,
    check_files,
    chunker_fingerprint,
    corrupt,
    parse_spans,
    read_manifest,
)

__all__ = ["Index", "check_files", "check_fresh", "index_status", "load_index", "read_manifest"]


@dataclass
class Index:
    """A loaded, verified index and the documents it was built from.

    Row ``i`` of ``spans`` is id ``i`` of ``dense`` and document ``i`` of ``lexicon``.
    """

    spans: list[IndexedSpan]
    documents: dict[str, Document]
    dense: DenseIndex
    lexicon: Lexicon
    centroid: np.ndarray
    #: Per row: its vector's dot product with the centroid, and the norm of the vector minus the centroid.
    centroid_dots: np.ndarray
    centred_norms: np.ndarray
    manifest: dict[str, Any] = field(default_factory=dict)
    #: The second retriever's passage vectors (ids are rows of ``spans``), or None.
    second: DenseIndex | None = None
    #: The second retriever's rows centred on their own mean and normalised (ids as above), and that mean.
    second_centred: DenseIndex | None = None
    second_centroid: np.ndarray | None = None
    #: Per model, what the build that made this index did with the embedding store (empty when loaded).
    build_stats: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.second is None) != (self.second_centred is None) or (self.second is None) != (
            self.second_centroid is None
        ):
            raise ValueError("the second retriever's vectors, centred rows and centroid come together")

    def second_search(self, query: np.ndarray, k: int) -> tuple[dict[int, float], float] | None:
        """The second retriever's view of a question (its query vector), None without one.

        Returns the ``k`` rows whose centred cosine with the question is highest
        (row -> cosine), and the highest plain cosine of any row. As for the
        main model, centring on the corpus removes the topic every sentence
        shares, so what is distinctive in the question decides; the plain
        cosine says how close the source comes to the question at all. Both
        are searches of a dense index (exact or IVF by size), so a query does
        not read every row of a large corpus.
        """
        if self.second is None or self.second_centred is None or self.second_centroid is None:
            return None
        plain = np.asarray(query, dtype=np.float32).reshape(1, -1)
        best, _ = self.second.search(plain, 1)
        scores, rows = self.second_centred.search(self._second_moved(plain), k)
        top = {int(r): float(s) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0}
        return top, float(best[0, 0])

    def second_scores(self, query: np.ndarray, rows: list[int]) -> dict[int, float]:
        """Centred cosine of the given rows with the second retriever's query vector (empty without one)."""
        if self.second_centred is None or self.second_centroid is None or not rows:
            return {}
        moved = self._second_moved(np.asarray(query, dtype=np.float32).reshape(1, -1))[0]
        values = self.second_centred.scores(moved, rows)
        return {r: float(v) for r, v in zip(rows, values, strict=True)}

    def _second_moved(self, query: np.ndarray) -> np.ndarray:
        """The query rows moved by minus the second retriever's centroid and normalised."""
        assert self.second_centroid is not None
        moved = query - self.second_centroid
        norms = np.linalg.norm(moved, axis=1, keepdims=True)
        result: np.ndarray = (moved / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        return result

    def __len__(self) -> int:
        return len(self.spans)

    def centred_cosine(self, query: np.ndarray, rows: list[int], dots: dict[int, float]) -> dict[int, float]:
        """Cosine between query and rows after both are moved by minus the centroid.

        ``dots`` holds the plain dot products already computed for the rows, so
        nothing is recomputed: (v-c)·(q-c) = v·q - v·c - q·c + c·c.
        """
        if not rows:
            return {}
        c = self.centroid
        q_dot_c = float(query @ c)
        c_dot_c = float(c @ c)
        q_norm = float(np.linalg.norm(query - c)) or 1.0
        # All rows at once, in float64 as the terms were summed one row at a time before (the memory
        # map is read once per question, not twice per row).
        at = np.asarray(rows, dtype=np.int64)
        norms = np.asarray(self.centred_norms[at], dtype=np.float64)
        num = np.array([dots[r] for r in rows]) - np.asarray(self.centroid_dots[at], dtype=np.float64) - q_dot_c
        values = (num + c_dot_c) / (np.where(norms == 0, 1.0, norms) * q_norm)
        return dict(zip(rows, values.tolist(), strict=True))


def check_fresh(manifest: dict[str, Any], documents: list[Document], settings: Settings) -> None:
    """Raise ``IndexNotReady("stale")`` when the corpus or settings no longer match the manifest."""
    where = settings.index_dir
    if manifest.get("format") != FORMAT_VERSION:
        found = manifest.get("format")
        raise IndexNotReady("stale", f"it has format {found}, this version reads {FORMAT_VERSION}", where)
    if manifest.get("model") != settings.model:
        built_with = manifest.get("model")
        raise IndexNotReady("stale", f"it was built with model {built_with!r}, settings say {settings.model!r}", where)
    if manifest.get("second_model") != settings.second_model:
        built_with = manifest.get("second_model")
        raise IndexNotReady(
            "stale", f"it was built with second model {built_with!r}, settings say {settings.second_model!r}", where
        )
    if manifest.get("chunker") != chunker_fingerprint(settings):
        raise IndexNotReady("stale", "the chunking settings or rules changed since it was built", where)
    built = manifest.get("documents") or {}
    current = {d.path: d.sha256 for d in documents}
    for path in sorted(set(built) | set(current)):
        if path not in current:
            raise IndexNotReady("stale", f"{path} was removed from the corpus", where)
        if path not in built:
            raise IndexNotReady("stale", f"{path} was added to the corpus", where)
        if built[path].get("sha256") != current[path]:
            raise IndexNotReady("stale", f"{path} changed since the index was built", where)


def index_status(settings: Settings) -> str:
    """``"ok"``, or the reason (missing, stale, corrupt) the index cannot be used: what loading it would say."""
    try:
        load_index(settings)
    except IndexNotReady as exc:
        return exc.reason
    return "ok"


def _mapped(path: Path) -> np.ndarray:
    """A plain ``.npy`` file, memory-mapped read-only (never unpickled)."""
    array: np.ndarray = np.load(path, mmap_mode="r", allow_pickle=False)
    return array


def load_index(settings: Settings) -> Index:
    """Load the index, refusing one that is missing, stale or corrupt.

    Every way the files can be wrong ends in ``IndexNotReady`` with one line
    that says what is wrong, never in another exception.
    """
    where = settings.index_dir
    manifest = read_manifest(where)  # checked against the schema
    documents = load_corpus(settings.corpus_dir)
    check_fresh(manifest, documents, settings)
    check_files(manifest, where)  # exactly the format's files, each matching its checksum
    by_path = {d.path: d for d in documents}
    for path, entry in sorted(manifest["documents"].items()):
        if entry["chars"] != len(by_path[path].text):
            raise corrupt(
                f"{MANIFEST} says {path} has {entry['chars']} characters, not {len(by_path[path].text)}", where
            )
    second = second_centred = second_centroid = None
    try:
        records = json.loads((where / SPANS).read_text("utf-8"))
        dense = load_dense(manifest["dense_kind"], where / DENSE)
        n_vectors, d, ids = dense.ntotal, dense.dimension, dense.ids()
        centroid = np.load(where / CENTROID, allow_pickle=False)
        centroid_dots = _mapped(where / CENTROID_DOTS)
        centred_norms = _mapped(where / CENTRED_NORMS)
        lexicon = Lexicon.load(where / BM25_DIR)
        lexicon_problem = lexicon.problem()
        if settings.second_model:
            second = load_dense(manifest["dense_kind"], where / SECOND)
            second_centred = load_dense(manifest["dense_kind"], where / SECOND_CENTRED)
            second_centroid = np.load(where / SECOND_CENTROID, allow_pickle=False)
    except Exception as exc:  # checksums passed, so this is a bug or a foreign file
        raise corrupt(f"its files cannot be read ({type(exc).__name__}: {exc})", where) from exc
    if lexicon_problem:
        raise corrupt(f"the BM25 index in {BM25_DIR}/ is not valid: {lexicon_problem}", where)

    spans, counts = parse_spans(records, {path: doc.text for path, doc in by_path.items()}, where)
    if counts != manifest["counts"]:
        raise corrupt(f"the counts in {MANIFEST} ({manifest['counts']}) are not those of {SPANS} ({counts})", where)
    n = len(spans)
    if n_vectors != n or lexicon.size != n:
        raise corrupt(f"there are {n} spans, {n_vectors} vectors and {lexicon.size} BM25 rows", where)
    if not np.array_equal(ids, np.arange(n, dtype=np.int64)):
        raise corrupt("the vector ids are not the span rows", where)
    if d != manifest["dimension"]:
        raise corrupt("the vector dimension disagrees with the manifest", where)
    if centroid.shape != (d,) or centroid.dtype != np.float32:
        raise corrupt(f"{CENTROID} does not fit the vectors", where)
    for name, array in ((CENTROID_DOTS, centroid_dots), (CENTRED_NORMS, centred_norms)):
        if array.shape != (n,) or array.dtype != np.float32:
            raise corrupt(f"{name} does not fit the spans", where)
    if second is not None:
        for name, each in ((SECOND, second), (SECOND_CENTRED, second_centred)):
            if each is None or each.ntotal != n or not np.array_equal(each.ids(), np.arange(n, dtype=np.int64)):
                raise corrupt(f"{name} does not fit the spans", where)
        if second_centred is None or second_centred.dimension != second.dimension:
            raise corrupt(f"{SECOND_CENTRED} does not fit {SECOND}", where)
        if (
            second_centroid is None
            or second_centroid.shape != (second.dimension,)
            or second_centroid.dtype != np.float32
        ):
            raise corrupt(f"{SECOND_CENTROID} does not fit {SECOND}", where)
    return Index(
        spans=spans,
        documents=by_path,
        dense=dense,
        lexicon=lexicon,
        centroid=centroid,
        centroid_dots=centroid_dots,
        centred_norms=centred_norms,
        manifest=manifest,
        second=second,
        second_centred=second_centred,
        second_centroid=second_centroid,
    )
