"""Compose the cited answer: fixed texts around verbatim, verified quotes.

Nothing here writes prose. An answer is up to ``max_snippets`` spans of the
source, each checked against the document text at its offsets just before it
is returned, and the fixed texts that fit its case (:mod:`assistant.safety`):

- answered: the preamble above the quotes;
- not covered: the not-covered message, and a few headings of the source as
  questions it does answer (no preamble: there is nothing to introduce);
- off topic (nothing the question names is in the source): the off-topic message;
- urgent: the urgent-care notice first, saying "do not rely on the quotes
  below" only when there are quotes below.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .answerability import answers_amount, coverage, names_the_topic
from .corpus import Span, dedupe_key
from .index.load import Index
from .retrieval import Retrieval
from .safety import DEFAULT_WORDING, SUGGESTION_QUESTION, Wording, wording_for
from .schemas import AnswerOut, SnippetOut
from .settings import Settings
from .stance import CAUTION, SUPPORTIVE, asks_for_advice

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snippet:
    """A verbatim quote: a span of the source, its score and which side of differing advice it is on."""

    span: Span
    score: float
    group: str | None = None
    context: Span | None = None

    def to_dict(self, title: str | None = None) -> dict[str, Any]:
        """The wire shape, :class:`~assistant.schemas.SnippetOut`, as a dict."""
        return SnippetOut.from_snippet(self, title).model_dump()


def new_answer_id() -> str:
    """A fresh random id for one answer: 32 hex digits."""
    return uuid.uuid4().hex


AnswerKind = Literal["answered", "not_covered", "off_topic"]


@dataclass(frozen=True)
class Answer:
    """What the assistant says to one question. Build dicts with ``to_dict`` at the edge only."""

    question: str
    covered: bool
    snippets: tuple[Snippet, ...] = ()
    urgent: bool = False
    red_flags: tuple[str, ...] = ()
    #: "not_covered" or "off_topic" for a decline (ignored when ``covered``).
    decline: AnswerKind = "not_covered"
    #: Questions the source does answer, offered with a decline (fixed text around a source heading).
    suggestions: tuple[str, ...] = ()
    wording: Wording = field(default=DEFAULT_WORDING, compare=False, repr=False)
    titles: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)
    #: The original article's address per document, when its metadata gives one.
    urls: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)
    #: How well the source covers the question (see :mod:`assistant.answerability`); for evaluation.
    coverage: float = field(default=0.0, compare=False, repr=False)
    #: A fresh random id per answer, the same wherever this answer is shown (for feedback later).
    #: Not part of equality: two answers with the same content are equal. ``new_answer_id`` is
    #: looked up at each call, so a test can pin it.
    id: str = field(default_factory=lambda: new_answer_id(), compare=False)

    @property
    def kind(self) -> AnswerKind:
        return "answered" if self.covered else self.decline

    @property
    def preamble(self) -> str | None:
        """Above the quotes; none on a decline, which has nothing to introduce."""
        return self.wording.preamble if self.covered else None

    @property
    def message(self) -> str | None:
        if self.covered:
            return None
        return self.wording.off_topic if self.decline == "off_topic" else self.wording.not_covered

    @property
    def notice(self) -> str | None:
        if not self.urgent:
            return None
        return self.wording.urgent_with_quotes if self.snippets else self.wording.urgent_alone

    def to_dict(self) -> dict[str, Any]:
        """The wire shape, :class:`~assistant.schemas.AnswerOut`, as a dict (what ``/api/ask`` returns)."""
        return AnswerOut.from_answer(self).model_dump()


def verified(snippets: list[Snippet], index: Index) -> list[Snippet]:
    """Keep only snippets whose text (and context) is exactly the document text at their offsets.

    This is the quote guarantee, enforced at run time: a quote that fails is
    dropped and logged, never shown.
    """
    good = []
    for snippet in snippets:
        document = index.documents.get(snippet.span.doc)
        ok = document is not None and snippet.span.matches(document.text)
        if ok and snippet.context is not None:
            ok = document is not None and snippet.context.matches(document.text)
        if ok:
            good.append(snippet)
        else:
            logger.error("Dropped a snippet that does not match its source: %r", snippet.span)
    return good


def _select(retrieval: Retrieval, index: Index, settings: Settings) -> list[tuple[int, float]]:
    """Rows to quote: relevant, distinct, and both sides of differing advice."""
    hits = retrieval.hits
    if not hits:
        return []
    # Relevance is measured against the best sentence that stands alone: a bare
    # heading ("Child's Pose.") may match a short question best and still say nothing.
    best = next((h.score for h in hits if index.spans[h.row].context is None), hits[0].score)
    chosen: list[tuple[int, float]] = []
    other_side: list[tuple[int, float]] = []
    seen: set[str] = set()
    for hit in hits:
        key = dedupe_key(index.spans[hit.row].span.text)
        if key in seen:
            continue
        seen.add(key)
        if hit.score >= best * settings.relative_floor:
            chosen.append((hit.row, hit.score))
        # Advice on the other side may rank lower and still answer the question,
        # as long as it shares the question's words.
        elif hit.score >= best * settings.both_sides_floor and hit.lexical > 0:
            other_side.append((hit.row, hit.score))
    # A span too short to stand alone (a bare heading) never leads while a
    # sentence that says something is among the relevant ones.
    chosen.sort(key=lambda item: index.spans[item[0]].context is not None)
    top = chosen[: settings.max_snippets]
    if not asks_for_advice(retrieval.question):
        return top
    return _with_both_sides(top, chosen, other_side, lambda row: index.spans[row].stance, settings.max_snippets)


def _with_both_sides(
    top: list[tuple[int, float]],
    relevant: list[tuple[int, float]],
    further: list[tuple[int, float]],
    stance_of: Callable[[int], str | None],
    limit: int,
    per_side: int = 2,
) -> list[tuple[int, float]]:
    """When the passages hold both cautions and recommendations, quote both sides.

    Each side gets up to ``per_side`` of its ``relevant`` passages; a side with
    none there gets its single best passage from ``further`` (ranked lower, but
    still on the question's words). The remaining slots keep the best quotes of
    ``top``. Never one side silently.
    """
    picked: list[tuple[int, float]] = []
    for side in (CAUTION, SUPPORTIVE):
        mine = [item for item in relevant if stance_of(item[0]) == side][:per_side]
        mine = mine or [item for item in further if stance_of(item[0]) == side][:1]
        if not mine:
            return top
        picked += mine
    for item in top:
        if len(picked) >= limit:
            break
        if item not in picked:
            picked.append(item)
    return sorted(picked[:limit], key=lambda item: -item[1])


def compose(
    question: str,
    retrieval: Retrieval,
    index: Index,
    settings: Settings,
    red_flags: list[str],
) -> Answer:
    """Turn ranked candidates into the answer shown to people."""
    titles = {path: doc.title for path, doc in index.documents.items()}
    cover = coverage(retrieval, settings)
    threshold = settings.cover_threshold if retrieval.second_best is not None else settings.fused_cover_threshold
    covered = cover >= threshold
    snippets: list[Snippet] = []
    if covered:
        rows = _select(retrieval, index, settings)
        if not answers_amount(retrieval.question, retrieval, (index.spans[row].span.text for row, _ in rows)):
            rows = []
        stances = {index.spans[row].stance for row, _ in rows}
        both_sides = CAUTION in stances and SUPPORTIVE in stances and asks_for_advice(retrieval.question)
        for row, score in rows:
            item = index.spans[row]
            context = None
            if item.context is not None:
                start, end = item.context
                context = Span(item.span.doc, start, end, index.documents[item.span.doc].text[start:end])
            group = item.stance if both_sides else None
            snippets.append(Snippet(item.span, score, group, context))
        snippets = verified(snippets, index)
        covered = bool(snippets)
    decline: AnswerKind = "not_covered" if names_the_topic(retrieval) else "off_topic"
    return Answer(
        question=question,
        covered=covered,
        snippets=tuple(snippets),
        urgent=bool(red_flags),
        red_flags=tuple(red_flags),
        decline=decline,
        suggestions=() if covered or decline == "off_topic" else suggestions(retrieval, index, settings),
        wording=wording_for(
            index.documents.values(), source=settings.source_name, topic=settings.topic, who=settings.who_to_ask
        ),
        titles=titles,
        urls={path: doc.source_url for path, doc in index.documents.items()},
        coverage=cover,
    )


#: How many questions a decline offers.
MAX_SUGGESTIONS = 3


def heading_label(text: str) -> str | None:
    """A short span that names a topic of the source ("Child’s Pose.", "Pelvic Tilt."), as a label; else None.

    Short (at most five words, Title Case past two), no digits (an
    instruction such as "Hold for 30 seconds;" is short too), ending at most in
    a full stop.
    """
    label = text.strip().rstrip(".").strip()
    words = label.split()
    if not label or not 1 <= len(words) <= 5 or any(c.isdigit() for c in label) or label[-1] in ";:,-–—…":
        return None
    if not label[0].isupper():
        return None
    # Longer than two words, a heading is in Title Case ("Upper Back and Neck Stretch");
    # a sentence-case fragment that long is an instruction ("Take small steps", "Breathe out as you roll").
    capitalised = sum(word[0].isupper() for word in words if len(word) > 3)
    long_words = sum(1 for word in words if len(word) > 3)
    if len(words) > 2 and capitalised < long_words:
        return None
    return label


def suggestions(retrieval: Retrieval, index: Index, settings: Settings) -> tuple[str, ...]:
    """Questions the source does answer, nearest to the declined question first.

    Each is the fixed :data:`~assistant.safety.SUGGESTION_QUESTION` around one
    of the source's own headings (spans too short to stand alone, which the
    index marks with their surrounding text). Headings among the question's
    candidates come first, then the rest in document order.
    """
    labels: list[str] = []
    ranked = [hit.row for hit in retrieval.hits]
    seen = set(ranked)
    rest = [row for row in range(len(index.spans)) if row not in seen]
    for row in ranked + rest:
        item = index.spans[row]
        if item.context is None:
            continue
        label = heading_label(item.span.text)
        if label is not None and label.casefold() not in {x.casefold() for x in labels}:
            labels.append(label)
        if len(labels) == MAX_SUGGESTIONS:
            break
    return tuple(SUGGESTION_QUESTION.format(heading=label) for label in labels)
