"""The index: span records and manifest, dense vectors, BM25, and how they are built and loaded.

- :mod:`.records`: file names, format version, span records, manifest checks (no chunker import)
- :mod:`.dense`: the :class:`DenseIndex` protocol and its implementations, chosen by name
- :mod:`.lexical`: BM25 over stemmed words, and the tokenizer questions share
- :mod:`.load`: load and verify (schema, checksums, freshness, spans against the corpus)
- :mod:`.build`: chunk, embed, write atomically (the only module that imports the chunker)

Importing this package does not import the build chain (the chunker and
langchain): ``build_index``, ``chunk_corpus`` and ``save_index`` are imported
from :mod:`.build` on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .dense import DenseIndex, FlatDense, load_dense, make_dense
from .lexical import Lexicon, tokenize
from .load import Index, check_files, check_fresh, index_status, load_index, read_manifest
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
    chunker_fingerprint,
)

if TYPE_CHECKING:
    from .build import build_index, chunk_corpus, save_index

__all__ = [
    "BM25_DIR",
    "CENTRED_NORMS",
    "CENTROID",
    "CENTROID_DOTS",
    "DENSE",
    "FORMAT_VERSION",
    "MANIFEST",
    "SECOND",
    "SECOND_CENTRED",
    "SECOND_CENTROID",
    "SPANS",
    "DenseIndex",
    "FlatDense",
    "Index",
    "IndexedSpan",
    "Lexicon",
    "build_index",
    "check_files",
    "check_fresh",
    "chunk_corpus",
    "chunker_fingerprint",
    "index_status",
    "load_dense",
    "load_index",
    "make_dense",
    "read_manifest",
    "save_index",
    "tokenize",
]

_FROM_BUILD = frozenset({"build_index", "chunk_corpus", "save_index"})


def __getattr__(name: str) -> Any:
    if name in _FROM_BUILD:
        from . import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
