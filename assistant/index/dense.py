"""Dense vectors behind one protocol, with explicit, stable int64 ids.

A span's id is its row in ``spans.json``; the index stores it (FAISS
``IndexIDMap2``), so ids never depend on the order vectors were added in and
survive a save and load. ``make_dense(kind, dimension)`` picks the
implementation by name, and the manifest records the kind, so loading builds
the same one:

``"flat"``
    Exact inner product (``IndexFlatIP``). Every query reads every vector, so
    its latency grows linearly with the corpus.
``"ivf"``
    Approximate: ``IndexIVFFlat`` with an ``IndexFlatIP`` coarse quantizer.
    Vectors are split into ``nlist`` ≈ 4·√n lists by k-means, and a query reads
    only the ``nprobe`` lists nearest to it. Both numbers follow from the size
    (:func:`ivf_nlist`, :func:`ivf_nprobe`); ``nprobe`` is stored in the FAISS
    file, so a loaded index searches exactly as the saved one did.

:func:`choose_kind` picks exact search up to :data:`EXACT_MAX` vectors and IVF
above, and :func:`build_dense` chooses, trains and adds in one call.

Both kinds sit inside ``IndexIDMap2``: the inner index numbers vectors
0..n-1 in the order they were added, the wrapper maps those to the caller's
ids (and back, for :meth:`DenseIndex.scores`). For IVF the inner index keeps
an array direct map (8 bytes per vector) so a vector can be read back by its
position.

Loading maps the vectors from the file instead of copying them into memory,
where FAISS allows it (faiss-cpu >= 1.11):

* ``flat``: ``IO_FLAG_MMAP_IFC`` (the vectors of an ``IndexFlatCodes`` become
  a read-only view of the file);
* ``ivf``: ``IO_FLAG_MMAP`` (the inverted lists, which hold the vectors and
  their positions, are read as a read-only ``OnDiskInvertedLists`` over the
  same file; this hook needs a plain file reader, so it cannot be combined
  with ``IO_FLAG_MMAP_IFC``).

What is still read into memory is small: the id map and its reverse hash
(~55 bytes per vector), the IVF direct map (8 bytes per vector) and the IVF
centroids (``nlist`` x dimension floats). Measured at 10^6 vectors of 384
dimensions (a 1.5 GB file): loading adds 57 MB (flat) and 64 MB (IVF) to the
resident set. Pages of the file are read on first touch and belong to the
page cache, which the kernel can drop and processes share. The mapping is
read-only, so a loaded index is too: :meth:`DenseIndex.add` refuses it. A
build replaces ``dense.faiss`` with ``os.replace``, which leaves a loaded
mapping of the old file intact.

HNSW is not offered as a kind yet. Measured at 10^5 vectors it is as good as
IVF (M=32, efSearch=64: recall@10 0.991, p95 0.4 ms, built in 18 s against
IVF's 33 s), but its graph makes random reads across the whole file, which a
cold memory map serves slowly, and the name ``"hnsw"`` is what the manifest
tests use for an unknown kind.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

DEFAULT_KIND = "flat"

#: Up to this many vectors exact search is chosen, above it IVF. Measured with
#: :func:`assistant.bench.scale.scale_bench` (384 dimensions, 2 threads, 500 single queries, a busy 2-core
#: machine): exact search reads every vector, ~0.13 ms per 1,000 once the index outgrows the CPU cache,
#: p95 1.7 ms at 2·10^4, 6.5 ms at 5·10^4, 15-20 ms at 10^5, 190 ms at 10^6. IVF stays under 1 ms up to
#: 10^5 but returns ~1.5 % wrong neighbours (recall@10 0.985) and costs a training run (5 s at 2·10^4,
#: 20 s at 5·10^4). Up to 2·10^4 exact search costs under 2 ms, a small share of answering a
#: question, so it is kept for its exact results; beyond that its latency soon eats a 10 ms budget.
EXACT_MAX = 20_000

#: IVF lists per vector count: nlist ≈ IVF_LISTS_PER_ROOT · √n (FAISS's usual 4·√n to 16·√n, low end:
#: fewer, larger lists keep recall up at a given share of lists probed).
IVF_LISTS_PER_ROOT = 4
#: FAISS's k-means wants at least 39 training points per centroid; fewer lists are made rather than
#: training on too little.
MIN_POINTS_PER_LIST = 39
#: Training draws at most this many vectors per list (seeded, without replacement): enough for stable
#: centroids, and it bounds k-means to ~2.5·10^5 points at a million vectors instead of all of them.
TRAIN_POINTS_PER_LIST = 64
TRAIN_SEED = 20_240_601
#: Lists probed: this share of all lists, but never fewer than IVF_MIN_PROBE. See :func:`ivf_nprobe`.
IVF_PROBE_SHARE = 0.015
IVF_MIN_PROBE = 32


def ivf_nlist(n: int) -> int:
    """Number of IVF lists for ``n`` vectors: round(4·√n), capped so each list has 39 training points."""
    return max(1, min(round(IVF_LISTS_PER_ROOT * math.sqrt(n)), n // MIN_POINTS_PER_LIST))


def ivf_nprobe(nlist: int) -> int:
    """Lists a query reads: 1.5 % of them, at least 32 (all of them when there are fewer).

    Measured on clustered synthetic vectors (:func:`assistant.bench.synthetic.synthetic_vectors`),
    recall@10 depends mostly on how many lists are read, hardly on how many
    there are: 16 lists give 0.96-0.98 and 32 give 0.98-0.99 at every size
    from 10^4 to 10^6 vectors, so the floor of 32 is what keeps recall up
    where IVF is first chosen. Above ~2,130 lists (~3·10^5 vectors) the count grows with the
    index (1.5 % of lists, ~1.5 % of the vectors): real text has structure at
    more scales than the synthetic mixture, so a query's neighbours spread
    over more lists as lists get finer, and the share is the margin for that.
    At 10^6 vectors (4,000 lists of ~250) a query reads 60 lists, ~15,000
    vectors (~23 MB), against all 10^6 for exact search.
    """
    return max(1, min(nlist, max(IVF_MIN_PROBE, math.ceil(IVF_PROBE_SHARE * nlist))))


def choose_kind(n: int) -> str:
    """The kind :func:`build_dense` uses for ``n`` vectors: exact up to :data:`EXACT_MAX`, IVF above."""
    return "flat" if n <= EXACT_MAX else "ivf"


#: Searches of fewer queries than this run on the calling thread alone (FAISS switches from per-query
#: loops to BLAS at 20 queries too). A single query has little to split between threads, and each OpenMP
#: region (FAISS opens one to scan a flat index and another to map ids) must wait for every thread of its
#: team: on a busy machine that wait is a scheduler time slice. Measured on 2 cores with other work running,
#: one query against 10^4 vectors: p50 0.6 ms on one thread, 64 ms on two.
ONE_THREAD_BELOW = 20


@contextmanager
def _openmp_threads(threads: int | None) -> Iterator[None]:
    """Run FAISS calls in this block with at most ``threads`` OpenMP threads (None: unchanged).

    ``omp_set_num_threads`` sets the calling thread's own OpenMP settings (GNU
    libgomp, which faiss-cpu wheels bundle, keeps them per thread), so other
    threads' searches are not affected; the previous value is restored.
    """
    import faiss

    before = int(faiss.omp_get_max_threads())
    if threads is None or threads >= before:
        yield
        return
    faiss.omp_set_num_threads(threads)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


@runtime_checkable
class DenseIndex(Protocol):
    """Inner-product search over float32 vectors, each stored under an int64 id."""

    @property
    def kind(self) -> str: ...

    @property
    def ntotal(self) -> int: ...

    @property
    def dimension(self) -> int: ...

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Store ``vectors`` (n x dimension) under ``ids`` (n distinct int64)."""

    def ids(self) -> np.ndarray:
        """Every stored id, in storage order."""
        ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best (scores, ids) per query row, best first; id -1 where there are fewer than ``k``."""
        ...

    def scores(self, query: np.ndarray, ids: Sequence[int]) -> np.ndarray:
        """Inner product of one query vector with the vectors stored under ``ids``."""
        ...

    def save(self, path: Path) -> None: ...

    @classmethod
    def load(cls, path: Path) -> DenseIndex: ...


class _IdMapped:
    """An inner FAISS index inside ``IndexIDMap2``: the behaviour every kind shares."""

    kind: ClassVar[str]
    #: ``faiss.read_index`` flags that map the vectors instead of copying them (names of faiss attributes).
    _load_flags: ClassVar[tuple[str, ...]] = ()

    def __init__(self, dimension: int, *, _index: Any = None, _read_only: bool = False) -> None:
        self._dimension = dimension
        self._index = _index
        self._read_only = _read_only

    @property
    def ntotal(self) -> int:
        return 0 if self._index is None else int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return self._dimension

    def _check(self, vectors: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension or ids.shape != (vectors.shape[0],):
            raise ValueError(f"expected n x {self.dimension} vectors and n ids, got {vectors.shape} and {ids.shape}")
        if self._read_only:
            raise ValueError(f"this {self.kind} index was loaded from a file (mapped read-only); build a new one")
        return vectors, ids

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        vectors, ids = self._check(vectors, ids)
        self._index.add_with_ids(vectors, ids)

    def ids(self) -> np.ndarray:
        import faiss

        if self._index is None:
            return np.empty(0, dtype=np.int64)
        return faiss.vector_to_array(self._index.id_map).astype(np.int64, copy=False)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        if self._index is None:  # an IVF index that has not seen a vector yet
            empty = np.full((queries.shape[0], k), -np.finfo(np.float32).max, dtype=np.float32)
            return empty, np.full((queries.shape[0], k), -1, dtype=np.int64)
        with _openmp_threads(1 if queries.shape[0] < ONE_THREAD_BELOW else None):
            scores, ids = self._index.search(queries, k)
        return scores, ids

    def scores(self, query: np.ndarray, ids: Sequence[int]) -> np.ndarray:
        wanted = np.asarray(ids, dtype=np.int64)
        if self._index is None or not wanted.size:
            if wanted.size:
                raise KeyError(f"id {int(wanted[0])} is not in this index")
            return np.empty(0, dtype=np.float32)
        vectors = self._index.reconstruct_batch(wanted)
        result: np.ndarray = vectors @ np.asarray(query, dtype=np.float32).reshape(-1)
        return result

    def save(self, path: Path) -> None:
        import faiss

        if self._index is None:
            raise ValueError(f"an empty {self.kind} index has nothing to save; add vectors first")
        faiss.write_index(self._index, str(path))

    @classmethod
    def _read(cls, path: Path) -> tuple[Any, Any]:
        """The ``IndexIDMap2`` in ``path``, read with this kind's mapping flags, and its inner index."""
        import faiss

        flags = 0
        for name in cls._load_flags:
            flags |= int(getattr(faiss, name, 0))  # a FAISS without the flag copies instead
        index = faiss.read_index(str(path), flags)
        if not isinstance(index, faiss.IndexIDMap2):
            raise ValueError(f"{path.name} holds a {type(index).__name__}, not an IndexIDMap2")
        return index, faiss.downcast_index(index.index)


class FlatDense(_IdMapped):
    """Exact search: ``faiss.IndexFlatIP`` wrapped in ``faiss.IndexIDMap2`` (ids explicit, reconstructable)."""

    kind = "flat"
    _load_flags = ("IO_FLAG_MMAP_IFC",)

    def __init__(self, dimension: int, *, _index: Any = None, _read_only: bool = False) -> None:
        import faiss

        if _index is None:
            self._flat = faiss.IndexFlatIP(dimension)  # referenced here too, so Python keeps it alive
            _index = faiss.IndexIDMap2(self._flat)
        super().__init__(int(_index.d), _index=_index, _read_only=_read_only)

    @classmethod
    def load(cls, path: Path) -> FlatDense:
        import faiss

        index, inner = cls._read(path)
        if not isinstance(inner, faiss.IndexFlat) or inner.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise ValueError(f"{path.name} does not hold a flat inner-product index")
        return cls(int(index.d), _index=index, _read_only=True)


class IVFDense(_IdMapped):
    """Approximate search: ``IndexIVFFlat`` (inner product, ``IndexFlatIP`` quantizer) in ``IndexIDMap2``.

    The lists are made at the first :meth:`add` (or by :meth:`train`), from
    that many vectors: ``nlist`` = :func:`ivf_nlist`, ``nprobe`` =
    :func:`ivf_nprobe`, k-means on a seeded sample of at most
    :data:`TRAIN_POINTS_PER_LIST` vectors per list. Later adds reuse those
    lists, which suits a corpus that grows by a modest share; one that grows
    several-fold should be rebuilt with :func:`build_dense`.
    """

    kind = "ivf"
    _load_flags = ("IO_FLAG_MMAP",)

    def __init__(self, dimension: int, *, _index: Any = None, _read_only: bool = False) -> None:
        super().__init__(dimension if _index is None else int(_index.d), _index=_index, _read_only=_read_only)

    @property
    def nlist(self) -> int:
        return 0 if self._index is None else int(self._ivf().nlist)

    @property
    def nprobe(self) -> int:
        return 0 if self._index is None else int(self._ivf().nprobe)

    def _ivf(self) -> Any:
        import faiss

        return faiss.downcast_index(self._index.index)

    def train(self, vectors: np.ndarray, *, n: int | None = None) -> None:
        """Make the lists for an index of ``n`` vectors (default: as many as given), trained on ``vectors``.

        Trains on a seeded sample of at most :data:`TRAIN_POINTS_PER_LIST`
        rows per list; ``vectors`` may be a memory map, only the sample is read.
        """
        import faiss

        if self._index is not None:
            raise ValueError("this IVF index is trained already")
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension or not vectors.shape[0]:
            raise ValueError(f"expected some n x {self.dimension} vectors to train on, got {vectors.shape}")
        available = int(vectors.shape[0])
        nlist = ivf_nlist(available if n is None else n)
        size = min(available, nlist * TRAIN_POINTS_PER_LIST)
        nlist = min(nlist, max(1, size // MIN_POINTS_PER_LIST))  # a small training set makes fewer lists
        rows = np.sort(np.random.default_rng(TRAIN_SEED).choice(available, size=size, replace=False))
        sample = np.ascontiguousarray(vectors[rows], dtype=np.float32)
        self._quantizer = faiss.IndexFlatIP(self.dimension)  # referenced here too, so Python keeps it alive
        ivf = faiss.IndexIVFFlat(self._quantizer, self.dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.seed = TRAIN_SEED
        ivf.train(sample)
        ivf.nprobe = ivf_nprobe(nlist)
        ivf.make_direct_map(True)  # an array: position 0..n-1 -> (list, offset), for scores()
        self._ivf_index = ivf
        self._index = faiss.IndexIDMap2(ivf)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        vectors, ids = self._check(vectors, ids)
        if self._index is None:
            self.train(vectors)
        self._index.add_with_ids(vectors, ids)

    @classmethod
    def load(cls, path: Path) -> IVFDense:
        import faiss

        index, inner = cls._read(path)
        if not isinstance(inner, faiss.IndexIVFFlat) or inner.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise ValueError(f"{path.name} does not hold an IVF-flat inner-product index")
        if inner.direct_map.type != faiss.DirectMap.Array:  # type: ignore[attr-defined]  # not in faiss's stubs
            raise ValueError(f"{path.name} has no direct map, so its vectors cannot be read back by id")
        lists = None if inner.invlists is None else faiss.downcast_InvertedLists(inner.invlists)
        if isinstance(lists, faiss.OnDiskInvertedLists):
            # Its prefetch starts threads for every search: for one query that costs ~1.3 ms and saves
            # nothing (2·10^4 vectors, p50 1.5 ms with it, 0.16 ms without); pages fault in as read.
            lists.prefetch_nthread = 0
        return cls(int(index.d), _index=index, _read_only=True)


_MAKERS: dict[str, Callable[[int], DenseIndex]] = {"flat": FlatDense, "ivf": IVFDense}
_LOADERS: dict[str, Callable[[Path], DenseIndex]] = {"flat": FlatDense.load, "ivf": IVFDense.load}
KINDS = tuple(_MAKERS)


def make_dense(kind: str, dimension: int) -> DenseIndex:
    """An empty dense index of the named kind."""
    if kind not in _MAKERS:
        raise ValueError(f"Unknown dense index kind {kind!r}; known kinds: {', '.join(KINDS)}.")
    return _MAKERS[kind](dimension)


def load_dense(kind: str, path: Path) -> DenseIndex:
    """A dense index of the named kind, read from ``path`` (vectors memory-mapped where FAISS allows)."""
    if kind not in _LOADERS:
        raise ValueError(f"Unknown dense index kind {kind!r}; known kinds: {', '.join(KINDS)}.")
    return _LOADERS[kind](path)


def build_dense(vectors: np.ndarray, ids: np.ndarray, kind: str | None = None) -> DenseIndex:
    """A dense index of ``vectors`` under ``ids``: of ``kind``, or the one :func:`choose_kind` picks for their count.

    IVF is trained first (on a bounded, seeded sample, see :meth:`IVFDense.train`).
    ``vectors`` may be a memory map: they are added in slices, so no second
    full copy is made besides the index's own.
    """
    n = int(vectors.shape[0])
    if vectors.ndim != 2 or np.shape(ids) != (n,):
        raise ValueError(f"expected n x dimension vectors and n ids, got {vectors.shape} and {np.shape(ids)}")
    dense = make_dense(kind or choose_kind(n), int(vectors.shape[1]))
    if isinstance(dense, IVFDense):
        dense.train(vectors, n=n)
    step = 1 << 16
    for start in range(0, n, step):
        dense.add(vectors[start : start + step], np.asarray(ids[start : start + step]))
    return dense
