"""Span records and the manifest: the file names, the format, and the checks that need no model.

Nothing here imports the chunker (or langchain): the answer path loads and
verifies an index without the build chain. The chunker fingerprint hashes the
rule modules' files, found with :func:`importlib.util.find_spec`, without
importing them.

The manifest and ``spans.json`` are checked against a schema (strict pydantic
models: no type coercion, no unknown keys) and against the corpus text; the
manifest must list exactly the files this format has for its settings, and the
folder must hold nothing else but notes (:data:`NOTES`) and the embedding store
(:data:`STORE_DIR`). Every failure is ``IndexNotReady("corrupt")`` with one line
that says what is wrong.

The embedding store (``embeddings/``, see :mod:`.store`) is a build cache, not
part of the verified set: answering never reads it (the vectors that answer
questions are copied into ``dense.faiss`` and ``second.faiss``, which the
manifest covers), each of its shards carries its own sha256 as its file name
and is checked by the build that reads it, and it changes between builds
without the index changing. Listing it in the manifest would tie every read
to checking a cache that reads never use.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, ValidationError, model_validator

from ..corpus import Span
from ..errors import IndexNotReady
from ..stance import CAUTION, SUPPORTIVE
from .dense import KINDS

if TYPE_CHECKING:
    from ..settings import Settings

#: 3: ids in the FAISS file are explicit (IndexIDMap2), and the centring terms are stored.
#: 4: the folder may hold the embedding store (``embeddings/``), a build cache outside the manifest.
#: 5: the second retriever's vectors are dense indexes of the main one's kind, not arrays every query reads whole.
FORMAT_VERSION = 5
MANIFEST = "manifest.json"
SPANS = "spans.json"
#: The main model's vectors (a :class:`~assistant.index.dense.DenseIndex`; its kind is in the manifest).
DENSE = "dense.faiss"
#: Mean of the main model's vectors.
CENTROID = "centroid.npy"
#: Per row: dot product of its vector with the centroid, and the norm of the vector minus the centroid.
CENTROID_DOTS = "centroid_dots.npy"
CENTRED_NORMS = "centred_norms.npy"
#: Passage vectors of the second retriever, when one is configured (a dense index of the main one's kind).
SECOND = "second.faiss"
#: The same rows centred on their own mean and normalised (a dense index of the same kind), and that mean.
SECOND_CENTRED = "second_centred.faiss"
SECOND_CENTROID = "second_centroid.npy"
#: Files earlier formats held that this one does not: a build over an old index replaces them.
LEGACY_FILES = frozenset({"second.npy", "second_centred.npy"})
BM25_DIR = "bm25"
#: What ``bm25s.BM25.save`` writes for our index (method "lucene", no corpus, no non-occurrence array).
BM25_FILES = (
    "data.csc.index.npy",
    "indices.csc.index.npy",
    "indptr.csc.index.npy",
    "params.index.json",
    "vocab.index.json",
)
LIBRARIES = ("sentence-transformers", "torch", "faiss-cpu", "bm25s", "PyStemmer", "langchain-text-splitters")
#: Notes for people that may sit beside the index (the repository's ``index/README.md``): not index files.
NOTES = frozenset({"README.md"})
#: The embedding store's folder (:mod:`.store`): vectors kept between builds, never read to answer.
STORE_DIR = "embeddings"
#: The modules whose code decides which spans the index holds (in hashing order).
RULE_MODULES = ("boilerplate", "chunking", "corpus", "stance")


@dataclass(frozen=True)
class IndexedSpan:
    """A searchable sentence: row ``i`` of the spans, id ``i`` of the dense index, document ``i`` of BM25."""

    span: Span
    stance: str | None = None
    context: tuple[int, int] | None = None


def installed_versions(names: Iterable[str]) -> dict[str, str]:
    """The installed version of each named distribution; those not installed are left out."""
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def index_files(*, second: bool) -> frozenset[str]:
    """Every file the index holds besides the manifest (paths relative to the index folder)."""
    names = {SPANS, DENSE, CENTROID, CENTROID_DOTS, CENTRED_NORMS, *(f"{BM25_DIR}/{n}" for n in BM25_FILES)}
    if second:
        names |= {SECOND, SECOND_CENTRED, SECOND_CENTROID}
    return frozenset(names)


def _rule_files() -> list[Path]:
    package = __name__.rsplit(".", 2)[0]  # "assistant"
    files = []
    for name in RULE_MODULES:
        spec = find_spec(f"{package}.{name}")
        if spec is None or spec.origin is None:  # pragma: no cover - they are part of this package
            raise ImportError(f"cannot find {package}.{name}")
        files.append(Path(spec.origin))
    return files


def chunker_fingerprint(settings: Settings) -> dict[str, object]:
    """What decides which spans the index holds: settings plus the rules' own code.

    Hashing the rule modules makes an index built by older rules stale, so a
    change to boilerplate or sentence rules can never serve an outdated index.
    """
    digest = hashlib.sha256()
    for path in _rule_files():
        digest.update(path.read_bytes())
    return {**settings.chunker_fingerprint(), "rules_sha256": digest.hexdigest()}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- Schema ----------------------------------------------------------------

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Count = Annotated[int, Field(ge=0)]
STANCES = frozenset({CAUTION, SUPPORTIVE})


class _Strict(BaseModel):
    """JSON as written, exactly: no coercion ("3" is not 3, true is not 1) and no unknown keys."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class DocumentEntry(_Strict):
    sha256: Sha256
    chars: Count


class Counts(_Strict):
    sentences: Count
    searchable: Count
    boilerplate: Count
    duplicates: Count


class Manifest(_Strict):
    """``manifest.json`` of this format version."""

    format: int
    created: str
    model: str
    second_model: str | None
    dimension: Annotated[int, Field(ge=1)]
    dense_kind: str
    chunker: dict[str, Any]
    documents: dict[str, DocumentEntry]
    counts: Counts
    libraries: dict[str, str]
    files: dict[str, Sha256]

    @model_validator(mode="after")
    def _known_kind(self) -> Manifest:
        if self.dense_kind not in KINDS:
            raise ValueError(f"dense_kind {self.dense_kind!r} is not one of {', '.join(KINDS)}")
        return self


class _Record(_Strict):
    doc: str
    start: Count
    end: Count
    text: str


class SearchableRecord(_Record):
    """A sentence that can be quoted: row ``row`` of the dense index and BM25."""

    row: Count
    stance: str | None
    context: Annotated[list[int], Field(min_length=2, max_length=2)] | None

    @model_validator(mode="after")
    def _known_stance(self) -> SearchableRecord:
        if self.stance is not None and self.stance not in STANCES:
            raise ValueError(f"stance {self.stance!r} is not one of {', '.join(sorted(STANCES))} or null")
        return self


class SkippedRecord(_Record):
    """A sentence left out: site boilerplate, or a repeat of an earlier sentence of the same document."""

    boilerplate: str | None
    duplicate_of: Count | None

    @model_validator(mode="after")
    def _one_reason(self) -> SkippedRecord:
        if (self.boilerplate is None) == (self.duplicate_of is None):
            raise ValueError("a record without a row needs exactly one of boilerplate and duplicate_of")
        return self


def _record_kind(value: Any) -> str:
    return "searchable" if isinstance(value, dict) and "row" in value else "skipped"


SpanRecord = Annotated[
    Annotated[SearchableRecord, Tag("searchable")] | Annotated[SkippedRecord, Tag("skipped")],
    Discriminator(_record_kind),
]
_SPAN_RECORDS: TypeAdapter[list[SpanRecord]] = TypeAdapter(list[SpanRecord], config=ConfigDict(strict=True))


def corrupt(detail: str, index_dir: object) -> IndexNotReady:
    """``IndexNotReady("corrupt")`` with ``detail`` on one line (library messages can span several)."""
    line = " ".join(detail.split())
    return IndexNotReady("corrupt", line if len(line) <= 300 else line[:297] + "...", index_dir)


def _schema_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    more = exc.error_count() - 1
    return f"{where + ': ' if where else ''}{first['msg']}" + (f" (and {more} more)" if more else "")


# --- Checks ----------------------------------------------------------------


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest, or ``IndexNotReady`` ("missing", or "corrupt" when it is not a manifest).

    A manifest of this format version is checked against :class:`Manifest`; one
    of another version is returned as it is, for :func:`~.load.check_fresh` to
    call the index stale.
    """
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexNotReady("missing", f"there is no {MANIFEST}", index_dir)
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise corrupt(f"{MANIFEST} cannot be read ({exc})", index_dir) from exc
    if not isinstance(manifest, dict):
        raise corrupt(f"{MANIFEST} is not a JSON object", index_dir)
    version = manifest.get("format")
    if not isinstance(version, int) or isinstance(version, bool):
        raise corrupt(f"{MANIFEST} has no format version", index_dir)
    if version == FORMAT_VERSION:
        try:
            Manifest.model_validate(manifest)
        except ValidationError as exc:
            raise corrupt(f"{MANIFEST} is not a valid manifest: {_schema_problem(exc)}", index_dir) from exc
    return manifest


def check_files(manifest: dict[str, Any], index_dir: Path) -> None:
    """Raise ``IndexNotReady("corrupt")`` unless the manifest lists exactly the index's files and they match.

    The files are those :func:`index_files` names for the manifest's settings;
    the folder holds them and the manifest, nothing else; each matches its sha256.
    """
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        raise corrupt(f"{MANIFEST} has no list of files", index_dir)
    expected = index_files(second=manifest.get("second_model") is not None)
    if unlisted := sorted(expected - set(listed)):
        raise corrupt(f"{MANIFEST} does not list {', '.join(unlisted)}", index_dir)
    if foreign := sorted(set(listed) - expected):
        raise corrupt(f"{MANIFEST} lists {', '.join(foreign)}, which this index does not have", index_dir)
    if extra := unexpected_entries(index_dir, frozenset(listed)):
        raise corrupt(f"{', '.join(extra)} in the index folder is not one of the index's files", index_dir)
    for name, checksum in sorted(listed.items()):
        path = index_dir / name
        if not path.is_file():
            raise corrupt(f"{name} is missing", index_dir)
        if sha256_file(path) != checksum:
            raise corrupt(f"{name} does not match its checksum in {MANIFEST}", index_dir)


def is_store(path: Path, index_dir: Path) -> bool:
    """True for the embedding store's folder (a real folder, not a link) and everything under it."""
    store = index_dir / STORE_DIR
    return store.is_dir() and not store.is_symlink() and (path == store or store in path.parents)


def unexpected_entries(index_dir: Path, listed: frozenset[str]) -> list[str]:
    """What the index folder holds besides the manifest, the ``listed`` files, their folders and :data:`NOTES`.

    The embedding store (:data:`STORE_DIR`) is not looked into: it is the build's
    cache, which reads never use, and the build checks it itself.
    """
    folders = {name.rsplit("/", 1)[0] for name in listed if "/" in name}
    found = []
    for path in sorted(index_dir.rglob("*")):
        name = path.relative_to(index_dir).as_posix()
        if is_store(path, index_dir):
            continue
        if path.is_dir() and not path.is_symlink():
            if name not in folders:
                found.append(name + "/")
        elif name not in listed and name != MANIFEST and name not in NOTES:
            found.append(name)
    return found


def parse_spans(data: object, texts: Mapping[str, str], index_dir: object) -> tuple[list[IndexedSpan], dict[str, int]]:
    """The searchable spans of ``spans.json`` (already parsed), checked against the documents' ``texts``.

    Every record must fit the schema, name a document of the index, hold that
    document's text at offsets inside it, and (when searchable) carry the next
    row and a context around it; a repeat must point at an earlier sentence of
    its document. Returns the spans in row order and the counts the manifest keeps.
    """
    try:
        records = _SPAN_RECORDS.validate_python(data)
    except ValidationError as exc:
        raise corrupt(f"{SPANS} is not a valid list of span records: {_schema_problem(exc)}", index_dir) from exc
    spans: list[IndexedSpan] = []
    position: dict[str, int] = {}  # records so far per document: the chunker's sentence number
    counts = {"sentences": len(records), "searchable": 0, "boilerplate": 0, "duplicates": 0}
    for number, record in enumerate(records):
        where = f"{SPANS} record {number}"
        text = texts.get(record.doc)
        if text is None:
            raise corrupt(f"{where} names {record.doc!r}, which is not a document of the index", index_dir)
        if not record.start <= record.end <= len(text):
            raise corrupt(
                f"{where} has offsets {record.start}-{record.end}, outside {record.doc} ({len(text)} characters)",
                index_dir,
            )
        if text[record.start : record.end] != record.text:
            raise corrupt(f"{where} does not match the text of {record.doc} at its offsets", index_dir)
        seen = position.get(record.doc, 0)
        position[record.doc] = seen + 1
        if isinstance(record, SkippedRecord):
            if record.duplicate_of is not None and record.duplicate_of >= seen:
                raise corrupt(
                    f"{where} repeats sentence {record.duplicate_of}, which does not come before it", index_dir
                )
            counts["boilerplate" if record.boilerplate is not None else "duplicates"] += 1
            continue
        if record.row != len(spans):
            raise corrupt(f"{where} has row {record.row} where row {len(spans)} comes next", index_dir)
        context = None
        if record.context is not None:
            start, end = record.context
            if not 0 <= start <= record.start <= record.end <= end <= len(text):
                raise corrupt(
                    f"{where} has a context {start}-{end} that is not around it inside {record.doc}", index_dir
                )
            context = (start, end)
        spans.append(IndexedSpan(Span(record.doc, record.start, record.end, record.text), record.stance, context))
    counts["searchable"] = len(spans)
    return spans, counts
