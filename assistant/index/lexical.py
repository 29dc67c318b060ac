"""The lexical side: BM25 (bm25s) over stemmed words, for the words people actually type.

Retrieval takes BM25's score of every row, not a top-k list: it scores the union
of every retriever's candidates lexically, and bm25s 0.3 computes the full score
vector for a top-k query anyway (``BM25.retrieve`` calls ``get_scores`` and then
selects with ``argpartition``; its numba backend does the same), so asking for
the top k would cost as much and would need the scores of the other candidates
on top. The arrays are memory-mapped on load.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

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
        self.vocabulary: frozenset[str] = frozenset(t for t in bm25.vocab_dict if t)

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
        return sorted(v for v in self.vocabulary if v.startswith(stem))[:5]

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row for the (already tokenized) query."""
        known = [t for t in tokens if t in self.vocabulary]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)
