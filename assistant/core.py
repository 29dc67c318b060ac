"""The assistant: load the model and index once, answer questions with quotes."""

from __future__ import annotations

import logging
from pathlib import Path

from .answer import Answer, compose
from .corpus import Document
from .embedding import Embedder, SentenceTransformerEmbedder
from .errors import QuestionError
from .index import Index, load_index
from .retrieval import retrieve
from .safety import red_flags
from .settings import Settings

logger = logging.getLogger(__name__)


class Assistant:
    """Answers questions from the source text with verbatim, cited quotes.

    Build one with :meth:`load` (reads settings from the environment) and call
    :meth:`ask`. The model and index are loaded once, in ``load``.
    """

    def __init__(self, settings: Settings, embedder: Embedder, index: Index) -> None:
        self.settings = settings
        self.embedder = embedder
        self.index = index

    @classmethod
    def load(
        cls,
        settings: Settings | None = None,
        *,
        corpus_dir: Path | str | None = None,
        index_dir: Path | str | None = None,
        embedder: Embedder | None = None,
    ) -> Assistant:
        """Load the embedding model and a verified index.

        Defaults to the repository's ``corpus/`` and ``index/``; the environment
        variables ``ASSISTANT_CORPUS_DIR`` and ``ASSISTANT_INDEX_DIR`` (or the
        arguments) point elsewhere. Raises :class:`~assistant.errors.IndexNotReady`
        when the index is missing, stale or corrupt.
        """
        overrides: dict[str, object] = {}
        if corpus_dir is not None:
            overrides["corpus_dir"] = Path(corpus_dir)
        if index_dir is not None:
            overrides["index_dir"] = Path(index_dir)
        settings = (settings or Settings()).model_copy(update=overrides)
        # Check the index before paying for the model.
        index = load_index(settings)
        return cls(settings, embedder or SentenceTransformerEmbedder(settings.model), index)

    @property
    def documents(self) -> dict[str, Document]:
        return self.index.documents

    def check_question(self, question: object) -> str:
        """The question, stripped, or a :class:`QuestionError` that says what is wrong."""
        if not isinstance(question, str):
            raise QuestionError("The question must be text.")
        text = question.strip()
        if not text:
            raise QuestionError("Please type a question.")
        limit = self.settings.max_question_chars
        if len(text) > limit:
            raise QuestionError(f"The question is too long ({len(text)} characters); the limit is {limit}.")
        return text

    def ask(self, question: str) -> Answer:
        """Answer one question with verbatim quotes from the source."""
        text = self.check_question(question)
        vector = self.embedder.embed([text])[0]
        retrieval = retrieve(self.index, text, vector, self.settings)
        return compose(text, retrieval, self.index, self.settings, red_flags(text))
