"""Span records and the manifest: the file names, the format, and the checks that need no model.

Nothing here imports the chunker (or langchain): the answer path loads and
verifies an index without the build chain. The chunker fingerprint hashes the
rule modules' files, found with :func:`importlib.util.find_spec`, without
importing them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..corpus import Span
from ..errors import IndexNotReady

if TYPE_CHECKING:
    from ..settings import Settings

#: 3: ids in the FAISS file are explicit (IndexIDMap2), and the centring terms are stored.
FORMAT_VERSION = 3
MANIFEST = "manifest.json"
SPANS = "spans.json"
#: The main model's vectors (a :class:`~assistant.index.dense.DenseIndex`; its kind is in the manifest).
DENSE = "dense.faiss"
#: Mean of the main model's vectors.
CENTROID = "centroid.npy"
#: Per row: dot product of its vector with the centroid, and the norm of the vector minus the centroid.
CENTROID_DOTS = "centroid_dots.npy"
CENTRED_NORMS = "centred_norms.npy"
#: Passage vectors of the second retriever, when one is configured.
SECOND = "second.npy"
#: The same rows centred on their own mean and normalised, and that mean.
SECOND_CENTRED = "second_centred.npy"
SECOND_CENTROID = "second_centroid.npy"
BM25_DIR = "bm25"
LIBRARIES = ("sentence-transformers", "torch", "faiss-cpu", "bm25s", "PyStemmer", "langchain-text-splitters")
#: The modules whose code decides which spans the index holds (in hashing order).
RULE_MODULES = ("boilerplate", "chunking", "corpus", "stance")


@dataclass(frozen=True)
class IndexedSpan:
    """A searchable sentence: row ``i`` of the spans, id ``i`` of the dense index, document ``i`` of BM25."""

    span: Span
    stance: str | None = None
    context: tuple[int, int] | None = None


def span_from_record(record: dict[str, Any]) -> IndexedSpan:
    """The searchable span a ``spans.json`` record with a ``row`` describes."""
    span = Span(record["doc"], record["start"], record["end"], record["text"])
    context = tuple(record["context"]) if record.get("context") else None
    return IndexedSpan(span, record.get("stance"), context)


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


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest, or ``IndexNotReady`` ("missing", or "corrupt" when it is not a manifest)."""
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


def check_files(manifest: dict[str, Any], index_dir: Path) -> None:
    """Raise ``IndexNotReady("corrupt")`` when any index file is missing or fails its checksum."""
    for name, expected in sorted(manifest["files"].items()):
        path = index_dir / name
        if not path.is_file():
            raise IndexNotReady("corrupt", f"{name} is missing", index_dir)
        if sha256_file(path) != expected:
            raise IndexNotReady("corrupt", f"{name} does not match its checksum in {MANIFEST}", index_dir)
