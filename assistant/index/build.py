"""Build and save the index: chunk the corpus, embed what is new, and write every file atomically.

This is the only part of the index package that imports the chunker (and so
langchain): answering a question loads an index without it.

Embedding goes through the embedding store (:mod:`.store`, ``embeddings/`` in
the index folder): each model embeds only the span texts the store lacks, one
shard of at most ``shard_size`` texts at a time, each shard on disk as soon as
it is done. So a build holds one batch of new vectors in memory, a killed build
loses at most the batch it was on, and adding, changing or removing a document
embeds only its new sentences. The index files (dense index, BM25, centring
terms, the second model's rows) are then rebuilt from the stored vectors, which
is cheap, and the store is rid of vectors no span uses any more.

Everything on disk is a plain, inspectable file (JSON, ``.npy`` without pickle,
FAISS's own format). Each file is written under a temporary name and moved into
place with ``os.replace``; the manifest, which holds the sha256 of every other
file, is written last, so a half-written index never passes as a good one.
A build that is killed leaves temporary files behind (``.<name>.*.tmp``, and
``.bm25-*`` staging folders, in the store too); the next build removes them
before it starts.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .. import stance
from ..chunking import Sentence, chunk_document
from ..corpus import Document, load_corpus
from ..embedding import Embedder, PassageEmbedder, load_second_model
from ..errors import AssistantError, CorpusError
from ..settings import Settings
from .dense import build_dense
from .lexical import Lexicon
from .load import Index
from .records import (
    BM25_DIR,
    BM25_FILES,
    CENTRED_NORMS,
    CENTROID,
    CENTROID_DOTS,
    DENSE,
    FORMAT_VERSION,
    LEGACY_FILES,
    LIBRARIES,
    MANIFEST,
    NOTES,
    SECOND,
    SECOND_CENTRED,
    SECOND_CENTROID,
    SPANS,
    STORE_DIR,
    IndexedSpan,
    chunker_fingerprint,
    index_files,
    installed_versions,
    sha256_file,
)
from .store import (
    SHARD_SIZE,
    ShardStore,
    StoreStats,
    embed_missing,
    prune_models,
    store_leftovers_and_foreign,
    text_key,
)

__all__ = ["build_index", "chunk_corpus", "chunker_fingerprint", "save_index"]

logger = logging.getLogger(__name__)


def _library_versions() -> dict[str, str]:
    found = installed_versions(LIBRARIES)
    return {name: found.get(name, "not installed") for name in LIBRARIES}


#: Temporary names in the index folder: ``.<name>.<random>.tmp`` files and ``.bm25-<random>`` folders.
TEMP_SUFFIX = ".tmp"
BM25_STAGING_PREFIX = ".bm25-"


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through ``write(tmp_path)`` and move it into place atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        with tmp_path.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def _write_json(path: Path, data: object) -> None:
    def write(tmp: Path) -> None:
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")

    _atomic_write(path, write)


def _write_npy(path: Path, array: np.ndarray) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("wb") as handle:  # a handle, so numpy does not append ".npy" to the temp name
            np.save(handle, array, allow_pickle=False)

    _atomic_write(path, write)


def centring_terms(vectors: np.ndarray, centroid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: ``v·c`` and ``|v - c|``, what the centred cosine needs besides the plain dot product."""
    dots = vectors @ centroid
    norms = np.linalg.norm(vectors - centroid, axis=1)
    return dots.astype(np.float32, copy=False), norms.astype(np.float32, copy=False)


def centre_rows(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows moved by minus their mean and normalised, and that mean (both float32)."""
    centre = vectors.mean(axis=0)
    moved = vectors - centre
    norms = np.linalg.norm(moved, axis=1, keepdims=True)
    return (moved / np.where(norms == 0, 1.0, norms)).astype(np.float32), centre.astype(np.float32)


def _is_leftover(path: Path) -> bool:
    """A temporary file or staging folder of a build that did not finish."""
    if path.is_dir() and not path.is_symlink():
        return path.name.startswith(BM25_STAGING_PREFIX)
    return path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)


def prepare_folder(out: Path) -> None:
    """Remove what a killed build left in the index folder; refuse a folder that holds other things.

    Leftovers (the temporary names above, here and in the embedding store) go;
    the index's own files and ``bm25/`` are replaced by the build; notes
    (:data:`~.records.NOTES`) stay; the store keeps its shards. Anything else is
    someone's file, so the build stops and names it, rather than delete it or
    write an index that would load as corrupt.
    """
    if not out.is_dir():
        return
    allowed = index_files(second=True) | {MANIFEST} | NOTES | LEGACY_FILES
    foreign = []
    for path in sorted(out.iterdir()):
        if _is_leftover(path):
            logger.info("Removing %s, left by a build that did not finish", path.name)
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        elif path.name not in (BM25_DIR, STORE_DIR) and path.name not in allowed:
            foreign.append(path.name)
    leftovers, foreign_in_store = store_leftovers_and_foreign(out / STORE_DIR)
    for path in leftovers:
        logger.info("Removing %s/%s, left by a build that did not finish", path.parent.name, path.name)
        path.unlink(missing_ok=True)
    foreign += foreign_in_store
    if foreign:
        raise AssistantError(
            f"The index folder {out} holds {', '.join(foreign)}, which the index does not own. "
            "Move that elsewhere (or point ASSISTANT_INDEX_DIR at a folder of its own), then build again."
        )


# --- Build -----------------------------------------------------------------


def chunk_corpus(
    documents: list[Document], settings: Settings, progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None
) -> list[Sentence]:
    """All sentences of all documents, in corpus order."""
    sentences: list[Sentence] = []
    for document in progress(documents) if progress else documents:
        sentences.extend(
            chunk_document(
                document,
                max_span_chars=settings.max_span_chars,
                min_standalone_chars=settings.min_standalone_chars,
            )
        )
    return sentences


def build_index(
    settings: Settings,
    embedder: Embedder,
    *,
    second: PassageEmbedder | None = None,
    show_progress: bool = False,
    shard_size: int = SHARD_SIZE,
) -> Index:
    """Read the corpus, chunk it, embed what the store lacks, and save the index to ``settings.index_dir``.

    ``second`` is the second retriever when the caller has loaded it already;
    otherwise the one ``settings.second_model`` names is loaded here, and only
    when some text needs its vector. Each model is called with at most
    ``shard_size`` texts at a time.
    """
    out = settings.index_dir
    prepare_folder(out)
    documents = load_corpus(settings.corpus_dir)
    progress = None
    if show_progress:
        from tqdm import tqdm

        def progress(items: Iterable[Any]) -> Iterable[Any]:
            return tqdm(items, desc="Chunking documents", unit="doc")

    sentences = chunk_corpus(documents, settings, progress)
    searchable = [s for s in sentences if s.searchable]
    if not searchable:
        raise CorpusError(
            f"The corpus in {settings.corpus_dir} has no sentence that can be quoted "
            "(it is empty or all site boilerplate)."
        )
    spans = [IndexedSpan(s.span, stance.stance(s.span.text), s.context) for s in searchable]
    texts = [s.span.text for s in spans]
    keys = [text_key(t) for t in texts]
    root = out / STORE_DIR

    def embed_main(batch: list[str]) -> np.ndarray:
        return embedder.embed(batch, show_progress_bar=False)

    store = ShardStore(root, embedder.name)
    stats = {embedder.name: _fill(store, texts, embed_main, shard_size, show_progress)}
    vectors = store.gather(keys)
    # Exact search up to dense.EXACT_MAX sentences, IVF above (kind and parameters from the size).
    dense = build_dense(vectors, np.arange(len(spans), dtype=np.int64))  # id = row in spans.json
    lexicon = Lexicon.build(texts)
    centroid = vectors.mean(axis=0).astype(np.float32)
    centroid_dots, centred_norms = centring_terms(vectors, centroid)
    del vectors  # the dense index holds its own copy
    stores = [store]

    second_vectors = second_centred = second_centroid = None
    if settings.second_model:
        second_model: str = settings.second_model
        loaded = second

        def embed_passages(batch: list[str]) -> np.ndarray:
            nonlocal loaded
            if loaded is None:
                loaded = load_second_model(second_model)
                assert loaded is not None
            return loaded.embed_passages(batch, show_progress_bar=False)

        name = second.name if second is not None else second_model
        second_store = ShardStore(root, _passage_store(name))
        stats[name] = _fill(second_store, texts, embed_passages, shard_size, show_progress)
        rows = np.arange(len(spans), dtype=np.int64)
        second_plain = second_store.gather(keys)
        moved, second_centroid = centre_rows(second_plain)
        # Of the main index's kind (both follow from the same count), so every search scales alike.
        second_vectors = build_dense(second_plain, rows, kind=dense.kind)
        del second_plain
        second_centred = build_dense(moved, rows, kind=dense.kind)
        del moved
        stores.append(second_store)
    index = Index(
        spans=spans,
        documents={d.path: d for d in documents},
        dense=dense,
        lexicon=lexicon,
        centroid=centroid,
        centroid_dots=centroid_dots,
        centred_norms=centred_norms,
        second=second_vectors,
        second_centred=second_centred,
        second_centroid=second_centroid,
    )
    index.manifest = save_index(index, sentences, settings, embedder)
    # The index no longer needs what the store holds beyond these texts.
    live = set(keys)
    for each, name in zip(stores, stats, strict=True):
        stats[name].dropped = each.collect(live, shard_size)
        stats[name].shards = len(each.shards)
    for folder in prune_models(root, [each.model for each in stores]):
        logger.info("Removed the stored vectors of %s, which the index no longer uses", folder)
    index.build_stats = stats
    for name, each_stats in stats.items():
        _report(name, each_stats, show_progress)
    return index


def _passage_store(name: str) -> str:
    """The store's name for the second model's passage vectors (its queries are embedded otherwise)."""
    return f"{name}:passage"


def _fill(
    store: ShardStore, texts: list[str], embed: Callable[[list[str]], np.ndarray], shard_size: int, show: bool
) -> StoreStats:
    label = store.model.rsplit("/", 1)[-1].replace(":passage", ", passages")
    return embed_missing(store, texts, embed, shard_size=shard_size, label=label, show_progress=show)


def _report(name: str, stats: StoreStats, show: bool) -> None:
    line = (
        f"{name}: {stats.embedded} of {stats.texts} texts embedded, {stats.reused} reused from {STORE_DIR}/"
        + (f", {stats.dropped} unused vectors dropped" if stats.dropped else "")
        + (f", {stats.discarded} damaged shards discarded" if stats.discarded else "")
    )
    if show:
        print(line, file=sys.stderr)
    else:
        logger.info(line)


def save_index(index: Index, sentences: list[Sentence], settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """Write the index files, then the manifest that vouches for them."""
    out = settings.index_dir
    out.mkdir(parents=True, exist_ok=True)
    # Without a manifest the folder reads as "missing" until the new one is complete.
    (out / MANIFEST).unlink(missing_ok=True)

    records = []
    row = 0  # index.spans holds the searchable sentences in corpus order
    for sentence in sentences:
        record: dict[str, Any] = {
            "doc": sentence.span.doc,
            "start": sentence.span.start,
            "end": sentence.span.end,
            "text": sentence.span.text,
        }
        if sentence.searchable:
            record.update(row=row, stance=index.spans[row].stance, context=sentence.context)
            row += 1
        else:
            record.update(boilerplate=sentence.boilerplate, duplicate_of=sentence.duplicate_of)
        records.append(record)
    _write_json(out / SPANS, records)
    _atomic_write(out / DENSE, index.dense.save)
    arrays = {CENTROID: index.centroid, CENTROID_DOTS: index.centroid_dots, CENTRED_NORMS: index.centred_norms}
    second_files: tuple[str, ...] = ()
    if index.second is not None and index.second_centred is not None and index.second_centroid is not None:
        arrays[SECOND_CENTROID] = index.second_centroid
        _atomic_write(out / SECOND, index.second.save)
        _atomic_write(out / SECOND_CENTRED, index.second_centred.save)
        second_files = (SECOND, SECOND_CENTRED, SECOND_CENTROID)
    for name, array in arrays.items():
        _write_npy(out / name, array)
    for name in (SECOND, SECOND_CENTRED, SECOND_CENTROID, *LEGACY_FILES):
        if name not in second_files:
            (out / name).unlink(missing_ok=True)

    bm25_dir = out / BM25_DIR
    if bm25_dir.is_symlink() or (bm25_dir.exists() and not bm25_dir.is_dir()):
        bm25_dir.unlink()
    bm25_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=BM25_STAGING_PREFIX) as staging:
        index.lexicon.save(Path(staging))
        written = sorted(p.name for p in Path(staging).iterdir())
        if written != sorted(BM25_FILES):  # the manifest lists what the format says, so they must agree
            raise RuntimeError(f"bm25s wrote {written}, but the index format has {sorted(BM25_FILES)}")
        for old in bm25_dir.iterdir():
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old)
            else:
                old.unlink()
        for name in written:
            os.replace(Path(staging) / name, bm25_dir / name)

    files = sorted(index_files(second=index.second is not None))
    manifest = {
        "format": FORMAT_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": embedder.name,
        "second_model": settings.second_model if index.second is not None else None,
        "dimension": index.dense.dimension,
        "dense_kind": index.dense.kind,
        "chunker": chunker_fingerprint(settings),
        "documents": {d.path: {"sha256": d.sha256, "chars": len(d.text)} for d in index.documents.values()},
        "counts": {
            "sentences": len(sentences),
            "searchable": len(index.spans),
            "boilerplate": sum(1 for s in sentences if s.boilerplate),
            "duplicates": sum(1 for s in sentences if s.duplicate_of is not None),
        },
        "libraries": _library_versions(),
        "files": {name: sha256_file(out / name) for name in files},
    }
    _write_json(out / MANIFEST, manifest)
    return manifest
