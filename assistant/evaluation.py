"""Measure the assistant on question sets: retrieval, abstention, safety, quotes and speed, cross-validated.

Each question is asked once per configuration of the tuned settings, with the
abstention threshold out of the way, and what the assistant did is kept as an
:class:`Outcome` (its coverage score, the quotes it would show, the urgent
flag). Figures for any threshold then follow without asking again, which makes
k-fold cross-validation cheap: for each fold the configuration and threshold
are chosen on the other folds and scored on the held-out one. The held-out
figures are the ones that predict questions nobody has seen; the in-sample
ones (chosen and scored on everything) are printed beside them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .core import Assistant
from .corpus import normalize
from .errors import AssistantError
from .settings import REPO_ROOT

EVAL_DIR = REPO_ROOT / "eval"

#: The bar, on the cross-validated (held-out fold) figures of the pooled sets.
BAR = {
    "hit_at_1": 0.75,
    "hit_at_5": 0.90,
    "in_scope_answered": 0.90,
    "out_of_scope_declined": 0.80,
    "red_flag_recall": 1.0,
    "both_sides_recall": 1.0,
}
MAX_MEDIAN_SNIPPET_CHARS = 250

#: The operating point: the threshold is the highest that keeps at least this
#: share of the in-scope questions it is chosen on answered (a margin above the
#: 90 % the product promises, since held-out questions do a little worse).
ANSWER_TARGET = 0.92

#: Settings chosen by cross-validation, and the values tried. Few on purpose:
#: how much the second retriever counts, how far below the best quote others
#: may score, and how much an unknown focus word costs. (dense_weight was in an
#: earlier grid, 0.6/0.7/0.8; every fold chose 0.7, so it is fixed there.)
CV_GRID: dict[str, tuple[float, ...]] = {
    "second_weight": (0.3, 0.5),
    "relative_floor": (0.5, 0.6, 0.72),
    "unknown_word_penalty": (0.0, 0.1),
}

Kind = Literal["in_scope", "out_of_scope", "red_flag", "ordinary"]


@dataclass(frozen=True)
class Item:
    """One question of a set and what a good answer does."""

    set: str
    kind: Kind
    question: str
    gold: tuple[str, ...] = ()
    caution: tuple[str, ...] = ()
    support: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuestionSet:
    name: str
    items: tuple[Item, ...]
    boilerplate_markers: tuple[str, ...] = ()

    def of(self, kind: Kind) -> list[Item]:
        return [i for i in self.items if i.kind == kind]

    @property
    def all_questions(self) -> list[str]:
        return [i.question for i in self.items]


def load_questions(path: Path) -> QuestionSet:
    """Read a question file in the format of ``eval/questions.json``."""
    try:
        raw = json.loads(path.read_text("utf-8"))
        name = path.stem
        items: list[Item] = [
            Item(
                name,
                "in_scope",
                entry["q"],
                tuple(entry["gold"]),
                tuple(entry.get("caution", ())),
                tuple(entry.get("support", ())),
            )
            for entry in raw.get("in_scope", [])
        ]
        kinds = (("out_of_scope", "out_of_scope"), ("red_flag", "red_flag"), ("ordinary_not_urgent", "ordinary"))
        for key, kind in kinds:
            for question in raw.get(key, []):
                if not isinstance(question, str):
                    raise TypeError(f"{key} must list questions as strings")
                items.append(Item(name, kind, question))  # type: ignore[arg-type]
        return QuestionSet(name, tuple(items), tuple(raw.get("boilerplate_markers", [])))
    except FileNotFoundError as exc:
        raise AssistantError(f"The question file {path} does not exist.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise AssistantError(f"The question file {path} is not a valid question set ({exc!r}).") from exc


def default_question_files() -> list[Path]:
    """Every question set in ``eval/``."""
    return sorted(EVAL_DIR.glob("*.json"))


def contains_any(text: str, phrases: Iterable[str]) -> bool:
    """The sets' hit rule: after folding, the text contains one of the phrases."""
    folded = normalize(text)
    return any(normalize(p) in folded for p in phrases)


# --- What the assistant did ----------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One question's answer with the threshold out of the way: scores, quotes, flags."""

    item: Item
    shape: str
    coverage: float
    texts: tuple[str, ...]
    groups: tuple[str | None, ...]
    urgent: bool
    not_verbatim: int
    boilerplate: int

    def covered(self, threshold: float) -> bool:
        return bool(self.texts) and self.coverage >= threshold


def question_shape(question: str, corrected: str) -> str:
    """How a question is written: ``texting`` (needed spelling fixes), ``short``, ``story`` or ``plain``."""
    if normalize(corrected) != normalize(question):
        return "texting"
    words = question.split()
    if len(words) <= 3:
        return "short"
    if len(words) >= 14 and any(w.lower().strip(",.?!") in {"i", "i'm", "i've", "my", "me"} for w in words):
        return "story"
    return "plain"


def _verbatim_failures(texts: Sequence[tuple[str, int, int, str]], corpus_dir: Path) -> int:
    """Check every quote against the file on disk, independently of the index."""
    bad = 0
    for doc, start, end, text in texts:
        source = (corpus_dir / doc).read_bytes().decode("utf-8")
        if source[start:end] != text:
            bad += 1
    return bad


def collect(assistant: Assistant, sets: Sequence[QuestionSet]) -> list[Outcome]:
    """Ask every question of every set once with abstention off, keeping what is needed to score any threshold."""
    open_ = assistant.with_settings(cover_threshold=-2.0, fused_cover_threshold=-2.0)
    corpus_dir = assistant.settings.corpus_dir
    outcomes = []
    for qset in sets:
        for item in qset.items:
            answer = open_.ask(item.question)
            spans = [(s.span.doc, s.span.start, s.span.end, s.span.text) for s in answer.snippets]
            outcomes.append(
                Outcome(
                    item=item,
                    shape=question_shape(item.question, open_.queries.correct(item.question)),
                    coverage=answer.coverage,
                    texts=tuple(s.span.text for s in answer.snippets),
                    groups=tuple(s.group for s in answer.snippets),
                    urgent=answer.urgent,
                    not_verbatim=_verbatim_failures(spans, corpus_dir),
                    boilerplate=sum(contains_any(t, qset.boilerplate_markers) for t in (s[3] for s in spans)),
                )
            )
    return outcomes


# --- Figures -------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The measures of one group of outcomes at one threshold."""

    in_scope: int
    out_of_scope: int
    red_flags: int
    hit_at_1: float
    hit_at_3: float
    hit_at_5: float
    in_scope_answered: float
    out_of_scope_declined: float
    red_flag_recall: float
    urgent_on_ordinary: int
    both_sides: int
    both_sides_recall: float
    boilerplate_quoted: int
    not_verbatim: int
    median_snippet_chars: float

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


def _ratio(numerator: float, denominator: int, empty: float = 1.0) -> float:
    return numerator / denominator if denominator else empty


def tally(outcomes: Sequence[Outcome], threshold: float | Callable[[Outcome], float]) -> Figures:
    """Score outcomes at a threshold (or a per-outcome threshold, as cross-validation uses)."""
    limit = threshold if callable(threshold) else (lambda _o: threshold)
    hits = {1: 0, 3: 0, 5: 0}
    answered = declined = urgent = urgent_ordinary = both = both_total = boilerplate = not_verbatim = 0
    lengths: list[int] = []
    in_scope = [o for o in outcomes if o.item.kind == "in_scope"]
    out_scope = [o for o in outcomes if o.item.kind == "out_of_scope"]
    flags = [o for o in outcomes if o.item.kind == "red_flag"]
    for o in outcomes:
        shown = o.covered(limit(o))
        if o.item.kind != "red_flag":
            urgent_ordinary += o.urgent
        if shown:
            boilerplate += o.boilerplate
            not_verbatim += o.not_verbatim
            lengths += [len(t) for t in o.texts]
    for o in in_scope:
        shown = o.covered(limit(o))
        answered += shown
        texts = o.texts if shown else ()
        for k in hits:
            hits[k] += any(contains_any(t, o.item.gold) for t in texts[:k])
        if o.item.caution and o.item.support:
            both_total += 1
            pairs = list(zip(texts, o.groups, strict=False))
            has_caution = any(g == "caution" and contains_any(t, o.item.caution) for t, g in pairs)
            has_support = any(g == "supportive" and contains_any(t, o.item.support) for t, g in pairs)
            both += has_caution and has_support
    for o in out_scope:
        declined += not o.covered(limit(o))
    for o in flags:
        urgent += o.urgent
    n = len(in_scope)
    return Figures(
        in_scope=n,
        out_of_scope=len(out_scope),
        red_flags=len(flags),
        hit_at_1=_ratio(hits[1], n),
        hit_at_3=_ratio(hits[3], n),
        hit_at_5=_ratio(hits[5], n),
        in_scope_answered=_ratio(answered, n),
        out_of_scope_declined=_ratio(declined, len(out_scope)),
        red_flag_recall=_ratio(urgent, len(flags)),
        urgent_on_ordinary=urgent_ordinary,
        both_sides=both_total,
        both_sides_recall=_ratio(both, both_total),
        boilerplate_quoted=boilerplate,
        not_verbatim=not_verbatim,
        median_snippet_chars=float(statistics.median(lengths)) if lengths else 0.0,
    )


# --- Choosing settings, and cross-validation -------------------------------------

Config = tuple[tuple[str, float], ...]


def operating_threshold(outcomes: Sequence[Outcome], target: float = ANSWER_TARGET) -> float:
    """The highest threshold that keeps at least ``target`` of the in-scope questions answered."""
    scores = sorted((o.coverage for o in outcomes if o.item.kind == "in_scope" and o.texts), reverse=True)
    total = sum(1 for o in outcomes if o.item.kind == "in_scope")
    if not scores or not total:
        return 0.0
    needed = min(len(scores), max(1, int(np.ceil(target * total))))
    return scores[needed - 1]


def tradeoff(
    outcomes: Sequence[Outcome], targets: Sequence[float] = (0.99, 0.95, 0.92, 0.90, 0.85, 0.80, 0.70)
) -> list[tuple[float, float, float]]:
    """In-scope answered and out-of-scope declined at the thresholds that keep each target answered."""
    points = []
    for target in targets:
        threshold = operating_threshold(outcomes, target)
        figures = tally(outcomes, threshold)
        points.append(
            (round(threshold, 4), round(figures.in_scope_answered, 3), round(figures.out_of_scope_declined, 3))
        )
    return points


def objective(figures: Figures) -> float:
    """What a configuration is chosen for: ranking and declining, at the operating point."""
    return figures.hit_at_1 + figures.hit_at_5 + figures.out_of_scope_declined


def choose(by_config: dict[Config, list[Outcome]], rows: Sequence[int]) -> tuple[Config, float]:
    """The configuration and threshold that do best on ``rows`` of the outcomes."""
    best: tuple[float, Config, float] | None = None
    for config, outcomes in by_config.items():
        subset = [outcomes[i] for i in rows]
        threshold = operating_threshold(subset)
        score = objective(tally(subset, threshold))
        if best is None or score > best[0] + 1e-9:
            best = (score, config, threshold)
    assert best is not None
    return best[1], best[2]


def fold_of(question: str, folds: int) -> int:
    """A stable fold for a question (by a hash of its text), so runs agree."""
    return int(hashlib.sha1(question.encode("utf-8")).hexdigest(), 16) % folds


@dataclass(frozen=True)
class CrossValidation:
    chosen: Config
    threshold: float
    folds: int
    fold_choices: tuple[tuple[Config, float], ...]
    held_out: list[Outcome] = field(repr=False)
    fold_thresholds: dict[int, float] = field(repr=False)

    def held_out_threshold(self, outcome: Outcome) -> float:
        return self.fold_thresholds[id(outcome)]


def cross_validate(by_config: dict[Config, list[Outcome]], folds: int = 5) -> CrossValidation:
    """k-fold: choose on k-1 folds, score the held-out fold; also the in-sample choice on everything."""
    any_config = next(iter(by_config))
    base = by_config[any_config]
    fold = [fold_of(o.item.question, folds) for o in base]
    held_out: list[Outcome] = [base[0]] * len(base)
    thresholds: dict[int, float] = {}
    choices = []
    for k in range(folds):
        train = [i for i, f in enumerate(fold) if f != k]
        test = [i for i, f in enumerate(fold) if f == k]
        config, threshold = choose(by_config, train)
        choices.append((config, threshold))
        for i in test:
            held_out[i] = by_config[config][i]
            thresholds[id(held_out[i])] = threshold
    chosen, threshold = choose(by_config, range(len(base)))
    return CrossValidation(chosen, threshold, folds, tuple(choices), held_out, thresholds)


# --- The report ------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    sets: tuple[str, ...]
    chosen: dict[str, float]
    threshold: float
    folds: int
    fold_choices: list[dict[str, float]]
    pooled_cv: Figures
    pooled_in_sample: Figures
    per_set: dict[str, tuple[Figures, Figures]]
    per_shape: dict[str, tuple[Figures, Figures]]
    latency: dict[str, float]
    #: (threshold, in-scope answered, out-of-scope declined) along the chosen configuration's thresholds.
    curve: list[tuple[float, float, float]] = field(default_factory=list)

    def failures(self) -> list[str]:
        return self.pooled_cv.failures()

    def to_dict(self) -> dict[str, Any]:
        return {
            "sets": list(self.sets),
            "chosen": self.chosen,
            "threshold": round(self.threshold, 4),
            "folds": self.folds,
            "fold_choices": self.fold_choices,
            "pooled": {"cross_validated": asdict(self.pooled_cv), "in_sample": asdict(self.pooled_in_sample)},
            "per_set": {k: _both(v) for k, v in self.per_set.items()},
            "per_shape": {k: _both(v) for k, v in self.per_shape.items()},
            "latency": self.latency,
            "curve": [{"threshold": t, "answered": a, "declined": d} for t, a, d in self.curve],
        }

    def format(self) -> str:
        if self.folds:
            lines = [
                f"Sets: {', '.join(self.sets)}. {self.folds}-fold cross-validation over the pooled questions; "
                "each cell is held-out (in-sample).",
                f"Chosen on all questions: {_config_text(self.chosen)}, threshold {self.threshold:.3f}",
                "",
            ]
        else:
            lines = [
                f"Sets: {', '.join(self.sets)}. Settings as configured, nothing chosen on these questions "
                f"(threshold {self.threshold:.3f}); each cell is held-out (and the same in-sample).",
                "",
            ]
        header = ["group", "in/out/flags", "hit@1", "hit@3", "hit@5", "answered", "declined", "red flags"]
        header += ["urgent on ordinary", "both sides", "boilerplate", "not verbatim"]
        rows = [header]
        groups = [("pooled", (self.pooled_cv, self.pooled_in_sample)), *self.per_set.items()]
        groups += [(f"  shape: {k}", v) for k, v in self.per_shape.items()]
        for name, (cv, ins) in groups:
            rows.append(
                [
                    name,
                    f"{cv.in_scope}/{cv.out_of_scope}/{cv.red_flags}",
                    _pair(cv.hit_at_1, ins.hit_at_1),
                    _pair(cv.hit_at_3, ins.hit_at_3),
                    _pair(cv.hit_at_5, ins.hit_at_5),
                    _pair(cv.in_scope_answered, ins.in_scope_answered),
                    _pair(cv.out_of_scope_declined, ins.out_of_scope_declined, cv.out_of_scope),
                    f"{cv.red_flag_recall:.2f}" if cv.red_flags else "-",
                    str(cv.urgent_on_ordinary),
                    f"{cv.both_sides_recall:.2f} of {cv.both_sides}" if cv.both_sides else "-",
                    str(cv.boilerplate_quoted),
                    str(cv.not_verbatim),
                ]
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
        if self.curve:
            lines += ["", "Trade-off (pooled, in-sample): threshold -> in-scope answered / out-of-scope declined"]
            lines += [f"  {t:.3f} -> {a:.2f} / {d:.2f}" for t, a, d in self.curve]
        if self.latency:
            lat = self.latency
            lines += [
                "",
                f"ask() p50 / p95: {lat['ask_p50_ms']:.1f} / {lat['ask_p95_ms']:.1f} ms; "
                f"bare model calls p50 / p95: {lat['embed_p50_ms']:.1f} / {lat['embed_p95_ms']:.1f} ms; "
                f"ratio {lat['ratio']:.2f}x",
            ]
        return "\n".join(lines)


def _both(figures: tuple[Figures, Figures]) -> dict[str, Any]:
    return {"cross_validated": asdict(figures[0]), "in_sample": asdict(figures[1])}


def _pair(cv: float, ins: float, n: int = 1) -> str:
    return f"{cv:.2f} ({ins:.2f})" if n else "-"


def _config_text(config: dict[str, float]) -> str:
    return ", ".join(f"{k} {v}" for k, v in config.items())


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure_latency(assistant: Assistant, questions: list[str], rounds: int = 3) -> dict[str, float]:
    """Time ``ask()`` and the bare model calls it makes (the query embedding, and the second retriever's), interleaved.

    Interleaving puts both under the same machine load, so their ratio means
    something on a noisy machine.
    """
    second = assistant.second

    def bare(question: str) -> None:
        assistant.embedder.embed([question])
        if second is not None:
            second.embed_queries([question])

    asks: list[float] = []
    embeds: list[float] = []
    for question in questions[:3]:  # warm-up
        assistant.ask(question)
        bare(question)
    for _ in range(rounds):
        for question in questions:
            start = time.perf_counter()
            bare(question)
            embeds.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            assistant.ask(question)
            asks.append((time.perf_counter() - start) * 1000)
    ask50, emb50 = statistics.median(asks), statistics.median(embeds)
    return {
        "ask_p50_ms": ask50,
        "ask_p95_ms": _percentile(asks, 0.95),
        "embed_p50_ms": emb50,
        "embed_p95_ms": _percentile(embeds, 0.95),
        "ratio": ask50 / emb50 if emb50 else float("inf"),
    }


class CachedEmbedder:
    """An embedder with a memory of texts already embedded: the grid asks each question many times.

    Wraps either kind of model: ``embed`` for the main one, ``embed_queries``
    for the second retriever.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = int(getattr(inner, "dimension", 0))
        self._cache: dict[str, np.ndarray] = {}

    def _cached(self, texts: list[str], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vector in zip(missing, embed(missing), strict=True):
                self._cache[text] = vector
        return np.stack([self._cache[t] for t in texts])

    def embed(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
        return self._cached(texts, self.inner.embed)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._cached(texts, self.inner.embed_queries)

    def embed_passages(self, texts: list[str], *, show_progress_bar: bool = False) -> np.ndarray:
        result: np.ndarray = self.inner.embed_passages(texts, show_progress_bar=show_progress_bar)
        return result


def _of_set(name: str) -> Callable[[Outcome], bool]:
    return lambda o: o.item.set == name


def _of_shape(shape: str) -> Callable[[Outcome], bool]:
    return lambda o: o.item.kind == "in_scope" and o.shape == shape


def threshold_setting(assistant: Assistant) -> str:
    """Which threshold setting applies: the second retriever's scale, or the fused one without it."""
    return "cover_threshold" if assistant.second is not None else "fused_cover_threshold"


def evaluate(
    assistant: Assistant,
    sets: QuestionSet | Sequence[QuestionSet],
    *,
    latency_rounds: int = 3,
    folds: int = 5,
    grid: dict[str, tuple[float, ...]] | None = None,
    tune: bool = True,
) -> Report:
    """Ask every question under every configuration of the grid and report cross-validated figures.

    With ``tune=False`` nothing is chosen: the assistant's own settings are
    scored as they are (for an article the settings were not chosen on, every
    figure is then a held-out one).
    """
    sets = [sets] if isinstance(sets, QuestionSet) else list(sets)
    grid = CV_GRID if grid is None else grid
    if assistant.second is None:  # nothing to weigh
        grid = {k: v for k, v in grid.items() if k != "second_weight"}
    if not tune:
        return _evaluate_fixed(assistant, sets, latency_rounds)
    second = CachedEmbedder(assistant.second) if assistant.second is not None else None
    cached = assistant.with_embedder(CachedEmbedder(assistant.embedder), second)
    by_config: dict[Config, list[Outcome]] = {}
    names = sorted(grid)
    for values in itertools.product(*(grid[n] for n in names)):
        config: Config = tuple(zip(names, values, strict=True))
        by_config[config] = collect(cached.with_settings(**dict(config)), sets)
    cv = cross_validate(by_config, folds)
    in_sample = by_config[cv.chosen]

    def split(select: Callable[[Outcome], bool]) -> tuple[Figures, Figures]:
        held = [o for o in cv.held_out if select(o)]
        mine = [o for o in in_sample if select(o)]
        return tally(held, cv.held_out_threshold), tally(mine, cv.threshold)

    per_set = {s.name: split(_of_set(s.name)) for s in sets}
    shapes = sorted({o.shape for o in in_sample if o.item.kind == "in_scope"})
    per_shape = {shape: split(_of_shape(shape)) for shape in shapes}
    pooled = split(lambda o: True)
    latency: dict[str, float] = {}
    if latency_rounds > 0:
        chosen = assistant.with_settings(**dict(cv.chosen), **{threshold_setting(assistant): cv.threshold})
        questions = [q for s in sets for q in s.all_questions]
        latency = measure_latency(chosen, questions, latency_rounds)
    return Report(
        curve=tradeoff(in_sample),
        sets=tuple(s.name for s in sets),
        chosen=dict(cv.chosen),
        threshold=cv.threshold,
        folds=folds,
        fold_choices=[{**dict(c), "cover_threshold": round(t, 4)} for c, t in cv.fold_choices],
        pooled_cv=pooled[0],
        pooled_in_sample=pooled[1],
        per_set=per_set,
        per_shape=per_shape,
        latency=latency,
    )


def _evaluate_fixed(assistant: Assistant, sets: Sequence[QuestionSet], latency_rounds: int) -> Report:
    """Score the assistant's settings as they are: no choice, so in-sample and held-out are the same."""
    outcomes = collect(assistant, sets)
    threshold = float(getattr(assistant.settings, threshold_setting(assistant)))

    def both(select: Callable[[Outcome], bool]) -> tuple[Figures, Figures]:
        figures = tally([o for o in outcomes if select(o)], threshold)
        return figures, figures

    shapes = sorted({o.shape for o in outcomes if o.item.kind == "in_scope"})
    pooled = both(lambda o: True)
    latency = {}
    if latency_rounds > 0:
        latency = measure_latency(assistant, [q for s in sets for q in s.all_questions], latency_rounds)
    return Report(
        sets=tuple(s.name for s in sets),
        chosen={},
        threshold=threshold,
        folds=0,
        fold_choices=[],
        pooled_cv=pooled[0],
        pooled_in_sample=pooled[1],
        per_set={s.name: both(_of_set(s.name)) for s in sets},
        per_shape={shape: both(_of_shape(shape)) for shape in shapes},
        latency=latency,
    )
