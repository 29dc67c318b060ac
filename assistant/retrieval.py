"""Hybrid retrieval: dense (FAISS, cosine) and lexical (BM25), fused by a weighted sum.

- Dense: a mix of plain cosine and cosine after subtracting the corpus centroid.
  In a one-topic source every sentence shares the topic ("back spasms"), which
  makes generic sentences look close to every question; centring lets what is
  distinctive in the question decide.
- Lexical: BM25 put on a 0..1 scale by saturation (``s / (s + half)``) rather than
  by dividing by the best score, so a question whose words barely occur in the
  source does not get a perfect lexical score for being the best of a bad lot.
  That keeps the fused score comparable across questions, which abstention uses.
- Spans too short to stand alone (bare headings) lose a little, so a sentence
  that says something wins over a heading that only names the topic.
- The question is taken as :mod:`assistant.query` corrected it (texting and
  typos fixed); a clipped word ("physio") also searches the source words it
  begins. Its focus terms say how much of what it asks about the source never
  mentions, which abstention uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .index.lexical import tokenize
from .index.load import Index
from .query import FocusTerm, ProcessedQuery
from .settings import Settings


@dataclass(frozen=True)
class Hit:
    """One candidate span: its row in the index and its scores."""

    row: int
    score: float
    lexical: float


@dataclass(frozen=True)
class Retrieval:
    """The ranked candidates for a question (as corrected), and how well the source knows its words."""

    question: str
    hits: tuple[Hit, ...]
    terms: tuple[str, ...]
    focus: tuple[FocusTerm, ...] = ()
    unknown: tuple[FocusTerm, ...] = ()
    #: The second retriever's best plain cosine with any passage (None without one).
    second_best: float | None = None

    @property
    def unknown_share(self) -> float:
        """How much of what the question is about the source never mentions, weighted by informativeness.

        1.0 when the question has no content word at all ("?", "hello").
        """
        total = sum(t.score for t in self.focus)
        return sum(t.score for t in self.unknown) / total if total else 1.0


def retrieve(
    index: Index,
    query: ProcessedQuery,
    vector: np.ndarray,
    settings: Settings,
    second: np.ndarray | None = None,
) -> Retrieval:
    """Rank the index's spans for a processed question whose embedding is ``vector``.

    ``second`` is the question's vector from the second retriever, when the
    index has one: its centred cosine takes ``settings.second_weight`` of the
    semantic score, and its best rows join the candidates.
    """
    n = len(index)
    k = min(settings.candidates, n)
    lexicon = index.lexicon
    terms = tokenize(query.corrected)
    terms += [c for t in terms for c in lexicon.completions(t)]
    matches = lexicon.matches(terms)  # positive for the rows that hold a query word

    qvec = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
    dense_scores, dense_rows = index.dense.search(qvec, k)  # ids are rows
    rows = {int(r) for r in dense_rows[0] if r >= 0}
    rows.update(matches.top(k).tolist())  # the squashing below keeps the order
    found = index.second_search(second, k) if second is not None else None
    second_scores: dict[int, float] | None = None
    second_best = None
    if found is not None and second is not None:
        second_scores, second_best = found
        rows.update(second_scores)

    dense = dict(zip((int(r) for r in dense_rows[0]), (float(s) for s in dense_scores[0]), strict=True))
    missing = [r for r in rows if r not in dense]
    if missing:
        dense.update(zip(missing, (float(s) for s in index.dense.scores(qvec[0], missing)), strict=True))
    if second_scores is not None and second is not None:
        second_scores.update(index.second_scores(second, [r for r in rows if r not in second_scores]))

    candidates = list(rows)
    raw = matches.at(candidates)
    lexical = dict(zip(candidates, (raw / (raw + np.float32(settings.bm25_half))).tolist(), strict=True))
    centred = index.centred_cosine(qvec[0], list(rows), dense)
    w, beta = settings.dense_weight, settings.centering
    hits = []
    for r in rows:
        semantic = (1 - beta) * dense[r] + beta * centred[r]
        if second_scores is not None:
            semantic = (1 - settings.second_weight) * semantic + settings.second_weight * second_scores[r]
        score = w * semantic + (1 - w) * lexical[r]
        if index.spans[r].context is not None:  # too short to stand alone
            score -= settings.short_span_penalty
        hits.append(Hit(r, score, lexical[r]))
    hits.sort(key=lambda h: (-h.score, h.row))
    unknown = tuple(t for t in query.focus if not lexicon.knows(t.stem))
    return Retrieval(query.corrected, tuple(hits), tuple(terms), query.focus, unknown, second_best)
