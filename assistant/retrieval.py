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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .index import Index
from .lexical import tokenize
from .settings import Settings


@dataclass(frozen=True)
class Hit:
    """One candidate span: its row in the index and its scores."""

    row: int
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class Retrieval:
    """The ranked candidates for a question, and how well the source knows its words."""

    question: str
    hits: tuple[Hit, ...]
    terms: tuple[str, ...]
    unknown_terms: tuple[str, ...]

    @property
    def unknown_fraction(self) -> float:
        return len(self.unknown_terms) / len(self.terms) if self.terms else 1.0


def retrieve(index: Index, question: str, vector: np.ndarray, settings: Settings) -> Retrieval:
    """Rank the index's spans for a question whose embedding is ``vector``."""
    n = len(index)
    k = min(settings.candidates, n)
    terms = tokenize(question)
    lexical_raw = index.lexicon.scores(terms)
    lexical = lexical_raw / (lexical_raw + settings.bm25_half)

    query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
    dense_scores, dense_rows = index.dense.search(query, k)
    rows = {int(r) for r in dense_rows[0] if r >= 0}
    rows.update(int(r) for r in np.argpartition(-lexical, k - 1)[:k] if lexical[r] > 0)

    dense = dict(zip((int(r) for r in dense_rows[0]), (float(s) for s in dense_scores[0]), strict=True))
    missing = [r for r in rows if r not in dense]
    if missing:
        vectors = index.dense.reconstruct_batch(np.asarray(missing, dtype=np.int64))
        dense.update(zip(missing, (float(s) for s in vectors @ query[0]), strict=True))

    centred = index.centred_cosine(query[0], list(rows), dense)
    w, beta = settings.dense_weight, settings.centering
    hits = []
    for r in rows:
        semantic = (1 - beta) * dense[r] + beta * centred[r]
        score = w * semantic + (1 - w) * float(lexical[r])
        if index.spans[r].context is not None:  # too short to stand alone
            score -= settings.short_span_penalty
        hits.append(Hit(r, score, dense[r], float(lexical[r])))
    hits.sort(key=lambda h: (-h.score, h.row))
    unknown = tuple(t for t in terms if t not in index.lexicon.vocabulary)
    return Retrieval(question, tuple(hits), tuple(terms), unknown)
