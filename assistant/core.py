"""The assistant: load the model and index once, answer questions with quotes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from .answer import Answer, compose
from .corpus import Document
from .embedding import Embedder, PassageEmbedder, SentenceTransformerEmbedder, load_second_model
from .errors import QuestionError
from .followup import Resolved, resolve
from .index import Index, load_index
from .query import QueryProcessor
from .redflags import RedFlagMatcher, red_flags
from .retrieval import retrieve
from .settings import Settings

logger = logging.getLogger(__name__)


class Assistant:
    """Answers questions from the source text with verbatim, cited quotes.

    Build one with :meth:`load` from the settings the program's edge built, and
    call :meth:`ask`. The models and index are loaded once, in ``load``.
    """

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        index: Index,
        *,
        queries: QueryProcessor | None = None,
        triage: RedFlagMatcher | None = None,
        second: PassageEmbedder | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.index = index
        if index.second is not None and second is None:
            second = load_second_model(settings.second_model)
        self.second = second
        # Spelling and focus terms know the words of what can be quoted, not of the site around it.
        self.queries = queries or QueryProcessor(item.span.text for item in index.spans)
        self.triage = triage or RedFlagMatcher(embedder)

    def with_settings(self, **overrides: Any) -> Assistant:
        """The same model and index under other settings (validated), e.g. for evaluation."""
        settings = self.settings.replace(**overrides)
        return Assistant(
            settings, self.embedder, self.index, queries=self.queries, triage=self.triage, second=self.second
        )

    def with_embedder(self, embedder: Embedder, second: PassageEmbedder | None = None) -> Assistant:
        return Assistant(
            self.settings, embedder, self.index, queries=self.queries, triage=self.triage, second=second or self.second
        )

    @classmethod
    def load(cls, settings: Settings, *, embedder: Embedder | None = None) -> Assistant:
        """Load the verified index, then the models, as ``settings`` say.

        Raises :class:`~assistant.errors.IndexNotReady` when the index is
        missing, stale or corrupt (checked first, before paying for the models).
        """
        index = load_index(settings)
        return cls(settings, embedder or SentenceTransformerEmbedder(settings.model), index)

    @property
    def documents(self) -> dict[str, Document]:
        return self.index.documents

    def check_question(self, question: object) -> str:
        """The question, stripped, or a :class:`QuestionError` that says what is wrong."""
        if not isinstance(question, str):
            raise QuestionError("The question must be text.")
        try:
            question.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate such as "\ud800": not text any tokenizer takes
            raise QuestionError("The question contains characters that are not valid text.") from None
        text = question.strip()
        if not text:
            raise QuestionError("Please type a question.")
        limit = self.settings.max_question_chars
        if len(text) > limit:
            raise QuestionError(f"The question is too long ({len(text)} characters); the limit is {limit}.")
        return text

    def check_history(self, history: object) -> list[str]:
        """Earlier questions of the conversation, oldest first: each checked like a question, the last few kept."""
        if history is None:
            return []
        if not isinstance(history, list | tuple):
            raise QuestionError("The earlier questions must be a list of texts.")
        limit = self.settings.max_history_turns
        if len(history) > limit:
            raise QuestionError(f"Too many earlier questions ({len(history)}); the limit is {limit}.")
        checked = [self.check_question(item) for item in history]
        keep = self.settings.max_followup_questions
        return checked[-keep:] if keep else []

    def ask(self, question: str, history: Sequence[str] | None = None) -> Answer:
        """Answer one question with verbatim quotes from the source.

        ``history`` holds the reader's earlier questions, oldest first: a
        follow-up ("how long do I hold it?") is searched for with the words of
        the question it leans on (see :mod:`assistant.followup`). The question
        is shown and triaged as typed.
        """
        text = self.check_question(question)
        earlier = self.check_history(history)
        resolved = resolve(self.queries, text, earlier)
        query = resolved.for_search(self.queries)
        vector = self.embedder.embed([query.corrected])[0]
        second = self.second.embed_queries([query.corrected])[0] if self.second is not None else None
        retrieval = retrieve(self.index, query, vector, self.settings, second)
        flags = red_flags(text, resolved.query.corrected)
        for name in self.triage.match(self._triage_vector(vector, resolved), (text, resolved.query.corrected)):
            if name not in flags:
                flags.append(name)
        return compose(text, retrieval, self.index, self.settings, flags)

    def _triage_vector(self, vector: np.ndarray, resolved: Resolved) -> np.ndarray:
        """Red flags are judged on the reader's own words, not on what an earlier question lent them."""
        if not resolved.carried:
            return vector
        own: np.ndarray = self.embedder.embed([resolved.query.corrected])[0]
        return own
