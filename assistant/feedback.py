"""Readers' feedback and the questions the source did not answer, in one SQLite file.

What is kept, and nothing else about the person: the question, the ids of the
quoted spans (``doc:start-end``), the rating and the time. No address, no
session, no user agent. Rows older than ``retention_days`` are deleted when the
store opens and once a day after (``prune``).

- ``feedback``: a thumbs up or down on an answer, or "not helpful" on one of
  its quotes (``span`` set, rating ``down``).
- ``unanswered``: questions the source declined, and questions whose answer was
  rated down: what ``assistant report`` and the admin page group and count.

Feedback names an answer by its id. The store remembers the last
``RECENT_ANSWERS`` answers it was told about (in memory, never written), so
feedback can only be given on an answer this server actually gave, and the
question and spans come from the server, not from the client.

The schema is versioned with SQLite's ``user_version``; ``MIGRATIONS[n]`` takes
a file from version ``n`` to ``n + 1``, each in one transaction, so a file from
an older release is brought up to date when it is opened, and a file from a
newer release is refused with a clear message rather than misread.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import AssistantError

logger = logging.getLogger(__name__)

FILENAME = "assistant.sqlite3"
RECENT_ANSWERS = 10_000
Rating = Literal["up", "down"]
RATINGS: tuple[Rating, ...] = ("up", "down")
DAY = 86_400.0

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1
    """
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        answer_id TEXT NOT NULL,
        question TEXT NOT NULL,
        spans TEXT NOT NULL,            -- JSON list of the quoted span ids
        rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
        span TEXT,                      -- the quote rated "not helpful", or NULL for the whole answer
        created REAL NOT NULL
    );
    CREATE INDEX feedback_created ON feedback (created);
    CREATE TABLE unanswered (
        id INTEGER PRIMARY KEY,
        question TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (reason IN ('declined', 'rated_down')),
        created REAL NOT NULL
    );
    CREATE INDEX unanswered_created ON unanswered (created);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class FeedbackError(AssistantError):
    """Feedback that cannot be taken (unknown answer, a span the answer did not quote)."""


class AlreadyRated(FeedbackError):
    """A second vote on the same answer, or on the same quote of it."""


class StoreError(AssistantError):
    """The SQLite file cannot be opened or is from a newer release."""


@dataclass(frozen=True)
class Given:
    """What the server said: enough to attach feedback to, nothing about who asked."""

    question: str
    spans: tuple[str, ...]
    covered: bool


@dataclass(frozen=True)
class Logged:
    question: str
    reason: str
    created: float


def span_id(doc: str, start: int, end: int) -> str:
    return f"{doc}:{start}-{end}"


class FeedbackStore:
    """One SQLite file; safe to share between request threads."""

    def __init__(self, path: Path, *, retention_days: int = 90, now: Callable[[], float] = time.time) -> None:
        self.path = path
        self.retention_days = retention_days
        self._now = now
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, Given] = OrderedDict()
        # One vote per answer and one per quote: per recent answer, what was rated (a span, or None for the answer).
        self._votes: dict[str, set[str | None]] = {}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL syncs at checkpoints rather than at every commit: a commit survives the
            # server crashing, and only a power cut can lose the last few. A declined question is written
            # under the store's lock while answering, so a sync per answer would queue concurrent answers.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._migrate()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"Cannot open the feedback store {path}: {exc}.") from exc
        self._pruned = 0.0
        self.prune()

    @classmethod
    def in_folder(cls, folder: Path, *, retention_days: int = 90) -> FeedbackStore:
        return cls(folder / FILENAME, retention_days=retention_days)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- schema --

    def version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"The feedback store {self.path} is from a newer release (schema {current}; "
                f"this one knows up to {SCHEMA_VERSION})."
            )
        for step in range(current, SCHEMA_VERSION):
            with self._transaction():
                self._db.executescript(f"BEGIN; {MIGRATIONS[step]} PRAGMA user_version = {step + 1}; COMMIT;")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            yield
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    # -- writing --

    def record_answer(self, answer_id: str, question: str, spans: Sequence[str], covered: bool) -> None:
        """Remember an answer for feedback; log it when the source declined it."""
        given = Given(question, tuple(spans), covered)
        with self._lock:
            self._recent[answer_id] = given
            while len(self._recent) > RECENT_ANSWERS:
                old, _ = self._recent.popitem(last=False)
                self._votes.pop(old, None)
            if not covered and self.retention_days:
                self._db.execute(
                    "INSERT INTO unanswered (question, reason, created) VALUES (?, 'declined', ?)",
                    (question, self._now()),
                )
        self._maybe_prune()

    def add_feedback(self, answer_id: str, rating: str, span: str | None = None) -> None:
        """Store a rating of an answer this server gave (or of one of its quotes)."""
        if rating not in RATINGS:
            raise FeedbackError("The rating must be 'up' or 'down'.")
        with self._lock:
            given = self._recent.get(answer_id)
            if given is None:
                raise FeedbackError("That answer is unknown or too old to rate.")
            if span is not None and span not in given.spans:
                raise FeedbackError("That quote is not part of the answer.")
            rated = self._votes.setdefault(answer_id, set())
            if span in rated:
                raise AlreadyRated("This has already been rated.")
            rated.add(span)
            if not self.retention_days:
                return
            now = self._now()
            self._db.execute("BEGIN")
            with self._transaction():
                self._db.execute(
                    "INSERT INTO feedback (answer_id, question, spans, rating, span, created) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (answer_id, given.question, json.dumps(list(given.spans)), rating, span, now),
                )
                if rating == "down" and span is None:
                    self._db.execute(
                        "INSERT INTO unanswered (question, reason, created) VALUES (?, 'rated_down', ?)",
                        (given.question, now),
                    )
                self._db.execute("COMMIT")

    def _maybe_prune(self) -> None:
        if self._now() - self._pruned > DAY:
            self.prune()

    def prune(self) -> int:
        """Delete rows older than the retention period; the number deleted."""
        cutoff = self._now() - self.retention_days * DAY
        with self._lock:
            deleted = 0
            for table in ("feedback", "unanswered"):
                deleted += self._db.execute(f"DELETE FROM {table} WHERE created < ?", (cutoff,)).rowcount
            self._pruned = self._now()
        return deleted

    # -- reading --

    def unanswered(self, since: float | None = None) -> list[Logged]:
        with self._lock:
            rows = self._db.execute(
                "SELECT question, reason, created FROM unanswered WHERE created >= ? ORDER BY created",
                (since or 0.0,),
            ).fetchall()
        return [Logged(q, r, c) for q, r, c in rows]

    def ratings(self) -> dict[str, int]:
        """Counts of up and down ratings of whole answers, and of quotes marked not helpful."""
        with self._lock:
            rows = self._db.execute(
                "SELECT rating, span IS NOT NULL, COUNT(*) FROM feedback GROUP BY rating, span IS NOT NULL"
            ).fetchall()
        counts = {"up": 0, "down": 0, "quote_not_helpful": 0}
        for rating, on_span, n in rows:
            counts["quote_not_helpful" if on_span else rating] += n
        return counts

    def unhelpful_quotes(self, limit: int = 20) -> list[tuple[str, int]]:
        """Quotes most often marked not helpful, with their counts."""
        with self._lock:
            rows = self._db.execute(
                "SELECT span, COUNT(*) AS n FROM feedback WHERE span IS NOT NULL GROUP BY span ORDER BY n DESC, span "
                "LIMIT ?",
                (limit,),
            ).fetchall()
        return [(s, int(n)) for s, n in rows]


class LazyStore:
    """The server's store, opened on first use; a store that cannot open is logged once and left out.

    Feedback is a convenience: if ``data_dir`` is not writable the assistant
    still answers, and only the feedback routes say it is unavailable.
    """

    def __init__(self, folder: Path, retention_days: int) -> None:
        self._folder = folder
        self._retention_days = retention_days
        self._store: FeedbackStore | None = None
        self._failed: str | None = None
        self._lock = threading.Lock()

    def get(self) -> FeedbackStore | None:
        with self._lock:
            if self._store is None and self._failed is None:
                try:
                    self._store = FeedbackStore.in_folder(self._folder, retention_days=self._retention_days)
                except StoreError as exc:
                    self._failed = str(exc)
                    logger.warning("Feedback is off: %s", exc)
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
