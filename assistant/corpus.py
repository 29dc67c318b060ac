"""Documents, spans and site boilerplate.

A document is a ``.txt`` or ``.md`` file in the corpus folder, read byte for byte
and never rewritten. Everything downstream points into it with character
offsets, so any quote can be checked against the original.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
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
    for key in ("title", "source_url"):
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
    document may give its ``title`` and ``source_url``.
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
            )
        )
    return documents


def normalize(text: str) -> str:
    """Fold a text for comparison: NFKC, straight quotes, lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_QUOTES).casefold()
    return " ".join(text.split())


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def dedupe_key(text: str) -> str:
    """Key under which two sentences count as the same sentence."""
    return re.sub(r"[^\w]+", " ", normalize(text)).strip()


# --- Boilerplate -------------------------------------------------------------
#
# Scraped articles carry the site around them: legal lines, social buttons,
# bylines, publisher names, menus of other articles, author bios. These rules
# describe those kinds of lines in general, not the lines of any one file.

_LEGAL = re.compile(
    r"registered\s+trademark|\btrademarks?\s+of\b|all\s+rights\s+reserved|\bcopyright\b|\u00a9|\(c\)\s*\d{4}"
    r"|\bdo(?:es)?\s+not\s+endorse|\bendorse(?:s|d|ment)?\s+(?:any|the)\s+(?:products?|services?)"
    r"|for\s+(?:educational|informational)\s+(?:use|purposes)\s+only"
    r"|substitute\s+for\s+(?:professional\s+)?(?:medical\s+)?advice"
    r"|\bterms\s+of\s+(?:use|service)\b|\bprivacy\s+policy\b|\bcookie\s+policy\b|\baffiliate\s+links?\b",
    re.IGNORECASE,
)
_SOCIAL = re.compile(
    r"\b(?:pinterest|facebook|instagram|twitter|tiktok|whatsapp|linkedin|youtube)\b"
    r"|\bshare\s+(?:this|on)\b|\bsubscribe\b|\bnewsletter\b|\bsign\s+up\b|\bclick\s+here\b"
    r"|\bread\s+more\b|\bsponsored\b|\badvertisement\b|'s\s+board\b",
    re.IGNORECASE,
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_BYLINE = re.compile(
    r"^(?:published|updated|last\s+(?:updated|reviewed|modified)|posted(?:\s+on)?|reviewed\s+by|written\s+by"
    r"|medically\s+reviewed)\b"
    rf"|^{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b|^\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b",
    re.IGNORECASE,
)
_COMPANY = re.compile(r"^[A-Z][\w&.,' -]{0,60}\b(?:Ltd|Limited|Inc|LLC|GmbH|Corp|Corporation|plc|Media|Group)\.?$")
_BIO = re.compile(
    r"^\(?(?:she|he|they|[A-Z][a-z]+)\s+(?:is|are|was|has|holds|also\s+holds)\b[^.]{0,120}?\b"
    r"(?:certified|writer|author|editor|journalist|degree|instructor|teacher|contributor|freelance)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")


def _is_navigation(text: str) -> bool:
    """A menu of links: many comma- or pipe-separated items, mostly in Title Case."""
    separators = text.count(",") + text.count("|")
    words = _WORD.findall(text)
    if separators < 4 or len(words) < 10:
        return False
    capitalised = sum(1 for w in words if w[0].isupper())
    return capitalised / len(words) >= 0.6


def boilerplate_reason(text: str) -> str | None:
    """Why a sentence is site boilerplate rather than article content, or None."""
    stripped = text.strip()
    if _LEGAL.search(stripped):
        return "legal"
    if _SOCIAL.search(stripped):
        return "social"
    if _BYLINE.search(stripped):
        return "byline"
    if _COMPANY.match(stripped) and len(stripped.split()) <= 6:
        return "publisher"
    if _BIO.match(stripped):
        return "author bio"
    if _is_navigation(stripped):
        return "navigation"
    words = _WORD.findall(stripped)
    if stripped[:1].islower() and len(words) < 5:
        # The tail of a sentence cut by the scrape ("diagnosis or treatment.").
        return "fragment"
    if not words:
        return "no words"
    return None


_CLAUSE_BREAK = re.compile(r"[,;:]\s+(?=[A-Z])")


def trim_boilerplate(text: str) -> tuple[int, int] | None:
    """Offsets within ``text`` of the content left once glued boilerplate clauses are cut.

    Scrapes glue a disclaimer onto the next sentence ("... medical advice, The most
    common causes ..."). When a leading or trailing clause is boilerplate and the
    rest is not, the rest is kept. Returns None when nothing is left.
    """
    cuts = [0, *(m.end() for m in _CLAUSE_BREAK.finditer(text)), len(text)]
    clauses = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
    lo, hi = 0, len(clauses)
    while lo < hi and boilerplate_reason(text[clauses[lo][0] : clauses[lo][1]]):
        lo += 1
    while hi > lo and boilerplate_reason(text[clauses[hi - 1][0] : clauses[hi - 1][1]]):
        hi -= 1
    if lo >= hi:
        return None
    start, end = clauses[lo][0], clauses[hi - 1][1]
    piece = text[start:end]
    if boilerplate_reason(piece):
        return None
    # Do not leave a trailing clause separator dangling.
    stripped = piece.rstrip()
    if hi < len(clauses):
        stripped = stripped.rstrip(",;:").rstrip()
    return start, start + len(stripped)
