"""Dense vectors behind one protocol, with explicit, stable int64 ids.

A span's id is its row in ``spans.json``; the index stores it (FAISS
``IndexIDMap2``), so ids never depend on the order vectors were added in and
survive a save and load. ``make_dense(kind, dimension)`` picks the
implementation by name: ``"flat"`` (exact inner product) today; an approximate
kind (HNSW, IVF) for a large corpus plugs in beside it. The manifest records the
kind, so loading builds the same one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

DEFAULT_KIND = "flat"


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


class FlatDense:
    """Exact search: ``faiss.IndexFlatIP`` wrapped in ``faiss.IndexIDMap2`` (ids explicit, reconstructable)."""

    kind = "flat"

    def __init__(self, dimension: int, *, _index: Any = None) -> None:
        import faiss

        if _index is None:
            self._flat = faiss.IndexFlatIP(dimension)  # referenced here too, so Python keeps it alive
            _index = faiss.IndexIDMap2(self._flat)
        self._index = _index

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension or ids.shape != (vectors.shape[0],):
            raise ValueError(f"expected n x {self.dimension} vectors and n ids, got {vectors.shape} and {ids.shape}")
        self._index.add_with_ids(vectors, ids)

    def ids(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self._index.id_map).astype(np.int64, copy=False)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        scores, ids = self._index.search(queries, k)
        return scores, ids

    def scores(self, query: np.ndarray, ids: Sequence[int]) -> np.ndarray:
        vectors = self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))
        result: np.ndarray = vectors @ np.asarray(query, dtype=np.float32).reshape(-1)
        return result

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> FlatDense:
        import faiss

        index = faiss.read_index(str(path))
        if not isinstance(index, faiss.IndexIDMap2):
            raise ValueError(f"{path.name} holds a {type(index).__name__}, not an IndexIDMap2")
        inner = faiss.downcast_index(index.index)
        if not isinstance(inner, faiss.IndexFlat) or inner.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise ValueError(f"{path.name} does not hold a flat inner-product index")
        return cls(int(index.d), _index=index)


_MAKERS: dict[str, Callable[[int], DenseIndex]] = {"flat": FlatDense}
_LOADERS: dict[str, Callable[[Path], DenseIndex]] = {"flat": FlatDense.load}
KINDS = tuple(_MAKERS)


def make_dense(kind: str, dimension: int) -> DenseIndex:
    """An empty dense index of the named kind."""
    if kind not in _MAKERS:
        raise ValueError(f"Unknown dense index kind {kind!r}; known kinds: {', '.join(KINDS)}.")
    return _MAKERS[kind](dimension)


def load_dense(kind: str, path: Path) -> DenseIndex:
    """A dense index of the named kind, read from ``path``."""
    if kind not in _LOADERS:
        raise ValueError(f"Unknown dense index kind {kind!r}; known kinds: {', '.join(KINDS)}.")
    return _LOADERS[kind](path)
