"""Documents and spans.

A document is a ``.txt`` or ``.md`` file in the corpus folder, read byte for byte
and never rewritten. Everything downstream points into it with character
offsets, so any quote can be checked against the original. Site boilerplate
(legal lines, bylines, menus ...) is recognised in :mod:`assistant.boilerplate`.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import CorpusError

DOCUMENT_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class Document:
    """One source text. ``path`` is relative to the corpus folder, with ``/``."""

    path: str
    text: str
    sha256: str
    title: str | None = None
    source_url: str | None = None
    #: What the document is about, in a few words ("back spasms"), for the fixed texts.
    topic: str | None = None
    #: Who a reader should ask about their own case ("a doctor or physiotherapist").
    ask: str | None = None


@dataclass(frozen=True)
class Span:
    """A ``[start, end)`` character range of a document and the text it holds."""

    doc: str
    start: int
    end: int
    text: str

    def matches(self, document_text: str) -> bool:
        """True when the span is exactly the document's text at its offsets."""
        return 0 <= self.start <= self.end <= len(document_text) and (document_text[self.start : self.end] == self.text)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


#: Keys a document's sidecar JSON may hold; each a string or null.
METADATA_KEYS = ("title", "source_url", "topic", "ask")


def _read_metadata(sidecar: Path, rel: str) -> dict[str, str | None]:
    if not sidecar.is_file():
        return {}
    try:
        raw = json.loads(sidecar.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"The metadata file {sidecar.name} for {rel} is not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise CorpusError(f"The metadata file {sidecar.name} for {rel} must hold a JSON object.")
    meta: dict[str, str | None] = {}
    for key in METADATA_KEYS:
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise CorpusError(f"In {sidecar.name}, {key!r} must be a string or null.")
        meta[key] = value
    return meta


def document_files(corpus_dir: Path) -> list[Path]:
    """The document files of a corpus folder, sorted, or a clear error."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"The corpus folder {corpus_dir} does not exist. Put the source texts (.txt or .md) there, "
            "or point ASSISTANT_CORPUS_DIR at the folder that holds them."
        )
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)
    files = [p for p in files if not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)]
    if not files:
        raise CorpusError(f"The corpus folder {corpus_dir} holds no .txt or .md file.")
    return files


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Read every document of the corpus folder, exactly as stored.

    The bytes are decoded as UTF-8 without newline translation, so offsets are
    character offsets into the file's text. A sidecar ``<name>.json`` next to a
    document may give its ``title``, ``source_url``, ``topic`` and ``ask``
    (who to ask about one's own case), used in citations and the fixed texts.
    """
    documents = []
    for path in document_files(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(
                f"{rel} in the corpus is not UTF-8 text (invalid byte at position {exc.start}). "
                "Convert it to UTF-8 or remove it from the corpus folder."
            ) from exc
        meta = _read_metadata(path.with_suffix(".json"), rel)
        documents.append(
            Document(
                path=rel,
                text=text,
                sha256=sha256_bytes(data),
                title=meta.get("title"),
                source_url=meta.get("source_url"),
                topic=meta.get("topic"),
                ask=meta.get("ask"),
            )
        )
    return documents


def normalize(text: str) -> str:
    """Fold a text for comparison: NFKC, straight quotes, lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_QUOTES).casefold()
    return " ".join(text.split())


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


@lru_cache(maxsize=1 << 16)
def dedupe_key(text: str) -> str:
    """Key under which two sentences count as the same sentence (cached: answers ask it of the same spans)."""
    return re.sub(r"[^\w]+", " ", normalize(text)).strip()
