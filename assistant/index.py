"""Build, save and load the index: FAISS vectors, BM25, the spans and a manifest.

Everything on disk is a plain, inspectable file (JSON, ``.npy`` without pickle,
FAISS's own format). Each file is written under a temporary name and moved into
place with ``os.replace``; the manifest, which holds the sha256 of every other
file, is written last, so a half-written index never passes as a good one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from . import boilerplate, chunking, corpus, stance
from .chunking import Sentence, chunk_document
from .corpus import Document, Span, load_corpus
from .embedding import Embedder, PassageEmbedder, load_second_model
from .errors import CorpusError, IndexNotReady
from .lexical import Lexicon
from .settings import Settings

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
SPANS = "spans.json"
DENSE = "dense.faiss"
CENTROID = "centroid.npy"
#: Passage vectors of the second retriever, when one is configured.
SECOND = "second.npy"
BM25_DIR = "bm25"
_LIBRARIES = ("sentence-transformers", "torch", "faiss-cpu", "bm25s", "PyStemmer", "langchain-text-splitters")


@dataclass(frozen=True)
class IndexedSpan:
    """A searchable sentence: row ``i`` of the FAISS and BM25 indexes."""

    span: Span
    stance: str | None = None
    context: tuple[int, int] | None = None


@dataclass
class Index:
    """A loaded, verified index and the documents it was built from."""

    spans: list[IndexedSpan]
    documents: dict[str, Document]
    dense: Any  # faiss.Index
    lexicon: Lexicon
    centroid: np.ndarray
    manifest: dict[str, Any] = field(default_factory=dict)
    #: The second retriever's passage vectors (rows as ``spans``), or None.
    second: np.ndarray | None = None
    # Per-row dot product with the centroid and norm after centring.
    _row_centroid_dot: np.ndarray = field(init=False, repr=False)
    _row_centred_norm: np.ndarray = field(init=False, repr=False)
    # The second retriever's rows, centred on their own centroid and normalised.
    _second_centred: np.ndarray | None = field(init=False, repr=False, default=None)
    _second_centroid: np.ndarray | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        vectors = self.dense.reconstruct_n(0, self.dense.ntotal)
        self._row_centroid_dot = vectors @ self.centroid
        self._row_centred_norm = np.linalg.norm(vectors - self.centroid, axis=1)
        if self.second is not None:
            centre = self.second.mean(axis=0)
            moved = self.second - centre
            norms = np.linalg.norm(moved, axis=1, keepdims=True)
            self._second_centroid = centre.astype(np.float32)
            self._second_centred = (moved / np.where(norms == 0, 1.0, norms)).astype(np.float32)

    def second_scores(self, query: np.ndarray) -> np.ndarray | None:
        """Centred cosine of every row with the second retriever's query vector (None without one).

        As for the main model, centring on the corpus removes the topic every
        sentence shares, so what is distinctive in the question decides.
        """
        if self._second_centred is None or self._second_centroid is None:
            return None
        moved = np.asarray(query, dtype=np.float32).reshape(-1) - self._second_centroid
        norm = float(np.linalg.norm(moved)) or 1.0
        result: np.ndarray = self._second_centred @ (moved / norm)
        return result

    def __len__(self) -> int:
        return len(self.spans)

    def centred_cosine(self, query: np.ndarray, rows: list[int], dots: dict[int, float]) -> dict[int, float]:
        """Cosine between query and rows after both are moved by minus the centroid.

        ``dots`` holds the plain dot products already computed for the rows, so
        nothing is recomputed: (v-c)·(q-c) = v·q - v·c - q·c + c·c.
        """
        c = self.centroid
        q_dot_c = float(query @ c)
        c_dot_c = float(c @ c)
        q_norm = float(np.linalg.norm(query - c)) or 1.0
        out = {}
        for r in rows:
            num = dots[r] - float(self._row_centroid_dot[r]) - q_dot_c + c_dot_c
            out[r] = num / ((float(self._row_centred_norm[r]) or 1.0) * q_norm)
        return out


def chunker_fingerprint(settings: Settings) -> dict[str, object]:
    """What decides which spans the index holds: settings plus the rules' own code.

    Hashing the rule modules makes an index built by older rules stale, so a
    change to boilerplate or sentence rules can never serve an outdated index.
    """
    digest = hashlib.sha256()
    for module in (boilerplate, chunking, corpus, stance):
        digest.update(Path(module.__file__ or "").read_bytes())
    return {**settings.chunker_fingerprint(), "rules_sha256": digest.hexdigest()}


def _library_versions() -> dict[str, str]:
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through ``write(tmp_path)`` and move it into place atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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


def _save_npy(path: Path, array: np.ndarray) -> None:
    with path.open("wb") as handle:  # a handle, so numpy does not append ".npy" to the temp name
        np.save(handle, array, allow_pickle=False)


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
) -> Index:
    """Read the corpus, chunk, embed and index it, and save everything to ``settings.index_dir``.

    ``second`` is the second retriever when the caller has loaded it already;
    otherwise the one ``settings.second_model`` names is loaded here.
    """
    import faiss

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
    logger.info("Embedding %d sentences with %s", len(spans), embedder.name)
    vectors = embedder.embed([s.span.text for s in spans], show_progress_bar=show_progress)
    dense = faiss.IndexFlatIP(vectors.shape[1])
    dense.add(vectors)
    lexicon = Lexicon.build([s.span.text for s in spans])

    centroid = vectors.mean(axis=0).astype(np.float32)
    second_vectors = None
    if settings.second_model:
        second = second or load_second_model(settings.second_model)
        assert second is not None
        logger.info("Embedding %d sentences with %s", len(spans), second.name)
        second_vectors = second.embed_passages([s.span.text for s in spans], show_progress_bar=show_progress)
    index = Index(
        spans=spans,
        documents={d.path: d for d in documents},
        dense=dense,
        lexicon=lexicon,
        centroid=centroid,
        second=second_vectors,
    )
    index.manifest = save_index(index, sentences, settings, embedder)
    return index


def save_index(index: Index, sentences: list[Sentence], settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """Write the index files, then the manifest that vouches for them."""
    import faiss

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
    _atomic_write(out / DENSE, lambda tmp: faiss.write_index(index.dense, str(tmp)))
    _atomic_write(out / CENTROID, lambda tmp: _save_npy(tmp, index.centroid))
    second = index.second
    if second is not None:
        _atomic_write(out / SECOND, lambda tmp: _save_npy(tmp, second))
    else:
        (out / SECOND).unlink(missing_ok=True)

    bm25_dir = out / BM25_DIR
    bm25_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".bm25-") as staging:
        index.lexicon.save(Path(staging))
        for old in bm25_dir.iterdir():
            old.unlink()
        for new in sorted(Path(staging).iterdir()):
            os.replace(new, bm25_dir / new.name)

    extra = [SECOND] if second is not None else []
    files = sorted([SPANS, DENSE, CENTROID, *extra, *(f"{BM25_DIR}/{p.name}" for p in bm25_dir.iterdir())])
    manifest = {
        "format": FORMAT_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": embedder.name,
        "second_model": settings.second_model if second is not None else None,
        "dimension": int(index.dense.d),
        "chunker": chunker_fingerprint(settings),
        "documents": {d.path: {"sha256": d.sha256, "chars": len(d.text)} for d in index.documents.values()},
        "counts": {
            "sentences": len(sentences),
            "searchable": len(index.spans),
            "boilerplate": sum(1 for s in sentences if s.boilerplate),
            "duplicates": sum(1 for s in sentences if s.duplicate_of is not None),
        },
        "libraries": _library_versions(),
        "files": {name: _sha256_file(out / name) for name in files},
    }
    _write_json(out / MANIFEST, manifest)
    return manifest


# --- Load and verify -------------------------------------------------------


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexNotReady("missing", f"there is no {MANIFEST}", index_dir)
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexNotReady("corrupt", f"{MANIFEST} cannot be read ({exc})", index_dir) from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexNotReady("corrupt", f"{MANIFEST} is not an index manifest", index_dir)
    return manifest


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


def check_files(manifest: dict[str, Any], index_dir: Path) -> None:
    """Raise ``IndexNotReady("corrupt")`` when any index file is missing or fails its checksum."""
    for name, expected in sorted(manifest["files"].items()):
        path = index_dir / name
        if not path.is_file():
            raise IndexNotReady("corrupt", f"{name} is missing", index_dir)
        if _sha256_file(path) != expected:
            raise IndexNotReady("corrupt", f"{name} does not match its checksum in {MANIFEST}", index_dir)


def index_status(settings: Settings) -> str:
    """``"ok"``, or the reason (missing, stale, corrupt) the index cannot be used."""
    try:
        manifest = read_manifest(settings.index_dir)
        check_fresh(manifest, load_corpus(settings.corpus_dir), settings)
        check_files(manifest, settings.index_dir)
    except IndexNotReady as exc:
        return exc.reason
    return "ok"


def load_index(settings: Settings) -> Index:
    """Load the index, refusing one that is missing, stale or corrupt."""
    import faiss

    where = settings.index_dir
    manifest = read_manifest(where)
    documents = load_corpus(settings.corpus_dir)
    check_fresh(manifest, documents, settings)
    check_files(manifest, where)
    by_path = {d.path: d for d in documents}
    try:
        records = json.loads((where / SPANS).read_text("utf-8"))
        dense = faiss.read_index(str(where / DENSE))
        centroid = np.load(where / CENTROID, allow_pickle=False)
        lexicon = Lexicon.load(where / BM25_DIR)
        second = np.load(where / SECOND, allow_pickle=False) if settings.second_model else None
    except Exception as exc:  # checksums passed, so this is a bug or a foreign file
        raise IndexNotReady("corrupt", f"its files cannot be read ({exc})", where) from exc

    rows = sorted((r for r in records if "row" in r), key=lambda r: r["row"])
    spans = []
    for expected_row, record in enumerate(rows):
        span = Span(record["doc"], record["start"], record["end"], record["text"])
        document = by_path.get(span.doc)
        if record["row"] != expected_row or document is None or not span.matches(document.text):
            raise IndexNotReady("corrupt", f"span {expected_row} does not match the corpus text", where)
        context = tuple(record["context"]) if record.get("context") else None
        spans.append(IndexedSpan(span, record.get("stance"), context))
    if dense.ntotal != len(spans) or lexicon.size != len(spans):
        raise IndexNotReady("corrupt", "the vector, BM25 and span counts disagree", where)
    if dense.d != manifest.get("dimension"):
        raise IndexNotReady("corrupt", "the vector dimension disagrees with the manifest", where)
    if centroid.shape != (dense.d,):
        raise IndexNotReady("corrupt", "the centroid does not fit the vectors", where)
    if second is not None and (second.ndim != 2 or second.shape[0] != len(spans) or second.dtype != np.float32):
        raise IndexNotReady("corrupt", f"{SECOND} does not fit the spans", where)
    return Index(
        spans=spans,
        documents=by_path,
        dense=dense,
        lexicon=lexicon,
        centroid=centroid,
        manifest=manifest,
        second=second,
    )
