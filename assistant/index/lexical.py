"""The lexical side: BM25 (bm25s) over stemmed words, for the words people actually type.

A query reads only the posting lists of its own words (:meth:`Lexicon.matches`):
bm25s keeps its scores as a sparse matrix with one column per word, so the
rows that hold a word and their share of the score are one slice each.
``BM25.retrieve`` and ``get_scores`` instead fill a score for every row and
select the top k over all of them (bm25s 0.3, numba backend included), which
grows with the corpus whatever the query. Here a query whose words are rare
costs what their postings cost, and only one whose words are in a large share of
the rows pays for a pass over all of them (:data:`ROWS_PER_POSTING_TO_SORT`).
The arrays are memory-mapped on load.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

#: A query whose words have at most one posting per this many rows has its scores summed by sorting the
#: postings (cost ~ postings·log postings); one with more, into a buffer over every row (cost ~ rows), as
#: bm25s does. Measured with numpy on 10^4-10^6 rows: sorting wins below 10 % postings per row and loses
#: above 30 % (at 10^6 rows: 0.2 ms against 4 ms at 1 %, 20 ms against 15 ms at 30 %).
ROWS_PER_POSTING_TO_SORT = 8

_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)?")


# Words that shape a question but say nothing about its topic.
_QUESTION_WORDS = frozenset(
    "many much kind kinds type types sort get gets getting got tell say please thing things way ways "
    "would could might may must also ok okay anything something someone really".split()
)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS) | _QUESTION_WORDS


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed content words of a text (stopwords dropped)."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    words = [w for w in _TOKEN.findall(folded) if w not in _stopwords() and len(w) > 1]
    words = [w[:-2] if w.endswith("'s") else w for w in words]
    return list(_stemmer().stemWords(words))


class Lexicon:
    """A BM25 index over the spans, addressed by row."""

    def __init__(self, bm25: Any) -> None:
        self._bm25 = bm25
        self._columns: dict[str, int] = {t: int(c) for t, c in bm25.vocab_dict.items() if t}
        self.vocabulary: frozenset[str] = frozenset(self._columns)
        self._sorted = sorted(self._columns)  # for prefix look-ups by bisection

    @property
    def size(self) -> int:
        return int(self._bm25.scores["num_docs"])

    @classmethod
    def build(cls, texts: list[str]) -> Lexicon:
        import bm25s

        bm25 = bm25s.BM25()
        bm25.index([tokenize(t) for t in texts], show_progress=False)
        return cls(bm25)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> Lexicon:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), load_corpus=False, allow_pickle=False, mmap=True))

    def problem(self) -> str | None:
        """What makes a loaded index unusable (wrong types, shapes or ranges in its files), or None."""
        scores, vocab = self._bm25.scores, self._bm25.vocab_dict
        num_docs = scores.get("num_docs")
        if not isinstance(num_docs, int) or isinstance(num_docs, bool) or num_docs < 0:
            return "num_docs is not a count"
        data, indices, indptr = (np.asarray(scores.get(key)) for key in ("data", "indices", "indptr"))
        if data.ndim != 1 or data.dtype.kind != "f":
            return "the scores are not a list of numbers"
        if indices.shape != data.shape or indices.dtype.kind not in "iu":
            return "the row indices do not fit the scores"
        if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= num_docs):
            return "a row index is out of range"
        if indptr.ndim != 1 or indptr.dtype.kind not in "iu" or not indptr.size:
            return "the column pointers are not a list of integers"
        if int(indptr[0]) != 0 or bool(np.any(np.diff(indptr) < 0)) or int(indptr[-1]) > data.size:
            return "the column pointers do not fit the scores"
        if not isinstance(vocab, dict) or not all(
            isinstance(token, str)
            and isinstance(column, int)
            and not isinstance(column, bool)
            and 0 <= column < indptr.size - (1 if token else 0)
            for token, column in vocab.items()
        ):
            return "the vocabulary is not a mapping of words to columns"
        return None

    def knows(self, stem: str) -> bool:
        """A stem the source uses, or a clipped form of one ("physio" for "physiotherapy", 5+ letters)."""
        return stem in self.vocabulary or bool(self.completions(stem))

    def completions(self, stem: str) -> list[str]:
        """Source stems that a clipped word of 5+ letters begins ("physio" -> "physiotherapi")."""
        if stem in self.vocabulary or len(stem) < 5:
            return []
        found: list[str] = []
        for word in self._sorted[bisect.bisect_left(self._sorted, stem) :]:  # words with the prefix follow it
            if not word.startswith(stem) or len(found) == 5:
                break
            found.append(word)
        return found

    def matches(self, tokens: list[str]) -> Matches:
        """The BM25 scores of a (tokenized) query: positive for the rows that hold one of its words, 0 elsewhere.

        A word given twice counts twice, as in bm25s.
        """
        cols = [self._columns[t] for t in tokens if t in self.vocabulary]
        if not cols:
            return Matches(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
        scores = self._bm25.scores
        data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
        postings = sum(int(indptr[c + 1] - indptr[c]) for c in cols)
        if postings * ROWS_PER_POSTING_TO_SORT <= self.size:  # few postings: sum them by sorting
            rows = np.concatenate([indices[indptr[c] : indptr[c + 1]] for c in cols])
            values = np.concatenate([data[indptr[c] : indptr[c + 1]] for c in cols])
            found, inverse = np.unique(rows, return_inverse=True)
            totals = np.bincount(inverse, weights=values, minlength=found.size)
            return Matches(found.astype(np.int64, copy=False), totals.astype(np.float32))
        every = np.zeros(self.size, dtype=np.float32)  # many: one buffer over all rows, as bm25s sums them
        for c in cols:
            np.add.at(every, indices[indptr[c] : indptr[c + 1]], data[indptr[c] : indptr[c + 1]])
        return Matches(None, every)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row for the (already tokenized) query (for tests and tools; answering uses
        :meth:`matches`)."""
        return self.matches(tokens).at(range(self.size))


@dataclass(frozen=True)
class Matches:
    """One query's BM25 scores: ``scores[i]`` is row ``rows[i]``'s (rows ascending, every other row scores 0),
    or, when ``rows`` is None, ``scores`` holds every row's."""

    rows: np.ndarray | None
    scores: np.ndarray

    def top(self, k: int) -> np.ndarray:
        """The ``k`` rows with the highest positive scores; among equal scores the lower rows."""
        positions = top_positions(self.scores, k)
        return positions if self.rows is None else self.rows[positions]

    def at(self, wanted: Iterable[int]) -> np.ndarray:
        """The scores of the ``wanted`` rows (0 for a row that holds none of the words)."""
        rows = np.fromiter(wanted, dtype=np.int64)
        if self.rows is None:
            result: np.ndarray = self.scores[rows]
            return result
        if not self.rows.size:
            return np.zeros(rows.size, dtype=np.float32)
        at = np.minimum(np.searchsorted(self.rows, rows), self.rows.size - 1)
        return np.where(self.rows[at] == rows, self.scores[at], np.float32(0)).astype(np.float32)


def top_positions(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest positive ``scores``, ties broken towards the lower position.

    One selection pass (``argpartition``), plus one to find the ties at the
    k-th score, so its cost does not depend on the order ties come in.
    """
    if k <= 0 or not scores.size:
        return np.empty(0, dtype=np.int64)
    if scores.size > k:
        best = np.argpartition(-scores, k - 1)[:k]
        kth = scores[best].min()
        if kth > 0:
            above = best[scores[best] > kth]
            tied = np.flatnonzero(scores == kth)[: k - above.size]
            return np.sort(np.concatenate([above, tied])).astype(np.int64, copy=False)
    return np.flatnonzero(scores > 0).astype(np.int64, copy=False)
