"""The feedback store (SQLite) and the report of what the source does not cover."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from assistant import feedback as fb
from assistant.core import Assistant
from assistant.feedback import FeedbackError, FeedbackStore, Logged, StoreError, span_id
from assistant.report import format_report, group_questions, per_day
from assistant.testing import FakeEmbedder


class Clock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> FeedbackStore:
    return FeedbackStore(tmp_path / "data" / fb.FILENAME, retention_days=30, now=clock)


def test_a_new_file_has_the_current_schema_and_only_the_columns_we_promise(store: FeedbackStore) -> None:
    assert store.version() == fb.SCHEMA_VERSION
    db = sqlite3.connect(store.path)
    columns = {row[1] for row in db.execute("PRAGMA table_info(feedback)")}
    # The question, the quoted span ids, the rating and the time; nothing about the person.
    assert columns == {"id", "answer_id", "question", "spans", "rating", "span", "created"}
    assert {row[1] for row in db.execute("PRAGMA table_info(unanswered)")} == {"id", "question", "reason", "created"}


def test_an_older_file_is_migrated_and_a_newer_one_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    sqlite3.connect(path).close()  # version 0: an empty file from before the first migration
    assert FeedbackStore(path).version() == fb.SCHEMA_VERSION
    newer = tmp_path / "newer.sqlite3"
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version = {fb.SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer release"):
        FeedbackStore(newer)


def test_a_failing_migration_leaves_the_file_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fb, "MIGRATIONS", ("CREATE TABLE a (x INTEGER); THIS IS NOT SQL;",))
    monkeypatch.setattr(fb, "SCHEMA_VERSION", 1)
    path = tmp_path / "bad.sqlite3"
    with pytest.raises(StoreError):
        FeedbackStore(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'a'").fetchone() is None


def test_an_unwritable_place_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="Cannot open"):
        FeedbackStore(blocker / "x.sqlite3")


def test_declined_questions_are_logged_and_answered_ones_are_not(store: FeedbackStore) -> None:
    store.record_answer("a1", "Does magnesium help?", [], covered=False)
    store.record_answer("a2", "How long do I hold it?", ["doc.txt:1-20"], covered=True)
    assert [(r.question, r.reason) for r in store.unanswered()] == [("Does magnesium help?", "declined")]


def test_feedback_attaches_to_answers_this_server_gave(store: FeedbackStore) -> None:
    spans = [span_id("doc.txt", 0, 10), span_id("doc.txt", 20, 40)]
    store.record_answer("a1", "Should I stretch?", spans, covered=True)
    store.add_feedback("a1", "up")
    store.add_feedback("a1", "down", spans[1])
    assert store.ratings() == {"up": 1, "down": 0, "quote_not_helpful": 1}
    # One vote per answer and per quote.
    with pytest.raises(fb.AlreadyRated):
        store.add_feedback("a1", "down")
    with pytest.raises(fb.AlreadyRated):
        store.add_feedback("a1", "down", spans[1])
    store.record_answer("a2", "Should I stretch?", spans, covered=True)
    store.add_feedback("a2", "down")
    assert store.ratings() == {"up": 1, "down": 1, "quote_not_helpful": 1}
    assert store.unhelpful_quotes() == [(spans[1], 1)]
    # A whole answer rated down is a question the source did not answer well.
    assert [r.reason for r in store.unanswered()] == ["rated_down"]


@pytest.mark.parametrize(
    ("answer_id", "rating", "span", "message"),
    [
        ("nope", "up", None, "unknown or too old"),
        ("a1", "meh", None, "'up' or 'down'"),
        ("a1", "down", "doc.txt:999-1000", "not part of the answer"),
    ],
)
def test_bad_feedback_is_refused(
    store: FeedbackStore, answer_id: str, rating: str, span: str | None, message: str
) -> None:
    store.record_answer("a1", "q?", ["doc.txt:0-10"], covered=True)
    with pytest.raises(FeedbackError, match=message):
        store.add_feedback(answer_id, rating, span)
    assert store.ratings() == {"up": 0, "down": 0, "quote_not_helpful": 0}


def test_only_recent_answers_can_be_rated(store: FeedbackStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fb, "RECENT_ANSWERS", 2)
    for i in range(3):
        store.record_answer(f"a{i}", "q?", ["doc.txt:0-10"], covered=True)
    with pytest.raises(FeedbackError):
        store.add_feedback("a0", "up")
    store.add_feedback("a2", "up")
    store.add_feedback("a2", "down", "doc.txt:0-10")  # the answer and each quote: one vote each
    with pytest.raises(fb.AlreadyRated):
        store.add_feedback("a2", "up")
    store.add_feedback("a1", "up")
    store.record_answer("a3", "q?", [], covered=True)  # a1 is forgotten, and so are its votes
    store.record_answer("a4", "q?", [], covered=True)  # a2 too
    assert store._votes.keys() == set()


def test_commits_are_synced_at_checkpoints_not_one_by_one(store: FeedbackStore) -> None:
    """WAL with synchronous=NORMAL: a declined question, written while answering, does not wait for a disk sync."""
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_rows_past_the_retention_period_are_deleted(store: FeedbackStore, clock: Clock) -> None:
    store.record_answer("a1", "old question?", [], covered=False)
    clock.t += 31 * fb.DAY
    store.record_answer("a2", "new question?", [], covered=False)  # a day has passed: prunes
    assert [r.question for r in store.unanswered()] == ["new question?"]


def test_retention_zero_keeps_nothing(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "x.sqlite3", retention_days=0)
    store.record_answer("a1", "q?", [], covered=False)
    store.add_feedback("a1", "down")
    assert store.unanswered() == [] and store.ratings()["down"] == 0


def test_the_file_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    first = FeedbackStore(path)
    first.record_answer("a1", "q?", [], covered=False)
    first.close()
    assert [r.question for r in FeedbackStore(path).unanswered()] == ["q?"]


def test_many_threads_at_once(store: FeedbackStore) -> None:
    for i in range(40):
        store.record_answer(f"a{i}", f"q{i}?", ["d:0-1"], covered=True)

    def rate(i: int) -> None:
        store.add_feedback(f"a{i}", "up" if i % 2 else "down")

    threads = [threading.Thread(target=rate, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.ratings() == {"up": 20, "down": 20, "quote_not_helpful": 0}


def test_grouping_counts_repeats_and_puts_the_commonest_first() -> None:
    logged = [
        Logged("Does magnesium help?", "declined", 10.0),
        Logged("does magnesium help?", "declined", 20.0),
        Logged("Does magnesium help? ", "rated_down", 30.0),
        Logged("Can I see a chiropractor?", "declined", 40.0),
    ]
    groups = group_questions(logged, FakeEmbedder())
    assert [(g.count, g.declined, g.rated_down) for g in groups][0] == (3, 2, 1)
    assert groups[0].label.lower().startswith("does magnesium")
    assert groups[-1].label == "Can I see a chiropractor?"
    assert per_day(logged) == [("1970-01-01", 4)]
    text = format_report(groups, {"up": 1, "down": 2, "quote_not_helpful": 0}, [])
    assert "Does magnesium help?" in text.splitlines()[3]
    assert format_report([], {"up": 0, "down": 0, "quote_not_helpful": 0}, []).startswith("Nothing logged")


@pytest.mark.model
def test_paraphrases_group_together_and_other_questions_do_not(real_assistant: Assistant) -> None:
    logged = [
        Logged(q, "declined", 1.0)
        for q in [
            "Does magnesium help with back spasms?",
            "can magnesium stop my back spasms",
            "Is magnesium good for muscle spasms in the back?",
            "Should I see a chiropractor?",
            "is it worth going to a chiropractor",
            "Can I use a TENS machine?",
        ]
    ]
    groups = group_questions(logged, real_assistant.embedder)
    sizes = sorted(g.count for g in groups)
    assert sizes == [1, 2, 3], [(g.label, g.count) for g in groups]
