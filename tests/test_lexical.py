"""BM25 reads only the posting lists of a query's words, and gives what bm25s's full scoring gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.index.lexical import Lexicon, tokenize
from assistant.retrieval import top_rows, values_at

OTHER = Path(__file__).parent / "data" / "other" / "article.txt"  # the shin-splint article, not the back-spasm one


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    lines = [line.strip() for line in OTHER.read_text("utf-8").splitlines() if line.strip()]
    return Lexicon.build(lines)


QUESTIONS = [
    "how long should I rest my shins",
    "ice ice ice",  # a word given three times counts three times, as in bm25s
    "running shoes and insoles",
    "shin shin splints splint running",
    "nothing here matches zebra",
    "",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_matches_give_bm25s_full_scores(lexicon: Lexicon, question: str) -> None:
    tokens = tokenize(question)
    known = [t for t in tokens if t in lexicon.vocabulary]
    full = np.zeros(lexicon.size, np.float32) if not known else np.asarray(lexicon._bm25.get_scores(known))
    rows, values = lexicon.matches(tokens)
    assert rows.tolist() == sorted(set(rows.tolist()))  # ascending, each once
    assert set(rows.tolist()) == set(np.flatnonzero(full).tolist())  # exactly the rows that hold a word
    np.testing.assert_allclose(values, full[rows], rtol=1e-6)
    np.testing.assert_allclose(lexicon.scores(tokens), full, rtol=1e-6)


def test_matches_of_unknown_words_are_empty(lexicon: Lexicon) -> None:
    rows, values = lexicon.matches(["qwertyuiop", "zzzz"])
    assert rows.size == values.size == 0 and rows.dtype == np.int64


def test_completions_are_the_vocabulary_words_a_clipped_word_begins(lexicon: Lexicon) -> None:
    vocabulary = sorted(lexicon.vocabulary)
    for stem in {w[:n] for w in vocabulary for n in (5, 6, 7) if len(w) > n}:
        if stem in lexicon.vocabulary:
            assert lexicon.completions(stem) == []
        else:
            assert lexicon.completions(stem) == [w for w in vocabulary if w.startswith(stem)][:5], stem
    assert lexicon.completions("shin") == []  # under 5 letters: no guessing
    assert lexicon.completions("zzzzzz") == []


def test_top_rows_keep_the_best_and_break_ties_by_row() -> None:
    rows = np.array([2, 5, 7, 9, 11, 14], dtype=np.int64)
    scores = np.array([0.5, 0.9, 0.5, 0.0, 0.5, 0.7], dtype=np.float32)
    assert sorted(top_rows(rows, scores, 2).tolist()) == [5, 14]
    assert sorted(top_rows(rows, scores, 3).tolist()) == [2, 5, 14]  # of the three tied at 0.5, the lowest row
    assert sorted(top_rows(rows, scores, 4).tolist()) == [2, 5, 7, 14]
    assert sorted(top_rows(rows, scores, 10).tolist()) == [2, 5, 7, 11, 14]  # a zero score is no match
    assert top_rows(rows[:0], scores[:0], 3).size == 0


def test_top_rows_agree_with_a_full_sort_on_random_scores() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        rows = np.sort(rng.choice(1000, size=n, replace=False)).astype(np.int64)
        scores = rng.integers(0, 6, size=n).astype(np.float32) / 5  # many ties, some zeros
        k = int(rng.integers(1, 20))
        order = sorted((-s, r) for s, r in zip(scores.tolist(), rows.tolist(), strict=True) if s > 0)
        assert sorted(top_rows(rows, scores, k).tolist()) == sorted(r for _, r in order[:k])


def test_values_at_reads_present_rows_and_zero_for_the_rest() -> None:
    rows = np.array([1, 4, 8], dtype=np.int64)
    values = np.array([0.1, 0.4, 0.8], dtype=np.float32)
    np.testing.assert_allclose(values_at(rows, values, [8, 0, 4, 9, 1]), [0.8, 0.0, 0.4, 0.0, 0.1], rtol=1e-6)
    assert values_at(rows[:0], values[:0], [3, 5]).tolist() == [0.0, 0.0]
