"""Measure the assistant on a question set: retrieval, abstention, safety, quotes and speed."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .answer import Answer
from .core import Assistant
from .corpus import normalize
from .errors import AssistantError
from .settings import REPO_ROOT

DEFAULT_QUESTIONS = REPO_ROOT / "eval" / "questions.json"

#: The bar from the project's acceptance criteria; ``assistant eval --check`` and
#: the quality test fail below it.
BAR = {
    "hit_at_1": 0.80,
    "hit_at_5": 0.95,
    "in_scope_answered": 0.97,
    "out_of_scope_declined": 0.90,
    "red_flag_recall": 1.0,
    "both_sides_recall": 1.0,
}
MAX_MEDIAN_SNIPPET_CHARS = 250
MAX_LATENCY_RATIO = 1.5


@dataclass(frozen=True)
class InScope:
    question: str
    gold: tuple[str, ...]
    caution: tuple[str, ...] = ()
    support: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuestionSet:
    in_scope: tuple[InScope, ...]
    out_of_scope: tuple[str, ...]
    red_flag: tuple[str, ...]
    boilerplate_markers: tuple[str, ...]

    @property
    def all_questions(self) -> list[str]:
        return [q.question for q in self.in_scope] + list(self.out_of_scope) + list(self.red_flag)


def load_questions(path: Path) -> QuestionSet:
    """Read a question file in the format of ``eval/questions.json``."""
    try:
        raw = json.loads(path.read_text("utf-8"))
        in_scope = tuple(
            InScope(
                item["q"],
                tuple(item["gold"]),
                tuple(item.get("caution", ())),
                tuple(item.get("support", ())),
            )
            for item in raw.get("in_scope", [])
        )
        return QuestionSet(
            in_scope=in_scope,
            out_of_scope=tuple(raw.get("out_of_scope", [])),
            red_flag=tuple(raw.get("red_flag", [])),
            boilerplate_markers=tuple(raw.get("boilerplate_markers", [])),
        )
    except FileNotFoundError as exc:
        raise AssistantError(f"The question file {path} does not exist.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise AssistantError(f"The question file {path} is not a valid question set ({exc!r}).") from exc


def contains_any(text: str, phrases: tuple[str, ...]) -> bool:
    """The dev set's hit rule: after folding, the text contains one of the phrases."""
    folded = normalize(text)
    return any(normalize(p) in folded for p in phrases)


@dataclass(frozen=True)
class EvalReport:
    questions: int
    hit_at_1: float
    hit_at_3: float
    hit_at_5: float
    in_scope_answered: float
    out_of_scope_declined: float
    red_flag_recall: float
    urgent_on_ordinary: int
    both_sides_recall: float
    boilerplate_quoted: int
    not_verbatim: int
    median_snippet_chars: float
    ask_p50_ms: float
    ask_p95_ms: float
    embed_p50_ms: float
    embed_p95_ms: float

    @property
    def latency_ratio(self) -> float:
        return self.ask_p50_ms / self.embed_p50_ms if self.embed_p50_ms else float("inf")

    def failures(self) -> list[str]:
        """What falls short of the bar (empty when everything holds)."""
        out = [f"{name} {getattr(self, name):.3f} < {bar}" for name, bar in BAR.items() if getattr(self, name) < bar]
        if self.urgent_on_ordinary:
            out.append(f"urgent notice on {self.urgent_on_ordinary} ordinary question(s)")
        if self.boilerplate_quoted:
            out.append(f"{self.boilerplate_quoted} boilerplate quote(s)")
        if self.not_verbatim:
            out.append(f"{self.not_verbatim} quote(s) not verbatim at their offsets")
        if self.median_snippet_chars > MAX_MEDIAN_SNIPPET_CHARS:
            out.append(f"median snippet {self.median_snippet_chars:.0f} > {MAX_MEDIAN_SNIPPET_CHARS} characters")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "latency_ratio": round(self.latency_ratio, 3)}

    def format(self) -> str:
        rows = [
            ("questions", f"{self.questions}"),
            ("hit@1 / hit@3 / hit@5", f"{self.hit_at_1:.3f} / {self.hit_at_3:.3f} / {self.hit_at_5:.3f}"),
            ("in-scope answered", f"{self.in_scope_answered:.3f}"),
            ("out-of-scope declined", f"{self.out_of_scope_declined:.3f}"),
            ("red-flag recall", f"{self.red_flag_recall:.3f}"),
            ("urgent notice on ordinary questions", f"{self.urgent_on_ordinary}"),
            ("both-sides recall", f"{self.both_sides_recall:.3f}"),
            ("boilerplate quoted", f"{self.boilerplate_quoted}"),
            ("quotes not verbatim", f"{self.not_verbatim}"),
            ("median snippet length", f"{self.median_snippet_chars:.0f} characters"),
            ("ask() p50 / p95", f"{self.ask_p50_ms:.1f} / {self.ask_p95_ms:.1f} ms"),
            ("query embedding p50 / p95", f"{self.embed_p50_ms:.1f} / {self.embed_p95_ms:.1f} ms"),
            ("ask() p50 / embedding p50", f"{self.latency_ratio:.2f}x"),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def _verbatim_failures(answer: Answer, corpus_dir: Path) -> int:
    """Check every quote against the file on disk, independently of the index."""
    bad = 0
    for snippet in answer.snippets:
        text = (corpus_dir / snippet.span.doc).read_bytes().decode("utf-8")
        if text[snippet.span.start : snippet.span.end] != snippet.span.text:
            bad += 1
    return bad


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure_latency(assistant: Assistant, questions: list[str], rounds: int = 3) -> tuple[list[float], list[float]]:
    """Time ``ask()`` and the bare query embedding on the same questions, interleaved.

    Interleaving puts both under the same machine load, so their ratio means
    something on a noisy machine. Returns (ask_ms, embed_ms).
    """
    asks: list[float] = []
    embeds: list[float] = []
    for question in questions[:3]:  # warm-up
        assistant.ask(question)
        assistant.embedder.embed([question])
    for _ in range(rounds):
        for question in questions:
            start = time.perf_counter()
            assistant.embedder.embed([question])
            embeds.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            assistant.ask(question)
            asks.append((time.perf_counter() - start) * 1000)
    return asks, embeds


def evaluate(assistant: Assistant, questions: QuestionSet, *, latency_rounds: int = 3) -> EvalReport:
    """Ask every question and measure the answers against the set's expectations."""
    corpus_dir = assistant.settings.corpus_dir
    hits = {1: 0, 3: 0, 5: 0}
    answered = both_sides = both_sides_total = 0
    boilerplate = not_verbatim = urgent_ordinary = 0
    lengths: list[int] = []

    def inspect(answer: Answer) -> None:
        nonlocal boilerplate, not_verbatim
        not_verbatim += _verbatim_failures(answer, corpus_dir)
        for snippet in answer.snippets:
            lengths.append(len(snippet.span.text))
            if contains_any(snippet.span.text, questions.boilerplate_markers):
                boilerplate += 1

    for item in questions.in_scope:
        answer = assistant.ask(item.question)
        inspect(answer)
        answered += answer.covered
        urgent_ordinary += answer.urgent
        texts = [s.span.text for s in answer.snippets]
        for k in hits:
            hits[k] += any(contains_any(t, item.gold) for t in texts[:k])
        if item.caution and item.support:
            both_sides_total += 1
            has_caution = any(s.group == "caution" and contains_any(s.span.text, item.caution) for s in answer.snippets)
            has_support = any(
                s.group == "supportive" and contains_any(s.span.text, item.support) for s in answer.snippets
            )
            both_sides += has_caution and has_support

    declined = 0
    for question in questions.out_of_scope:
        answer = assistant.ask(question)
        inspect(answer)
        declined += not answer.covered
        urgent_ordinary += answer.urgent

    urgent = 0
    for question in questions.red_flag:
        answer = assistant.ask(question)
        inspect(answer)
        urgent += answer.urgent

    asks, embeds = measure_latency(assistant, questions.all_questions, latency_rounds)
    n_in = len(questions.in_scope) or 1
    return EvalReport(
        questions=len(questions.all_questions),
        hit_at_1=hits[1] / n_in,
        hit_at_3=hits[3] / n_in,
        hit_at_5=hits[5] / n_in,
        in_scope_answered=answered / n_in,
        out_of_scope_declined=declined / (len(questions.out_of_scope) or 1),
        red_flag_recall=urgent / (len(questions.red_flag) or 1),
        urgent_on_ordinary=urgent_ordinary,
        both_sides_recall=both_sides / both_sides_total if both_sides_total else 1.0,
        boilerplate_quoted=boilerplate,
        not_verbatim=not_verbatim,
        median_snippet_chars=float(statistics.median(lengths)) if lengths else 0.0,
        ask_p50_ms=statistics.median(asks),
        ask_p95_ms=_percentile(asks, 0.95),
        embed_p50_ms=statistics.median(embeds),
        embed_p95_ms=_percentile(embeds, 0.95),
    )
