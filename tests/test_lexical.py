"""BM25 reads only the posting lists of a query's words, and gives what bm25s's full scoring gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.index import lexical
from assistant.index.lexical import Lexicon, Matches, tokenize, top_positions

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


@pytest.mark.parametrize("rows_per_posting", [lexical.ROWS_PER_POSTING_TO_SORT, 10**9, 0])
@pytest.mark.parametrize("question", QUESTIONS)
def test_matches_give_bm25s_full_scores(
    lexicon: Lexicon, question: str, rows_per_posting: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Either way of summing (sorting the postings, or one buffer over all rows) gives bm25s's scores."""
    monkeypatch.setattr(lexical, "ROWS_PER_POSTING_TO_SORT", rows_per_posting)
    tokens = tokenize(question)
    known = [t for t in tokens if t in lexicon.vocabulary]
    full = np.zeros(lexicon.size, np.float32) if not known else np.asarray(lexicon._bm25.get_scores(known))
    found = lexicon.matches(tokens)
    if found.rows is not None:
        assert found.rows.tolist() == sorted(set(found.rows.tolist()))  # ascending, each once
        assert set(found.rows.tolist()) == set(np.flatnonzero(full).tolist())  # exactly the rows holding a word
    if known and rows_per_posting == 0:
        assert found.rows is not None  # always sort the postings
    if known and rows_per_posting == 10**9:
        assert found.rows is None  # always the buffer
    np.testing.assert_allclose(found.at(range(lexicon.size)), full, rtol=1e-6)
    np.testing.assert_allclose(lexicon.scores(tokens), full, rtol=1e-6)
    expected = sorted(np.flatnonzero(full).tolist(), key=lambda r: (-full[r], r))[:5]
    assert sorted(found.top(5).tolist()) == sorted(expected)


def test_matches_of_unknown_words_are_empty(lexicon: Lexicon) -> None:
    found = lexicon.matches(["qwertyuiop", "zzzz"])
    assert found.top(3).size == 0 and found.at([0, 1]).tolist() == [0.0, 0.0]


def test_completions_are_the_vocabulary_words_a_clipped_word_begins(lexicon: Lexicon) -> None:
    vocabulary = sorted(lexicon.vocabulary)
    for stem in {w[:n] for w in vocabulary for n in (5, 6, 7) if len(w) > n}:
        if stem in lexicon.vocabulary:
            assert lexicon.completions(stem) == []
        else:
            assert lexicon.completions(stem) == [w for w in vocabulary if w.startswith(stem)][:5], stem
    assert lexicon.completions("shin") == []  # under 5 letters: no guessing
    assert lexicon.completions("zzzzzz") == []


def test_the_top_rows_are_the_best_with_ties_to_the_lower_row() -> None:
    rows = np.array([2, 5, 7, 9, 11, 14], dtype=np.int64)
    scores = np.array([0.5, 0.9, 0.5, 0.0, 0.5, 0.7], dtype=np.float32)
    for found in (Matches(rows, scores), Matches(None, np.zeros(15, np.float32))):
        if found.rows is None:
            found.scores[rows] = scores  # the same scores, held for every row
        assert sorted(found.top(2).tolist()) == [5, 14]
        assert sorted(found.top(3).tolist()) == [2, 5, 14]  # of the three tied at 0.5, the lowest row
        assert sorted(found.top(4).tolist()) == [2, 5, 7, 14]
        assert sorted(found.top(10).tolist()) == [2, 5, 7, 11, 14]  # a zero score is no match
        np.testing.assert_allclose(found.at([14, 0, 5, 9, 2]), [0.7, 0.0, 0.9, 0.0, 0.5], rtol=1e-6)
    assert Matches(rows[:0], scores[:0]).top(3).size == 0


def test_top_positions_agree_with_a_full_sort_on_random_scores() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(1, 60))
        scores = rng.integers(0, 6, size=n).astype(np.float32) / 5  # many ties, some zeros
        k = int(rng.integers(1, 20))
        order = sorted((-s, i) for i, s in enumerate(scores.tolist()) if s > 0)
        assert top_positions(scores, k).tolist() == sorted(i for _, i in order[:k])
