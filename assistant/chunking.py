"""Sentence spans with exact offsets.

The scraped text is a shuffle of sentences from several pages, so its paragraphs
mean nothing: the unit is the sentence. langchain-text-splitters does the split
(sentence ends first, then list items joined by semicolons); the offsets of each
piece are then found in the original text, never recomputed from cleaned text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .boilerplate import GLUED_REASONS, boilerplate_reason, is_heading, trim_boilerplate
from .corpus import Document, Span, dedupe_key

# A sentence ends at . ! ? or an ellipsis, optionally followed by closing quotes
# or brackets, then white space and a word (scrapes often lose the capital).
# Abbreviations ("Dr.", "U.S.", "e.g.") do not end a sentence. Python's
# look-behinds must be fixed-width, hence one per abbreviation.
_ABBREVIATIONS = ("Dr", "Mr", "Mrs", "Ms", "St", "vs", "Prof", "approx", "e.g", "i.e", "Fig", "No")
SENTENCE_END = (
    r"(?<=[.!?\u2026])"
    + "".join(rf"(?<!\b{abbr.replace('.', chr(92) + '.')}\.)" for abbr in _ABBREVIATIONS)
    + r"(?<!\b[A-Za-z]\.)"
    + r"[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]*\w)"
)
# A line break ends a sentence too: scraped pages put titles, headings and menu
# rows on lines of their own, often without a full stop.
LINE_END = r"\s*\n\s*"
# Lists flattened into one line by the scrape: "...slightly apart; Bring your chest ...".
LIST_ITEM_END = r"(?<=;)\s+(?=[A-Z])"
# Last resort for run-on text longer than ``max_span_chars``.
CLAUSE_END = r"(?<=[,:])\s+"


@dataclass(frozen=True)
class Sentence:
    """A sentence span and what the chunker found out about it.

    ``boilerplate`` names why it is site boilerplate (never quoted);
    ``duplicate_of`` is the position of an earlier identical sentence (quoted once);
    ``context`` is a wider ``(start, end)`` range with the neighbouring sentences,
    set for spans too short to stand alone.
    """

    span: Span
    boilerplate: str | None = None
    duplicate_of: int | None = None
    context: tuple[int, int] | None = None

    @property
    def searchable(self) -> bool:
        return self.boilerplate is None and self.duplicate_of is None


def _splitter(max_span_chars: int) -> RecursiveCharacterTextSplitter:
    # chunk_size=1 keeps every sentence its own chunk: the splitter only merges
    # pieces shorter than chunk_size. Sentences longer than max_span_chars are
    # split further by _split_long below.
    return RecursiveCharacterTextSplitter(
        separators=[LINE_END, SENTENCE_END, LIST_ITEM_END],
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=1,
        chunk_overlap=0,
        strip_whitespace=True,
    )


def _split_long(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    splitter = RecursiveCharacterTextSplitter(
        separators=[CLAUSE_END, r"\s+"],
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=max_chars,
        chunk_overlap=0,
        strip_whitespace=True,
    )
    return splitter.split_text(text)


def split_sentences(document: Document, max_span_chars: int = 400) -> list[Span]:
    """Cut a document into sentence spans whose text is exactly ``document.text[start:end]``."""
    spans: list[Span] = []
    cursor = 0
    text = document.text
    for chunk in _splitter(max_span_chars).split_text(text):
        for piece in _split_long(chunk.strip(), max_span_chars):
            piece = piece.strip()
            if not piece:
                continue
            start = text.find(piece, cursor)
            if start < 0:  # the splitter only ever returns substrings; guard anyway
                raise ValueError(f"chunker lost its place in {document.path} near offset {cursor}")
            end = start + len(piece)
            spans.append(Span(document.path, start, end, piece))
            cursor = end
    return spans


def chunk_document(document: Document, *, max_span_chars: int = 400, min_standalone_chars: int = 30) -> list[Sentence]:
    """Sentences of a document with boilerplate, duplicates and short-span context marked."""
    text = document.text
    first_seen: dict[str, int] = {}
    sentences: list[Sentence] = []
    for raw in split_sentences(document, max_span_chars):
        span, reason = _without_boilerplate(raw, text)
        duplicate_of = None
        if reason is None:
            key = dedupe_key(span.text)
            if key in first_seen:
                duplicate_of = first_seen[key]
            else:
                first_seen[key] = len(sentences)
        sentences.append(Sentence(span, boilerplate=reason, duplicate_of=duplicate_of))
    return _with_context(sentences, min_standalone_chars)


def _without_boilerplate(raw: Span, text: str) -> tuple[Span, str | None]:
    """The span with glued boilerplate clauses cut off, or why it is boilerplate as a whole."""
    reason = boilerplate_reason(raw.text)
    if reason is not None and reason not in GLUED_REASONS:
        return raw, reason
    trimmed = trim_boilerplate(raw.text)
    if trimmed is None:
        return raw, reason or "boilerplate clauses"
    start, end = raw.start + trimmed[0], raw.start + trimmed[1]
    return Span(raw.doc, start, end, text[start:end]), None


# A number followed by a word ("Hold for 30 seconds.", "Repeat 2 to 4 times."):
# a short instruction that says how much stands alone; a numbered heading
# ("Lower neck stretch 1.") does not match.
_AMOUNT = re.compile(r"\d+(?:[.,]\d+)?(?:\s*(?:to|-|\u2013)\s*\d+)?\s*[^\W\d_]")


def states_amount(text: str) -> bool:
    """True for a short span that gives an amount, so it answers "how long" or "how many" on its own."""
    return bool(_AMOUNT.search(text))


def _with_context(sentences: list[Sentence], min_chars: int) -> list[Sentence]:
    """Give spans too short to stand alone their neighbours (never boilerplate) as context."""
    result = []
    for i, sentence in enumerate(sentences):
        span = sentence.span
        short = len(span.text) < min_chars or is_heading(span.text)
        if sentence.boilerplate is not None or not short or states_amount(span.text):
            result.append(sentence)
            continue
        start, end = span.start, span.end
        if i > 0 and sentences[i - 1].boilerplate is None:
            start = sentences[i - 1].span.start
        if i + 1 < len(sentences) and sentences[i + 1].boilerplate is None:
            end = sentences[i + 1].span.end
        # Set even when no neighbour can be added: it marks the span as one that cannot stand alone.
        result.append(Sentence(span, None, sentence.duplicate_of, (start, end)))
    return result
